"""The commander's desk: endorsements, acting capacity, orders, delegations (API and rules)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from saraban import thaidate
from saraban.documents.models import Document
from saraban.endorsements.capacity import read_capacity, signature_line
from saraban.endorsements.models import Endorsement
from saraban.endorsements.operations import SignedEndorsementChanged
from saraban.routing.models import Transfer
from saraban.units.models import (
    Delegation,
    DelegationKind,
)


@pytest.mark.parametrize(("kind", "expected"), [
    (None, "รอง ผบช.๗"),
    (DelegationKind.ON_BEHALF, "รอง ผบช.๗ ปรท.ผบช.สทส."),
    (DelegationKind.ACTING, "รอง ผบช.๗ รรท.ผบช.สทส."),
    (DelegationKind.DOING_FOR, "รอง ผบช.๗ ทำการแทน ผบช.สทส."),
    (DelegationKind.CARETAKER, "รอง ผบช.๗ รักษาการแทน ผบช.สทส."),
])
def test_the_signature_line_for_each_capacity(kind, expected):
    assert signature_line("รอง ผบช.๗", kind, "ผบช.สทส." if kind else None) == expected
    assert read_capacity(expected).text == expected


def test_the_seeds_ocr_of_prt_is_read_as_prt():
    read = read_capacity("ผู้ช่วย ผบ.ตร.  พรท.ผบ.ตร.")
    assert (read.own, read.kind, read.for_title) == (
        "ผู้ช่วย ผบ.ตร.", DelegationKind.ON_BEHALF, "ผบ.ตร.")
    assert read.text == "ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร."
    assert read_capacity("รองผู้อำนวยการ รักษาการแทน ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล"
                         ).kind == DelegationKind.CARETAKER


def test_the_seed_endorsement_reads_as_on_paper(client, bearer, db_session):
    memo = db_session.scalar(select(Document.id).where(Document.source_key == "rtp-0033.12-5052"))
    items = client.get(f"/api/v1/documents/{memo}/endorsements",
                       headers=bearer("demo-commander")).json["items"]
    assert len(items) == 1
    e = items[0]
    assert e["lines"] == ["ทราบตามข้อ ๒", "เห็นชอบตามที่เสนอในข้อ ๓"]
    assert e["signature_block"] == "พล.ต.ท.\n(ปิยะ อุทัยโย)\nผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร.\n๒๖ พ.ย. ๖๒"
    # the circulars cite it exactly so: "ตามบันทึกสั่งการ ตร. ลง ๒๖ พ.ย.๖๒ ท้ายหนังสือ ..."
    assert e["circular_citation"] == (
        "บันทึกสั่งการ ตร. ลง ๒๖ พ.ย.๖๒ ท้ายหนังสือ สทส. ที่ ๐๐๓๓.๑๒/๕๐๕๒ ลง ๒๒ พ.ย.๖๒")
    circular = db_session.scalar(select(Document).where(
        Document.source_key == "rtp-0033.12-5183"))
    assert e["circular_citation"] in circular.body


def _draft(client, desk, who="commander", **body):
    body.setdefault("lines", ["ทราบ", "อนุมัติตามที่เสนอ"])
    return client.post(f"/api/v1/documents/{desk.memo}/endorsements",
                       headers=desk.headers[who], json=body)


def test_a_commander_endorses_orders_and_the_assignee_reports_done(client, desk, db_session):
    due = (thaidate.today() + dt.timedelta(days=7)).isoformat()
    proposals = client.get("/api/v1/proposals", headers=desk.headers["commander"]).json["items"]
    assert [p["document_id"] for p in proposals] == [desk.memo]
    made = _draft(client, desk, orders=[{"to_unit": desk.target.id,
                                         "instruction": "ดำเนินการตามที่เสนอ", "due_date": due}])
    assert made.status_code == 201, made.json
    draft = made.json
    assert draft["status"] == "draft" and draft["signed_at"] is None
    assert draft["signature_block"] == "พล.ต.ต.\n(ทดสอบ ผู้บังคับ)\nผบก.ทดสอบ"
    # a draft is the writer's alone, and gives no order yet
    assert client.get("/api/v1/orders", headers=desk.headers["assignee"]).json["items"] == []
    assert client.get(f"/api/v1/endorsements/{draft['id']}",
                      headers=desk.headers["proposer"]).status_code == 404
    changed = client.patch(f"/api/v1/endorsements/{draft['id']}",
                           headers=desk.headers["commander"], json={"lines": ["อนุมัติ"]})
    assert changed.status_code == 200 and changed.json["lines"] == ["อนุมัติ"]

    signed = client.post(f"/api/v1/endorsements/{draft['id']}/sign",
                         headers=desk.headers["commander"])
    assert signed.status_code == 200, signed.json
    e = signed.json
    assert e["status"] == "signed" and e["signature_block"].endswith(
        "ผบก.ทดสอบ\n" + e["signature_block"].rsplit("\n", 1)[1])
    order = e["orders"][0]
    assert order["status"] == "open" and order["overdue"] is False and order["transfer_id"]
    transfer = db_session.get(Transfer, order["transfer_id"])
    assert (transfer.to_unit_id, transfer.due_date.isoformat()) == (desk.target.id, due)

    tasks = client.get("/api/v1/orders", headers=desk.headers["assignee"]).json["items"]
    assert [t["id"] for t in tasks] == [order["id"]]
    assert tasks[0]["document_id"] == desk.memo
    # the assignee now sees the memo; the outsider still does not
    assert client.get(f"/api/v1/documents/{desk.memo}",
                      headers=desk.headers["assignee"]).status_code == 200
    assert client.get(f"/api/v1/documents/{desk.memo}/endorsements",
                      headers=desk.headers["outsider"]).status_code == 404
    empty = client.post(f"/api/v1/orders/{order['id']}/complete",
                        headers=desk.headers["assignee"], json={"note": "  "})
    assert empty.status_code == 400 and empty.json["error"]["field"] == "note"
    assert client.post(f"/api/v1/orders/{order['id']}/complete", headers=desk.headers["outsider"],
                       json={"note": "เสร็จ"}).status_code == 404
    done = client.post(f"/api/v1/orders/{order['id']}/complete",
                       headers=desk.headers["assignee"], json={"note": "ดำเนินการแล้ว"})
    assert done.status_code == 200 and done.json["status"] == "done"
    again = client.post(f"/api/v1/orders/{order['id']}/complete",
                        headers=desk.headers["assignee"], json={"note": "อีกครั้ง"})
    assert again.status_code == 409
    given = client.get("/api/v1/orders?given=1", headers=desk.headers["commander"]).json
    assert given["items"] == []  # done: nothing left to follow up
    history = client.get(f"/api/v1/documents/{desk.memo}/history",
                         headers=desk.headers["commander"]).json["events"]
    kinds = [ev["kind"] for ev in history]
    assert kinds.index("endorsement") < kinds.index("order_done")
    assert [ev["lines"] for ev in history if ev["kind"] == "endorsement"] == [["อนุมัติ"]]
    assert [ev["lines"] for ev in history if ev["kind"] == "order_done"] == [["ดำเนินการแล้ว"]]


def test_a_signed_endorsement_never_changes(client, desk, db_session):
    made = _draft(client, desk, sign=True)
    assert made.status_code == 201 and made.json["status"] == "signed"
    eid = made.json["id"]
    for response in (
        client.patch(f"/api/v1/endorsements/{eid}", headers=desk.headers["commander"],
                     json={"lines": ["แก้"]}),
        client.delete(f"/api/v1/endorsements/{eid}", headers=desk.headers["commander"]),
        client.post(f"/api/v1/endorsements/{eid}/sign", headers=desk.headers["commander"]),
    ):
        assert response.status_code == 409, response.json
        assert "ลงนามแล้ว" in response.json["error"]["message_th"]
    # nor through the session directly
    endorsement = db_session.get(Endorsement, eid)
    with pytest.raises(SignedEndorsementChanged), db_session.begin_nested():
        endorsement.lines[0].text = "แก้ลับ ๆ"
        db_session.flush()
    db_session.expire_all()
    with pytest.raises(SignedEndorsementChanged), db_session.begin_nested():
        db_session.delete(db_session.get(Endorsement, eid))
        db_session.flush()
    db_session.expire_all()
    assert db_session.get(Endorsement, eid).lines[0].text == "ทราบ"
    # a correction is a new endorsement that names the one it corrects
    fixed = _draft(client, desk, lines=["แก้ไขเป็น อนุมัติในหลักการ"], corrects=eid, sign=True)
    assert fixed.status_code == 201 and fixed.json["corrects_id"] == eid
    items = client.get(f"/api/v1/documents/{desk.memo}/endorsements",
                       headers=desk.headers["commander"]).json["items"]
    assert [i["lines"] for i in items] == [["ทราบ", "อนุมัติตามที่เสนอ"],
                                            ["แก้ไขเป็น อนุมัติในหลักการ"]]


def test_the_acting_deputy_signs_for_the_head_within_the_delegation_only(
        client, desk, db_session):
    key = f"delegation:{desk.delegation.id}"
    capacities = client.get("/api/v1/capacities", headers=desk.headers["deputy"]).json["items"]
    assert [c["signature_text"] for c in capacities] == [
        "รอง ผบก.ทดสอบ", "รอง ผบก.ทดสอบ ปรท.ผบก.ทดสอบ"]
    made = _draft(client, desk, who="deputy", capacity=key)
    assert made.status_code == 201, made.json
    # the delegation ends before he signs: he may no longer sign for the head
    delegation = db_session.get(Delegation, desk.delegation.id)
    delegation.start_date = thaidate.today() - dt.timedelta(days=10)
    delegation.end_date = thaidate.today() - dt.timedelta(days=1)
    db_session.commit()
    refused = client.post(f"/api/v1/endorsements/{made.json['id']}/sign",
                          headers=desk.headers["deputy"])
    assert refused.status_code == 403, refused.json
    assert db_session.get(Endorsement, made.json["id"]).status == "draft"
    # back in force: the block reads as the seed's do
    delegation.end_date = thaidate.today()
    db_session.commit()
    signed = client.post(f"/api/v1/endorsements/{made.json['id']}/sign",
                         headers=desk.headers["deputy"])
    assert signed.status_code == 200, signed.json
    assert signed.json["signature_text"] == "รอง ผบก.ทดสอบ ปรท.ผบก.ทดสอบ"
    assert signed.json["capacity"]["acting_kind"] == "on_behalf"


def test_the_capacity_may_be_named_as_written_with_the_ocrs_prt(client, desk):
    made = _draft(client, desk, who="deputy", capacity="รอง ผบก.ทดสอบ  พรท.ผบก.ทดสอบ")
    assert made.status_code == 201, made.json
    assert made.json["signature_text"] == "รอง ผบก.ทดสอบ ปรท.ผบก.ทดสอบ"
    assert made.json["capacity"]["delegation_id"] == desk.delegation.id
    unknown = _draft(client, desk, who="deputy", capacity="รอง ผบก.ทดสอบ รรท.ผบก.ทดสอบ")
    assert unknown.status_code == 400 and unknown.json["error"]["field"] == "capacity"


def test_signing_for_a_position_without_a_delegation_is_refused(client, desk, db_session):
    other = Delegation(person_id=db_session.get(Delegation, desk.delegation.id).person_id,
                       position=desk.deputy_position, kind=DelegationKind.ACTING,
                       start_date=thaidate.today() + dt.timedelta(days=3))
    db_session.add(other)
    db_session.commit()
    refused = _draft(client, desk, who="deputy", capacity=f"delegation:{other.id}")
    assert refused.status_code == 403 and refused.json["error"]["field"] == "capacity"
    someone_elses = _draft(client, desk, capacity=f"delegation:{desk.delegation.id}")
    assert someone_elses.status_code == 403


@pytest.mark.parametrize("who", ["office-clerk", "proposer", "assignee"])
def test_only_the_commander_proposed_to_may_endorse(client, desk, who):
    refused = _draft(client, desk, who=who)
    assert refused.status_code in (403, 404), refused.json
    if refused.status_code == 403:
        assert "เสนอถึงท่าน" in refused.json["error"]["message_th"]


def test_an_administrator_who_sees_everything_may_not_endorse(client, bearer, desk):
    refused = client.post(f"/api/v1/documents/{desk.memo}/endorsements",
                          headers=bearer("demo-admin"), json={"lines": ["อนุมัติ"]})
    assert refused.status_code == 403 and "เสนอถึงท่าน" in refused.json["error"]["message_th"]


def test_an_outsider_sees_nothing_of_it(client, desk):
    assert _draft(client, desk, who="outsider").status_code == 404
    assert client.get("/api/v1/proposals", headers=desk.headers["outsider"]).json["items"] == []


def test_bad_input_is_refused_in_thai_and_english(client, desk):
    for body, field in (
        ({"lines": []}, "lines"),
        ({"lines": "x" * 2000}, "lines"),
        ({"lines": [1, 2]}, "lines"),
        ({"orders": [{"to_unit": 999999, "instruction": "ทำ"}]}, "orders.to_unit"),
        ({"orders": [{"to_unit": 1}]}, "orders.instruction"),
        ({"orders": [{"to_unit": 1, "instruction": "ทำ", "due_date": "๑ ม.ค. ๒๕๐๐"}]},
         "orders.due_date"),
        ({"corrects": 999999}, "corrects"),
    ):
        refused = _draft(client, desk, **body)
        assert refused.status_code in (400, 404), (body, refused.json)
        assert refused.json["error"]["field"] == field
        assert refused.json["error"]["message_th"] and refused.json["error"]["message"]


def test_the_same_request_twice_makes_one_endorsement(client, desk, db_session):
    headers = {**desk.headers["commander"], "Idempotency-Key": "form-123"}
    first = client.post(f"/api/v1/documents/{desk.memo}/endorsements", headers=headers,
                        json={"lines": ["ทราบ"], "sign": True})
    second = client.post(f"/api/v1/documents/{desk.memo}/endorsements", headers=headers,
                         json={"lines": ["ทราบ"], "sign": True})
    assert first.json["id"] == second.json["id"]
    assert len(db_session.scalars(select(Endorsement).where(
        Endorsement.document_id == desk.memo)).all()) == 1


def test_overdue_orders_are_marked(client, desk, today_is):
    due = thaidate.today() + dt.timedelta(days=2)
    made = _draft(client, desk, sign=True, orders=[
        {"to_unit": desk.target.id, "instruction": "รายงานผล", "due_date": due.isoformat()}])
    assert made.json["orders"][0]["overdue"] is False
    today_is(due)  # due today is not late yet
    tasks = client.get("/api/v1/orders", headers=desk.headers["assignee"]).json["items"]
    assert tasks[0]["overdue"] is False
    today_is(due + dt.timedelta(days=1))
    tasks = client.get("/api/v1/orders", headers=desk.headers["assignee"]).json["items"]
    given = client.get("/api/v1/orders?given=1", headers=desk.headers["commander"]).json["items"]
    assert tasks[0]["overdue"] is True and given[0]["overdue"] is True


def test_delegations_are_kept_by_administrators(client, bearer, desk, db_session):
    admin = bearer("demo-admin")
    person = db_session.get(Delegation, desk.delegation.id).person_id
    body = {"person_id": person, "position_id": desk.head.id, "kind": "พรท.",
            "start_date": "๑ ม.ค. ๒๕๗๐", "end_date": "๓๑ ม.ค. ๒๕๗๐", "authority": "คำสั่งที่ ๑/๒๕๗๐"}
    assert client.post("/api/v1/delegations", headers=desk.headers["commander"],
                       json=body).status_code == 403
    made = client.post("/api/v1/delegations", headers=admin, json=body)
    assert made.status_code == 201, made.json
    assert made.json["kind"] == "on_behalf" and made.json["kind_th"] == "ปรท."
    assert client.post("/api/v1/delegations", headers=admin, json=body).status_code == 409
    bad = client.post("/api/v1/delegations", headers=admin, json={**body, "kind": "แทน"})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "kind"
    mine = client.get("/api/v1/delegations", headers=desk.headers["deputy"]).json["items"]
    assert {d["id"] for d in mine} == {desk.delegation.id, made.json["id"]}
    assert client.get("/api/v1/delegations", headers=desk.headers["assignee"]).json[
        "items"] == []
    # signed under it: it can no longer end before that day, nor be deleted
    assert _draft(client, desk, who="deputy", capacity=f"delegation:{desk.delegation.id}",
                  sign=True).status_code == 201
    early = client.patch(f"/api/v1/delegations/{desk.delegation.id}", headers=admin,
                         json={"end_date": (thaidate.today() - dt.timedelta(days=1)).isoformat()})
    assert early.status_code == 409
    assert client.delete(f"/api/v1/delegations/{desk.delegation.id}",
                         headers=admin).status_code == 409
    assert client.delete(f"/api/v1/delegations/{made.json['id']}", headers=admin).status_code == 204
