"""The e-CMS pages: the send form (a destination picked from the directory by name), e-CMS
letters waiting in the inbox, withdraw and send again on the document page, and the
administrator's /admin/ecms (lists, sync now, mapping). On both databases, CSRF on.

The lists come from the fake node of tests/ecms_node.py, a STAND-IN for DGA's service written
by us (its codes and names are our guesses): these tests show what the pages do with what a
node answers, not what DGA's node answers.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from saraban.accounts.models import User
from saraban.exchange.ecms.models import (
    Direction,
    EcmsCode,
    EcmsLevelMap,
    EcmsMessage,
    EcmsOrganization,
    LevelKind,
    MessageState,
    SignatureStatus,
)
from saraban.exchange.ecms.sending import LETTER, WITHDRAW
from saraban.units.models import Unit
from tests.conftest import csrf_token_from, log_in, make_document, make_user, name_reader
from tests.ecms_node import ORG_1, ORG_2, FakeEcms

THIRD = "0031500003"


@pytest.fixture()
def node():
    fake = FakeEcms({ORG_1: "หน่วยงานทดสอบ ๑", ORG_2: "หน่วยงานทดสอบ ๒",
                     THIRD: "กรมทดสอบระบบสารบรรณ"}).start()
    yield fake
    fake.stop()


@pytest.fixture()
def ecms(app, db_session, node, monkeypatch):
    """This installation is ORG_1 on the fake node, its lists fetched and our levels mapped
    0-3 → 001-004 (as an administrator does with ``saraban ecms sync-codes`` and ``map``)."""
    from saraban.exchange.ecms.codes import map_level
    from saraban.exchange.ecms.pages import sync_now

    monkeypatch.setitem(app.config, "ECMS_ORG_ID", ORG_1)
    monkeypatch.setitem(app.config, "ECMS_NODE_URL", node.url(ORG_1))
    sync_now()
    for level, code in enumerate(("001", "002", "003", "004")):
        map_level(None, "secrecy", level, code)
        map_level(None, "urgency", level, code)
    db_session.commit()
    return node


def _user(db_session, username: str) -> User:
    return db_session.scalar(select(User).where(User.username == username))


def _letter(db_session, *, secrecy: int = 0):
    """A numbered letter of สทส. (the demo clerk's unit) with its PDF."""
    from saraban.documents.files import sniff, store
    from saraban.documents.models import DocumentFile, FileRole
    from saraban.documents.operations import create_document
    from saraban.pdf.stamp import stamp_pdf

    pdf = stamp_pdf("หนังสือทดสอบ", 1, dt.datetime(2026, 12, 3, 3, 0, tzinfo=dt.UTC))
    document = create_document(_user(db_session, "demo-clerk"), {
        "number": f"ทก ๐๐๑/{uuid.uuid4().hex[:4]}", "date": "2026-12-03",
        "sender": "สทส.", "subject": "ขอเชิญประชุมคณะทำงานพัฒนาระบบสารบรรณ",
        "addressee": "หัวหน้าสำนักงาน", "secrecy": secrecy})
    document.files.append(DocumentFile(file_id=store(pdf, sniff(pdf)).id,
                                       role=FileRole.ORIGINAL, filename="หนังสือ.pdf"))
    db_session.commit()
    return document


def _out(db_session, document_id) -> list[EcmsMessage]:
    db_session.expire_all()
    return list(db_session.scalars(select(EcmsMessage).where(
        EcmsMessage.direction == Direction.OUT, EcmsMessage.document_id == document_id)
        .order_by(EcmsMessage.id)))


# --- the send form ---------------------------------------------------------------------------

def test_the_send_form_picks_the_destination_from_the_directory_by_name(
        client, login, db_session, ecms):
    document = _letter(db_session)
    page = login("demo-clerk").get(f"/documents/{document.id}").get_data(as_text=True)
    assert "ส่งทาง e-CMS" in page and 'list="ecms-directory"' in page
    assert f'value="ecms:{ORG_2}" label="หน่วยงานทดสอบ ๒ ({ORG_2})"' in page
    assert "กรมทดสอบระบบสารบรรณ" in page
    assert f'value="ecms:{ORG_1}"' not in page  # not to ourselves
    token = csrf_token_from(page)

    without = client.post(f"/documents/{document.id}/exchange",
                          data={"via": "ecms", "to": f"ecms:{ORG_2}"})
    assert without.status_code == 400 and _out(db_session, document.id) == []

    # the Thai name typed out in full is the organisation it names
    sent = client.post(f"/documents/{document.id}/exchange", follow_redirects=True,
                       data={"csrf_token": token, "via": "ecms", "to": "หน่วยงานทดสอบ ๒"})
    assert "บรรจุหนังสือเข้าคิวส่งทาง e-CMS แล้ว" in sent.get_data(as_text=True)
    [queued] = _out(db_session, document.id)
    assert (queued.operation, queued.counterpart_id, queued.state) == (
        LETTER, ORG_2, MessageState.QUEUED)
    assert queued.raw and b"0031500002" in queued.raw

    # picked from the list; the page shows it on its way, and the second time is refused
    shown = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "หน่วยงานทดสอบ ๒" in shown and "รอส่งถึงระบบ e-CMS" in shown
    again = client.post(f"/documents/{document.id}/exchange", follow_redirects=True,
                        data={"csrf_token": token, "to": f"ecms:{ORG_2}"})
    assert "ส่งถึงหน่วยงานนี้ทาง e-CMS แล้ว" in again.get_data(as_text=True)
    nowhere = client.post(f"/documents/{document.id}/exchange", follow_redirects=True,
                          data={"csrf_token": token, "via": "ecms", "to": "หน่วยงานที่ไม่มี"})
    assert "ecms: ตามด้วยรหัสหน่วยงาน" in nowhere.get_data(as_text=True)
    assert len(_out(db_session, document.id)) == 1

    client.get("/lang/en?next=/")
    english = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "Send through e-CMS" in english and "Waiting to be sent to e-CMS" in english


def test_a_staff_member_sees_no_e_cms_form_and_cannot_post_one(client, login, db_session,
                                                               ecms):
    document = _letter(db_session)
    staff = login("demo-staff")
    page = staff.get("/inbox").get_data(as_text=True)
    answer = staff.post(f"/documents/{document.id}/exchange", follow_redirects=True,
                        data={"csrf_token": csrf_token_from(page), "via": "ecms",
                              "to": f"ecms:{ORG_2}"})
    assert answer.status_code == 404 and _out(db_session, document.id) == []


# --- withdraw and send again -----------------------------------------------------------------

def test_a_rejected_letter_is_withdrawn_then_sent_again_from_its_page(
        client, login, db_session, ecms):
    from saraban.exchange.ecms.sending import queue_letter

    document = _letter(db_session)
    first = queue_letter(_user(db_session, "demo-clerk"), document.id, f"ecms:{ORG_2}")
    first.state, first.last_error = MessageState.REJECTED, "ไม่อยู่ในอำนาจหน้าที่"
    db_session.commit()  # what the worker records when RejectLetterNotifier comes back

    page = login("demo-clerk").get(f"/documents/{document.id}").get_data(as_text=True)
    assert "ปลายทางปฏิเสธ" in page and "ไม่อยู่ในอำนาจหน้าที่" in page
    assert f"/exchange/ecms/letters/{first.id}/withdraw" in page
    done = client.post(f"/exchange/ecms/letters/{first.id}/withdraw", follow_redirects=True,
                       data={"csrf_token": csrf_token_from(page)})
    shown = done.get_data(as_text=True)
    assert "บรรจุคำขอถอนหนังสือเข้าคิวแล้ว" in shown and "รอส่งคำขอถอนหนังสือ" in shown
    assert f"/exchange/ecms/letters/{first.id}/withdraw" not in shown
    assert [m.operation for m in _out(db_session, document.id)] == [LETTER, WITHDRAW]
    twice = client.post(f"/exchange/ecms/letters/{first.id}/withdraw", follow_redirects=True,
                        data={"csrf_token": csrf_token_from(page),
                              "next": f"/documents/{document.id}"})
    assert "ถอนหนังสือนี้ไว้แล้ว" in twice.get_data(as_text=True)
    assert twice.request.path == f"/documents/{document.id}"  # back where the button was

    db_session.get(EcmsMessage, first.id).state = MessageState.WITHDRAWN  # the node took it
    db_session.commit()
    page = client.get(f"/documents/{document.id}").get_data(as_text=True)
    assert "ถอนหนังสือแล้ว" in page and "ส่งใหม่ทาง e-CMS" in page
    again = client.post(f"/documents/{document.id}/exchange", follow_redirects=True,
                        data={"csrf_token": csrf_token_from(page), "via": "ecms",
                              "to": f"ecms:{ORG_2}"})
    assert "บรรจุหนังสือเข้าคิวส่งทาง e-CMS แล้ว" in again.get_data(as_text=True)
    letters = [m for m in _out(db_session, document.id) if m.operation == LETTER]
    assert [m.state for m in letters] == [MessageState.WITHDRAWN, MessageState.QUEUED]
    assert "ส่งใหม่ทาง e-CMS" not in client.get(f"/documents/{document.id}").get_data(
        as_text=True)  # sent again already


# --- arrivals in the inbox -------------------------------------------------------------------

def _pending(db_session, subject: str, *, secrecy: int = 0) -> EcmsMessage:
    """An e-CMS letter the worker stored and left for a clerk (EXCHANGE_AUTO_REGISTER off):
    its document and its row, as worker._take_letter leaves them."""
    document = make_document(db_session, subject, number=f"สพร ๐{uuid.uuid4().hex[:4]}",
                             sender_text="หน่วยงานทดสอบ ๒", secrecy=secrecy,
                             doc_date=dt.date(2026, 12, 3))
    row = EcmsMessage(direction=Direction.IN, operation=LETTER,
                      process_id=uuid.uuid4().hex, letter_id=document.number,
                      correspondence_date=document.doc_date, subject=subject,
                      counterpart_id=ORG_2, state=MessageState.PENDING,
                      document_id=document.id, attempts=0)
    db_session.add(row)
    db_session.commit()
    return row


def test_the_inbox_lists_e_cms_letters_to_accept_or_refuse(client, login, db_session, ecms):
    taken = _pending(db_session, "ขอเชิญประชุมทาง e-CMS")
    refused = _pending(db_session, "ขอข้อมูลทาง e-CMS")
    invalid = _pending(db_session, "หนังสือแนบไฟล์ผิดทาง e-CMS")
    assert "ขอเชิญประชุมทาง e-CMS" not in login("demo-clerk").get("/inbox").get_data(
        as_text=True)  # not a clerk of the central register's unit
    client.post("/logout", data={"csrf_token": csrf_token_from(
        client.get("/inbox").get_data(as_text=True))})

    page = login("demo-admin").get("/inbox").get_data(as_text=True)
    assert "หนังสือจากหน่วยงานภายนอกทาง e-CMS" in page and "๓ ฉบับรอลงรับ" in page
    assert "หน่วยงานทดสอบ ๒" in page and "ขอเชิญประชุมทาง e-CMS" in page
    token = csrf_token_from(page)
    assert client.post(f"/exchange/ecms/arrivals/{taken.id}",
                       data={"action": "accept"}).status_code == 400  # CSRF
    accepted = client.post(f"/exchange/ecms/arrivals/{taken.id}", follow_redirects=True,
                           data={"csrf_token": token, "action": "accept"})
    assert "ลงรับแล้ว จะแจ้งเลขรับกลับทาง e-CMS" in accepted.get_data(as_text=True)
    no_reason = client.post(f"/exchange/ecms/arrivals/{refused.id}", follow_redirects=True,
                            data={"csrf_token": token, "action": "reject", "reason": ""})
    assert "เหตุผล" in no_reason.get_data(as_text=True)
    rejected = client.post(f"/exchange/ecms/arrivals/{refused.id}", follow_redirects=True,
                           data={"csrf_token": token, "action": "reject",
                                 "reason": "ไม่อยู่ในอำนาจหน้าที่"})
    assert "ปฏิเสธหนังสือและแจ้งผู้ส่งทาง e-CMS แล้ว" in rejected.get_data(as_text=True)
    client.post(f"/exchange/ecms/arrivals/{invalid.id}", follow_redirects=True,
                data={"csrf_token": token, "action": "invalid", "reason": "ไฟล์เปิดไม่ได้"})

    db_session.expire_all()
    rows = {r.id: r for r in db_session.scalars(select(EcmsMessage).where(
        EcmsMessage.id.in_([taken.id, refused.id, invalid.id])))}
    assert rows[taken.id].state == MessageState.REGISTERED and rows[taken.id].accept_id
    assert rows[refused.id].state == rows[invalid.id].state == MessageState.REFUSED
    answers = db_session.scalars(select(EcmsMessage.operation).where(
        EcmsMessage.direction == Direction.OUT,
        EcmsMessage.letter_message_id.in_(list(rows)),
        EcmsMessage.operation != "ReceiveLetterNotifier").order_by(EcmsMessage.id)).all()
    assert answers == ["AcceptLetterNotifier", "RejectLetterNotifier", "InvalidLetterNotifier"]
    assert "หนังสือจากหน่วยงานภายนอกทาง e-CMS" not in client.get("/inbox").get_data(
        as_text=True)

    tampered = _pending(db_session, "หนังสือรอลงรับอีกฉบับ")
    tampered.signature_status = SignatureStatus.INVALID  # as the worker records a bad ds:Signature
    tampered.signature_reason = "digest mismatch"
    db_session.commit()
    page = client.get("/inbox").get_data(as_text=True)
    assert "ลายมือชื่อดิจิทัลของหนังสือไม่ถูกต้อง" in page
    client.get("/lang/en?next=/")
    english = client.get("/inbox").get_data(as_text=True)
    assert "Letters from other agencies through e-CMS" in english and "1 to register" in english
    assert "digital signature is invalid" in english


def test_a_secret_arrival_shows_nothing_to_an_uncleared_clerk(client, db_session, ecms):
    top = db_session.scalar(select(Unit).where(Unit.short_name == "ตร."))
    uncleared = make_user(db_session, units=[top], role="clerk", clearance=0)
    cleared = make_user(db_session, units=[top], role="clerk", clearance=1)
    secret = _pending(db_session, "เรื่องลับจากหน่วยงานภายนอก", secrecy=1)
    name_reader(db_session, secret.document, cleared)
    db_session.commit()

    page = log_in(client, uncleared.username).get("/inbox").get_data(as_text=True)
    assert "เรื่องลับจากหน่วยงานภายนอก" not in page
    assert "ทาง e-CMS" not in page and "ฉบับรอลงรับ" not in page  # not even a count
    refused = client.post(f"/exchange/ecms/arrivals/{secret.id}",
                          data={"csrf_token": csrf_token_from(page), "action": "accept"})
    assert refused.status_code == 404
    db_session.expire_all()
    assert db_session.get(EcmsMessage, secret.id).state == MessageState.PENDING
    client.post("/logout", data={"csrf_token": csrf_token_from(page)})

    page = log_in(client, cleared.username).get("/inbox").get_data(as_text=True)
    assert "เรื่องลับจากหน่วยงานภายนอก" in page and "๑ ฉบับรอลงรับ" in page


# --- /admin/ecms -----------------------------------------------------------------------------

def test_only_an_agency_administrator_opens_admin_ecms(client, login, db_session, ecms):
    clerk = login("demo-clerk")
    assert "/admin/ecms" not in clerk.get("/inbox").get_data(as_text=True)  # not in the menu
    assert clerk.get("/admin/ecms").status_code == 403
    token = csrf_token_from(clerk.get("/inbox").get_data(as_text=True))
    assert clerk.post("/admin/ecms/sync", data={"csrf_token": token}).status_code == 403
    assert clerk.post("/admin/ecms/map", data={"csrf_token": token, "kind": "secrecy",
                                               "level": "1", "code": "003"}).status_code == 403
    clerk.post("/logout", data={"csrf_token": token})

    inner = db_session.scalar(select(Unit).where(Unit.short_name == "สทส."))
    unit_admin = make_user(db_session, units=[inner], role="admin")
    db_session.commit()
    assert log_in(client, unit_admin.username).get("/admin/ecms").status_code == 403
    page = client.get("/inbox").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token_from(page)})

    top = db_session.scalar(select(Unit).where(Unit.short_name == "ตร."))
    agency_admin = make_user(db_session, units=[top], role="admin")
    db_session.commit()
    page = log_in(client, agency_admin.username).get("/admin/ecms")
    assert page.status_code == 200 and "/admin/ecms" in page.get_data(as_text=True)


