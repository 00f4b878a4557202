"""Workflows that always have a way out: what waits for a user is what he can act on, and
every action offered works and clears it; the record tells what really happened (orders,
proposals, recalls, returns)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from saraban.documents.models import Document
from saraban.endorsements.models import Order
from saraban.registers.models import Receipt
from saraban.routing.models import Transfer, TransferStatus
from saraban.units.models import Unit
from tests.conftest import csrf_token_from, log_in, make_user
from tests.deskworld import desk  # noqa: F401 (fixture)
from tests.wayout import read_page, total_waiting, waiting_tiles, walk

LETTER, MEMO = "dga-2562-w4099", "rtp-0033.12-5052"
OFFICE = "สง.ผู้ช่วย ผบ.ตร.(ปร ๓)"
DEMO_USERS = ("demo-clerk", "demo-commander", "demo-staff", "demo-admin")


def _doc(db_session, key):
    return db_session.scalar(select(Document.id).where(Document.source_key == key))


def _unit(db_session, name):
    return db_session.scalar(select(Unit.id).where(Unit.short_name == name))


def _receipts(db_session, document_id, unit_id):
    return db_session.scalar(
        select(func.count()).select_from(Receipt).join(Receipt.register)
        .where(Receipt.document_id == document_id, Receipt.status == "active",
               Receipt.register.has(unit_id=unit_id)))


def _inbox(client, headers):
    return client.get("/api/v1/transfers/inbox", headers=headers).json["items"]


def _propose_and_order(client, bearer, db_session, order_to):
    """demo-clerk proposes the DGA letter (received at สทส.) to the Assistant
    Commissioner-General's office; demo-commander signs an order to ``order_to``."""
    clerk, commander = bearer("demo-clerk"), bearer("demo-commander")
    letter, itd = _doc(db_session, LETTER), _unit(db_session, "สทส.")
    sent = client.post(f"/api/v1/documents/{letter}/transfers", headers=clerk, json={
        "to": _unit(db_session, OFFICE), "kind": "propose", "purpose": "consider",
        "from_unit": itd})
    assert sent.status_code == 201, sent.json
    signed = client.post(f"/api/v1/documents/{letter}/endorsements", headers=commander, json={
        "lines": ["ทราบ"], "sign": True,
        "orders": [{"to_unit": order_to, "instruction": "ดำเนินการตามข้อเสนอ"}]})
    assert signed.status_code == 201, signed.json
    return letter, sent.json["items"][0]["id"], signed.json


def test_an_order_to_a_unit_holding_the_letter_is_its_task_without_a_second_receipt(
        client, bearer, db_session):
    itd = _unit(db_session, "สทส.")
    letter, _, signed = _propose_and_order(client, bearer, db_session, itd)
    clerk = bearer("demo-clerk")
    assert _receipts(db_session, letter, itd) == 1
    # nothing in the inbox that "ลงรับ" would refuse: the order is สทส.'s task
    assert [t for t in _inbox(client, clerk) if t["document_id"] == letter] == []
    order = signed["orders"][0]
    assert order["transfer_id"] is None
    tasks = client.get("/api/v1/orders", headers=clerk).json["items"]
    assert [t["id"] for t in tasks] == [order["id"]]
    # the history says where the order went, though no transfer carried it
    events = client.get(f"/api/v1/documents/{letter}/history", headers=clerk).json["events"]
    assert [(e["unit"], e["title"]) for e in events if e["kind"] == "order"] == [
        ("สทส.", "ดำเนินการตามข้อเสนอ")]
    assert _receipts(db_session, letter, itd) == 1


