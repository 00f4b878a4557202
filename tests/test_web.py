"""The pages a person sees: login, home, the document page with its history in Thai."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saraban.documents.models import Document
from tests.conftest import csrf_token_from


def _id(session, key):
    return session.scalar(select(Document.id).where(Document.source_key == key))


def test_pages_need_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_refuses_wrong_password_in_thai(client):
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={"username": "demo-clerk", "password": "wrong", "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 200
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, app):
    response = client.post(
        "/login",
        data={"username": "demo-clerk", "password": app.config["DEMO_LOGINS"]["demo-clerk"]},
    )
    assert response.status_code == 400
    assert "แบบฟอร์ม" in response.get_data(as_text=True)


def test_login_ignores_offsite_next(client, app):
    page = client.get("/login?next=https://evil.example/").get_data(as_text=True)
    response = client.post(
        "/login?next=https://evil.example/",
        data={
            "username": "demo-clerk",
            "password": app.config["DEMO_LOGINS"]["demo-clerk"],
            "csrf_token": csrf_token_from(page),
        },
    )
    assert response.headers["Location"] == "/"


def test_home_lists_documents_of_the_users_units(login):
    client = login("demo-clerk")
    html = client.get("/").get_data(as_text=True)
    assert "๐๐๓๓.๑๒/๕๐๕๒" in html
    assert "๐๐๑๐.๐๑๑/๑๕๑๑" not in html  # สงป.'s own copy is not the clerk's


def test_document_page_shows_the_paper_trail_in_thai(login, db_session):
    client = login("demo-admin")
    html = client.get(f"/documents/{_id(db_session, 'dga-2562-w4099')}").get_data(as_text=True)
    for expected in ("สพร ๒๕๖๒/ว๔๐๙๙", "๑ พฤศจิกายน ๒๕๖๒", "เลขรับ <strong>๓๐๙๘๗</strong>",
                     "เลขรับ <strong>๔๓๒๓</strong>", "เลขรับ <strong>๘๐๐๗</strong>",
                     "๑๔.๕๐ น.", "๑๕.๐๐ น.", "ตราไม่ระบุเวลา", "๑๑ พ.ย. ๒๕๖๒"):
        assert expected in html, expected
    # The stamps appear in time order.
    assert html.index("๓๐๙๘๗") < html.index("๔๓๒๓") < html.index("๘๐๐๗")


def test_memo_page_shows_endorsement_as_on_paper(login, db_session):
    client = login("demo-admin")
    html = client.get(f"/documents/{_id(db_session, 'rtp-0033.12-5052')}").get_data(as_text=True)
    assert "ทราบตามข้อ ๒" in html and "เห็นชอบตามที่เสนอในข้อ ๓" in html
    assert "ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร." in html
    assert "๒๖ พ.ย. ๖๒" in html
    assert "เลขรับ <strong>๕๐๖๓</strong>" in html and "๑๑.๒๕ น." in html
    assert "๐๐๓๓.๑๒/๕๑๘๓" in html and "๐๐๓๓.๑๒/๕๑๙๓" in html  # certified copies
    assert "๐๐๑๐.๐๑๑/๑๕๑๑" in html  # the matter reaches สงป.'s forwarding


def test_document_of_another_unit_is_not_found(login, db_session):
    client = login("demo-staff")  # สงป.
    response = client.get(f"/documents/{_id(db_session, 'rtp-0033.12-5052')}")
    assert response.status_code == 404
    assert "ไม่พบ" in response.get_data(as_text=True)


def test_number_search_with_arabic_digits(login):
    client = login("demo-clerk")
    html = client.get("/documents/?number=0033.12/5052").get_data(as_text=True)
    assert "แจ้งผลการสำรวจ" in html and "๑ ฉบับ" in html


def test_security_headers(login):
    response = login("demo-clerk").get("/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_logout_needs_post_and_ends_session(login):
    client = login("demo-clerk")
    html = client.get("/").get_data(as_text=True)
    assert client.get("/logout").status_code == 405
    response = client.post("/logout", data={"csrf_token": csrf_token_from(html)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_page_is_thai_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "ไม่พบหน้า" in response.get_data(as_text=True)


def test_commander_home_shows_what_waits_for_him(login, bearer, db_session):
    from saraban.documents.models import Document
    from saraban.units.models import Unit

    client = login("demo-commander")
    html = client.get("/").get_data(as_text=True)
    assert "งานที่รอท่าน" in html and "ไม่มีงานค้าง" in html  # the sample memo was endorsed
    memo = db_session.scalar(select(Document).where(Document.source_key == "rtp-0033.12-5052"))
    office = db_session.scalar(select(Unit).where(Unit.short_name == "สง.ผู้ช่วย ผบ.ตร.(ปร ๓)"))
    proposed = client.post(f"/api/v1/documents/{memo.id}/transfers",
                           headers=bearer("demo-clerk"),
                           json={"to": [office.id], "kind": "propose"})
    assert proposed.status_code == 201, proposed.json
    html = client.get("/").get_data(as_text=True)
    assert "เรื่องเสนอรอพิจารณา" in html and "<strong>๑</strong>" in html
    assert f'href="/documents/{memo.id}#endorse"' in html


def test_clerk_home_shows_the_units_receipt_register(login):
    html = login("demo-clerk").get("/").get_data(as_text=True)
    assert "ลงรับล่าสุดของหน่วย" in html
    assert "๔๓๒๓" in html and "๘๐๐๗" in html  # สทส. and its ฝอ.๒
    assert "๕๕๓" not in html  # สงป.'s register is not the clerk's


def test_admin_home_shows_the_whole_system(login):
    html = login("demo-admin").get("/").get_data(as_text=True)
    assert "ภาพรวมของระบบ" in html and "<strong>๕</strong> หนังสือ" in html


def test_document_page_queries_do_not_grow_with_history(login, db_session, app):
    """No N+1: a document with 40 receipts costs the page as many queries as one with 2."""
    import datetime as dt

    from saraban.registers.models import Register
    from saraban.units.models import Unit
    from tests.conftest import make_document, make_user
    from tests.factories import make_receipt
    from tests.querycount import count_queries

    client = login("demo-admin")
    units = db_session.scalars(select(Unit).where(Unit.keeps_registers)).all()
    registers = [Register(unit=units[i % len(units)], kind="receipt", code=f"q{i}", name="q")
                 for i in range(40)]
    db_session.add_all(registers)
    clerk = make_user(db_session, units=units, role="clerk")  # the clerk of every one

    def page_queries(receipts: int) -> int:
        doc = make_document(db_session, subject=f"ทดสอบ {receipts}", number=f"ทดสอบ/{receipts}",
                            created_by_id=clerk.id)
        for i in range(receipts):  # a unit's second register receives it again, knowingly
            make_receipt(db_session, doc, registers[i], by=clerk, duplicate=True,
                         received_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i))
        with count_queries(db_session) as queries:
            assert client.get(f"/documents/{doc.id}").status_code == 200
        return queries.count

    assert 0 < page_queries(40) == page_queries(2)


@pytest.mark.parametrize("username", ["\x00", "demo-clerk\x00", "'; --", "ก" * 81, " "])
def test_odd_login_names_are_refused_cleanly(client, username):
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login", data={"username": username, "password": "x", "csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert any(
        message in html
        for message in ("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง", "กรุณากรอกชื่อผู้ใช้", "ชื่อผู้ใช้ยาวเกิน")
    )
