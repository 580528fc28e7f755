"""How app/fab/speedups.py and app/fab/fixes.py replace a Flask-AppBuilder function in place (fenced in
app/fab/__init__.py PATCHED; its fingerprint is read through ``__wrapped__``)."""


def patch(owner, name, wrap):
    """Replace ``owner.name`` (a FAB class's method or a module's function) by ``wrap(original)``, once: the
    replacement keeps the original as ``__wrapped__`` (what ``resolve`` and the fingerprints read) and is
    not wrapped again when another app of the process installs the same patches."""
    original = getattr(owner, name)
    if getattr(original, "aid_patched", False):
        return
    replacement = wrap(original)
    replacement.aid_patched = True
    replacement.__wrapped__ = original
    setattr(owner, name, replacement)