def test_an_order_to_a_unit_whose_transfer_already_waits_adds_no_second_item(
        client, bearer, db_session):
    budget = _unit(db_session, "ฝอ.สงป.")
    make_user(db_session, "clerk-budget", units=[db_session.get(Unit, budget)], role="clerk")
    db_session.commit()
    letter = _doc(db_session, LETTER)
    first = client.post(f"/api/v1/documents/{letter}/transfers", headers=bearer("demo-clerk"),
                        json={"to": budget, "purpose": "inform", "from_unit":
                              _unit(db_session, "สทส.")})
    assert first.status_code == 201
    _propose_and_order(client, bearer, db_session, budget)
    waiting = [t for t in _inbox(client, bearer("clerk-budget")) if t["document_id"] == letter]
    assert len(waiting) == 1  # one receipt to give, one task to do
    accepted = client.post(f"/api/v1/transfers/{waiting[0]['id']}/accept",
                           headers=bearer("clerk-budget"), json={})
    assert accepted.status_code == 200, accepted.json
    assert _inbox(client, bearer("clerk-budget")) == []


def test_a_transfer_to_a_unit_that_already_registered_it_is_accepted_under_that_number(
        client, bearer, db_session):
    """ฝอ.๒ บก.อก.สทส. stamped the letter in the seed; sent there again, "ลงรับ" works and
    gives no second number."""
    letter, section = _doc(db_session, LETTER), _unit(db_session, "ฝอ.๒ บก.อก.สทส.")
    clerk = bearer("demo-clerk")
    sent = client.post(f"/api/v1/documents/{letter}/transfers", headers=clerk,
                       json={"to": section, "purpose": "act", "from_unit":
                             _unit(db_session, "สทส.")})
    assert sent.status_code == 201
    before = db_session.scalar(select(Receipt).join(Receipt.register).where(
        Receipt.document_id == letter, Receipt.register.has(unit_id=section)))
    accepted = client.post(f"/api/v1/transfers/{sent.json['items'][0]['id']}/accept",
                           headers=clerk, json={})
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["receipt"]["number"] == before.number
    assert _receipts(db_session, letter, section) == 1


def test_a_proposal_is_the_commanders_desk_work_and_ends_when_he_signs(
        client, desk, db_session):  # noqa: F811
    commander = log_in(client, desk.users["commander"])
    inbox = commander.get("/inbox").get_data(as_text=True)
    assert "ลงรับ</button>" not in inbox  # he keeps no register
    assert waiting_tiles(commander) == {"/desk": 1}
    page = commander.get(f"/documents/{desk.memo}").get_data(as_text=True)
    signed = commander.post(f"/documents/{desk.memo}/endorsements", data={
        "csrf_token": csrf_token_from(page), "lines": "อนุมัติ", "action": "sign",
        "form_key": "k-1"})
    assert signed.status_code == 302
    assert total_waiting(commander) == 0
    assert "ไม่มีงานค้าง ณ วันนี้" in commander.get("/").get_data(as_text=True)
    assert "ไม่มีหนังสือรอรับ" in commander.get("/inbox").get_data(as_text=True)
    proposal = db_session.scalar(select(Transfer).where(Transfer.document_id == desk.memo))
    db_session.refresh(proposal)
    assert proposal.status == TransferStatus.ACCEPTED and proposal.receipt_id is None
    # signed: the proposer can no longer pull it back
    recalled = client.post(f"/api/v1/transfers/{proposal.id}/recall",
                           headers=desk.headers["proposer"])
    assert recalled.status_code == 409
    # the office's clerk never had an inbox item he could not clear
    assert _inbox(client, desk.headers["office-clerk"]) == []


def test_the_commander_may_send_a_proposal_back_from_the_document(client, desk, db_session):  # noqa: F811
    commander = log_in(client, desk.users["commander"])
    page = read_page(commander.get(f"/documents/{desk.memo}").get_data(as_text=True))
    back = [f for f in page.forms if f.action.endswith("/return")]
    assert back, "the endorsement panel offers no way to send the proposal back"
    done = commander.post(back[0].action, data={**back[0].data(), "reason": "ขอข้อมูลเพิ่ม"})
    assert done.status_code == 302
    assert total_waiting(commander) == 0
    proposer = client.get(f"/api/v1/documents/{desk.memo}/history",
                          headers=desk.headers["proposer"]).json["events"]
    assert [(e["unit"], e["reason"]) for e in proposer if e["kind"] == "return"] == [
        ("สง.ทดสอบ", "ขอข้อมูลเพิ่ม")]


