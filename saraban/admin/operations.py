"""The administrator's rules: the unit tree and its registers, users, their roles in units,
their locks and their passwords.

Called by the pages (``saraban/admin/views.py``) and the JSON API (``saraban/api/admin.py``)
alike. Each function checks that the actor administers, checks its input, writes, records
an audit event, flushes and never commits; a refusal is an ``OperationError`` (Thai and
English) raised before anything is written.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field

from sqlalchemy import distinct, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from saraban.accounts import limits
from saraban.accounts.models import ApiToken, Membership, Role, User
from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.extensions import db
from saraban.i18n import LABELS
from saraban.permissions import can_administer, can_grant_sees_all, is_system_admin
from saraban.registers.models import Register, RegisterKind
from saraban.routing.models import Transfer, TransferStatus
from saraban.thaidate import to_arabic_digits, to_thai_digits
from saraban.units.models import Person, Unit
from saraban.validation import OperationError, clean_text, is_row_id, read_level

WAITING = (TransferStatus.SENT, TransferStatus.OPENED)
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{1,79}")
CLEARANCE_NAMES = {
    "0": 0, "1": 1, "2": 2, "3": 3,
    "normal": 0, "confidential": 1, "secret": 2, "top_secret": 3,
    "ปกติ": 0, "ลับ": 1, "ลับมาก": 2, "ลับที่สุด": 3,
}
# Generated passwords: no look-alike letters (l, I, O, 0, 1), four groups of four.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_PAGE_SIZE = 100


def generate_password() -> str:
    """About 92 random bits, easy to read out and to type: ``Xk7p-2mQa-...``."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))


# -- who may administer --------------------------------------------------------------------
#
# A system administrator (``User.is_sysadmin``: few, named, with TOTP turned on) manages
# every unit and user. Anyone else administers by membership: the admin role in a unit (and
# the units below it, ``with_subunits``) lets him manage the users of those units whose reach
# (every unit they belong to) lies inside his own, whose clearance does not exceed his, who do
# not see everything and are not system administrators; he grants no clearance, role, reach
# or sees_all beyond his own.

def require_admin(user) -> None:
    """The refusal of one who administers nothing (saraban/permissions.py's rule)."""
    if not can_administer(user):
        raise OperationError("เฉพาะผู้ดูแลระบบเท่านั้นที่จัดการหน่วยงานและผู้ใช้ได้",
                             "Only administrators manage units and users.", status=403)


def _refuse_lane(th: str = "ท่านดูแลได้เฉพาะหน่วยงานและผู้ใช้ในหน่วยของท่าน",
                 en: str = "You administer only your own units and their users.",
                 field: str | None = None) -> OperationError:
    return OperationError(th, en, status=403, field=field)


@dataclass(frozen=True)
class AdminScope:
    """The units an administrator manages: ``units`` (every unit he administers) and
    ``whole`` (those whose whole subtree he administers, where a role "with subunits" may
    be given). ``everything`` for a system administrator."""

    everything: bool
    units: frozenset[int] = frozenset()
    whole: frozenset[int] = frozenset()

    def covers(self, unit_id: int, with_subunits: bool = False) -> bool:
        if self.everything:
            return True
        return unit_id in (self.whole if with_subunits else self.units)


def _subtrees(roots: set[int]) -> set[int]:
    """``roots`` and every unit below them (one query for the whole tree)."""
    if not roots:
        return set()
    children: dict[int | None, list[int]] = {}
    for unit_id, parent_id in db.session.execute(select(Unit.id, Unit.parent_id)):
        children.setdefault(parent_id, []).append(unit_id)
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        unit_id = stack.pop()
        if unit_id in seen:
            continue
        seen.add(unit_id)
        stack.extend(children.get(unit_id, ()))
    return seen


def admin_scope(actor) -> AdminScope:
    require_admin(actor)
    if is_system_admin(actor):
        return AdminScope(everything=True)
    admin = [m for m in actor.memberships if m.role == Role.ADMIN]
    whole = _subtrees({m.unit_id for m in admin if m.with_subunits})
    return AdminScope(everything=False, units=frozenset(whole | {m.unit_id for m in admin}),
                      whole=frozenset(whole))


def _membership_inside(scope: AdminScope):
    """SQL: this membership's reach lies inside ``scope``."""
    from sqlalchemy import and_

    return or_(and_(Membership.unit_id.in_(sorted(scope.units) or [-1]),
                    Membership.with_subunits.is_(False)),
               Membership.unit_id.in_(sorted(scope.whole) or [-1]))


