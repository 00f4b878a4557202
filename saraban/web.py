"""Everything that ties the domain packages to Flask: blueprints, Jinja, login, errors."""

from __future__ import annotations

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from saraban import thaidate
from saraban.i18n import LABELS, label


def register_web(app: Flask) -> None:
    from saraban.accounts.views import bp as accounts_bp
    from saraban.accounts.views import load_user
    from saraban.api import bp as api_bp
    from saraban.audit.views import bp as audit_bp
    from saraban.audit.views import verify_bp
    from saraban.documents.views import bp as documents_bp
    from saraban.endorsements.views import bp as endorsements_bp
    from saraban.endorsements.views import register_template_helpers
    from saraban.exchange.views import bp as exchange_bp
    from saraban.exchange.views import pages as exchange_pages
    from saraban.extensions import csrf, login_manager
    from saraban.records.views import bp as records_bp
    from saraban.registers.views import bp as registers_bp
    from saraban.reports.views import bp as reports_bp
    from saraban.routing.views import bp as routing_bp
    from saraban.workspace.views import bp as workspace_bp

    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "กรุณาเข้าสู่ระบบก่อน"
    login_manager.session_protection = "strong"

    app.register_blueprint(accounts_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(registers_bp)
    app.register_blueprint(routing_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(endorsements_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(verify_bp)
    app.register_blueprint(workspace_bp)
    app.register_blueprint(exchange_bp)
    csrf.exempt(exchange_bp)  # peers authenticate each message by its signature
    app.register_blueprint(exchange_pages)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, never with cookies

    register_jinja(app)
    register_template_helpers(app)
    register_errors(app)

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def register_jinja(app: Flask) -> None:
    """Buddhist-era dates and Thai digits for every template."""
    f = app.jinja_env.filters

    def _digits() -> str:
        return "arabic" if getattr(g, "lang", "th") == "en" else "thai"

    f["thai_date"] = lambda d, style="short": (
        thaidate.format_date(d, style, _digits()) if d else ""
    )
    f["thai_time"] = lambda t: thaidate.format_time(_local(t), _digits()) if t else ""
    f["thai_datetime"] = lambda d, style="short": (
        thaidate.format_datetime(d, style, _digits()) if d else ""
    )
    f["thai_digits"] = lambda s: (
        thaidate.to_thai_digits(s) if _digits() == "thai" else thaidate.to_arabic_digits(s)
    ) if s is not None else ""
    f["thai_duration"] = lambda delta, exact=True: (
        thaidate.format_duration(delta, exact, _digits()) if delta is not None else ""
    )
    f["label"] = label
    app.jinja_env.globals["LABELS"] = LABELS


def _local(value):
    """A time or an aware datetime, given back as a Bangkok wall-clock time."""
    import datetime as dt

    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(thaidate.BANGKOK)
        return value.time()
    return value


def register_errors(app: Flask) -> None:
    messages = {
        400: ("คำขอไม่ถูกต้อง", "Bad request"),
        403: ("ท่านไม่มีสิทธิ์เข้าถึงหน้านี้", "Forbidden"),
        404: ("ไม่พบหน้าหรือเอกสารที่ต้องการ", "Not found"),
        405: ("ไม่รองรับวิธีเรียกนี้", "Method not allowed"),
        413: ("ไฟล์หรือข้อมูลมีขนาดใหญ่เกินกำหนด", "Request too large"),
        429: ("มีการเรียกใช้บ่อยเกินไป กรุณารอสักครู่", "Too many requests"),
        500: ("ระบบขัดข้อง กรุณาลองใหม่อีกครั้ง", "Internal server error"),
    }

    def _handler(code):
        def handle(error):
            th, en = messages[code]
            if request.path.startswith("/api/"):
                return jsonify(error={"status": code, "message": en, "message_th": th}), code
            return render_template("errors/error.html", code=code, message=th), code

        return handle

    for code in messages:
        app.register_error_handler(code, _handler(code))

    @app.errorhandler(OperationalError)
    def _busy(error):
        # SQLite refused a write after its busy timeout (or a writer that did not call
        # begin_write met a newer snapshot): nothing was written; the user may retry.
        from saraban.extensions import db

        db.session.rollback()
        if "locked" not in str(error.orig) and "busy" not in str(error.orig):
            raise error
        th = "ขณะนี้มีผู้ใช้บันทึกข้อมูลพร้อมกันจำนวนมาก ยังไม่ได้บันทึก กรุณาลองอีกครั้ง"
        if request.path.startswith("/api/"):
            body = {"status": 503, "message": "The database is busy; nothing was saved. "
                    "Retry.", "message_th": th}
            return jsonify(error=body), 503, {"Retry-After": "1"}
        return render_template("errors/error.html", code=503, message=th), 503

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_template(
            "errors/error.html",
            code=400,
            message="แบบฟอร์มหมดอายุหรือไม่ถูกต้อง กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง",
        ), 400


def run_operation(action, done: str | None = None):
    """Run one operation for a page, commit, and say in Thai what happened or why not.
    Gives the operation's result, or None when it was refused (and nothing was saved)."""
    from flask import flash

    from saraban.extensions import db
    from saraban.validation import OperationError

    try:
        result = action()
        db.session.commit()
    except OperationError as error:
        db.session.rollback()
        flash(error.message_th, "error")
        return None
    if done:
        flash(done, "info")
    return result
