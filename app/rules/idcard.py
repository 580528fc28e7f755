"""Resident ID numbers, read by the rules under this name: the format lives in app/domain/idcard.py,
below the models, which mask the number and hash it for searches."""
from app.domain.idcard import *  # noqa: F401,F403