def _manageable(actor, scope: AdminScope):
    """SQL: the users ``actor`` may manage (the lane rule above; one rule for the list and
    for every action on one user)."""
    if scope.everything:
        return None
    inside = _membership_inside(scope)
    rule = [exists().where(Membership.user_id == User.id, inside),
            ~exists().where(Membership.user_id == User.id, ~inside),
            User.is_sysadmin.is_(False), User.clearance <= actor.clearance]
    if not actor.sees_all:
        rule.append(User.sees_all.is_(False))
    from sqlalchemy import and_

    return and_(*rule)


def managed_user(actor, user_id) -> User:
    """The user, when ``actor`` may manage him; 404 otherwise (he is not in the actor's
    lane, so the actor does not learn more of him than the list shows)."""
    scope = admin_scope(actor)
    user = get_user(user_id)
    rule = _manageable(actor, scope)
    if rule is not None and user.id != actor.id and not db.session.scalar(
            select(User.id).where(User.id == user.id, rule)):
        raise OperationError("ไม่พบผู้ใช้นี้ในหน่วยที่ท่านดูแล",
                             "No such user in the units you administer.", status=404)
    return user


def _unit_in_lane(scope: AdminScope, unit: Unit, with_subunits: bool = False,
                  name: str = "unit_id") -> None:
    if not scope.covers(unit.id, with_subunits):
        raise _refuse_lane(
            f"ท่านไม่ได้ดูแลหน่วย {unit.short_name}"
            + ("และหน่วยย่อยทั้งหมด" if with_subunits else ""),
            "That unit (or one below it) is outside the units you administer.", field=name)


def is_locked(user: User, now: dt.datetime | None = None) -> bool:
    return user.locked_until is not None and user.locked_until > (now or utcnow())


# -- reading input -------------------------------------------------------------------------

def _id(value, name: str, label: str) -> int:
    if isinstance(value, str):
        raw = to_arabic_digits(value.strip())
        if raw.isdecimal() and len(raw) < 11:
            value = int(raw)
    if is_row_id(value):
        return value
    raise OperationError(f"{label}ไม่ถูกต้อง", f"'{name}' must be a positive whole number.",
                         field=name)


def _bool(value, name: str, label: str) -> bool:
    if isinstance(value, bool):
        return value
    raise OperationError(f"{label}ต้องเป็นใช่หรือไม่ใช่", f"'{name}' must be true or false.",
                         field=name)


def _clearance(value) -> int:
    if isinstance(value, str):
        value = to_arabic_digits(value.strip())
    return read_level(value, "clearance", "ชั้นความลับที่เข้าถึงได้", CLEARANCE_NAMES)


def _role(value) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise OperationError("กรุณาเลือกบทบาท (เจ้าหน้าที่สารบรรณ ผู้บังคับบัญชา เจ้าหน้าที่ "
                             "หรือผู้ดูแลระบบ)",
                             "'role' must be one of: clerk, commander, staff, admin.",
                             field="role") from None


def _doc_code(value) -> str | None:
    code = clean_text(value, "doc_code", "เลขประจำของเจ้าของเรื่อง", max_length=40)
    return to_arabic_digits(code) if code else None


def _role_th(role: Role) -> str:
    return LABELS["role"][role.value][0]


def _quote(text: str) -> str:
    return f"“{text}”"


# -- finding rows --------------------------------------------------------------------------

def get_unit(unit_id) -> Unit:
    unit = db.session.get(Unit, _id(unit_id, "unit_id", "รหัสหน่วยงาน"))
    if unit is None:
        raise OperationError("ไม่พบหน่วยงานนี้", "No such unit.", status=404)
    return unit


def get_user(user_id) -> User:
    user = db.session.get(User, _id(user_id, "user_id", "รหัสผู้ใช้"))
    if user is None:
        raise OperationError("ไม่พบผู้ใช้นี้", "No such user.", status=404)
    return user


def _unit_ref(value, name: str, label: str, *, active: bool = True) -> Unit:
    """A unit named in the input (not in the address): missing is bad input (400)."""
    if value in (None, ""):
        raise OperationError(f"กรุณาเลือก{label}", f"'{name}' is required.", field=name)
    unit = db.session.get(Unit, _id(value, name, label))
    if unit is None:
        raise OperationError(f"ไม่พบ{label}ที่เลือก", f"No such unit for '{name}'.", field=name)
    if active and not unit.is_active:
        raise OperationError(f"หน่วย {unit.short_name} ปิดใช้งานอยู่ กรุณาเลือกหน่วยอื่น",
                             f"The unit {unit.id} is inactive.", status=409, field=name)
    return unit


