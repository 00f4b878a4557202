"""The record never lies: what a register line shows stays as it was registered, outgoing
numbers only for the unit's own documents, paper registers continued at their number, the
same letter twice recognised, and "ที่" never doubled."""

from __future__ import annotations

import io
import itertools

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from saraban.registers.models import Dispatch, Receipt, Register, RegisterCounter
from saraban.units.models import Unit
from tests.conftest import csrf_token_from
from tests.factories import make_register

YEAR = 2026  # the tests' clock: 2026, พ.ศ. ๒๕๖๙


@pytest.fixture()
def h(bearer):
    return bearer("demo-clerk")


def _register_id(db_session, kind, code="main", unit="สทส."):
    return db_session.scalar(select(Register.id).join(Unit).where(
        Unit.short_name == unit, Register.kind == kind, Register.code == code))


@pytest.fixture()
def fresh_register(db_session):
    return make_register(db_session, "truth")


_SERIAL = itertools.count(100)
SAME = "กค ๐๔๐๘/ว๑๒"  # the number of the letter that comes twice


def _letter(client, h, **extra):
    """A letter from กรมบัญชีกลาง, each with its own number unless one is given."""
    body = {"number": f"กค ๐๔๐๘/ว{next(_SERIAL)}", "date": "2026-11-20",
            "subject": "ขอเชิญประชุม", "sender": "กรมบัญชีกลาง", **extra}
    response = client.post("/api/v1/documents", json=body, headers=h)
    assert response.status_code == 201, response.json
    return response.json["id"]


def _receive(client, h, register, doc, **extra):
    return client.post(f"/api/v1/registers/{register}/receipts", headers=h,
                       json={"document_id": doc, **extra})


def _draft(client, h, subject="แจ้งผลการสำรวจ"):
    response = client.post("/api/v1/documents", headers=h, json={
        "date": "2026-11-24", "subject": subject, "sender": "สทส.", "kind": "internal",
        "addressee": "ผบช.สงป.", "body": "เนื้อความเดิม"})
    assert response.status_code == 201
    return response.json["id"]


def _line(client, h, register, number):
    items = client.get(f"/api/v1/registers/{register}/entries?year={YEAR}&per_page=500",
                       headers=h).json["items"]
    return next(i for i in items if i["number"] == number)


# -- an outgoing number only for the unit's own document -----------------------------------

def test_a_received_letter_gets_no_outgoing_number(client, h, db_session, fresh_register):
    doc = _letter(client, h, number=SAME)
    receipt = _receive(client, h, fresh_register, doc)
    assert receipt.status_code == 201
    response = client.post(f"/api/v1/documents/{doc}/dispatch", headers=h,
                           json={"register_id": _register_id(db_session, "dispatch")})
    assert response.status_code == 409, response.json
    assert "หนังสือที่รับเข้ามา" in response.json["error"]["message_th"]
    shown = client.get(f"/api/v1/documents/{doc}", headers=h).json
    assert (shown["number"], shown["date"], shown["origin_unit"]) == (
        "กค ๐๔๐๘/ว๑๒", "2026-11-20", None)
    assert db_session.scalar(select(Dispatch).where(Dispatch.document_id == doc)) is None
    line = _line(client, h, fresh_register, receipt.json["number"])
    assert line["line"]["doc_number"] == "กค ๐๔๐๘/ว๑๒"


def test_a_letter_with_its_own_number_is_not_numbered_again(client, h, db_session):
    doc = _letter(client, h, number=SAME)  # entered, not yet registered: still not ours
    response = client.post(f"/api/v1/documents/{doc}/dispatch", headers=h,
                           json={"register_id": _register_id(db_session, "dispatch")})
    assert response.status_code == 409
    assert "กค ๐๔๐๘/ว๑๒" in response.json["error"]["message_th"]


def test_the_page_does_not_offer_an_outgoing_number_for_a_received_letter(
        login, client, h, db_session, fresh_register):
    doc = _letter(client, h)
    assert _receive(client, h, fresh_register, doc).status_code == 201
    pages = login("demo-clerk")
    page = pages.get(f"/documents/{doc}").get_data(as_text=True)
    assert "ออกเลขหนังสือส่ง" not in page
    own = pages.get(f"/documents/{_draft(client, h)}").get_data(as_text=True)
    assert "ออกเลขหนังสือส่ง" in own


