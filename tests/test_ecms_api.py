"""The e-CMS part of the JSON API: sending a letter through e-CMS, withdrawing a rejected one
and sending it again, the arrivals a clerk decides on, the directory, and the document's
history of it. Every answer is checked against the generated OpenAPI description
(tests/test_api_conformance.py's check), on SQLite and on PostgreSQL.

One installation (the ``app`` fixture, organisation 0031500001) and tests/ecms_node.py, a fake
e-CMS node on loopback: a STAND-IN for DGA's service written by us from SPEC.md, not evidence
of what DGA's nodes do. The other agency (0031500002) is played by an e-CMS client of its own
talking to the fake node directly, as its e-saraban would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid

import pytest
import schemathesis
from sqlalchemy import select

from saraban.exchange.ecms.messages import Notifier
from saraban.exchange.ecms.models import Direction, EcmsMessage, MessageState
from tests.conftest import make_document, make_user, name_reader
from tests.ecms_node import ORG_1, ORG_2, FakeEcms
from tests.test_api_conformance import call_and_check

DAY = dt.date(2026, 12, 3)


@pytest.fixture(scope="module")
def fake_node():
    fake = FakeEcms().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture(scope="session")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _client(node: FakeEcms, org: str):
    from saraban.exchange.ecms.client import EcmsClient

    return EcmsClient(node.url(org), org, read_timeout=5.0, retry_pause=0.0)


@pytest.fixture()
def node(app, db_session, fake_node, monkeypatch):
    """The node with empty queues; this installation is ORG_1, has fetched the node's lists
    and mapped our levels to its codes (0-3 → 001-004), and a clerk decides on arrivals."""
    from saraban.exchange.ecms.codes import map_level, sync_codes

    monkeypatch.setitem(app.config, "ECMS_ORG_ID", ORG_1)
    monkeypatch.setitem(app.config, "EXCHANGE_AUTO_REGISTER", False)
    for queue in fake_node.queues.values():
        queue.clear()
    fake_node.sent.clear()
    sync_codes(_client(fake_node, ORG_1))
    for level, code in enumerate(("001", "002", "003", "004")):
        map_level(None, "secrecy", level, code)
        map_level(None, "urgency", level, code)
    db_session.flush()
    return fake_node


def _work(node: FakeEcms):
    """One round of ``saraban ecms work --once`` for this installation."""
    from saraban.exchange.ecms.worker import work_once

    report = work_once(_client(node, ORG_1))
    assert not report.errors, report.errors
    return report


def _user(session, username: str):
    from saraban.accounts.models import User

    return session.scalar(select(User).where(User.username == username))


PDF = None


def _pdf() -> bytes:
    global PDF
    if PDF is None:
        from saraban.pdf.stamp import stamp_pdf

        PDF = stamp_pdf("หนังสือทดสอบ", 1, dt.datetime(2026, 12, 3, 3, 0, tzinfo=dt.UTC))
    return PDF


def _document(session, *, secrecy: int = 0) -> tuple[int, str]:
    """A numbered letter of demo-clerk's with its PDF."""
    from saraban.documents.files import sniff, store
    from saraban.documents.models import DocumentFile, FileRole
    from saraban.documents.operations import create_document

    number = f"ทก ๐{uuid.uuid4().int % 1000:03d}/{uuid.uuid4().hex[:4]}"
    document = create_document(_user(session, "demo-clerk"), {
        "number": number, "date": DAY.isoformat(), "sender": "หน่วยงานทดสอบ ๑",
        "subject": "ขอเชิญประชุมคณะทำงานพัฒนาระบบสารบรรณอิเล็กทรอนิกส์",
        "addressee": "หัวหน้าสำนักงาน", "secrecy": secrecy})
    content = _pdf()
    document.files.append(DocumentFile(file_id=store(content, sniff(content)).id,
                                       role=FileRole.ORIGINAL, filename="หนังสือ.pdf"))
    session.flush()
    return document.id, number


