"""Who may see which document, written once as SQL so that lists and counts obey it.

An ordinary document (secrecy ปกติ) is seen by a user when one of these holds: he sees
everything (``sees_all``); it comes from one of his units; it was received in a register
of one of his units; it was sent to or from one of his units; or he entered it.
A membership ``with_subunits`` extends to every unit below.

A secret document (ลับ, ลับมาก, ลับที่สุด) is seen only by a user whose clearance covers
its level and who entered it or is named as its reader (``DocumentReader``): neither his
units nor ``sees_all`` are enough, as the regulation on official secrets wants a secret
document to reach a named person. Its number and date still stand in the registers,
masked, so that the registers show no gap.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, bindparam, exists, false, or_, select, true
from sqlalchemy.orm import aliased

from saraban.accounts.models import Membership, User
from saraban.documents.models import Document, DocumentReader
from saraban.registers.models import Receipt, Register
from saraban.routing.models import Transfer
from saraban.units.models import Unit
from saraban.validation import OperationError


def _membership_tree():
    """(role, unit id) for every unit a user belongs to, with the units below where the
    membership extends to them: one recursive query, built once, for ``:user_id``."""
    direct = select(
        Membership.role.label("role"),
        Membership.unit_id.label("id"),
        Membership.with_subunits.label("deep"),
    ).where(Membership.user_id == bindparam("user_id"))
    tree = direct.cte("member_units", recursive=True)
    child = aliased(Unit)
    tree = tree.union(
        select(tree.c.role, child.id, true()).join(
            tree, and_(child.parent_id == tree.c.id, tree.c.deep)
        )
    )
    return select(tree.c.role, tree.c.id)


_MEMBERSHIP_TREE = _membership_tree()


def secret_rule(clearance, user_id) -> ColumnElement[bool]:
    """Who may read a secret document: his clearance covers it, and he entered it or is
    named as its reader. Over SQL expressions (or values) for the clearance and user id."""
    named = exists().where(DocumentReader.document_id == Document.id,
                           DocumentReader.user_id == user_id)
    return and_(Document.secrecy > 0, Document.secrecy <= clearance,
                or_(Document.created_by_id == user_id, named))


def _rule(sees_all: bool, clearance, units, user_id, secret: bool = True
          ) -> ColumnElement[bool]:
    """The visibility rule, over SQL expressions for the clearance, unit ids and user id.
    ``secret=False`` (a user without clearance) leaves the secret branch out."""
    mine = Document.created_by_id == user_id  # entered by him, not yet registered anywhere
    if sees_all:
        ordinary = Document.secrecy == 0
    else:
        registers = select(Register.id).where(Register.unit_id.in_(units)).scalar_subquery()
        received_here = exists().where(
            Receipt.document_id == Document.id, Receipt.register_id.in_(registers)
        )
        sent_here = exists().where(
            Transfer.document_id == Document.id,
            or_(Transfer.to_unit_id.in_(units), Transfer.from_unit_id.in_(units)),
        )
        ordinary = and_(Document.secrecy == 0, or_(
            Document.origin_unit_id.in_(units), received_here, sent_here, mine))
    if not secret:
        return ordinary
    return or_(ordinary, secret_rule(clearance, user_id))


def _allowed(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.active


def visible_filter(user: User | None) -> ColumnElement[bool]:
    """A WHERE clause on ``Document`` for what ``user`` may see.

    The user's units are read first (one small query, cached on the user for the request),
    so that the database sees plain lists and can use its indexes on the unit columns.
    """
    if not _allowed(user):
        return false()
    return _rule(user.sees_all, user.clearance, member_unit_ids(user) or [-1], user.id,
                 secret=user.clearance > 0)


def secrecy_filter(user: User) -> ColumnElement[bool]:
    """For lists that already limit documents to the user's units (inbox, proposals,
    recent receipts, pendency): ordinary documents, or secret ones he may read."""
    if user.clearance <= 0:
        return Document.secrecy == 0
    return or_(Document.secrecy == 0, secret_rule(user.clearance, user.id))


def cleared_members(unit_id: int, role, secrecy: int) -> list[User]:
    """The active users holding ``role`` in ``unit_id`` and cleared for ``secrecy``: those
    named to read a secret document that goes to the unit without a person's name."""
    from saraban.extensions import db

    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.unit_id == unit_id, Membership.role == role,
               User.active, User.clearance >= secrecy)
        .order_by(User.id)).unique())


