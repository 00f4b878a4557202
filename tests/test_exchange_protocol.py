"""The exchange protocol: identities on disk, signed letters and notices, every refusal."""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime as dt
import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from saraban.exchange import protocol as p

NOW = dt.datetime(2024, 5, 1, 3, 4, 5, tzinfo=dt.UTC)
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
DOC = Path(__file__).resolve().parent.parent / "docs" / "EXCHANGE.md"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    base = tmp_path_factory.mktemp("exchange")
    return {code: p.create_identity(base / code, code, name) for code, name in
            (("SPR", "สำนักงานพัฒนารัฐบาลดิจิทัล"), ("RTP", "สำนักงานตำรวจแห่งชาติ"),
             ("MOI", "กระทรวงมหาดไทย"))}


@pytest.fixture
def us(keys):
    return keys["SPR"]


@pytest.fixture
def them(keys):
    return keys["RTP"]


def peers(*identities):
    table = {i.code: p.public_key_from_text(i.public_key) for i in identities}
    return table.get


def a_letter(sender="SPR", receiver="RTP") -> p.Letter:
    return p.Letter(
        number="สพร ๒๕๖๒/ว๔๐๙๙", date=dt.date(2019, 11, 26),
        subject="ขอเชิญประชุมคณะทำงานระบบสารบรรณอิเล็กทรอนิกส์", secrecy=0, urgency=2,
        sender=p.Party(sender, "สำนักงานพัฒนารัฐบาลดิจิทัล", "นายสมชาย ใจดี", "ผู้อำนวยการ"),
        receiver=p.Party(receiver, "สำนักงานตำรวจแห่งชาติ", None, "ผู้บัญชาการตำรวจแห่งชาติ"),
        references=[p.Reference("ตช ๐๐๐๗.๓/๑๒๓", dt.date(2019, 10, 1), "การประชุม"),
                    p.Reference("หนังสือที่อ้างถึงโดยไม่มีวันที่")],
        enclosures=[p.Enclosure("กำหนดการประชุม", "agenda.pdf"), "แผนที่ (ฉบับกระดาษ)"],
        send_date=NOW - dt.timedelta(minutes=5),
        main_file=p.BinaryFile("letter.pdf", "application/pdf", PDF),
        attachment_files=[p.BinaryFile("agenda.pdf", "application/pdf", b"%PDF-1.4 agenda")],
        description="รายละเอียดตามสิ่งที่ส่งมาด้วย")


@pytest.fixture
def check(keys):
    """verify() as RTP (or ``our_code``) with SPR and RTP registered, at NOW."""
    registered = peers(keys["SPR"], keys["RTP"])

    def run(message, *, our_code="RTP", now=NOW, **limits):
        return p.verify(message, peer_keys=registered, our_code=our_code, now=now, **limits)
    return run


def resign(message, identity):
    unsigned = {k: v for k, v in message.items() if k != "Signature"}
    sig = identity.private_key.sign(p.canonical(unsigned))
    return unsigned | {"Signature": base64.b64encode(sig).decode()}


# --- identities ---------------------------------------------------------------------------

def test_create_identity_writes_private_key_0600_and_loads_back(tmp_path):
    made = p.create_identity(tmp_path / "ex", "SPR", "สำนักงานพัฒนารัฐบาลดิจิทัล")
    key_file = tmp_path / "ex" / "private_key.pem"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    data = json.loads((tmp_path / "ex" / "identity.json").read_text(encoding="utf-8"))
    assert data == {"code": "SPR", "name": "สำนักงานพัฒนารัฐบาลดิจิทัล",
                    "public_key": made.public_key}
    assert len(base64.b64decode(made.public_key)) == 32
    loaded = p.load_identity(tmp_path / "ex")
    assert (loaded.code, loaded.name, loaded.public_key) == ("SPR", made.name, made.public_key)


def test_create_identity_refuses_to_overwrite_unless_asked(tmp_path):
    first = p.create_identity(tmp_path, "SPR", "หน่วยงาน")
    with pytest.raises(p.ExchangeError) as refused:
        p.create_identity(tmp_path, "SPR", "หน่วยงาน")
    assert "มีตัวตนหน่วยงานอยู่แล้ว" in refused.value.message_th
    assert "already exists" in refused.value.message_en
    assert p.load_identity(tmp_path).public_key == first.public_key
    second = p.create_identity(tmp_path, "SPR2", "หน่วยงานใหม่", overwrite=True)
    assert second.public_key != first.public_key
    assert stat.S_IMODE(os.stat(tmp_path / "private_key.pem").st_mode) == 0o600
    assert p.load_identity(tmp_path).code == "SPR2"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_load_identity_refuses_a_key_others_can_read(tmp_path, mode):
    p.create_identity(tmp_path, "SPR", "หน่วยงาน")
    os.chmod(tmp_path / "private_key.pem", mode)
    with pytest.raises(p.ExchangeError) as refused:
        p.load_identity(tmp_path)
    assert "chmod 600" in refused.value.message_th
    assert "must be 0600" in refused.value.message_en


