"""Editing a document, the lock once it is numbered for sending, and corrections."""

from __future__ import annotations

import json

from sqlalchemy import select

from saraban.audit.models import AuditEvent
from saraban.documents.models import Document, DocumentReference
from tests.conftest import csrf_token_from


def _setup(client, bearer):
    headers = bearer("demo-clerk")
    registers = client.get("/api/v1/registers", headers=headers).json["items"]
    register = next(r["id"] for r in registers if r["unit"] == "สทส."
                    and r["kind"] == "dispatch" and r["code"] == "main")
    doc = client.post("/api/v1/documents", headers=headers, json={
        "date": "2026-11-20", "subject": "ขอเชิญประชุมวันที่ ๑ ธ.ค.", "sender": "สทส.",
        "addressee": "ผบก. ทุกหน่วย"}).json["id"]
    return headers, register, doc


def test_a_typing_mistake_is_corrected_and_the_audit_keeps_before_and_after(
        client, bearer, db_session):
    headers, _, doc = _setup(client, bearer)
    answer = client.patch(f"/api/v1/documents/{doc}", headers=headers,
                          json={"subject": "ขอเชิญประชุมวันที่ ๒ ธ.ค.", "urgency": "ด่วน"})
    assert answer.status_code == 200, answer.json
    assert answer.json["subject"] == "ขอเชิญประชุมวันที่ ๒ ธ.ค."
    event = db_session.scalar(select(AuditEvent).where(
        AuditEvent.action == "document.update", AuditEvent.document_id == doc))
    details = event.details if isinstance(event.details, dict) else json.loads(event.details)
    assert details["before"]["subject"] == "ขอเชิญประชุมวันที่ ๑ ธ.ค."
    assert details["after"] == {"subject": "ขอเชิญประชุมวันที่ ๒ ธ.ค.", "urgency": 1}
    for body, field in [({"secrecy": 0}, "secrecy"), ({"date": "๓๑ ก.พ. ๖๙"}, "date"),
                        ({"subject": ""}, "subject")]:
        bad = client.patch(f"/api/v1/documents/{doc}", headers=headers, json=body)
        assert bad.status_code == 400 and bad.json["error"]["field"] == field, bad.json
    assert client.patch(f"/api/v1/documents/{doc}", headers=bearer("demo-staff"),
                        json={"remarks": "x"}).status_code == 404


def test_number_date_and_subject_are_locked_once_numbered_and_a_correction_is_new(
        client, bearer, db_session):
    headers, register, doc = _setup(client, bearer)
    sent = client.post(f"/api/v1/documents/{doc}/dispatch", headers=headers,
                       json={"register_id": register}).json
    for field, value in (("subject", "เรื่องใหม่"), ("date", "2026-11-21"), ("number", "x/1")):
        locked = client.patch(f"/api/v1/documents/{doc}", headers=headers,
                              json={field: value})
        assert locked.status_code == 409 and "ออกเลขแล้ว" in locked.json["error"]["message_th"]
    assert client.patch(f"/api/v1/documents/{doc}", headers=headers,
                        json={"remarks": "ส่งทางไปรษณีย์"}).status_code == 200
    assert client.post(f"/api/v1/documents/{doc}/corrections", headers=headers,
                       json={}).status_code == 400  # it must say what it corrects
    made = client.post(f"/api/v1/documents/{doc}/corrections", headers=headers,
                       json={"correction": "ขอแก้ไขวันประชุมจาก ๑ ธ.ค. เป็น ๒ ธ.ค."})
    assert made.status_code == 201, made.json
    assert made.json["number"] == sent["number"] + 1
    correction = db_session.get(Document, made.json["document_id"])
    assert correction.subject.startswith("แก้ไขหนังสือ สทส. ที่ " + sent["number_text"])
    assert "ขอแก้ไขวันประชุม" in correction.body
    reference = db_session.scalar(select(DocumentReference).where(
        DocumentReference.document_id == correction.id))
    assert (reference.relation.value, reference.target_id) == ("corrects", doc)
    original = db_session.get(Document, doc, populate_existing=True)
    assert original.subject == "ขอเชิญประชุมวันที่ ๑ ธ.ค." and original.number == sent["number_text"]


def test_a_document_not_yet_numbered_is_edited_not_corrected(client, bearer):
    headers, _, doc = _setup(client, bearer)
    answer = client.post(f"/api/v1/documents/{doc}/corrections", headers=headers,
                         json={"correction": "แก้ไข"})
    assert answer.status_code == 409 and "แก้ไขรายละเอียดได้โดยตรง" in answer.json["error"][
        "message_th"]


def test_the_page_edits_and_corrects(login, client, bearer, db_session):
    headers, register, doc = _setup(client, bearer)
    web = login("demo-clerk")
    page = web.get(f"/documents/{doc}").get_data(as_text=True)
    answer = web.post(f"/documents/{doc}/edit", data={
        "csrf_token": csrf_token_from(page), "number": "", "date": "๒๐ พ.ย. ๒๕๖๙",
        "subject": "ขอเชิญประชุมวันที่ ๓ ธ.ค.", "sender": "สทส.", "addressee": "ผบก. ทุกหน่วย",
        "remarks": ""}, follow_redirects=True)
    assert "บันทึกการแก้ไขแล้ว" in answer.get_data(as_text=True)
    client.post(f"/api/v1/documents/{doc}/dispatch", headers=headers,
                json={"register_id": register})
    page = web.get(f"/documents/{doc}").get_data(as_text=True)
    assert "ทำหนังสือแก้ไข" in page and 'name="subject" rows="2" required' in page
    answer = web.post(f"/documents/{doc}/corrections", data={
        "csrf_token": csrf_token_from(page), "correction": "ขอแก้ไขเวลาประชุม"},
        follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert "ออกหนังสือแก้ไขแล้ว ที่" in text and "แก้ไขหนังสือ" in text
