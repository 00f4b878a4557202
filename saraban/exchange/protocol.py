"""The exchange protocol (saraban-exchange/1): agency identities, signed messages, checks.

Pure functions and dataclasses, no database and no Flask. A message is a JSON object
signed with the sending agency's Ed25519 key over its canonical JSON bytes; a letter's
body uses e-CMS's element names (see ``LETTER_FIELDS`` and docs/EXCHANGE.md).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

PROTOCOL = "saraban-exchange/1"
MESSAGE_TYPES = ("letter", "delivery", "accept", "reject", "invalid")
NOTICE_TYPES = MESSAGE_TYPES[1:]
REASON_CODES = ("malformed", "unknown_sender", "bad_signature", "wrong_receiver", "expired",
                "future", "bad_digest", "too_large", "replay")
MAX_AGE = dt.timedelta(days=3)
MAX_SKEW = dt.timedelta(minutes=10)
MAX_BYTES = 25 * 1024 * 1024
SECRECY = ("ปกติ", "ลับ", "ลับมาก", "ลับที่สุด")  # SecretCode 0-3
URGENCY = ("ปกติ", "ด่วน", "ด่วนมาก", "ด่วนที่สุด")  # SpeedCode 0-3
IDENTITY_FILE = "identity.json"
KEY_FILE = "private_key.pem"
_ENVELOPE = ("Protocol", "MessageID", "MessageType", "From", "To", "Timestamp", "InReplyTo",
             "Body", "Signature")
_CODE = re.compile(r"[A-Z0-9.\-]{2,20}")


class ExchangeError(ValueError):
    """Something about identities or messages that cannot be done, in Thai and English."""

    def __init__(self, message_th: str, message_en: str):
        super().__init__(f"{message_th} ({message_en})")
        self.message_th = message_th
        self.message_en = message_en


class ExchangeRefusal(ExchangeError):
    """A message refused; ``reason_code`` is one of ``REASON_CODES``."""

    def __init__(self, reason_code: str, message_th: str, message_en: str):
        super().__init__(message_th, message_en)
        self.reason_code = reason_code

    @property
    def code(self) -> str:
        return self.reason_code


def _bad(path: str, th: str, en: str) -> NoReturn:
    raise ExchangeRefusal("malformed", f"ข้อความไม่อยู่ในรูปแบบที่กำหนด: {path} {th}",
                          f"The message is malformed: {path} {en}.")


def check_code(code) -> str:
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        raise ExchangeError(
            f"รหัสหน่วยงาน {code!r} ไม่ถูกต้อง: ต้องยาว 2–20 ตัว ใช้ได้เฉพาะ A–Z 0–9 '-' และ '.'",
            f"The agency code {code!r} is invalid: 2-20 characters of A-Z, 0-9, '-' and '.'.")
    return code


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


# --- the letter and its e-CMS names -----------------------------------------------------

@dataclass(frozen=True)
class Party:
    code: str  # the agency code
    name: str | None = None  # the agency's name
    person: str | None = None
    position: str | None = None


@dataclass(frozen=True)
class Reference:
    number: str
    date: dt.date | None = None
    subject: str | None = None


@dataclass(frozen=True)
class Enclosure:
    description: str
    filename: str | None = None  # the AttachmentBinaryObject it is, if it travels


@dataclass(frozen=True)
class BinaryFile:
    filename: str
    media_type: str
    content: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(kw_only=True)
class Letter:
    number: str
    date: dt.date
    subject: str
    sender: Party
    receiver: Party
    send_date: dt.datetime
    secrecy: int = 0
    urgency: int = 0
    references: list[Reference] = field(default_factory=list)
    enclosures: list[Enclosure] = field(default_factory=list)  # plain text is taken too
    main_file: BinaryFile | None = None
    attachment_files: list[BinaryFile] = field(default_factory=list)
    description: str | None = None

    def __post_init__(self):
        self.references = list(self.references)
        self.enclosures = [Enclosure(e) if isinstance(e, str) else e for e in self.enclosures]
        self.attachment_files = list(self.attachment_files)


# Our attribute -> (e-CMS element, kind, required). docs/EXCHANGE.md mirrors these tables.
LETTER_FIELDS = {
    "number": ("ID", "text", True),
    "date": ("CorrespondenceDate", "date", True),
    "subject": ("Subject", "text", True),
    "secrecy": ("SecretCode", "level", True),
    "urgency": ("SpeedCode", "level", True),
    "sender": ("SenderParty", "party", True),
    "receiver": ("ReceiverParty", "party", True),
    "references": ("ReferenceCorrespondence", "list:reference", True),
    "enclosures": ("Attachment", "list:enclosure", True),
    "send_date": ("SendDate", "datetime", True),
    "main_file": ("MainLetterBinaryObject", "file", False),
    "attachment_files": ("AttachmentBinaryObject", "list:file", True),
    "description": ("Description", "text", False),
}
PARTY_FIELDS = {"code": ("OrganizationID", "code", True),
                "name": ("OrganizationName", "text", False),
                "person": ("PersonName", "text", False),
                "position": ("PositionName", "text", False)}
REFERENCE_FIELDS = {"number": ("ID", "text", True),
                    "date": ("CorrespondenceDate", "date", False),
                    "subject": ("Subject", "text", False)}
ENCLOSURE_FIELDS = {"description": ("Description", "text", True),
                    "filename": ("FileName", "text", False)}
FILE_FIELDS = {"filename": ("FileName", "text", True),
               "media_type": ("MediaType", "media", True),
               "sha256": ("SHA256", "sha256", True),
               "content": ("Content", "base64", True)}
NOTICE_FIELDS = {
    "delivery": {"ReceivedAt": ("ReceivedAt", "datetime", True)},
    "accept": {"AcceptID": ("AcceptID", "text", True),  # เลขรับ
               "AcceptDate": ("AcceptDate", "datetime", True),
               "RegisterName": ("RegisterName", "text", False)},
    "reject": {"Reason": ("Reason", "text", True)},
    "invalid": {"Reason": ("Reason", "text", True)},
}
_OBJECTS = {"party": (Party, PARTY_FIELDS), "reference": (Reference, REFERENCE_FIELDS),
            "enclosure": (Enclosure, ENCLOSURE_FIELDS), "file": (BinaryFile, FILE_FIELDS)}


def iso_utc(moment: dt.datetime) -> str:
    """``2024-05-01T03:04:05Z`` (microseconds kept when there are some)."""
    if not isinstance(moment, dt.datetime) or moment.utcoffset() is None:
        raise ExchangeError("เวลาต้องระบุเขตเวลา", f"{moment!r} must be a timezone-aware datetime.")
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def parse_time(text, path: str = "time", *, utc_z: bool = False) -> dt.datetime:
    """An ISO-8601 date and time with its offset (``Z`` only, with ``utc_z``), as aware UTC."""
    moment = None
    if isinstance(text, str) and "T" in text and (text.endswith("Z") or not utc_z):
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            moment = None
    if moment is None or moment.utcoffset() is None:
        zone = "Z" if utc_z else "Z or +07:00"
        _bad(path, f"ต้องเป็นวันเวลาแบบ ISO-8601 ที่ลงท้ายด้วย {zone}",
             f"must be an ISO-8601 date and time ending in {zone}")
    return moment.astimezone(dt.UTC)


def _encode(kind: str, value):
    if value is None:
        return None
    if kind.startswith("list:"):
        return [_encode(kind[5:], item) for item in value]
    if kind in _OBJECTS:
        return {element: _encode(sub, getattr(value, attr))
                for attr, (element, sub, _) in _OBJECTS[kind][1].items()}
    if kind == "date":
        return value.isoformat()
    if kind == "datetime":
        return iso_utc(value)
    if kind == "base64":
        return base64.b64encode(value).decode("ascii")
    return value


def _decode_object(fields: dict, value, path: str) -> dict:
    if not isinstance(value, dict):
        _bad(path, "ต้องเป็นออบเจกต์", "must be an object")
    elements = {element for element, _, _ in fields.values()}
    for extra in sorted(set(value) - elements):
        _bad(f"{path}.{extra}", "ไม่ใช่ชื่อช่องที่รู้จัก", "is not a known element")
    out = {}
    for attr, (element, kind, required) in fields.items():
        item = value.get(element)
        if item is None or (required and isinstance(item, str) and not item.strip()):
            if required:
                _bad(f"{path}.{element}", "ต้องมีค่า", "is required")
            out[attr] = None
        else:
            out[attr] = _decode(kind, item, f"{path}.{element}")
    return out


_PATTERNS = {"date": re.compile(r"\d{4}-\d{2}-\d{2}"), "sha256": re.compile(r"[0-9a-f]{64}"),
             "media": re.compile(r"[\w.+-]+/[\w.+-]+")}


def _decode(kind: str, value, path: str):
    if kind.startswith("list:"):
        if not isinstance(value, list):
            _bad(path, "ต้องเป็นรายการ", "must be a list")
        return [_decode(kind[5:], item, f"{path}[{i}]") for i, item in enumerate(value)]
    if kind in _OBJECTS:
        values = _decode_object(_OBJECTS[kind][1], value, path)
        if kind != "file":
            return _OBJECTS[kind][0](**values)
        declared = values.pop("sha256")
        binary = BinaryFile(**values)
        if binary.sha256 != declared:
            raise ExchangeRefusal(
                "bad_digest", f"ไฟล์ {binary.filename} ไม่ตรงกับค่า SHA-256 ที่ระบุ (ไฟล์เสียหายหรือถูกแก้ไข)",
                f"The file {binary.filename} does not match its SHA-256 digest (damaged or "
                "altered).")
        return binary
    if kind == "datetime":
        return parse_time(value, path)
    if kind == "level":
        if type(value) is not int or not 0 <= value <= 3:
            _bad(path, "ต้องเป็นเลข 0 ถึง 3", "must be an integer from 0 to 3")
        return value
    if not isinstance(value, str):
        _bad(path, "ต้องเป็นข้อความ", "must be text")
    if "\x00" in value:  # no text holds one, and PostgreSQL cannot keep it
        _bad(path, "มีอักขระ NUL ซึ่งไม่ใช่ข้อความ", "holds a NUL character")
    if kind == "code":
        try:
            return check_code(value)
        except ExchangeError:
            _bad(path, "ไม่ใช่รหัสหน่วยงานที่ถูกต้อง", "is not a valid agency code")
    if kind == "base64":
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ExchangeRefusal("bad_digest", f"เนื้อไฟล์ใน {path} ไม่ใช่ base64 ที่ถูกต้อง",
                                  f"The content in {path} is not valid base64.") from None
    if kind in _PATTERNS and not _PATTERNS[kind].fullmatch(value):
        _bad(path, "ไม่อยู่ในรูปแบบที่กำหนด", f"is not a valid {kind} value")
    if kind == "date":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            _bad(path, "ไม่ใช่วันที่ที่มีอยู่จริง", "is not a real date")
    return value


def letter_to_body(letter: Letter) -> dict:
    """The letter as a message body under e-CMS's element names."""
    return {element: _encode(kind, getattr(letter, attr))
            for attr, (element, kind, _) in LETTER_FIELDS.items()}


