"""The second login step (TOTP), and the user's own page "ความปลอดภัยของบัญชี": password,
second factor, API tokens. Part of the accounts blueprint (saraban/accounts/blueprint.py;
views.py imports this module, so that both add their pages before the app registers it)."""

from __future__ import annotations

import time

from flask import (
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, login_required, login_user

from saraban.accounts import totp
from saraban.accounts.blueprint import LOGINS_PER_MINUTE, bp
from saraban.accounts.forms import (
    CodeForm,
    LoginForm,
    NewPasswordForm,
    PasswordChangeForm,
    TotpDisableForm,
)
from saraban.accounts.models import User
from saraban.accounts.operations import (
    PASSWORD_MIN_LENGTH,
    AccountLocked,
    change_password,
    check_login_code,
    confirm_totp,
    disable_totp,
    mark_notices_seen,
    pending_totp_secret,
    revoke_own_token,
    set_own_password,
    start_totp,
    tokens_of,
    totp_offered,
    totp_required,
    unseen_notices,
    unused_recovery_codes,
)
from saraban.db import utcnow
from saraban.extensions import db
from saraban.i18n import format_datetime, format_time, local_digits
from saraban.pages import run_operation
from saraban.ratelimit import allow
from saraban.thaidate import BANGKOK
from saraban.validation import OperationError

PENDING = "pending_login"  # the half-logged state between the password and the code
PENDING_FOR = 300  # seconds
CHANGING = "pending_password"  # a one-time password was right: only a new one may follow
CHANGING_FOR = 600  # seconds
REAUTH_TRIES = (5, 300.0)  # password or code checks on this page, per user, per 5 minutes

# what a user who must set up TOTP first may still reach
_OPEN_ENDPOINTS = {"static", "set_language", "accounts.login", "accounts.login_code",
                   "accounts.logout", "accounts.new_password", "accounts.security",
                   "accounts.totp_start", "accounts.totp_confirm"}
_OTHER_AUTH_BLUEPRINTS = {"api", "exchange", "verify"}  # bearer tokens, signatures, public


def begin_second_step(user: User, next_url: str):
    """The password was right and TOTP is on: remember who (for PENDING_FOR) in the new
    session and ask for the code."""
    session[PENDING] = {"user": user.id, "token": user.session_token,
                        "since": int(time.time()), "next": next_url}
    return redirect(url_for("accounts.login_code"))


def complete_login(user: User, next_url: str):
    """The password (and the code) were right. A user holding a one-time password is not
    logged in: he may only set his own (``new_password``); anyone else is, and hears of
    what was done to his account since (an administrator's reset)."""
    if user.must_change_password:
        session[CHANGING] = {"user": user.id, "token": user.session_token,
                             "since": int(time.time()), "next": next_url}
        return redirect(url_for("accounts.new_password"))
    for notice in unseen_notices(user):
        flash(notice_text(notice), "info")
    mark_notices_seen(user)
    db.session.flush()  # the login's writes, before the session says he is logged in
    login_user(user)
    return redirect(next_url)


def notice_text(notice) -> str:
    by = notice.by_user.display_name if notice.by_user else gettext("ผู้ดูแลระบบ")
    return gettext("ผู้ดูแลระบบ %(name)s ตั้งรหัสผ่านใหม่ให้บัญชีของท่านเมื่อ %(when)s "
                   "หากท่านไม่ได้ขอ กรุณาแจ้งผู้บังคับบัญชาและผู้ดูแลระบบส่วนกลางทันที",
                   name=by, when=format_datetime(notice.created_at))


@bp.route("/login/new-password", methods=["GET", "POST"])
def new_password():
    """The only page a one-time password opens: the user sets a password of his own."""
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    state = session.get(CHANGING)
    user = None
    if isinstance(state, dict) and isinstance(state.get("user"), int) \
            and time.time() - state.get("since", 0) <= CHANGING_FOR:
        user = db.session.get(User, state["user"])
        if user is not None and (user.session_token != state.get("token")
                                 or not user.must_change_password or not user.active):
            user = None
    if user is None:
        session.pop(CHANGING, None)
        flash(gettext("กรุณาเข้าสู่ระบบด้วยรหัสผ่านชั่วคราวอีกครั้ง"), "error")
        return redirect(url_for("accounts.login"))
    form = NewPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            set_own_password(user, form.new.data, form.again.data)
        except OperationError as error:
            db.session.rollback()
            getattr(form, error.field if error.field in ("new", "again") else "new") \
                .errors.append(error.message_for())
            status = 400
        else:
            next_url = state.get("next") or url_for("accounts.home")
            session.clear()
            flash(gettext("ตั้งรหัสผ่านใหม่แล้ว"), "info")
            return complete_login(user, next_url)
    elif request.method == "POST":
        status = 400
    page = render_template("accounts/new_password.html", form=form, user=user,
                           notices=[notice_text(n) for n in unseen_notices(user)],
                           min_length=PASSWORD_MIN_LENGTH)
    return _no_store(page), status


def _pending() -> tuple[User | None, dict | None, bool]:
    """The user waiting for the second step, his saved state, and whether it expired."""
    state = session.get(PENDING)
    if not isinstance(state, dict) or not isinstance(state.get("user"), int):
        return None, None, False
    if time.time() - state.get("since", 0) > PENDING_FOR:
        session.pop(PENDING, None)
        return None, None, True
    user = db.session.get(User, state.get("user"))
    if user is None or user.session_token != state.get("token") or not user.totp_enabled:
        session.pop(PENDING, None)
        return None, None, True
    return user, state, False


def locked_message(until) -> str:
    return gettext("บัญชีนี้ถูกระงับชั่วคราวเพราะใส่รหัสผ่านผิดหลายครั้ง กรุณาลองใหม่หลังเวลา "
                   "%(time)s หรือติดต่อผู้ดูแลระบบ", time=format_time(until.astimezone(BANGKOK)))


def _locked(until):
    """The account is locked: the half-logged state is dropped, the login page says until
    when."""
    session.pop(PENDING, None)
    flash(locked_message(until), "error")
    return _no_store(render_template("accounts/login.html", form=LoginForm())), 423


def _no_store(response):
    response = make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    user, state, expired = _pending()
    if user is None:
        if expired:
            flash(gettext("หมดเวลากรอกรหัสยืนยัน กรุณาเข้าสู่ระบบใหม่อีกครั้ง"), "error")
        return redirect(url_for("accounts.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if not allow(f"login:{request.remote_addr}", LOGINS_PER_MINUTE, 60.0):
            flash(gettext("พยายามเข้าสู่ระบบบ่อยเกินไปจากเครื่องนี้ กรุณารอหนึ่งนาทีแล้วลองใหม่"),
                  "error")
            return _no_store(render_template("accounts/login_code.html", form=form)), 429
        try:
            how = check_login_code(user, form.code.data)
        except AccountLocked as locked:
            return _locked(locked.until)
        if how is None:
            if user.locked_until is not None and user.locked_until > utcnow():
                # that was the LOCK_AFTER-th refusal in a row
                return _locked(user.locked_until)
            flash(gettext("รหัสยืนยันไม่ถูกต้องหรือถูกใช้ไปแล้ว กรุณากรอกรหัสล่าสุดจากแอป"),
                  "error")
            form.code.data = ""
        else:
            session.clear()  # a new session once the login is complete
            if how == "recovery":
                flash(gettext("ท่านใช้รหัสกู้คืนไปหนึ่งรหัส เหลืออีก %(count)s รหัส",
                              count=local_digits(unused_recovery_codes(user))), "info")
            return complete_login(user, state["next"])
    return _no_store(render_template("accounts/login_code.html", form=form))


@bp.before_app_request
def _second_factor_first():
    """A user whose role requires TOTP (SARABAN_REQUIRE_TOTP_FOR) and who has none yet can
    only set it up (or log out) after logging in."""
    if request.endpoint in _OPEN_ENDPOINTS or request.blueprint in _OTHER_AUTH_BLUEPRINTS:
        return None
    if not current_user.is_authenticated or current_user.totp_enabled:
        return None
    if not totp_required(current_user):
        return None
    flash(gettext("บัญชีของท่านต้องใช้การยืนยันตัวตนสองขั้นตอน กรุณาตั้งค่าให้เสร็จก่อนใช้งานส่วนอื่น"),
          "error")
    return redirect(url_for("accounts.security"))


def _security_page(password_form=None, disable_form=None, code_form=None, status=200):
    user = current_user
    secret = pending_totp_secret(user)
    setup = None
    if secret is not None:
        setup = {"qr": totp.qr_data_uri(totp.provisioning_uri(secret, user.username)),
                 "secret": totp.grouped(secret)}
    required = totp_required(user)
    page = render_template(
        "accounts/security.html",
        password_form=password_form or PasswordChangeForm(),
        disable_form=disable_form or TotpDisableForm(),
        code_form=code_form or CodeForm(),
        offered=totp_offered(user),
        required=required,
        must_set_up=required and not user.totp_enabled,
        broken_secret=user.totp_secret is not None and not user.totp_enabled and secret is None,
        setup=setup,
        recovery_left=unused_recovery_codes(user) if user.totp_enabled else None,
        tokens=tokens_of(user),
        min_length=PASSWORD_MIN_LENGTH,
    )
    return _no_store(page), status


def _too_many_checks() -> bool:
    if allow(f"reauth:{current_user.id}", *REAUTH_TRIES):
        return False
    flash(gettext("ตรวจรหัสผ่านหรือรหัสยืนยันบ่อยเกินไป กรุณารอห้านาทีแล้วลองใหม่"), "error")
    return True


@bp.route("/account/security")
@login_required
def security():
    return _security_page()


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password_page():
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        return _security_page(password_form=form, status=400)
    if _too_many_checks():
        return _security_page(password_form=form, status=429)
    user = current_user._get_current_object()
    try:
        change_password(user, form.current.data, form.new.data, form.again.data)
    except OperationError as error:
        db.session.rollback()
        getattr(form, error.field or "current").errors.append(error.message_for())
        return _security_page(password_form=form, status=400)
    db.session.flush()
    session.clear()  # this session goes on under the new token; every other one ends
    login_user(user)
    flash(gettext("เปลี่ยนรหัสผ่านแล้ว เครื่องอื่นที่เข้าสู่ระบบด้วยบัญชีนี้ไว้ต้องเข้าสู่ระบบใหม่"),
          "info")
    return redirect(url_for("accounts.security"))


@bp.route("/account/totp/start", methods=["POST"])
@login_required
def totp_start():
    run_operation(lambda: start_totp(current_user))
    return redirect(url_for("accounts.security") + "#totp")


@bp.route("/account/totp/confirm", methods=["POST"])
@login_required
def totp_confirm():
    form = CodeForm()
    if not form.validate_on_submit():
        return _security_page(code_form=form, status=400)
    if _too_many_checks():
        return _security_page(code_form=form, status=429)
    user = current_user._get_current_object()
    try:
        codes = confirm_totp(user, form.code.data)
    except OperationError as error:
        db.session.rollback()
        form.code.errors.append(error.message_for())
        return _security_page(code_form=form, status=400)
    db.session.flush()
    session.clear()  # sessions opened with the password alone end here
    g.pop("csrf_token", None)  # Flask-WTF's copy of the old session's token
    login_user(user)
    return _no_store(render_template("accounts/recovery_codes.html", codes=codes))


@bp.route("/account/totp/disable", methods=["POST"])
@login_required
def totp_disable():
    form = TotpDisableForm()
    if not form.validate_on_submit():
        return _security_page(disable_form=form, status=400)
    if _too_many_checks():
        return _security_page(disable_form=form, status=429)
    user = current_user._get_current_object()
    done = run_operation(
        lambda: disable_totp(user, code=form.code.data or "", password=form.password.data or "")
        or True,
        gettext("ปิดการยืนยันตัวตนสองขั้นตอนแล้ว"))
    if not done:
        return _security_page(disable_form=form, status=400)
    return redirect(url_for("accounts.security"))


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token_page(token_id: int):
    revoked = run_operation(lambda: revoke_own_token(current_user, token_id))
    if revoked:
        flash(gettext("ยกเลิกโทเค็นแล้ว โปรแกรมที่ใช้โทเค็นนี้จะเข้าถึงระบบไม่ได้อีก"), "info")
    elif revoked is not None:
        flash(gettext("โทเค็นนี้ถูกยกเลิกไปก่อนแล้ว"), "info")
    return redirect(url_for("accounts.security") + "#tokens")
