"""Administrators stay in their lane; a reset or a new account's password is one-time;
logout ends the session; next= stays on the site; every refused login costs the same."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from saraban.accounts.models import AccountNotice, ApiToken, Membership, User
from saraban.accounts.operations import create_token
from saraban.audit.models import AuditEvent
from tests.conftest import csrf_token_from, log_in, make_unit, make_user

PASSWORD = re.compile(r'id="new-password">([^<]+)<')


def _events(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                .order_by(AuditEvent.id)))


def _world(session):
    """A unit administrator (clearance 0) of one unit, and the people around him."""
    top = make_unit(session, "ลาน-บน")
    mine = make_unit(session, "ลาน-ของฉัน", parent=top)
    below = make_unit(session, "ลาน-ใต้", parent=mine)
    other = make_unit(session, "ลาน-อื่น", parent=top)
    admin = make_user(session, "lane-admin", units=[mine], role="admin")
    admin.memberships[0].with_subunits = True
    people = {
        "staff": make_user(session, "lane-staff", units=[below]),
        "commander": make_user(session, "lane-commander", units=[mine], role="commander",
                               clearance=3),
        "all": make_user(session, "lane-all", units=[mine], sees_all=True),
        "outside": make_user(session, "lane-outside", units=[other]),
        "both": make_user(session, "lane-both", units=[mine, other]),
    }
    session.commit()
    headers = {"Authorization": f"Bearer {create_token(admin)}"}
    session.commit()
    return {"top": top, "mine": mine, "below": below, "other": other, "admin": admin,
            "headers": headers, **people}


def test_a_unit_administrator_manages_only_his_units_and_no_more_than_he_has(
        client, db_session):
    w = _world(db_session)
    h = w["headers"]
    for who in ("commander", "all", "outside", "both"):
        target = w[who]
        for method, url, body in (
                ("post", f"/api/v1/users/{target.id}/password", None),
                ("patch", f"/api/v1/users/{target.id}", {"active": False}),
                ("post", f"/api/v1/users/{target.id}/unlock", None),
                ("post", f"/api/v1/users/{target.id}/memberships",
                 {"unit_id": w["mine"].id, "role": "clerk"})):
            answer = getattr(client, method)(url, headers=h, json=body)
            assert answer.status_code in (403, 404), (who, url, answer.json)
    # nobody's password changed, nothing recorded
    assert not _events(db_session, "admin.user.password")
    # he sees only the users he manages
    listed = {u["username"] for u in client.get("/api/v1/users", headers=h).json["items"]}
    assert "lane-staff" in listed
    assert not listed & {"lane-commander", "lane-all", "lane-outside", "lane-both",
                         "demo-admin", "demo-clerk"}
    # no role for himself (or anyone) elsewhere, no admin beyond his reach
    me = w["admin"]
    for body in ({"unit_id": w["other"].id, "role": "admin"},
                 {"unit_id": w["top"].id, "role": "clerk"}):
        assert client.post(f"/api/v1/users/{me.id}/memberships", headers=h,
                           json=body).status_code == 403, body
        assert client.post(f"/api/v1/users/{w['staff'].id}/memberships", headers=h,
                           json=body).status_code == 403, body
    # no clearance, sees_all or system administration beyond his own
    for body in ({"clearance": 1}, {"sees_all": True}, {"is_sysadmin": True}):
        assert client.patch(f"/api/v1/users/{w['staff'].id}", headers=h,
                            json=body).status_code == 403, body
        assert client.post("/api/v1/users", headers=h, json={
            "username": "lane-new", "display_name": "x", "unit_id": w["below"].id,
            "role": "staff", **body}).status_code == 403, body
    # a user for another unit, or a unit outside his own
    assert client.post("/api/v1/users", headers=h, json={
        "username": "lane-new", "display_name": "x", "unit_id": w["other"].id,
        "role": "staff"}).status_code == 403
    assert client.post("/api/v1/units", headers=h, json={
        "parent_id": w["other"].id, "short_name": "ลาน-ผิด", "name_th": "x"}).status_code == 403
    db_session.expire_all()
    assert [m.unit_id for m in me.memberships] == [w["mine"].id]
    # what he may do, he does
    assert client.post(f"/api/v1/users/{w['staff'].id}/memberships", headers=h, json={
        "unit_id": w["mine"].id, "role": "clerk"}).status_code == 201
    assert client.post("/api/v1/users", headers=h, json={
        "username": "lane-new", "display_name": "x", "unit_id": w["below"].id,
        "role": "staff"}).status_code == 201
    assert client.post(f"/api/v1/users/{w['staff'].id}/password",
                       headers=h).status_code == 200


def test_the_pages_keep_the_same_lane(client, db_session):
    w = _world(db_session)
    log_in(client, "lane-admin")
    assert client.get(f"/admin/users/{w['commander'].id}").status_code == 404
    listing = client.get("/admin/users").get_data(as_text=True)
    assert "lane-staff" in listing and "lane-commander" not in listing
    page = client.get("/").get_data(as_text=True)
    refused = client.post(f"/admin/users/{w['commander'].id}/password",
                          data={"csrf_token": csrf_token_from(page)})
    assert refused.status_code == 404
    db_session.expire_all()
    assert w["commander"].check_password("รหัสผ่าน-ทดสอบ-1")


def test_a_system_administrator_must_use_totp(app, client, db_session):
    boss = make_user(db_session, "lane-sys", units=[], is_sysadmin=True)
    db_session.commit()
    h = {"Authorization": f"Bearer {create_token(boss)}"}
    db_session.commit()
    app.config["SYSADMIN_TOTP"] = True
    try:
        # without a second factor he administers nothing
        assert client.get("/api/v1/users", headers=h).status_code == 403
        log_in(client, "lane-sys")
        gate = client.get("/admin/users")
        assert gate.status_code == 302 and "/account/security" in gate.headers["Location"]
    finally:
        app.config["SYSADMIN_TOTP"] = False
    assert client.get("/api/v1/users", headers=h).status_code == 200


def _login_post(client, username, password, next_url=None):
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login" + (f"?next={next_url}" if next_url else ""),
                       data={"username": username, "password": password,
                             "csrf_token": csrf_token_from(page)})


def test_a_reset_password_only_lets_the_user_set_his_own(app, client, db_session):
    w = _world(db_session)
    staff = w["staff"]
    token = create_token(staff, "script")
    db_session.commit()
    theirs = app.test_client()
    log_in(theirs, "lane-staff")
    log_in(client, "lane-admin")
    page = client.get("/").get_data(as_text=True)
    reset = client.post(f"/admin/users/{staff.id}/password",
                        data={"csrf_token": csrf_token_from(page)})
    one_time = PASSWORD.search(reset.get_data(as_text=True)).group(1)
    # his sessions and tokens end
    assert theirs.get("/").status_code == 302
    assert theirs.get("/api/v1/documents",
                      headers={"Authorization": f"Bearer {token}"}).status_code == 401
    # the one-time password opens only the page that sets a new one
    fresh = app.test_client()
    answer = _login_post(fresh, "lane-staff", one_time, "/documents/")
    assert answer.status_code == 302 and "/login/new-password" in answer.headers["Location"]
    blocked = fresh.get("/documents/")
    assert blocked.status_code == 302 and "/login" in blocked.headers["Location"]
    assert fresh.get("/api/v1/documents").status_code == 401
    form = fresh.get("/login/new-password").get_data(as_text=True)
    assert "ผู้ดูแลระบบ" in form and "ตั้งรหัสผ่านใหม่ให้บัญชีของท่าน" in form  # the notice
    same = fresh.post("/login/new-password", data={
        "new": one_time, "again": one_time, "csrf_token": csrf_token_from(form)})
    assert same.status_code == 400
    new = "รหัสผ่านของฉันเอง-42"
    done = fresh.post("/login/new-password", data={
        "new": new, "again": new, "csrf_token": csrf_token_from(form)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/documents/")
    assert fresh.get("/documents/").status_code == 200
    db_session.expire_all()
    assert not staff.must_change_password and staff.check_password(new)
    [notice] = db_session.scalars(select(AccountNotice).where(AccountNotice.user_id == staff.id))
    assert notice.kind == "password_reset" and notice.by_user_id == w["admin"].id
    assert notice.seen_at is not None
    [event] = _events(db_session, "admin.user.password")
    assert event.object_id == staff.id and event.details["tokens_revoked"] == 1
    assert all(t.revoked_at for t in db_session.scalars(
        select(ApiToken).where(ApiToken.user_id == staff.id)))


def test_a_new_accounts_password_must_be_changed_at_first_login(app, client, db_session):
    w = _world(db_session)
    made = client.post("/api/v1/users", headers=w["headers"], json={
        "username": "lane-first", "display_name": "x", "unit_id": w["below"].id,
        "role": "staff"})
    assert made.status_code == 201
    answer = _login_post(app.test_client(), "lane-first", made.json["password"])
    assert answer.status_code == 302 and "/login/new-password" in answer.headers["Location"]


def test_logout_ends_a_copied_session(app, client, db_session):
    make_user(db_session, "lane-leaver", units=[make_unit(db_session)])
    db_session.commit()
    log_in(client, "lane-leaver")
    copied = client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/").status_code == 200
    page = client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token_from(page)})
    after = thief.get("/")
    assert after.status_code == 302 and "/login" in after.headers["Location"]


def test_next_never_leaves_the_site(client, db_session):
    make_user(db_session, "lane-next", units=[make_unit(db_session)])
    db_session.commit()
    evil = ["////evil.example/", "//evil.example/", "/\\evil.example", "///evil.example",
            "https://evil.example/", "\t//evil.example", "/\t/evil.example",
            "javascript:alert(1)"]
    for target in evil:
        answer = client.get("/lang/th", query_string={"next": target})
        location = answer.headers["Location"]
        assert not location.startswith("//") and "evil" not in location, (target, location)
    assert client.get("/lang/th", query_string={"next": "/documents?q=1"}).headers[
        "Location"] == "/documents?q=1"
    for target in ("////evil.example/", "/\\/evil.example"):
        answer = _login_post(client, "lane-next", "รหัสผ่าน-ทดสอบ-1", target)
        assert answer.status_code == 302
        assert "evil" not in answer.headers["Location"], answer.headers["Location"]
        page = client.get("/").get_data(as_text=True)
        client.post("/logout", data={"csrf_token": csrf_token_from(page)})


def test_every_refused_login_costs_one_password_check(client, db_session):
    unit = make_unit(db_session)
    make_user(db_session, "lane-off", units=[unit], active=False)
    make_user(db_session, "lane-on", units=[unit])
    db_session.commit()

    def cost(username):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            _login_post(client, username, "ผิดแน่นอน-123")
            times.append(time.perf_counter() - start)
        return min(times)

    wrong, off, unknown = cost("lane-on"), cost("lane-off"), cost("lane-nobody")
    assert off > wrong * 0.6 and unknown > wrong * 0.6, (wrong, off, unknown)
    db_session.expire_all()
    # the deactivated account with the right password is refused as well
    assert _login_post(client, "lane-off", "รหัสผ่าน-ทดสอบ-1").status_code == 200
    assert db_session.scalar(select(Membership.id).where(Membership.unit_id == unit.id))
    assert db_session.scalar(select(User).where(User.username == "lane-off")).last_login_at \
        is None


def test_a_unit_administrator_keeps_delegations_only_for_positions_of_his_units(db_session):
    """The twin in delegations: an acting order for a position is a signature in that
    unit's name, so only its administrators (or a system administrator) write one."""
    import pytest

    from saraban.endorsements.capacity import create_delegation, end_delegation
    from saraban.units.models import Person, Position
    from saraban.validation import OperationError

    w = _world(db_session)
    person = Person(first_name="ทดสอบ", last_name="ทำแทน")
    theirs = Position(title="ผบ.ลาน-อื่น", unit=w["other"])
    ours = Position(title="ผบ.ลาน-ใต้", unit=w["below"])
    db_session.add_all([person, theirs, ours])
    db_session.flush()
    body = {"person_id": person.id, "kind": "acting", "start_date": "1/12/2569"}
    with pytest.raises(OperationError) as refused:
        create_delegation(w["admin"], {**body, "position_id": theirs.id})
    assert refused.value.status == 403
    mine = create_delegation(w["admin"], {**body, "position_id": ours.id})
    assert mine.position_id == ours.id
    boss = make_user(db_session, "lane-sys2", units=[], is_sysadmin=True)
    other = create_delegation(boss, {**body, "position_id": theirs.id})
    with pytest.raises(OperationError) as refused:
        end_delegation(w["admin"], other.id, "31/12/2569")
    assert refused.value.status == 403