def _call(api_schema, method, path, headers, body=None, expect=(200, 201), **params):
    response = call_and_check(api_schema, method, path, headers, path_parameters=params,
                              body=body)
    assert response.status_code in expect, (path, response.status_code, response.text)
    return response.json()


def _ecms_steps(api_schema, headers, document_id) -> list[tuple[str, str | None]]:
    history = _call(api_schema, "get", "/documents/{document_id}/history", headers,
                    document_id=document_id)
    return [(e["title"], e["accept_id"]) for e in history["events"] if e["kind"] == "ecms"]


def _answer(node: FakeEcms, kind: str, sent: dict, accept_id: str | None = None) -> None:
    """The other agency (ORG_2) answers our letter with ``kind``, through the node."""
    other = _client(node, ORG_2)
    node.queues[ORG_2].clear()  # it has pulled the letter (its own business)
    other.send_notifier(Notifier(kind, sent["letter_id"],
                                 dt.date.fromisoformat(sent["correspondence_date"]),
                                 sent["subject"], accept_id=accept_id))


def test_a_letter_sent_through_ecms_comes_back_accepted(api_schema, bearer, db_session, node,
                                                        login):
    clerk = bearer("demo-clerk")
    document_id, number = _document(db_session)
    sent = _call(api_schema, "post", "/documents/{document_id}/exchange", clerk,
                 {"to": f"ecms:{ORG_2}"}, document_id=document_id)
    assert (sent["operation"], sent["state"], sent["to"], sent["sender"]) == (
        "GovernmentDocument", "queued", ORG_2, None)
    assert sent["letter_id"] == number and sent["document_id"] == document_id
    assert sent["counterpart_name"] == "หน่วยงานทดสอบ ๒"
    # the same letter to the same organisation is not queued twice
    again = _call(api_schema, "post", "/documents/{document_id}/exchange", clerk,
                  {"to": f"ecms:{ORG_2}"}, expect=(409,), document_id=document_id)
    assert again["error"]["message_th"] and again["error"]["message"]
    assert _ecms_steps(api_schema, clerk, document_id) == [("queued", None)]

    assert _work(node).sent == 1
    row = db_session.get(EcmsMessage, sent["id"])
    db_session.refresh(row)
    assert row.state == MessageState.SENT and row.process_id
    _answer(node, "ReceiveLetterNotifier", sent)
    _answer(node, "AcceptLetterNotifier", sent, accept_id="๑๒๓")
    assert _work(node).applied == 2
    assert _ecms_steps(api_schema, clerk, document_id) == [
        ("queued", None), ("sent", None), ("received", None), ("accepted", "๑๒๓")]
    history = _call(api_schema, "get", "/documents/{document_id}/history", clerk,
                    document_id=document_id)
    sent_step = next(e for e in history["events"] if e["title"] == "sent")
    assert sent_step["lines"] == [f"ProcessID {row.process_id}"]
    assert sent_step["unit"] == f"หน่วยงานทดสอบ ๒ ({ORG_2})"
    assert sent_step["status"] == "accepted"
    # and the document's page tells the same story
    page = login("demo-clerk").get(f"/documents/{document_id}").get_data(as_text=True)
    place = f"หน่วยงานทดสอบ ๒ ({ORG_2})"
    for said in (f"ส่งทาง e-CMS ถึง {place}", f"e-CMS รับหนังสือถึง {place} ไว้แล้ว",
                 f"{place} ได้รับหนังสือแล้ว", f"ProcessID {row.process_id}"):
        assert said in page, said
    assert f'{place} ลงรับแล้ว เลขรับ <strong class="number">๑๒๓</strong>' in page


