"""Secret letters from another agency, in one process: they reach a named, cleared officer
of the central register, or they are refused with a notice the sender sees; a ลับที่สุด
letter is always refused; and the files a letter carries pass the checks of an upload."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from sqlalchemy import func, select

from saraban.db import utcnow
from saraban.documents.models import Document
from saraban.exchange import protocol
from saraban.exchange.models import Direction, ExchangeMessage
from saraban.registers.models import Receipt, Register
from tests.conftest import make_unit, make_user


@pytest.fixture()
def peer(app, db_session, tmp_path, monkeypatch):
    """Another agency (DGAY) and our central register, in a unit of our own making."""
    from saraban.exchange.peers import add_peer, exchange_dir

    protocol.create_identity(exchange_dir(), "RTP", "สำนักงานตำรวจแห่งชาติ", overwrite=True)
    them = protocol.create_identity(tmp_path / "dgay", "DGAY", "สพร. ทดสอบ")
    add_peer("DGAY", "http://127.0.0.1:9", them.public_key, "สพร. ทดสอบ")
    unit = make_unit(db_session, f"กลาง-{uuid.uuid4().hex[:6]}")
    register = Register(unit=unit, kind="receipt", code="x", name="ทะเบียนรับกลางทดสอบ")
    db_session.add(register)
    db_session.commit()
    monkeypatch.setitem(app.config, "EXCHANGE_REGISTER_ID", register.id)
    return {"them": them, "unit": unit, "register": register}


def _letter(them, subject: str, secrecy: int = 0, main_file=None) -> dict:
    letter = protocol.Letter(
        number=f"สพร ๒๕๖๙/ว{uuid.uuid4().int % 1000}", date=dt.date(2026, 11, 20),
        subject=subject, secrecy=secrecy,
        sender=protocol.Party("DGAY", "สพร. ทดสอบ", "นางทดสอบ ใจดี", "รองผู้อำนวยการ"),
        receiver=protocol.Party("RTP", "สำนักงานตำรวจแห่งชาติ", None, "ผบ.ตร."),
        send_date=utcnow().replace(microsecond=0), enclosures=["ผลการสำรวจ"],
        main_file=main_file)
    return protocol.build_letter(them, "RTP", letter)


def _post(client, message: dict):
    return client.post("/exchange/v1/messages", data=json.dumps(message, ensure_ascii=False),
                       content_type="application/json")


def _notice(db_session, message: dict) -> dict | None:
    """The notice queued back to the sender about ``message``, if any."""
    row = db_session.scalar(select(ExchangeMessage).where(
        ExchangeMessage.direction == Direction.OUT,
        ExchangeMessage.in_reply_to == message["MessageID"]))
    return None if row is None else json.loads(row.payload)


def _documents(db_session, subject: str) -> int:
    return db_session.scalar(select(func.count()).select_from(Document)
                             .where(Document.subject == subject))


def test_a_secret_letter_with_no_cleared_officer_is_refused_with_a_notice(
        client, db_session, peer):
    make_user(db_session, units=[peer["unit"]], role="clerk", clearance=0)
    db_session.commit()
    subject = f"เรื่องลับไม่มีผู้รับ {uuid.uuid4().hex[:6]}"
    message = _letter(peer["them"], subject, secrecy=1)
    answer = _post(client, message)
    assert answer.status_code == 200  # delivered; the refusal follows as a notice
    notice = _notice(db_session, message)
    assert notice is not None and notice["MessageType"] == "reject", notice
    assert "ชั้นความลับ" in notice["Body"]["Reason"]
    assert _documents(db_session, subject) == 0  # nothing kept that nobody may read
    assert db_session.scalar(select(func.count()).select_from(Receipt).where(
        Receipt.register_id == peer["register"].id)) == 0


def test_a_secret_letter_goes_to_the_cleared_officer_only(
        app, client, db_session, peer, bearer, monkeypatch):
    from tests.conftest import log_in

    cleared = make_user(db_session, units=[peer["unit"]], role="clerk", clearance=1)
    other = make_user(db_session, units=[peer["unit"]], role="clerk", clearance=0)
    db_session.commit()
    monkeypatch.setitem(app.config, "EXCHANGE_AUTO_REGISTER", False)
    subject = f"เรื่องลับถึงนายทะเบียน {uuid.uuid4().hex[:6]}"
    message = _letter(peer["them"], subject, secrecy=1)
    assert _post(client, message).status_code == 200
    assert _notice(db_session, message) is None  # waiting for the officer, not refused
    log_in(client, other.username)
    page = client.get("/inbox").get_data(as_text=True)
    assert subject not in page and "หนังสือจากหน่วยงานภายนอกทางระบบ" not in page
    row = db_session.scalar(select(ExchangeMessage).where(
        ExchangeMessage.message_id == message["MessageID"]))
    from saraban.exchange.receiving import accept_arrival
    from saraban.validation import OperationError

    with pytest.raises(OperationError) as refused:
        accept_arrival(other, row.id)
    assert refused.value.status == 404
    db_session.rollback()
    officer = app.test_client()
    log_in(officer, cleared.username)
    page = officer.get("/inbox").get_data(as_text=True)
    assert subject in page


def test_a_top_secret_letter_is_refused_even_with_a_cleared_officer(client, db_session, peer):
    make_user(db_session, units=[peer["unit"]], role="clerk", clearance=3)
    db_session.commit()
    subject = f"เรื่องลับที่สุด {uuid.uuid4().hex[:6]}"
    message = _letter(peer["them"], subject, secrecy=3)
    assert _post(client, message).status_code == 200
    notice = _notice(db_session, message)
    assert notice is not None and notice["MessageType"] == "reject", notice
    assert "ลับที่สุด" in notice["Body"]["Reason"]
    assert _documents(db_session, subject) == 0


@pytest.mark.parametrize("content, media_type, why", [
    (b"<html><script>alert(1)</script></html>", "application/pdf", "รับเฉพาะไฟล์"),
    (b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf",
     "PDF"),
])
def test_a_file_that_a_clerk_could_not_upload_does_not_arrive_by_exchange(
        client, db_session, peer, content, media_type, why):
    subject = f"เรื่องไฟล์เสีย {uuid.uuid4().hex[:6]}"
    bad = protocol.BinaryFile("letter.pdf", media_type, content)
    message = _letter(peer["them"], subject, main_file=bad)
    assert _post(client, message).status_code == 200
    notice = _notice(db_session, message)
    assert notice is not None and notice["MessageType"] == "invalid", notice
    assert why in notice["Body"]["Reason"]
    assert _documents(db_session, subject) == 0


def test_an_ordinary_letter_with_a_good_file_still_arrives(client, db_session, peer):
    from saraban.pdf.stamp import stamp_pdf

    pdf = stamp_pdf("สพร.", 1, dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC))
    subject = f"เรื่องปกติ {uuid.uuid4().hex[:6]}"
    message = _letter(peer["them"], subject,
                      main_file=protocol.BinaryFile("letter.pdf", "application/pdf", pdf))
    assert _post(client, message).status_code == 200
    assert _notice(db_session, message)["MessageType"] == "accept"
    assert _documents(db_session, subject) == 1


def test_a_letter_may_not_say_a_file_is_what_it_is_not(client, db_session, peer):
    """The stored media type is the one the content shows, not the one declared."""
    from saraban.documents.models import DocumentFile

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    subject = f"เรื่องภาพ {uuid.uuid4().hex[:6]}"
    message = _letter(peer["them"], subject,
                      main_file=protocol.BinaryFile("scan.pdf", "application/pdf", png))
    assert _post(client, message).status_code == 200
    document = db_session.scalar(select(Document).where(Document.subject == subject))
    file = db_session.scalar(select(DocumentFile).where(DocumentFile.document_id == document.id))
    assert file.file.media_type == "image/png"

