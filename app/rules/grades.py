"""The grade table, read by the rules under this name: it lives in app/domain/grades.py, below the
models, which need it for their coded columns."""
from app.domain.grades import *  # noqa: F401,F403
