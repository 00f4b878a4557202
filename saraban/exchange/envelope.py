"""The saraban-exchange/1 message as pydantic v2 models: the one definition of its shape.

Each model is both what the code builds and what an arriving message must be: parsing is
``model_validate`` on the JSON as it came (unknown elements, wrong types and over-long
text refused; text cleaned as every other input is, by ``saraban.validation.clean_text``),
building is ``model_dump(mode="json", by_alias=True)``. Attribute names are ours, aliases
are e-CMS's element names. The dump gives the very bytes the hand-written encoder gave
before (tests/test_exchange_envelope.py holds messages signed by it), because signatures
are over those bytes. docs/exchange-schema.json is ``json_schema()``, published for peers.

A refusal is an ``ExchangeRefusal`` with a reason code, Thai and English, the element at
fault and its HTTP status: ``refusal_of`` turns pydantic's first error into one.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic.dataclasses import dataclass
from pydantic.json_schema import models_json_schema
from pydantic_core import ArgsKwargs, PydanticCustomError

from saraban.thaidate import to_thai_digits
from saraban.validation import clean_text

PROTOCOL = "saraban-exchange/1"
MESSAGE_TYPES = ("letter", "delivery", "accept", "reject", "invalid")
NOTICE_TYPES = MESSAGE_TYPES[1:]
# reason code -> the HTTP status the endpoint answers a refused message with
REFUSAL_STATUS = {"malformed": 400, "unknown_sender": 403, "bad_signature": 403,
                  "wrong_receiver": 421, "expired": 400, "future": 400, "bad_digest": 400,
                  "too_large": 413, "replay": 409}
REASON_CODES = tuple(REFUSAL_STATUS)
SECRECY = ("ปกติ", "ลับ", "ลับมาก", "ลับที่สุด")  # SecretCode 0-3
URGENCY = ("ปกติ", "ด่วน", "ด่วนมาก", "ด่วนที่สุด")  # SpeedCode 0-3
CODE_PATTERN = r"^[A-Z0-9.\-]{2,20}$"
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
MEDIA_PATTERN = r"^[\w.+-]+/[\w.+-]+$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


class ExchangeError(ValueError):
    """Something about identities or messages that cannot be done, in Thai and English."""

    def __init__(self, message_th: str, message_en: str):
        super().__init__(f"{message_th} ({message_en})")
        self.message_th = message_th
        self.message_en = message_en


class ExchangeRefusal(ExchangeError):
    """A message refused: ``reason_code`` is one of ``REASON_CODES``, ``field`` the element
    at fault (``Body.Subject``) when there is one."""

    def __init__(self, reason_code: str, message_th: str, message_en: str,
                 field: str | None = None):
        super().__init__(message_th, message_en)
        self.reason_code = reason_code
        self.field = field

    @property
    def code(self) -> str:
        return self.reason_code

    @property
    def status(self) -> int:
        return REFUSAL_STATUS.get(self.reason_code, 400)


def refusal_answer(code: str, message_en: str, message_th: str,
                   field: str | None = None) -> tuple[int, dict]:
    """The HTTP status and JSON the endpoint answers a refusal with: the project's bilingual
    error shape ``{status, message, message_th, field}`` and the protocol's reason code."""
    status = REFUSAL_STATUS.get(code, 400)
    return status, {"error": {"code": code, "status": status, "message": message_en,
                              "message_th": message_th, "field": field}}


def malformed(path: str, th: str, en: str) -> ExchangeRefusal:
    where = path or "the message"
    return ExchangeRefusal("malformed", f"ข้อความไม่อยู่ในรูปแบบที่กำหนด: {path or 'ข้อความ'} {th}",
                           f"The message is malformed: {where} {en}.", field=path or None)


def check_code(code) -> str:
    if not isinstance(code, str) or not re.fullmatch(CODE_PATTERN[1:-1], code):
        raise ExchangeError(
            f"รหัสหน่วยงาน {code!r} ไม่ถูกต้อง: ต้องยาว 2–20 ตัว ใช้ได้เฉพาะ A–Z 0–9 '-' และ '.'",
            f"The agency code {code!r} is invalid: 2-20 characters of A-Z, 0-9, '-' and '.'.")
    return code


