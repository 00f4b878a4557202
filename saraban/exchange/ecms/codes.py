"""The node's code lists and directory in our database, and the administrator's mapping.

``sync_codes`` fetches every list first and writes only when all came back: an
``ErrorDetail`` (or a dead node) on any of them leaves every stored list as it was. Then each
list is replaced whole in its own ``transaction.unit_of_work()``: a list in the database is
always one fetch, with one ``fetched_at``. A list the node answers empty is not written (an
empty directory or code table is a broken node, not a fact to act on).

``code_tables`` reads back what the mapping (mapping.py) needs, and ``map_level`` is the
administrator's choice of node code for one of our levels (flushes, never commits).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from sqlalchemy import delete, select

from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.exchange.ecms.client import EcmsClient
from saraban.exchange.ecms.mapping import SECRECY_TH, URGENCY_TH, CodeTables, EcmsRefusal
from saraban.exchange.ecms.messages import DEPARTMENT_ID
from saraban.exchange.ecms.models import (
    CodeList,
    EcmsCode,
    EcmsLevelMap,
    EcmsMimeCode,
    EcmsMinistry,
    EcmsOrganization,
    LevelKind,
)
from saraban.extensions import db
from saraban.transaction import unit_of_work

LISTS = ("organizations", "ministries", "secret", "speed", "mime")
LABELS = {"organizations": "หน่วยงาน (directory)", "ministries": "กระทรวง (ministries)",
          "secret": "ชั้นความลับ (secret codes)", "speed": "ชั้นความเร็ว (speed codes)",
          "mime": "ชนิดไฟล์ (MIME codes)"}


@dataclass
class SyncReport:
    """How many rows each list holds now, and what was left out (and why)."""

    counts: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, list[str]] = field(default_factory=dict)


def _unique(items, key) -> tuple[list, list[str]]:
    seen, kept, dropped = set(), [], []
    for item in items:
        k = key(item)
        if k in seen:
            dropped.append(f"{k}: ซ้ำ (repeated)")
            continue
        seen.add(k)
        kept.append(item)
    return kept, dropped


def _rows(name: str, fetched, now) -> tuple[list, list[str]]:
    """The rows to store for one list, and the items left out."""
    if name == "organizations":
        good, bad = [], []
        for o in fetched:
            if DEPARTMENT_ID.fullmatch(o.organization_id or ""):
                good.append(o)
            else:
                bad.append(f"{o.organization_id!r}: ไม่ใช่ ๑๐ หลัก (not 10 digits)")
        kept, dropped = _unique(good, lambda o: o.organization_id)
        return [EcmsOrganization(organization_id=o.organization_id, th_name=o.th_name[:255],
                                 en_name=(o.en_name or None) and o.en_name[:255],
                                 ecms_url=(o.ecms_url or None) and o.ecms_url[:500],
                                 fetched_at=now) for o in kept], bad + dropped
    if name == "ministries":
        kept, dropped = _unique([m for m in fetched if m.ministry_id], lambda m: m.ministry_id)
        return [EcmsMinistry(ministry_id=m.ministry_id[:10], th_name=m.th_name[:255],
                             fetched_at=now) for m in kept], dropped
    if name in ("secret", "speed"):
        kept, dropped = _unique([c for c in fetched if c.value], lambda c: c.value)
        return [EcmsCode(list_name=CodeList(name), value=c.value[:40],
                         description=c.description[:255], fetched_at=now)
                for c in kept], dropped
    kept, dropped = _unique([m for m in fetched if m.extension and m.content_type],
                            lambda m: m.extension)
    return [EcmsMimeCode(extension=m.extension[:20], content_type=m.content_type[:150],
                         fetched_at=now) for m in kept], dropped


def _replace(name: str, rows: list) -> None:
    begin_write(db.session)
    if name == "organizations":
        db.session.execute(delete(EcmsOrganization))
    elif name == "ministries":
        db.session.execute(delete(EcmsMinistry))
    elif name in ("secret", "speed"):
        db.session.execute(delete(EcmsCode).where(EcmsCode.list_name == CodeList(name)))
    else:
        db.session.execute(delete(EcmsMimeCode))
    db.session.add_all(rows)
    db.session.flush()
    record("ecms.sync_codes", details={"list": name, "count": len(rows)})


def fetch_all(client: EcmsClient) -> dict[str, tuple]:
    """Every list from the node (reads, retried by the client); raises on the first error."""
    return {"organizations": client.organizations(), "ministries": client.ministries(),
            "secret": client.secret_codes(), "speed": client.speed_codes(),
            "mime": client.mime_codes()}


def sync_codes(client: EcmsClient, *, in_request: bool = False) -> SyncReport:
    """Fetch the directory, the ministries and the secret, speed and MIME codes, then
    replace each stored list: one unit of work per list for the CLI job; in a request
    (the administrator's "sync now") all of them in the request's own unit of work,
    committed by its boundary (saraban/transaction.py)."""
    fetched = fetch_all(client)
    report = SyncReport()
    now = utcnow()
    prepared = {}
    for name in LISTS:
        rows, dropped = _rows(name, fetched[name], now)
        if not rows:
            raise EcmsRefusal(f"ระบบ e-CMS ส่งรายการ{LABELS[name]} ว่างมา ไม่ได้เปลี่ยนรายการใด",
                              f"The e-CMS node sent an empty {name} list: nothing was changed.",
                              status=502)
        prepared[name] = rows
        if dropped:
            report.skipped[name] = dropped
    for name in LISTS:
        with contextlib.nullcontext() if in_request else unit_of_work(f"e-CMS {name} list"):
            _replace(name, prepared[name])
        report.counts[name] = len(prepared[name])
    return report


def code_tables() -> CodeTables:
    """What the stored lists and the administrator's mapping say, for mapping.py."""
    codes = db.session.scalars(select(EcmsCode)).all()
    maps = db.session.scalars(select(EcmsLevelMap)).all()
    return CodeTables(
        secret_codes={c.value: c.description for c in codes if c.list_name == CodeList.SECRET},
        speed_codes={c.value: c.description for c in codes if c.list_name == CodeList.SPEED},
        mime_types={m.extension: m.content_type
                    for m in db.session.scalars(select(EcmsMimeCode)).all()},
        secrecy_map={m.level: m.code for m in maps if m.kind == LevelKind.SECRECY},
        urgency_map={m.level: m.code for m in maps if m.kind == LevelKind.URGENCY})


def directory() -> dict[str, str]:
    """Organisation ID → Thai name, as last fetched."""
    return dict(db.session.execute(
        select(EcmsOrganization.organization_id, EcmsOrganization.th_name)).all())


def map_level(user, kind: str, level: int, code: str) -> EcmsLevelMap:
    """The administrator's mapping of our ``kind`` level to a node code listed now. A code
    already mapped to another level is refused (an arriving code must read back as one
    level). Flushes, never commits."""
    try:
        kind = LevelKind(kind)
    except ValueError:
        raise EcmsRefusal("ชนิดต้องเป็น secrecy หรือ urgency",
                          "'kind' must be secrecy or urgency.", status=400,
                          field="kind") from None
    if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= 3:
        raise EcmsRefusal("ระดับต้องเป็น ๐ ถึง ๓", "'level' must be 0-3.", status=400,
                          field="level")
    code = (code or "").strip() if isinstance(code, str) else ""
    listed = CodeList.SECRET if kind == LevelKind.SECRECY else CodeList.SPEED
    if db.session.scalar(select(EcmsCode.id).where(EcmsCode.list_name == listed,
                                                   EcmsCode.value == code)) is None:
        raise EcmsRefusal(f"ไม่มีรหัส {code!r} ในรายการที่ดึงจาก e-CMS (saraban ecms sync-codes)",
                          f"The code {code!r} is not in the list fetched from the node.",
                          status=400, field="code")
    names = SECRECY_TH if kind == LevelKind.SECRECY else URGENCY_TH
    begin_write(db.session)
    other = db.session.scalar(select(EcmsLevelMap).where(
        EcmsLevelMap.kind == kind, EcmsLevelMap.code == code, EcmsLevelMap.level != level))
    if other is not None:
        raise EcmsRefusal(
            f"รหัส {code} กำหนดไว้สำหรับ \"{names[other.level]}\" แล้ว",
            f"The code {code} is already mapped to level {other.level}.", field="code")
    row = db.session.scalar(select(EcmsLevelMap).where(EcmsLevelMap.kind == kind,
                                                       EcmsLevelMap.level == level))
    before = row.code if row is not None else None
    if row is None:
        row = EcmsLevelMap(kind=kind, level=level, code=code,
                           mapped_by_id=getattr(user, "id", None))
        db.session.add(row)
    else:
        row.code, row.mapped_by_id = code, getattr(user, "id", None)
    db.session.flush()
    record("ecms.map_level", user=user, obj=row,
           details={"kind": kind.value, "level": level, "before": before, "after": code})
    return row
