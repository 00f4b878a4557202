"""The commander's desk in the browser's pages: propose, endorse, sign, tasks, PDFs."""

from __future__ import annotations

import datetime as dt
import re
import subprocess

from sqlalchemy import select

from saraban import thaidate
from saraban.documents.models import Document, DocumentReference
from saraban.endorsements.models import Endorsement, Order
from saraban.thaidate import format_date
from tests.conftest import csrf_token_from, log_in, make_document
from tests.deskworld import PASSWORD
from tests.factories import make_endorsement, make_transfer
from tests.pdftools import need
from tests.querycount import count_queries


def _login(client, username: str):
    return log_in(client, username, PASSWORD)


def _form_key(html: str) -> str:
    return re.search(r'name="form_key" value="([0-9a-f]+)"', html).group(1)


def test_the_commander_reads_endorses_and_orders_from_his_pages(client, desk, db_session):
    _login(client, desk.users["commander"])
    inbox = client.get("/desk").get_data(as_text=True)
    assert "บันทึกเสนอขออนุมัติโครงการ" in inbox and "ข้อเสนอ เห็นควรอนุมัติ" in inbox
    page = client.get(f"/documents/{desk.memo}").get_data(as_text=True)
    assert "เกษียนหนังสือ / บันทึกสั่งการ" in page and "เห็นชอบตามที่เสนอ" in page
    due = thaidate.today() + dt.timedelta(days=3)
    form = {"csrf_token": csrf_token_from(page), "form_key": _form_key(page),
            "phrase": ["ทราบ", "อนุมัติ"], "lines": "ให้ กองปฏิบัติ ดำเนินการ\n",
            "capacity": "", "order-0-unit": str(desk.target.id),
            "order-0-instruction": "ดำเนินการตามที่เสนอ",
            "order-0-due": format_date(due), "action": "sign"}
    first = client.post(f"/documents/{desk.memo}/endorsements", data=form)
    again = client.post(f"/documents/{desk.memo}/endorsements", data=form)  # a double click
    assert first.status_code == again.status_code == 302
    signed = db_session.scalars(select(Endorsement).where(
        Endorsement.document_id == desk.memo)).all()
    assert len(signed) == 1 and signed[0].status == "signed"
    assert [x.text for x in signed[0].lines] == ["ทราบ", "อนุมัติ", "ให้ กองปฏิบัติ ดำเนินการ"]
    shown = client.get(f"/documents/{desk.memo}").get_data(as_text=True)
    assert "(ทดสอบ ผู้บังคับ)\nผบก.ทดสอบ" in shown and "- อนุมัติ" in shown
    assert "คำสั่งที่ติดตาม" in client.get("/desk").get_data(as_text=True)

    # the assignee finds the task, sees it overdue when it is, and reports it done
    client.post("/logout", data={"csrf_token": csrf_token_from(shown)})
    _login(client, desk.users["assignee"])
    tasks = client.get("/tasks").get_data(as_text=True)
    assert "ดำเนินการตามที่เสนอ" in tasks and "เลยกำหนด" not in tasks
    order = db_session.scalar(select(Order).where(Order.endorsement_id == signed[0].id))
    done = client.post(f"/orders/{order.id}/complete",
                       data={"csrf_token": csrf_token_from(tasks), "note": "ดำเนินการแล้ว"})
    assert done.status_code == 302
    db_session.expire_all()
    assert db_session.get(Order, order.id).status == "done"


