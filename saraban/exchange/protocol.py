"""The exchange protocol (saraban-exchange/1): agency identities, signed messages, checks.

Pure functions, no database and no Flask. A message is a JSON object signed with the
sending agency's Ed25519 key over its canonical JSON bytes; its shape (the envelope, the
letter under e-CMS's element names, the notices) is defined once, as the pydantic models
of envelope.py (see docs/EXCHANGE.md and docs/exchange-schema.json). This module signs
and checks: the envelope first, then the signature, addressee, clock and size, and only
then the body, so that nobody unknown makes us decode 25 MiB.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from saraban.exchange.envelope import (  # the wire format, used here and re-exported
    MESSAGE_TYPES,
    NOTICE_BODIES,
    NOTICE_TYPES,
    PROTOCOL,
    REASON_CODES,
    SECRECY,
    URGENCY,
    BinaryFile,
    Enclosure,
    Envelope,
    ExchangeError,
    ExchangeRefusal,
    Letter,
    Party,
    Reference,
    check_code,
    dump,
    elements,
    iso_utc,
    malformed,
    parse,
    read_moment,
    refusal_answer,
)

__all__ = ["MESSAGE_TYPES", "NOTICE_TYPES", "PROTOCOL", "REASON_CODES", "SECRECY", "URGENCY",
           "BinaryFile", "Enclosure", "ExchangeError", "ExchangeRefusal", "Identity", "Letter",
           "Party", "Reference", "Verified", "accept_body", "build_letter", "build_notice",
           "canonical", "check_code", "check_repeat", "create_identity", "delivery_body",
           "digest", "elements", "iso_utc", "letter_from_body", "letter_to_body", "load_identity",
           "notice_body", "parse_time", "public_key_from_text", "public_key_text",
           "read_moment", "reason_body", "refusal_answer", "verify"]

MAX_AGE = dt.timedelta(days=3)
MAX_SKEW = dt.timedelta(minutes=10)
MAX_BYTES = 25 * 1024 * 1024
IDENTITY_FILE = "identity.json"
KEY_FILE = "private_key.pem"


def parse_time(text, path: str = "time", *, utc_z: bool = False) -> dt.datetime:
    """An ISO-8601 date and time with its offset (``Z`` only, with ``utc_z``), as aware UTC;
    ExchangeRefusal ``malformed`` otherwise."""
    moment = read_moment(text, utc_z=utc_z)
    if moment is None:
        zone, zone_th = ("Z", "Z") if utc_z else ("Z or +07:00", "Z หรือ +07:00")
        raise malformed(path, f"ต้องเป็นวันเวลาแบบ ISO-8601 ที่ลงท้ายด้วย {zone_th}",
                        f"must be an ISO-8601 date and time ending in {zone}")
    return moment


# --- identity and keys ------------------------------------------------------------------

@dataclass(frozen=True)
class Identity:
    code: str
    name: str
    private_key: Ed25519PrivateKey = field(repr=False)

    @property
    def public_key(self) -> str:
        return public_key_text(self.private_key.public_key())


def public_key_text(key: Ed25519PublicKey) -> str:
    """The base64 of the key's 32 raw bytes: what peers register."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def public_key_from_text(text) -> Ed25519PublicKey:
    raw = None
    if isinstance(text, str):
        try:
            raw = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raw = None
    if raw is None or len(raw) != 32:
        raise ExchangeError(
            "กุญแจสาธารณะไม่ถูกต้อง: ต้องเป็นกุญแจ Ed25519 ขนาด 32 ไบต์ เข้ารหัส base64 (44 ตัวอักษร)",
            "The public key is invalid: it must be the 32 raw bytes of an Ed25519 key in "
            "base64 (44 characters).")
    return Ed25519PublicKey.from_public_bytes(raw)


