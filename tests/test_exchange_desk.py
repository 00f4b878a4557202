"""The exchange at a clerk's desk, in one process: arrivals a clerk accepts or rejects,
the send form on the document page, and a peer that does not answer."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from saraban.db import utcnow
from saraban.documents.models import Document
from saraban.exchange import protocol
from saraban.exchange.models import Direction, ExchangeMessage
from tests.conftest import csrf_token_from


@pytest.fixture()
def peer(app, db_session, tmp_path):
    from saraban.exchange.peers import add_peer, exchange_dir

    protocol.create_identity(exchange_dir(), "RTP", "สำนักงานตำรวจแห่งชาติ", overwrite=True)
    them = protocol.create_identity(tmp_path / "dga", "DGAX", "สพร. ทดสอบ")
    add_peer("DGAX", "http://127.0.0.1:9", them.public_key, "สพร. ทดสอบ")  # nobody listens
    db_session.commit()
    return them


def _letter(them, subject: str) -> dict:
    letter = protocol.Letter(
        number="สพร ๒๕๖๙/ว๑", date=dt.date(2026, 11, 20), subject=subject,
        sender=protocol.Party("DGAX", "สพร. ทดสอบ", "นางทดสอบ ใจดี", "รองผู้อำนวยการ"),
        receiver=protocol.Party("RTP", "สำนักงานตำรวจแห่งชาติ", None, "ผบ.ตร."),
        send_date=utcnow().replace(microsecond=0), enclosures=["ผลการสำรวจ"])
    return protocol.build_letter(them, "RTP", letter)


def _post(client, message: dict):
    return client.post("/exchange/v1/messages", data=json.dumps(message, ensure_ascii=False),
                       content_type="application/json")


def test_a_clerk_accepts_or_rejects_what_arrives(app, client, bearer, login, db_session,
                                                  peer, monkeypatch):
    monkeypatch.setitem(app.config, "EXCHANGE_AUTO_REGISTER", False)
    first, second = _letter(peer, "ขอเชิญประชุมทดสอบ"), _letter(peer, "ขอข้อมูลทดสอบ")
    for message in (first, second):
        answer = _post(client, message)
        assert answer.status_code == 200, answer.json
        assert answer.json["MessageType"] == "delivery"
        assert answer.json["InReplyTo"] == message["MessageID"]
    assert client.get("/api/v1/exchange/arrivals",
                      headers=bearer("demo-staff")).json["items"] == []
    waiting = client.get("/api/v1/exchange/arrivals", headers=bearer("demo-admin")).json
    assert [m["status"] for m in waiting["items"]] == ["received", "received"]
    page = login("demo-admin").get("/inbox").get_data(as_text=True)
    assert "ขอเชิญประชุมทดสอบ" in page and "สพร. ทดสอบ (DGAX)" in page
    done = client.post(f"/exchange/arrivals/{waiting['items'][0]['id']}",
                       data={"csrf_token": csrf_token_from(page), "action": "accept"})
    assert done.status_code == 302
    accepted = db_session.get(ExchangeMessage, waiting["items"][0]["id"])
    db_session.refresh(accepted)
    assert accepted.status == "registered" and accepted.accept_id
    notice = db_session.scalar(select(ExchangeMessage).where(
        ExchangeMessage.direction == Direction.OUT, ExchangeMessage.kind == "accept"))
    assert json.loads(notice.payload)["Body"]["AcceptID"] == accepted.accept_id
    refused = client.post(f"/api/v1/exchange/arrivals/{waiting['items'][1]['id']}/reject",
                          headers=bearer("demo-admin"), json={"reason": "ส่งผิดหน่วยงาน"})
    assert refused.status_code == 200 and refused.json["status"] == "refused"
    again = client.post(f"/api/v1/exchange/arrivals/{waiting['items'][1]['id']}/reject",
                        headers=bearer("demo-admin"), json={"reason": "ซ้ำ"})
    assert again.status_code == 409
    kinds = db_session.scalars(select(ExchangeMessage.kind).where(
        ExchangeMessage.direction == Direction.OUT).order_by(ExchangeMessage.id)).all()
    assert kinds[-2:] == ["accept", "reject"]


def test_the_send_form_queues_and_an_unanswering_peer_is_retried(client, login, db_session,
                                                                 peer):
    from saraban.exchange.outbox import work_once

    memo = db_session.scalar(select(Document).where(Document.source_key == "rtp-0033.12-5052"))
    page = login("demo-clerk").get(f"/documents/{memo.id}").get_data(as_text=True)
    assert "ส่งทางระบบถึงหน่วยงานภายนอก" in page and "สพร. ทดสอบ (DGAX)" in page
    sent = client.post(f"/documents/{memo.id}/exchange",
                       data={"csrf_token": csrf_token_from(page), "to": "DGAX"},
                       follow_redirects=True).get_data(as_text=True)
    assert "ส่งทางระบบถึง DGAX" in sent
    report = work_once()
    assert (report.sent, report.retried) == (0, 1)
    row = db_session.scalar(select(ExchangeMessage).where(
        ExchangeMessage.document_id == memo.id, ExchangeMessage.direction == Direction.OUT))
    db_session.refresh(row)
    assert row.status == "queued" and row.attempts == 1 and row.last_error
    assert row.next_attempt_at > utcnow()  # it waits before trying again
    unknown = client.post(f"/documents/{memo.id}/exchange",
                          data={"csrf_token": csrf_token_from(page), "to": "NOPE"},
                          follow_redirects=True).get_data(as_text=True)
    assert "ไม่พบหน่วยงานปลายทาง" in unknown


@pytest.mark.parametrize(("url", "secret_ok"), [
    ("http://peer.example.go.th", False), ("http://10.0.0.7:8000", False),
    ("https://peer.example.go.th", True), ("http://127.0.0.1:9", True),
    ("http://localhost:9", True), ("http://[::1]:9", True)])
def test_a_secret_letter_goes_to_a_peer_only_over_https(app, db_session, peer, url, secret_ok):
    """Secret letters travel only over HTTPS (loopback, for tests, excepted); an ordinary
    letter may still go over plain HTTP. A peer's URL changed to http:// later does not
    carry a secret letter already queued: the worker refuses it too."""
    from saraban.exchange.outbox import deliver
    from saraban.exchange.peers import ExchangeError, set_peer
    from saraban.exchange.sending import exchange_document
    from tests.conftest import make_document, make_unit, make_user

    set_peer("DGAX", url=url)
    unit = make_unit(db_session)
    clerk = make_user(db_session, units=[unit], role="clerk", clearance=1)
    secret = make_document(db_session, "หนังสือลับถึงสพร.", number="ทส 1/2569", secrecy=1, urgency=0,
                           origin_unit_id=unit.id, created_by_id=clerk.id,
                           doc_date=dt.date(2026, 11, 20))
    ordinary = make_document(db_session, "หนังสือถึงสพร.", number="ทส 2/2569", secrecy=0, urgency=0,
                             origin_unit_id=unit.id, created_by_id=clerk.id,
                             doc_date=dt.date(2026, 11, 20))
    assert exchange_document(clerk, ordinary.id, "DGAX").status == "queued"
    if secret_ok:
        assert exchange_document(clerk, secret.id, "DGAX").status == "queued"
        return
    with pytest.raises(ExchangeError) as refused:
        exchange_document(clerk, secret.id, "DGAX")
    assert refused.value.status == 409 and "HTTPS" in refused.value.message_th
    set_peer("DGAX", url="https://peer.example.go.th")
    queued = exchange_document(clerk, secret.id, "DGAX")
    set_peer("DGAX", url=url)  # changed afterwards: the worker does not send it in clear
    db_session.commit()
    assert deliver(queued.id) == "failed"
    db_session.refresh(queued)
    assert queued.status == "failed" and "HTTPS" in queued.last_error
