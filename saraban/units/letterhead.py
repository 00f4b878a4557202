"""What a letter's head and foot print of the unit that owns it (หัวหนังสือ).

The agency is the top of the unit tree (สำนักงานตำรวจแห่งชาติ); its letter code ("ตช") and
its address are set there once and hold for every unit below it unless a unit sets its own
(a regional command at another address). Telephone, fax and e-mail are the owner unit's own:
they are where the reader calls back (ส่วนราชการเจ้าของเรื่อง ... โทร. ...).
"""

from __future__ import annotations

from saraban.thaidate import to_thai_digits
from saraban.units.models import Unit


def _lineage(unit: Unit) -> list[Unit]:
    chain, seen = [], set()
    while unit is not None and unit.id not in seen:
        seen.add(unit.id)
        chain.append(unit)
        unit = unit.parent
    return chain


def _inherited(chain: list[Unit], attr: str) -> str:
    return next((getattr(u, attr) for u in chain if getattr(u, attr)), None) or ""


def letterhead_for(unit: Unit) -> dict:
    """The letterhead of ``unit`` as render_letter takes it (every value possibly empty)."""
    chain = _lineage(unit)
    agency = chain[-1]
    address = _inherited(chain, "address")
    return {
        "agency_name": agency.name_th,
        "unit_name": unit.name_th,
        "address_lines": [line.strip() for line in address.splitlines() if line.strip()],
        "telephone": to_thai_digits(unit.telephone or ""),
        "fax": to_thai_digits(unit.fax or ""),
        "email": unit.email or "",
        "letter_code": _inherited(chain, "letter_code"),
        "doc_code": unit.doc_code or "",
        "owner_unit_line": unit.name_th,
    }