def _budget_clerk(db_session):
    unit = db_session.get(Unit, _unit(db_session, "ฝอ.สงป."))
    make_user(db_session, "clerk-budget", units=[unit], role="clerk")
    db_session.commit()
    return unit.id


def test_recall_and_return_are_told_as_they_happened(client, bearer, db_session, login):
    budget = _budget_clerk(db_session)
    letter, itd = _doc(db_session, LETTER), _unit(db_session, "สทส.")
    clerk = bearer("demo-clerk")

    def send():
        made = client.post(f"/api/v1/documents/{letter}/transfers", headers=clerk,
                           json={"to": budget, "purpose": "act", "from_unit": itd})
        assert made.status_code == 201
        return made.json["items"][0]["id"]

    first = send()
    assert client.post(f"/api/v1/transfers/{first}/recall", headers=clerk).status_code == 200
    second = send()
    returned = client.post(f"/api/v1/transfers/{second}/return", headers=bearer("clerk-budget"),
                           json={"reason": "ไม่ใช่งานของหน่วย"})
    assert returned.status_code == 200
    events = client.get(f"/api/v1/documents/{letter}/history", headers=clerk).json["events"]
    transfers = [e for e in events if e["kind"] == "transfer" and e["unit"] == "สทส."
                 and "ถึง ฝอ.สงป." in e["lines"]]
    assert [e["status"] for e in transfers] == ["recalled", "returned"]
    recall = [e for e in events if e["kind"] == "recall"]
    assert [(e["unit"], e["lines"][0]) for e in recall] == [("สทส.", "จาก ฝอ.สงป.")]
    assert recall[0]["time"] is not None
    back = [e for e in events if e["kind"] == "return"]
    assert [(e["unit"], e["reason"]) for e in back] == [("ฝอ.สงป.", "ไม่ใช่งานของหน่วย")]
    assert "ถึง สทส." in back[0]["lines"]
    spec = client.get("/api/v1/openapi.json").json
    kinds = spec["components"]["schemas"]["Event"]["properties"]["kind"]["enum"]
    assert {e["kind"] for e in events} <= set(kinds)

    page = login("demo-clerk").get(f"/documents/{letter}").get_data(as_text=True)
    timeline = page.split('id="history"')[1]
    assert "สทส. ดึงหนังสือกลับ จาก ฝอ.สงป." in timeline
    assert "ฝอ.สงป. ส่งคืน ถึง สทส." in timeline and "ไม่ใช่งานของหน่วย" in timeline


