"""Outgoing numbers: ที่ <unit code>/<number>, a circular series with ว, given once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saraban.registers.models import Register
from saraban.units.models import Unit


@pytest.fixture()
def h(bearer):
    return bearer("demo-clerk")


def _register(db_session, code):
    return db_session.scalar(select(Register.id).join(Unit).where(
        Unit.short_name == "สทส.", Register.kind == "dispatch", Register.code == code))


def _draft(client, h, subject="แจ้งผลการสำรวจ"):
    response = client.post("/api/v1/documents", headers=h, json={
        "date": "2026-11-24", "subject": subject, "sender": "สทส.", "kind": "internal"})
    assert response.status_code == 201
    return response.json["id"]


def test_outgoing_numbers_and_the_circular_series(client, h, db_session):
    main, circular = _register(db_session, "main"), _register(db_session, "circular")
    first = client.post(f"/api/v1/documents/{_draft(client, h)}/dispatch", headers=h,
                        json={"register_id": main, "to": "ผบช.สงป."})
    assert first.status_code == 201, first.json
    assert first.json["number_text"] == "๐๐๓๓.๑๒/๑" and first.json["number"] == 1
    second = client.post(f"/api/v1/documents/{_draft(client, h)}/dispatch", headers=h,
                         json={"register_id": main})
    assert second.json["number_text"] == "๐๐๓๓.๑๒/๒"
    circ = client.post(f"/api/v1/documents/{_draft(client, h)}/dispatch", headers=h,
                       json={"register_id": circular})
    assert circ.json["number_text"] == "๐๐๓๓.๑๒/ว๑"
    # the document now carries its number and is found by it, in either digits
    found = client.get("/api/v1/documents?number=0033.12/ว1", headers=h).json
    assert found["total"] == 1 and found["items"][0]["number"] == "๐๐๓๓.๑๒/ว๑"


def test_a_document_is_numbered_once(client, h, db_session):
    main = _register(db_session, "main")
    doc = _draft(client, h)
    assert client.post(f"/api/v1/documents/{doc}/dispatch", headers=h,
                       json={"register_id": main}).status_code == 201
    again = client.post(f"/api/v1/documents/{doc}/dispatch", headers=h,
                        json={"register_id": main})
    assert again.status_code == 409
    assert "ออกเลขไปแล้ว ที่ ๐๐๓๓.๑๒/" in again.json["error"]["message_th"]
    nxt = client.post(f"/api/v1/documents/{_draft(client, h)}/dispatch", headers=h,
                      json={"register_id": main})
    assert nxt.json["number"] == 2  # the refusal took no number


def test_a_receipt_register_gives_no_outgoing_number(client, h, db_session):
    receipt_register = db_session.scalar(select(Register.id).join(Unit).where(
        Unit.short_name == "สทส.", Register.kind == "receipt", Register.code == "main"))
    response = client.post(f"/api/v1/documents/{_draft(client, h)}/dispatch", headers=h,
                           json={"register_id": receipt_register})
    assert response.status_code == 409
    assert "ไม่ใช่ทะเบียนหนังสือส่ง" in response.json["error"]["message_th"]
