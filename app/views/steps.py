"""What every workflow screen does around its step, written once.

A workflow's step is a plain function of the domain (``app/rules/…``: it checks, then changes
the records, and raises ``RuleError`` with the reasons when it refuses). A screen then reads as
parse, call, show::

    inspection = record_or_404(self, pk)
    if request.method == "POST" and form.validate():
        done, error = run_step(lambda: rectify(...), _l("The rectification was submitted."),
                               url_for("InspectionView.show", pk=inspection.id))
        if done:
            return done

``run_step`` commits when the step succeeds and tells the user what was done; when the rules
refuse, it rolls back (nothing of the refused step is kept) and hands the refusal to the
screen, which shows it beside the form or as a message. A screen that answers with something
else than a redirect (a file, the page again) calls ``run``, the same transaction without the
message. No step commits by itself: whatever fails on the way (a refusal, the database, a bug)
leaves nothing of the step stored.
"""
from __future__ import annotations

from flask import abort, flash, redirect
from flask_appbuilder.forms import DynamicForm
from wtforms import TextAreaField

from app.extensions import db
from app.rules import RuleError


class ReasonForm(DynamicForm):
    """A step's written reason (a loan not approved, a notice returned); its rules say when it is missing."""

    reason = TextAreaField()


def record_or_404(view, pk):
    """The view's record ``pk`` through its data interface (so through the school scope), or 404."""
    item = view.datamodel.get(pk)
    if item is None:
        abort(404)
    return item


def run(step):
    """Run ``step()`` as one transaction: committed, ``(result, None)``; refused by the rules
    (``RuleError``), rolled back, ``(None, error)``. Any other failure is rolled back too and goes on
    up (to the error pages)."""
    try:
        result = step()
        db.session.commit()
    except RuleError as exc:
        db.session.rollback()
        return None, exc
    except Exception:
        db.session.rollback()
        raise
    return result, None


def run_step(step, done, then):
    """Run ``step()``; commit, flash ``done`` (a message, or a function of the step's result that
    gives one) and redirect to ``then`` (a URL, or a function of the result). On a ``RuleError``
    roll back and return ``(None, error)``; on success ``(redirect, None)``."""
    result, error = run(step)
    if error is not None:
        return None, error
    flash(done(result) if callable(done) else done, "success")
    return redirect(then(result) if callable(then) else then), None


def run_and_return(step, done, then):
    """A step posted from a record's page (a button, no form of its own): whatever the outcome,
    back to ``then``, with what was done or why it was refused as the message."""
    response, error = run_step(step, done, then)
    if error is not None:
        flash(str(error), "danger")
        return redirect(then(None) if callable(then) else then)
    return response
