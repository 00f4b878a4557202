"""The clerk's actions on the document page: a paper stamp entered, an outgoing number."""

from __future__ import annotations

import re

from sqlalchemy import select

from saraban.accounts.models import User
from saraban.documents.models import Document
from saraban.registers.models import Dispatch, Receipt, Register
from saraban.registers.operations import open_year
from saraban.units.models import Unit
from tests.conftest import csrf_token_from, make_document


def _register(db_session, unit: str, kind: str, code: str = "main") -> Register:
    return db_session.scalar(select(Register).join(Register.unit).where(
        Unit.short_name == unit, Register.kind == kind, Register.code == code))


def _own_document(db_session, **kw) -> Document:
    import datetime as dt

    unit = db_session.scalar(select(Unit).where(Unit.short_name == "สทส."))
    doc = make_document(db_session, subject=kw.pop("subject", "ขอส่งรายงานประจำเดือน"),
                        origin_unit_id=unit.id, doc_date=dt.date(2026, 11, 20), **kw)
    db_session.commit()
    return doc


def test_a_paper_stamp_entered_from_the_page_appears_on_the_timeline(login, db_session):
    doc = _own_document(db_session)
    client = login("demo-clerk")
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "บันทึกตรารับเดิม" in page and "ออกเลขหนังสือส่ง" in page
    register = _register(db_session, "ฝอ.๒ บก.อก.สทส.", "receipt")
    # the register of ๒๕๖๙ continues a paper book that reached ๙๐๐๐
    admin = db_session.scalar(select(User).where(User.username == "demo-admin"))
    open_year(admin, register.id, 2569, 9000)
    db_session.commit()
    response = client.post(f"/documents/{doc.id}/historic-receipt", data={
        "csrf_token": csrf_token_from(page), "register_id": register.id, "number": "๘๐๐๘",
        "date": "๑๙ พ.ย. ๒๕๖๙", "time": ""})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "เลขรับ ๘๐๐๘" in page
    assert "วันที่บนตรารับอยู่ก่อนวันที่ของหนังสือ" in page  # flagged, not refused
    assert "ตราไม่ระบุเวลา" in page
    receipt = db_session.scalar(select(Receipt).where(Receipt.document_id == doc.id))
    assert (receipt.number, receipt.mode.value, receipt.time_known) == (8008, "historic", False)
    # the same number again is refused with the reason, and nothing more is saved
    other = _own_document(db_session, subject="เรื่องอื่น")
    response = client.post(f"/documents/{other.id}/historic-receipt", data={
        "csrf_token": csrf_token_from(page), "register_id": register.id, "number": "8008",
        "date": "๒๐ พ.ย. ๒๕๖๙"}, follow_redirects=True)
    assert "เลขรับ ๘๐๐๘ ของปี พ.ศ. ๒๕๖๙ มีอยู่แล้วในทะเบียนนี้" in response.get_data(as_text=True)
    assert db_session.scalar(select(Receipt).where(Receipt.document_id == other.id)) is None


def test_dispatch_from_the_page_gives_the_number_once(login, db_session):
    doc = _own_document(db_session, addressee="ผบ.ตร.")
    client = login("demo-clerk")
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    register = _register(db_session, "สทส.", "dispatch", "circular")
    data = {"csrf_token": csrf_token_from(page), "register_id": register.id, "to": "ผบช. ทุกหน่วย"}
    first = client.post(f"/documents/{doc.id}/dispatch", data=data, follow_redirects=True)
    text = first.get_data(as_text=True)
    number = re.search(r"ออกเลขแล้ว ที่ ([^<]+)</div>", text) or re.search(
        r"ออกเลขแล้ว ที่ <strong class=\"number\">([^<]+)</strong>", text)
    assert number and "/ว" in number.group(1)  # the circular series
    second = client.post(f"/documents/{doc.id}/dispatch", data=data, follow_redirects=True)
    assert "หนังสือนี้ออกเลขไปแล้ว" in second.get_data(as_text=True)
    dispatches = db_session.scalars(select(Dispatch).where(Dispatch.document_id == doc.id))
    assert len(dispatches.all()) == 1


def test_a_register_not_offered_is_refused(login, db_session):
    doc = _own_document(db_session)
    client = login("demo-clerk")
    page = client.get(f"/documents/{doc.id}").get_data(as_text=True)
    foreign = _register(db_session, "ฝอ.สงป.", "dispatch")
    response = client.post(f"/documents/{doc.id}/dispatch", data={
        "csrf_token": csrf_token_from(page), "register_id": foreign.id}, follow_redirects=True)
    assert "ไม่พบทะเบียนนี้ หรือท่านไม่มีสิทธิ์ใช้ทะเบียนนี้" in response.get_data(as_text=True)
    response = client.post(f"/documents/{doc.id}/dispatch", data={
        "csrf_token": csrf_token_from(page), "register_id": "x"}, follow_redirects=True)
    assert "ไม่พบทะเบียนนี้" in response.get_data(as_text=True)


def test_staff_see_no_clerk_actions(login, db_session):
    client = login("demo-staff")
    listing = client.get("/documents/").get_data(as_text=True)
    first = re.search(r'href="(/documents/\d+)"', listing).group(1)
    page = client.get(first).get_data(as_text=True)
    assert "เส้นทางของหนังสือ" in page and "งานสารบรรณ" not in page
