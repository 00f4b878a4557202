"""Sealing an installation made before record digests and keyed heads (``saraban audit
seal``): the rows never audited get their digests in ``audit.seal`` events, and the head
its MAC. Only an intact chain whose audited rows all match is sealed: sealing is a
statement that what is there now is what the software wrote."""

from __future__ import annotations

from saraban.extensions import db
from saraban.validation import OperationError

_PER_EVENT = 2000


class SealRefused(OperationError):
    pass


def seal() -> int:
    """Seal; gives how many rows got their first digest. One unit of work: commits the
    seal events when they are all written, nothing when anything fails."""
    from saraban.audit.chain import verify_chain
    from saraban.audit.keys import installation_key
    from saraban.audit.models import AuditHead
    from saraban.audit.operations import record_on
    from saraban.audit.records import PENDING, verify_records
    from saraban.db import begin_write
    from saraban.transaction import unit_of_work

    key = installation_key()
    head = db.session.get(AuditHead, 1)
    digests: dict = {}
    # a head without a MAC is what sealing is for; one with a MAC must prove it
    chain = verify_chain(key=key, digests=digests,
                         require_mac=head is not None and head.mac is not None)
    if not chain.ok:
        raise SealRefused(f"ไม่ได้ปิดผนึก: สายบันทึกการตรวจสอบเสียหาย ({chain.problem_th})",
                          f"Not sealed: the audit chain is {chain.message_en}.")
    records = verify_records(db.session.connection(), digests, keep=10**9)
    if records.tampered:
        raise SealRefused(
            f"ไม่ได้ปิดผนึก: ข้อมูล {len(records.tampered)} แถวไม่ตรงกับบันทึกการตรวจสอบ",
            f"Not sealed: {len(records.tampered)} rows do not match the audit chain: "
            + ", ".join(p.key for p in records.tampered[:20]))
    keys = [tuple(p.key.split(":")) for p in records.problems if p.problem == "unaudited"]
    with unit_of_work("the audit seal"):
        begin_write(db.session)
        session = db.session()
        for start in range(0, len(keys), _PER_EVENT):
            chunk = [(name, int(row_id)) for name, row_id in keys[start:start + _PER_EVENT]]
            session.info.setdefault(PENDING, set()).update(chunk)
            record_on(session, "audit.seal", details={"rows": len(chunk)})
        head = db.session.get(AuditHead, 1)
        if head is not None and head.mac is None:  # nothing to seal but the head
            record_on(session, "audit.seal", details={"rows": 0})
    return len(keys)