def test_load_identity_without_one_says_how_to_create_it(tmp_path):
    with pytest.raises(p.ExchangeError) as refused:
        p.load_identity(tmp_path)
    assert "saraban exchange init" in refused.value.message_en
    assert "ยังไม่มีตัวตนหน่วยงาน" in refused.value.message_th


def test_load_identity_refuses_a_key_of_another_identity(tmp_path):
    p.create_identity(tmp_path / "a", "SPR", "ก")
    p.create_identity(tmp_path / "b", "RTP", "ข")
    (tmp_path / "a" / "identity.json").write_bytes((tmp_path / "b" / "identity.json").read_bytes())
    with pytest.raises(p.ExchangeError, match="not the Ed25519 key"):
        p.load_identity(tmp_path / "a")


@pytest.mark.parametrize("code", ["A", "spr", "S PR", "ส.พ.ร.", "A" * 21, "SPR\n", "", None])
def test_agency_codes_are_checked(tmp_path, code):
    with pytest.raises(p.ExchangeError, match="agency code"):
        p.create_identity(tmp_path, code, "หน่วยงาน")


@pytest.mark.parametrize("code", ["RT", "MOI.0205", "SPR-1", "A" * 20])
def test_valid_agency_codes(code):
    assert p.check_code(code) == code


def test_public_key_from_text(us):
    key = p.public_key_from_text(" " + us.public_key + "\n")
    assert p.public_key_text(key) == us.public_key
    for bad in ["", "not base64!", base64.b64encode(b"x" * 31).decode(), "ก" * 44, None,
                us.private_key.private_bytes_raw().hex()]:
        with pytest.raises(p.ExchangeError, match="public key is invalid"):
            p.public_key_from_text(bad)


# --- letters --------------------------------------------------------------------------------

def test_letter_round_trip_signed_and_verified(us, check):
    letter = a_letter()
    message = p.build_letter(us, "RTP", letter, now=NOW)
    assert message["Protocol"] == "saraban-exchange/1"
    assert (message["MessageType"], message["From"], message["To"]) == ("letter", "SPR", "RTP")
    assert message["Timestamp"] == "2024-05-01T03:04:05Z"
    assert message["InReplyTo"] is None
    body = message["Body"]
    assert body["Subject"] == "ขอเชิญประชุมคณะทำงานระบบสารบรรณอิเล็กทรอนิกส์"
    assert body["MainLetterBinaryObject"]["SHA256"] == hashlib.sha256(PDF).hexdigest()
    assert base64.b64decode(body["MainLetterBinaryObject"]["Content"]) == PDF
    wire = json.loads(json.dumps(message, ensure_ascii=False))
    checked = check(wire)
    assert checked.kind == "letter" and checked.sender == "SPR" and checked.receiver == "RTP"
    assert checked.message_id == message["MessageID"]
    assert checked.timestamp == NOW
    assert checked.letter == letter
    assert checked.letter.main_file.content == PDF
    assert checked.digest == p.digest(message)


def test_mapping_round_trip_letter_body_letter():
    letter = a_letter()
    body = p.letter_to_body(letter)
    assert p.letter_from_body(json.loads(json.dumps(body))) == letter
    assert list(body) == list(p.elements(p.Letter).values())
    assert body["ID"] == "สพร ๒๕๖๒/ว๔๐๙๙" and body["CorrespondenceDate"] == "2019-11-26"
    assert body["SecretCode"] == 0 and body["SpeedCode"] == 2
    assert body["SenderParty"]["OrganizationID"] == "SPR"
    assert body["ReceiverParty"]["PositionName"] == "ผู้บัญชาการตำรวจแห่งชาติ"
    assert body["ReferenceCorrespondence"][1] == {
        "ID": "หนังสือที่อ้างถึงโดยไม่มีวันที่", "CorrespondenceDate": None, "Subject": None}
    assert body["Attachment"][1] == {"Description": "แผนที่ (ฉบับกระดาษ)", "FileName": None}
    assert body["SendDate"] == "2024-05-01T02:59:05Z"
    assert body["Description"] == "รายละเอียดตามสิ่งที่ส่งมาด้วย"
    bare = p.Letter(number="๑", date=dt.date(2024, 1, 2), subject="เรื่อง",
                    sender=p.Party("SPR"), receiver=p.Party("RTP"), send_date=NOW)
    assert p.letter_from_body(p.letter_to_body(bare)) == bare


