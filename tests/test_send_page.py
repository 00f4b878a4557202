"""ส่งหนังสือ: an outgoing document written and numbered at once; cancelling a number."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from saraban.documents.models import Document
from saraban.registers.models import Dispatch, Receipt
from tests.conftest import csrf_token_from


def _form(client):
    html = client.get("/send").get_data(as_text=True)
    key = re.search(r'name="form_key" type="hidden" value="([0-9a-f]+)"', html).group(1)
    register = re.search(r'<option selected value="(\d+)">', html).group(1)
    return html, key, register


def _data(html, key, register, **extra):
    return {"csrf_token": csrf_token_from(html), "form_key": key, "register_id": register,
            "kind": "internal", "to": "ผบ.ตร.", "subject": "ขอส่งรายงานผลการสำรวจ",
            "body": "", "urgency": "1", "secrecy": "0", **extra}


def test_send_numbers_the_document_once_even_on_a_double_click(login, db_session):
    client = login("demo-clerk")
    html, key, register = _form(client)
    first = client.post("/send", data=_data(html, key, register))
    second = client.post("/send", data=_data(html, key, register))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    number = re.search(r'class="big-number">ที่ <strong>([^<]+)</strong>', page).group(1)
    assert number.startswith("๐๐๓๓.๑๒/")
    docs = db_session.scalars(select(Document).where(
        Document.subject == "ขอส่งรายงานผลการสำรวจ")).all()
    assert len(docs) == 1 and docs[0].number == number and docs[0].sender_text == "สทส."
    assert docs[0].addressee == "ผบ.ตร." and docs[0].urgency == 1


def test_send_refuses_bad_input_and_keeps_what_was_typed(login, db_session):
    client = login("demo-clerk")
    html, key, register = _form(client)
    before = db_session.scalar(select(func.count()).select_from(Dispatch))
    for extra, message in [({"subject": ""}, "กรุณากรอกเรื่อง"),
                           ({"secrecy": "9"}, "ไม่มีตัวเลือกนี้"),
                           ({"register_id": "999999"}, "ไม่มีตัวเลือกนี้")]:
        answer = client.post("/send", data=_data(html, key, register, to="อธิบดีกรมทดสอบ",
                                                  **extra))
        text = answer.get_data(as_text=True)
        assert answer.status_code == 200 and message in text and "อธิบดีกรมทดสอบ" in text
    assert db_session.scalar(select(func.count()).select_from(Dispatch)) == before


def test_staff_cannot_send(login):
    assert login("demo-staff").get("/send").status_code == 403


def test_a_cancelled_number_stays_in_the_register_and_the_document_can_be_renumbered(
        client, bearer, db_session):
    headers = bearer("demo-clerk")
    registers = client.get("/api/v1/registers", headers=headers).json["items"]
    register = next(r["id"] for r in registers if r["unit"] == "สทส."
                    and r["kind"] == "dispatch" and r["code"] == "main")
    doc = client.post("/api/v1/documents", headers=headers, json={
        "date": "2026-11-20", "subject": "ออกเลขผิดเรื่อง", "sender": "สทส."}).json["id"]
    first = client.post(f"/api/v1/documents/{doc}/dispatch", headers=headers,
                        json={"register_id": register}).json
    assert client.post(f"/api/v1/dispatches/{first['id']}/cancel", headers=headers,
                       json={}).status_code == 400  # a reason is required
    cancelled = client.post(f"/api/v1/dispatches/{first['id']}/cancel", headers=headers,
                            json={"reason": "ออกเลขซ้ำกับเรื่องเดิม"})
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert db_session.get(Document, doc).number is None
    again = client.post(f"/api/v1/documents/{doc}/dispatch", headers=headers,
                        json={"register_id": register}).json
    assert again["number"] == first["number"] + 1  # never reused
    lines = db_session.scalars(select(Dispatch).where(Dispatch.document_id == doc)
                               .order_by(Dispatch.number)).all()
    assert [(d.number, d.status.value) for d in lines] == [
        (first["number"], "cancelled"), (again["number"], "active")]
    assert client.post(f"/api/v1/dispatches/{first['id']}/cancel", headers=headers,
                       json={"reason": "อีกครั้ง"}).status_code == 409


def test_a_receipt_is_cancelled_from_the_document_page(login, client, bearer, db_session):
    headers = bearer("demo-clerk")
    registers = client.get("/api/v1/registers", headers=headers).json["items"]
    register = next(r["id"] for r in registers if r["unit"] == "สทส."
                    and r["kind"] == "receipt" and not r["secret"])
    doc = client.post("/api/v1/documents", headers=headers, json={
        "date": "2026-11-20", "subject": "ลงรับผิดหน่วย", "sender": "กรมทดสอบ"}).json["id"]
    receipt = client.post(f"/api/v1/registers/{register}/receipts", headers=headers,
                          json={"document_id": doc}).json
    web = login("demo-clerk")
    page = web.get(f"/documents/{doc}").get_data(as_text=True)
    assert "ยกเลิกการลงรับ" in page
    answer = web.post(f"/receipts/{receipt['id']}/cancel", data={
        "csrf_token": csrf_token_from(page), "reason": "ลงรับผิดหน่วย"}, follow_redirects=True)
    assert "ยกเลิกการลงรับแล้ว" in answer.get_data(as_text=True)
    line = db_session.get(Receipt, receipt["id"], populate_existing=True)
    assert (line.status.value, line.cancel_reason) == ("cancelled", "ลงรับผิดหน่วย")