def _person_ref(value) -> Person | None:
    if value in (None, ""):
        return None
    person = db.session.get(Person, _id(value, "person_id", "บุคคล"))
    if person is None:
        raise OperationError("ไม่พบบุคคลที่เลือก", "No such person.", field="person_id")
    return person


def _flush(th: str, en: str) -> None:
    """Flush; a UNIQUE constraint met by a writer at the same moment becomes a refusal."""
    try:
        db.session.flush()
    except IntegrityError:
        raise OperationError(th, en, status=409) from None


# -- units ---------------------------------------------------------------------------------

@dataclass
class UnitRow:
    """A unit in the tree, with what the administrator's page shows of it."""

    unit: Unit
    depth: int
    members: int = 0
    waiting: int = 0
    registers: list[Register] = field(default_factory=list)


def unit_tree(actor, *, details: bool = True) -> list[UnitRow]:
    """Every unit in tree order (each under its parent, siblings by id), with its number of
    active members, transfers waiting for it and registers: four queries however many."""
    scope = admin_scope(actor)
    units = db.session.scalars(select(Unit).order_by(Unit.id)).all()
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    rows: list[UnitRow] = []
    seen: set[int] = set()
    stack = [(u, 0) for u in reversed(children.get(None, []))]
    while stack:
        unit, depth = stack.pop()
        if unit.id in seen:
            continue
        seen.add(unit.id)
        rows.append(UnitRow(unit, depth))
        stack.extend((c, depth + 1) for c in reversed(children.get(unit.id, [])))
    rows += [UnitRow(u, 0) for u in units if u.id not in seen]  # a loop of parents
    if not scope.everything:
        rows = [row for row in rows if scope.covers(row.unit.id)]
    if not details:
        return rows
    by_id = {row.unit.id: row for row in rows}
    for unit_id, count in db.session.execute(
            select(Membership.unit_id, func.count(distinct(Membership.user_id)))
            .join(User, User.id == Membership.user_id).where(User.active)
            .group_by(Membership.unit_id)):
        by_id[unit_id].members = count
    for unit_id, count in db.session.execute(
            select(Transfer.to_unit_id, func.count())
            .where(Transfer.status.in_(WAITING), Transfer.to_unit_id.is_not(None))
            .group_by(Transfer.to_unit_id)):
        if unit_id in by_id:
            by_id[unit_id].waiting = count
    for register in db.session.scalars(
            select(Register).order_by(Register.kind, Register.code, Register.id)):
        by_id[register.unit_id].registers.append(register)
    return rows


def _check_short_name(short_name: str, parent: Unit | None, except_id: int | None) -> None:
    """Unique among the siblings, and (the database holds it so) in the whole tree."""
    other = db.session.scalar(select(Unit).where(Unit.short_name == short_name))
    if other is None or other.id == except_id:
        return
    parent_id = parent.id if parent is not None else None
    if other.parent_id == parent_id:
        where = f"ภายใต้ {parent.short_name}" if parent is not None else "ในระดับบนสุด"
        raise OperationError(f"มีหน่วยชื่อย่อ {_quote(short_name)} อยู่แล้ว{where}",
                             f"A unit named '{short_name}' already exists there.",
                             status=409, field="short_name")
    raise OperationError(
        f"ชื่อย่อ {_quote(short_name)} ใช้กับหน่วยอื่นแล้ว ({other.name_th}) "
        "ชื่อย่อต้องไม่ซ้ำกันทั้งระบบ",
        f"The short name '{short_name}' is taken by another unit; short names are unique.",
        status=409, field="short_name")


def create_unit(actor, data: dict) -> Unit:
    """A new unit under ``parent_id`` (or at the top when there is none): a unit
    administrator adds units only below a unit whose whole subtree he administers."""
    scope = admin_scope(actor)
    short_name = clean_text(data.get("short_name"), "short_name", "ชื่อย่อหน่วย",
                            max_length=80, required=True)
    name_th = clean_text(data.get("name_th"), "name_th", "ชื่อเต็มภาษาไทย", max_length=255,
                         required=True)
    name_en = clean_text(data.get("name_en"), "name_en", "ชื่อภาษาอังกฤษ", max_length=255)
    doc_code = _doc_code(data.get("doc_code"))
    begin_write(db.session)
    parent = None
    if data.get("parent_id") not in (None, ""):
        parent = _unit_ref(data["parent_id"], "parent_id", "หน่วยต้นสังกัด", active=False)
        _unit_in_lane(scope, parent, with_subunits=True, name="parent_id")
        if not parent.is_active:
            raise OperationError(
                f"หน่วย {parent.short_name} ปิดใช้งานอยู่ จึงเพิ่มหน่วยย่อยไม่ได้",
                "The parent unit is inactive.", status=409, field="parent_id")
    if parent is None and not scope.everything:
        raise _refuse_lane("เฉพาะผู้ดูแลระบบส่วนกลางจึงเพิ่มหน่วยระดับบนสุดได้",
                           "Only a system administrator adds a top-level unit.",
                           field="parent_id")
    _check_short_name(short_name, parent, None)
    unit = Unit(short_name=short_name, name_th=name_th, name_en=name_en, doc_code=doc_code,
                parent=parent, is_active=True)
    db.session.add(unit)
    _flush(f"ชื่อย่อ {_quote(short_name)} ใช้กับหน่วยอื่นแล้ว",
           f"The short name '{short_name}' is taken.")
    record("admin.unit.create", user=actor, obj=unit, unit_id=unit.id, details={
        "short_name": short_name, "name_th": name_th,
        "parent_id": parent.id if parent else None})
    return unit