def name_reader(document: Document, user: User, granted_by: User | None) -> bool:
    """Name ``user`` a reader of ``document`` (flushes). True when newly named."""
    from saraban.db import utcnow
    from saraban.extensions import db

    if user.id == document.created_by_id or db.session.scalar(
            select(DocumentReader.id).where(DocumentReader.document_id == document.id,
                                            DocumentReader.user_id == user.id)):
        return False
    db.session.add(DocumentReader(document_id=document.id, user_id=user.id,
                                  granted_by_id=granted_by.id if granted_by else None,
                                  granted_at=utcnow().replace(microsecond=0)))
    db.session.flush()
    return True


# One document by id, if visible: the statements are built once (per kind of user) and
# run with parameters, as the busiest operations (registering, sending) all start here.
_ONE_VISIBLE = {
    sees_all: select(Document).where(
        Document.id == bindparam("document_id"),
        _rule(sees_all, bindparam("clearance"), bindparam("units", expanding=True),
              bindparam("user_id")),
    )
    for sees_all in (False, True)
}


def visible_document(user: User | None, document_id) -> Document | None:
    """The document, if it exists and ``user`` may see it; None otherwise (the same
    answer either way, so that ids reveal nothing)."""
    from saraban.extensions import db
    from saraban.validation import is_row_id

    if not _allowed(user) or not is_row_id(document_id):
        return None
    params = {"document_id": document_id, "clearance": user.clearance, "user_id": user.id}
    if not user.sees_all:
        params["units"] = member_unit_ids(user) or [-1]
    return db.session.scalar(_ONE_VISIBLE[user.sees_all], params)


def member_unit_ids(user: User, role=None) -> list[int]:
    """The ids of the user's units (in ``role``, or in any role), read once per user
    object (that is, once per request)."""
    cache = user.__dict__.get("_saraban_units")
    if cache is None:
        from saraban.extensions import db

        cache = {None: set()}
        for unit_role, unit_id in db.session.execute(_MEMBERSHIP_TREE, {"user_id": user.id}):
            cache.setdefault(unit_role, set()).add(unit_id)
            cache[None].add(unit_id)
        cache = {key: sorted(ids) for key, ids in cache.items()}
        user.__dict__["_saraban_units"] = cache
    return cache.get(role, [])


def can_view(user: User | None, document_id: int) -> bool:
    return visible_document(user, document_id) is not None


class HiddenDocument(OperationError):
    """The document does not exist, or the user may not read it: the same 404 either way
    (pages and API alike), so that an id reveals nothing. ``message_th``/``message_en``
    name what was asked for by id (a transfer, a receipt line), when not the document."""

    def __init__(self, message_th: str = "ไม่พบหนังสือนี้",
                 message_en: str = "No such document.", field: str | None = None):
        super().__init__(message_th, message_en, status=404, field=field)


def require_readable(user: User | None, document_id, *, not_found: tuple[str, str] | None
                     = None, field: str | None = None) -> Document:
    """The document, when ``user`` may read it; HiddenDocument otherwise. Every operation
    that acts on a document calls this first: the right to act starts with the right to
    read (a secret document's unit, register or transfer gives no right of its own).
    ``not_found`` is the (Thai, English) refusal for the thing asked for by id."""
    document = visible_document(user, document_id)
    if document is None:
        raise HiddenDocument(*(not_found or ()), field=field)
    return document


def document_for_clerk(user: User | None, document_id, doing_th: str, doing_en: str):
    """The document, for a change only clerks (or administrators) make: 404 when the user
    may not see it, 403 when he keeps no register. ``doing_th``/``doing_en`` name the
    change in the refusal ("แนบไฟล์", "attach files")."""
    from saraban.permissions import can_keep_records

    document = require_readable(user, document_id)
    if not can_keep_records(user):
        raise OperationError(f"เฉพาะเจ้าหน้าที่สารบรรณจึง{doing_th}ได้",
                             f"Only clerks may {doing_en}.", status=403)
    return document


def record_views(user: User, documents, how: str, file_id: int | None = None) -> bool:
    """Each secret document among ``documents`` shown to ``user`` (a list, a chain, a
    printed sheet, a page, one of its files: ``file_id``) is a ``document.view`` event,
    once per document and request (flushes only: the request's boundary commits). True
    when something was written."""
    from saraban.audit.operations import record_view
    from saraban.db import begin_write
    from saraban.extensions import db

    shown = {d.id: d for d in documents if d is not None and d.secrecy}
    if not shown:
        return False
    begin_write(db.session)  # after the reads: SQLite takes its write lock here
    for document in shown.values():
        record_view(user, document, how, file_id)
    return True