def test_a_draft_is_kept_then_signed_and_then_fixed(client, desk, db_session):
    _login(client, desk.users["commander"])
    page = client.get(f"/documents/{desk.memo}").get_data(as_text=True)
    client.post(f"/documents/{desk.memo}/endorsements", data={
        "csrf_token": csrf_token_from(page), "form_key": _form_key(page), "lines": "ทราบ",
        "action": "save"})
    draft = db_session.scalar(select(Endorsement).where(Endorsement.document_id == desk.memo))
    assert draft.status == "draft"
    page = client.get(f"/documents/{desk.memo}").get_data(as_text=True)
    assert "ร่างเกษียน (ยังไม่ได้ลงนาม)" in page and "ลบร่าง" in page
    token = csrf_token_from(page)
    client.post(f"/endorsements/{draft.id}", data={
        "csrf_token": token, "document_id": desk.memo, "lines": "ทราบ\nเห็นชอบ",
        "action": "sign"})
    db_session.expire_all()
    assert db_session.get(Endorsement, draft.id).status == "signed"
    refused = client.post(f"/endorsements/{draft.id}", data={
        "csrf_token": token, "document_id": desk.memo, "action": "delete"},
        follow_redirects=True).get_data(as_text=True)
    assert "เกษียนนี้ลงนามแล้ว ลบไม่ได้" in refused
    db_session.expire_all()
    assert [x.text for x in db_session.get(Endorsement, draft.id).lines] == ["ทราบ", "เห็นชอบ"]


def test_a_clerk_of_the_office_gets_no_form_and_is_refused(client, desk, db_session):
    _login(client, desk.users["office-clerk"])
    page = client.get(f"/documents/{desk.memo}").get_data(as_text=True)
    assert 'name="phrase"' not in page
    refused = client.post(f"/documents/{desk.memo}/endorsements", data={
        "csrf_token": csrf_token_from(page), "lines": "อนุมัติ", "action": "sign"},
        follow_redirects=True).get_data(as_text=True)
    assert "หนังสือนี้ไม่ได้เสนอถึงท่าน" in refused
    assert db_session.scalar(select(Endorsement.id).where(
        Endorsement.document_id == desk.memo)) is None


def test_overdue_tasks_are_marked_on_both_pages(client, desk, today_is, db_session):
    due = thaidate.today() + dt.timedelta(days=1)
    make_endorsement(db_session, desk.memo, by=desk.users["commander"], orders=[
        {"to_unit": desk.target.id, "instruction": "รายงานภายในพรุ่งนี้", "due_date": due.isoformat()}])
    _login(client, desk.users["assignee"])
    assert "เลยกำหนด" not in client.get("/tasks").get_data(as_text=True)  # not yet late
    today_is(due + dt.timedelta(days=2))
    assert "เลยกำหนด" in client.get("/tasks").get_data(as_text=True)
    page = client.get("/tasks").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token_from(page)})
    _login(client, desk.users["commander"])
    assert "เลยกำหนด" in client.get("/desk").get_data(as_text=True)


def test_the_desk_costs_the_same_queries_for_one_proposal_as_for_six(client, desk, db_session):
    def queries() -> int:
        with count_queries(db_session) as counted:
            assert client.get("/desk?show=all").status_code == 200
        return counted.count

    _login(client, desk.users["commander"])
    one = queries()
    for i in range(5):
        memo = make_document(db_session, f"บันทึกที่ {i}", origin_unit_id=desk.proposer.id)
        make_transfer(db_session, memo, desk.office, by=desk.users["proposer"], propose=True)
    assert 0 < queries() == one


def test_the_seeds_endorsement_sheet_and_routing_slip(client, login, db_session):
    memo = db_session.scalar(select(Document.id).where(Document.source_key == "rtp-0033.12-5052"))
    login("demo-commander")
    sheet = client.get(f"/documents/{memo}/endorsement-sheet.pdf")
    slip = client.get(f"/documents/{memo}/routing-slip.pdf")
    assert sheet.status_code == slip.status_code == 200
    assert sheet.mimetype == "application/pdf"
    text = " ".join(subprocess.run([need("pdftotext"), "-", "-"], input=sheet.data,
                                   capture_output=True, check=True).stdout.decode().split())
    for expected in ("ใบเกษียนหนังสือ", "๐๐๓๓.๑๒/๕๐๕๒", "- ทราบตามข้อ ๒",
                     "(ปิยะ อุทัยโย)", "ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร.", "๒๖ พ.ย. ๖๒",
                     "สง.ผู้ช่วย ผบ.ตร.(ปร ๓) รับที่ ๕๐๖๓"):
        assert expected in text, expected
    slip_text = " ".join(subprocess.run([need("pdftotext"), "-", "-"], input=slip.data,
                                        capture_output=True, check=True).stdout.decode().split())
    assert "ใบปะหน้าเสนอ" in slip_text and "เรียน ผู้ช่วย ผบ.ตร." in slip_text
    # another unit's user sees neither
    assert client.get("/documents/999999/endorsement-sheet.pdf").status_code == 404


