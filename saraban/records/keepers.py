"""Who keeps a unit's records, and the small readers the records' operations share.

A unit keeps its documents: those it made (origin) and those entered in its receipt
registers. Its clerks (or administrators) keep them: they set how long a document is kept
(``retention``), list what reached its term and destroy it (``destruction``), and lend
paper originals (``loans``). The checks of who may do that, and the refusal they raise,
live here so that those three modules say the same thing in the same words.
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select, union

from saraban.accounts.models import User
from saraban.documents.access import require_readable
from saraban.documents.models import Document
from saraban.extensions import db
from saraban.permissions import can_keep_records, keeper_unit_ids
from saraban.registers.models import EntryStatus, Receipt, Register
from saraban.thaidate import to_arabic_digits, to_thai_digits
from saraban.units.models import Unit
from saraban.validation import OperationError, is_row_id


class RecordsError(OperationError):
    """A refusal about keeping, lending or destroying documents."""



# --- who keeps what ------------------------------------------------------------------

def held_by(unit_ids) -> object:
    """A WHERE clause on ``Document``: made by one of the units, or entered (not cancelled)
    in one of their receipt registers."""
    registers = select(Register.id).where(Register.unit_id.in_(unit_ids)).scalar_subquery()
    received = exists().where(Receipt.document_id == Document.id,
                              Receipt.register_id.in_(registers),
                              Receipt.status == EntryStatus.ACTIVE)
    return or_(Document.origin_unit_id.in_(unit_ids), received)


def _holding_units(document_id: int, among: list[int]) -> list[int]:
    """Which of ``among`` hold the document (made it or received it)."""
    if not among:
        return []
    made = select(Document.origin_unit_id).where(Document.id == document_id,
                                                 Document.origin_unit_id.in_(among))
    received = (select(Register.unit_id).join(Receipt, Receipt.register_id == Register.id)
                .where(Receipt.document_id == document_id, Receipt.status == EntryStatus.ACTIVE,
                       Register.unit_id.in_(among)))
    return sorted(set(db.session.scalars(union(made, received))))


def read_id(value, field: str) -> int | None:
    if isinstance(value, str):
        value = to_arabic_digits(value).strip()
        if value.isdecimal() and len(value) < 11:
            value = int(value)
    if value in (None, ""):
        return None
    if not is_row_id(value):
        raise RecordsError("รหัสไม่ถูกต้อง", f"'{field}' must be an id.", field=field)
    return value


def read_whole(value, field: str, label: str, low: int, high: int) -> int | None:
    """A whole number (Arabic or Thai digits) in ``low..high``, or None when not given."""
    if isinstance(value, str):
        value = to_arabic_digits(value).strip()
        if value == "":
            return None
        value = int(value) if value.isdecimal() and len(value) < 6 else value
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RecordsError(
            f"{label}ต้องเป็นจำนวนเต็มตั้งแต่ {to_thai_digits(low)} ถึง {to_thai_digits(high)}",
            f"'{field}' must be a whole number from {low} to {high}.", field=field)
    return value


def require_keeper(user: User, unit_id: int, doing_th: str, doing_en: str) -> None:
    if not can_keep_records(user, unit_id):
        raise RecordsError(f"เฉพาะเจ้าหน้าที่สารบรรณของหน่วยนี้จึง{doing_th}ได้",
                           f"Only the unit's clerks may {doing_en}.", status=403)


def document_to_keep(user: User, document_id, doing_th: str, doing_en: str,
                      unit_id: int | None = None) -> tuple[Document, int]:
    """The document and the unit keeping it for the user: 404 when he may not see it,
    403 when he is no clerk (or administrator) of a unit that holds it."""
    document_id = read_id(document_id, "document_id")
    if document_id is None:
        raise RecordsError("กรุณาระบุหนังสือ", "'document_id' is required.", field="document_id")
    document = require_readable(user, document_id)
    keepers = keeper_unit_ids(user)
    if not keepers:
        raise RecordsError(f"เฉพาะเจ้าหน้าที่สารบรรณจึง{doing_th}ได้",
                           f"Only clerks may {doing_en}.", status=403)
    if unit_id is not None:
        require_keeper(user, unit_id, doing_th, doing_en)
        keepers = [unit_id]
    units = _holding_units(document.id, keepers)
    if not units:
        raise RecordsError(
            f"หนังสือนี้ไม่ได้อยู่ในความดูแลของหน่วยของท่าน จึง{doing_th}ไม่ได้",
            f"This document is not kept by your unit, so you may not {doing_en}.", status=403)
    return document, units[0]


def keeper_units(user: User) -> list[Unit]:
    """The units whose records the user keeps, for the pages' choices."""
    ids = keeper_unit_ids(user)
    if not ids:
        return []
    return list(db.session.scalars(select(Unit).where(Unit.id.in_(ids)).order_by(Unit.id)))