def _deactivation_refusal(unit: Unit) -> OperationError | None:
    waiting = db.session.scalar(select(func.count()).select_from(Transfer).where(
        Transfer.to_unit_id == unit.id, Transfer.status.in_(WAITING)))
    if waiting:
        return OperationError(
            f"ปิดใช้หน่วย {unit.short_name} ไม่ได้ เพราะยังมีหนังสือรอลงรับ "
            f"{to_thai_digits(waiting)} ฉบับ กรุณาลงรับหรือส่งคืนให้เสร็จก่อน",
            f"The unit still has {waiting} transfer(s) waiting to be accepted; accept or "
            "return them first.", status=409)
    members = db.session.scalar(
        select(func.count(distinct(Membership.user_id)))
        .join(User, User.id == Membership.user_id)
        .where(Membership.unit_id == unit.id, User.active))
    if members:
        return OperationError(
            f"ปิดใช้หน่วย {unit.short_name} ไม่ได้ เพราะยังมีผู้ใช้ที่ใช้งานอยู่สังกัดหน่วยนี้ "
            f"{to_thai_digits(members)} คน กรุณาย้ายผู้ใช้หรือปิดบัญชีก่อน",
            f"The unit still has {members} active member(s); move or deactivate them first.",
            status=409)
    children = db.session.scalar(select(func.count()).select_from(Unit).where(
        Unit.parent_id == unit.id, Unit.is_active))
    if children:
        return OperationError(
            f"ปิดใช้หน่วย {unit.short_name} ไม่ได้ เพราะยังมีหน่วยย่อยที่ใช้งานอยู่ "
            f"{to_thai_digits(children)} หน่วย กรุณาปิดหน่วยย่อยก่อน",
            f"The unit still has {children} active subunit(s); deactivate them first.",
            status=409)
    return None


LETTERHEAD = {  # field: (label, longest, several lines)
    "letter_code": ("รหัสตัวอักษรของส่วนราชการ", 20, False),
    "address": ("ที่อยู่", 1000, True),
    "telephone": ("โทรศัพท์", 80, False),
    "fax": ("โทรสาร", 80, False),
    "email": ("ไปรษณีย์อิเล็กทรอนิกส์", 255, False),
}


LETTERHEAD_FIELDS = tuple(LETTERHEAD)


def _letterhead(data: dict) -> dict:
    """The letterhead fields given (empty clears one): the address keeps its lines."""
    wanted = {}
    for key, (label, longest, multiline) in LETTERHEAD.items():
        if key not in data:
            continue
        value = clean_text(data[key], key, label, max_length=longest, multiline=multiline)
        if value and multiline:  # no blank lines between the address's lines
            value = "\n".join(line.strip() for line in value.splitlines() if line.strip())
        if key == "email" and value and not _looks_like_email(value):
            raise OperationError("ไปรษณีย์อิเล็กทรอนิกส์ต้องเป็นรูปแบบ ชื่อ@โดเมน เช่น saraban@police.go.th",
                                 "email must look like name@domain.", field=key)
        wanted[key] = value
    return wanted


def _looks_like_email(value: str) -> bool:
    local, at, domain = value.rpartition("@")
    return bool(at and local and "." in domain and " " not in value
                and not domain.startswith(".") and not domain.endswith("."))


