"""What every page does around an operation: run it, say what happened, go back safely.

A leaf module: it imports Flask, the extensions, the validation errors and the document
access rule, never a view, so that any view may import it without a cycle (web.py, which
wires the views into the app, imports them; they do not import web.py).

The request's one commit is the boundary's (``saraban.transaction``): a page runs its
operation here, which flushes; the boundary commits once the view returns and rolls back
on any error raised after it.

A page that only reads but must write down that it showed a secret document
(``record_views``, ``record_view``) renders first and writes last, just before it returns:
the write takes SQLite's write lock and the audit chain's head row (on PostgreSQL too),
which the boundary holds until its commit, so that writing first would make every other
writer wait for the whole rendering of the page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, url_for

from saraban.documents.access import HiddenDocument
from saraban.extensions import db
from saraban.validation import OperationError


def run_operation(action, done: str | None = None):
    """Run one operation for a page and say in the page's language what happened
    (``done``, already translated) or why not. Gives the operation's result, or None when
    it was refused (and the request's work is rolled back: nothing was saved).

    The work is flushed here, before ``done`` is flashed, so that a constraint the
    database refuses is an error page, never a page that said "saved"; the commit itself
    is the request's boundary."""
    try:
        result = action()
        db.session.flush()
    except OperationError as error:
        db.session.rollback()
        flash_refusal(error)
        return None
    if done:
        flash(done, "info")
    return result


def flash_refusal(error: OperationError) -> None:
    """Say in the page why an operation refused (the caller has rolled back). A thing
    asked for by id that does not exist, or whose document the user may not read,
    answers the 404 page instead, the same either way and the same as the API, so that
    an id of a hidden document reveals nothing."""
    if isinstance(error, HiddenDocument):
        abort(404)
    flash(error.message_for(), "error")


def safe_next(target: str | None, default: str | None = None) -> str:
    """A page of this site to go back to: a path starting with one "/" and nothing a
    browser could read as another host ("//host", "/\\host", "////host", tabs or newlines
    that it strips, a scheme). Anything else gives ``default`` (the home page). Every
    redirect that takes a next/back parameter goes through here."""
    if isinstance(target, str) and target.startswith("/") and target.isprintable() \
            and not target.startswith(("//", "/\\")) and "\\" not in target \
            and not any(ch.isspace() for ch in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/") \
                and not parts.path.startswith("//"):
            return target
    return default or url_for("accounts.home")


def form_id(value):
    """A form's id or level as the operations take it: a number when it is digits, anything
    else as typed (for the operation to refuse in its own words), None when empty."""
    value = (value or "").strip()
    return int(value) if value.isdigit() else (value or None)