def test_every_letter_field_is_mapped_and_documented():
    assert set(p.elements(p.Letter)) == {f.name for f in dataclasses.fields(p.Letter)}
    doc = DOC.read_text(encoding="utf-8")
    for model in (p.Letter, p.Party, p.Reference, p.Enclosure, p.BinaryFile):
        for attr, element in p.elements(model).items():
            assert f"`{attr}`" in doc and f"`{element}`" in doc, (attr, element)
    for code in p.REASON_CODES:
        assert f"`{code}`" in doc, code
    assert "AcceptID" in doc and "เลขรับ" in doc


def test_build_letter_refuses_what_the_receiver_would_refuse(us):
    with pytest.raises(p.ExchangeRefusal, match="ReceiverParty.OrganizationID"):
        p.build_letter(us, "MOI", a_letter(), now=NOW)


@pytest.mark.parametrize("change, words", [
    ({"send_date": NOW.replace(tzinfo=None)}, "timezone-aware"),
    ({"secrecy": 4}, "less than or equal to 3"),
    ({"secrecy": True}, "valid integer"),
    ({"subject": "  "}, "is required"),
    ({"number": "ก" * 121}, "at most 120 characters"),
])
def test_a_letter_the_receiver_would_refuse_cannot_be_made(change, words):
    """A Letter is checked when it is made, replaced or changed (not only when sent)."""
    with pytest.raises(ValidationError, match=words):
        dataclasses.replace(a_letter(), **change)
    letter = a_letter()
    with pytest.raises(ValidationError, match=words):
        for name, value in change.items():
            setattr(letter, name, value)


# --- refusals -------------------------------------------------------------------------------

def _tamper_content(m):
    content = bytearray(base64.b64decode(m["Body"]["MainLetterBinaryObject"]["Content"]))
    content[3] ^= 0x01
    m["Body"]["MainLetterBinaryObject"]["Content"] = base64.b64encode(bytes(content)).decode()
    return m


def _set(path, value):
    def change(m):
        target = m
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return m
    return change