def update_unit(actor, unit_id, data: dict) -> Unit:
    """Rename a unit (the fields given), or deactivate / reactivate it (``active``)."""
    scope = admin_scope(actor)
    unit = get_unit(unit_id)
    _unit_in_lane(scope, unit)
    wanted: dict = {}
    if "short_name" in data:
        wanted["short_name"] = clean_text(data["short_name"], "short_name", "ชื่อย่อหน่วย",
                                          max_length=80, required=True)
    if "name_th" in data:
        wanted["name_th"] = clean_text(data["name_th"], "name_th", "ชื่อเต็มภาษาไทย",
                                       max_length=255, required=True)
    if "name_en" in data:
        wanted["name_en"] = clean_text(data["name_en"], "name_en", "ชื่อภาษาอังกฤษ",
                                       max_length=255)
    if "doc_code" in data:
        wanted["doc_code"] = _doc_code(data["doc_code"])
    wanted.update(_letterhead(data))
    active = _bool(data["active"], "active", "สถานะใช้งาน") if "active" in data else None
    if not wanted and active is None:
        raise OperationError("ไม่มีข้อมูลที่จะแก้ไข", "Nothing to change.")
    changes = {k: [getattr(unit, k), v] for k, v in wanted.items() if getattr(unit, k) != v}
    if not changes and (active is None or active == unit.is_active):
        return unit  # nothing changes: nothing written, nothing recorded
    if "short_name" in changes:
        _check_short_name(wanted["short_name"], unit.parent, unit.id)
    if active is False and unit.is_active:
        refusal = _deactivation_refusal(unit)
        if refusal is not None:
            raise refusal
    if active and not unit.is_active and unit.parent is not None and not unit.parent.is_active:
        raise OperationError(
            f"เปิดใช้หน่วย {unit.short_name} ไม่ได้ เพราะหน่วยต้นสังกัด "
            f"{unit.parent.short_name} ปิดใช้งานอยู่ กรุณาเปิดใช้หน่วยต้นสังกัดก่อน",
            "The parent unit is inactive; reactivate it first.", status=409)
    begin_write(db.session)
    if "short_name" in changes:  # again, now that this transaction writes
        _check_short_name(wanted["short_name"], unit.parent, unit.id)
    if active is False and unit.is_active:
        refusal = _deactivation_refusal(unit)
        if refusal is not None:
            raise refusal
    for key, (_old, new) in changes.items():
        setattr(unit, key, new)
    _flush("ชื่อย่อนี้ใช้กับหน่วยอื่นแล้ว", "The short name is taken.")
    if changes:
        record("admin.unit.update", user=actor, obj=unit, unit_id=unit.id,
               details={"changes": changes})
    if active is not None and active != unit.is_active:
        unit.is_active = active
        record("admin.unit.reactivate" if active else "admin.unit.deactivate", user=actor,
               obj=unit, unit_id=unit.id, details={"short_name": unit.short_name})
    return unit


def create_register(actor, unit_id, data: dict) -> Register:
    """A receipt or dispatch register for a unit; its code is unique in the unit and kind."""
    scope = admin_scope(actor)
    unit = get_unit(unit_id)
    _unit_in_lane(scope, unit)
    try:
        kind = RegisterKind(data.get("kind"))
    except ValueError:
        raise OperationError("กรุณาเลือกประเภททะเบียน (ทะเบียนหนังสือรับหรือทะเบียนหนังสือส่ง)",
                             "'kind' must be receipt or dispatch.", field="kind") from None
    code = clean_text(data.get("code"), "code", "รหัสทะเบียน", max_length=40, required=True)
    name = clean_text(data.get("name"), "name", "ชื่อทะเบียน", max_length=255, required=True)
    secret = _bool(data.get("secret", False), "secret", "ทะเบียนลับ")
    series = clean_text(data.get("series"), "series", "อักษรนำหน้าเลขส่ง", max_length=10) or ""
    if series and kind != RegisterKind.DISPATCH:
        raise OperationError("อักษรนำหน้าเลข (เช่น ว) ใช้กับทะเบียนหนังสือส่งเท่านั้น",
                             "'series' applies to dispatch registers only.", field="series")
    kind_th = "ทะเบียนหนังสือรับ" if kind == RegisterKind.RECEIPT else "ทะเบียนหนังสือส่ง"
    if not unit.is_active:
        raise OperationError(f"หน่วย {unit.short_name} ปิดใช้งานอยู่ จึงเพิ่มทะเบียนไม่ได้",
                             "The unit is inactive.", status=409)
    duplicate = (f"หน่วย {unit.short_name} มี{kind_th}รหัส {_quote(code)} อยู่แล้ว",
                 f"The unit already has a {kind.value} register with the code '{code}'.")
    begin_write(db.session)
    if db.session.scalar(select(Register.id).where(
            Register.unit_id == unit.id, Register.kind == kind, Register.code == code)):
        raise OperationError(*duplicate, status=409, field="code")
    register = Register(unit=unit, kind=kind, code=code, name=name, is_secret=secret,
                        series=series, is_active=True)
    db.session.add(register)
    unit.keeps_registers = True
    _flush(*duplicate)
    record("admin.register.create", user=actor, obj=register, unit_id=unit.id, details={
        "kind": kind.value, "code": code, "name": name, "secret": secret})
    return register