@pytest.mark.parametrize(("origin", "received_by", "allowed"), [
    # its own, or drafted by a sub-unit, reviewed up the line by a commander's office
    ("สทส.", "ตร.", True), ("ฝอ.๒ บก.อก.สทส.", "ตร.", True),
    ("ฝอ.สงป.", "สทส.", False)])  # another unit's document, received here
def test_an_outgoing_number_for_the_units_own_documents(client, h, db_session, origin,
                                                        received_by, allowed):
    import datetime as dt

    from tests.conftest import make_document

    unit = db_session.scalar(select(Unit).where(Unit.short_name == origin))
    doc = make_document(db_session, subject="ขอส่งรายงาน", origin_unit_id=unit.id,
                        doc_date=dt.date(2026, 11, 20))
    office = db_session.scalar(select(Register).join(Unit).where(
        Register.kind == "receipt", Unit.short_name == received_by))
    db_session.add(Receipt(register=office, document=doc, year=2026, number=77_777,
                           received_at=dt.datetime(2026, 11, 21, tzinfo=dt.UTC)))
    db_session.commit()
    response = client.post(f"/api/v1/documents/{doc.id}/dispatch", headers=h,
                           json={"register_id": _register_id(db_session, "dispatch")})
    assert response.status_code == (201 if allowed else 409), response.json


# -- a register line keeps what it showed --------------------------------------------------

def test_a_receipt_line_keeps_what_was_received_after_an_edit(client, h, fresh_register):
    doc = _letter(client, h, number=SAME, addressee="ผบช.สทส.")
    number = _receive(client, h, fresh_register, doc).json["number"]
    before = _line(client, h, fresh_register, number)["line"]
    edited = client.patch(f"/api/v1/documents/{doc}", headers=h, json={
        "number": "กค ๐๔๐๘/ว๙๙", "date": "2026-11-01", "subject": "เรื่องอื่น",
        "sender": "กรมอื่น", "addressee": "คนอื่น", "remarks": "หมายเหตุใหม่"})
    assert edited.status_code == 200, edited.json
    assert edited.json["subject"] == "เรื่องอื่น"  # the document is corrected
    after = _line(client, h, fresh_register, number)["line"]
    assert after == before  # the register line is not
    assert (after["doc_number"], after["subject"], after["sender"], after["addressee"]) == (
        "กค ๐๔๐๘/ว๑๒", "ขอเชิญประชุม", "กรมบัญชีกลาง", "ผบช.สทส.")


@pytest.mark.parametrize("change", [{"body": "เนื้อความใหม่"}, {"addressee": "ผบช.ภ.๑"},
                                    {"urgency": "most_urgent"}, {"sender": "กรมอื่น"}])
def test_a_dispatched_documents_content_is_locked(client, h, db_session, change):
    doc = _draft(client, h)
    main = _register_id(db_session, "dispatch")
    number = client.post(f"/api/v1/documents/{doc}/dispatch", headers=h,
                         json={"register_id": main})
    assert number.status_code == 201
    response = client.patch(f"/api/v1/documents/{doc}", headers=h, json=change)
    assert response.status_code == 409, response.json
    assert "ทำหนังสือแก้ไข" in response.json["error"]["message_th"]
    shown = client.get(f"/api/v1/documents/{doc}", headers=h).json
    assert (shown["body"], shown["addressee"], shown["urgency"], shown["sender"]) == (
        "เนื้อความเดิม", "ผบช.สงป.", "normal", "สทส.")
    # remarks stay a note in the margin, editable
    assert client.patch(f"/api/v1/documents/{doc}", headers=h,
                        json={"remarks": "ส่งทางไปรษณีย์"}).status_code == 200


# -- a paper register continued at its number ----------------------------------------------

def _open(client, register, year, number, user_headers):
    return client.post(f"/api/v1/registers/{register}/openings", headers=user_headers,
                       json={"year": year, "last_number": number})