def test_a_to_without_the_prefix_keeps_saraban_exchange(api_schema, bearer, db_session, node):
    document_id, _ = _document(db_session)
    refused = _call(api_schema, "post", "/documents/{document_id}/exchange",
                    bearer("demo-clerk"), {"to": ORG_2}, expect=(400, 404, 409),
                    document_id=document_id)
    # saraban-exchange/1's refusal: no such peer among the installations it exchanges with
    assert refused["error"]["message_th"] == "ไม่พบหน่วยงานปลายทางที่รับส่งหนังสือกันได้"
    assert db_session.scalar(select(EcmsMessage.id).where(
        EcmsMessage.document_id == document_id)) is None
    bad = _call(api_schema, "post", "/documents/{document_id}/exchange",
                bearer("demo-clerk"), {"to": "ecms:12345"}, expect=(400,),
                document_id=document_id)
    assert bad["error"]["field"] == "to" and "๑๐ หลัก" in bad["error"]["message_th"]


def test_a_rejected_letter_is_withdrawn_and_sent_again(api_schema, bearer, db_session, node):
    clerk = bearer("demo-clerk")
    document_id, _ = _document(db_session)
    sent = _call(api_schema, "post", "/documents/{document_id}/exchange", clerk,
                 {"to": f"ecms:{ORG_2}"}, document_id=document_id)
    # nothing to withdraw yet: only a rejected or invalid letter is withdrawn
    early = _call(api_schema, "post", "/ecms/messages/{message_id}/withdraw", clerk,
                  expect=(409,), message_id=sent["id"])
    assert early["error"]["message_th"]
    _work(node)
    _answer(node, "RejectLetterNotifier", sent)
    _work(node)
    refused = _call(api_schema, "post", "/documents/{document_id}/exchange", clerk,
                    {"to": f"ecms:{ORG_2}"}, expect=(409,), document_id=document_id)
    assert "ถอน" in refused["error"]["message_th"]

    withdrawal = _call(api_schema, "post", "/ecms/messages/{message_id}/withdraw", clerk,
                       message_id=sent["id"])
    assert (withdrawal["operation"], withdrawal["state"], withdrawal["letter_message_id"]) \
        == ("DeleteGovernmentDocument", "queued", sent["id"])
    assert _ecms_steps(api_schema, clerk, document_id)[-2:] == [
        ("rejected", None), ("withdrawal_queued", None)]
    _work(node)
    again = _call(api_schema, "post", "/documents/{document_id}/exchange", clerk,
                  {"to": f"ecms:{ORG_2}"}, document_id=document_id)
    assert again["id"] != sent["id"] and again["state"] == "queued"
    assert [s for s, _ in _ecms_steps(api_schema, clerk, document_id)] == [
        "queued", "sent", "rejected", "withdrawn", "queued"]


def test_hidden_documents_and_letters_answer_404(api_schema, bearer, db_session, node):
    """A document the clerk may not read: 404 with nothing of its subject, whether it is
    sent or its letter withdrawn."""
    secret = make_document(db_session, subject="แผนลับเฉพาะทดสอบ", number="ลับ ๑/๒๕๖๙",
                           doc_date=DAY, secrecy=2)
    clerk = bearer("demo-clerk")
    hidden = call_and_check(api_schema, "post", "/documents/{document_id}/exchange", clerk,
                            path_parameters={"document_id": secret.id},
                            body={"to": f"ecms:{ORG_2}"})
    assert hidden.status_code == 404 and "แผนลับ" not in hidden.text
    letter = EcmsMessage(direction=Direction.OUT, operation="GovernmentDocument",
                         letter_id="ลับ ๑/๒๕๖๙", correspondence_date=DAY,
                         subject=secret.subject, counterpart_id=ORG_2,
                         state=MessageState.REJECTED, document_id=secret.id, attempts=1)
    db_session.add(letter)
    db_session.flush()
    gone = call_and_check(api_schema, "post", "/ecms/messages/{message_id}/withdraw", clerk,
                          path_parameters={"message_id": letter.id})
    assert gone.status_code == 404 and "แผนลับ" not in gone.text