def test_admin_ecms_shows_the_lists_syncs_and_maps(app, client, login, db_session, ecms,
                                                    monkeypatch):
    admin = login("demo-admin")
    page = admin.get("/admin/ecms").get_data(as_text=True)
    assert "ระบบรับส่งหนังสือ e-CMS" in page and ecms.url(ORG_1) in page
    assert "ลับมาก" in page and "ด่วนที่สุด" in page and "ยังไม่เคยดึง" not in page
    assert "๓" in page  # three organisations in the directory
    token = csrf_token_from(page)

    # a new organisation on the node: "sync now" brings it in
    ecms.names["0031500004"] = "สำนักงานทดสอบเพิ่ม"
    synced = admin.post("/admin/ecms/sync", data={"csrf_token": token}, follow_redirects=True)
    assert "ปรับรายการจาก e-CMS แล้ว: หน่วยงาน ๔ รายการ" in synced.get_data(as_text=True)
    assert db_session.scalar(select(func.count(EcmsOrganization.id))) == 4

    # the node refuses (ErrorDetail): a clear message, the lists as they were
    original = ecms._dispatch

    def refusing(organization, request):
        from saraban.exchange.ecms import codec
        from saraban.exchange.ecms.messages import ErrorDetail

        if request.operation == "GetSpeedCodes":
            return codec.build_error(ErrorDetail("E-TEST", "service unavailable"))
        return original(organization, request)

    monkeypatch.setattr(ecms, "_dispatch", refusing)
    ecms.names["0031500005"] = "หน่วยงานที่ไม่ควรเข้ามา"
    failed = admin.post("/admin/ecms/sync", data={"csrf_token": token}, follow_redirects=True)
    text = failed.get_data(as_text=True)
    assert "ปรับรายการจาก e-CMS ไม่สำเร็จ รายการเดิมยังคงอยู่" in text and "E-TEST" in text
    assert db_session.scalar(select(func.count(EcmsOrganization.id))) == 4

    # no node configured
    monkeypatch.setitem(app.config, "ECMS_NODE_URL", None)
    unset = admin.post("/admin/ecms/sync", data={"csrf_token": token}, follow_redirects=True)
    text = unset.get_data(as_text=True)
    assert "ยังไม่ได้ตั้งค่า SARABAN_ECMS_NODE_URL" in text
    assert admin.post("/admin/ecms/sync", data={}).status_code == 400  # CSRF

    # mapping: one code per level, a code the node does not list is refused
    moved = admin.post("/admin/ecms/map", follow_redirects=True, data={
        "csrf_token": token, "kind": "urgency", "level": "1", "code": "003"})
    assert "รหัส 003 กำหนดไว้สำหรับ" in moved.get_data(as_text=True)
    made = admin.post("/admin/ecms/map", follow_redirects=True, data={
        "csrf_token": token, "kind": "secrecy", "level": "1", "code": "999"})
    assert "ไม่มีรหัส &#39;999&#39; ในรายการที่ดึงจาก e-CMS" in made.get_data(as_text=True)
    db_session.execute(EcmsLevelMap.__table__.delete().where(
        EcmsLevelMap.kind == LevelKind.URGENCY, EcmsLevelMap.level == 3))
    db_session.commit()
    done = admin.post("/admin/ecms/map", follow_redirects=True, data={
        "csrf_token": token, "kind": "urgency", "level": "3", "code": "004"})
    assert "บันทึกการจับคู่รหัสแล้ว" in done.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.scalar(select(EcmsLevelMap.code).where(
        EcmsLevelMap.kind == LevelKind.URGENCY, EcmsLevelMap.level == 3)) == "004"
    assert db_session.scalar(select(func.count(EcmsCode.id))) == 8

    admin.get("/lang/en?next=/")
    english = admin.get("/admin/ecms").get_data(as_text=True)
    assert "e-CMS exchange" in english and "Sync with e-CMS now" in english


