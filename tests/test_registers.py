"""Registering received documents through the API: numbers, refusals, cancellation."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from saraban.registers.models import Receipt, RegisterCounter
from tests.factories import make_register


@pytest.fixture()
def headers(bearer):
    return lambda username="demo-clerk": bearer(username)


@pytest.fixture()
def fresh_register(db_session):
    """A new receipt register of สทส. (the clerk's unit), empty in every year."""
    return make_register(db_session, "test")


_SERIAL = itertools.count(1)


def _new_document(client, headers, **extra):
    """A new letter, each with its own number (the same number, sender and date twice
    would be the same letter twice: see test_register_truth)."""
    body = {"number": f"กข {next(_SERIAL)}/๒๕๖๙", "date": "2026-11-20",
            "subject": "ขอเชิญประชุม", "sender": "กรมตัวอย่าง", **extra}
    response = client.post("/api/v1/documents", json=body, headers=headers)
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_registers_lists_only_usable_ones(client, headers):
    items = client.get("/api/v1/registers", headers=headers()).json["items"]
    assert {(r["unit"], r["kind"]) for r in items} >= {("สทส.", "receipt"), ("สทส.", "dispatch")}
    assert all(r["unit"] in {"สทส.", "ฝอ.๒ บก.อก.สทส."} for r in items)
    assert not any(r["secret"] for r in items)  # the clerk has no clearance
    assert client.get("/api/v1/registers", headers=headers("demo-staff")).json["items"] == []


def test_numbers_run_from_one_without_gaps(client, headers, fresh_register, db_session):
    h = headers()
    got = []
    for i in range(5):
        doc = _new_document(client, h, subject=f"เรื่องที่ {i}")
        response = client.post(f"/api/v1/registers/{fresh_register}/receipts",
                               json={"document_id": doc}, headers=h)
        assert response.status_code == 201, response.json
        got.append(response.json["number"])
        assert response.json["received_at"].endswith("+07:00")
        # the register's year is the calendar year of the receipt in Bangkok, not in UTC
        received = dt.datetime.fromisoformat(response.json["received_at"])
        assert response.json["year"] == received.year
    assert got == [1, 2, 3, 4, 5]
    numbers = db_session.scalars(
        select(Receipt.number).where(Receipt.register_id == fresh_register)
        .order_by(Receipt.number)).all()
    assert numbers == [1, 2, 3, 4, 5]


def test_double_submit_registers_once(client, headers, fresh_register, db_session):
    h = headers()
    doc = _new_document(client, h)
    first = client.post(f"/api/v1/registers/{fresh_register}/receipts",
                        json={"document_id": doc}, headers=h)
    second = client.post(f"/api/v1/registers/{fresh_register}/receipts",
                         json={"document_id": doc}, headers=h)
    assert first.status_code == 201 and second.status_code == 409
    assert "ลงรับในทะเบียนนี้แล้ว เลขรับ ๑" in second.json["error"]["message_th"]
    assert db_session.scalar(select(RegisterCounter.last_number).where(
        RegisterCounter.register_id == fresh_register)) == 1


def test_a_refused_registration_gives_no_number_away(client, headers, fresh_register):
    h = headers()
    bad = client.post(f"/api/v1/registers/{fresh_register}/receipts",
                      json={"document_id": 999999}, headers=h)
    assert bad.status_code == 404 and bad.json["error"]["message_th"] == "ไม่พบหนังสือนี้"
    doc = _new_document(client, h)
    ok = client.post(f"/api/v1/registers/{fresh_register}/receipts",
                     json={"document_id": doc}, headers=h)
    assert ok.json["number"] == 1


def test_cancel_keeps_the_number(client, headers, fresh_register, db_session):
    h = headers()
    docs = [_new_document(client, h, subject=f"ที่ {i}") for i in range(2)]
    first = client.post(f"/api/v1/registers/{fresh_register}/receipts",
                        json={"document_id": docs[0]}, headers=h).json
    no_reason = client.post(f"/api/v1/receipts/{first['id']}/cancel", json={}, headers=h)
    assert no_reason.status_code == 400 and no_reason.json["error"]["field"] == "reason"
    cancelled = client.post(f"/api/v1/receipts/{first['id']}/cancel",
                            json={"reason": "ลงรับผิดเรื่อง"}, headers=h)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    again = client.post(f"/api/v1/receipts/{first['id']}/cancel",
                        json={"reason": "ซ้ำ"}, headers=h)
    assert again.status_code == 409
    second = client.post(f"/api/v1/registers/{fresh_register}/receipts",
                         json={"document_id": docs[1]}, headers=h).json
    assert second["number"] == 2  # 1 is never reused
    # the cancelled document may be entered again, under a new number
    third = client.post(f"/api/v1/registers/{fresh_register}/receipts",
                        json={"document_id": docs[0]}, headers=h).json
    assert third["number"] == 3
    year = first["year"]
    entries = client.get(f"/api/v1/registers/{fresh_register}/entries?year={year}",
                         headers=h).json
    assert [(e["number"], e["status"]) for e in entries["items"]] == [
        (1, "cancelled"), (2, "active"), (3, "active")]
    assert entries["items"][0]["cancel_reason"] == "ลงรับผิดเรื่อง"


def test_staff_may_not_register(client, headers, fresh_register):
    h = headers("demo-staff")
    response = client.post(f"/api/v1/registers/{fresh_register}/receipts",
                           json={"document_id": 1}, headers=h)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"date": "๕๐ ธ.ค. ๒๕๖๒"}, "date", "ไม่มีในเดือนธันวาคม"),
        ({"date": "๒๕ มี.ย ๒๕๖๒"}, "date", "ไม่รู้จักชื่อเดือน"),
        ({"date": "2026-02-30"}, "date", "วันที่"),
        ({"subject": ""}, "subject", "กรุณากรอกเรื่อง"),
        ({"subject": "\x00\u200b"}, "subject", "กรุณากรอกเรื่อง"),
        ({"subject": "ก" * 2001}, "subject", "ยาวเกิน"),
        ({"sender": None}, "sender", "กรุณากรอก"),
        ({"kind": "letter"}, "kind", "ชนิดหนังสือ"),
        ({"urgency": 7}, "urgency", "ความเร่งด่วน"),
        ({"secrecy": "ลับที่สุด"}, "secrecy", "ชั้นความลับ"),
        ({"subject": 12}, "subject", "ข้อความ"),
    ],
)
def test_bad_documents_are_refused_in_thai_and_english(client, headers, body, field, words):
    base = {"number": "ที่ ๑/๒๕๖๙", "date": "2026-11-20", "subject": "เรื่อง", "sender": "กรม"}
    response = client.post("/api/v1/documents", json={**base, **body}, headers=headers())
    assert response.status_code in (400, 403), response.json
    error = response.json["error"]
    assert error["field"] == field and words in error["message_th"] and error["message"]


