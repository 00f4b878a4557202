"""Everything that ties the domain packages to Flask: blueprints, Jinja, login, errors."""

from __future__ import annotations

from flask import Flask, abort, g, jsonify, redirect, render_template, request, session
from flask_babel import force_locale, gettext, lazy_gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError

from saraban import i18n, thaidate
from saraban.i18n import LABELS, label
from saraban.pages import safe_next
from saraban.validation import OperationError


def register_web(app: Flask) -> None:
    from saraban.accounts.views import bp as accounts_bp
    from saraban.accounts.views import load_user
    from saraban.admin.views import bp as admin_bp
    from saraban.api import routes as api_routes
    from saraban.audit.views import bp as audit_bp
    from saraban.audit.views import verify_bp
    from saraban.delivery.views import bp as delivery_bp
    from saraban.documents.views import bp as documents_bp
    from saraban.drafts.views import bp as drafts_bp
    from saraban.endorsements.views import bp as endorsements_bp
    from saraban.endorsements.views import register_template_helpers
    from saraban.exchange.views import bp as exchange_bp
    from saraban.exchange.views import pages as exchange_pages
    from saraban.extensions import csrf, login_manager
    from saraban.intake.views import bp as intake_bp
    from saraban.mail.views import bp as mail_bp
    from saraban.permissions import register_template_globals
    from saraban.records.views import bp as records_bp
    from saraban.registers.views import bp as registers_bp
    from saraban.reports.views import bp as reports_bp
    from saraban.routing.views import bp as routing_bp
    from saraban.signing.views import bp as signing_bp
    from saraban.workspace.views import bp as workspace_bp

    register_i18n(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("กรุณาเข้าสู่ระบบก่อน")
    login_manager.localize_callback = str  # flashed as text in the page's language
    login_manager.session_protection = "strong"

    app.register_blueprint(accounts_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(registers_bp)
    app.register_blueprint(routing_bp)
    app.register_blueprint(delivery_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(endorsements_bp)
    app.register_blueprint(drafts_bp)
    app.register_blueprint(signing_bp)
    app.register_blueprint(intake_bp)
    app.register_blueprint(mail_bp)
    app.register_blueprint(records_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(verify_bp)
    app.register_blueprint(workspace_bp)
    app.register_blueprint(exchange_bp)
    csrf.exempt(exchange_bp)  # peers authenticate each message by its signature
    app.register_blueprint(exchange_pages)
    api_bp = api_routes()
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, never with cookies

    register_jinja(app)
    register_template_helpers(app)
    register_template_globals(app)  # the permission rules, for menus and buttons
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


def register_i18n(app: Flask) -> None:
    """Thai pages by default, English for whoever chose it (the ``saraban_lang`` cookie,
    set by ``/lang/<code>``). The API and the exchange endpoint keep their own rule:
    they answer in both languages, whatever the cookie says."""
    from saraban.extensions import babel

    try:
        i18n.compile_catalogs()
    except OSError as error:  # read-only and never compiled: English pages stay in Thai
        app.logger.warning("could not compile the translations: %s", error)
    babel.init_app(app, default_locale=i18n.DEFAULT_LANG, locale_selector=i18n.current_lang,
                   default_translation_directories=str(i18n.TRANSLATIONS),
                   default_timezone="Asia/Bangkok")

    @app.before_request
    def _choose_language():
        g.lang = i18n.requested_lang()

    @app.get("/lang/<code>", endpoint="set_language")
    def _set_language(code: str):
        if code not in i18n.LANGUAGES:
            abort(404)
        response = redirect(safe_next(request.args.get("next")))
        response.set_cookie(i18n.LANG_COOKIE, code, max_age=365 * 24 * 3600, httponly=True,
                            samesite="Lax", secure=app.config.get("SESSION_COOKIE_SECURE", False))
        return response

    app.jinja_env.globals.update(current_lang=i18n.current_lang, LANGUAGES=i18n.LANGUAGES)


def register_jinja(app: Flask) -> None:
    """Buddhist-era dates and Thai digits for every template (Gregorian dates and Arabic
    digits when the page is in English)."""
    f = app.jinja_env.filters

    f["thai_date"] = lambda d, style="short": i18n.format_date(d, style) if d else ""
    f["thai_time"] = lambda t: i18n.format_time(_local(t)) if t else ""
    f["thai_datetime"] = lambda d, style="short": i18n.format_datetime(d, style) if d else ""
    f["thai_digits"] = i18n.local_digits
    f["thai_duration"] = lambda delta, exact=True: (
        i18n.format_duration(delta, exact) if delta is not None else ""
    )
    f["date_input"] = lambda d: i18n.date_input(d) if d else ""
    f["as_date"] = _as_date
    f["as_time"] = _as_time
    f["label"] = label
    app.jinja_env.globals["LABELS"] = LABELS
    app.jinja_env.globals.update(month_year=i18n.month_year, month_names=i18n.month_names)
    app.jinja_env.globals["menu_counts"] = _menu_counts


def _as_date(text):
    """A date written ISO ("2019-11-01", as the machine-read fields keep it) as a date,
    for the date filters; None when it is not one."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def _as_time(text):
    """A time written "15:55" (as the machine-read stamps keep it) as a time; None when it
    is not one."""
    import datetime as dt

    try:
        return dt.time.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def _menu_counts(user) -> dict[str, int]:
    """The menu's counts of what waits for the user (none for an anonymous page)."""
    if not getattr(user, "is_authenticated", False):
        return {"inbox": 0, "desk": 0, "drafts": 0}
    from saraban.workspace.operations import menu_counts

    return menu_counts(user)


def _local(value):
    """A time or an aware datetime, given back as a Bangkok wall-clock time (a naive
    datetime is refused by thaidate.local)."""
    import datetime as dt

    if isinstance(value, dt.datetime):
        return thaidate.local(value).time()
    return value


def register_errors(app: Flask) -> None:
    messages = {
        400: (lazy_gettext("คำขอไม่ถูกต้อง"), "Bad request"),
        403: (lazy_gettext("ท่านไม่มีสิทธิ์เข้าถึงหน้านี้"), "Forbidden"),
        404: (lazy_gettext("ไม่พบหน้าหรือเอกสารที่ต้องการ"), "Not found"),
        405: (lazy_gettext("ไม่รองรับวิธีเรียกนี้"), "Method not allowed"),
        413: (lazy_gettext("ไฟล์หรือข้อมูลมีขนาดใหญ่เกินกำหนด"), "Request too large"),
        429: (lazy_gettext("มีการเรียกใช้บ่อยเกินไป กรุณารอสักครู่"), "Too many requests"),
        500: (lazy_gettext("ระบบขัดข้อง กรุณาลองใหม่อีกครั้ง"), "Internal server error"),
    }

    def _handler(code):
        def handle(error):
            page, en = messages[code]
            why = getattr(error, "description", None)
            if isinstance(why, OperationError):  # abort(code, description=refusal): say why
                if request.path.startswith("/api/"):
                    return jsonify(error={"status": code, "message": why.message_en,
                                          "message_th": why.message_th,
                                          "field": why.field}), code
                return render_template("errors/error.html", code=code,
                                       message=why.message_for()), code
            if request.path.startswith("/api/"):
                with force_locale(i18n.DEFAULT_LANG):
                    th = str(page)
                return jsonify(error={"status": code, "message": en, "message_th": th}), code
            return render_template("errors/error.html", code=code, message=str(page)), code

        return handle

    for code in messages:
        app.register_error_handler(code, _handler(code))

    @app.errorhandler(DBAPIError)
    def _database_refused(error):
        # The database refused the work: busy past its timeout (SQLite's lock, or a writer
        # that did not call begin_write and met a newer snapshot), or its disk is full or
        # read-only. Nothing was written (the transaction is rolled back, any number taken
        # is given back): the user is told so and may retry; anything else is a fault.
        from saraban.extensions import db

        db.session.rollback()
        # what the view flashed ("saved") was not: the work it spoke of is rolled back
        if "_flashes" in session:
            session.pop("_flashes")
        trouble = database_trouble(error)
        if trouble is None:
            raise error
        if trouble == "busy":
            th = "ขณะนี้มีผู้ใช้บันทึกข้อมูลพร้อมกันจำนวนมาก ยังไม่ได้บันทึก กรุณาลองอีกครั้ง"
            en = "The database is busy; nothing was saved. Retry."
            page = gettext(
                "ขณะนี้มีผู้ใช้บันทึกข้อมูลพร้อมกันจำนวนมาก ยังไม่ได้บันทึก กรุณาลองอีกครั้ง")
            retry = "1"
        else:
            app.logger.error("the database cannot write: %s", error.orig)
            th = ("ฐานข้อมูลบันทึกไม่ได้: พื้นที่จัดเก็บเต็มหรือเขียนไม่ได้ ระบบยังไม่ได้บันทึก"
                  "รายการนี้ กรุณาแจ้งผู้ดูแลระบบ แล้วลองอีกครั้ง")
            en = ("The database cannot write: its storage is full or read-only. Nothing was "
                  "saved; tell the administrator and retry.")
            page = gettext("ฐานข้อมูลบันทึกไม่ได้: พื้นที่จัดเก็บเต็มหรือเขียนไม่ได้ "
                           "ระบบยังไม่ได้บันทึกรายการนี้ กรุณาแจ้งผู้ดูแลระบบ แล้วลองอีกครั้ง")
            retry = "60"
        if request.path.startswith("/api/"):
            body = {"status": 503, "message": en, "message_th": th}
            return jsonify(error=body), 503, {"Retry-After": retry}
        return (render_template("errors/error.html", code=503, message=page), 503,
                {"Retry-After": retry})

    @app.before_request
    def _no_nul_in_the_query():
        # A NUL byte cannot reach SQL text (PostgreSQL refuses it, SQLite cuts the string
        # there): a query parameter holding one is refused here, once, for every search,
        # filter, suggestion and API list, before any of them reads it.
        if not any("\x00" in key or "\x00" in value
                   for key, value in request.args.items(multi=True)):
            return None
        th = "คำขอมีอักขระที่ใช้ไม่ได้ (อักขระ NUL) กรุณาตรวจสอบคำค้นหรือตัวกรองอีกครั้ง"
        if request.path.startswith("/api/"):
            return jsonify(error={"status": 400, "message": "A query parameter holds a NUL "
                                  "character.", "message_th": th}), 400
        return render_template("errors/error.html", code=400, message=gettext(
            "คำขอมีอักขระที่ใช้ไม่ได้ (อักขระ NUL) กรุณาตรวจสอบคำค้นหรือตัวกรองอีกครั้ง")), 400

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render_template(
            "errors/error.html",
            code=400,
            message=gettext("แบบฟอร์มหมดอายุหรือไม่ถูกต้อง กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง"),
        ), 400


# What a database says when its disk is full or cannot be written (SQLite's messages,
# PostgreSQL's SQLSTATE codes: disk_full, read_only_sql_transaction, io_error, ...).
_FULL_OR_READ_ONLY = ("database or disk is full", "readonly database", "disk i/o error",
                      "unable to open database file", "no space left on device",
                      "read-only transaction", "database is read-only")
_PG_STORAGE_CODES = {"53100", "25006", "58030", "53000"}


def database_trouble(error: DBAPIError) -> str | None:
    """"busy" (locked past the busy timeout), "storage" (full or read-only), or None (a
    fault, to be answered as one)."""
    from sqlalchemy.exc import InternalError, OperationalError

    if not isinstance(error, (OperationalError, InternalError)):  # a constraint, bad data
        return None  # (whose message may quote a value that reads "busy")
    said = str(error.orig).lower()
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if "locked" in said or "busy" in said:
        return "busy"
    if code in _PG_STORAGE_CODES or any(words in said for words in _FULL_OR_READ_ONLY):
        return "storage"
    return None
