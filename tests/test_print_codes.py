"""Verification codes on printed papers, and the public page that confirms them."""

from __future__ import annotations

import re
import subprocess

import pytest
from sqlalchemy import select

from saraban.audit.models import PrintCode
from saraban.documents.models import Document
from saraban.registers.models import Receipt
from tests.conftest import name_reader
from tests.pdftools import need


@pytest.fixture(autouse=True)
def _fresh_limits():
    from saraban.ratelimit import reset

    reset()
    yield
    reset()


def _text(pdf: bytes) -> str:
    out = subprocess.run([need("pdftotext"), "-", "-"], input=pdf, capture_output=True,
                         check=True).stdout.decode()
    return " ".join(out.split())


def _code(text: str) -> str:
    match = re.search(r"รหัสตรวจสอบ ([A-Z]{4}-[A-Z]{4})", text)
    assert match, text[-300:]
    return match.group(1)


def test_a_printed_stamp_is_confirmed_by_its_code(client, login, db_session):
    receipt = db_session.scalar(select(Receipt).where(Receipt.number == 4323))
    login("demo-clerk")
    pdf = client.get(f"/receipts/{receipt.id}/stamp.pdf")
    assert pdf.status_code == 200, pdf.status_code
    code = _code(_text(pdf.data))
    anonymous = client.application.test_client()  # anyone may check, without logging in
    page = anonymous.get(f"/verify/{code.lower()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "ถูกต้อง" in html and "ตรารับ" in html
    assert "เลขรับ ๔๓๒๓" in html
    stored = db_session.scalar(select(PrintCode).where(PrintCode.code == code.replace("-", "")))
    assert stored.document_id == receipt.document_id and len(stored.version) == 64
    # the same stamp printed twice gets two codes, with the same version
    again = _code(_text(client.get(f"/receipts/{receipt.id}/stamp.pdf").data))
    assert again != code


def test_a_register_print_and_an_endorsement_sheet_carry_codes(client, login, bearer, db_session):
    memo = db_session.scalar(select(Document).where(Document.source_key == "rtp-0033.12-5052"))
    login("demo-commander")
    sheet = _text(client.get(f"/documents/{memo.id}/endorsement-sheet.pdf").data)
    code = _code(sheet)
    html = client.application.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert "ใบเกษียน" in html and "๐๐๓๓.๑๒/๕๐๕๒" in html
    from saraban.registers.models import Register

    register = db_session.scalar(select(Register).where(Register.code == "main",
                                                        Register.kind == "receipt"))
    printed = client.get(f"/api/v1/registers/{register.id}/print.pdf?year=2019",
                         headers=bearer("demo-admin"))
    assert printed.status_code == 200
    html = client.application.test_client().get(
        f"/verify/{_code(_text(printed.data))}").get_data(as_text=True)
    assert "ทะเบียนหนังสือ" in html and register.name in html


def test_a_secret_documents_code_does_not_tell_its_number(client, login, db_session):
    memo = db_session.scalar(select(Document).where(Document.source_key == "rtp-0033.12-5052"))
    memo.secrecy = 1
    name_reader(db_session, memo, "demo-admin")
    db_session.commit()
    login("demo-admin")
    response = client.get(f"/documents/{memo.id}/endorsement-sheet.pdf")
    code = _code(_text(response.data))
    html = client.application.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert "หนังสือชั้นความลับ" in html and "๕๐๕๒" not in html


def test_unknown_codes_and_too_many_tries(client):
    page = client.get("/verify/ZZZZ-ZZZZ")
    assert page.status_code == 404 and "ไม่พบรหัส" in page.get_data(as_text=True)
    assert client.get("/verify/").status_code == 200
    assert client.get("/verify/?code=<script>").status_code == 404
    statuses = [client.get("/verify/ABCD-EFGH").status_code for _ in range(25)]
    assert 429 in statuses and statuses.count(404) == 18  # 20 a minute, 2 used above