def _arrive(session, node: FakeEcms, *, secrecy: str = "001") -> EcmsMessage:
    """A letter from ORG_2 to us, pulled and waiting for a clerk."""
    from saraban.exchange.ecms import codec

    document_id, _ = _document(session)
    from saraban.exchange.ecms.sending import queue_letter

    ours = queue_letter(_user(session, "demo-clerk"), document_id, f"ecms:{ORG_2}")
    letter = codec.parse_request(ours.raw).payload
    theirs = dataclasses.replace(letter, sender=letter.receiver, receiver=letter.sender,
                                 letter_id=f"ทดสอบ ๒/{uuid.uuid4().hex[:6]}",
                                 subject=f"เรื่องจากหน่วยงานทดสอบ ๒ {uuid.uuid4().hex[:4]}",
                                 secret_code=secrecy,
                                 send_date=dt.datetime.now(dt.UTC).replace(microsecond=0))
    session.delete(ours)
    session.flush()
    _client(node, ORG_2).send_letter(theirs)
    report = _work(node)
    assert report.pending == 1
    return session.scalar(select(EcmsMessage).where(
        EcmsMessage.direction == Direction.IN, EcmsMessage.letter_id == theirs.letter_id))


def test_arrivals_are_listed_accepted_and_rejected(api_schema, bearer, db_session, node):
    admin, clerk = bearer("demo-admin"), bearer("demo-clerk")
    first = _arrive(db_session, node)
    second = _arrive(db_session, node)
    listed = _call(api_schema, "get", "/ecms/arrivals", admin)["items"]
    assert [m["id"] for m in listed] == [first.id, second.id]
    assert listed[0]["sender"] == ORG_2 and listed[0]["to"] is None
    assert listed[0]["state"] == "pending" and listed[0]["subject"] == first.subject
    assert listed[0]["signature_status"] == "absent"  # the fake node's letter is unsigned
    # a clerk of another unit sees none of them and decides none
    assert _call(api_schema, "get", "/ecms/arrivals", clerk)["items"] == []
    not_his = _call(api_schema, "post", "/ecms/arrivals/{message_id}/accept", clerk,
                    expect=(403, 404), message_id=first.id)
    assert not_his["error"]["message_th"]

    accepted = _call(api_schema, "post", "/ecms/arrivals/{message_id}/accept", admin,
                     message_id=first.id)
    assert accepted["state"] == "registered" and accepted["accept_id"]
    twice = _call(api_schema, "post", "/ecms/arrivals/{message_id}/accept", admin,
                  expect=(409,), message_id=first.id)
    assert twice["error"]["message_th"] == "หนังสือนี้ดำเนินการไปแล้ว"
    no_reason = _call(api_schema, "post", "/ecms/arrivals/{message_id}/reject", admin,
                      {"reason": ""}, expect=(400,), message_id=second.id)
    assert no_reason["error"]["field"] == "reason"
    refused = _call(api_schema, "post", "/ecms/arrivals/{message_id}/reject", admin,
                    {"reason": "ส่งผิดหน่วยงาน", "invalid": True}, message_id=second.id)
    assert refused["state"] == "refused"
    answers = db_session.scalars(select(EcmsMessage.operation).where(
        EcmsMessage.letter_message_id.in_([first.id, second.id]),
        EcmsMessage.direction == Direction.OUT).order_by(EcmsMessage.id)).all()
    assert answers == ["ReceiveLetterNotifier", "ReceiveLetterNotifier",
                       "AcceptLetterNotifier", "InvalidLetterNotifier"]
    assert _call(api_schema, "get", "/ecms/arrivals", admin)["items"] == []
    steps = _ecms_steps(api_schema, admin, second.document_id)
    assert steps == [("arrived", None), ("refused", None)]


