"""Who may do what: every permission rule of the system, each written once.

The operations call these functions to refuse, the views and the API call them (or rely on
the operation's refusal), and the templates call the same functions, registered as Jinja
globals by ``register_template_globals``, to show only the menus, links and buttons the
user may use. A rule written here and nowhere else cannot drift between the menu and the
page it leads to (a menu that offers a page answering 403 was the bug this file ends).

Rules about one user's reach take a ``User`` (the acting user: ``current_user`` on a page,
``g.api_user`` in the API) and read his memberships through
``saraban.documents.access.member_unit_ids`` (read once per request, with the units below
a membership "with subunits"). Rules about a thing (``is_top_secret``, ``is_overdue``) take
the thing. Who may *read* a document is the SQL rule of saraban/documents/access.py, since
lists and counts must obey it in the database; it is not repeated here.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Select, select

from saraban.accounts.models import Role
from saraban.documents.access import member_unit_ids
from saraban.documents.models import Secrecy
from saraban.registers.models import Register, RegisterKind

if TYPE_CHECKING:
    from saraban.accounts.models import User


def _signed_in(user) -> bool:
    return (user is not None and getattr(user, "is_authenticated", False)
            and bool(user.active))


# -- administering ---------------------------------------------------------------------
#
# A system administrator (``User.is_sysadmin``: few, named, with TOTP turned on) manages
# every unit and user. Anyone else administers by membership: the admin role in a unit (and
# the units below it, ``with_subunits``). The finer lanes (whose users he may change, what
# he may grant) are saraban/admin/operations.py's ``admin_scope``.

def is_system_admin(user: User | None) -> bool:
    """A system administrator whose second factor is on (unless SARABAN_SYSADMIN_TOTP=0):
    ``is_sysadmin`` alone gives nothing until TOTP is turned on."""
    from flask import current_app

    if not _signed_in(user) or not user.is_sysadmin:
        return False
    return bool(user.totp_enabled or not current_app.config.get("SYSADMIN_TOTP", True))


def can_administer(user: User | None, unit_id: int | None = None) -> bool:
    """Manages units, users and delegations (หน่วยงาน, ผู้ใช้, การมอบอำนาจ): a system
    administrator, or an active user with the admin role in some unit; with ``unit_id``,
    in that unit (or a unit above it, with subunits)."""
    if not _signed_in(user):
        return False
    if is_system_admin(user):
        return True
    admin_units = member_unit_ids(user, Role.ADMIN)
    return bool(admin_units) if unit_id is None else unit_id in admin_units


def can_administer_exchange(user: User | None) -> bool:
    """Sets up the agency's e-CMS link (code tables, sync, the mapping of our levels to
    the node's codes): one for the whole agency, so a system administrator, or an admin
    of a top-level unit (the agency itself), never the admin of a unit inside it."""
    from saraban.extensions import db
    from saraban.units.models import Unit

    if not _signed_in(user):
        return False
    if is_system_admin(user):
        return True
    admin_units = member_unit_ids(user, Role.ADMIN)
    return bool(admin_units) and db.session.scalar(select(Unit.id).where(
        Unit.id.in_(admin_units), Unit.parent_id.is_(None)).limit(1)) is not None


def can_grant_sees_all(user: User | None) -> bool:
    """Only a system administrator makes system administrators or gives "sees every unit"
    (``sees_all``): a unit administrator grants no reach beyond his own."""
    return is_system_admin(user)


# -- registers and records ------------------------------------------------------------

def keeper_unit_ids(user: User) -> list[int]:
    """Units whose registers and records the user keeps: where he is a clerk
    (เจ้าหน้าที่สารบรรณ) or an administrator, with the units below where his membership
    says so."""
    return sorted(set(member_unit_ids(user, Role.CLERK)) | set(member_unit_ids(user, Role.ADMIN)))


def usable_registers_query(user: User) -> Select:
    """SQL: the active registers the user may write in, those of the units he keeps;
    secret registers (ทะเบียนหนังสือลับ) only with a clearance."""
    stmt = select(Register).where(Register.unit_id.in_(keeper_unit_ids(user)),
                                  Register.is_active)
    if user.clearance < 1:
        stmt = stmt.where(Register.is_secret.is_(False))
    return stmt


def register_unit_ids(user: User, kind: RegisterKind | str) -> list[int]:
    """The units whose register of ``kind`` the user keeps (read once per user object,
    that is once per request): who numbers a unit's letters, or receives its paper."""
    kind = RegisterKind(kind)
    cache = user.__dict__.setdefault("_saraban_register_units", {})
    if kind not in cache:
        from saraban.extensions import db

        cache[kind] = sorted(set(db.session.scalars(
            usable_registers_query(user).where(Register.kind == kind)
            .with_only_columns(Register.unit_id).distinct())))
    return cache[kind]