def test_thai_date_and_nul_in_text_are_accepted_cleanly(client, headers, db_session):
    h = headers()
    doc = _new_document(client, h, date="๒๐ พ.ย. ๒๕๖๙", subject="ประชุม\x00ด่วน",
                        urgency="ด่วนที่สุด")
    body = client.get(f"/api/v1/documents/{doc}", headers=h).json
    assert body["date"] == "2026-11-20" and body["subject"] == "ประชุมด่วน"
    assert body["urgency"] == "most_urgent"


@pytest.mark.parametrize("payload", ["not json", "[1, 2]", '{"document_id": "1"}',
                                     '{"document_id": true}', '{"document_id": 1e99}'])
def test_bad_registration_bodies(client, headers, fresh_register, payload):
    response = client.post(f"/api/v1/registers/{fresh_register}/receipts", data=payload,
                           content_type="application/json", headers=headers())
    assert response.status_code == 400 and response.json["error"]["message_th"]


def _open_year(client, headers, register, last_number, year=2569):
    opened = client.post(f"/api/v1/registers/{register}/openings", headers=headers("demo-admin"),
                         json={"year": year, "last_number": last_number})
    assert opened.status_code == 201, opened.json


def test_a_historic_stamp_keeps_its_number_and_live_numbering_goes_on_after_the_paper_book(
        client, headers, fresh_register, db_session):
    h = headers()
    _open_year(client, headers, fresh_register, "๕๐๖๓")  # the paper book reached ๕๐๖๓
    doc = _new_document(client, h, date="2026-11-20")
    entered = client.post(f"/api/v1/registers/{fresh_register}/receipts", headers=h, json={
        "document_id": doc, "number": "๕๐๖๓", "date": "๒๑ พ.ย. ๖๙", "time": "๑๑.๒๕ น.",
        "source_text": "เลขรับ ๕๐๖๓ วันที่ ๒๑ พ.ย. ๖๙ เวลา ๑๑.๒๕"})
    assert entered.status_code == 201, entered.json
    body = entered.json
    assert (body["number"], body["mode"], body["flags"]) == (5063, "historic", [])
    assert body["received_at"] == "2026-11-21T11:25:00+07:00"
    # the same number again, in the same register and year: refused, in Thai
    again = client.post(f"/api/v1/registers/{fresh_register}/receipts", headers=h, json={
        "document_id": _new_document(client, h), "number": 5063, "date": "2026-11-22"})
    assert again.status_code == 409 and "๕๐๖๓" in again.json["error"]["message_th"]
    # live numbering continues after the paper book, never reusing one of its numbers
    live = client.post(f"/api/v1/registers/{fresh_register}/receipts", headers=h,
                       json={"document_id": _new_document(client, h)})
    assert live.json["number"] == 5064
    # a lower paper number still free is accepted and does not move the counter
    lower = client.post(f"/api/v1/registers/{fresh_register}/receipts", headers=h, json={
        "document_id": _new_document(client, h), "number": 17, "date": "2026-11-02"})
    assert lower.status_code == 201 and lower.json["received_at"].endswith("T00:00:00+07:00")
    counter = db_session.get(RegisterCounter, (fresh_register, 2026), populate_existing=True)
    assert counter.last_number == 5064


