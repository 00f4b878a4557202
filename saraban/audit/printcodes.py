"""Verification codes printed on what leaves the system on paper (ตรารับ, ทะเบียน, ใบเกษียน).

A code names one printing: which document or register, what kind of paper, when, and a
digest of what was printed (its version). ``/verify/<code>`` confirms them to anyone who
holds the paper, without showing a secret document's content.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from saraban.audit.models import PrintCode
from saraban.extensions import db

# Letters only (no I or O): printed among Thai digits, read aloud or retyped, a code is
# not misread; 24**8 codes leave nothing to guess.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ"
LENGTH = 8
KINDS = {"stamp": "ตรารับ", "register": "ทะเบียนหนังสือ", "endorsement_sheet": "ใบเกษียน",
         "routing_slip": "ใบปะหน้าเสนอ", "certified_copy": "สำเนาถูกต้อง"}


def show(code: str) -> str:
    """ABCD-EFGH: how a code is printed."""
    return f"{code[:4]}-{code[4:]}"


def normalize(text: str) -> str:
    """What a person typed, as stored: upper case, without dashes or spaces."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:16]


def new_code() -> str:
    """A code no printing has yet, to print on a paper made before its code is recorded
    (a certified copy is stamped before the write transaction begins)."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        if db.session.scalar(select(PrintCode.id).where(PrintCode.code == code)) is None:
            return code


def issue_print_code(kind: str, *, content: str, summary: str, user=None,
                     document_id: int | None = None, register_id: int | None = None,
                     code: str | None = None) -> str:
    """A new code for one printing (flushes only: the caller commits with its request);
    ``code`` records one taken with ``new_code`` and already printed."""
    version = hashlib.sha256(content.encode()).hexdigest()
    code = code or new_code()
    db.session.add(PrintCode(code=code, kind=kind, document_id=document_id,
                             register_id=register_id, version=version, summary=summary[:255],
                             created_by_id=getattr(user, "id", None)))
    db.session.flush()
    return code


def lookup(text: str) -> PrintCode | None:
    code = normalize(text)
    if len(code) != LENGTH:
        return None
    return db.session.scalar(select(PrintCode).where(PrintCode.code == code))
