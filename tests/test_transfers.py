"""Moving a document: forward, circulate, accept with the unit's own number, recall, return."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saraban.documents.models import Document
from saraban.units.models import Unit


def _unit(db_session, short_name):
    return db_session.scalar(select(Unit.id).where(Unit.short_name == short_name))


def _letter(client, h):
    response = client.post("/api/v1/documents", headers=h, json={
        "number": "กค ๐๔๐๘/ว๕", "date": "2026-11-20", "subject": "ขอเชิญประชุมงบประมาณ",
        "sender": "กรมบัญชีกลาง"})
    return response.json["id"]


@pytest.fixture()
def setup(client, bearer, db_session):
    """A clerk of สทส. (and its units below) and a clerk of ฝอ.สงป."""
    from saraban.accounts.models import Membership, Role, User

    budget_clerk = User(username="clerk-budget", display_name="ธุรการ สงป.")
    budget_clerk.set_password("x")
    budget_clerk.memberships.append(
        Membership(unit_id=_unit(db_session, "ฝอ.สงป."), role=Role.CLERK))
    db_session.add(budget_clerk)
    db_session.commit()
    return bearer("demo-clerk"), bearer("clerk-budget")


def test_forward_and_accept_gives_the_destinations_own_number(client, setup, db_session):
    ict, budget = setup
    doc = _letter(client, ict)
    sent = client.post(f"/api/v1/documents/{doc}/transfers", headers=ict, json={
        "to": [_unit(db_session, "ฝอ.สงป.")], "purpose": "act",
        "purpose_text": "เพื่อดำเนินการ", "due_date": "๓๐ พ.ย. ๖๙"})
    assert sent.status_code == 201, sent.json
    transfer = sent.json["items"][0]
    assert transfer["kind"] == "forward" and transfer["due_date"] == "2026-11-30"
    waiting = client.get("/api/v1/transfers/inbox", headers=budget).json["items"]
    assert [t["id"] for t in waiting] == [transfer["id"]]
    assert waiting[0]["document"]["subject"] == "ขอเชิญประชุมงบประมาณ"
    accepted = client.post(f"/api/v1/transfers/{transfer['id']}/accept", headers=budget, json={})
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["transfer"]["status"] == "accepted"
    assert accepted.json["receipt"]["number"] == 1  # ฝอ.สงป.'s own register, this year
    assert client.get("/api/v1/transfers/inbox", headers=budget).json["items"] == []
    again = client.post(f"/api/v1/transfers/{transfer['id']}/accept", headers=budget, json={})
    assert again.status_code == 409 and "ลงรับไปแล้ว" in again.json["error"]["message_th"]
    history = client.get(f"/api/v1/documents/{doc}/history", headers=budget).json["events"]
    receipt = next(e for e in history if e["kind"] == "receipt")
    assert receipt["unit"] == "ฝอ.สงป." and receipt["lines"] == ["จาก สทส."]


def test_circulate_to_many(client, setup, db_session):
    ict, _ = setup
    doc = _letter(client, ict)
    to = [_unit(db_session, name) for name in ("ฝอ.สงป.", "ฝทง.สงป.", "ตร.")]
    sent = client.post(f"/api/v1/documents/{doc}/transfers", headers=ict,
                       json={"to": to, "purpose": "publicize"})
    assert sent.status_code == 201
    assert [t["kind"] for t in sent.json["items"]] == ["circulate"] * 3
    assert sorted(t["to_unit_id"] for t in sent.json["items"]) == sorted(to)


def test_recall_before_it_is_accepted_and_return_with_a_reason(client, setup, db_session):
    ict, budget = setup
    to = [_unit(db_session, "ฝอ.สงป.")]
    first = client.post(f"/api/v1/documents/{_letter(client, ict)}/transfers", headers=ict,
                        json={"to": to}).json["items"][0]
    recalled = client.post(f"/api/v1/transfers/{first['id']}/recall", headers=ict)
    assert recalled.status_code == 200 and recalled.json["status"] == "recalled"
    late = client.post(f"/api/v1/transfers/{first['id']}/accept", headers=budget, json={})
    assert late.status_code == 409 and "ดึงกลับ" in late.json["error"]["message_th"]
    second = client.post(f"/api/v1/documents/{_letter(client, ict)}/transfers", headers=ict,
                         json={"to": to}).json["items"][0]
    no_reason = client.post(f"/api/v1/transfers/{second['id']}/return", headers=budget, json={})
    assert no_reason.status_code == 400
    returned = client.post(f"/api/v1/transfers/{second['id']}/return", headers=budget,
                           json={"reason": "ไม่ใช่งานของหน่วย"})
    assert returned.status_code == 200 and returned.json["return_reason"] == "ไม่ใช่งานของหน่วย"
    assert client.post(f"/api/v1/transfers/{second['id']}/recall",
                       headers=ict).status_code == 409


@pytest.mark.parametrize(
    "body, status, field",
    [({"to": []}, 400, "to"), ({"to": [999999]}, 404, "to"), ({"to": "ตร."}, 400, "to"),
     ({"to": [True]}, 400, "to"), ({"to": [1], "purpose": "lunch"}, 400, "purpose"),
     ({"to": [1], "due_date": "๓๑ เม.ย. ๖๙"}, 400, "due_date"),
     ({"to": [1], "from_unit": 999}, 403, "from_unit")],
)
def test_bad_transfers_are_refused_clearly(client, setup, body, status, field):
    ict, _ = setup
    response = client.post(f"/api/v1/documents/{_letter(client, ict)}/transfers", headers=ict,
                           json=body)
    assert response.status_code == status, response.json
    assert response.json["error"]["field"] == field and response.json["error"]["message_th"]


def test_only_the_destination_accepts(client, setup, bearer, db_session):
    ict, _ = setup
    transfer = client.post(f"/api/v1/documents/{_letter(client, ict)}/transfers", headers=ict,
                           json={"to": [_unit(db_session, "ฝอ.สงป.")]}).json["items"][0]
    for h in (ict, bearer("demo-commander")):
        assert client.post(f"/api/v1/transfers/{transfer['id']}/accept", headers=h,
                           json={}).status_code == 404


def test_top_secret_documents_stay_off_the_network(client, bearer, db_session):
    admin = bearer("demo-admin")
    doc = client.post("/api/v1/documents", headers=admin, json={
        "date": "2026-11-20", "subject": "ลับที่สุด", "sender": "x", "secrecy": 3}).json["id"]
    response = client.post(f"/api/v1/documents/{doc}/transfers", headers=admin,
                           json={"to": [_unit(db_session, "สทส.")]})
    assert response.status_code == 409 and "ลับที่สุด" in response.json["error"]["message_th"]
    assert db_session.get(Document, doc).secrecy == 3


def test_opening_the_document_ends_the_senders_chance_to_recall(client, setup, db_session):
    from saraban.accounts.models import User
    from saraban.routing.operations import mark_opened

    ict, _ = setup
    doc = _letter(client, ict)
    transfer = client.post(f"/api/v1/documents/{doc}/transfers", headers=ict,
                           json={"to": [_unit(db_session, "ฝอ.สงป.")]}).json["items"][0]
    reader = db_session.scalar(select(User).where(User.username == "clerk-budget"))
    assert mark_opened(reader, doc) == 1
    db_session.commit()
    assert mark_opened(reader, doc) == 0
    refused = client.post(f"/api/v1/transfers/{transfer['id']}/recall", headers=ict)
    assert refused.status_code == 409 and "เปิดดูแล้ว" in refused.json["error"]["message_th"]
