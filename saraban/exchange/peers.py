"""This installation's exchange identity and the peers (other agencies' installations) it
exchanges letters with. The key pair is made by ``saraban exchange init``; a peer is
registered, disabled, enabled or re-keyed by ``saraban exchange peer ...``."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from sqlalchemy import select

from saraban.audit.operations import record
from saraban.db import begin_write
from saraban.exchange import protocol
from saraban.exchange.models import Peer
from saraban.extensions import db
from saraban.units.models import Agency
from saraban.validation import OperationError


class ExchangeError(OperationError):
    """A refusal about the exchange, with Thai and English messages."""


def exchange_dir() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "exchange"


def our_identity() -> protocol.Identity:
    try:
        return protocol.load_identity(exchange_dir())
    except protocol.ExchangeError as error:
        raise ExchangeError(
            "ยังไม่ได้ตั้งค่าตัวตนของหน่วยงานสำหรับรับส่งหนังสือ (saraban exchange init)",
            f"This installation has no exchange identity yet ({error}).", status=409) from None


def add_peer(code: str, url: str, public_key: str, name: str | None = None) -> Peer:
    code = (code or "").strip().upper()
    protocol.check_code(code)
    protocol.public_key_from_text(public_key)
    if not url.startswith(("http://", "https://")):
        raise ExchangeError("ที่อยู่ต้องขึ้นต้นด้วย http:// หรือ https://",
                            "The URL must start with http:// or https://.", field="url")
    begin_write(db.session)
    if db.session.scalar(select(Peer.id).where(Peer.code == code)) is not None:
        raise ExchangeError(f"มีหน่วยงาน {code} อยู่แล้ว", f"Peer {code} already exists.",
                            status=409)
    agency = db.session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        agency = Agency(code=code, short_name=name or code, name_th=name or code)
        db.session.add(agency)
    peer = Peer(code=code, name=name or agency.name_th, url=url.rstrip("/"),
                public_key=public_key.strip(), agency=agency)
    db.session.add(peer)
    db.session.flush()
    record("exchange.peer_add", obj=peer, details={"code": code, "url": peer.url})
    return peer


def set_peer(code: str, *, active: bool | None = None, public_key: str | None = None,
             url: str | None = None) -> Peer:
    begin_write(db.session)
    peer = db.session.scalar(select(Peer).where(Peer.code == (code or "").strip().upper()))
    if peer is None:
        raise ExchangeError(f"ไม่พบหน่วยงาน {code}", f"No peer {code}.", status=404)
    before = {"active": peer.active, "public_key": peer.public_key, "url": peer.url}
    if public_key is not None:
        protocol.public_key_from_text(public_key)
        peer.public_key = public_key.strip()
    if active is not None:
        peer.active = active
    if url is not None:
        peer.url = url.rstrip("/")
    db.session.flush()
    record("exchange.peer_change", obj=peer, details={
        "before": before, "after": {"active": peer.active, "public_key": peer.public_key,
                                    "url": peer.url}})
    return peer


def peer_keys(code: str):
    """The public key of the active peer ``code`` (None: unknown or disabled), for
    ``protocol.verify`` of what it sends us and of its acknowledgements."""
    peer = db.session.scalar(select(Peer).where(Peer.code == code, Peer.active))
    return protocol.public_key_from_text(peer.public_key) if peer else None