def letter_from_body(body: dict) -> Letter:
    """The letter of a message body; ExchangeRefusal ``malformed`` or ``bad_digest``."""
    return Letter(**_decode_object(LETTER_FIELDS, body, "Body"))


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
    envelope = {"Protocol": PROTOCOL, "MessageID": message_id or str(uuid.uuid4()),
                "MessageType": kind, "From": identity.code, "To": check_code(to_code),
                "Timestamp": iso_utc(now or dt.datetime.now(dt.UTC)),
                "InReplyTo": in_reply_to, "Body": body}
    _check_envelope(envelope | {"Signature": ""})
    envelope["Signature"] = base64.b64encode(
        identity.private_key.sign(canonical(envelope))).decode("ascii")
    return envelope


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
    _decode_object(NOTICE_FIELDS[kind], body, "Body")
    return _signed(identity, to_code, kind, in_reply_to, body, now, message_id)


@dataclass(frozen=True)
class Verified:
    message_id: str
    kind: str  # MessageType
    sender: str  # From
    receiver: str  # To
    timestamp: dt.datetime
    in_reply_to: str | None
    body: dict  # as received (checked)
    letter: Letter | None  # for a letter
    digest: str


def _uuid(value, path: str) -> str:
    try:
        if isinstance(value, str) and str(uuid.UUID(value)) == value:
            return value
    except ValueError:
        pass
    _bad(path, "ต้องเป็น UUID ตัวพิมพ์เล็ก", "must be a lowercase UUID")