def test_a_circular_carries_the_endorsement_as_the_seeds_do(client, bearer, db_session):
    memo = db_session.scalar(select(Document.id).where(Document.source_key == "rtp-0033.12-5052"))
    endorsement = db_session.scalar(select(Endorsement.id).where(
        Endorsement.document_id == memo))
    from saraban.registers.models import Register
    from saraban.units.models import Unit

    register = db_session.scalar(select(Register.id).join(Register.unit).where(
        Unit.short_name == "สทส.", Register.kind == "dispatch", Register.code == "main"))
    made = client.post(f"/api/v1/documents/{memo}/certified-copies",
                       headers=bearer("demo-clerk"),
                       json={"register_id": register, "certifier_name": "พ.ต.ต. ตัวอย่าง",
                             "certifier_position": "สว.", "endorsement_id": endorsement})
    assert made.status_code == 201, made.json
    copy = db_session.get(Document, made.json["copy_id"])
    assert copy.body.splitlines()[1].startswith(
        "เพื่อโปรดทราบ ตามบันทึกสั่งการ ตร. ลง ๒๖ พ.ย.๖๒ ท้ายหนังสือ สทส. ที่ ๐๐๓๓.๑๒/๕๐๕๒ "
        "ลง ๒๒ พ.ย.๖๒ เรื่อง ")
    assert copy.subject.endswith("(สำเนาถูกต้อง เวียนตามบันทึกสั่งการ ตร.)")
    reference = db_session.scalar(select(DocumentReference).where(
        DocumentReference.document_id == copy.id))
    assert (reference.relation, reference.target_id) == ("endorsed_on", memo)
    wrong = client.post(f"/api/v1/documents/{memo}/certified-copies",
                        headers=bearer("demo-clerk"),
                        json={"register_id": register, "certifier_name": "ก",
                              "certifier_position": "ข", "endorsement_id": 999999})
    assert wrong.status_code == 400 and wrong.json["error"]["field"] == "endorsement_id"


def test_administrators_keep_delegations_on_their_page(client, login, desk, db_session):
    from saraban.units.models import Delegation

    login("demo-admin")
    page = client.get("/delegations").get_data(as_text=True)
    assert "เพิ่มคำสั่งให้ทำแทน" in page and "รอง ทำแทน" in page
    person = db_session.get(Delegation, desk.delegation.id).person_id
    done = client.post("/delegations", data={
        "csrf_token": csrf_token_from(page), "person_id": person,
        "position_id": desk.head.id, "kind": "acting", "start_date": "๑ ม.ค. ๒๕๗๕",
        "end_date": "๒ ม.ค. ๒๕๗๕", "authority": "คำสั่ง ตร. ที่ ๑/๒๕๗๕"},
        follow_redirects=True).get_data(as_text=True)
    assert "บันทึกคำสั่งให้ทำแทนแล้ว" in done and "รักษาราชการแทน (รรท.)" in done


def test_other_users_may_not_keep_delegations(client, desk):
    _login(client, desk.users["commander"])
    page = client.get("/delegations").get_data(as_text=True)
    assert "เพิ่มคำสั่งให้ทำแทน" not in page
    assert client.post("/delegations", data={"csrf_token": csrf_token_from(page)}
                       ).status_code == 403