def test_an_administrator_opens_a_year_at_the_paper_books_number(
        client, h, bearer, fresh_register, db_session):
    admin = bearer("demo-admin")
    assert _open(client, fresh_register, "๒๕๖๙", "๘๑๒๓", h).status_code == 403  # a clerk
    opened = _open(client, fresh_register, "๒๕๖๙", "๘๑๒๓", admin)
    assert opened.status_code == 201, opened.json
    assert (opened.json["year"], opened.json["last_number"]) == (2026, 8123)
    live = _receive(client, h, fresh_register, _letter(client, h))
    assert live.json["number"] == 8124
    # once live numbering ran, the year cannot be opened again
    again = _open(client, fresh_register, 2026, 9000, admin)
    assert again.status_code == 409 and "ออกเลขรับ" in again.json["error"]["message_th"]
    from saraban.audit.models import AuditEvent

    assert db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "register.open_year")) is not None


def test_a_historic_number_above_the_paper_books_is_refused(
        client, h, bearer, fresh_register, db_session):
    assert _open(client, fresh_register, 2569, 900, bearer("demo-admin")).status_code == 201
    typo = _receive(client, h, fresh_register, _letter(client, h), number="๙๐๐๐๐",
                    date="๒๑ พ.ย. ๖๙")
    assert typo.status_code == 409, typo.json
    assert "๙๐๐๐๐" in typo.json["error"]["message_th"]
    assert "๙๐๐" in typo.json["error"]["message_th"].replace("๙๐๐๐๐", "")
    assert db_session.scalar(select(Receipt).where(
        Receipt.register_id == fresh_register)) is None
    paper = _receive(client, h, fresh_register, _letter(client, h), number="๙๐๐",
                     date="๒๑ พ.ย. ๖๙")
    assert paper.status_code == 201, paper.json
    cancel = client.post(f"/api/v1/receipts/{paper.json['id']}/cancel", headers=h,
                         json={"reason": "ลงผิด"})
    assert cancel.status_code == 200
    live = _receive(client, h, fresh_register, _letter(client, h))
    assert live.json["number"] == 901
    counter = db_session.get(RegisterCounter, (fresh_register, 2026), populate_existing=True)
    assert counter.last_number == 901


def test_a_historic_entry_never_pushes_live_numbering(client, h, fresh_register):
    first = _receive(client, h, fresh_register, _letter(client, h))
    assert first.json["number"] == 1
    # this year was not opened at a paper number: no paper number can be entered into it
    typo = _receive(client, h, fresh_register, _letter(client, h), number="๙๐๐๐๐",
                    date="๒๑ พ.ย. ๖๙")
    assert typo.status_code == 409 and "เปิดทะเบียน" in typo.json["error"]["message_th"]
    assert _receive(client, h, fresh_register, _letter(client, h)).json["number"] == 2
    # a past year's paper stamps go in as written and move no counter
    old = _receive(client, h, fresh_register, _letter(client, h), number="๕๐๖๓",
                   date="๒๕ พ.ย. ๖๒")
    assert old.status_code == 201 and old.json["year"] == 2019


def test_opening_refuses_a_number_below_its_historic_entries(
        client, h, bearer, fresh_register):
    admin = bearer("demo-admin")
    assert _open(client, fresh_register, 2026, 500, admin).status_code == 201
    assert _receive(client, h, fresh_register, _letter(client, h), number=480,
                    date="2026-11-02").status_code == 201
    lower = _open(client, fresh_register, 2026, 400, admin)
    assert lower.status_code == 409 and "๔๘๐" in lower.json["error"]["message_th"]
    assert _open(client, fresh_register, 2026, 600, admin).status_code == 201
    bad = _open(client, fresh_register, 2026, "abc", admin)
    assert bad.status_code == 400 and bad.json["error"]["field"] == "last_number"


def test_the_admin_page_opens_a_year(login, db_session, fresh_register):
    client = login("demo-admin")
    unit = db_session.get(Register, fresh_register).unit_id
    page = client.get(f"/admin/units/{unit}").get_data(as_text=True)
    assert "เปิดทะเบียนต่อจากเลข" in page
    done = client.post("/admin/registers/openings", data={
        "csrf_token": csrf_token_from(page), "register_id": str(fresh_register),
        "year": "๒๕๖๙", "last_number": "๘๑๒๓"},
        follow_redirects=True)
    assert "เปิดทะเบียนปี พ.ศ. ๒๕๖๙ ต่อจากเลข ๘๑๒๓ แล้ว" in done.get_data(as_text=True)
    counter = db_session.get(RegisterCounter, (fresh_register, 2026), populate_existing=True)
    assert (counter.last_number, counter.paper_last_number) == (8123, 8123)


