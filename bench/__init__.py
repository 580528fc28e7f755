"""Benchmarks (``python -m bench.list_pages``); results go to bench/results/ (git-ignored)."""
import os

# Benchmarks load the demo county and log in as its users: development, whatever the shell says
# (config.py's default is production, which refuses both). Set before config.py is imported.
os.environ["AID_ENV"] = "development"
