"""The saraban@ mailbox, receiving: letters delivered into a real Dovecot IMAP server
(tests/mailservers.py), fetched, stored with their raw bytes as the evidence, moved to the
done folder only after the commit."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import urllib.parse
from email.header import Header
from pathlib import Path

import pytest
from sqlalchemy import func, select

from saraban.audit.models import AuditEvent
from saraban.mail import receiving
from saraban.mail.imap import MailboxError, parse_url
from saraban.mail.models import MailArrival, MailboxState
from tests.mailservers import PASSWORD, USER, running_dovecot

LETTERS = Path(__file__).parent / "data" / "letters"
DONE = "Saraban/Done"


@pytest.fixture
def imap(tmp_path):
    with running_dovecot(tmp_path) as server:
        yield server


def _letter_pdf(subject: str = "ขอเชิญประชุมคณะทำงาน", number: str = "ศธ ๐๒๐๑/๑๒๓") -> bytes:
    from saraban.pdf.letter import render_letter

    d = json.loads((LETTERS / "dga_4099.json").read_text(encoding="utf-8"))
    fields = dict(d["fields"], subject=subject)
    return render_letter("external", fields, d["body"].splitlines()[0], d["letterhead"],
                         number=number, date=dt.date(2026, 12, 1)).pdf


def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode()


def _word(text: str, charset: str = "utf-8") -> str:
    """An RFC 2047 encoded word, as a mail client writes it (windows-874 is cp874)."""
    codec = "cp874" if charset == "windows-874" else charset
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec)).decode()}?="


def _rfc2231(name: str, charset: str = "utf-8") -> str:
    codec = "cp874" if charset == "windows-874" else charset
    return f"filename*={charset}''{urllib.parse.quote(name.encode(codec))}"


def message(*, subject: str = _word("ขอเชิญประชุม"), message_id: str = "<letter-1@dept.go.th>",
            sender: str = f"{_word('กรมตัวอย่าง')} <Saraban@dept.go.th>",
            headers: str = "", parts: list[str] | None = None,
            content_type: str = 'multipart/mixed; boundary="==b=="') -> bytes:
    """A raw message written as a mail client sends it, CRLF line ends."""
    parts = parts if parts is not None else [pdf_part(_letter_pdf(), "หนังสือ.pdf")]
    body = "".join(f"--==b==\n{p}\n" for p in [
        'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
        'เรียน สารบรรณ ส่งหนังสือมาเพื่อโปรดทราบ\n', *parts]) + "--==b==--\n"
    text = (f"From: {sender}\nTo: saraban@agency.go.th\nSubject: {subject}\n"
            f"Message-ID: {message_id}\nDate: Tue, 1 Dec 2026 09:30:00 +0700\n"
            "Authentication-Results: mx.agency.go.th; spf=pass smtp.mailfrom=dept.go.th;\n"
            " dkim=pass header.d=dept.go.th; dmarc=pass header.from=dept.go.th\n"
            f"{headers}MIME-Version: 1.0\nContent-Type: {content_type}\n\n{body}")
    return text.replace("\n", "\r\n").encode("utf-8")


def pdf_part(data: bytes, name: str, charset: str = "utf-8") -> str:
    return (f"Content-Type: application/pdf\nContent-Disposition: attachment; "
            f"{_rfc2231(name, charset)}\nContent-Transfer-Encoding: base64\n\n{_b64(data)}")


def _fetch(server, **kw) -> receiving.FetchReport:
    return receiving.fetch_once(parse_url(server.url), done_folder=DONE, **kw)


def _arrivals(db_session) -> list[MailArrival]:
    return list(db_session.scalars(select(MailArrival).order_by(MailArrival.id)))


def test_the_url_gives_user_password_and_folder(tmp_path):
    settings = parse_url("imaps://saraban%40agency.go.th:p%40ss%2Fw@mail.agency.go.th/INBOX")
    assert (settings.user, settings.password, settings.host, settings.port, settings.tls,
            settings.folder) == ("saraban@agency.go.th", "p@ss/w", "mail.agency.go.th", 993,
                                 True, "INBOX")
    secret = tmp_path / "password"
    secret.write_text("จาก-ไฟล์\n", encoding="utf-8")
    assert parse_url("imap://u@h/Letters", str(secret)).password == "จาก-ไฟล์"
    assert parse_url("imap://u@h").folder == "INBOX"
    with pytest.raises(MailboxError):
        parse_url("http://u@h/INBOX")
    with pytest.raises(MailboxError):  # a password with a slash left unescaped
        parse_url("imap://u:pa/ss@h/INBOX")


def test_a_thai_letter_is_fetched_stored_with_its_raw_sha256_and_moved(imap, db_session):
    from saraban.documents.files import read

    raw = message()
    imap.deliver(raw)
    report = _fetch(imap)
    assert report.ok and (report.fetched, report.stored, report.moved) == (1, 1, 1)

    (arrival,) = _arrivals(db_session)
    assert arrival.message_id == "<letter-1@dept.go.th>"
    assert arrival.from_address == "saraban@dept.go.th" and arrival.from_name == "กรมตัวอย่าง"
    assert arrival.subject == "ขอเชิญประชุม"
    assert arrival.kind == "letter" and arrival.status == "waiting"
    assert arrival.sent_at == dt.datetime(2026, 12, 1, 2, 30, tzinfo=dt.UTC)
    assert arrival.auth_results == {"server": "mx.agency.go.th", "spf": "pass", "dkim": "pass",
                                    "dmarc": "pass"} and arrival.auth_failed == []
    # the evidence: the message byte for byte, as the server gave it
    stored = imap.messages(DONE)
    assert len(stored) == 1 and imap.messages("INBOX") == []
    assert arrival.raw_sha256 == hashlib.sha256(stored[0]).hexdigest()
    assert read(arrival.raw_file) == stored[0]
    assert arrival.main_filename == "หนังสือ.pdf"
    assert read(arrival.main_file).startswith(b"%PDF") and arrival.enclosures == []
    state = db_session.scalar(select(MailboxState))
    assert state.last_uid == arrival.uid and state.uidvalidity == arrival.uidvalidity > 0
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "mail.receive"))
    assert event.object_id == arrival.id and event.details["sha256"] == arrival.raw_sha256


def test_over_imaps_with_the_servers_certificate(imap, db_session):
    imap.deliver(message())
    settings = parse_url(imap.imaps_url)
    refused = receiving.fetch_once(settings, done_folder=DONE)  # not trusted by the system
    assert not refused.ok and "CERTIFICATE_VERIFY_FAILED" in refused.error
    report = receiving.fetch_once(settings, done_folder=DONE, ssl_context=imap.ssl_context())
    assert report.ok and (report.stored, report.moved) == (1, 1)


def test_without_move_the_message_is_copied_deleted_and_expunged(imap, db_session,
                                                                  monkeypatch):
    from saraban.mail.imap import Mailbox

    real = Mailbox._capable
    monkeypatch.setattr(Mailbox, "_capable", lambda self, name: name != "MOVE" and
                        real(self, name))
    imap.deliver(message())
    imap.deliver(message(message_id="<letter-2@dept.go.th>"))
    assert _fetch(imap).moved == 2
    assert imap.messages() == [] and len(imap.messages(DONE)) == 2


def test_failed_checks_are_recorded_and_a_mail_without_message_id_is_named_by_its_hash(
        imap, db_session):
    raw = message(message_id="").replace(b"Message-ID: \r\n", b"").replace(
        b"dkim=pass", b"dkim=fail").replace(b"spf=pass", b"spf=softfail")
    imap.deliver(raw)
    imap.deliver(raw)
    assert _fetch(imap).stored == 1
    (arrival,) = _arrivals(db_session)
    assert arrival.auth_failed == ["spf", "dkim"]
    assert arrival.message_id == f"<{arrival.raw_sha256}@saraban.invalid>"


def test_a_mail_that_cannot_be_read_is_kept_with_the_error_and_the_next_is_taken(
        imap, db_session, monkeypatch):
    real = receiving.parse

    def parse(raw):
        if b"<broken@" in raw:
            raise ValueError("cannot read this one")
        return real(raw)

    monkeypatch.setattr(receiving, "parse", parse)
    imap.deliver(message(message_id="<broken@dept.go.th>"))
    imap.deliver(message())
    report = _fetch(imap)
    assert report.ok and (report.stored, report.moved) == (2, 2)
    broken, letter = _arrivals(db_session)
    assert broken.error == "ValueError: cannot read this one" and broken.kind == "no_pdf"
    assert broken.message_id == f"<{broken.raw_sha256}@saraban.invalid>"
    assert letter.message_id == "<letter-1@dept.go.th>" and letter.error is None


def test_thai_names_in_rfc2231_and_a_windows_874_subject(imap, db_session):
    pdf = _letter_pdf()
    imap.deliver(message(subject=_word("ขอความอนุเคราะห์ข้อมูล", "windows-874"), parts=[
        pdf_part(pdf, "หนังสือกรม ๑๒๓.pdf", "windows-874"),
        "Content-Type: image/png\nContent-Disposition: attachment; filename=\""
        + Header("แผนที่.png", "utf-8").encode() + "\"\nContent-Transfer-Encoding: base64\n\n"
        + _b64(b"\x89PNG\r\n\x1a\n" + b"\0" * 32),
        "Content-Type: application/octet-stream\nContent-Disposition: attachment; "
        + _rfc2231("โปรแกรม.exe") + "\nContent-Transfer-Encoding: base64\n\n" + _b64(b"MZ\x90"),
    ]))
    assert _fetch(imap).stored == 1
    (arrival,) = _arrivals(db_session)
    assert arrival.subject == "ขอความอนุเคราะห์ข้อมูล"
    assert arrival.main_filename == "หนังสือกรม ๑๒๓.pdf"
    assert [(e["filename"], e["media_type"]) for e in arrival.enclosures] == [
        ("แผนที่.png", "image/png")]
    # refused like an upload, named with the reason, and not kept
    assert [r["filename"] for r in arrival.refused] == ["โปรแกรม.exe"]
    assert "รับเฉพาะไฟล์" in arrival.refused[0]["reason"]


def test_an_unencoded_tis_620_subject(imap, db_session):
    raw = message(subject="@@").replace(b"@@", "แจ้งผลการประชุม".encode("tis-620"))
    imap.deliver(raw)
    _fetch(imap)
    assert _arrivals(db_session)[0].subject == "แจ้งผลการประชุม"


def test_of_two_pdfs_the_first_is_the_letter(imap, db_session):
    from saraban.documents.files import read

    first, second = _letter_pdf("เรื่องที่หนึ่ง"), _letter_pdf("สิ่งที่ส่งมาด้วย")
    imap.deliver(message(parts=[pdf_part(first, "หนังสือ.pdf"),
                                   pdf_part(second, "สิ่งที่ส่งมาด้วย.pdf")]))
    _fetch(imap)
    (arrival,) = _arrivals(db_session)
    assert read(arrival.main_file) == first
    assert [e["filename"] for e in arrival.enclosures] == ["สิ่งที่ส่งมาด้วย.pdf"]
    assert arrival.enclosures[0]["media_type"] == "application/pdf"


def test_auto_replies_bounces_and_lists_are_told_apart(imap, db_session):
    imap.deliver(message(message_id="<auto@dept.go.th>", subject="Out of office",
                            headers="Auto-Submitted: auto-replied\n", parts=[]))
    report_part = ("Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.dept.go.th\n\n"
                   "Final-Recipient: rfc822; nobody@dept.go.th\nAction: failed\nStatus: 5.1.1\n")
    imap.deliver(message(
        message_id="<bounce@mx.dept.go.th>",
        sender="Mail Delivery System <MAILER-DAEMON@dept.go.th>",
        subject="Undelivered Mail Returned to Sender", parts=[report_part],
        content_type='multipart/report; report-type=delivery-status; boundary="==b=="'))
    imap.deliver(message(message_id="<list@lists.go.th>", headers="List-Id: <news.lists.go.th>\n"))
    imap.deliver(message(message_id="<nopdf@dept.go.th>", parts=[]))
    report = _fetch(imap)
    assert report.stored == 4
    assert [a.kind for a in _arrivals(db_session)] == ["auto_reply", "bounce", "list", "no_pdf"]


def test_the_same_message_twice_is_one_arrival(imap, db_session):
    imap.deliver(message())
    imap.deliver(message())  # sent again, or delivered twice
    report = _fetch(imap)
    assert (report.fetched, report.stored, report.duplicates, report.moved) == (2, 1, 1, 2)
    assert len(_arrivals(db_session)) == 1
    assert len(imap.messages(DONE)) == 2 and imap.messages() == []
    imap.deliver(message())  # and once more, later
    assert _fetch(imap).duplicates == 1
    assert db_session.scalar(select(func.count()).select_from(MailArrival)) == 1


def test_the_server_down_is_reported_then_fetched_when_back(imap, db_session):
    imap.deliver(message())
    imap.stop()
    report = _fetch(imap)
    assert not report.ok and "Connection refused" in report.error and report.fetched == 0
    assert _arrivals(db_session) == []
    imap.start()
    report = _fetch(imap)
    assert report.ok and report.stored == 1 and report.moved == 1


def test_killed_after_the_commit_and_before_the_move(imap, db_session, monkeypatch):
    from saraban.mail.imap import Mailbox

    imap.deliver(message())
    real_move = Mailbox.move

    def killed(self, uid, folder):
        raise SystemExit("killed")

    monkeypatch.setattr(Mailbox, "move", killed)
    with pytest.raises(SystemExit):
        _fetch(imap)
    (arrival,) = _arrivals(db_session)  # committed
    assert not arrival.moved and len(imap.messages()) == 1

    monkeypatch.setattr(Mailbox, "move", real_move)
    report = _fetch(imap)
    assert (report.stored, report.moved) == (0, 1)
    assert len(_arrivals(db_session)) == 1 and _arrivals(db_session)[0].moved
    assert imap.messages() == [] and len(imap.messages(DONE)) == 1


def test_a_new_uidvalidity_reads_again_without_taking_twice(imap, db_session):
    imap.deliver(message())
    _fetch(imap)
    state = db_session.scalar(select(MailboxState))
    state.uidvalidity = 1  # the folder rebuilt on the server: its UIDs mean nothing now
    db_session.flush()
    # the same letter back in the INBOX (restored from a backup), and a new one
    imap.deliver(message())
    imap.deliver(message(message_id="<letter-2@dept.go.th>"))
    report = _fetch(imap)
    assert (report.stored, report.duplicates) == (1, 1)
    assert [a.message_id for a in _arrivals(db_session)] == ["<letter-1@dept.go.th>",
                                                             "<letter-2@dept.go.th>"]


def test_the_arrivals_are_for_the_central_registers_keepers(imap, db_session):
    from saraban.accounts.models import User
    from saraban.exchange.receiving import central_register
    from saraban.permissions import keeper_unit_ids

    imap.deliver(message())
    _fetch(imap)
    register = central_register()
    users = list(db_session.scalars(select(User).order_by(User.id)))
    keepers = [u for u in users if register.unit_id in keeper_unit_ids(u)]
    others = [u for u in users if register.unit_id not in keeper_unit_ids(u)]
    assert keepers and others
    assert [a.message_id for a in receiving.arrivals(keepers[0])] == ["<letter-1@dept.go.th>"]
    assert receiving.arrivals(others[0]) == []


def test_the_command_says_when_the_server_is_down(app, db_session):
    from saraban.mail.cli import mail_cli

    quote = urllib.parse.quote
    app.config["MAIL_IMAP_URL"] = f"imap://{quote(USER)}:{quote(PASSWORD, safe='')}@127.0.0.1:9/"
    try:
        result = app.test_cli_runner().invoke(mail_cli, ["fetch", "--once"])
    finally:
        app.config["MAIL_IMAP_URL"] = None
    assert result.exit_code == 1 and "ติดต่อกล่องจดหมายไม่ได้" in result.output
    assert "Traceback" not in result.output