def iso_utc(moment: dt.datetime) -> str:
    """``2024-05-01T03:04:05Z`` (microseconds kept when there are some)."""
    if not isinstance(moment, dt.datetime) or moment.utcoffset() is None:
        raise ExchangeError("เวลาต้องระบุเขตเวลา", f"{moment!r} must be a timezone-aware datetime.")
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def read_moment(text, *, utc_z: bool = False) -> dt.datetime | None:
    """An ISO-8601 date and time with its offset (``Z`` only, with ``utc_z``), as aware
    UTC; None when ``text`` is not one."""
    if not isinstance(text, str) or "T" not in text or (utc_z and not text.endswith("Z")):
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(dt.UTC) if moment.utcoffset() is not None else None


# --- the element types ------------------------------------------------------------------

def _error(kind: str, th: str, en: str) -> PydanticCustomError:
    """A refusal raised inside a validator; ``kind`` is a reason code (its words are a
    sentence, ``{path}`` filled in) or names a malformation (its words follow the path)."""
    return PydanticCustomError(kind, "{en}", {"th": th, "en": en})


def _text(max_length: int, *, multiline: bool = True, required: bool = True):
    """Text cleaned as any input is (control and invisible characters out, trimmed); NUL
    refused outright, since no text holds one and PostgreSQL cannot keep it."""

    def clean(value: str) -> str | None:
        if "\x00" in value:
            raise _error("nul", "มีอักขระ NUL ซึ่งไม่ใช่ข้อความ", "holds a NUL character")
        value = clean_text(value, "", "", max_length=max_length, multiline=multiline)
        if value is None and required:
            raise _error("required", "ต้องมีค่า", "is required")
        return value

    return Annotated[str, StringConstraints(strict=True, max_length=max_length),
                     AfterValidator(clean)]


def _date(value) -> dt.date:
    if type(value) is dt.date:  # built by our code (a datetime is no date here)
        return value
    if not isinstance(value, str):
        raise _error("date_type", "ต้องเป็นวันที่แบบ ISO (ปปปป-ดด-วว)", "must be an ISO date text")
    if not re.fullmatch(DATE_PATTERN[1:-1], value):
        raise _error("date_format", "ไม่อยู่ในรูปแบบวันที่ ปปปป-ดด-วว", "is not a valid date value")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _error("date_real", "ไม่ใช่วันที่ที่มีอยู่จริง", "is not a real date") from None


def _moment(utc_z: bool):
    zone, zone_th = ("Z", "Z") if utc_z else ("Z or +07:00", "Z หรือ +07:00")

    def read(value) -> dt.datetime:
        if isinstance(value, dt.datetime):  # built by our code
            if value.utcoffset() is None:
                raise _error("naive", "ต้องระบุเขตเวลา", "must be a timezone-aware datetime")
            return value.astimezone(dt.UTC)
        moment = read_moment(value, utc_z=utc_z)
        if moment is None:
            raise _error("datetime", f"ต้องเป็นวันเวลาแบบ ISO-8601 ที่ลงท้ายด้วย {zone_th}",
                         f"must be an ISO-8601 date and time ending in {zone}")
        return moment

    return read


def _moment_text(value: str) -> str:
    """A notice's time, kept as the sender wrote it (the signed bytes stay the same)."""
    if read_moment(value) is None:
        raise _error("datetime", "ต้องเป็นวันเวลาแบบ ISO-8601 ที่ลงท้ายด้วย Z หรือ +07:00",
                     "must be an ISO-8601 date and time ending in Z or +07:00")
    return value


def _content(value) -> bytes:
    if isinstance(value, bytes):  # built by our code
        return value
    try:
        if isinstance(value, str):
            return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        pass
    raise _error("bad_digest", "เนื้อไฟล์ใน {path} ไม่ใช่ base64 ที่ถูกต้อง",
                 "The content in {path} is not valid base64.")


