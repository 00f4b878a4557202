"""Account security (issue 8): the TOTP second factor, recovery codes, a required second
factor, password change ending other sessions, API tokens listed and revoked."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from saraban.accounts import totp
from saraban.accounts.models import ApiToken, RecoveryCode, User
from saraban.accounts.operations import confirm_totp, create_token, start_totp
from saraban.thaidate import to_thai_digits
from tests.conftest import csrf_token_from, log_in, make_unit, make_user

PASSWORD = "รหัสผ่าน-ทดสอบ-1"
LOCKED = "บัญชีนี้ถูกระงับชั่วคราว"
WRONG_CODE = "รหัสยืนยันไม่ถูกต้องหรือถูกใช้ไปแล้ว"
CSRF_REFUSED = "แบบฟอร์มหมดอายุหรือไม่ถูกต้อง"


@pytest.fixture()
def clock():
    """The one clock stands still, in the middle of a 30-second TOTP step, until moved
    (``clock.shift(seconds)``): time-machine, so TOTP, sessions and lockouts agree."""
    with time_machine.travel(1_800_000_000 // 30 * 30 + 15.0, tick=False) as traveller:
        yield traveller


def _code(secret: str, clock, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + steps * 30)


def _admin(db_session, **kw):
    return make_user(db_session, units=[make_unit(db_session)], role=kw.pop("role", "admin"), **kw)


def _with_totp(db_session, user, clock) -> tuple[str, list[str]]:
    """TOTP turned on (as the set-up page does it); the clock then moves on one step, so
    that the code used to confirm is not the one the test logs in with."""
    secret = start_totp(user)
    codes = confirm_totp(user, _code(secret, clock))
    db_session.commit()
    clock.shift(30)
    return secret, codes


def _post(client, url: str, data: dict, page_url: str | None = None):
    page = client.get(page_url or url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_token_from(page)})


def _password_step(client, user, next_url: str = ""):
    response = _post(client, "/login" + next_url,
                     {"username": user.username, "password": PASSWORD}, "/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/code"
    return response


def _code_step(client, code: str):
    return _post(client, "/login/code", {"code": code})


def _logout(client):
    page = client.get("/account/security").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token_from(page)})


# -- setting up and logging in ----------------------------------------------------------------

def test_set_up_on_the_page_then_log_in_with_a_code(client, db_session, clock):
    user = _admin(db_session)
    db_session.commit()
    log_in(client, user.username)
    page = client.get("/account/security")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert "ความปลอดภัยของบัญชี" in html and "เริ่มตั้งค่า" in html

    assert _post(client, "/account/totp/start", {}, "/account/security").status_code == 302
    html = client.get("/account/security").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in html
    secret = re.search(r'class="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    assert len(secret) == 32

    wrong = _post(client, "/account/totp/confirm", {"code": "000000"}, "/account/security")
    assert wrong.status_code == 400
    assert "รหัสจากแอปไม่ถูกต้อง" in wrong.get_data(as_text=True)
    db_session.expire_all()
    assert not db_session.get(User, user.id).totp_enabled

    done = _post(client, "/account/totp/confirm", {"code": _code(secret, clock)},
                 "/account/security")
    assert done.status_code == 200
    html = done.get_data(as_text=True)
    assert "เปิดใช้การยืนยันตัวตนสองขั้นตอนแล้ว" in html
    shown = re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>", html)
    assert len(set(shown)) == 10
    assert client.get("/").status_code == 200  # this session went on
    # and the forms of the page that showed the codes belong to it (logout works)
    assert client.post("/logout", data={"csrf_token": csrf_token_from(html)}).status_code == 302
    log_in(client, user.username)  # TOTP on: the password step only
    assert client.get("/").status_code == 302
    clock.shift(30)
    assert _code_step(client, _code(secret, clock)).status_code == 302

    db_session.expire_all()
    stored = db_session.get(User, user.id)
    assert stored.totp_enabled and secret not in stored.totp_secret  # encrypted
    hashes = set(db_session.scalars(
        select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    assert len(hashes) == 10 and not any(c in h for c in shown for h in hashes)

    _logout(client)
    clock.shift(30)
    _password_step(client, user)
    assert client.get("/").status_code == 302  # half logged in is not logged in
    response = _code_step(client, _code(secret, clock))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_the_code_step_keeps_the_next_page(client, db_session, clock):
    user = _admin(db_session)
    secret, _ = _with_totp(db_session, user, clock)
    page = client.get("/login?next=/documents/").get_data(as_text=True)
    client.post("/login?next=/documents/", data={"username": user.username, "password": PASSWORD,
                                                 "csrf_token": csrf_token_from(page)})
    response = _code_step(client, _code(secret, clock))
    assert response.headers["Location"] == "/documents/"


def test_wrong_codes_count_towards_the_lockout(client, db_session, clock):
    user = _admin(db_session)
    secret, _ = _with_totp(db_session, user, clock)
    _password_step(client, user)
    for _ in range(3):
        response = _code_step(client, "123456" if _code(secret, clock) != "123456" else "654321")
        assert response.status_code == 200 and WRONG_CODE in response.get_data(as_text=True)
    # the right password again does not wipe the count: wrong codes and passwords add up
    _password_step(client, user)
    assert WRONG_CODE in _code_step(client, "abc").get_data(as_text=True)
    response = _code_step(client, "abc")  # the fifth in a row
    assert response.status_code == 423 and LOCKED in response.get_data(as_text=True)
    gone = client.get("/login/code")  # the half-logged state went with it
    assert gone.status_code == 302 and gone.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    again = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                        "csrf_token": csrf_token_from(page)})
    assert again.status_code == 423 and LOCKED in again.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(User, user.id).locked_until is not None


def test_an_expired_lock_does_not_count(client, db_session, clock):
    import datetime as dt

    user = _admin(db_session)
    secret, _ = _with_totp(db_session, user, clock)
    user.locked_until = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    db_session.commit()
    _password_step(client, user)
    response = _code_step(client, "abc")
    assert response.status_code == 200 and WRONG_CODE in response.get_data(as_text=True)
    assert _code_step(client, _code(secret, clock)).status_code == 302


def test_a_code_is_accepted_once(client, db_session, clock):
    user = _admin(db_session)
    secret, _ = _with_totp(db_session, user, clock)
    code = _code(secret, clock)
    _password_step(client, user)
    assert _code_step(client, code).status_code == 302
    _logout(client)
    _password_step(client, user)
    replay = _code_step(client, code)
    assert replay.status_code == 200 and WRONG_CODE in replay.get_data(as_text=True)
    clock.shift(30)
    assert _code_step(client, _code(secret, clock)).status_code == 302


@pytest.mark.parametrize(("steps", "accepted"), [(-2, False), (-1, True), (1, True), (2, False)])
def test_one_step_of_clock_drift_either_way(client, db_session, clock, steps, accepted):
    user = _admin(db_session)
    secret, _ = _with_totp(db_session, user, clock)
    clock.shift(5 * 30)# well past the step used to confirm
    _password_step(client, user)
    response = _code_step(client, _code(secret, clock, steps))
    assert (response.status_code == 302) is accepted
    if not accepted:
        assert WRONG_CODE in response.get_data(as_text=True)


def test_thai_digits_are_accepted(client, db_session, clock):
    user = _admin(db_session, role="commander")
    secret, _ = _with_totp(db_session, user, clock)
    _password_step(client, user)
    code = to_thai_digits(_code(secret, clock))
    assert re.fullmatch("[๐-๙]{6}", code)
    response = _code_step(client, f"{code[:3]} {code[3:]}")
    assert response.status_code == 302 and client.get("/").status_code == 200


def test_a_recovery_code_works_once(client, db_session, clock):
    user = _admin(db_session)
    _, codes = _with_totp(db_session, user, clock)
    _password_step(client, user)
    response = _code_step(client, codes[0].upper())
    assert response.status_code == 302
    assert "เหลืออีก ๙ รหัส" in client.get("/").get_data(as_text=True)
    _logout(client)
    _password_step(client, user)
    again = _code_step(client, codes[0])
    assert again.status_code == 200 and WRONG_CODE in again.get_data(as_text=True)
    assert _code_step(client, codes[1]).status_code == 302


def test_the_half_logged_state_lasts_five_minutes(client, db_session, clock):
    user = _admin(db_session)
    secret, _ = _with_totp(db_session, user, clock)
    _password_step(client, user)
    page = client.get("/login/code").get_data(as_text=True)
    clock.shift(301)  # five minutes and a second later
    response = client.post("/login/code", data={"code": _code(secret, clock),
                                                "csrf_token": csrf_token_from(page)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "หมดเวลากรอกรหัสยืนยัน" in client.get("/login").get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_the_code_page_needs_the_password_first(client):
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"] == "/login"


def test_the_database_refuses_totp_on_without_a_secret(db_session):
    user = _admin(db_session)
    user.totp_enabled = True
    with pytest.raises(IntegrityError):
        with db_session.begin_nested():
            db_session.flush()


def test_a_secret_under_another_key_cannot_be_read(app, db_session):
    stored = totp.encrypt("JBSWY3DPEHPK3PXP")
    assert totp.decrypt(stored) == "JBSWY3DPEHPK3PXP"
    with app.test_request_context():
        app.config["SECRET_KEY"], key = "another", app.config["SECRET_KEY"]
        try:
            assert totp.decrypt(stored) is None
        finally:
            app.config["SECRET_KEY"] = key


# -- who is offered it, who must have it, turning it off ------------------------------------

def test_staff_are_not_offered_totp(client, db_session):
    user = _admin(db_session, role="staff")
    db_session.commit()
    log_in(client, user.username)
    html = client.get("/account/security").get_data(as_text=True)
    assert "เริ่มตั้งค่า" not in html and "เปลี่ยนรหัสผ่าน" in html
    _post(client, "/account/totp/start", {}, "/account/security")
    assert "บัญชีของท่านไม่มีการยืนยันตัวตนสองขั้นตอน" in client.get(
        "/account/security").get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(User, user.id).totp_secret is None


def test_a_required_second_factor_comes_before_anything_else(
        client, db_session, clock, app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_TOTP_FOR", frozenset({"commander"}))
    user = _admin(db_session, role="commander")
    token = create_token(user, "test")
    db_session.commit()
    log_in(client, user.username)
    for path in ("/", "/documents/", "/routing/inbox"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"] == "/account/security"
    html = client.get("/account/security").get_data(as_text=True)
    assert "ต้องตั้งค่าให้เสร็จก่อน" in html and "เปลี่ยนรหัสผ่าน</h2>" not in html
    refused = _post(client, "/account/password",
                    {"current": PASSWORD, "new": "ใหม่-ยาวพอแล้ว-2", "again": "ใหม่-ยาวพอแล้ว-2"},
                    "/account/security")
    assert refused.status_code == 302 and refused.headers["Location"] == "/account/security"
    # the API (bearer tokens) does not ask for a second factor
    api = client.get("/api/v1/documents", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200

    _post(client, "/account/totp/start", {}, "/account/security")
    secret = totp.decrypt(db_session.scalar(
        select(User.totp_secret).where(User.id == user.id)))
    done = _post(client, "/account/totp/confirm", {"code": _code(secret, clock)},
                 "/account/security")
    assert done.status_code == 200
    assert client.get("/").status_code == 200


def test_required_roles_are_checked_at_start(tmp_path, monkeypatch):
    from saraban import create_app
    from saraban.config import ConfigError

    monkeypatch.setenv("SARABAN_REQUIRE_TOTP_FOR", "admin, chief")
    with pytest.raises(ConfigError, match="chief"):
        create_app({"ENV": "testing", "SECRET_KEY": "x", "DATA_DIR": str(tmp_path),
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_turning_totp_off_needs_a_code_or_the_password(client, db_session, clock):
    user = _admin(db_session)
    secret, _ = _with_totp(db_session, user, clock)
    _password_step(client, user)
    _code_step(client, _code(secret, clock))
    refused = _post(client, "/account/totp/disable", {"code": "111111", "password": "ผิด"},
                    "/account/security")
    assert refused.status_code == 400
    assert "รหัสจากแอปหรือรหัสผ่านไม่ถูกต้อง" in refused.get_data(as_text=True)
    assert _post(client, "/account/totp/disable", {"password": PASSWORD},
                 "/account/security").status_code == 302
    db_session.expire_all()
    stored = db_session.get(User, user.id)
    assert not stored.totp_enabled and stored.totp_secret is None
    assert db_session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == user.id)) is None
    _logout(client)
    log_in(client, user.username)  # the password alone again
    assert client.get("/").status_code == 200


def test_disable_totp_from_the_console(app, db_session, clock):
    user = _admin(db_session)
    _with_totp(db_session, user, clock)
    result = app.test_cli_runner().invoke(args=["disable-totp", user.username])
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    assert not db_session.get(User, user.id).totp_enabled


# -- password --------------------------------------------------------------------------------

def test_a_password_change_ends_the_other_sessions(app, client, db_session):
    user = _admin(db_session, role="staff")
    db_session.commit()
    other = app.test_client()
    log_in(client, user.username)
    log_in(other, user.username)
    assert other.get("/").status_code == 200
    new = "รหัสผ่านใหม่-ยาวพอ-9"
    response = _post(client, "/account/password",
                     {"current": PASSWORD, "new": new, "again": new}, "/account/security")
    assert response.status_code == 302
    assert "เปลี่ยนรหัสผ่านแล้ว" in client.get("/account/security").get_data(as_text=True)
    assert client.get("/").status_code == 200  # this one goes on
    ended = other.get("/")
    assert ended.status_code == 302 and "/login" in ended.headers["Location"]
    log_in(other, user.username, new)
    _logout(other)  # and the old password is refused
    page = other.get("/login").get_data(as_text=True)
    old = other.post("/login", data={"username": user.username, "password": PASSWORD,
                                     "csrf_token": csrf_token_from(page)})
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in old.get_data(as_text=True)


@pytest.mark.parametrize(("current", "new", "again", "message"), [
    ("ผิด-ผิด-ผิด", "ใหม่-ยาวพอแล้ว-2", "ใหม่-ยาวพอแล้ว-2", "รหัสผ่านปัจจุบันไม่ถูกต้อง"),
    (PASSWORD, "สั้นไป", "สั้นไป", "รหัสผ่านใหม่ต้องยาวอย่างน้อย ๑๐ ตัวอักษร"),
    (PASSWORD, "ใหม่-ยาวพอแล้ว-2", "ใหม่-ยาวพอแล้ว-3", "รหัสผ่านใหม่ทั้งสองช่องไม่ตรงกัน"),
    (PASSWORD, PASSWORD, PASSWORD, "รหัสผ่านใหม่ต้องไม่ซ้ำกับรหัสผ่านปัจจุบัน"),
    (PASSWORD, "", "", "กรุณากรอกรหัสผ่านใหม่"),
])
def test_a_password_change_is_refused_in_thai(client, db_session, current, new, again, message):
    user = _admin(db_session, role="staff")
    db_session.commit()
    log_in(client, user.username)
    response = _post(client, "/account/password",
                     {"current": current, "new": new, "again": again}, "/account/security")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # nothing changed, still logged in
    db_session.expire_all()
    assert db_session.get(User, user.id).check_password(PASSWORD)


# -- API tokens ------------------------------------------------------------------------------

def test_tokens_are_listed_and_revoked_on_the_page(client, db_session):
    user = _admin(db_session, role="staff")
    token = create_token(user, "ระบบรายงาน")
    someone = _admin(db_session, role="staff")
    theirs = create_token(someone, "ของคนอื่น")
    db_session.commit()
    api = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/documents", headers=api).status_code == 200
    log_in(client, user.username)
    html = client.get("/account/security").get_data(as_text=True)
    assert token[:10] in html and "ระบบรายงาน" in html and theirs[:10] not in html
    row = db_session.scalar(select(ApiToken).where(ApiToken.prefix == token[:10]))
    other = db_session.scalar(select(ApiToken).where(ApiToken.prefix == theirs[:10]))

    refused = _post(client, f"/account/tokens/{other.id}/revoke", {}, "/account/security")
    assert refused.status_code == 302
    assert "ไม่พบโทเค็นนี้ในบัญชีของท่าน" in client.get("/account/security").get_data(
        as_text=True)
    response = _post(client, f"/account/tokens/{row.id}/revoke", {}, "/account/security")
    assert response.status_code == 302
    html = client.get("/account/security").get_data(as_text=True)
    assert "ยกเลิกโทเค็นแล้ว" in html and "ยกเลิกแล้วเมื่อ" in html
    assert client.get("/api/v1/documents", headers=api).status_code == 401
    other_api = {"Authorization": f"Bearer {theirs}"}
    assert client.get("/api/v1/documents", headers=other_api).status_code == 200


def test_tokens_are_listed_and_revoked_from_the_console(app, client, db_session):
    user = _admin(db_session, role="staff")
    token = create_token(user, "สคริปต์")
    create_token(user, "อีกตัว")
    db_session.commit()
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["list-tokens", user.username])
    assert listed.exit_code == 0, listed.output
    assert token[:10] in listed.output and "สคริปต์" in listed.output
    assert listed.output.count("active") == 2

    api = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/documents", headers=api).status_code == 200
    revoked = runner.invoke(args=["revoke-token", token[:10]])
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/v1/documents", headers=api).status_code == 401
    assert runner.invoke(args=["list-tokens", user.username]).output.count("revoked") == 1
    again = runner.invoke(args=["revoke-token", token[:10]])
    assert again.exit_code != 0 and "ไม่พบโทเค็นที่ยังใช้งานได้" in again.output
    assert runner.invoke(args=["list-tokens", "nobody-here"]).exit_code != 0


# -- CSRF on every form ---------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/account/password", "/account/totp/start",
                                 "/account/totp/confirm", "/account/totp/disable",
                                 "/account/tokens/{token}/revoke", "/login/code"])
def test_every_form_refuses_without_csrf(client, db_session, clock, url):
    user = _admin(db_session)
    create_token(user, "test")
    db_session.commit()
    token_id = db_session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id))
    if url == "/login/code":
        secret, _ = _with_totp(db_session, user, clock)
        _password_step(client, user)
        data = {"code": _code(secret, clock)}
    else:
        log_in(client, user.username)
        data = {"current": PASSWORD, "new": "ใหม่-ยาวพอแล้ว-2", "again": "ใหม่-ยาวพอแล้ว-2",
                "code": "123456", "password": PASSWORD}
    response = client.post(url.format(token=token_id), data=data)
    assert response.status_code == 400
    assert CSRF_REFUSED in response.get_data(as_text=True)
    db_session.expire_all()
    stored = db_session.get(User, user.id)
    assert stored.check_password(PASSWORD)
    assert stored.totp_secret is None or url == "/login/code"
    assert db_session.get(ApiToken, token_id).revoked_at is None
