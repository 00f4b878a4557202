"""Login, logout and each role's home page."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required, logout_user

from saraban.accounts.blueprint import LOGINS_PER_MINUTE, bp
from saraban.accounts.forms import LoginForm
from saraban.accounts.models import Role, User
from saraban.accounts.operations import (
    AccountLocked,
    begin_login,
    end_sessions,
    finish_login,
    overview_counts,
)
from saraban.accounts.security import begin_second_step, complete_login
from saraban.documents.operations import list_documents
from saraban.extensions import db
from saraban.i18n import format_time
from saraban.pages import safe_next
from saraban.ratelimit import allow
from saraban.registers.operations import recent_receipts
from saraban.thaidate import BANGKOK
from saraban.transaction import commit_early
from saraban.validation import OperationError


def load_user(user_id: str) -> User | None:
    uid, _, token = user_id.partition(":")
    if not uid.isdecimal():
        return None
    user = db.session.get(User, int(uid))
    if user is None or user.session_token != token:
        return None
    return user


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    form = LoginForm()
    if form.validate_on_submit():
        if not allow(f"login:{request.remote_addr}", LOGINS_PER_MINUTE, 60.0):
            flash(gettext("พยายามเข้าสู่ระบบบ่อยเกินไปจากเครื่องนี้ กรุณารอหนึ่งนาทีแล้วลองใหม่"),
                  "error")
            return render_template("accounts/login.html", form=form), 429
        attempt = begin_login(form.username.data)
        commit_early("the attempt is counted, for every worker, before scrypt checks it")
        try:
            user = finish_login(attempt, form.password.data)
        except AccountLocked as locked:
            flash(gettext("บัญชีนี้ถูกระงับชั่วคราวเพราะใส่รหัสผ่านผิดหลายครั้ง กรุณาลองใหม่หลังเวลา "
                          "%(time)s หรือติดต่อผู้ดูแลระบบ",
                          time=format_time(locked.until.astimezone(BANGKOK))), "error")
            return render_template("accounts/login.html", form=form), 423
        if user is None:
            flash(gettext("ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"), "error")
        else:
            next_url = safe_next(request.args.get("next"))
            session.clear()  # a new session on login
            if user.totp_enabled:  # the password was right; now the code (security.py)
                return begin_second_step(user, next_url)
            return complete_login(user, next_url)
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        end_sessions(current_user._get_current_object())
    logout_user()
    session.clear()
    return redirect(url_for("accounts.login"))


HOME_COUNT_CAP = 100  # the home page counts up to here ("more than 100")


@bp.route("/")
@login_required
def home():
    """What the user has to do now, by role: a clerk's registers, a commander's proposals,
    the documents of the user's units, and the whole system's size for an administrator."""
    from saraban import thaidate
    from saraban.documents.access import record_views
    from saraban.permissions import can_administer
    from saraban.workspace.operations import pendency_bars, waiting_for

    documents, total = list_documents(current_user, limit=10, cap=HOME_COUNT_CAP)
    roles = set(current_user.roles)
    today = thaidate.today()
    waiting = waiting_for(current_user, today)
    receipts = recent_receipts(current_user, limit=5) if Role.CLERK in roles else []
    shown = [*documents, *(t.document for t in waiting.inbox_items),
             *(t.document for t in waiting.proposals),
             *(o.endorsement.document for o in waiting.tasks), *(r.document for r in receipts)]
    page = render_template(
        "accounts/home.html",
        documents=documents,
        total=total,
        cap=HOME_COUNT_CAP,
        waiting=waiting,
        today=today,
        bars=pendency_bars(current_user, today),
        receipts=receipts,
        overview=overview_counts() if can_administer(current_user) else None,
    )
    record_views(current_user, shown, "home")  # written last: see saraban/pages.py
    return page


@bp.post("/account/notify")
@login_required
def notify_preference():
    """The user's e-mail address and how he hears of what waits for him (saraban/notify)."""
    from saraban.accounts.security import _security_page
    from saraban.notify.operations import set_preference

    user = current_user._get_current_object()
    try:
        set_preference(user, user, request.form.get("email"), request.form.get("notify"))
        db.session.flush()
    except OperationError as error:
        db.session.rollback()
        g.notify_error = error.message_for()
        return _security_page(status=400)
    flash(gettext("บันทึกการแจ้งเตือนทางอีเมลแล้ว"), "info")
    return redirect(url_for("accounts.security") + "#notify")