def test_the_sender_sees_a_returned_document_and_what_to_do_next(client, bearer, db_session,
                                                                 login):
    budget = _budget_clerk(db_session)
    letter, itd = _doc(db_session, LETTER), _unit(db_session, "สทส.")
    clerk_api = bearer("demo-clerk")
    for document_id in (_doc(db_session, MEMO), letter):
        made = client.post(f"/api/v1/documents/{document_id}/transfers", headers=clerk_api,
                           json={"to": budget, "purpose": "act", "from_unit": itd})
        returned = client.post(f"/api/v1/transfers/{made.json['items'][0]['id']}/return",
                               headers=bearer("clerk-budget"), json={"reason": "ส่งผิดหน่วย"})
        assert returned.status_code == 200
    clerk = login("demo-clerk")
    home = clerk.get("/").get_data(as_text=True)
    assert "ส่งผิดหน่วย" in home and "ส่งคืนมา" in home
    assert waiting_tiles(clerk) == {"#returned": 2}
    page = read_page(home)
    seen = [f for f in page.forms if "returned" in f.inside]
    assert len(seen) == 2
    assert any(h.startswith(f"/documents/{letter}") and h.endswith("#forward")
               for h, inside in page.links if "returned" in inside)
    # acknowledging one clears it; sending the document on again clears the other
    clerk.post(seen[0].action, data=seen[0].data())
    assert waiting_tiles(clerk) == {"#returned": 1}
    left = client.get("/api/v1/transfers/returned", headers=clerk_api).json["items"]
    assert [t["return_reason"] for t in left] == ["ส่งผิดหน่วย"]
    again = client.post(f"/api/v1/documents/{left[0]['document_id']}/transfers",
                        headers=clerk_api, json={"to": _unit(db_session, OFFICE),
                                                 "kind": "propose", "from_unit": itd})
    assert again.status_code == 201
    assert waiting_tiles(clerk) == {}
    # only the sending side may acknowledge
    other = db_session.scalar(select(Transfer.id).where(
        Transfer.status == TransferStatus.RETURNED).order_by(Transfer.id.desc()))
    assert client.post(f"/api/v1/transfers/{other}/acknowledge",
                       headers=bearer("clerk-budget")).status_code == 404


def test_staff_are_not_shown_receipts_they_cannot_give(client, bearer, db_session, login):
    letter = _doc(db_session, LETTER)
    sent = client.post(f"/api/v1/documents/{letter}/transfers", headers=bearer("demo-clerk"),
                       json={"to": _unit(db_session, "ฝอ.สงป."), "purpose": "inform",
                             "from_unit": _unit(db_session, "สทส.")})
    assert sent.status_code == 201
    assert _inbox(client, bearer("demo-staff")) == []
    assert waiting_tiles(login("demo-staff")) == {}


def test_a_unit_without_a_receipt_register_takes_the_document_in_without_a_number(
        client, bearer, db_session, login):
    """สงป. keeps no receipt register (its ฝอ. does): what is sent to สงป. itself is taken
    in by its people, with no number, instead of waiting for ever."""
    letter, bureau = _doc(db_session, LETTER), _unit(db_session, "สงป.")
    sent = client.post(f"/api/v1/documents/{letter}/transfers", headers=bearer("demo-clerk"),
                       json={"to": bureau, "purpose": "inform",
                             "from_unit": _unit(db_session, "สทส.")})
    assert sent.status_code == 201
    staff = login("demo-staff")
    assert waiting_tiles(staff) == {"/inbox": 1}
    inbox = staff.get("/inbox").get_data(as_text=True)
    assert "รับเรื่อง (หน่วยนี้ไม่มีทะเบียนรับ)" in inbox
    accepted = client.post(f"/api/v1/transfers/{sent.json['items'][0]['id']}/accept",
                           headers=bearer("demo-staff"), json={})
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["receipt"] is None and accepted.json["transfer"]["status"] == "accepted"
    assert _receipts(db_session, letter, bureau) == 0
    assert waiting_tiles(staff) == {}


# --- every role, every action offered -------------------------------------------------

def _walk_all(client, db_session, logins: dict) -> dict[str, int]:
    """Each user in turn clears what waits for him; how many actions each took."""
    steps = {}
    for username, password in logins.items():
        log_in(client, username, password)
        steps[username] = walk(client, db_session, username)
        assert total_waiting(client) == 0
        _log_out(client)
    print(steps)
    return steps


def _log_out(client):
    client.post("/logout", data={"csrf_token": csrf_token_from(
        client.get("/").get_data(as_text=True))})