def create_identity(directory: Path, code: str, name: str, *,
                    overwrite: bool = False) -> Identity:
    """Write ``identity.json`` and a new ``private_key.pem`` (mode 0600) in ``directory``."""
    directory = Path(directory)
    check_code(code)
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        raise ExchangeError("ต้องระบุชื่อหน่วยงาน", "The agency name is required.")
    paths = (directory / IDENTITY_FILE, directory / KEY_FILE)
    existing = [p for p in paths if p.exists() or p.is_symlink()]
    if existing and not overwrite:
        raise ExchangeError(
            f"มีตัวตนหน่วยงานอยู่แล้วใน {directory} จึงไม่เขียนทับ (ถ้าจะสร้างกุญแจใหม่ให้สั่งเขียนทับ"
            " แล้วแจ้งกุญแจสาธารณะใหม่แก่หน่วยงานที่รับส่งหนังสือกัน)",
            f"An agency identity already exists in {directory}; it is not overwritten (replace "
            "it explicitly, then give the peers the new public key).")
    directory.mkdir(parents=True, exist_ok=True)
    for path in existing:
        path.unlink()
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        fd = os.open(paths[1], os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError as exists:
        raise ExchangeError(f"มีไฟล์ {paths[1]} อยู่แล้ว", f"{paths[1]} already exists.") from exists
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), 0o600)
        out.write(pem)
    identity = Identity(code, name, key)
    paths[0].write_text(json.dumps({"code": code, "name": name,
                                    "public_key": identity.public_key},
                                   ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return identity


def load_identity(directory: Path) -> Identity:
    directory = Path(directory)
    id_path, key_path = directory / IDENTITY_FILE, directory / KEY_FILE
    if not id_path.is_file() or not key_path.is_file():
        raise ExchangeError(
            f"ยังไม่มีตัวตนหน่วยงานใน {directory} (สร้างด้วย saraban exchange init --code CODE"
            " --name NAME)",
            f"There is no agency identity in {directory}; create one with "
            "`saraban exchange init --code CODE --name NAME`.")
    mode = key_path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ExchangeError(
            f"ไฟล์กุญแจส่วนตัว {key_path} เปิดให้ผู้อื่นเข้าถึงได้ (สิทธิ์ {mode:04o}) ต้องเป็น 0600"
            f" แก้ด้วยคำสั่ง chmod 600 {key_path}",
            f"The private key file {key_path} is open to group or others (mode {mode:04o}); "
            f"it must be 0600: run chmod 600 {key_path}.")
    try:
        data = json.loads(id_path.read_text(encoding="utf-8"))
        code, name, public = check_code(data["code"]), str(data["name"]), data["public_key"]
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (ValueError, KeyError, TypeError) as damaged:
        raise ExchangeError(f"ไฟล์ตัวตนหน่วยงานใน {directory} เสียหาย",
                            f"The agency identity in {directory} is damaged.") from damaged
    if not isinstance(key, Ed25519PrivateKey) or public_key_text(key.public_key()) != public:
        raise ExchangeError(
            f"กุญแจส่วนตัวใน {directory} ไม่ใช่กุญแจ Ed25519 คู่กับกุญแจสาธารณะใน {IDENTITY_FILE}",
            f"The private key in {directory} is not the Ed25519 key of {IDENTITY_FILE}.")
    return Identity(code, name, key)


# --- the letter and its notices (models in envelope.py) ------------------------------

def letter_to_body(letter: Letter) -> dict:
    """The letter as a message body under e-CMS's element names (a Letter is checked and
    cleaned when it is made or changed, as the receiver will check and clean it)."""
    return dump(Letter, letter)


def letter_from_body(body: dict) -> Letter:
    """The letter of a message body; ExchangeRefusal ``malformed`` or ``bad_digest``."""
    return parse(Letter, body, ("Body",))


def notice_body(kind: str, body) -> dict:
    """A notice's body checked and cleaned, with the elements it was given (an absent
    RegisterName stays absent, so the signed bytes are the sender's)."""
    model = NOTICE_BODIES[kind]
    return dump(model, parse(model, body, ("Body",)), exclude_unset=True)


def delivery_body(received_at: dt.datetime) -> dict:
    return {"ReceivedAt": iso_utc(received_at)}


def accept_body(accept_id: str, accept_date: dt.datetime, register_name: str | None = None):
    return {"AcceptID": accept_id, "AcceptDate": iso_utc(accept_date),
            "RegisterName": register_name}


def reason_body(reason: str) -> dict:
    return {"Reason": reason}


# --- signing and checking ---------------------------------------------------------------

def canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def digest(message: dict) -> str:
    """SHA-256 (hex) of the whole signed message's canonical bytes."""
    return hashlib.sha256(canonical(message)).hexdigest()


def _signed(identity: Identity, to_code: str, kind: str, in_reply_to: str | None, body: dict,
            now: dt.datetime | None, message_id: str | None) -> dict:
    envelope = parse(Envelope, {
        "Protocol": PROTOCOL, "MessageID": message_id or str(uuid.uuid4()),
        "MessageType": kind, "From": identity.code, "To": check_code(to_code),
        "Timestamp": now or dt.datetime.now(dt.UTC), "InReplyTo": in_reply_to, "Body": body,
        "Signature": ""})
    unsigned = dump(Envelope, envelope, exclude={"signature"})
    return unsigned | {"Signature": base64.b64encode(
        identity.private_key.sign(canonical(unsigned))).decode("ascii")}


def build_letter(identity: Identity, to_code: str, letter: Letter, *,
                 now: dt.datetime | None = None, message_id: str | None = None) -> dict:
    """The signed letter message; refuses a letter that its receiver would refuse."""
    body = letter_to_body(letter)
    _check_letter(letter_from_body(body), identity.code, to_code)
    return _signed(identity, to_code, "letter", None, body, now, message_id)


def build_notice(identity: Identity, to_code: str, kind: str, in_reply_to: str, body: dict,
                 *, now: dt.datetime | None = None, message_id: str | None = None) -> dict:
    """A signed delivery, accept, reject or invalid notice answering ``in_reply_to``."""
    if kind not in NOTICE_TYPES:
        raise ExchangeError(f"ไม่มีประกาศชนิด {kind!r}", f"There is no notice of kind {kind!r}.")
    return _signed(identity, to_code, kind, in_reply_to, notice_body(kind, body), now,
                   message_id)


@dataclass(frozen=True)
class Verified:
    message_id: str
    kind: str  # MessageType
    sender: str  # From
    receiver: str  # To
    timestamp: dt.datetime
    in_reply_to: str | None
    body: dict  # a letter's as received; a notice's checked and cleaned
    letter: Letter | None  # for a letter
    digest: str


def _check_letter(letter: Letter, sender: str, receiver: str) -> None:
    for party, code, element in ((letter.sender, sender, "SenderParty"),
                                 (letter.receiver, receiver, "ReceiverParty")):
        if party.code != code:
            raise malformed(f"Body.{element}.OrganizationID", f"ต้องตรงกับ {code}",
                            f"must be {code}")


def _files_size(body: dict) -> int:
    files = body.get("AttachmentBinaryObject")
    files = (files if isinstance(files, list) else []) + [body.get("MainLetterBinaryObject")]
    total = 0
    for item in files:
        content = item.get("Content") if isinstance(item, dict) else None
        if isinstance(content, str):
            total += len(content) * 3 // 4 - (len(content) - len(content.rstrip("=")))
    return total


def verify(message: dict, *, peer_keys: Callable[[str], Ed25519PublicKey | None],
           our_code: str, now: dt.datetime, max_age: dt.timedelta = MAX_AGE,
           max_skew: dt.timedelta = MAX_SKEW, max_bytes: int = MAX_BYTES) -> Verified:
    """Check a received message; ExchangeRefusal with one of ``REASON_CODES`` otherwise."""
    if not isinstance(now, dt.datetime) or now.utcoffset() is None:
        raise ExchangeError("เวลาปัจจุบันต้องระบุเขตเวลา", "now must be a timezone-aware datetime.")
    envelope = parse(Envelope, message)
    try:
        signed = canonical({k: v for k, v in message.items() if k != "Signature"})
    except (TypeError, ValueError):
        raise malformed("Body", "มีค่าที่ไม่ใช่ JSON มาตรฐาน",
                        "holds values outside standard JSON") from None
    sender, receiver, kind = envelope.sender, envelope.receiver, envelope.kind
    timestamp = envelope.timestamp
    key = peer_keys(sender)
    if key is None:
        raise ExchangeRefusal(
            "unknown_sender", f"ไม่รู้จักหน่วยงานผู้ส่ง {sender} (ยังไม่ได้ลงทะเบียนกุญแจสาธารณะ)",
            f"Unknown sending agency {sender}: no public key is registered for it.", "From")
    try:
        key.verify(base64.b64decode(envelope.signature, validate=True), signed)
    except (InvalidSignature, binascii.Error, ValueError):
        raise ExchangeRefusal(
            "bad_signature", "ลายมือชื่อดิจิทัลไม่ถูกต้อง",
            "The signature does not verify against the sender's registered key.",
            "Signature") from None
    if receiver != our_code:
        raise ExchangeRefusal(
            "wrong_receiver", f"ข้อความนี้ส่งถึงหน่วยงาน {receiver} ไม่ใช่หน่วยงานนี้ ({our_code})",
            f"The message is addressed to {receiver}, not to this agency ({our_code}).", "To")
    stamp = message["Timestamp"]
    if now - timestamp > max_age:
        raise ExchangeRefusal(
            "expired", f"ข้อความหมดอายุ: ลงเวลา {stamp} เก่ากว่า "
            f"{max_age.total_seconds() / 3600:g} ชั่วโมง",
            f"The message has expired: its timestamp {stamp} is more than "
            f"{max_age.total_seconds() / 3600:g} hours old.", "Timestamp")
    if timestamp - now > max_skew:
        raise ExchangeRefusal(
            "future", f"เวลาของข้อความ ({stamp}) ล้ำหน้านาฬิกาของเครื่องนี้เกิน "
            f"{max_skew.total_seconds() / 60:g} นาที (ตรวจนาฬิกาของเครื่องผู้ส่ง)",
            f"The message's timestamp {stamp} is more than {max_skew.total_seconds() / 60:g} "
            "minutes ahead of this server's clock (check the sender's clock).", "Timestamp")
    body, letter = message["Body"], None
    if kind == "letter":
        size = _files_size(body)
        if size > max_bytes:
            raise ExchangeRefusal(
                "too_large", f"ไฟล์ในข้อความมีขนาดรวม {size:,} ไบต์ เกินกำหนด {max_bytes:,} ไบต์",
                f"The message's files total {size:,} bytes, more than the limit of "
                f"{max_bytes:,} bytes.", "Body")
        letter = letter_from_body(body)
        _check_letter(letter, sender, receiver)
    else:
        body = notice_body(kind, body)
    return Verified(envelope.message_id, kind, sender, receiver, timestamp,
                    envelope.in_reply_to, body, letter, digest(message))


def check_repeat(message, known_digest: str | None) -> bool:
    """For a MessageID seen before (``known_digest`` stored, or None if new): True if this
    is the same message again (answer with the same acknowledgement), False if it is new;
    ExchangeRefusal ``replay`` if the id comes back with different content."""
    if known_digest is None:
        return False
    try:
        if digest(message) == known_digest:
            return True
    except (TypeError, ValueError):
        pass
    message_id = message.get("MessageID") if isinstance(message, dict) else None
    raise ExchangeRefusal(
        "replay", f"ข้อความเลขที่ {message_id} เคยได้รับแล้วแต่เนื้อหาไม่ตรงกัน จึงปฏิเสธ",
        f"Message {message_id} was received before with different content; refused as a "
        "replay.", "MessageID")