# -- users ---------------------------------------------------------------------------------

def list_users(actor, q=None, unit_id=None, page: int = 1,
               per_page: int = 50) -> tuple[list[User], int]:
    """Users whose name or username holds ``q``, members of ``unit_id``, by username; their
    people, memberships and units come in one more query, however many users there are.
    A unit administrator sees only the users he manages (``_manageable``)."""
    scope = admin_scope(actor)
    q = clean_text(q, "q", "คำค้น", max_length=100)
    stmt = select(User)
    lane = _manageable(actor, scope)
    if lane is not None:
        stmt = stmt.where(or_(lane, User.id == actor.id))
    if q:
        stmt = stmt.where(or_(User.username.icontains(q, autoescape=True),
                              User.display_name.icontains(q, autoescape=True)))
    if unit_id not in (None, ""):
        unit = _id(unit_id, "unit", "หน่วย")
        stmt = stmt.where(exists().where(Membership.user_id == User.id,
                                         Membership.unit_id == unit))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    users = db.session.scalars(
        stmt.options(joinedload(User.person),
                     selectinload(User.memberships).joinedload(Membership.unit))
        .order_by(User.username, User.id)
        .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return list(users), total


def _may_grant(actor: User, clearance: int | None, sees_all: bool | None,
               target: User | None = None, is_sysadmin: bool | None = None) -> None:
    """Only a system administrator makes system administrators or gives sees_all; nobody
    else hands out a clearance above his own (keeping a user's present one is not giving)."""
    if can_grant_sees_all(actor):  # a system administrator: any clearance too
        return
    if is_sysadmin is not None and is_sysadmin != (target.is_sysadmin if target else False):
        raise OperationError("เฉพาะผู้ดูแลระบบส่วนกลางจึงกำหนดผู้ดูแลระบบส่วนกลางได้",
                             "Only a system administrator makes system administrators.",
                             status=403, field="is_sysadmin")
    if sees_all is not None and sees_all != (target.sees_all if target else False):
        raise OperationError("เฉพาะผู้ดูแลระบบส่วนกลางจึงกำหนดสิทธิ์เห็นทุกหน่วยได้",
                             "Only a system administrator grants 'sees_all'.",
                             status=403, field="sees_all")
    if clearance is not None and clearance > actor.clearance and (
            target is None or clearance != target.clearance):
        raise OperationError("ท่านกำหนดชั้นความลับให้สูงกว่าชั้นความลับของท่านเองไม่ได้",
                             "You may not grant a clearance above your own.",
                             status=403, field="clearance")


def _membership_input(data: dict) -> tuple[Role, bool]:
    role = _role(data.get("role"))
    return role, _bool(data.get("with_subunits", False), "with_subunits", "รวมหน่วยย่อย")


def _membership_details(m: Membership) -> dict:
    return {"membership_id": m.id, "unit_id": m.unit_id, "unit": m.unit.short_name,
            "role": m.role.value, "with_subunits": m.with_subunits}


def create_user(actor, data: dict) -> tuple[User, str]:
    """A new user with one role in one unit; gives the user and his first password, which
    is shown once and never kept (only its scrypt hash is). It is a one-time password:
    the user must set his own at his first login."""
    scope = admin_scope(actor)
    username = clean_text(data.get("username"), "username", "ชื่อผู้ใช้",
                          max_length=limits.USERNAME, required=True)
    if not USERNAME.fullmatch(username):
        raise OperationError(
            "ชื่อผู้ใช้ต้องเป็นอักษรภาษาอังกฤษหรือตัวเลข และเครื่องหมาย . _ @ - ได้ "
            "ยาว ๒ ถึง ๘๐ ตัวอักษร ขึ้นต้นด้วยอักษรหรือตัวเลข",
            "'username' takes 2-80 letters, digits and . _ @ -, starting with a letter or "
            "digit.", field="username")
    display_name = clean_text(data.get("display_name"), "display_name", "ชื่อที่แสดง",
                              max_length=limits.DISPLAY_NAME, required=True)
    clearance = _clearance(data.get("clearance"))
    sees_all = _bool(data.get("sees_all", False), "sees_all", "สิทธิ์เห็นทุกหน่วย")
    role, with_subunits = _membership_input(data)
    is_sysadmin = _bool(data.get("is_sysadmin", False), "is_sysadmin", "ผู้ดูแลระบบส่วนกลาง")
    _may_grant(actor, clearance, sees_all, is_sysadmin=is_sysadmin)
    duplicate = (f"ชื่อผู้ใช้ {_quote(username)} มีอยู่แล้ว กรุณาใช้ชื่ออื่น",
                 f"The username '{username}' is taken.")
    begin_write(db.session)
    person = _person_ref(data.get("person_id"))
    unit = _unit_ref(data.get("unit_id"), "unit_id", "หน่วยที่สังกัด")
    _unit_in_lane(scope, unit, with_subunits)
    if db.session.scalar(select(User.id).where(
            func.lower(User.username) == username.lower())):
        raise OperationError(*duplicate, status=409, field="username")
    password = generate_password()
    user = User(username=username, display_name=display_name, person=person,
                clearance=clearance, sees_all=sees_all, is_sysadmin=is_sysadmin, active=True,
                must_change_password=True)
    user.set_password(password)
    user.memberships.append(Membership(unit=unit, role=role, with_subunits=with_subunits))
    db.session.add(user)
    _flush(*duplicate)
    record("admin.user.create", user=actor, obj=user, unit_id=unit.id, details={
        "username": username, "display_name": display_name, "clearance": clearance,
        "sees_all": sees_all, "is_sysadmin": is_sysadmin,
        "person_id": person.id if person else None,
        "membership": _membership_details(user.memberships[0])})
    return user, password


def _still_admin_without(user: User, membership: Membership | None = None,
                         is_sysadmin: bool | None = None) -> bool:
    keeps_sysadmin = user.is_sysadmin if is_sysadmin is None else is_sysadmin
    return keeps_sysadmin or any(
        m.role == Role.ADMIN for m in user.memberships if m is not membership)


def _revoke_tokens(user: User) -> int:
    done = db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    return done.rowcount or 0


def update_user(actor, user_id, data: dict) -> User:
    """Change the fields given: display name, clearance, sees_all, linked person, active,
    the e-mail address and how he is told what waits (notify). Deactivating ends the user's
    sessions and revokes his API tokens."""
    from saraban.notify.operations import clean_email, clean_notify

    user = managed_user(actor, user_id)
    wanted: dict = {}
    if "email" in data:
        wanted["email"] = clean_email(data["email"])
    if "notify" in data:
        wanted["notify"] = clean_notify(data["notify"])
    if "display_name" in data:
        wanted["display_name"] = clean_text(data["display_name"], "display_name",
                                            "ชื่อที่แสดง", max_length=limits.DISPLAY_NAME,
                                            required=True)
    if "clearance" in data:
        wanted["clearance"] = _clearance(data["clearance"])
    if "sees_all" in data:
        wanted["sees_all"] = _bool(data["sees_all"], "sees_all", "สิทธิ์เห็นทุกหน่วย")
    if "is_sysadmin" in data:
        wanted["is_sysadmin"] = _bool(data["is_sysadmin"], "is_sysadmin", "ผู้ดูแลระบบส่วนกลาง")
    active = _bool(data["active"], "active", "สถานะใช้งาน") if "active" in data else None
    if "person_id" not in data and not wanted and active is None:
        raise OperationError("ไม่มีข้อมูลที่จะแก้ไข", "Nothing to change.")
    if "person_id" in data:
        person = _person_ref(data["person_id"])
        wanted["person_id"] = person.id if person else None
    if user.id == actor.id:
        if active is False:
            raise OperationError("ท่านปิดบัญชีผู้ใช้ของตนเองไม่ได้",
                                 "You may not deactivate yourself.", status=409,
                                 field="active")
        if not _still_admin_without(user, is_sysadmin=wanted.get("is_sysadmin")):
            raise OperationError(
                "ท่านยกเลิกสิทธิ์ผู้ดูแลระบบส่วนกลางของตนเองไม่ได้ เพราะจะไม่เหลือสิทธิ์ผู้ดูแลระบบ",
                "You would no longer be an administrator.", status=409, field="is_sysadmin")
    _may_grant(actor, wanted.get("clearance"), wanted.get("sees_all"), target=user,
               is_sysadmin=wanted.get("is_sysadmin"))
    changes = {k: [getattr(user, k), v] for k, v in wanted.items() if getattr(user, k) != v}
    if not changes and (active is None or active == user.active):
        return user
    begin_write(db.session)
    for key, (_old, new) in changes.items():
        setattr(user, key, new)
    if changes:
        record("admin.user.update", user=actor, obj=user, details={
            "username": user.username, "changes": changes})
    if active is not None and active != user.active:
        user.active = active
        details = {"username": user.username}
        if not active:
            user.rotate_session()  # every session of his ends at its next request
            details["tokens_revoked"] = _revoke_tokens(user)
        record("admin.user.reactivate" if active else "admin.user.deactivate", user=actor,
               obj=user, details=details)
    return user


def add_membership(actor, user_id, data: dict) -> Membership:
    """A role in a unit; a unit administrator gives roles only inside his own units (to
    himself too: never elsewhere)."""
    scope = admin_scope(actor)
    user = managed_user(actor, user_id)
    role, with_subunits = _membership_input(data)
    unit = _unit_ref(data.get("unit_id"), "unit_id", "หน่วย")
    _unit_in_lane(scope, unit, with_subunits)
    begin_write(db.session)
    if db.session.scalar(select(Membership.id).where(
            Membership.user_id == user.id, Membership.unit_id == unit.id,
            Membership.role == role)):
        raise OperationError(
            f"ผู้ใช้นี้มีบทบาท{_role_th(role)}ในหน่วย {unit.short_name} อยู่แล้ว",
            f"The user already has the role {role.value} in that unit.", status=409,
            field="role")
    membership = Membership(unit=unit, role=role, with_subunits=with_subunits)
    user.memberships.append(membership)
    _flush(f"ผู้ใช้นี้มีบทบาทนี้ในหน่วย {unit.short_name} อยู่แล้ว",
           "The user already has that role in that unit.")
    record("admin.membership.add", user=actor, obj=user, unit_id=unit.id,
           details={"username": user.username, **_membership_details(membership)})
    return membership


def remove_membership(actor, user_id, membership_id) -> None:
    user = managed_user(actor, user_id)
    membership = db.session.get(Membership, _id(membership_id, "membership_id", "รหัสบทบาท"))
    if membership is None or membership.user_id != user.id:
        raise OperationError("ไม่พบบทบาทนี้ของผู้ใช้", "No such membership of this user.",
                             status=404)
    if user.id == actor.id and membership.role == Role.ADMIN and not any(
            m.role == Role.ADMIN for m in user.memberships if m is not membership):
        raise OperationError("ท่านลบบทบาทผู้ดูแลระบบบทบาทสุดท้ายของตนเองไม่ได้",
                             "You may not remove your own last administrator role.",
                             status=409)
    details = {"username": user.username, **_membership_details(membership)}
    begin_write(db.session)
    user.memberships.remove(membership)
    db.session.flush()
    record("admin.membership.remove", user=actor, obj=user, unit_id=details["unit_id"],
           details=details)


def unlock_user(actor, user_id) -> User:
    """Clear the count of refused logins and the lock they set."""
    user = managed_user(actor, user_id)
    was = user.locked_until
    begin_write(db.session)
    user.failed_logins = 0
    user.locked_until = None
    record("admin.user.unlock", user=actor, obj=user, details={
        "username": user.username, "locked_until": was.isoformat() if was else None})
    return user


def reset_password(actor, user_id) -> str:
    """A new generated one-time password, given once. It only lets the user set a password
    of his own at his next login; every session and API token of his ends; a notice waits
    for him at that login; the reset is audited. A second factor he has stays on.

    Only a system administrator resets the password of a user cleared for secret documents
    (or who sees everything): a unit administrator who logged in with a one-time password
    he made could otherwise read them."""
    from saraban.accounts.models import AccountNotice

    user = managed_user(actor, user_id)
    if user.id == actor.id:
        raise OperationError("เปลี่ยนรหัสผ่านของตนเองได้ที่หน้าความปลอดภัยของบัญชี",
                             "Change your own password on your account's security page.",
                             status=409)
    if (user.clearance > 0 or user.sees_all or user.is_sysadmin) and not is_system_admin(actor):
        raise _refuse_lane(
            "ผู้ใช้นี้มีสิทธิ์เข้าถึงหนังสือลับ ต้องให้ผู้ดูแลระบบส่วนกลางเป็นผู้ตั้งรหัสผ่านใหม่",
            "Only a system administrator resets the password of a user cleared for secret "
            "documents.")
    begin_write(db.session)
    password = generate_password()
    user.set_password(password)  # rotates the session token: every session ends
    user.must_change_password = True
    revoked = _revoke_tokens(user)
    db.session.add(AccountNotice(user_id=user.id, kind="password_reset", by_user_id=actor.id))
    record("admin.user.password", user=actor, obj=user, details={
        "username": user.username, "tokens_revoked": revoked})
    return password


def people_for_linking() -> list[Person]:
    """The organisation's own people (not those of outside agencies), by name."""
    return list(db.session.scalars(select(Person).where(Person.agency_id.is_(None))
                                   .order_by(Person.first_name, Person.last_name)))