def test_the_cli_opens_a_year(app, db_session, fresh_register):
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["open-register", str(fresh_register), "2569", "812",
                                  "--as", "demo-clerk"])
    assert refused.exit_code != 0 and "ผู้ดูแลระบบ" in refused.output
    result = runner.invoke(args=["open-register", str(fresh_register), "2569", "812",
                                 "--as", "demo-admin"])
    assert result.exit_code == 0, result.output
    assert "ต่อจากเลข ๘๑๒" in result.output
    counter = db_session.get(RegisterCounter, (fresh_register, 2026), populate_existing=True)
    assert (counter.last_number, counter.paper_last_number) == (812, 812)


# -- the same letter twice -----------------------------------------------------------------

def test_the_same_letter_twice_warns_before_a_number_is_taken(client, h, fresh_register):
    first = _receive(client, h, fresh_register, _letter(client, h, number=SAME))
    assert first.status_code == 201
    # the same letter again (typed differently: Arabic digits, spaces, with its ที่)
    again = _letter(client, h, number="ที่ กค 0408 / ว12", subject="ขอเชิญประชุม (ทางอีเมล)")
    warned = _receive(client, h, fresh_register, again)
    assert warned.status_code == 409, warned.json
    earlier = warned.json["error"]["duplicate_of"]
    assert earlier["number"] == first.json["number"] and earlier["receipt_id"] == first.json["id"]
    assert "ลงรับไว้แล้ว" in warned.json["error"]["message_th"]
    took = _receive(client, h, fresh_register, again, confirm_duplicate=True)
    assert took.status_code == 201
    assert took.json["number"] == first.json["number"] + 1  # the warning took no number


def test_a_paper_stamp_of_the_same_letter_warns_too(client, h, bearer, fresh_register):
    assert _open(client, fresh_register, 2569, 300, bearer("demo-admin")).status_code == 201
    first = _receive(client, h, fresh_register, _letter(client, h, number=SAME))
    again = _letter(client, h, number=SAME)
    warned = _receive(client, h, fresh_register, again, number=12, date="๒๑ พ.ย. ๖๙")
    assert warned.status_code == 409
    assert warned.json["error"]["duplicate_of"]["number"] == first.json["number"]
    took = _receive(client, h, fresh_register, again, number=12, date="๒๑ พ.ย. ๖๙",
                    confirm_duplicate=True)
    assert took.status_code == 201 and took.json["number"] == 12


def test_a_different_letter_of_the_same_sender_is_not_a_duplicate(client, h, fresh_register):
    assert _receive(client, h, fresh_register, _letter(client, h, number=SAME)).status_code == 201
    other = _letter(client, h, number="กค ๐๔๐๘/ว๑๓")
    assert _receive(client, h, fresh_register, other).status_code == 201
    other_day = _letter(client, h, number=SAME, date="2026-11-21")
    assert _receive(client, h, fresh_register, other_day).status_code == 201


def test_the_duplicate_warning_keeps_a_secret_subject_secret(
        client, bearer, db_session, fresh_register):
    from saraban.accounts.models import User

    secret_clerk = db_session.scalar(select(User).where(User.username == "demo-clerk"))
    secret_clerk.clearance = 3
    db_session.commit()
    h = bearer("demo-clerk")
    secret = _letter(client, h, number=SAME, subject="แผนลับเฉพาะ", secrecy="secret")
    secret_register = Register(unit_id=db_session.get(Register, fresh_register).unit_id,
                               kind="receipt", code="truth-secret", name="ทะเบียนลับ",
                               is_secret=True)
    db_session.add(secret_register)
    db_session.commit()
    assert _receive(client, h, secret_register.id, secret).status_code == 201
    secret_clerk.clearance = 0
    db_session.commit()
    h = bearer("demo-clerk")
    again = _letter(client, h, number=SAME, subject="หนังสือทั่วไป")
    warned = _receive(client, h, fresh_register, again)
    assert warned.status_code == 409
    assert "แผนลับเฉพาะ" not in warned.get_data(as_text=True)
    assert warned.json["error"]["duplicate_of"].get("subject") is None


