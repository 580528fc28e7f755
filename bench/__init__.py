"""Benchmarks (``python -m bench.list_pages``); results go to bench/results/ (git-ignored)."""
