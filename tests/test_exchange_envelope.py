"""The saraban-exchange/1 envelope as pydantic models (saraban/exchange/envelope.py):
the same bytes as the hand-written encoder before them, the published JSON Schema, and
malformed messages answered with the bilingual refusal."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path

import jsonschema_rs
import pytest
from sqlalchemy import func, select

from saraban.exchange import envelope, protocol
from saraban.exchange.models import ExchangeMessage
from tests import exchange_fixture as fx

SCHEMA = Path(__file__).resolve().parent.parent / "docs" / "exchange-schema.json"
THAI = re.compile(r"[\u0e01-\u0e5b]")


def _fixture() -> dict:
    return json.loads(fx.FIXTURE.read_text(encoding="utf-8"))


# --- the same bytes as before -------------------------------------------------------------

def test_messages_built_now_are_byte_for_byte_those_main_built():
    """Built from the same inputs, every message is the very text the encoder of main
    (b96940c) wrote: same keys, same order, same signature. So a peer still running the
    old code verifies ours, and the outbox's stored payloads stay what was sent."""
    before = _fixture()["payloads"]
    now = fx.payloads(protocol)
    assert list(now) == list(before)
    for name in before:
        assert now[name] == before[name], name


@pytest.mark.parametrize("name", list(_fixture()["payloads"]))
def test_messages_main_signed_verify_here(name):
    fixture = _fixture()
    keys = {code: protocol.public_key_from_text(text)
            for code, text in fixture["public_keys"].items()}
    message = json.loads(fixture["payloads"][name])
    checked = protocol.verify(message, peer_keys=keys.get, our_code=message["To"],
                              now=fx.NOW + dt.timedelta(hours=1))
    assert checked.message_id == message["MessageID"]
    assert checked.digest == protocol.digest(message)
    if checked.kind == "letter":
        assert protocol.letter_to_body(checked.letter) == message["Body"]
    else:
        assert checked.body == message["Body"]


def test_the_fixture_keys_are_the_fixture_identities():
    assert _fixture()["public_keys"] == {code: fx.identity(protocol, code).public_key
                                         for code in fx.AGENCIES}


# --- the published schema -----------------------------------------------------------------

def test_the_published_schema_is_the_models_schema():
    assert SCHEMA.read_text(encoding="utf-8") == envelope.json_schema_text(), (
        "docs/exchange-schema.json is stale: run "
        "`python -m saraban.exchange.envelope > docs/exchange-schema.json`")


def test_the_schema_takes_every_real_message_and_not_a_malformed_one():
    validator = jsonschema_rs.validator_for(json.loads(SCHEMA.read_text(encoding="utf-8")))
    messages = {name: json.loads(text) for name, text in _fixture()["payloads"].items()}
    for name, message in messages.items():
        assert validator.is_valid(message), (name, list(validator.iter_errors(message))[:3])
    letter = messages["letter"]
    for change in (lambda m: m["Body"].pop("Subject"), lambda m: m.update(Extra=1),
                   lambda m: m["Body"].update(SecretCode="1"),
                   lambda m: m["Body"].update(ID="ก" * 121),
                   lambda m: m.update(InReplyTo=fx.LETTER_ID),
                   lambda m: m["Body"]["SenderParty"].update(Colour="red")):
        bad = copy.deepcopy(letter)
        change(bad)
        assert not validator.is_valid(bad)
    notice = copy.deepcopy(messages["accept"])
    notice["Body"] = {"Reason": "ไม่ใช่ประกาศลงรับ"}
    assert not validator.is_valid(notice)


# --- malformed messages: the bilingual refusal ----------------------------------------------

def _letter_from(them) -> dict:
    letter = protocol.Letter(
        number="สพร ๒๕๖๙/ว๗", date=dt.date(2026, 11, 20), subject="ขอเชิญประชุม",
        sender=protocol.Party("DGAX", "สพร. ทดสอบ", "นางทดสอบ ใจดี", "รองผู้อำนวยการ"),
        receiver=protocol.Party("RTP", "สำนักงานตำรวจแห่งชาติ", None, "ผบ.ตร."),
        send_date=dt.datetime.now(dt.UTC).replace(microsecond=0), enclosures=["แผนที่"])
    return protocol.build_letter(them, "RTP", letter)


def _resigned(message: dict, identity) -> dict:
    import base64

    unsigned = {k: v for k, v in message.items() if k != "Signature"}
    signature = identity.private_key.sign(protocol.canonical(unsigned))
    return unsigned | {"Signature": base64.b64encode(signature).decode("ascii")}