def test_a_hidden_arrival_shows_nothing(api_schema, bearer, db_session, node):
    """A secret arrival not named to a clerk of the central register's unit: not listed, not
    counted, 404 with nothing of its subject; the cleared clerk it is named to sees it."""
    from saraban.documents.models import Document
    from saraban.exchange.receiving import central_register

    unit = central_register().unit
    plain = make_user(db_session, units=[unit], role="clerk")
    cleared = make_user(db_session, units=[unit], role="clerk", clearance=3)
    arrival = _arrive(db_session, node)
    plain_headers, cleared_headers = bearer(plain.username), bearer(cleared.username)
    listed = _call(api_schema, "get", "/ecms/arrivals", plain_headers)["items"]
    assert [m["id"] for m in listed] == [arrival.id]  # before it is secret, he sees it

    document = db_session.get(Document, arrival.document_id)
    document.secrecy = 2  # ลับมาก, named to the cleared clerk only
    name_reader(db_session, document, cleared)
    db_session.flush()
    body = _call(api_schema, "get", "/ecms/arrivals", plain_headers)
    assert body["items"] == [] and arrival.subject not in str(body)
    for action, data in (("accept", None), ("reject", {"reason": "ไม่รับ"})):
        response = call_and_check(api_schema, "post", f"/ecms/arrivals/{{message_id}}/{action}",
                                  plain_headers, path_parameters={"message_id": arrival.id},
                                  body=data)
        assert response.status_code == 404, response.text
        assert arrival.subject not in response.text
    listed = _call(api_schema, "get", "/ecms/arrivals", cleared_headers)["items"]
    assert [m["id"] for m in listed] == [arrival.id]
    assert _call(api_schema, "post", "/ecms/arrivals/{message_id}/accept", cleared_headers,
                 message_id=arrival.id)["state"] == "registered"


def test_the_directory_is_searched_by_name(api_schema, bearer, db_session, node):
    clerk = bearer("demo-clerk")
    everyone = _call(api_schema, "get", "/ecms/organizations", clerk)["items"]
    assert {o["organization_id"] for o in everyone} == {ORG_1, ORG_2}
    assert everyone[0]["ministry_id"] == "00"
    response = call_and_check(api_schema, "get", "/ecms/organizations", clerk,
                              query={"q": "ทดสอบ ๒"})
    assert [o["organization_id"] for o in response.json()["items"]] == [ORG_2]
    response = call_and_check(api_schema, "get", "/ecms/organizations", clerk,
                              query={"q": "003150000"})
    assert len(response.json()["items"]) == 2
    response = call_and_check(api_schema, "get", "/ecms/organizations", clerk,
                              query={"q": "%"})
    assert response.json()["items"] == []  # a wildcard is a character, not "anything"
    response = call_and_check(api_schema, "get", "/ecms/organizations", clerk,
                              query={"q": "ก" * 101})
    assert response.status_code == 400 and response.json()["error"]["field"] == "q"


def test_the_history_reads_ecms_in_a_fixed_number_of_queries(bearer, db_session, node):
    """Three letters with their notifiers cost what one costs."""
    from sqlalchemy import event

    from saraban.documents.history import _ecms_events

    document_id, _ = _document(db_session)
    rows = []
    for org in (ORG_2, ORG_2, ORG_2):
        letter = EcmsMessage(direction=Direction.OUT, operation="GovernmentDocument",
                             letter_id="x", correspondence_date=DAY, subject="s",
                             counterpart_id=org, state=MessageState.ACCEPTED, accept_id="1",
                             document_id=document_id, attempts=1, process_id=uuid.uuid4().hex)
        db_session.add(letter)
        db_session.flush()
        for i, kind in enumerate(("ReceiveLetterNotifier", "AcceptLetterNotifier")):
            db_session.add(EcmsMessage(
                direction=Direction.IN, operation=kind, letter_id="x", correspondence_date=DAY,
                counterpart_id=org, state=MessageState.APPLIED, accept_id="1",
                letter_message_id=letter.id, document_id=document_id,
                process_id=f"{letter.id}-{i}-{uuid.uuid4().hex}", attempts=0))
        rows.append(letter)
    db_session.flush()
    count = []
    connection = db_session.connection()

    def counted(*_):
        count.append(1)

    event.listen(connection, "before_cursor_execute", counted)
    try:
        events = _ecms_events(document_id)
    finally:
        event.remove(connection, "before_cursor_execute", counted)
    assert [e.title for e in events].count("accepted") == 3
    assert len(count) <= 3, len(count)