_DATE_SCHEMA = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
AgencyCode = Annotated[str, StringConstraints(strict=True, pattern=CODE_PATTERN)]
MessageId = Annotated[str, StringConstraints(strict=True, pattern=UUID_PATTERN)]
Level = Annotated[int, Field(strict=True, ge=0, le=3)]
WireDate = Annotated[dt.date, PlainValidator(_date),
                     PlainSerializer(dt.date.isoformat, return_type=str, when_used="json"),
                     WithJsonSchema(_DATE_SCHEMA)]
WireDateTime = Annotated[dt.datetime, PlainValidator(_moment(utc_z=False)),
                         PlainSerializer(iso_utc, return_type=str, when_used="json"),
                         WithJsonSchema({"type": "string", "format": "date-time"})]
UtcTimestamp = Annotated[dt.datetime, PlainValidator(_moment(utc_z=True)),
                         PlainSerializer(iso_utc, return_type=str, when_used="json"),
                         WithJsonSchema({"type": "string", "format": "date-time",
                                         "pattern": "Z$"})]
NoticeDateTime = Annotated[str, StringConstraints(strict=True, max_length=40),
                           AfterValidator(_moment_text),
                           WithJsonSchema({"type": "string", "format": "date-time",
                                           "maxLength": 40})]
Content = Annotated[bytes, PlainValidator(_content),
                    PlainSerializer(lambda b: base64.b64encode(b).decode("ascii"),
                                    return_type=str, when_used="json"),
                    WithJsonSchema({"type": "string", "contentEncoding": "base64"})]
Sha256 = Annotated[str, StringConstraints(strict=True, pattern=SHA256_PATTERN)]
MediaType = Annotated[str, StringConstraints(strict=True, max_length=100,
                                             pattern=MEDIA_PATTERN)]
FileName = _text(255, multiline=False)


# Our names or positions when code builds an element, e-CMS's names only on the wire
# (``parse`` validates with by_name=False); unknown elements refused everywhere.
_CONFIG = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True,
                     field_title_generator=lambda name, info: info.alias or name)


def _made_by_code(data) -> bool:
    """Whether a dataclass is being made by our code (``Party("SPR")``), not read from a
    message: only code gets the conveniences (defaults, plain-text enclosures)."""
    return isinstance(data, ArgsKwargs)


@dataclass(frozen=True, config=_CONFIG)
class Party:
    """ผู้ส่ง / ผู้รับ: the agency, and the person and position as the letter writes them."""

    code: AgencyCode = Field(alias="OrganizationID",
                             description="รหัสหน่วยงาน; must equal From / To")
    name: _text(500) | None = Field(None, alias="OrganizationName", description="ชื่อหน่วยงาน")
    person: _text(500) | None = Field(None, alias="PersonName",
                                      description="ชื่อผู้ลงนาม / ผู้รับ")
    position: _text(2000) | None = Field(None, alias="PositionName", description="ตำแหน่ง")


@dataclass(frozen=True, config=_CONFIG)
class Reference:
    """อ้างถึง: a letter cited, as written."""

    number: _text(10_000) = Field(alias="ID", description="เลขที่หนังสือที่อ้างถึง")
    date: WireDate | None = Field(None, alias="CorrespondenceDate", description="ลงวันที่")
    subject: _text(2000) | None = Field(None, alias="Subject", description="เรื่อง")


@dataclass(frozen=True, config=_CONFIG)
class Enclosure:
    """สิ่งที่ส่งมาด้วย as the letter lists it; ``filename`` names the binary object that
    carries it, if it travels."""

    description: _text(5000) = Field(alias="Description",
                                     description="รายการสิ่งที่ส่งมาด้วย")
    filename: FileName | None = Field(None, alias="FileName",
                                      description="the AttachmentBinaryObject that carries it")


_FILE_ORDER = ("FileName", "MediaType", "SHA256", "Content")


