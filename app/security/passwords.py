"""Password policy for database logins (kept free of app imports: config.py loads it)."""
import re

from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext

MIN_LENGTH = 8


def password_complexity(password: str) -> None:
    """At least 8 characters and three of: lower case, upper case, digit, symbol; outside
    development, never the demo password (app/demo/guard.py)."""
    password = password or ""
    classes = sum(
        bool(re.search(pattern, password))
        for pattern in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
    )
    from app.demo import guard as demo_guard  # here: config.py imports this module

    if not demo_guard.is_development() and demo_guard.is_demo_password(password):
        raise PasswordComplexityValidationError(
            gettext("This is the demo password, which everyone knows: choose another one.")
        )
    if len(password) < MIN_LENGTH or classes < 3:
        raise PasswordComplexityValidationError(
            gettext(
                "The password needs at least 8 characters and three of: "
                "lower-case letters, upper-case letters, digits, symbols."
            )
        )
