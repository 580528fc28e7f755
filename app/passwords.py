"""Password policy for database logins (kept free of app imports: config.py loads it)."""
import re

from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext

MIN_LENGTH = 8


def password_complexity(password: str) -> None:
    """At least 8 characters and three of: lower case, upper case, digit, symbol."""
    password = password or ""
    classes = sum(
        bool(re.search(pattern, password))
        for pattern in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")
    )
    if len(password) < MIN_LENGTH or classes < 3:
        raise PasswordComplexityValidationError(
            gettext(
                "The password needs at least 8 characters and three of: "
                "lower-case letters, upper-case letters, digits, symbols."
            )
        )