@dataclass(frozen=True, config=_CONFIG)
class BinaryFile:
    """A file that travels, with the SHA-256 of its content (checked on arrival; code
    gives the content and the digest is worked out)."""

    filename: FileName = Field(alias="FileName")
    media_type: MediaType = Field(alias="MediaType")
    content: Content = Field(alias="Content", repr=False, description="base64")
    sha256: Sha256 = Field(alias="SHA256",
                           description="hex, lowercase, of the decoded content")

    @model_validator(mode="before")
    @classmethod
    def _digest_of_code(cls, data):
        if _made_by_code(data):
            given = dict(zip(("filename", "media_type", "content", "sha256"), data.args,
                             strict=False)) | (data.kwargs or {})
            if given.get("sha256") is None and isinstance(given.get("content"), bytes):
                given["sha256"] = hashlib.sha256(given["content"]).hexdigest()
            return ArgsKwargs((), given)
        return data

    @model_validator(mode="after")
    def _digest_matches(self):
        if hashlib.sha256(self.content).hexdigest() != self.sha256:
            raise _error("bad_digest",
                         f"ไฟล์ {self.filename} ไม่ตรงกับค่า SHA-256 ที่ระบุ (ไฟล์เสียหายหรือถูกแก้ไข)",
                         f"The file {self.filename} does not match its SHA-256 digest "
                         "(damaged or altered).")
        return self

    @model_serializer(mode="wrap")
    def _in_wire_order(self, handler, info):
        """FileName, MediaType, SHA256, Content: the order of the bytes sent before."""
        out = handler(self)
        return {k: out[k] for k in _FILE_ORDER} if info.by_alias else out


_LETTER_DEFAULTS = (("secrecy", 0), ("urgency", 0), ("references", list),
                    ("enclosures", list), ("attachment_files", list))


@dataclass(kw_only=True, config=ConfigDict(_CONFIG, validate_assignment=True))
class Letter:
    """The letter: the Body of a ``letter`` message. Every element but MainLetterBinaryObject
    and Description must be on the wire; code may leave the levels and lists out and list
    an enclosure as plain text."""

    number: _text(120, multiline=False) = Field(
        alias="ID", description="เลขที่หนังสือตามที่เขียน เช่น สพร ๒๕๖๒/ว๔๐๙๙")
    date: WireDate = Field(alias="CorrespondenceDate", description="ลงวันที่")
    subject: _text(2000) = Field(alias="Subject", description="เรื่อง")
    secrecy: Level = Field(alias="SecretCode",
                           description="ชั้นความลับ 0 ปกติ, 1 ลับ, 2 ลับมาก, 3 ลับที่สุด")
    urgency: Level = Field(alias="SpeedCode",
                           description="ชั้นความเร็ว 0 ปกติ, 1 ด่วน, 2 ด่วนมาก, 3 ด่วนที่สุด")
    sender: Party = Field(alias="SenderParty", description="ผู้ส่ง")
    receiver: Party = Field(alias="ReceiverParty", description="ผู้รับ / เรียน")
    references: list[Reference] = Field(alias="ReferenceCorrespondence", max_length=1000,
                                        description="อ้างถึง")
    enclosures: list[Enclosure] = Field(alias="Attachment", max_length=1000,
                                        description="สิ่งที่ส่งมาด้วย ตามที่เขียนในหนังสือ")
    send_date: WireDateTime = Field(alias="SendDate", description="วันเวลาที่ส่ง")
    main_file: BinaryFile | None = Field(None, alias="MainLetterBinaryObject",
                                         description="ไฟล์ตัวหนังสือ (PDF)")
    attachment_files: list[BinaryFile] = Field(alias="AttachmentBinaryObject",
                                               max_length=1000,
                                               description="ไฟล์สิ่งที่ส่งมาด้วย")
    description: _text(200_000) | None = Field(None, alias="Description",
                                               description="ข้อความ/เนื้อความเพิ่มเติม")

    @model_validator(mode="before")
    @classmethod
    def _defaults_for_code(cls, data):
        if not _made_by_code(data):
            return data
        given = dict(data.kwargs or {})
        for name, default in _LETTER_DEFAULTS:
            if name not in given:
                given[name] = default() if callable(default) else default
        given["enclosures"] = [Enclosure(e) if isinstance(e, str) else e
                               for e in given["enclosures"]]
        return ArgsKwargs(data.args, given)


def elements(model: type) -> dict[str, str]:
    """Our attribute -> e-CMS element name, for a dataclass or model of this module (what
    docs/EXCHANGE.md's tables list, and what an e-CMS adapter maps)."""
    fields = getattr(model, "__pydantic_fields__", None) or model.model_fields
    return {name: info.alias for name, info in fields.items()}