# --- in a browser ----------------------------------------------------------------------------

@pytest.mark.browser
def test_the_send_form_and_admin_ecms_in_chromium(browser, shots, tmp_path, node):
    """The real server set up as ORG_1 on the fake node, its lists synced from the CLI: the
    send form offers the directory by name, and /admin/ecms shows the lists (screenshots)."""
    import sqlite3

    from tests.browsing import DESKTOP, login, need_chromium
    from tests.servers import saraban, start_server

    need_chromium()
    live = start_server(tmp_path, settings={"SARABAN_ECMS_NODE_URL": node.url(ORG_1),
                                            "SARABAN_ECMS_ORG_ID": ORG_1})
    try:
        saraban(["ecms", "sync-codes"], live.env)
        for level, code in enumerate(("001", "002", "003", "004")):
            saraban(["ecms", "map", "secrecy", str(level), code], live.env)
            saraban(["ecms", "map", "urgency", str(level), code], live.env)
        with sqlite3.connect(tmp_path / "saraban.sqlite3") as db:
            document_id = db.execute("SELECT id FROM document WHERE number IS NOT NULL "
                                     "AND secrecy = 0 ORDER BY id LIMIT 1").fetchone()[0]
        from saraban.pdf.stamp import stamp_pdf

        scan = tmp_path / "หนังสือ.pdf"
        scan.write_bytes(stamp_pdf("หนังสือทดสอบ", 1, dt.datetime(2026, 12, 3, 3, tzinfo=dt.UTC)))
        context = browser.new_context(**DESKTOP)
        page = context.new_page()
        login(page, live.base, "demo-admin", live.logins["demo-admin"])
        page.goto(f"{live.base}/documents/{document_id}")
        page.set_input_files("input#file", str(scan))  # the letter needs its PDF to go
        page.locator("form.upload button[type=submit]").click()
        page.wait_for_load_state()
        page.locator("details#exchange > summary").click()
        field = page.get_by_label("ถึงหน่วยงาน (ทะเบียนหน่วยงาน e-CMS)")
        assert field.is_visible()
        options = page.locator("datalist#ecms-directory option")
        assert options.count() == 2  # the other two organisations, not ourselves
        field.fill("หน่วยงานทดสอบ ๒")
        page.locator("details#exchange").scroll_into_view_if_needed()
        shots(page, "ecms-send")
        page.get_by_role("button", name="ส่งทาง e-CMS").click()
        page.wait_for_load_state()
        flashed = page.locator(".flash").all_inner_texts()
        assert any("บรรจุหนังสือเข้าคิวส่งทาง e-CMS แล้ว" in f for f in flashed), flashed
        page.goto(f"{live.base}/admin/ecms")
        assert page.get_by_role("heading", name="ระบบรับส่งหนังสือ e-CMS").is_visible()
        shots(page, "ecms-admin")
        context.close()
    finally:
        live.stop()


def test_the_inbox_reads_e_cms_arrivals_in_a_fixed_number_of_queries(app, client, login,
                                                                     db_session, ecms):
    from saraban.extensions import db
    from tests.querycount import count_queries

    admin = login("demo-admin")
    counts = []
    for more in (1, 6):
        for i in range(more):
            _pending(db_session, f"หนังสือทดสอบจำนวนคำสั่ง {more}-{i}")
        with count_queries(db.engine) as queries:
            page = admin.get("/inbox").get_data(as_text=True)
        assert "หนังสือทดสอบจำนวนคำสั่ง" in page
        counts.append(queries.count)
    assert counts[0] == counts[1], counts  # not one query per letter