REFUSALS = {
    # case: (change made to a signed letter, resign with (None: no), reason code, words)
    "tampered content": (_tamper_content, "SPR", "bad_digest", "SHA-256"),
    "content not base64": (_set(["Body", "AttachmentBinaryObject", 0, "Content"], "@@@"),
                           "SPR", "bad_digest", "base64"),
    "subject changed": (_set(["Body", "Subject"], "เรื่องอื่น"), None, "bad_signature",
                        "signature does not verify"),
    "signed by another key": (lambda m: m, "MOI", "bad_signature", "signature"),
    "signature garbage": (_set(["Signature"], "!!"), None, "bad_signature", "signature"),
    "signature a number": (_set(["Signature"], 5), None, "malformed", "Signature must be text"),
    "timestamp a number": (_set(["Timestamp"], 1714532645), "SPR", "malformed", "Timestamp"),
    "unknown sender": (_set(["From"], "MOI"), "MOI", "unknown_sender", "MOI"),
    "to another agency": (_set(["To"], "MOI"), "SPR", "wrong_receiver", "addressed to MOI"),
    "old": (_set(["Timestamp"], "2024-04-27T03:04:04Z"), "SPR", "expired", "expired"),
    "future": (_set(["Timestamp"], "2024-05-01T03:14:06Z"), "SPR", "future", "ahead"),
    "protocol": (_set(["Protocol"], "saraban-exchange/2"), "SPR", "malformed", "Protocol"),
    "kind": (_set(["MessageType"], "letterx"), "SPR", "malformed", "MessageType"),
    "message id": (_set(["MessageID"], "42"), "SPR", "malformed", "MessageID"),
    "local time": (_set(["Timestamp"], "2024-05-01T10:04:05+07:00"), "SPR", "malformed",
                   "Timestamp"),
    "body field missing": (lambda m: m["Body"].pop("Subject") and m, "SPR", "malformed",
                           "Body.Subject is required"),
    "body field extra": (_set(["Body", "Colour"], "red"), "SPR", "malformed", "Body.Colour"),
    "bad date": (_set(["Body", "CorrespondenceDate"], "2019-02-30"), "SPR", "malformed",
                 "real date"),
    "secrecy text": (_set(["Body", "SecretCode"], "1"), "SPR", "malformed", "SecretCode"),
    "party mismatch": (_set(["Body", "SenderParty", "OrganizationID"], "MOI"), "SPR",
                       "malformed", "SenderParty"),
    "reply on a letter": (_set(["InReplyTo"], "6f1c6a39-79b5-4d5a-9d0e-6f2f5a3f6c11"), "SPR",
                          "malformed", "InReplyTo"),
    "unknown envelope key": (_set(["Extra"], 1), "SPR", "malformed", "Extra"),
    "nan in body": (_set(["Body", "Description"], float("nan")), None, "malformed", "JSON"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refusals(case, keys, check):
    change, signer, code, words = REFUSALS[case]
    message = change(copy.deepcopy(p.build_letter(keys["SPR"], "RTP", a_letter(), now=NOW)))
    if signer:
        message = resign(message, keys[signer])
    with pytest.raises(p.ExchangeRefusal) as refused:
        check(message)
    assert refused.value.reason_code == code
    assert refused.value.code == code
    assert words in refused.value.message_en
    assert refused.value.message_th and refused.value.message_th != refused.value.message_en


def test_bad_signature_message_in_thai(us, check):
    message = p.build_letter(us, "RTP", a_letter(), now=NOW)
    message["Body"]["Subject"] += "."
    with pytest.raises(p.ExchangeRefusal) as refused:
        check(message)
    assert refused.value.message_th == "ลายมือชื่อดิจิทัลไม่ถูกต้อง"
    assert refused.value.message_en == (
        "The signature does not verify against the sender's registered key.")


@pytest.mark.parametrize("garbage", [None, [], "letter", 42, {}, {"Protocol": 1},
                                     {"MessageID": "x", "Body": []}])
def test_garbage_is_malformed(garbage, check):
    with pytest.raises(p.ExchangeRefusal) as refused:
        check(garbage)
    assert refused.value.reason_code == "malformed"
    assert "malformed" in refused.value.message_en
    assert "ไม่อยู่ในรูปแบบ" in refused.value.message_th


def test_timestamp_limits_are_inclusive_and_configurable(us, check):
    message = p.build_letter(us, "RTP", a_letter(), now=NOW)
    check(message, now=NOW + p.MAX_AGE)
    check(message, now=NOW - p.MAX_SKEW)
    with pytest.raises(p.ExchangeRefusal, match="expired"):
        check(message, now=NOW + dt.timedelta(hours=2), max_age=dt.timedelta(hours=1))


def test_too_large(us, check):
    message = p.build_letter(us, "RTP", a_letter(), now=NOW)
    total = len(PDF) + len(b"%PDF-1.4 agenda")
    assert check(message, max_bytes=total).letter is not None
    with pytest.raises(p.ExchangeRefusal) as refused:
        check(message, max_bytes=total - 1)
    assert refused.value.reason_code == "too_large"


def test_verify_needs_an_aware_now(us, check):
    message = p.build_letter(us, "RTP", a_letter(), now=NOW)
    with pytest.raises(p.ExchangeError, match="timezone-aware"):
        check(message, now=NOW.replace(tzinfo=None))


# --- digests and repeats --------------------------------------------------------------------

def test_digest_same_message_same_digest_any_change_differs(us):
    message = p.build_letter(us, "RTP", a_letter(), now=NOW)
    again = json.loads(json.dumps(message, ensure_ascii=False, indent=1))
    assert p.digest(again) == p.digest(message)
    assert p.canonical(again) == p.canonical(message)
    changes = [_set(["Body", "Subject"], "ขอเชิญประชุม"), _set(["Timestamp"], "2024-05-01T03:04:06Z"),
               _set(["Signature"], message["Signature"][:-4] + "AAA="), _tamper_content,
               _set(["Body", "Attachment"], [])]
    seen = {p.digest(message)}
    for change in changes:
        changed = change(copy.deepcopy(message))
        assert p.digest(changed) not in seen
        seen.add(p.digest(changed))
    other = p.build_letter(us, "RTP", a_letter(), now=NOW)
    assert p.digest(other) != p.digest(message)  # another MessageID


def test_canonical_bytes():
    assert p.canonical({"b": 1, "a": ["ก", None, True]}) == \
        '{"a":["ก",null,true],"b":1}'.encode()


def test_check_repeat(us):
    message = p.build_letter(us, "RTP", a_letter(), now=NOW)
    known = p.digest(message)
    assert p.check_repeat(message, None) is False
    assert p.check_repeat(json.loads(json.dumps(message)), known) is True
    forged = resign(_set(["Body", "Subject"], "เรื่องปลอม")(copy.deepcopy(message)), us)
    with pytest.raises(p.ExchangeRefusal) as refused:
        p.check_repeat(forged, known)
    assert refused.value.reason_code == "replay"
    assert message["MessageID"] in refused.value.message_en


# --- notices --------------------------------------------------------------------------------

def test_accept_notice_with_thai_digits(us, them, check):
    letter = p.build_letter(us, "RTP", a_letter(), now=NOW)
    later = NOW + dt.timedelta(hours=1)
    notice = p.build_notice(them, "SPR", "accept", letter["MessageID"],
                            p.accept_body("๑๒๓/๒๕๖๗", later, "ทะเบียนหนังสือรับ กลาง"), now=later)
    assert notice["InReplyTo"] == letter["MessageID"]
    checked = check(json.loads(json.dumps(notice, ensure_ascii=False)), our_code="SPR",
                    now=later)
    assert checked.kind == "accept" and checked.letter is None
    assert checked.body == {"AcceptID": "๑๒๓/๒๕๖๗", "AcceptDate": "2024-05-01T04:04:05Z",
                            "RegisterName": "ทะเบียนหนังสือรับ กลาง"}
    assert checked.in_reply_to == letter["MessageID"]
    tampered = copy.deepcopy(notice)
    tampered["Body"]["AcceptID"] = "๑๒๔/๒๕๖๗"
    with pytest.raises(p.ExchangeRefusal, match="signature"):
        check(tampered, our_code="SPR", now=later)


@pytest.mark.parametrize("kind, body", [
    ("delivery", p.delivery_body(NOW)),
    ("delivery", {"ReceivedAt": "2024-05-01T10:04:05+07:00"}),
    ("reject", p.reason_body("ส่งผิดหน่วยงาน")),
    ("invalid", {"Reason": "ไฟล์หนังสือเปิดไม่ได้"}),
    ("accept", {"AcceptID": "๕", "AcceptDate": "2024-05-01T03:04:05Z"}),
])
def test_notices_sign_and_verify(them, kind, body, check):
    reply_to = "6f1c6a39-79b5-4d5a-9d0e-6f2f5a3f6c11"
    notice = p.build_notice(them, "SPR", kind, reply_to, body, now=NOW)
    checked = check(notice, our_code="SPR")
    assert (checked.kind, checked.sender, checked.body) == (kind, "RTP", body)


@pytest.mark.parametrize("kind, in_reply_to, body, words", [
    ("accept", "6f1c6a39-79b5-4d5a-9d0e-6f2f5a3f6c11", {"AcceptID": "๕"}, "AcceptDate"),
    ("reject", "6f1c6a39-79b5-4d5a-9d0e-6f2f5a3f6c11", {"Reason": ""}, "Reason"),
    ("delivery", "6f1c6a39-79b5-4d5a-9d0e-6f2f5a3f6c11", {"ReceivedAt": "2024-05-01"},
     "ReceivedAt"),
    ("delivery", None, {"ReceivedAt": "2024-05-01T00:00:00Z"}, "InReplyTo"),
    ("letter", "6f1c6a39-79b5-4d5a-9d0e-6f2f5a3f6c11", {}, "no notice"),
])
def test_bad_notices_are_not_built(them, kind, in_reply_to, body, words):
    with pytest.raises(p.ExchangeError, match=words):
        p.build_notice(them, "SPR", kind, in_reply_to, body, now=NOW)


def test_notice_with_wrong_body_is_refused(them, check):
    notice = p.build_notice(them, "SPR", "reject", "6f1c6a39-79b5-4d5a-9d0e-6f2f5a3f6c11",
                            {"Reason": "ไม่ใช่หนังสือถึงหน่วยงานนี้"}, now=NOW)
    notice["Body"] = {"AcceptID": "๑"}
    with pytest.raises(p.ExchangeRefusal) as refused:
        check(resign(notice, them), our_code="SPR")
    assert refused.value.reason_code == "malformed"
