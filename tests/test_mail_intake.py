"""Letters that come by e-mail: a PDF made on a computer is read from its own text layer
(exact, and without Tesseract), its enclosures kept with the registered document, the same
letter come again by another channel recognised, and, where the office chooses so, the
letter registered by the reader itself."""

from __future__ import annotations

import os
import shutil
import uuid

import pytest

from saraban.extensions import db
from tests.conftest import csrf_token_from, log_in, make_unit, make_user
from tests.intake_corpus import letters, render


@pytest.fixture()
def office(app, db_session):
    from saraban.registers.models import Register

    tag = uuid.uuid4().hex[:6]
    unit = make_unit(db_session, f"สพ{tag}", name_th="สำนักงานรับหนังสือทดสอบ")
    register = Register(unit=unit, kind="receipt", code=f"r-{tag}", name="ทะเบียนรับทดสอบ")
    db_session.add(register)
    db_session.flush()
    return {"unit": unit, "register": register,
            "clerk": make_user(db_session, f"c-{tag}", units=[unit], role="clerk")}


@pytest.fixture()
def no_tesseract(tmp_path, monkeypatch):
    """A PATH with poppler's pdftotext and pdftoppm and nothing else: a Tesseract call
    would fail with FileNotFoundError."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("pdftotext", "pdftoppm"):
        found = shutil.which(tool)
        if found is None:
            pytest.skip("poppler-utils is not installed")
        os.symlink(found, bin_dir / tool)
    monkeypatch.setenv("PATH", str(bin_dir))
    assert shutil.which("tesseract") is None
    return bin_dir


def _read_all() -> tuple[int, int]:
    from saraban.intake.cli import read_pending

    return read_pending()


def _client(app):
    from tests.conftest import IsolatedClient

    return IsolatedClient(app, app.response_class, use_cookies=True)


def test_a_pdf_with_text_is_read_from_its_text_without_ocr(app, office, db_session,
                                                           no_tesseract):
    from saraban.intake import operations as ops
    from saraban.intake.models import IntakeDraft

    corpus = letters(4)
    batch = ops.accept_scans(office["clerk"], [(f"letter-{i}.pdf", render(letter))
                                               for i, letter in enumerate(corpus)])
    ids = [d.id for d in batch.drafts]
    assert _read_all() == (4, 0)
    for draft_id, letter in zip(ids, corpus, strict=True):
        draft = db.session.get(IntakeDraft, draft_id)
        assert draft.status == "ready" and draft.source == "text", draft.error
        got = {name: (draft.fields.get(name) or {}).get("value")
               for name in ("number", "date", "subject", "addressee")}
        want = {name: letter["truth"][name] for name in got}
        assert got == want, letter["kind"]
        assert draft.fields["subject"]["confidence"] == 1.0
        assert letter["truth"]["subject"][:12] in draft.text and draft.pages >= 1
        assert draft.stamp_place is not None  # the page was rasterised for the stamp
    client = log_in(_client(app), office["clerk"].username)
    page = client.get(f"/intake/{ids[0]}").get_data(as_text=True)
    assert "อ่านจากข้อความในไฟล์ PDF" in page and "อ่านด้วย OCR" not in page


def test_a_scan_has_no_credible_text_layer():
    from PIL import Image

    from saraban.intake.layout import image_pdf
    from saraban.intake.textlayer import credible, standard, text_of, text_page

    pdf = render(letters(1)[0])
    assert text_page(pdf) is not None and "เรื่อง" in text_of(pdf)[0]
    image = Image.new("RGB", (850, 1100), "white")
    import io

    data = io.BytesIO()
    image.save(data, "PNG")
    assert text_page(image_pdf(data.getvalue())) is None  # no text at all
    # presentation forms (a tone shifted left, a vowel shifted down) read as the standard
    assert standard("\u0e1b\uf701\u0e14\uf70b") == "\u0e1b\u0e34\u0e14\u0e49"
    assert standard("\u0e1b\uf718") == "\u0e1b\u0e38"
    assert not credible("ก ข ค ง")  # a few stray letters
    assert not credible("\ufffd" * 40 + "ขอเชิญประชุม")  # a font without its Unicode map
    assert credible("ขอเชิญประชุมคณะทำงานพัฒนาระบบสารบรรณอิเล็กทรอนิกส์")


# a mail's enclosures ----------------------------------------------------------------------
def _mail(pdfs: list[tuple[str, bytes]], *, sender="saraban@dga.or.th",
          subject="ขอแจ้งผลการสำรวจ") -> bytes:
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"] = f"สพร. <{sender}>"
    mail["To"] = "saraban@police.go.th"
    mail["Subject"] = subject
    mail["Message-ID"] = f"<{uuid.uuid4().hex}@dga.or.th>"
    mail["Date"] = "Fri, 04 Dec 2026 10:00:00 +0700"
    mail.set_content("เรียน ผู้บัญชาการตำรวจแห่งชาติ หนังสือตามแนบ")
    for name, pdf in pdfs:
        mail.add_attachment(pdf, maintype="application", subtype="pdf", filename=name)
    return mail.as_bytes()


@pytest.fixture()
def central(app, db_session):
    from saraban.exchange.receiving import central_register

    register = central_register()
    tag = uuid.uuid4().hex[:6]
    return {"register": register,
            "clerk": make_user(db_session, f"cc-{tag}", units=[register.unit], role="clerk")}


def test_a_mails_enclosures_are_kept_with_the_registered_letter(app, central, db_session):
    from saraban.documents.models import DocumentFile
    from saraban.intake import operations as ops
    from saraban.mail.receiving import take

    letter, enclosure = (render(item) for item in letters(2, seed=41))
    arrival, new = take("test-enclosures", 1, 1, _mail([("letter.pdf", letter),
                                                        ("annex.pdf", enclosure)]))
    assert new and len(arrival.enclosures) == 1
    draft = ops.accept_arrival(central["clerk"], arrival.id)
    receipt = ops.register_intake(central["clerk"], draft.id, central["register"].id, {
        "number": "สพร ๒๕๖๕/ว๗๗๗๑", "date": "2022-04-02", "sender": "สพร.",
        "subject": "ขอแจ้งผลการสำรวจ"})
    files = db_session.query(DocumentFile).filter_by(document_id=receipt.document_id).all()
    assert [(f.filename, f.role) for f in files] == [("annex.pdf", "original")]
    assert files[0].file_id == arrival.enclosures[0]["file_id"]
    client = log_in(_client(app), central["clerk"].username)
    got = client.get(f"/documents/{receipt.document_id}/files/{files[0].id}")
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    from saraban.intake.textlayer import text_of

    assert text_of(got.data)[0] == text_of(enclosure)[0]  # the second PDF, as sent
    page = client.get(f"/documents/{receipt.document_id}").get_data(as_text=True)
    assert "annex.pdf" in page


def test_the_clerk_picks_which_pdf_is_the_letter(app, central, db_session):
    """A mail whose first PDF is the enclosure: the clerk picks the second on the arrivals
    page; it is read and registered as the letter, the first kept as the enclosure."""
    from saraban.documents.models import DocumentFile
    from saraban.intake import operations as ops
    from saraban.mail.receiving import take
    from saraban.validation import OperationError

    enclosure, letter = (render(item) for item in letters(2, seed=43))
    arrival, _ = take("test-pick", 1, 1, _mail([("annex.pdf", enclosure),
                                               ("letter.pdf", letter)]))
    db_session.commit()
    client = log_in(_client(app), central["clerk"].username)
    page = client.get("/mail/arrivals").get_data(as_text=True)
    assert 'name="main_file_id"' in page and "letter.pdf" in page
    with pytest.raises(OperationError) as refused:  # a file the mail does not carry
        ops.accept_arrival(central["clerk"], arrival.id, arrival.raw_file_id)
    assert refused.value.field == "main_file_id"
    db_session.rollback()
    picked = arrival.enclosures[0]["file_id"]
    sent = client.post(f"/mail/arrivals/{arrival.id}/intake", data={
        "csrf_token": csrf_token_from(client.get("/mail/arrivals").get_data(as_text=True)),
        "main_file_id": str(picked)})
    assert sent.status_code == 302 and "/intake/" in sent.headers["Location"], client.get(
        "/mail/arrivals").get_data(as_text=True)[-3000:]
    db_session.expire_all()
    draft = db_session.query(ops.IntakeDraft).filter_by(mail_arrival_id=arrival.id).one()
    assert (draft.file_id, draft.filename) == (picked, "letter.pdf")
    receipt = ops.register_intake(central["clerk"], draft.id, central["register"].id, {
        "number": "สพร ๒๕๖๕/ว๗๗๗๒", "date": "2022-04-02", "sender": "สพร.",
        "subject": "ขอแจ้งผลการสำรวจ"})
    files = db_session.query(DocumentFile).filter_by(document_id=receipt.document_id).all()
    assert [f.filename for f in files] == ["annex.pdf"]


# the same letter again --------------------------------------------------------------------
def _values(draft) -> dict:
    return {name: (draft.fields.get(name) or {}).get("value") or ""
            for name in ("number", "date", "subject", "addressee", "sender")}


def test_the_same_pdf_again_is_flagged_and_needs_the_clerks_confirmation(app, central,
                                                                         db_session):
    from saraban.intake import operations as ops
    from saraban.intake.models import IntakeDraft
    from saraban.mail.receiving import take
    from saraban.validation import OperationError

    clerk = central["clerk"]
    pdf = render(letters(1, seed=7)[0])
    arrival, _ = take("test-duplicates", 1, 1, _mail([("letter.pdf", pdf)]))
    first = ops.accept_arrival(clerk, arrival.id)
    _read_all()
    first = db.session.get(IntakeDraft, first.id)
    assert first.duplicate_of_id is None
    receipt = ops.register_intake(clerk, first.id, central["register"].id, _values(first))
    ops.keep_scan(clerk, first.id)  # the document now holds the PDF (its scan)
    # the same PDF, brought on paper's way (uploaded) with its number changed by hand
    batch = ops.accept_scans(clerk, [("again.pdf", pdf)])
    _read_all()
    again = db.session.get(IntakeDraft, batch.drafts[0].id)
    assert again.status == "ready" and again.duplicate_of_id == receipt.document_id
    client = log_in(_client(app), clerk.username)
    page = client.get(f"/intake/{again.id}").get_data(as_text=True)
    assert "อาจซ้ำกับหนังสือ" in page and f'href="/documents/{receipt.document_id}"' in page
    assert 'name="confirm_duplicate"' in page
    assert "อาจซ้ำกับหนังสือที่ลงรับแล้ว" in client.get("/intake").get_data(as_text=True)
    typed = dict(_values(again), number="สพร ๒๕๖๕/ว๑")  # not the number: still the file
    with pytest.raises(OperationError) as refused:
        ops.register_intake(clerk, again.id, central["register"].id, typed)
    assert refused.value.status == 409 and refused.value.field == "confirm_duplicate"
    assert refused.value.details["duplicate_of"]["document_id"] == receipt.document_id
    db_session.rollback()
    second = ops.register_intake(clerk, again.id, central["register"].id, typed,
                                 confirm_duplicate=True)
    assert second.number == receipt.number + 1 and second.document_id != receipt.document_id


def test_the_same_sender_number_and_date_is_flagged_with_no_link_to_a_hidden_document(
        app, central, db_session):
    from saraban.documents.models import DocumentFile
    from saraban.intake import operations as ops
    from saraban.intake.models import IntakeDraft
    from saraban.mail.receiving import take
    from saraban.registers.operations import receive_document
    from tests.conftest import make_document

    clerk = central["clerk"]
    letter = letters(1, seed=11)[0]
    truth = letter["truth"]
    earlier = receive_document(clerk, central["register"].id, {
        "number": truth["number"], "date": truth["date"], "sender": truth["sender"],
        "subject": truth["subject"]}, f"by-hand-{uuid.uuid4().hex}")
    pdf = render(letter)
    arrival, _ = take("test-duplicates-b", 1, 1, _mail([("letter.pdf", pdf)]))
    draft = ops.accept_arrival(clerk, arrival.id)
    _read_all()
    draft = db.session.get(IntakeDraft, draft.id)
    assert draft.duplicate_of_id == earlier.document_id  # receive_document's own check
    # another unit's document holding the same PDF: flagged too, never named to this clerk
    elsewhere = make_document(db_session, subject="หนังสือของหน่วยอื่น",
                              origin_unit_id=make_unit(db_session).id)
    db_session.add(DocumentFile(document_id=elsewhere.id, file_id=draft.file_id,
                                role="original", filename="letter.pdf"))
    db_session.flush()
    other = ops.accept_scans(clerk, [("copy.pdf", pdf)])
    _read_all()
    copy = db.session.get(IntakeDraft, other.drafts[0].id)
    assert copy.duplicate_of_id == elsewhere.id
    client = log_in(_client(app), clerk.username)
    page = client.get(f"/intake/{copy.id}").get_data(as_text=True)
    assert "อาจซ้ำกับหนังสือที่ลงรับแล้ว" in page
    assert f"/documents/{elsewhere.id}" not in page and "หนังสือของหน่วยอื่น" not in page
    answer = client.post(f"/intake/{copy.id}/register", data={
        "csrf_token": _csrf(page), "register_id": central["register"].id, **_values(copy)})
    assert answer.status_code == 302
    assert db.session.get(IntakeDraft, copy.id).status == "ready"  # not registered


def _csrf(html: str) -> str:
    from tests.conftest import csrf_token_from

    return csrf_token_from(html)


# registered by the reader itself ----------------------------------------------------------
@pytest.fixture
def imap(tmp_path):
    from tests.mailservers import running_dovecot

    with running_dovecot(tmp_path) as server:
        yield server


def test_a_mailed_letter_is_registered_by_the_reader_and_its_twin_is_not(
        app, central, db_session, imap, monkeypatch, no_tesseract):
    from saraban.intake.models import IntakeDraft
    from saraban.mail import receiving
    from saraban.mail.imap import parse_url
    from saraban.mail.models import MailArrival
    from saraban.mail.outbox_models import OutgoingMail
    from saraban.registers.models import Receipt
    from saraban.registers.operations import receive_document

    clerk = central["clerk"]
    monkeypatch.setitem(app.config, "MAIL_AUTO_REGISTER", clerk.username)
    before = receive_document(clerk, central["register"].id, {
        "number": "กค ๐๔๐๒/๑", "date": "2026-12-01", "sender": "กรมบัญชีกลาง",
        "subject": "หนังสือก่อนหน้า"}, f"before-{uuid.uuid4().hex}")
    letter = letters(1, seed=19)[0]
    pdf = render(letter)
    imap.deliver(_mail([("letter.pdf", pdf)], subject=letter["truth"]["subject"]))
    report = receiving.fetch_once(parse_url(imap.url), done_folder="Saraban/Done")
    assert report.ok and report.stored == 1
    arrival_id = report.arrival_ids[0]
    assert _read_all() == (1, 0)  # one pass of the reader: accepted, read, registered
    db_session.expire_all()
    arrival = db.session.get(MailArrival, arrival_id)
    assert arrival.status == "registered"
    receipt = db_session.query(Receipt).filter_by(document_id=arrival.document_id).one()
    assert receipt.register_id == central["register"].id
    assert (receipt.year, receipt.number) == (before.year, before.number + 1)
    assert receipt.document.subject == letter["truth"]["subject"]
    assert receipt.document.number == letter["truth"]["number"]
    assert receipt.received_by_id == clerk.id
    sent = db_session.query(OutgoingMail).filter_by(in_reply_to=arrival.message_id).one()
    assert sent.kind == "receipt_confirmation" and sent.status == "queued"
    assert sent.to_address == "saraban@dga.or.th"
    draft = db_session.query(IntakeDraft).filter_by(mail_arrival_id=arrival_id).one()
    assert draft.source == "text" and draft.status == "registered"
    # the same PDF in another mail: read, flagged, left for a clerk
    imap.deliver(_mail([("letter-again.pdf", pdf)], subject="ส่งซ้ำ"))
    report = receiving.fetch_once(parse_url(imap.url), done_folder="Saraban/Done")
    assert report.stored == 1
    assert _read_all() == (1, 0)
    db_session.expire_all()
    twin = db_session.query(IntakeDraft).filter_by(mail_arrival_id=report.arrival_ids[0]).one()
    assert twin.status == "ready" and twin.duplicate_of_id == arrival.document_id
    assert db.session.get(MailArrival, report.arrival_ids[0]).status == "waiting"
    assert db_session.query(Receipt).filter_by(register_id=central["register"].id,
                                               year=receipt.year).filter(
        Receipt.number > receipt.number).count() == 0


def test_an_auto_register_user_who_keeps_no_central_register_does_nothing(
        app, central, db_session, monkeypatch, caplog):
    from saraban.intake.models import IntakeDraft
    from saraban.mail.models import MailArrival
    from saraban.mail.receiving import take

    outsider = make_user(db_session, f"x-{uuid.uuid4().hex[:6]}")
    monkeypatch.setitem(app.config, "MAIL_AUTO_REGISTER", outsider.username)
    arrival, _ = take("test-auto-refused", 1, 1, _mail([("letter.pdf", b"%PDF-1.4 not read")]))
    with caplog.at_level("ERROR"):
        _read_all()
    assert "SARABAN_MAIL_AUTO_REGISTER" in caplog.text and outsider.username in caplog.text
    assert db.session.get(MailArrival, arrival.id).status == "waiting"
    assert not db_session.query(IntakeDraft).filter_by(mail_arrival_id=arrival.id).count()
