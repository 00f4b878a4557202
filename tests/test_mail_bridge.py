"""A letter that came to saraban@ by e-mail goes through the intake queue like a scan, and
once registered its sender is told the เลขรับ by a reply threaded to his mail (queued in the
same transaction); never to an auto-reply. The mailbox itself is tested against a real
Dovecot in tests/test_mail_in.py; here the arrivals are written as the fetcher writes them."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest

from saraban.extensions import db
from saraban.validation import OperationError
from tests.conftest import log_in, make_user

LETTERS = Path(__file__).parent / "data" / "letters"


def _pdf() -> bytes:
    from saraban.pdf.letter import render_letter

    d = json.loads((LETTERS / "dga_4099.json").read_text(encoding="utf-8"))
    return render_letter("external", d["fields"], d["body"].splitlines()[0], d["letterhead"],
                         number="ว๔๐๙๙", date=dt.date(2019, 11, 1)).pdf


def _arrival(db_session, *, auto: bool = False):
    from saraban.documents.files import store
    from saraban.mail.models import MailArrival

    pdf = _pdf()
    mail = EmailMessage()
    mail["From"] = "สพร. <saraban@dga.or.th>"
    mail["To"] = "saraban@police.go.th"
    mail["Subject"] = "ขอแจ้งผลการสำรวจระดับความพร้อมการพัฒนารัฐบาลดิจิทัล"
    mail["Message-ID"] = message_id = f"<{uuid.uuid4().hex}@dga.or.th>"
    if auto:
        mail["Auto-Submitted"] = "auto-replied"
    mail.set_content("เรียน ผู้บัญชาการตำรวจแห่งชาติ หนังสือตามแนบ")
    mail.add_attachment(pdf, maintype="application", subtype="pdf", filename="ว๔๐๙๙.pdf")
    raw = mail.as_bytes()
    arrival = MailArrival(mailbox="test", message_id=message_id, uid=1, uidvalidity=1,
                          from_address="saraban@dga.or.th", from_name="สพร.",
                          subject=str(mail["Subject"]), raw_file_id=store(raw, "message/rfc822",
                                                                          secret=True).id,
                          main_file_id=store(pdf, "application/pdf", secret=True).id,
                          main_filename="ว๔๐๙๙.pdf", kind="letter")
    db_session.add(arrival)
    db_session.flush()
    return arrival


@pytest.fixture()
def central(app, db_session):
    from saraban.exchange.receiving import central_register

    register = central_register()
    tag = uuid.uuid4().hex[:6]
    return {"register": register,
            "clerk": make_user(db_session, f"cc-{tag}", units=[register.unit], role="clerk"),
            "outsider": make_user(db_session, f"oo-{tag}")}


def test_a_mailed_letter_is_registered_and_its_sender_told(app, central, db_session):
    from saraban.intake import operations as ops
    from saraban.mail.models import MailArrival
    from saraban.mail.outbox_models import OutgoingMail

    c = central
    arrival = _arrival(db_session)
    with pytest.raises(OperationError) as hidden:
        ops.accept_arrival(c["outsider"], arrival.id)
    assert hidden.value.status == 404
    client = log_in(_client(app), c["clerk"].username)
    assert "ขอแจ้งผลการสำรวจ" in client.get("/mail/arrivals").get_data(as_text=True)
    draft = ops.accept_arrival(c["clerk"], arrival.id)
    with pytest.raises(OperationError):  # once
        ops.accept_arrival(c["clerk"], arrival.id)
    receipt = ops.register_intake(c["clerk"], draft.id, c["register"].id, {
        "number": "สพร ๒๕๖๒/ว๔๐๙๙", "date": "2019-11-01", "sender": "สพร.",
        "subject": "ขอแจ้งผลการสำรวจระดับความพร้อมการพัฒนารัฐบาลดิจิทัล"})
    db_session.expire_all()
    arrival = db.session.get(MailArrival, arrival.id)
    assert arrival.status == "registered" and arrival.document_id == receipt.document_id
    sent = db_session.query(OutgoingMail).filter_by(in_reply_to=arrival.message_id).one()
    assert sent.to_address == "saraban@dga.or.th" and sent.status == "queued"
    assert sent.kind == "receipt_confirmation" and sent.document_id == receipt.document_id


def test_an_auto_reply_is_never_answered(app, central, db_session):
    from saraban.intake import operations as ops
    from saraban.mail.outbox_models import OutgoingMail

    c = central
    arrival = _arrival(db_session, auto=True)
    draft = ops.accept_arrival(c["clerk"], arrival.id)
    ops.register_intake(c["clerk"], draft.id, c["register"].id, {
        "number": "สพร ๒๕๖๒/ว๔๑๐๐", "date": "2019-11-01", "sender": "สพร.",
        "subject": "ตอบรับอัตโนมัติ"})
    assert not db_session.query(OutgoingMail).filter_by(in_reply_to=arrival.message_id).count()


def _client(app):
    from tests.conftest import IsolatedClient

    return IsolatedClient(app, app.response_class, use_cookies=True)