class _Body(BaseModel):
    """The envelope and the notices' bodies: read from messages only, strictly (no
    coercion: a number is not text, a mapping of any other kind is not an object)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True,
                              field_title_generator=lambda name, info: info.alias or name)


class DeliveryBody(_Body):
    """ตอบรับว่าได้รับข้อความแล้ว: the Body of a ``delivery`` notice."""

    received_at: NoticeDateTime = Field(alias="ReceivedAt")


class AcceptBody(_Body):
    """ลงรับแล้ว: the Body of an ``accept`` notice, with the receiver's เลขรับ."""

    accept_id: _text(60, multiline=False) = Field(alias="AcceptID", description="เลขรับ")
    accept_date: NoticeDateTime = Field(alias="AcceptDate", description="วันเวลาที่รับ")
    register_name: _text(500) | None = Field(None, alias="RegisterName")


class ReasonBody(_Body):
    """ปฏิเสธการรับ / หนังสือไม่ถูกต้อง: the Body of a ``reject`` or ``invalid`` notice."""

    reason: _text(5000) = Field(alias="Reason")


NOTICE_BODIES: dict[str, type] = {"delivery": DeliveryBody, "accept": AcceptBody,
                                            "reject": ReasonBody, "invalid": ReasonBody}


class Envelope(_Body):
    """The signed envelope every message travels in. Its Body is checked after the
    signature, by the model of its MessageType (``BODIES``)."""

    protocol: Literal["saraban-exchange/1"] = Field(alias="Protocol")
    message_id: MessageId = Field(alias="MessageID",
                                  description="a lowercase UUID, unique per message")
    kind: Literal["letter", "delivery", "accept", "reject", "invalid"] = Field(
        alias="MessageType")
    sender: AgencyCode = Field(alias="From")
    receiver: AgencyCode = Field(alias="To")
    timestamp: UtcTimestamp = Field(alias="Timestamp",
                                    description="when it was signed, ISO-8601 UTC ending in Z")
    in_reply_to: MessageId | None = Field(
        alias="InReplyTo", description="null for a letter; the letter's MessageID for a notice")
    body: dict[str, Any] = Field(alias="Body")
    signature: str = Field(alias="Signature",
                           description="Ed25519, base64, over the canonical bytes without it")

    @field_validator("in_reply_to")
    @classmethod
    def _reply_fits_kind(cls, value, info: ValidationInfo):
        kind = info.data.get("kind")
        if kind == "letter" and value is not None:
            raise _error("reply", "ของหนังสือต้องเป็น null", "must be null for a letter")
        if kind in NOTICE_TYPES and value is None:
            raise _error("reply", "ของประกาศต้องเป็น MessageID ของหนังสือ",
                         "must be the MessageID of the letter a notice answers")
        return value


BODIES: dict[str, type] = {"letter": Letter, **NOTICE_BODIES}


# --- pydantic's errors as the protocol's refusals ----------------------------------------

_WORDS = {  # pydantic error type -> (Thai, English), formatted with the error's context
    "missing": ("ต้องมีค่า", "is required"),
    "required": ("ต้องมีค่า", "is required"),
    "extra_forbidden": ("ไม่ใช่ชื่อช่องที่รู้จัก", "is not a known element"),
    "unexpected_keyword_argument": ("ไม่ใช่ชื่อช่องที่รู้จัก", "is not a known element"),
    "string_type": ("ต้องเป็นข้อความ", "must be text"),
    "int_type": ("ต้องเป็นจำนวนเต็ม", "must be a whole number"),
    "greater_than_equal": ("ต้องไม่น้อยกว่า {ge}", "must be at least {ge}"),
    "less_than_equal": ("ต้องไม่เกิน {le}", "must be at most {le}"),
    "string_too_long": ("ยาวเกิน {max_length} ตัวอักษร", "is longer than {max_length} characters"),
    "too_long": ("มีเกิน {max_length} รายการ", "has more than {max_length} items"),
    "list_type": ("ต้องเป็นรายการ", "must be a list"),
    "dict_type": ("ต้องเป็นออบเจกต์", "must be an object"),
    "model_type": ("ต้องเป็นออบเจกต์", "must be an object"),
    "model_attributes_type": ("ต้องเป็นออบเจกต์", "must be an object"),
    "dataclass_type": ("ต้องเป็นออบเจกต์", "must be an object"),
    "literal_error": ("ต้องเป็นค่าใดค่าหนึ่งต่อไปนี้ {expected}", "must be one of {expected}"),
}
_PATTERN_WORDS = {
    CODE_PATTERN: ("ไม่ใช่รหัสหน่วยงานที่ถูกต้อง", "is not a valid agency code"),
    UUID_PATTERN: ("ต้องเป็น UUID ตัวพิมพ์เล็ก", "must be a lowercase UUID"),
    SHA256_PATTERN: ("ต้องเป็นค่า SHA-256 แบบเลขฐานสิบหกตัวพิมพ์เล็ก", "must be a lowercase hex SHA-256"),
    MEDIA_PATTERN: ("ไม่ใช่ชนิดไฟล์ (media type) ที่ถูกต้อง", "is not a valid media type"),
}


