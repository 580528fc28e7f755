"""The figures of the work plan, each computed in one tested place (pages only display them).

Queries here run through the ORM, so the school scope applies: an officer's
figures are its own school's, the centre's are the county's.
"""


def rate(part, whole):
    """A share as a fraction (None when there is nothing to divide by)."""
    return None if not whole else part / whole
