"""The figures of the work plan, each computed in one tested place (pages only display them).

Queries here run through the ORM, so the school scope applies: an officer's
figures are its own school's, the centre's are the county's.
"""


def rate(part, whole):
    """A share as a fraction (None when there is nothing to divide by)."""
    return None if not whole else part / whole


def at_once(session, statements):
    """Many one-value figures read in one statement: ``{name: select(one aggregate)}`` -> ``{name: value}``.

    Each statement becomes a scalar subquery of a single SELECT (one round trip instead of one per
    figure); each keeps its own plan and index.  The school scope reaches every subquery, as it
    reaches any ORM statement (app/security/scope.py)."""
    from sqlalchemy import select

    if not statements:
        return {}
    row = session.execute(select(*[stmt.scalar_subquery().label(name) for name, stmt in statements.items()])).one()
    return dict(row._mapping)
