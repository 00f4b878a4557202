"""The letterhead: set once on the agency's top unit, inherited below, edited by an
administrator on the page and through the API, and read by letters (letterhead_for)."""

from __future__ import annotations

from sqlalchemy import select

from saraban.units.letterhead import letterhead_for
from saraban.units.models import Unit
from tests.conftest import csrf_token_from, make_unit


def _unit(db_session, short_name: str) -> Unit:
    return db_session.scalar(select(Unit).where(Unit.short_name == short_name))


def test_the_agency_code_and_address_are_inherited_and_the_telephone_is_the_units_own(
        db_session):
    office = _unit(db_session, "สทส.")
    head = letterhead_for(office)
    assert head["agency_name"] == "สำนักงานตำรวจแห่งชาติ"
    assert head["letter_code"] == "ตช" and head["doc_code"] == "0033.12"
    assert head["address_lines"] == ["อาคาร ๑ ถนนพระรามที่ ๑",
                                     "แขวงวังใหม่ เขตปทุมวัน กรุงเทพมหานคร ๑๐๓๓๐"]
    assert head["unit_name"] == head["owner_unit_line"] == office.name_th
    assert head["telephone"] == ""
    office.telephone, office.fax, office.email = "0 2205 1234", "0 2205 1235", "saraban@x.go.th"
    branch = make_unit(db_session, "สาขาทดสอบ", parent=office, address="ถนนทดสอบ\nเชียงใหม่")
    head = letterhead_for(office)
    assert head["telephone"] == "๐ ๒๒๐๕ ๑๒๓๔" and head["fax"] == "๐ ๒๒๐๕ ๑๒๓๕"
    below = letterhead_for(branch)
    assert below["address_lines"] == ["ถนนทดสอบ", "เชียงใหม่"]  # its own address wins
    assert below["letter_code"] == "ตช" and below["telephone"] == ""  # no one else's line


def test_an_administrator_sets_the_letterhead_on_the_page_and_a_bad_email_is_refused(
        client, login, db_session):
    login("demo-admin")
    office = _unit(db_session, "สทส.")
    url = f"/admin/units/{office.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="letter_code"' in page and "หัวหนังสือ" in page
    token = csrf_token_from(page)
    done = client.post(url, data={
        "csrf_token": token, "action": "letterhead", "letter_code": "", "telephone": "๐ ๒๒๐๕ ๑๒๓๔",
        "fax": "", "email": "saraban.ict@police.go.th",
        "address": "  อาคารทดสอบ \r\n\r\n ถนนทดสอบ  "}, follow_redirects=True)
    assert "บันทึกหัวหนังสือแล้ว" in done.get_data(as_text=True)
    db_session.refresh(office)
    assert office.address == "อาคารทดสอบ\nถนนทดสอบ" and office.email == "saraban.ict@police.go.th"
    assert letterhead_for(office)["address_lines"] == ["อาคารทดสอบ", "ถนนทดสอบ"]
    refused = client.post(url, data={"csrf_token": token, "action": "letterhead",
                                     "email": "ไม่ใช่อีเมล"}, follow_redirects=True)
    assert "ไปรษณีย์อิเล็กทรอนิกส์ต้องเป็นรูปแบบ" in refused.get_data(as_text=True)
    db_session.refresh(office)
    assert office.email == "saraban.ict@police.go.th"


def test_the_unit_api_sets_and_shows_the_letterhead(client, bearer, db_session):
    headers = bearer("demo-admin")
    office = _unit(db_session, "สทส.")
    done = client.patch(f"/api/v1/units/{office.id}", headers=headers,
                        json={"telephone": "0 2205 1234", "letter_code": "ตช"})
    assert done.status_code == 200, done.json
    assert done.json["telephone"] == "0 2205 1234" and done.json["letter_code"] == "ตช"
    bad = client.patch(f"/api/v1/units/{office.id}", headers=headers, json={"email": "x@"})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "email"
    assert "name@domain" in bad.json["error"]["message"]
