"""The registers as pages, printable PDFs and CSV: periods, paging, masking, cost in queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools

import pytest
from sqlalchemy import select

from saraban.db import utcnow
from saraban.registers.models import Receipt, Register
from saraban.thaidate import local
from saraban.units.models import Unit
from tests.conftest import make_document
from tests.factories import make_receipt, make_register, make_transfer
from tests.querycount import count_queries


def _register(db_session, unit="สทส.", kind="receipt", code="main") -> Register:
    return db_session.scalar(
        select(Register).join(Register.unit)
        .where(Unit.short_name == unit, Register.kind == kind, Register.code == code))


def test_the_clerk_sees_his_registers_and_staff_do_not(login, db_session):
    client = login("demo-clerk")
    page = client.get("/registers").get_data(as_text=True)
    assert "ทะเบียนหนังสือรับ" in page and "ทะเบียนหนังสือส่ง" in page
    assert "ฝอ.สงป." not in page  # another command's registers


def test_staff_keep_no_register(login):
    assert login("demo-staff").get("/registers").status_code == 403


def test_a_historic_register_year_shows_the_seed_stamp(login, db_session):
    client = login("demo-clerk")
    register = _register(db_session)
    page = client.get(f"/registers/{register.id}?year=2562&month=11").get_data(as_text=True)
    assert "เดือนพฤศจิกายน พ.ศ. ๒๕๖๒" in page
    assert "๔๓๒๓" in page and "ลงจากตราเดิม" in page
    assert "ขอแจ้งผลการสำรวจระดับความพร้อมการพัฒนารัฐบาลดิจิทัล" in page  # the DGA letter, ๔๓๒๓
    # the next month has nothing; a year as CE works the same as BE
    assert "ไม่มีรายการในช่วงนี้" in client.get(
        f"/registers/{register.id}?year=2562&month=12").get_data(as_text=True)
    assert "๔๓๒๓" in client.get(f"/registers/{register.id}?year=2019").get_data(as_text=True)


@pytest.mark.parametrize("query", ["year=abc", "year=2562&month=13", "year=2562&month=2&day=30",
                                   "year=99999"])
def test_an_impossible_period_is_refused(login, db_session, query):
    register = _register(db_session)
    response = login("demo-clerk").get(f"/registers/{register.id}?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # the Thai error page saying why, not a register page with a 400 status
    assert "ช่วงเวลาไม่ถูกต้อง" in page and "ไม่มีรายการในช่วงนี้" not in page


def test_a_register_of_another_unit_is_not_found(login, db_session):
    register = _register(db_session, unit="ฝอ.สงป.")
    client = login("demo-clerk")
    assert client.get(f"/registers/{register.id}").status_code == 404
    assert client.get(f"/registers/{register.id}/export.csv?year=2562").status_code == 404
    assert client.get(f"/registers/{register.id}/print.pdf?year=2562").status_code == 404


_SERIAL = itertools.count(1)


def _receive(client, bearer, register_id, subject, **extra):
    doc = client.post("/api/v1/documents", headers=bearer, json={
        "number": f"กข {next(_SERIAL)}/๒๕๖๙", "date": "2026-11-20", "subject": subject,
        "sender": "กรมตัวอย่าง", **extra}).json["id"]
    response = client.post(f"/api/v1/registers/{register_id}/receipts", headers=bearer,
                           json={"document_id": doc})
    assert response.status_code == 201, response.json
    return response.json


def test_csv_export_opens_in_excel_and_keeps_cancelled_lines(client, login, bearer, db_session):
    unit = db_session.scalar(select(Unit).where(Unit.short_name == "สทส."))
    register = Register(unit=unit, kind="receipt", code="csv", name="ทะเบียนทดสอบ")
    db_session.add(register)
    db_session.commit()
    headers = bearer("demo-clerk")
    first = _receive(client, headers, register.id, "=HYPERLINK(\"http://x\")")
    _receive(client, headers, register.id, "ขอเชิญประชุม, ครั้งที่ ๒")
    client.post(f"/api/v1/receipts/{first['id']}/cancel", headers=headers,
                json={"reason": "ลงรับผิดเรื่อง"})
    year = first["year"]
    web = login("demo-clerk")
    data = web.get(f"/registers/{register.id}/export.csv?year={year}").data
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][1:9] == ["เลขทะเบียน", "ที่", "ลงวันที่", "จาก", "ถึง", "เรื่อง",
                            "การปฏิบัติ", "หมายเหตุ"]
    assert [r[1] for r in rows[1:]] == ["๑", "๒"]
    assert rows[1][6].startswith("'=")  # a formula is not run by the spreadsheet
    assert rows[1][8].startswith("ยกเลิก: ลงรับผิดเรื่อง") and rows[1][-1] == "ยกเลิก"
    assert rows[2][6] == "ขอเชิญประชุม, ครั้งที่ ๒" and rows[2][0] == str(year + 543)


def test_a_line_above_the_readers_clearance_keeps_its_number_but_not_its_content(
        client, login, bearer, db_session):
    from saraban.registers.models import Receipt

    register = _register(db_session, unit="ฝอ.๒ บก.อก.สทส.")  # keeps no secret register
    headers = bearer("demo-admin")  # clearance 3: may register a secret document
    got = _receive(client, headers, register.id, "แผนลับเฉพาะ", secrecy=2)
    page = login("demo-clerk").get(
        f"/registers/{register.id}?year={got['year']}").get_data(as_text=True)
    assert "แผนลับเฉพาะ" not in page
    assert "ไม่แสดงเรื่อง" in page and got["number_th"] in page
    assert db_session.get(Receipt, got["id"]) is not None


def test_the_register_page_costs_the_same_queries_for_few_and_many_lines(login, db_session):
    unit = db_session.scalar(select(Unit.id).where(Unit.short_name == "สทส."))
    register = make_register(db_session, "n1", "ทะเบียนนับคำสั่ง")
    web = login("demo-clerk")
    year = local(utcnow()).year

    def count():
        with count_queries(db_session) as queries:
            assert web.get(f"/registers/{register}?year={year}").status_code == 200
        return queries.count

    def received(subject: str):
        letter = make_document(db_session, subject, number=f"กข {next(_SERIAL)}/๒๕๖๙",
                               origin_unit_id=unit)
        return make_receipt(db_session, letter, register)

    for i in range(2):
        received(f"เรื่อง {i}")
    few = count()
    division = db_session.scalar(select(Unit.id).where(Unit.short_name == "ฝอ.๒ บก.อก.สทส."))
    for i in range(12):
        make_transfer(db_session, received(f"เรื่องเพิ่ม {i}").document_id, division,
                      purpose="act")
    assert 0 < count() == few
    page = web.get(f"/registers/{register}?year={year}").get_data(as_text=True)
    assert page.count("ส่งต่อ ฝอ.๒ บก.อก.สทส.") == 12
    assert db_session.scalar(select(Receipt.number).where(
        Receipt.register_id == register).order_by(Receipt.number.desc()).limit(1)) == 14


def test_the_dispatch_register_lists_outgoing_numbers(client, login, bearer, db_session):
    register = _register(db_session, kind="dispatch")
    headers = bearer("demo-clerk")
    doc = client.post("/api/v1/documents", headers=headers, json={
        "date": "2026-11-20", "subject": "ขอส่งรายงานผลการดำเนินงาน", "sender": "สทส.",
        "addressee": "ผบ.ตร.", "kind": "internal"}).json["id"]
    sent = client.post(f"/api/v1/documents/{doc}/dispatch", headers=headers,
                       json={"register_id": register.id, "to": "สงป."})
    assert sent.status_code == 201, sent.json
    local = dt.datetime.fromisoformat(sent.json["dispatched_at"])
    entries = client.get(f"/api/v1/registers/{register.id}/entries?year={local.year}"
                         f"&month={local.month}&day={local.day}", headers=headers).json
    assert entries["kind"] == "dispatch" and entries["day"] == local.day
    line = entries["items"][-1]["line"]
    assert line["number"] == sent.json["number_text"] and line["addressee"] == "สงป."
    assert line["subject"] == "ขอส่งรายงานผลการดำเนินงาน"
    page = login("demo-clerk").get(f"/registers/{register.id}?year={local.year + 543}"
                                   f"&month={local.month}").get_data(as_text=True)
    assert sent.json["number_text"] in page and "ทะเบียนหนังสือส่ง" in page


def test_api_export_and_bad_periods(client, bearer, db_session):
    register = _register(db_session)
    headers = bearer("demo-clerk")
    csv_answer = client.get(f"/api/v1/registers/{register.id}/export.csv?year=2019",
                            headers=headers)
    assert csv_answer.status_code == 200 and "๔๓๒๓" in csv_answer.data.decode("utf-8-sig")
    bad = client.get(f"/api/v1/registers/{register.id}/entries?year=2019&month=2&day=30",
                     headers=headers)
    assert bad.status_code == 400 and bad.json["error"]["field"] == "period"
    assert client.get(f"/api/v1/registers/{register.id}/entries?month=13",
                      headers=headers).status_code == 400


def test_the_printed_register_is_an_a4_pdf_with_the_font_embedded(login, db_session, tmp_path):
    import subprocess

    from pypdf import PdfReader

    from tests.pdftools import need

    register = _register(db_session)
    response = login("demo-clerk").get(f"/registers/{register.id}/print.pdf?year=2562")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    width, height = (float(x) for x in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape
    path = tmp_path / "register.pdf"
    path.write_bytes(response.data)
    fonts = subprocess.run([need("pdffonts"), str(path)], capture_output=True, text=True,
                           check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all("Sarabun" in r[0] and r[-5] == "yes" for r in rows)  # embedded


def test_plain_csv_has_no_byte_order_mark(login, db_session):
    register = _register(db_session)
    data = login("demo-clerk").get(f"/registers/{register.id}/export.csv?year=2562&bom=0").data
    assert not data.startswith(b"\xef\xbb\xbf") and "๔๓๒๓" in data.decode("utf-8")