def _check_envelope(message) -> dt.datetime:
    if not isinstance(message, dict):
        _bad("", "ต้องเป็นออบเจกต์ JSON", "must be a JSON object")
    for key in _ENVELOPE:
        if key not in message:
            _bad(key, "ขาดหายไป", "is missing")
    for key in sorted(set(message) - set(_ENVELOPE)):
        _bad(key, "ไม่ใช่ชื่อช่องที่รู้จัก", "is not a known element")
    if message["Protocol"] != PROTOCOL:
        _bad("Protocol", f"ต้องเป็น {PROTOCOL}", f"must be {PROTOCOL}")
    _uuid(message["MessageID"], "MessageID")
    if message["MessageType"] not in MESSAGE_TYPES:
        _bad("MessageType", "ไม่ใช่ชนิดที่รู้จัก", f"must be one of {', '.join(MESSAGE_TYPES)}")
    for key in ("From", "To"):
        _decode("code", message[key], key)
    if message["MessageType"] == "letter":
        if message["InReplyTo"] is not None:
            _bad("InReplyTo", "ของหนังสือต้องเป็น null", "must be null for a letter")
    else:
        _uuid(message["InReplyTo"], "InReplyTo")
    if not isinstance(message["Body"], dict):
        _bad("Body", "ต้องเป็นออบเจกต์", "must be an object")
    if not isinstance(message["Signature"], str):
        _bad("Signature", "ต้องเป็นข้อความ base64", "must be base64 text")
    return parse_time(message["Timestamp"], "Timestamp", utc_z=True)


