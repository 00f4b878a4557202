"""Mail out, against a real Postfix (tests/smtpserver.py): a letter queued and sent is
found in the Maildir with its Thai subject and its PDF; a receipt confirmation arrives
threaded to the letter it answers; with the server stopped the message stays queued and
its attempts are counted, and once the server is back it is sent, once."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import uuid
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from saraban.mail.outbox_models import MailKind, MailStatus, OutgoingMail
from tests.smtpserver import postfix  # noqa: F401  (the fixture)

DAY = dt.date(2026, 12, 3)
SUBJECT = "ขอเชิญประชุมคณะทำงานพัฒนาระบบสารบรรณอิเล็กทรอนิกส์"
PDF = None


def _pdf() -> bytes:
    global PDF
    if PDF is None:
        from saraban.pdf.stamp import stamp_pdf

        PDF = stamp_pdf("หนังสือทดสอบ", 1, dt.datetime(2026, 12, 3, 3, 0, tzinfo=dt.UTC))
    return PDF


def _letter(session):
    """A numbered letter of demo-clerk's with its PDF and one enclosure's file."""
    from saraban.accounts.models import User
    from saraban.documents.files import sniff, store
    from saraban.documents.models import DocumentFile, Enclosure, FileRole
    from saraban.documents.operations import create_document

    clerk = session.scalar(select(User).where(User.username == "demo-clerk"))
    number = f"ทก ๐{uuid.uuid4().int % 1000:03d}/{uuid.uuid4().hex[:4]}"
    document = create_document(clerk, {
        "number": number, "date": DAY.isoformat(), "sender": "หน่วยงานทดสอบ ๑",
        "subject": SUBJECT, "addressee": "หัวหน้าสำนักงาน", "secrecy": 0})
    content = _pdf()
    document.files.append(DocumentFile(file_id=store(content, sniff(content)).id,
                                       role=FileRole.ORIGINAL, filename="หนังสือเชิญประชุม.pdf"))
    document.enclosures.append(Enclosure(description="กำหนดการประชุม",
                                         file_id=store(content + b"\n%enc\n", sniff(content)).id))
    session.flush()
    return document



def _queued(db_session, message_id):
    return db_session.scalar(select(OutgoingMail).where(OutgoingMail.message_id == message_id))


def test_a_letter_is_sent_with_its_thai_subject_and_pdf(db_session, mail_config):
    from saraban.mail.messages import letter_message
    from saraban.mail.sending import queue_mail, send_once

    document = _letter(db_session)
    row = queue_mail(letter_message(document, f"saraban@{mail_config.domain}"),
                     kind=MailKind.LETTER, document_id=document.id)
    assert row.status == MailStatus.QUEUED and row.message_id.endswith("@sender.test>")

    report = send_once()
    assert report.sent == 1, mail_config.log()
    (raw,) = mail_config.delivered_raw(1)
    arrived = email.message_from_bytes(raw, policy=email.policy.default)
    assert b"=?utf-8?" in raw.split(b"\n\n", 1)[0].lower()  # the subject went RFC 2047
    assert arrived["Subject"] == f"ที่ {document.number} เรื่อง {SUBJECT}"
    assert arrived["Message-ID"] == row.message_id
    assert arrived["From"] == "saraban@sender.test"
    attachments = list(arrived.iter_attachments())
    assert [a.get_filename() for a in attachments] == [
        "หนังสือเชิญประชุม.pdf", "สิ่งที่ส่งมาด้วย ๑ กำหนดการประชุม.pdf"]
    assert b"filename*0*=utf-8''" in raw  # RFC 2231, in continuations
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content().startswith(b"%PDF-")
    assert "หัวหน้าสำนักงาน" in arrived.get_body(("plain",)).get_content()
    assert "starttls=1" in mail_config.log()  # the server takes nothing in clear

    row = _queued(db_session, row.message_id)
    assert (row.status, row.attempts, row.next_attempt_at) == (MailStatus.SENT, 1, None)
    assert row.sent_at is not None


def test_a_receipt_confirmation_is_threaded_and_auto_replied(db_session, mail_config):
    from saraban.mail.messages import may_confirm, receipt_confirmation
    from saraban.mail.sending import queue_mail, send_once

    original = {"from": f"สารบรรณ <saraban@{mail_config.domain}>",
                "subject": f"ที่ ทก ๐๑๒๓ เรื่อง {SUBJECT}",
                "message-id": "<letter-1@other.test>",
                "references": "<earlier@other.test>"}
    assert may_confirm(original)
    assert not may_confirm({**original, "Auto-Submitted": "auto-replied"})
    assert not may_confirm({**original, "List-Id": "<all.other.test>"})
    received = dt.datetime(2026, 12, 4, 3, 5, tzinfo=dt.UTC)  # 10.05 in Bangkok
    row = queue_mail(receipt_confirmation(original, 123, received),
                     kind=MailKind.RECEIPT_CONFIRMATION)
    assert row.in_reply_to == "<letter-1@other.test>"
    assert send_once().sent == 1, mail_config.log()

    (reply,) = mail_config.delivered(1)
    assert reply["In-Reply-To"] == "<letter-1@other.test>"
    assert reply["References"].split() == ["<earlier@other.test>", "<letter-1@other.test>"]
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["Subject"] == f"Re: ที่ ทก ๐๑๒๓ เรื่อง {SUBJECT}"
    assert reply["Return-Path"] == "<>"  # an automatic reply goes from the null sender
    text = reply.get_body(("plain",)).get_content()
    assert "เลขรับ ๑๒๓" in text
    assert "๔ ธันวาคม ๒๕๖๙" in text and "๑๐.๐๕ น." in text


def test_the_server_down_then_back_sends_once(db_session, mail_config):
    import time_machine

    from saraban.mail.messages import letter_message
    from saraban.mail.sending import queue_mail, send_once

    document = _letter(db_session)
    mail_config.stop()
    row = queue_mail(letter_message(document, f"saraban@{mail_config.domain}"),
                     kind=MailKind.LETTER, document_id=document.id)
    message_id = row.message_id

    report = send_once()
    assert (report.sent, report.retried) == (0, 1)
    row = _queued(db_session, message_id)
    assert (row.status, row.attempts) == (MailStatus.QUEUED, 1)
    assert row.last_error and row.next_attempt_at is not None
    assert send_once().retried == 0  # not due yet: its pause is not over

    mail_config.start()
    with time_machine.travel(row.next_attempt_at + dt.timedelta(seconds=1), tick=False):
        first, second = send_once(), send_once()
    assert (first.sent, second.sent) == (1, 0)
    row = _queued(db_session, message_id)
    assert (row.status, row.attempts) == (MailStatus.SENT, 2)
    delivered = mail_config.delivered(2, timeout=3)  # a second copy would be there by now
    assert [m["Message-ID"] for m in delivered] == [message_id]  # the same message, once


def test_saraban_mail_send_once(app, db_session, mail_config):
    """The command an operator runs (from cron or a timer): one pass, what it did told."""
    from saraban.mail.messages import letter_message
    from saraban.mail.sending import queue_mail

    document = _letter(db_session)
    row = queue_mail(letter_message(document, f"saraban@{mail_config.domain}"),
                     kind=MailKind.LETTER, document_id=document.id)
    message_id = row.message_id
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["mail-send", "--once"])
    assert result.exit_code == 0, result.output
    assert "ส่งแล้ว 1" in result.output
    assert [m["Message-ID"] for m in mail_config.delivered(1)] == [message_id]

    app.config["MAIL_SMTP_URL"] = None
    result = app.test_cli_runner().invoke(args=["mail-send", "--once"])
    assert result.exit_code != 0 and "SARABAN_MAIL_SMTP_URL" in result.output


def test_a_permanent_refusal_fails_the_message_without_retry(db_session, mail_config):
    from saraban.mail.messages import letter_message
    from saraban.mail.sending import queue_mail, send_once
    from tests.smtpserver import REFUSED

    document = _letter(db_session)
    row = queue_mail(letter_message(document, REFUSED), kind=MailKind.LETTER,
                     document_id=document.id)
    message_id = row.message_id
    assert send_once().failed == 1
    row = _queued(db_session, message_id)
    assert (row.status, row.attempts, row.next_attempt_at) == (MailStatus.FAILED, 1, None)
    assert "550" in row.last_error
    assert send_once().failed == 0


def test_the_settings_are_checked_at_start(tmp_path, monkeypatch):
    from saraban.config import ConfigError, load_config
    from saraban.mail.smtp import SmtpSettings

    monkeypatch.setenv("SARABAN_ENV", "testing")
    monkeypatch.setenv("SARABAN_DATA_DIR", str(tmp_path))
    for bad in ("http://mail.agency.test", "smtp://", "smtp://host:notaport"):
        monkeypatch.setenv("SARABAN_MAIL_SMTP_URL", bad)
        with pytest.raises(ConfigError, match="SARABAN_MAIL_SMTP_URL"):
            load_config(str(tmp_path))
    monkeypatch.setenv("SARABAN_MAIL_SMTP_URL", "smtps://saraban%40agency.go.th:pw@mail.go.th")
    monkeypatch.setenv("SARABAN_MAIL_SMTP_PASSWORD_FILE", str(tmp_path / "none"))
    with pytest.raises(ConfigError, match="MAIL_SMTP_PASSWORD_FILE"):
        load_config(str(tmp_path))
    (tmp_path / "pw").write_text("จาก-ไฟล์\n")
    monkeypatch.setenv("SARABAN_MAIL_SMTP_PASSWORD_FILE", str(tmp_path / "pw"))
    settings = SmtpSettings.from_config(load_config(str(tmp_path)))
    assert (settings.host, settings.port, settings.implicit_tls) == ("mail.go.th", 465, True)
    assert (settings.username, settings.password) == ("saraban@agency.go.th", "จาก-ไฟล์")
    monkeypatch.setenv("SARABAN_MAIL_SMTP_URL", "smtp://mail.go.th")
    monkeypatch.delenv("SARABAN_MAIL_SMTP_PASSWORD_FILE")
    settings = SmtpSettings.from_config(load_config(str(tmp_path)))
    assert (settings.port, settings.implicit_tls, settings.username) == (587, False, None)


def test_a_message_claimed_by_one_worker_is_not_sent_by_another(db_session, mail_config):
    """A second worker's pass finds nothing while the first worker's lease holds, and a
    message sent meanwhile is not sent again by the worker that claimed it."""
    from flask import current_app

    from saraban.mail.messages import letter_message
    from saraban.mail.sending import _claim, _send, queue_mail, send_once
    from saraban.mail.smtp import SmtpSettings

    document = _letter(db_session)
    row = queue_mail(letter_message(document, f"saraban@{mail_config.domain}"),
                     kind=MailKind.LETTER, document_id=document.id)
    message_id = row.message_id
    ((row_id, lease),) = _claim(10)
    db_session.commit()
    assert send_once().sent == 0  # the other worker: nothing is due
    settings = SmtpSettings.from_config(current_app.config)
    outcome, client = _send(row_id, lease, settings, None)
    client.quit()
    db_session.commit()
    assert outcome == "sent"
    outcome, _ = _send(row_id, lease, settings, None)  # the same claim, once more
    assert outcome == "skipped"
    assert [m["Message-ID"] for m in mail_config.delivered(2, timeout=3)] == [message_id]


def test_secret_and_unnumbered_letters_do_not_go_by_mail(db_session, mail_config):
    from saraban.mail.messages import MailRefusal, letter_message

    document = _letter(db_session)
    document.secrecy = 1
    with pytest.raises(MailRefusal, match="หนังสือลับ"):
        letter_message(document, f"saraban@{mail_config.domain}")
    document.secrecy, document.number = 0, None
    with pytest.raises(MailRefusal, match="ยังไม่มีเลขที่"):
        letter_message(document, f"saraban@{mail_config.domain}")


def test_a_login_is_used_when_the_url_names_a_user(app, db_session, mail_config):
    from saraban.mail.messages import letter_message
    from saraban.mail.sending import queue_mail, send_once
    from tests.smtpserver import USER

    app.config["MAIL_SMTP_URL"] = mail_config.login_url.replace(":%E0", ":wrong%E0", 1)
    document = _letter(db_session)
    row = queue_mail(letter_message(document, f"saraban@{mail_config.domain}"),
                     kind=MailKind.LETTER, document_id=document.id)
    message_id = row.message_id
    assert send_once().retried == 1  # a refused login is the office's to fix: kept queued
    row = _queued(db_session, message_id)
    assert "SMTPAuthenticationError" in row.last_error

    app.config["MAIL_SMTP_URL"] = mail_config.login_url
    row.next_attempt_at = row.created_at
    db_session.commit()
    assert send_once().sent == 1, mail_config.log()
    assert f"sasl_username={USER}" in mail_config.log()
    assert [m["Message-ID"] for m in mail_config.delivered(1)] == [message_id]


def test_a_long_thai_subject_keeps_its_spaces_where_it_is_folded(db_session, mail_config):
    """Python 3.11 folds a long subject at a space and leaves the space between two encoded
    words, which a reader drops (RFC 2047): the outbox encodes the subject so that a reader
    gets it back as it was written, checked by the message Postfix delivered."""
    from saraban.mail.sending import queue_mail, send_once

    subject = ("ขอความร่วมมือตอบแบบสำรวจความพร้อมรัฐบาลดิจิทัล ประจำปี ๒๕๖๖ "
               "ครั้งที่ ๒ เรื่อง การพัฒนา ระบบสารบรรณอิเล็กทรอนิกส์")
    plain = EmailMessage()
    plain["Subject"] = subject
    folded = plain.as_bytes(policy=email.policy.SMTP)
    assert email.message_from_bytes(folded, policy=email.policy.default)["Subject"] != subject
    message = EmailMessage()
    message["From"], message["To"] = "saraban@sender.test", f"saraban@{mail_config.domain}"
    message["Subject"] = subject
    message.set_content("หนังสือ")
    queue_mail(message, kind=MailKind.LETTER)
    db_session.commit()
    assert send_once().sent == 1, mail_config.log()
    (raw,) = mail_config.delivered_raw(1)
    got = email.message_from_bytes(raw, policy=email.policy.default)
    assert got["Subject"] == subject and got.get_content().strip() == "หนังสือ"