@pytest.fixture()
def peer(app, db_session, tmp_path):
    from saraban.exchange.operations import add_peer, exchange_dir

    protocol.create_identity(exchange_dir(), "RTP", "สำนักงานตำรวจแห่งชาติ", overwrite=True)
    them = protocol.create_identity(tmp_path / "dga", "DGAX", "สพร. ทดสอบ")
    add_peer("DGAX", "http://127.0.0.1:9", them.public_key, "สพร. ทดสอบ")  # nobody listens
    db_session.commit()
    return them


def _set(*path, value):
    def change(message):
        target = message
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def _drop(*path):
    def change(message):
        target = message
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
    return change


MALFORMED = {
    # case: (change to a letter signed by the peer, field named, English words, Thai words)
    "missing body element": (_drop("Body", "Subject"), "Body.Subject", "is required",
                             "ต้องมีค่า"),
    "missing envelope element": (_drop("Timestamp"), "Timestamp", "is required", "ต้องมีค่า"),
    "missing party code": (_drop("Body", "SenderParty", "OrganizationID"),
                           "Body.SenderParty.OrganizationID", "is required", "ต้องมีค่า"),
    "wrong type: level as text": (_set("Body", "SecretCode", value="1"), "Body.SecretCode",
                                  "must be a whole number", "ต้องเป็นจำนวนเต็ม"),
    "wrong type: level as true": (_set("Body", "SpeedCode", value=True), "Body.SpeedCode",
                                  "must be a whole number", "ต้องเป็นจำนวนเต็ม"),
    "wrong type: subject as number": (_set("Body", "Subject", value=7), "Body.Subject",
                                      "must be text", "ต้องเป็นข้อความ"),
    "wrong type: references not a list": (_set("Body", "ReferenceCorrespondence", value={}),
                                          "Body.ReferenceCorrespondence", "must be a list",
                                          "ต้องเป็นรายการ"),
    "wrong type: enclosure as text": (_set("Body", "Attachment", value=["แผนที่"]),
                                      "Body.Attachment[0]", "must be an object",
                                      "ต้องเป็นออบเจกต์"),
    "wrong type: body a list": (_set("Body", value=[]), "Body", "must be an object",
                                "ต้องเป็นออบเจกต์"),
    "level out of range": (_set("Body", "SecretCode", value=7), "Body.SecretCode",
                           "must be at most 3", "ต้องไม่เกิน ๓"),
    # on PostgreSQL a 121-character ID failed the insert (varchar(120)) with a 500 before
    "oversize number": (_set("Body", "ID", value="ก" * 121), "Body.ID",
                        "is longer than 120 characters", "ยาวเกิน ๑๒๐ ตัวอักษร"),
    "oversize subject": (_set("Body", "Subject", value="ก" * 2001), "Body.Subject",
                         "is longer than 2000 characters", "ยาวเกิน ๒,๐๐๐ ตัวอักษร"),
    "oversize party name": (_set("Body", "SenderParty", "OrganizationName", value="ก" * 501),
                            "Body.SenderParty.OrganizationName", "longer than 500",
                            "ยาวเกิน ๕๐๐"),
    "too many enclosures": (_set("Body", "Attachment", value=[{"Description": "ก"}] * 1001),
                            "Body.Attachment", "has more than 1000 items", "มีเกิน ๑,๐๐๐ รายการ"),
    "extra body element": (_set("Body", "Colour", value="red"), "Body.Colour",
                           "is not a known element", "ไม่ใช่ชื่อช่องที่รู้จัก"),
    "extra party element": (_set("Body", "ReceiverParty", "Email", value="x@example.org"),
                            "Body.ReceiverParty.Email", "is not a known element",
                            "ไม่ใช่ชื่อช่องที่รู้จัก"),
    "extra envelope element": (_set("Priority", value=1), "Priority", "is not a known element",
                               "ไม่ใช่ชื่อช่องที่รู้จัก"),
    "our attribute name instead of e-CMS's": (
        lambda m: m["Body"].update(subject=m["Body"].pop("Subject")), "Body.Subject",
        "is required", "ต้องมีค่า"),
    "NUL in text": (_set("Body", "Subject", value="ขอเชิญ\x00ประชุม"), "Body.Subject",
                    "holds a NUL character", "อักขระ NUL"),
    "blank subject": (_set("Body", "Subject", value=" \u200b\t "), "Body.Subject",
                      "is required", "ต้องมีค่า"),
    "message id not a uuid": (_set("MessageID", value="MSG-1"), "MessageID",
                              "must be a lowercase UUID", "UUID"),
    "agency code": (_set("From", value="dgax"), "From", "is not a valid agency code",
                    "รหัสหน่วยงาน"),
    "protocol": (_set("Protocol", value="saraban-exchange/2"), "Protocol",
                 "must be one of 'saraban-exchange/1'", "ต้องเป็นค่าใดค่าหนึ่ง"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_message_gets_the_bilingual_refusal(case, client, db_session, peer):
    change, field, english, thai = MALFORMED[case]
    message = copy.deepcopy(_letter_from(peer))
    change(message)
    message = _resigned(message, peer)
    before = db_session.scalar(select(func.count()).select_from(ExchangeMessage))
    answer = client.post("/exchange/v1/messages", content_type="application/json",
                         data=json.dumps(message, ensure_ascii=False))
    assert answer.status_code == 400, answer.json
    error = answer.json["error"]
    assert error["code"] == "malformed" and error["status"] == 400
    assert error["field"] == field, error
    assert error["message"] == f"The message is malformed: {field} {english}." or (
        english in error["message"] and error["message"].startswith(
            f"The message is malformed: {field} ")), error
    assert THAI.search(error["message_th"]) and thai in error["message_th"], error
    assert error["message_th"].startswith(f"ข้อความไม่อยู่ในรูปแบบที่กำหนด: {field} "), error
    assert db_session.scalar(select(func.count()).select_from(ExchangeMessage)) == before


def test_refusals_other_than_malformed_name_their_element_too(client, db_session, peer):
    message = _letter_from(peer)
    message["Body"]["Subject"] += " (แก้ไขหลังลงนาม)"
    answer = client.post("/exchange/v1/messages", content_type="application/json",
                         data=json.dumps(message, ensure_ascii=False))
    assert answer.status_code == 403
    assert answer.json["error"] == {
        "code": "bad_signature", "status": 403, "field": "Signature",
        "message": "The signature does not verify against the sender's registered key.",
        "message_th": "ลายมือชื่อดิจิทัลไม่ถูกต้อง"}


def test_text_that_arrives_is_cleaned_as_a_clerk_s_entry_is(client, db_session, peer):
    """Invisible and control characters go, the ends are trimmed, newlines stay where a
    text may hold them: what is registered is what a clerk typing it would register."""
    from saraban.documents.models import Document

    message = _letter_from(peer)
    message["Body"]["Subject"] = "  ขอเชิญ\u200bประชุม\x07 "
    message["Body"]["ReceiverParty"]["PositionName"] = "ผบ.ตร.\nผ่าน รอง ผบ.ตร.\u200e"
    answer = client.post("/exchange/v1/messages", content_type="application/json",
                         data=json.dumps(_resigned(message, peer), ensure_ascii=False))
    assert answer.status_code == 200, answer.json
    document = db_session.scalar(select(Document).where(
        Document.source_key == f"exchange:DGAX:{message['MessageID']}"))
    assert document.subject == "ขอเชิญประชุม"
    assert document.addressee == "ผบ.ตร.\nผ่าน รอง ผบ.ตร."


def test_an_accept_notice_with_an_oversize_accept_id_is_refused():
    """เลขรับ is kept in a column of 60 characters (ExchangeMessage.accept_id): a longer
    one is refused at the door, not left to fail the insert on PostgreSQL."""
    rtp = fx.identity(protocol, "RTP")
    keys = {"RTP": protocol.public_key_from_text(rtp.public_key)}
    notice = protocol.build_notice(rtp, "SPR", "accept", fx.LETTER_ID,
                                   {"AcceptID": "๑", "AcceptDate": "2024-05-01T04:04:05Z"},
                                   now=fx.NOW)
    notice["Body"]["AcceptID"] = "๑" * 61
    with pytest.raises(protocol.ExchangeRefusal) as refused:
        protocol.verify(_resigned(notice, rtp), peer_keys=keys.get, our_code="SPR", now=fx.NOW)
    assert refused.value.field == "Body.AcceptID"
    assert "longer than 60 characters" in refused.value.message_en
    with pytest.raises(protocol.ExchangeRefusal, match="Body.AcceptID"):
        protocol.build_notice(rtp, "SPR", "accept", fx.LETTER_ID,
                              {"AcceptID": "๑" * 61, "AcceptDate": "2024-05-01T04:04:05Z"})


def test_a_bad_digest_is_a_sentence_with_its_element():
    spr = fx.identity(protocol, "SPR")
    keys = {"SPR": protocol.public_key_from_text(spr.public_key)}
    message = json.loads(_fixture()["payloads"]["letter"])
    message["Body"]["AttachmentBinaryObject"][0]["Content"] = "@@@"
    with pytest.raises(protocol.ExchangeRefusal) as refused:
        protocol.verify(_resigned(message, spr), peer_keys=keys.get, our_code="RTP",
                        now=fx.NOW)
    assert refused.value.code == "bad_digest" and refused.value.status == 400
    assert refused.value.field == "Body.AttachmentBinaryObject[0].Content"
    assert refused.value.message_en == (
        "The content in Body.AttachmentBinaryObject[0].Content is not valid base64.")
    assert refused.value.message_th == (
        "เนื้อไฟล์ใน Body.AttachmentBinaryObject[0].Content ไม่ใช่ base64 ที่ถูกต้อง")
