"""The administrator's pages หน่วยงาน and ผู้ใช้, and the same rules in the JSON API."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from saraban.accounts.models import ApiToken, Membership, Role, User
from saraban.accounts.operations import create_token
from saraban.audit.models import AuditEvent
from saraban.db import utcnow
from saraban.registers.models import Register
from saraban.routing.operations import recall_transfer
from saraban.units.models import Unit
from tests.conftest import csrf_token_from, log_in, make_document, make_unit, make_user
from tests.factories import make_transfer
from tests.querycount import count_queries

PASSWORD = re.compile(r'id="new-password">([^<]+)<')


def _unit(session, short_name: str) -> Unit:
    return session.scalar(select(Unit).where(Unit.short_name == short_name))


def _user(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def _events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                .order_by(AuditEvent.id)))


def _csrf(client) -> str:
    return csrf_token_from(client.get("/").get_data(as_text=True))


def _post(client, url: str, data: dict | None = None, **kw):
    return client.post(url, data={"csrf_token": _csrf(client), **(data or {})}, **kw)


def _flashes(html: str) -> list[str]:
    return re.findall(r'class="flash flash-\w+" role="alert">([^<]*)<', html)


# -- who may ------------------------------------------------------------------------------

def test_everyone_but_administrators_gets_403_on_every_page_and_api_route(
        client, login, bearer, db_session):
    unit_id = _unit(db_session, "สทส.").id
    other = _user(db_session, "demo-staff")
    mid = other.memberships[0].id
    login("demo-clerk")
    token = _csrf(client)
    pages = [("get", "/admin/units"), ("post", "/admin/units"),
             ("get", f"/admin/units/{unit_id}"), ("post", f"/admin/units/{unit_id}"),
             ("post", f"/admin/units/{unit_id}/registers"), ("get", "/admin/users"),
             ("get", "/admin/users/new"), ("post", "/admin/users"),
             ("get", f"/admin/users/{other.id}"), ("post", f"/admin/users/{other.id}"),
             ("post", f"/admin/users/{other.id}/memberships"),
             ("post", f"/admin/users/{other.id}/memberships/{mid}/delete"),
             ("post", f"/admin/users/{other.id}/unlock"),
             ("post", f"/admin/users/{other.id}/password")]
    for method, url in pages:
        data = {"csrf_token": token, "short_name": "x", "name_th": "x", "active": "0"}
        answer = client.get(url) if method == "get" else client.post(url, data=data)
        assert answer.status_code == 403, (method, url)
        assert "เฉพาะผู้ดูแลระบบเท่านั้น" in answer.get_data(as_text=True), url
    headers = bearer("demo-clerk")
    api = [("get", "/api/v1/units"), ("post", "/api/v1/units"),
           ("patch", f"/api/v1/units/{unit_id}"), ("post", f"/api/v1/units/{unit_id}/registers"),
           ("get", "/api/v1/users"), ("post", "/api/v1/users"),
           ("patch", f"/api/v1/users/{other.id}"),
           ("post", f"/api/v1/users/{other.id}/memberships"),
           ("delete", f"/api/v1/users/{other.id}/memberships/{mid}"),
           ("post", f"/api/v1/users/{other.id}/unlock"),
           ("post", f"/api/v1/users/{other.id}/password")]
    for method, url in api:
        answer = getattr(client, method)(url, headers=headers, json={"active": False})
        assert answer.status_code == 403, (method, url)
        assert answer.json["error"]["message_th"].startswith("เฉพาะผู้ดูแลระบบ"), url
        assert answer.json["error"]["message"]
    # nothing changed
    db_session.expire_all()
    assert _user(db_session, "demo-staff").active
    assert db_session.get(Membership, mid) is not None
    assert not _events(db_session, "admin.user.password")


def test_a_visitor_who_is_not_logged_in_is_sent_to_the_login_page(client):
    answer = client.get("/admin/users")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


# -- หน่วยงาน -----------------------------------------------------------------------------

def test_adding_a_unit_and_a_register_is_audited_and_duplicates_are_refused(
        client, login, db_session):
    parent = _unit(db_session, "สทส.")
    login("demo-admin")
    page = client.get("/admin/units").get_data(as_text=True)
    assert "สทส." in page and "ตร." in page
    done = _post(client, "/admin/units", {"parent_id": parent.id, "short_name": "ฝทด.สทส.",
                                          "name_th": "ฝ่ายทดลอง สทส.", "doc_code": "๐๐๓๓.๑๒๙"})
    assert done.status_code == 302
    unit = _unit(db_session, "ฝทด.สทส.")
    assert unit.parent_id == parent.id and unit.doc_code == "0033.129" and unit.is_active
    [made] = _events(db_session, "admin.unit.create")
    assert made.object_id == unit.id and made.user_id == _user(db_session, "demo-admin").id

    again = _post(client, "/admin/units", {"parent_id": parent.id, "short_name": "ฝทด.สทส.",
                                           "name_th": "ซ้ำ"})
    assert again.status_code == 400
    assert "มีหน่วยชื่อย่อ “ฝทด.สทส.” อยู่แล้วภายใต้ สทส." in _flashes(again.get_data(as_text=True))
    assert 'value="ซ้ำ"' in again.get_data(as_text=True)  # the form keeps what was typed
    elsewhere = _post(client, "/admin/units", {"parent_id": _unit(db_session, "ตร.").id,
                                               "short_name": "ฝทด.สทส.", "name_th": "ซ้ำ"})
    assert "ชื่อย่อต้องไม่ซ้ำกันทั้งระบบ" in elsewhere.get_data(as_text=True)
    no_name = _post(client, "/admin/units", {"parent_id": parent.id, "short_name": "ก"})
    assert "กรุณากรอกชื่อเต็มภาษาไทย" in no_name.get_data(as_text=True)
    assert len(_events(db_session, "admin.unit.create")) == 1

    url = f"/admin/units/{unit.id}/registers"
    _post(client, url, {"kind": "receipt", "code": "main", "name": "ทะเบียนรับ ฝทด.",
                        "secret": "1"})
    register = db_session.scalar(select(Register).where(Register.unit_id == unit.id))
    assert (register.kind.value, register.code, register.is_secret) == ("receipt", "main", True)
    assert _events(db_session, "admin.register.create")[-1].object_id == register.id
    twice = _post(client, url, {"kind": "receipt", "code": "main", "name": "อีก"},
                  follow_redirects=True)
    assert "หน่วย ฝทด.สทส. มีทะเบียนหนังสือรับรหัส “main” อยู่แล้ว" in _flashes(
        twice.get_data(as_text=True))
    _post(client, url, {"kind": "dispatch", "code": "main", "name": "ทะเบียนส่ง ฝทด."})
    assert len(db_session.scalars(select(Register).where(Register.unit_id == unit.id)).all()) == 2

    renamed = _post(client, f"/admin/units/{unit.id}", {
        "short_name": "ฝทล.สทส.", "name_th": "ฝ่ายทดลองใหม่ สทส.", "name_en": "", "doc_code": ""},
        follow_redirects=True)
    assert "บันทึกชื่อหน่วยงานแล้ว" in renamed.get_data(as_text=True)
    db_session.refresh(unit)
    assert unit.short_name == "ฝทล.สทส." and unit.doc_code is None
    assert _events(db_session, "admin.unit.update")[-1].details["changes"]["short_name"] == [
        "ฝทด.สทส.", "ฝทล.สทส."]
    tree = client.get("/admin/units").get_data(as_text=True)
    assert "ฝทล.สทส." in tree and "รับ main" in tree and "ส่ง main" in tree


def test_a_unit_with_members_or_waiting_letters_is_not_deactivated(
        client, bearer, db_session):
    headers = bearer("demo-admin")
    parent = _unit(db_session, "สทส.")
    unit = make_unit(db_session, "หน่วยปิด", parent=parent)
    member = make_user(db_session, units=[unit])
    document = make_document(db_session, origin_unit_id=parent.id)
    transfer = make_transfer(db_session, document, unit)  # by สทส.'s demo clerk

    refused = client.patch(f"/api/v1/units/{unit.id}", headers=headers, json={"active": False})
    assert refused.status_code == 409
    assert "ยังมีหนังสือรอลงรับ ๑ ฉบับ" in refused.json["error"]["message_th"]
    recall_transfer(_user(db_session, "demo-clerk"), transfer.id)  # it waits no more
    db_session.commit()
    refused = client.patch(f"/api/v1/units/{unit.id}", headers=headers, json={"active": False})
    assert refused.status_code == 409
    assert "ยังมีผู้ใช้ที่ใช้งานอยู่สังกัดหน่วยนี้ ๑ คน" in refused.json["error"]["message_th"]
    member.active = False
    db_session.commit()
    done = client.patch(f"/api/v1/units/{unit.id}", headers=headers, json={"active": False})
    assert done.status_code == 200 and done.json["active"] is False
    assert _events(db_session, "admin.unit.deactivate")[-1].object_id == unit.id
    # nothing is added under an inactive unit, and the parent is not closed under an open one
    under = client.post("/api/v1/units", headers=headers, json={
        "parent_id": unit.id, "short_name": "ใต้หน่วยปิด", "name_th": "ใต้หน่วยปิด"})
    assert under.status_code == 409 and "ปิดใช้งานอยู่" in under.json["error"]["message_th"]
    back = client.patch(f"/api/v1/units/{unit.id}", headers=headers, json={"active": True})
    assert back.status_code == 200 and back.json["active"] is True


def test_the_unit_api(client, bearer, db_session):
    headers = bearer("demo-admin")
    tree = client.get("/api/v1/units", headers=headers).json["items"]
    top = tree[0]
    assert top["depth"] == 0 and top["parent_id"] is None
    assert any(u["depth"] > 0 for u in tree)
    made = client.post("/api/v1/units", headers=headers, json={
        "parent_id": top["id"], "short_name": "หน่วยเอพีไอ", "name_th": "หน่วยทดสอบเอพีไอ"})
    assert made.status_code == 201 and made.json["depth"] == 1
    dup = client.post("/api/v1/units", headers=headers, json={
        "parent_id": top["id"], "short_name": "หน่วยเอพีไอ", "name_th": "อีก"})
    assert dup.status_code == 409 and dup.json["error"]["message"]
    register = client.post(f"/api/v1/units/{made.json['id']}/registers", headers=headers,
                           json={"kind": "dispatch", "code": "w", "name": "ทะเบียนเวียน",
                                 "series": "ว"})
    assert register.status_code == 201 and register.json["series"] == "ว"
    bad = client.post(f"/api/v1/units/{made.json['id']}/registers", headers=headers,
                      json={"kind": "receipt", "code": "r", "name": "x", "series": "ว"})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "series"
    assert client.patch("/api/v1/units/99999999", headers=headers,
                        json={"name_th": "x"}).status_code == 404


# -- ผู้ใช้ -------------------------------------------------------------------------------

def test_creating_a_user_shows_his_password_once_and_it_logs_in(client, login, app, db_session):
    unit = _unit(db_session, "สทส.")
    login("demo-admin")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert 'name="username"' in form and "ลับที่สุด" in form
    made = _post(client, "/admin/users", {
        "username": "new.clerk", "display_name": "เจ้าหน้าที่ใหม่", "clearance": "1",
        "unit_id": unit.id, "role": "clerk", "with_subunits": "1"})
    assert made.status_code == 200
    assert made.headers["Cache-Control"] == "no-store"
    password = PASSWORD.search(made.get_data(as_text=True)).group(1)
    user = _user(db_session, "new.clerk")
    assert user.clearance == 1 and user.active and not user.sees_all
    assert [(m.unit_id, m.role, m.with_subunits) for m in user.memberships] == [
        (unit.id, Role.CLERK, True)]
    assert password not in user.password_hash and user.check_password(password)
    [event_] = _events(db_session, "admin.user.create")
    assert event_.object_id == user.id and password not in str(event_.details)
    # shown once: his page does not show it again
    assert password not in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    other = app.test_client()
    log_in(other, "new.clerk", password)  # a one-time password: he sets his own first
    assert other.get("/").status_code == 302
    form = other.get("/login/new-password").get_data(as_text=True)
    mine = "ของผมเอง-ยาวพอ-7"
    other.post("/login/new-password", data={"new": mine, "again": mine,
                                            "csrf_token": csrf_token_from(form)})
    assert other.get("/").status_code == 200

    dup = _post(client, "/admin/users", {"username": "new.clerk", "display_name": "ซ้ำ",
                                         "clearance": "0", "unit_id": unit.id, "role": "staff"})
    assert dup.status_code == 400
    assert "ชื่อผู้ใช้ “new.clerk” มีอยู่แล้ว กรุณาใช้ชื่ออื่น" in _flashes(dup.get_data(as_text=True))
    assert len(_events(db_session, "admin.user.create")) == 1


def test_the_user_api_creates_and_refuses_in_both_languages(client, bearer, db_session):
    headers = bearer("demo-admin")
    unit = _unit(db_session, "สงป.")
    made = client.post("/api/v1/users", headers=headers, json={
        "username": "api-user", "display_name": "ผู้ใช้เอพีไอ", "clearance": "ลับมาก",
        "unit_id": unit.id, "role": "staff"})
    assert made.status_code == 201
    assert made.json["clearance"] == 2 and made.json["clearance_th"] == "ลับมาก"
    assert len(made.json["password"]) >= 16
    assert _user(db_session, "api-user").check_password(made.json["password"])
    for body, status, th in [
        ({"username": "API-USER", "display_name": "x", "unit_id": unit.id, "role": "staff"},
         409, "มีอยู่แล้ว"),
        ({"username": "ผู้ใช้", "display_name": "x", "unit_id": unit.id, "role": "staff"},
         400, "ชื่อผู้ใช้ต้องเป็นอักษรภาษาอังกฤษ"),
        ({"username": "x2", "display_name": "x", "unit_id": unit.id, "role": "boss"},
         400, "กรุณาเลือกบทบาท"),
        ({"username": "x3", "display_name": "x", "role": "staff"}, 400, "กรุณาเลือก"),
        ({"username": "x4", "display_name": "x", "unit_id": unit.id, "role": "staff",
          "clearance": 7}, 400, "ชั้นความลับ"),
    ]:
        answer = client.post("/api/v1/users", headers=headers, json=body)
        assert answer.status_code == status, (body, answer.json)
        assert th in answer.json["error"]["message_th"] and answer.json["error"]["message"]
    listed = client.get("/api/v1/users", headers=headers, query_string={"q": "api-"}).json
    assert [u["username"] for u in listed["items"]] == ["api-user"] and listed["total"] == 1


def test_an_administrator_does_not_deactivate_himself_or_drop_his_last_admin_role(
        client, login, bearer, db_session):
    admin = _user(db_session, "demo-admin")
    [mid] = [m.id for m in admin.memberships if m.role == Role.ADMIN]
    login("demo-admin")
    page = _post(client, f"/admin/users/{admin.id}", {
        "display_name": admin.display_name, "clearance": "3", "sees_all": "1"},
        follow_redirects=True)  # no "active": the box left unticked
    assert "ท่านปิดบัญชีผู้ใช้ของตนเองไม่ได้" in _flashes(page.get_data(as_text=True))
    dropped = _post(client, f"/admin/users/{admin.id}/memberships/{mid}/delete",
                    follow_redirects=True)
    assert "ท่านลบบทบาทผู้ดูแลระบบบทบาทสุดท้ายของตนเองไม่ได้" in _flashes(
        dropped.get_data(as_text=True))
    headers = bearer("demo-admin")
    answer = client.patch(f"/api/v1/users/{admin.id}", headers=headers, json={"active": False})
    assert answer.status_code == 409 and answer.json["error"]["field"] == "active"
    answer = client.delete(f"/api/v1/users/{admin.id}/memberships/{mid}", headers=headers)
    assert answer.status_code == 409
    db_session.expire_all()
    assert admin.active and db_session.get(Membership, mid) is not None
    assert not _events(db_session, "admin.user.deactivate")
    assert not _events(db_session, "admin.membership.remove")


def test_deactivating_a_user_ends_his_session_and_revokes_his_token(
        client, login, app, db_session):
    unit = _unit(db_session, "สงป.")
    victim = make_user(db_session, username="leaving", units=[unit])
    token = create_token(victim, "script")
    db_session.commit()
    theirs = app.test_client()
    log_in(theirs, "leaving")
    assert theirs.get("/").status_code == 200
    bearer_headers = {"Authorization": f"Bearer {token}"}
    assert theirs.get("/api/v1/documents", headers=bearer_headers).status_code == 200

    login("demo-admin")
    done = _post(client, f"/admin/users/{victim.id}", {
        "display_name": "ผู้ย้ายออก", "clearance": "0"}, follow_redirects=True)  # active unticked
    assert "บันทึกข้อมูลผู้ใช้แล้ว" in done.get_data(as_text=True)
    db_session.expire_all()
    assert not victim.active and victim.display_name == "ผู้ย้ายออก"
    assert theirs.get("/").status_code == 302  # his session is over
    assert theirs.get("/api/v1/documents", headers=bearer_headers).status_code == 401
    assert all(t.revoked_at for t in db_session.scalars(
        select(ApiToken).where(ApiToken.user_id == victim.id)))
    [off] = _events(db_session, "admin.user.deactivate")
    assert off.object_id == victim.id and off.details["tokens_revoked"] == 1
    assert _events(db_session, "admin.user.update")[-1].details["changes"]["display_name"][1] == (
        "ผู้ย้ายออก")
    listing = client.get("/admin/users", query_string={"q": "leaving"}).get_data(as_text=True)
    assert "ปิดใช้งาน" in listing


def test_a_reset_password_is_shown_once_and_the_old_one_no_longer_logs_in(
        client, login, app, bearer, db_session):
    user = make_user(db_session, username="forgetful", units=[_unit(db_session, "สงป.")])
    db_session.commit()
    theirs = app.test_client()
    log_in(theirs, "forgetful")
    login("demo-admin")
    reset = _post(client, f"/admin/users/{user.id}/password")
    assert reset.status_code == 200 and reset.headers["Cache-Control"] == "no-store"
    password = PASSWORD.search(reset.get_data(as_text=True)).group(1)
    assert "แสดงรหัสผ่านนี้เพียงครั้งเดียว" in reset.get_data(as_text=True)
    assert theirs.get("/").status_code == 302  # his old session ended
    page = theirs.get("/login").get_data(as_text=True)
    refused = theirs.post("/login", data={"username": "forgetful",
                                          "password": "รหัสผ่าน-ทดสอบ-1",
                                          "csrf_token": csrf_token_from(page)})
    assert refused.status_code != 302
    log_in(theirs, "forgetful", password)
    assert _events(db_session, "admin.user.password")[-1].object_id == user.id
    # the API gives another, once
    answer = client.post(f"/api/v1/users/{user.id}/password", headers=bearer("demo-admin"))
    assert answer.status_code == 200 and answer.json["password"] != password
    db_session.expire_all()
    assert user.check_password(answer.json["password"])
    mine = client.post(f"/api/v1/users/{_user(db_session, 'demo-admin').id}/password",
                       headers=bearer("demo-admin"))
    assert mine.status_code == 409


def test_memberships_are_added_removed_and_audited(client, login, bearer, db_session):
    user = make_user(db_session, username="mover", units=[_unit(db_session, "สงป.")])
    target = _unit(db_session, "สทส.")
    db_session.commit()
    headers = bearer("demo-admin")
    added = client.post(f"/api/v1/users/{user.id}/memberships", headers=headers,
                        json={"unit_id": target.id, "role": "clerk", "with_subunits": True})
    assert added.status_code == 201 and added.json["unit"] == "สทส."
    again = client.post(f"/api/v1/users/{user.id}/memberships", headers=headers,
                        json={"unit_id": target.id, "role": "clerk"})
    assert again.status_code == 409
    assert again.json["error"]["message_th"] == (
        "ผู้ใช้นี้มีบทบาทเจ้าหน้าที่สารบรรณในหน่วย สทส. อยู่แล้ว")
    assert _events(db_session, "admin.membership.add")[-1].unit_id == target.id
    gone = client.delete(f"/api/v1/users/{user.id}/memberships/{added.json['id']}",
                         headers=headers)
    assert gone.status_code == 204
    assert _events(db_session, "admin.membership.remove")[-1].details["role"] == "clerk"
    stranger = client.delete(f"/api/v1/users/{user.id}/memberships/{added.json['id']}",
                             headers=headers)
    assert stranger.status_code == 404

    login("demo-admin")
    _post(client, f"/admin/users/{user.id}/memberships",
          {"unit_id": target.id, "role": "commander"})
    db_session.expire_all()
    assert sorted(m.role.value for m in user.memberships) == ["commander", "staff"]
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "ผู้บังคับบัญชา" in page


def test_unlocking_clears_the_lock(client, login, app, db_session):
    import datetime as dt

    user = make_user(db_session, username="locked-out", units=[_unit(db_session, "สงป.")])
    user.failed_logins, user.locked_until = 3, utcnow() + dt.timedelta(minutes=10)
    db_session.commit()
    login("demo-admin")
    listing = client.get("/admin/users", query_string={"q": "locked-out"}).get_data(as_text=True)
    assert "ระงับถึง" in listing
    _post(client, f"/admin/users/{user.id}/unlock")
    db_session.expire_all()
    assert user.failed_logins == 0 and user.locked_until is None
    assert _events(db_session, "admin.user.unlock")[-1].object_id == user.id
    log_in(app.test_client(), "locked-out")


def test_an_administrator_who_does_not_see_all_grants_no_more_than_he_has(
        client, bearer, db_session):
    unit = _unit(db_session, "สงป.")
    local_admin = make_user(db_session, username="local-admin", units=[unit], role="admin",
                            clearance=1)
    db_session.commit()
    headers = {"Authorization": f"Bearer {create_token(local_admin)}"}
    db_session.commit()
    for body in ({"sees_all": True}, {"clearance": 3}):
        answer = client.post("/api/v1/users", headers=headers, json={
            "username": "escalated", "display_name": "x", "unit_id": unit.id, "role": "staff",
            **body})
        assert answer.status_code == 403, body
    assert client.post("/api/v1/users", headers=headers, json={
        "username": "ordinary", "display_name": "x", "unit_id": unit.id, "role": "staff",
        "clearance": 1}).status_code == 201


# -- the list -----------------------------------------------------------------------------

def test_the_user_list_searches_and_filters_by_unit(client, login, db_session):
    unit = make_unit(db_session, "หน่วยค้น")
    make_user(db_session, username="somchai", display_name="สมชาย ใจดี", units=[unit])
    make_user(db_session, username="somsri", display_name="สมศรี มีสุข",
              units=[_unit(db_session, "สงป.")])
    db_session.commit()
    login("demo-admin")
    by_name = client.get("/admin/users", query_string={"q": "ใจดี"}).get_data(as_text=True)
    assert "somchai" in by_name and "somsri" not in by_name
    by_username = client.get("/admin/users", query_string={"q": "SOMS"}).get_data(as_text=True)
    assert "somsri" in by_username and "somchai" not in by_username
    by_unit = client.get("/admin/users", query_string={"unit": unit.id}).get_data(as_text=True)
    assert "somchai" in by_unit and "somsri" not in by_unit and "(๑ คน)" in by_unit
    odd = client.get("/admin/users", query_string={"q": "%_\\"})
    assert odd.status_code == 200 and "ไม่พบผู้ใช้" in odd.get_data(as_text=True)


def _queries_for(client, db_session, url: str) -> int:
    with count_queries(db_session) as queries:
        answer = client.get(url)
    assert answer.status_code == 200
    return queries.count


def test_the_user_list_takes_as_many_queries_for_50_users_as_for_5(client, login, db_session):
    unit = make_unit(db_session, "หน่วยนับ")
    other = make_unit(db_session, "หน่วยนับ๒")
    for i in range(5):
        make_user(db_session, username=f"count-{i:02}", units=[unit, other])
    db_session.commit()
    login("demo-admin")
    url = f"/admin/users?unit={unit.id}"
    client.get(url)  # warm: the first request of a client reads more (its session)
    few = _queries_for(client, db_session, url)
    for i in range(5, 50):
        make_user(db_session, username=f"count-{i:02}", units=[unit, other])
    db_session.commit()
    many = _queries_for(client, db_session, url)
    page = client.get(url).get_data(as_text=True)
    assert page.count("หน่วยนับ๒:") == 50 and "count-49" in page
    assert 0 < many == few, (few, many)


# -- the forms ----------------------------------------------------------------------------

class _Fields(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.labels, self.wrapped, self.forms, self._in_label = [], set(), 0, [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "label":
            self._in_label += 1
            if a.get("for"):
                self.labels.add(a["for"])
        if tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(), "csrf": False})
        if tag == "input" and a.get("name") == "csrf_token" and self.forms:
            self.forms[-1]["csrf"] = True
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.ids.append(a.get("id"))

    def handle_endtag(self, tag):
        if tag == "label":
            self._in_label -= 1


@pytest.mark.parametrize("page", ["units", "unit", "users", "user_new", "user"])
def test_every_field_has_a_label_and_every_post_a_csrf_token(client, login, db_session, page):
    unit_id = _unit(db_session, "สทส.").id
    user_id = _user(db_session, "demo-staff").id
    url = {"units": "/admin/units", "unit": f"/admin/units/{unit_id}", "users": "/admin/users",
           "user_new": "/admin/users/new", "user": f"/admin/users/{user_id}"}[page]
    login("demo-admin")
    html = client.get(url).get_data(as_text=True)
    main = html.split('<main id="main">', 1)[1]
    fields = _Fields()
    fields.feed(main)
    assert fields.ids and all(i and i in fields.labels for i in fields.ids), fields.ids
    assert all(f["csrf"] for f in fields.forms if f["method"] == "post")


def test_the_administrator_sets_a_users_address_and_how_he_is_told(client, login, db_session):
    unit = _unit(db_session, "สงป.")
    person = make_user(db_session, username="told", units=[unit])
    db_session.commit()
    login("demo-admin")
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    assert 'name="email"' in page and 'name="notify"' in page
    done = _post(client, f"/admin/users/{person.id}", {
        "display_name": person.display_name, "clearance": "0", "active": "1",
        "email": "Somchai@Police.GO.TH", "notify": "digest"}, follow_redirects=True)
    assert "บันทึกข้อมูลผู้ใช้แล้ว" in done.get_data(as_text=True)
    db_session.expire_all()
    assert (person.email, person.notify) == ("Somchai@police.go.th", "digest")
    bad = _post(client, f"/admin/users/{person.id}", {
        "display_name": person.display_name, "clearance": "0", "active": "1",
        "email": "somchai at police", "notify": "digest"}, follow_redirects=True)
    assert "อีเมลไม่ถูกต้อง" in bad.get_data(as_text=True)
    db_session.expire_all()
    assert person.email == "Somchai@police.go.th"
