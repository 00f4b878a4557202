"""The workspace: the unit one acts for, the navigation by role, help, dates as typed."""

from __future__ import annotations

import re

from sqlalchemy import select

from saraban.units.models import Unit
from tests.conftest import csrf_token_from, log_in, make_unit, make_user


def _nav(html: str) -> list[str]:
    nav = html[html.index('class="mainnav"'):html.index("</nav>")]
    return re.findall(r">([^<>]+)</a>", nav)


def test_the_menu_follows_the_role(login):
    clerk = _nav(login("demo-clerk").get("/").get_data(as_text=True))
    assert {"รับหนังสือ", "ส่งหนังสือ", "ทะเบียน", "กล่องเข้า"} <= set(clerk)
    assert "เรื่องเสนอ" not in clerk and "การมอบอำนาจ" not in clerk


def test_commander_and_admin_menus(client, login):
    commander = _nav(login("demo-commander").get("/").get_data(as_text=True))
    assert {"เรื่องเสนอ", "สั่งการ", "ค้นหา", "ติดตาม"} <= set(commander)
    assert "รับหนังสือ" not in commander
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(
        as_text=True))})
    admin = _nav(login("demo-admin").get("/").get_data(as_text=True))
    # he administers ตร. and the units below, so he keeps their registers too (as their
    # clerks do) and the menu offers what he may do: tests/test_permissions.py
    assert {"การมอบอำนาจ", "หน่วยงาน", "รับหนังสือ", "ทะเบียน"} <= set(admin)
    assert "เรื่องเสนอ" not in admin


def test_a_user_of_several_units_chooses_the_one_he_acts_for(client, db_session):
    first, second = make_unit(db_session, "หน่วยหนึ่ง"), make_unit(db_session, "หน่วยสอง")
    user = make_user(db_session, units=[first, second], role="clerk")
    alone = make_unit(db_session, "หน่วยอื่น")
    db_session.commit()
    log_in(client, user.username)
    page = client.get("/").get_data(as_text=True)
    assert 'id="acting-unit"' in page and "หน่วยสอง" in page
    token = csrf_token_from(page)
    done = client.post("/acting-unit", data={"unit_id": second.id, "next": "/inbox",
                                             "csrf_token": token})
    assert done.status_code == 302 and done.headers["Location"].endswith("/inbox")
    page = client.get("/").get_data(as_text=True)
    assert f'<option value="{second.id}" selected>' in page
    refused = client.post("/acting-unit", data={"unit_id": alone.id, "csrf_token": token})
    assert refused.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "ท่านไม่ได้สังกัดหน่วยนี้" in page and f'<option value="{second.id}" selected>' in page
    offsite = client.post("/acting-unit", data={"unit_id": first.id, "csrf_token": token,
                                                "next": "https://evil.example/"})
    assert offsite.headers["Location"] in ("/", "http://localhost/")
    assert client.post("/acting-unit", data={"unit_id": first.id}).status_code == 400  # CSRF


def test_one_unit_shows_no_choice(login, db_session):
    page = login("demo-clerk").get("/").get_data(as_text=True)
    assert 'id="acting-unit"' not in page
    assert db_session.scalar(select(Unit).where(Unit.short_name == "สทส."))


def test_help_pages_in_thai_and_english(client):
    index = client.get("/help/").get_data(as_text=True)
    assert "คู่มือการใช้งาน" in index
    for topic, title in (("receive", "การรับหนังสือ"), ("forward", "การส่งต่อ"),
                         ("endorse", "การเสนอและเกษียนสั่งการ"), ("search", "การค้นหา")):
        page = client.get(f"/help/{topic}")
        assert page.status_code == 200 and title in page.get_data(as_text=True)
    assert client.get("/help/nothing").status_code == 404
    client.set_cookie("saraban_lang", "en")
    english = client.get("/help/receive").get_data(as_text=True)
    assert "Receiving letters" in english and "การรับหนังสือ" not in english.split("<main")[1]


def test_a_typed_date_is_read_back_as_the_form_will_save_it(login):
    client = login("demo-clerk")
    good = client.get("/dates/check", query_string={"value": "๒๖ พ.ย. ๖๒"}).json
    assert good == {"ok": True, "text": "วันอังคารที่ ๒๖ พฤศจิกายน ๒๕๖๒", "iso": "2019-11-26"}
    bad = client.get("/dates/check", query_string={"value": "๓๑ ก.พ. ๖๒"}).json
    assert bad["ok"] is False and bad["text"]
    assert client.get("/dates/check", query_string={"value": "x" * 5000}).status_code == 200


def test_home_and_list_stop_counting_at_their_cap(login, monkeypatch):
    from saraban.accounts import views as accounts_views
    from saraban.documents import views as documents_views

    client = login("demo-admin")  # sees the five sample documents
    assert "(๕ ฉบับ)" in client.get("/").get_data(as_text=True)
    monkeypatch.setattr(accounts_views, "HOME_COUNT_CAP", 2)
    assert "(มากกว่า ๒ ฉบับ)" in client.get("/").get_data(as_text=True)
    monkeypatch.setattr(documents_views, "LIST_COUNT_CAP", 3)
    monkeypatch.setattr(documents_views, "PAGE_SIZE", 2)
    listing = client.get("/documents/").get_data(as_text=True)
    assert "มากกว่า ๓ ฉบับ" in listing


def test_the_acting_unit_chooses_the_register_and_the_sender(client, db_session):
    from saraban.registers.models import Register

    first, second = make_unit(db_session, "หน่วยก"), make_unit(db_session, "หน่วยข")
    for unit in (first, second):
        db_session.add(Register(unit=unit, kind="receipt", code="main",
                                name=f"ทะเบียนรับ {unit.short_name}"))
    user = make_user(db_session, units=[first, second], role="clerk")
    db_session.commit()
    log_in(client, user.username)
    form = client.get("/receive").get_data(as_text=True)
    chosen = re.search(r'<option selected value="\d+">([^<]+)</option>|'
                       r'<option value="\d+" selected>([^<]+)</option>', form)
    assert chosen and "หน่วยก" in (chosen.group(1) or chosen.group(2))
    client.post("/acting-unit", data={"unit_id": second.id, "csrf_token": csrf_token_from(form)})
    form = client.get("/receive").get_data(as_text=True)
    chosen = re.search(r'<option selected value="\d+">([^<]+)</option>|'
                       r'<option value="\d+" selected>([^<]+)</option>', form)
    assert chosen and "หน่วยข" in (chosen.group(1) or chosen.group(2))


def test_the_header_and_home_in_english(login):
    client = login("demo-admin")
    client.set_cookie("saraban_lang", "en")
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    for text in (">Users</a>", ">Units</a>", ">Delegations</a>", "Waiting for you",
                 "The whole system", "Receipts", "Log out", ">ภาษาไทย</a>"):
        assert text in html, text
