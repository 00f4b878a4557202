"""The pages for moving a document: forward from the document page, accept from the inbox."""

from __future__ import annotations

from sqlalchemy import select

from saraban.accounts.models import Membership, Role, User
from saraban.registers.models import Receipt
from saraban.units.models import Unit
from tests.conftest import csrf_token_from, make_document
from tests.factories import make_receipt, make_register, make_transfer


def _login_as(client, username, password):
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302


def _received_letter(db_session, subject: str = "ขอเชิญประชุมคณะทำงาน") -> int:
    """A letter of its own that สทส. (the demo clerk's unit) received: its id."""
    unit = db_session.scalar(select(Unit.id).where(Unit.short_name == "สทส."))
    letter = make_document(db_session, subject, number="กข ๐๒/๒๕๖๙", sender_text="กรมตัวอย่าง",
                           origin_unit_id=unit)
    make_receipt(db_session, letter, make_register(db_session, "inbox", "ทะเบียนรับทดสอบ"))
    return letter.id


def test_forward_then_accept_from_the_inbox(client, login, db_session, app):
    budget = db_session.scalar(select(Unit).where(Unit.short_name == "ฝอ.สงป."))
    user = User(username="clerk-budget", display_name="ธุรการ สงป.")
    user.set_password("รหัสผ่าน-ทดสอบ-1")
    user.memberships.append(Membership(unit=budget, role=Role.CLERK))
    db_session.add(user)
    db_session.commit()

    clerk = login("demo-clerk")
    memo = _received_letter(db_session)
    page = clerk.get(f"/documents/{memo}").get_data(as_text=True)
    assert "ส่งต่อ / เวียนหนังสือ" in page
    response = clerk.post(f"/documents/{memo}/forward", data={
        "csrf_token": csrf_token_from(page), "to": [str(budget.id)], "purpose": "act",
        "purpose_text": "เพื่อดำเนินการในส่วนที่เกี่ยวข้อง", "due_date": "๓๐ พ.ย. ๖๙"})
    assert response.status_code == 302
    assert "ส่งถึง ๑ หน่วยแล้ว" in clerk.get(response.headers["Location"]).get_data(
        as_text=True)
    clerk.post("/logout", data={"csrf_token": csrf_token_from(page)})

    _login_as(client, "clerk-budget", "รหัสผ่าน-ทดสอบ-1")
    inbox = client.get("/inbox").get_data(as_text=True)
    assert "เพื่อดำเนินการในส่วนที่เกี่ยวข้อง" in inbox and "กำหนดเสร็จ ๓๐ พ.ย. ๒๕๖๙" in inbox
    transfer_id = inbox.split('/transfers/')[1].split('/accept')[0]
    accepted = client.post(f"/transfers/{transfer_id}/accept",
                           data={"csrf_token": csrf_token_from(inbox)})
    assert accepted.status_code == 302
    shown = client.get(accepted.headers["Location"]).get_data(as_text=True)
    assert "ลงรับแล้ว" in shown and "เลขรับ ๑<" in shown
    number = db_session.scalar(select(Receipt.number).join(Receipt.register).where(
        Receipt.document_id == memo, Receipt.status == "active",
        Receipt.register.has(unit_id=budget.id)))
    assert number == 1
    assert "ไม่มีหนังสือรอรับ" in client.get("/inbox").get_data(as_text=True)


def test_forward_to_nowhere_is_explained(login, db_session):
    letter = _received_letter(db_session)
    client = login("demo-clerk")
    page = client.get(f"/documents/{letter}").get_data(as_text=True)
    response = client.post(f"/documents/{letter}/forward",
                           data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "กรุณาเลือกหน่วยปลายทางอย่างน้อยหนึ่งหน่วย" in shown


def test_a_transfer_not_yet_opened_is_pulled_back_from_the_document_page(
        login, db_session):
    from saraban.routing.models import Transfer

    doc = _received_letter(db_session, "ส่งผิดหน่วย ต้องดึงกลับ")
    budget = db_session.scalar(select(Unit.id).where(Unit.short_name == "ฝอ.สงป."))
    transfer = make_transfer(db_session, doc, budget, purpose="act")
    web = login("demo-clerk")
    page = web.get(f"/documents/{doc}").get_data(as_text=True)
    assert "ส่งแล้ว รอปลายทางเปิด" in page and "ดึงกลับ" in page
    answer = web.post(f"/transfers/{transfer.id}/recall", data={
        "csrf_token": csrf_token_from(page), "document_id": str(doc)}, follow_redirects=True)
    assert "ดึงหนังสือกลับแล้ว" in answer.get_data(as_text=True)
    assert db_session.get(Transfer, transfer.id, populate_existing=True).status.value == "recalled"
    again = web.post(f"/transfers/{transfer.id}/recall", data={
        "csrf_token": csrf_token_from(page), "document_id": str(doc)}, follow_redirects=True)
    assert "รายการนี้ผู้ส่งดึงกลับไปแล้ว" in again.get_data(as_text=True)