def _path(loc) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def refusal_of(error: ValidationError, prefix: tuple = ()) -> ExchangeRefusal:
    """The protocol's refusal for the first thing pydantic found wrong, in both languages."""
    first = error.errors(include_url=False)[0]
    path, kind, ctx = _path(prefix + tuple(first["loc"])), first["type"], first.get("ctx", {})
    if "th" in ctx:  # raised by our validators
        th, en = ctx["th"], ctx["en"]
        if kind in REFUSAL_STATUS:
            return ExchangeRefusal(kind, th.replace("{path}", path), en.replace("{path}", path),
                                   field=path or None)
    elif first["input"] is None and kind.endswith("_type"):
        th, en = _WORDS["missing"]
    elif kind == "string_pattern_mismatch" and ctx.get("pattern") in _PATTERN_WORDS:
        th, en = _PATTERN_WORDS[ctx["pattern"]]
    else:
        th, en = _WORDS.get(kind, ("ไม่ถูกต้อง", "is not valid"))
        th = th.format(**{k: to_thai_digits(f"{v:,}") if isinstance(v, int) else v
                          for k, v in ctx.items()})
        en = en.format(**ctx)
    return malformed(path, th, en)


@cache
def _adapter(model: type) -> TypeAdapter:
    return TypeAdapter(model)


def parse(model: type, value, prefix: tuple = ()):
    """``value`` (JSON as it came) as a ``model``, by e-CMS's element names only; refused
    as the protocol refuses, the element at fault named from ``prefix`` on."""
    try:
        return _adapter(model).validate_python(value, by_alias=True, by_name=False)
    except ValidationError as error:
        raise refusal_of(error, prefix) from None


def dump(model: type, value, **options) -> dict:
    """``value`` as JSON under e-CMS's element names: the bytes that are signed."""
    return _adapter(model).dump_python(value, mode="json", by_alias=True, **options)


# --- the published schema -----------------------------------------------------------------

def json_schema() -> dict:
    """The JSON Schema of a saraban-exchange/1 message, Body by MessageType, for peers;
    docs/exchange-schema.json is this (a test fails when it is stale)."""
    models = [Envelope, Letter, DeliveryBody, AcceptBody, ReasonBody]
    _, top = models_json_schema([(m, "validation") for m in models], by_alias=True,
                                ref_template="#/$defs/{model}")
    rules = []
    for kind, model in BODIES.items():
        reply = {"type": "null"} if kind == "letter" else {"type": "string",
                                                           "pattern": UUID_PATTERN}
        rules.append({"if": {"properties": {"MessageType": {"const": kind}}},
                      "then": {"properties": {"Body": {"$ref": f"#/$defs/{model.__name__}"},
                                              "InReplyTo": reply}}})
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": f"{PROTOCOL} message",
            "description": "A signed message between saraban installations; see "
                           "docs/EXCHANGE.md. Generated from saraban/exchange/envelope.py.",
            "$ref": "#/$defs/Envelope", "allOf": rules, "$defs": top["$defs"]}


def json_schema_text() -> str:
    return json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":  # python -m saraban.exchange.envelope > docs/exchange-schema.json
    print(json_schema_text(), end="")