def test_a_stamp_dated_before_its_document_is_flagged_not_refused(
        client, headers, fresh_register):
    h = headers()
    _open_year(client, headers, fresh_register, 100)
    doc = _new_document(client, h, date="2026-11-20")
    entered = client.post(f"/api/v1/registers/{fresh_register}/receipts", headers=h, json={
        "document_id": doc, "number": 12, "date": "๑๙ พ.ย. ๒๕๖๙"})
    assert entered.status_code == 201
    assert entered.json["flags"] == ["before_document_date"]
    assert "T00:00:00" in entered.json["received_at"]  # no time on the stamp


@pytest.mark.parametrize(("body", "field", "thai"), [
    ({"number": "abc", "date": "๒๑ พ.ย. ๖๙"}, "number", "จำนวนเต็มบวก"),
    ({"number": 0, "date": "๒๑ พ.ย. ๖๙"}, "number", "จำนวนเต็มบวก"),
    ({"number": 5}, "date", "วันที่"),
    ({"number": 5, "date": "๓๑ ก.พ. ๖๙"}, "date", "วันที่รับ"),
    ({"number": 5, "date": "๒๑ พ.ย. ๖๙", "time": "๒๕.๐๐"}, "time", "ชั่วโมง"),
    ({"number": 5, "date": "๒๑ พ.ย. ๗๙"}, "received_at", "อนาคต"),
])
def test_bad_historic_entries_are_refused_and_save_nothing(
        client, headers, fresh_register, db_session, body, field, thai):
    h = headers()
    doc = _new_document(client, h)
    response = client.post(f"/api/v1/registers/{fresh_register}/receipts", headers=h,
                           json={"document_id": doc, **body})
    assert response.status_code == 400, response.json
    assert response.json["error"]["field"] == field
    assert thai in response.json["error"]["message_th"]
    assert db_session.scalar(select(Receipt).where(
        Receipt.register_id == fresh_register)) is None
