"""The clerk's receipt form: register, see the number, never register twice."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from saraban.documents.models import Document
from saraban.registers.models import Receipt
from tests.conftest import csrf_token_from


def _form(client):
    html = client.get("/receive").get_data(as_text=True)
    key = re.search(r'name="form_key" type="hidden" value="([0-9a-f]+)"', html).group(1)
    register = re.search(r'<option selected value="(\d+)">', html).group(1)
    return html, key, register


def _data(html, key, register, **extra):
    return {"csrf_token": csrf_token_from(html), "form_key": key, "register_id": register,
            "number": "กค ๐๔๐๘/ว๑๒", "date": "๒๐ พ.ย. ๖๙", "sender": "กรมบัญชีกลาง",
            "addressee": "ผบช.สทส.", "subject": "ขอเชิญประชุมเรื่องงบประมาณ",
            "urgency": "3", "secrecy": "0", **extra}


def _count(db_session):
    return db_session.scalar(select(func.count()).select_from(Receipt))


def test_receive_shows_the_new_number_and_a_fresh_form(login, db_session):
    client = login("demo-clerk")
    html, key, register = _form(client)
    response = client.post("/receive", data=_data(html, key, register))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "เลขรับ <strong>๑</strong>" in page
    assert "ขอเชิญประชุมเรื่องงบประมาณ" in page
    new_key = re.search(r'name="form_key" type="hidden" value="([0-9a-f]+)"', page).group(1)
    assert new_key != key
    doc = db_session.scalar(select(Document).where(Document.subject == "ขอเชิญประชุมเรื่องงบประมาณ"))
    assert doc.urgency == 3 and doc.doc_date.isoformat() == "2026-11-20"


def test_the_same_form_twice_registers_once(login, db_session):
    client = login("demo-clerk")
    html, key, register = _form(client)
    before = _count(db_session)
    first = client.post("/receive", data=_data(html, key, register))
    second = client.post("/receive", data=_data(html, key, register))
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(db_session) == before + 1


def test_bad_date_is_explained_in_thai_and_nothing_is_saved(login, db_session):
    client = login("demo-clerk")
    html, key, register = _form(client)
    before = _count(db_session)
    response = client.post("/receive", data=_data(html, key, register, date="๕๐ ธ.ค. ๒๕๖๒"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "วันที่ ๕๐ ไม่มีในเดือนธันวาคม" in page
    assert "ขอเชิญประชุมเรื่องงบประมาณ" in page  # what was typed is kept
    assert _count(db_session) == before


def test_another_units_register_is_refused(login, db_session):
    from saraban.registers.models import Register
    from saraban.units.models import Unit

    client = login("demo-clerk")
    html, key, _ = _form(client)
    other = db_session.scalar(select(Register.id).join(Unit).where(Unit.short_name == "ฝอ.สงป.",
                                                                  Register.kind == "receipt"))
    before = _count(db_session)
    response = client.post("/receive", data=_data(html, key, str(other)))
    assert response.status_code == 200
    assert "ไม่มีตัวเลือกนี้ในรายการ" in response.get_data(as_text=True)
    assert _count(db_session) == before


def test_staff_have_no_receipt_form(login):
    assert login("demo-staff").get("/receive").status_code == 403


def _pdf() -> bytes:
    from saraban.pdf.stamp import stamp_pdf

    return stamp_pdf("หนังสือจากกรมบัญชีกลาง", 1, None)


def test_a_scan_sent_with_the_form_is_kept_with_a_stamped_copy(login, db_session):
    import io

    from saraban.documents.models import DocumentFile

    client = login("demo-clerk")
    html, key, register = _form(client)
    response = client.post("/receive", data=_data(
        html, key, register, subject="หนังสือพร้อมไฟล์สแกน",
        scan=(io.BytesIO(_pdf()), "letter.pdf")), content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ไฟล์ ๒ ไฟล์" in page
    doc = db_session.scalar(select(Document).where(Document.subject == "หนังสือพร้อมไฟล์สแกน"))
    roles = sorted(f.role.value for f in db_session.scalars(
        select(DocumentFile).where(DocumentFile.document_id == doc.id)))
    assert roles == ["scan", "stamped"]


def test_a_wrong_or_damaged_scan_registers_nothing_and_keeps_the_form(login, db_session):
    import io

    client = login("demo-clerk")
    for content, name, message in [
        (b"MZ\x90\x00 not a scan at all", "letter.pdf", "ตรวจจากเนื้อไฟล์"),
        (b"%PDF-1.7\n garbage without any objects", "letter.pdf", "ไฟล์ PDF เสียหาย"),
    ]:
        html, key, register = _form(client)
        before = _count(db_session)
        response = client.post("/receive", data=_data(
            html, key, register, subject="เรื่องที่ต้องไม่หาย",
            scan=(io.BytesIO(content), name)), content_type="multipart/form-data")
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and message in page
        assert "เรื่องที่ต้องไม่หาย" in page and "กค ๐๔๐๘/ว๑๒" in page  # nothing typed is lost
        assert _count(db_session) == before


def test_the_form_suggests_the_sender_from_the_number_and_back(login, db_session):
    client = login("demo-clerk")
    html, key, register = _form(client)
    assert "receive.js" in html and "data-suggest" in html
    client.post("/receive", data=_data(html, key, register, number="กค ๐๔๐๘/ว๑๒"))
    # a later letter of the same sender, typed in Arabic digits
    found = client.get("/receive/suggest?number=กค 0408/ว99").json
    assert found["sender"] == "กรมบัญชีกลาง" and found["addressee"] == "ผบช.สทส."
    back = client.get("/receive/suggest?sender=กรมบัญชีกลาง").json
    assert back["number_prefix"] == "กค ๐๔๐๘/"
    nothing = client.get("/receive/suggest?number=ไม่มี%25_/1").json
    assert nothing == {"sender": None, "addressee": None, "number_prefix": None}


def test_suggestions_come_only_from_letters_the_user_may_see(login, db_session):
    client = login("demo-clerk")
    html, key, register = _form(client)
    client.post("/receive", data=_data(html, key, register, number="ลข ๙๙๙/๑",
                                       sender="หน่วยที่คนอื่นมองไม่เห็น"))
    page = client.get("/receive").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token_from(page)})
    other = login("demo-staff")  # another command: never received this letter
    assert other.get("/receive/suggest?number=ลข ๙๙๙/๒").json["sender"] is None
    assert other.get("/receive/suggest?sender=หน่วยที่คนอื่นมองไม่เห็น").json[
        "number_prefix"] is None