def _check_letter(letter: Letter, sender: str, receiver: str) -> None:
    for party, code, element in ((letter.sender, sender, "SenderParty"),
                                 (letter.receiver, receiver, "ReceiverParty")):
        if party.code != code:
            _bad(f"Body.{element}.OrganizationID", f"ต้องตรงกับ {code}", f"must be {code}")


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
    timestamp = _check_envelope(message)
    try:
        signed = canonical({k: v for k, v in message.items() if k != "Signature"})
    except (TypeError, ValueError):
        _bad("Body", "มีค่าที่ไม่ใช่ JSON มาตรฐาน", "holds values outside standard JSON")
    sender, receiver, kind = message["From"], message["To"], message["MessageType"]
    key = peer_keys(sender)
    if key is None:
        raise ExchangeRefusal(
            "unknown_sender", f"ไม่รู้จักหน่วยงานผู้ส่ง {sender} (ยังไม่ได้ลงทะเบียนกุญแจสาธารณะ)",
            f"Unknown sending agency {sender}: no public key is registered for it.")
    try:
        key.verify(base64.b64decode(message["Signature"], validate=True), signed)
    except (InvalidSignature, binascii.Error, ValueError):
        raise ExchangeRefusal(
            "bad_signature", "ลายมือชื่อดิจิทัลไม่ถูกต้อง",
            "The signature does not verify against the sender's registered key.") from None
    if receiver != our_code:
        raise ExchangeRefusal(
            "wrong_receiver", f"ข้อความนี้ส่งถึงหน่วยงาน {receiver} ไม่ใช่หน่วยงานนี้ ({our_code})",
            f"The message is addressed to {receiver}, not to this agency ({our_code}).")
    stamp = message["Timestamp"]
    if now - timestamp > max_age:
        raise ExchangeRefusal(
            "expired", f"ข้อความหมดอายุ: ลงเวลา {stamp} เก่ากว่า "
            f"{max_age.total_seconds() / 3600:g} ชั่วโมง",
            f"The message has expired: its timestamp {stamp} is more than "
            f"{max_age.total_seconds() / 3600:g} hours old.")
    if timestamp - now > max_skew:
        raise ExchangeRefusal(
            "future", f"เวลาของข้อความ ({stamp}) ล้ำหน้านาฬิกาของเครื่องนี้เกิน "
            f"{max_skew.total_seconds() / 60:g} นาที (ตรวจนาฬิกาของเครื่องผู้ส่ง)",
            f"The message's timestamp {stamp} is more than {max_skew.total_seconds() / 60:g} "
            "minutes ahead of this server's clock (check the sender's clock).")
    body, letter = message["Body"], None
    if kind == "letter":
        size = _files_size(body)
        if size > max_bytes:
            raise ExchangeRefusal(
                "too_large", f"ไฟล์ในข้อความมีขนาดรวม {size:,} ไบต์ เกินกำหนด {max_bytes:,} ไบต์",
                f"The message's files total {size:,} bytes, more than the limit of "
                f"{max_bytes:,} bytes.")
        letter = letter_from_body(body)
        _check_letter(letter, sender, receiver)
    else:
        _decode_object(NOTICE_FIELDS[kind], body, "Body")
    return Verified(message["MessageID"], kind, sender, receiver, timestamp,
                    message["InReplyTo"], body, letter, digest(message))


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
        "replay.")