def test_the_receive_page_warns_of_the_same_letter_and_keeps_the_form(
        login, db_session, fresh_register):
    client = login("demo-clerk")
    page = client.get(f"/receive?register={fresh_register}").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "register_id": str(fresh_register),
            "number": "กค ๐๔๐๘/ว๑๒", "date": "๒๐ พ.ย. ๖๙", "sender": "กรมบัญชีกลาง",
            "subject": "ขอเชิญประชุม", "urgency": "0", "secrecy": "0", "form_key": "a" * 32}
    first = client.post("/receive", data=data)
    assert first.status_code == 302
    second = client.post("/receive", data={**data, "form_key": "b" * 32,
                                           "subject": "ขอเชิญประชุม ฉบับอีเมล"})
    html = second.get_data(as_text=True)
    assert second.status_code == 200
    assert "ลงรับไว้แล้ว" in html and "เลขรับ ๑" in html
    assert 'name="confirm_duplicate"' in html
    assert "ขอเชิญประชุม ฉบับอีเมล" in html  # what was typed stays
    assert len(db_session.scalars(select(Receipt).where(
        Receipt.register_id == fresh_register)).all()) == 1
    confirmed = client.post("/receive", data={**data, "form_key": "b" * 32,
                                              "subject": "ขอเชิญประชุม ฉบับอีเมล",
                                              "confirm_duplicate": "1"})
    assert confirmed.status_code == 302
    numbers = db_session.scalars(select(Receipt.number).where(
        Receipt.register_id == fresh_register).order_by(Receipt.number)).all()
    assert numbers == [1, 2]


# -- "ที่" never doubled --------------------------------------------------------------------

def test_a_number_typed_with_its_thi_is_stored_without_it(client, h):
    doc = client.post("/api/v1/documents", headers=h, json={
        "number": "ที่ กค ๐๔๐๘/ว๑๒", "date": "๒๐ พ.ย. ๒๕๖๙", "subject": "ขอเชิญประชุม",
        "sender": "กรมบัญชีกลาง"})
    assert doc.status_code == 201 and doc.json["number"] == "กค ๐๔๐๘/ว๑๒"
    edited = client.patch(f"/api/v1/documents/{doc.json['id']}", headers=h,
                          json={"number": "ที่กค ๐๔๐๘/ว๑๓"})
    assert edited.json["number"] == "กค ๐๔๐๘/ว๑๓"
    nothing = client.post("/api/v1/documents", headers=h, json={
        "number": "ที่", "date": "๒๐ พ.ย. ๒๕๖๙", "subject": "ก", "sender": "ข"})
    assert nothing.status_code == 201 and nothing.json["number"] is None


def test_the_readme_example_has_no_thi():
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert '"number": "ที่' not in readme


# -- the printed register -----------------------------------------------------------------

def test_the_printed_register_has_each_lines_date_and_time(client, h, fresh_register):
    entered = _receive(client, h, fresh_register, _letter(client, h), number="๕๐๖๓",
                       date="๒๕ พ.ย. ๖๒", time="๑๑.๒๕ น.")
    assert entered.status_code == 201, entered.json
    pdf = client.get(f"/api/v1/registers/{fresh_register}/print.pdf?year=2019", headers=h)
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    compact = text.replace(" ", "").replace("\n", "")
    assert "๒๕พ.ย.๒๕๖๒๑๑.๒๕น." in compact, text  # when it was received, on its line
    assert "วันเวลา" in compact  # the column's heading (its ่ extracts as a private glyph)


@pytest.mark.parametrize("number", ["มท ๐๒๐๘.๒/ว๗๗๗", "ตช ๐๐๓๓.๑๒/ว๑๒๓๔๕",
                                    "๐๐๓๓.๑๒/๕๐๕๒", "ศธ ๐๒๐๖.๔/ว๑๒๓๔"])
def test_a_document_number_is_never_broken_inside(number):
    from saraban.pdf import register_fonts
    from saraban.pdf.register import COLUMNS, RegisterRow, _table

    register_fonts()
    row = RegisterRow(number=number, doc_number=number, doc_date="๒๐ พ.ย. ๒๕๖๙",
                      sender="กรมบัญชีกลาง", addressee="ผบ.ตร.", subject="ขอเชิญประชุม",
                      action="", remarks="", when="๒๐ พ.ย. ๒๕๖๙ ๑๓.๒๐ น.")
    table = _table([row], 770, 0)
    cells = table._cellvalues[1]
    for column in ("เลขทะเบียน", "ที่"):
        lines = cells[COLUMNS.index(column)].text.split("<br/>")
        for piece in number.split(" "):
            assert any(piece in line for line in lines), (column, lines)
