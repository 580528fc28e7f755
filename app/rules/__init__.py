"""Business rules, callable without HTTP: views, the API, the CLI and imports all use them."""


class RuleError(ValueError):
    """A record that breaks a business rule.

    ``errors`` maps a field name to a user-facing message, so that a form can
    show it beside the field and the API can return it as a 422 body.
    """

    def __init__(self, errors):
        self.errors = {field: str(message) for field, message in errors.items()}
        super().__init__("; ".join(self.errors.values()))

    def __str__(self):
        return "；".join(self.errors.values())