def can_register(user: User | None, kind: RegisterKind | str | None = None) -> bool:
    """Keeps a register (of ``kind``, "receipt" or "dispatch", when given): may receive
    (รับหนังสือ), number outgoing letters (ส่งหนังสือ) and read the registers (ทะเบียน).
    The kinds are read once per user object (once per request)."""
    if not _signed_in(user):
        return False
    kinds = user.__dict__.get("_saraban_register_kinds")
    if kinds is None:
        from saraban.extensions import db

        kinds = {RegisterKind(k) for k in db.session.scalars(
            usable_registers_query(user).with_only_columns(Register.kind).distinct())}
        user.__dict__["_saraban_register_kinds"] = kinds
    return bool(kinds) if kind is None else RegisterKind(kind) in kinds


def can_keep_records(user: User | None, unit_id: int | None = None) -> bool:
    """Acts as the keeper of a unit's documents (of ``unit_id`` when given, else of some
    unit): attaches scans, sets how long a document is kept (อายุการเก็บ), lends
    originals (ยืม), proposes destruction. The operation still asks whether his unit holds
    the document."""
    if not _signed_in(user):
        return False
    keeps = keeper_unit_ids(user)
    return bool(keeps) if unit_id is None else unit_id in keeps


def can_see_records(user: User | None, unit_id: int | None = None) -> bool:
    """Opens the records office (เก็บรักษา: loans, destruction lists) of ``unit_id`` (or of
    some unit): its keeper, or one who sees every unit (an auditor reads them all)."""
    return _signed_in(user) and bool(user.sees_all or can_keep_records(user, unit_id))


# -- reports and the audit trail ------------------------------------------------------

def can_read_pendency(user: User | None) -> bool:
    """Reads the pendency report (หนังสือค้าง) of the units he commands or administers, or
    of every unit when he sees everything."""
    return _signed_in(user) and bool(
        user.sees_all or member_unit_ids(user, Role.COMMANDER) or member_unit_ids(user, Role.ADMIN))


def can_read_audit(user: User | None) -> bool:
    """Reads the audit trail (บันทึกการตรวจสอบ): of every unit when he sees everything,
    otherwise of the units he administers."""
    return _signed_in(user) and bool(user.sees_all or member_unit_ids(user, Role.ADMIN))


def can_verify_audit(user: User | None) -> bool:
    """Checks the whole audit chain: only one who sees every unit, since the check reads
    every event."""
    return _signed_in(user) and bool(user.sees_all)


# -- the commander's desk -------------------------------------------------------------

def has_desk(user: User | None) -> bool:
    """Has a desk of proposals and orders (เรื่องเสนอ, สั่งการ): a commander, or a person
    who may sign (a linked ``Person``, who may hold a position or act under a delegation).
    The desk opens for anyone; for the rest it is always empty, so the menu leaves it out."""
    return _signed_in(user) and bool(member_unit_ids(user, Role.COMMANDER) or user.person_id)


def can_see_delegations(user: User | None) -> bool:
    """Reads the delegations (การมอบอำนาจ, คำสั่งให้ทำแทน): an administrator keeps them all;
    a person who may sign reads those that name him. The page opens for anyone, empty for
    one with no linked person, so the menu leaves it out for him."""
    return _signed_in(user) and bool(can_administer(user) or user.person_id)


# -- documents ------------------------------------------------------------------------

def is_top_secret(document_or_level) -> bool:
    """ลับที่สุด: the regulation on official secrets keeps it off electronic circulation.
    It keeps its register line, but it is not forwarded, copied, sent to another agency
    or received from one, no reader is named through the system, and no file is kept.
    Takes a document (or an incoming letter) or a secrecy level."""
    level = getattr(document_or_level, "secrecy", document_or_level)
    return int(level or 0) >= Secrecy.TOP_SECRET


def can_forward(user: User | None, document) -> bool:
    """Sends a document he may read on to other units (ส่งต่อ, เวียน, เสนอ): he belongs to
    a unit to send it for, and it is not ลับที่สุด."""
    return _signed_in(user) and bool(member_unit_ids(user)) and not is_top_secret(document)


def is_overdue(item, today: dt.date | None = None) -> bool:
    """Past its due date and not yet done (เลยกำหนด): an open order (``due_date``, status
    "open") or a loan not returned (``due_on``, ``returned_on``). ``today`` is Bangkok's."""
    from saraban import thaidate

    today = today or thaidate.today()
    if hasattr(item, "returned_on"):  # a loan of an original
        return item.returned_on is None and item.due_on < today
    return (str(item.status) == "open" and item.due_date is not None
            and item.due_date < today)


TEMPLATE_GLOBALS = {f.__name__: f for f in (
    is_system_admin, can_administer, can_administer_exchange, can_grant_sees_all,
    can_register, can_keep_records,
    can_see_records, can_read_pendency, can_read_audit, can_verify_audit, has_desk,
    can_see_delegations,
    is_top_secret, can_forward, is_overdue,
)}


def register_template_globals(app) -> None:
    """Every rule above, callable from templates: ``{% if can_register(current_user) %}``."""
    app.jinja_env.globals.update(TEMPLATE_GLOBALS)