def test_every_role_clears_what_waits_after_the_seed_and_each_workflow(
        client, bearer, db_session, app):
    budget = _budget_clerk(db_session)
    users = {u: app.config["DEMO_LOGINS"][u] for u in DEMO_USERS[:3]}
    users["clerk-budget"] = "รหัสผ่าน-ทดสอบ-1"
    users["demo-admin"] = app.config["DEMO_LOGINS"]["demo-admin"]
    _walk_all(client, db_session, users)  # after the seed chain
    letter, itd = _doc(db_session, LETTER), _unit(db_session, "สทส.")
    clerk = bearer("demo-clerk")
    # a proposal with orders to the unit that holds it and to another
    _propose_and_order(client, bearer, db_session, itd)
    memo = _doc(db_session, MEMO)
    for target in (budget, _unit(db_session, "ฝอ.๒ บก.อก.สทส.")):
        made = client.post(f"/api/v1/documents/{memo}/transfers", headers=clerk,
                           json={"to": target, "purpose": "act", "from_unit": itd})
        assert made.status_code == 201
    made = client.post(f"/api/v1/documents/{memo}/transfers", headers=clerk,
                       json={"to": _unit(db_session, "สงป."), "purpose": "inform",
                             "from_unit": itd})
    assert made.status_code == 201  # to a unit without a register: its staff take it in
    # a proposal left for the commander to sign or send back through the pages
    made = client.post(f"/api/v1/documents/{memo}/transfers", headers=clerk, json={
        "to": _unit(db_session, OFFICE), "kind": "propose", "from_unit": itd})
    assert made.status_code == 201
    _walk_all(client, db_session, users)
    # recalled and returned transfers
    first = client.post(f"/api/v1/documents/{letter}/transfers", headers=clerk,
                        json={"to": budget, "purpose": "act", "from_unit": itd})
    client.post(f"/api/v1/transfers/{first.json['items'][0]['id']}/recall", headers=clerk)
    second = client.post(f"/api/v1/documents/{letter}/transfers", headers=clerk,
                         json={"to": budget, "purpose": "act", "from_unit": itd})
    client.post(f"/api/v1/transfers/{second.json['items'][0]['id']}/return",
                headers=bearer("clerk-budget"), json={"reason": "ไม่ใช่งานของหน่วย"})
    assert total_waiting(log_in(client, "clerk-budget")) == 0
    _log_out(client)
    _walk_all(client, db_session, users)
    # nothing is left waiting unseen: every transfer answered, every order reported
    db_session.expire_all()
    assert db_session.scalars(select(Transfer.id).where(
        Transfer.status.in_([TransferStatus.SENT, TransferStatus.OPENED]))).all() == []
    orders = db_session.scalars(select(Order.status)).all()
    assert orders and set(orders) == {"done"}


@pytest.mark.parametrize("order_to", ["target", "proposer", "office"])
def test_every_desk_user_clears_what_waits(client, desk, db_session, order_to):  # noqa: F811
    from saraban.registers.models import Register, RegisterKind

    for unit in (desk.proposer, desk.target):
        db_session.add(Register(unit=unit, kind=RegisterKind.RECEIPT, code="main",
                                name=f"ทะเบียนหนังสือรับ {unit.short_name}"))
    target_clerk = make_user(db_session, units=[desk.target], role="clerk")
    db_session.commit()
    names = ["commander", "deputy", "office-clerk", "proposer", "assignee", "outsider"]
    usernames = [desk.users[n] for n in names] + [target_clerk.username]
    commander = log_in(client, desk.users["commander"])
    page = commander.get(f"/documents/{desk.memo}").get_data(as_text=True)
    unit = {"target": desk.target, "proposer": desk.proposer, "office": desk.office}[order_to]
    signed = commander.post(f"/documents/{desk.memo}/endorsements", data={
        "csrf_token": csrf_token_from(page), "lines": "อนุมัติ", "action": "sign",
        "form_key": f"k-{order_to}", "order-0-unit": str(unit.id),
        "order-0-instruction": "ดำเนินการ"})
    assert signed.status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token_from(page)})
    _walk_all(client, db_session, dict.fromkeys(usernames, "รหัสผ่าน-ทดสอบ-1"))
