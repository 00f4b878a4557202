"""The recipient's confirmation of a letter we sent by e-mail: the letter dispatched and
sent through a real Postfix (tests/smtpserver.py), the reply (the one another Saraban
sends, threaded by In-Reply-To) delivered into a real Dovecot (tests/mailservers.py) and
fetched: it is kept as a confirmation linked to our letter, never offered to the clerks as a
letter to register, and the letter's delivery shows ผู้รับยืนยันการรับแล้ว with the time and
the receipt number the reply names. A real Postfix bounce (DSN) of a letter likewise marks
its delivery failed, with the server's reason."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import socket
import subprocess
import threading
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from saraban.mail import receiving
from saraban.mail.imap import parse_url
from saraban.mail.models import MailArrival
from saraban.mail.outbox_models import MailKind, OutgoingMail
from tests.conftest import log_in, make_user
from tests.mailservers import running_dovecot
from tests.smtpserver import POSTFIX, postfix  # noqa: F401  (the fixture)
from tests.test_drafts import _draft, office  # noqa: F401  (the fixture)

DONE = "Saraban/Done"


@pytest.fixture
def imap(tmp_path):
    with running_dovecot(tmp_path) as server:
        yield server



def _fetch(server) -> receiving.FetchReport:
    report = receiving.fetch_once(parse_url(server.url), done_folder=DONE)
    assert report.ok, report.error
    return report


def _dispatch_by_email(o, address: str):
    """A letter drafted, signed and numbered, sent to ``address`` by e-mail."""
    from saraban.drafts import operations as ops

    draft = _draft(o)
    ops.submit_draft(o["drafter"], draft.id, [o["signer"].id])
    ops.sign_draft(o["signer"], draft.id)
    done = ops.dispatch_draft(o["clerk"], draft.id, o["register"].id,
                              [{"channel": "email", "email": address}])
    return done["dispatch"], done["deliveries"][0]


def _shown(dispatch):
    from saraban.delivery.operations import deliveries_of

    return deliveries_of([dispatch.id])[dispatch.id][0]


@contextlib.contextmanager
def _refusing_server():
    """An LMTP server on a free loopback port that refuses every recipient for good."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn, conn.makefile("rb") as lines:
                conn.sendall(b"220 mx.gone.test LMTP\r\n")
                for line in lines:
                    verb = line[:4].upper()
                    if verb == b"LHLO":
                        conn.sendall(b"250-mx.gone.test\r\n250 PIPELINING\r\n")
                    elif verb == b"RCPT":
                        conn.sendall(b"550 5.1.1 mailbox unavailable at gone.test\r\n")
                    elif verb == b"QUIT":
                        conn.sendall(b"221 bye\r\n")
                        break
                    else:
                        conn.sendall(b"250 ok\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(5)
        listener.close()


def _send_all(server, count: int = 1) -> list[bytes]:
    from saraban.mail.sending import send_once

    report = send_once()
    assert report.sent == count, server.log()
    return server.delivered_raw(count)


def test_the_recipients_reply_confirms_the_delivery(client, office, db_session,  # noqa: F811
                                                     mail_config, imap):
    from saraban.delivery.operations import status_name
    from saraban.exchange.receiving import central_register
    from saraban.intake.operations import accept_arrival
    from saraban.mail.messages import receipt_confirmation
    from saraban.mail.receiving import arrivals
    from saraban.validation import OperationError

    dispatch, delivery = _dispatch_by_email(office, f"saraban@{mail_config.domain}")
    assert _shown(dispatch).outbox_state == "queued"
    (raw,) = _send_all(mail_config)
    letter = email.message_from_bytes(raw, policy=email.policy.default)
    ours = db_session.get(OutgoingMail, delivery.message_ref)
    assert letter["Message-ID"] == ours.message_id and ours.kind == MailKind.LETTER
    shown = _shown(dispatch)
    assert (shown.outbox_state, status_name(shown), shown.confirmed_at) == (
        "sent", "ส่งแล้ว", None)

    # the other agency registers it and its Saraban answers, as ours does (In-Reply-To,
    # References, Auto-Submitted: auto-replied, "เลขรับ ๑๒๓")
    registered = dt.datetime(2026, 12, 4, 3, 5, tzinfo=dt.UTC)
    reply = receipt_confirmation(dict(letter.items()), 123, registered)
    reply.replace_header("From", f"saraban@{mail_config.domain}")
    imap.deliver(reply.as_bytes())
    report = _fetch(imap)
    assert (report.fetched, report.stored) == (1, 1)

    arrival = db_session.get(MailArrival, report.arrival_ids[0])
    assert arrival.kind == "confirmation" and arrival.outgoing_mail_id == ours.id
    assert arrival.receipt_number == "๑๒๓" and arrival.in_reply_to == ours.message_id
    assert arrival.raw_file.sha256  # the reply itself kept as the evidence
    # not a letter for the clerks to register (nor to answer with our own confirmation)
    keeper = make_user(db_session, f"kc-{uuid.uuid4().hex[:6]}",
                       units=[central_register().unit], role="clerk")
    assert arrival.id not in [a.id for a in arrivals(keeper)]
    with pytest.raises(OperationError) as refused:
        accept_arrival(keeper, arrival.id)
    assert refused.value.status == 404
    assert db_session.scalar(select(OutgoingMail.id).where(
        OutgoingMail.in_reply_to == arrival.message_id)) is None

    shown = _shown(dispatch)
    assert shown.outbox_state == "confirmed" and status_name(shown) == "ผู้รับยืนยันการรับแล้ว"
    assert shown.their_receipt_number == "๑๒๓" and shown.confirmed_at == arrival.received_at

    web = log_in(client, office["clerk"].username)
    page = web.get(f"/dispatches/{dispatch.id}/deliveries").get_data(as_text=True)
    assert "ผู้รับยืนยันการรับแล้ว" in page and "เลขรับของผู้รับ ๑๒๓" in page
    from saraban.accounts.operations import create_token

    headers = {"Authorization": f"Bearer {create_token(office['clerk'], 'test')}"}
    db_session.commit()
    (item,) = client.get(f"/api/v1/dispatches/{dispatch.id}/deliveries",
                         headers=headers).get_json()["items"]
    assert (item["outbox_state"], item["their_receipt_number"]) == ("confirmed", "๑๒๓")
    assert item["confirmed_at"].endswith("+07:00") and item["failure_reason"] is None

    # fetched again (a new UIDVALIDITY, the same Message-ID): the same confirmation
    imap.deliver(reply.as_bytes())
    assert _fetch(imap).duplicates == 1
    assert db_session.scalars(select(MailArrival).where(
        MailArrival.outgoing_mail_id == ours.id)).all() == [arrival]


def test_a_person_answering_by_references_and_an_unrelated_reply(db_session, imap):
    """A reply written by a person (References only, "เลขรับที่ 123/2569" in the text) is a
    confirmation too; a reply to a mail that is not a letter of ours stays a letter."""
    from saraban.mail.sending import queue_mail

    sent = EmailMessage()
    sent["From"], sent["To"], sent["Subject"] = "saraban@sender.test", "a@b.test", "ที่ ทก ๑/๒"
    sent["Message-ID"] = f"<{uuid.uuid4().hex}@sender.test>"
    sent.set_content("หนังสือ")
    ours = queue_mail(sent, kind=MailKind.LETTER)
    notice = EmailMessage()
    notice["From"], notice["To"], notice["Subject"] = "saraban@sender.test", "c@d.test", "แจ้ง"
    notice["Message-ID"] = f"<{uuid.uuid4().hex}@sender.test>"
    notice.set_content("แจ้งเตือน")
    not_a_letter = queue_mail(notice, kind=MailKind.NOTIFICATION)

    def reply(to_id: str, text: str) -> bytes:
        m = EmailMessage()
        m["From"], m["To"] = "งานสารบรรณ <saraban@b.test>", "saraban@sender.test"
        m["Subject"] = "Re: ที่ ทก ๑/๒"
        m["Message-ID"] = f"<{uuid.uuid4().hex}@b.test>"
        m["References"] = f"<older@b.test> {to_id}"
        m.set_content(text)
        return m.as_bytes()

    imap.deliver(reply(ours.message_id, "ได้รับแล้ว ลงเลขรับที่ 123/2569 ขอบคุณครับ"))
    imap.deliver(reply(not_a_letter.message_id, "เลขรับ ๙"))
    report = _fetch(imap)
    first, second = (db_session.get(MailArrival, i) for i in report.arrival_ids)
    assert (first.kind, first.outgoing_mail_id, first.receipt_number) == (
        "confirmation", ours.id, "123/2569")
    assert (second.kind, second.outgoing_mail_id) == ("no_pdf", None)


def test_an_out_of_office_is_no_confirmation_and_a_letter_in_answer_stays_a_letter(
        db_session, imap):
    """An automatic answer naming no receipt number (out of office) does not say that
    anyone received the letter; an answer carrying a PDF is a letter to register, linked to
    ours (and its receipt confirmed by it)."""
    from saraban.mail.sending import queue_mail
    from saraban.pdf.letter import render_letter

    sent = EmailMessage()
    sent["From"], sent["To"], sent["Subject"] = "saraban@sender.test", "a@b.test", "ที่ ทก ๑/๓"
    sent["Message-ID"] = f"<{uuid.uuid4().hex}@sender.test>"
    sent.set_content("หนังสือ")
    ours = queue_mail(sent, kind=MailKind.LETTER)

    away = EmailMessage()
    away["From"], away["To"], away["Subject"] = "saraban@b.test", "saraban@sender.test", "ไม่อยู่"
    away["Message-ID"] = f"<{uuid.uuid4().hex}@b.test>"
    away["In-Reply-To"], away["Auto-Submitted"] = ours.message_id, "auto-replied"
    away.set_content("ขณะนี้ไม่อยู่สำนักงาน จะติดต่อกลับ")
    answer = EmailMessage()
    answer["From"], answer["To"] = "saraban@b.test", "saraban@sender.test"
    answer["Subject"], answer["Message-ID"] = "Re: ที่ ทก ๑/๓", f"<{uuid.uuid4().hex}@b.test>"
    answer["In-Reply-To"] = ours.message_id
    answer.set_content("ส่งหนังสือตอบมาพร้อมนี้")
    pdf = render_letter("external", {"subject": "ตอบ", "to": "ผู้อำนวยการ"}, "ข้อความ",
                        {"agency_name": "กรมตัวอย่าง", "letter_code": "ทก"}, number="๑",
                        date=dt.date(2026, 12, 1), garuda_path="").pdf
    answer.add_attachment(pdf, maintype="application", subtype="pdf", filename="ตอบ.pdf")
    imap.deliver(away.as_bytes())
    imap.deliver(answer.as_bytes())
    first, second = (db_session.get(MailArrival, i) for i in _fetch(imap).arrival_ids)
    assert (first.kind, first.outgoing_mail_id) == ("auto_reply", ours.id)
    assert (second.kind, second.outgoing_mail_id, second.main_file_id is not None) == (
        "letter", ours.id, True)


def test_a_bounce_marks_the_delivery_failed_with_the_reason(client, office,  # noqa: F811
                                                              db_session, mail_config, imap):
    from saraban.delivery.operations import status_name

    # gone.test's server (a few lines of LMTP) refuses the recipient after Postfix took the
    # letter, so that Postfix writes the DSN; our own domain is delivered into the same
    # Maildir, where the bounce comes back
    server = mail_config
    with _refusing_server() as port:
        for setting in (f"virtual_mailbox_domains = {server.domain}, sender.test",
                        f"transport_maps = inline:{{ gone.test=lmtp:inet:127.0.0.1:{port} }}"):
            done = subprocess.run([str(Path(POSTFIX).with_name("postconf")), "-c",
                                   str(server.dir), "-e", setting],
                                  capture_output=True, text=True, timeout=30)
            assert done.returncode == 0, done.stderr
        assert server._postfix("reload").returncode == 0
        time.sleep(1)  # the reload reaches the daemons

        dispatch, delivery = _dispatch_by_email(office, "saraban@gone.test")
        (dsn,) = _send_all(server)
    report = email.message_from_bytes(dsn, policy=email.policy.default)
    assert report.get_content_type() == "multipart/report", server.log()
    ours = db_session.get(OutgoingMail, delivery.message_ref)

    imap.deliver(dsn)
    fetched = _fetch(imap)
    arrival = db_session.get(MailArrival, fetched.arrival_ids[0])
    assert arrival.kind == "bounce" and arrival.outgoing_mail_id == ours.id
    assert "5.1.1" in arrival.bounce_reason and "gone.test" in arrival.bounce_reason

    shown = _shown(dispatch)
    assert shown.outbox_state == "bounced" and status_name(shown) == "ส่งไม่สำเร็จ"
    assert shown.failure_reason == arrival.bounce_reason and shown.confirmed_at is None

    web = log_in(client, office["clerk"].username)
    page = web.get(f"/dispatches/{dispatch.id}/deliveries").get_data(as_text=True)
    assert "ส่งไม่สำเร็จ" in page and "mailbox unavailable at gone.test" in page


def test_the_deliveries_read_their_answers_in_one_query(app, office, db_session):  # noqa: F811
    """Two letters by e-mail or twenty: the same number of statements (no N+1)."""
    from saraban.delivery.operations import deliveries_of
    from saraban.extensions import db
    from tests.querycount import count_queries

    dispatches = [_dispatch_by_email(office, f"saraban@x{i}.test")[0] for i in range(3)]
    with count_queries(db.session) as few:
        deliveries_of([d.id for d in dispatches[:1]])
    with count_queries(db.session) as many:
        deliveries_of([d.id for d in dispatches])
    assert few.count == many.count == 2
