"""Pages of the workspace: choosing the unit one acts for, and help for each desk."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
)
from flask_babel import gettext
from flask_login import current_user, login_required
from jinja2 import TemplateNotFound

from saraban.workspace.operations import choose_acting_unit

bp = Blueprint("workspace", __name__)


@bp.app_context_processor
def _acting():
    """``acting_units()`` and ``acting_unit()`` for the page header, read only when asked."""
    from saraban.workspace.operations import acting_unit, acting_units

    def units():
        return acting_units(current_user) if current_user.is_authenticated else []

    def unit():
        return acting_unit(current_user) if current_user.is_authenticated else None

    return {"acting_units": units, "acting_unit": unit}

# topic -> (Thai title, English title), in the order of a letter's life
HELP_TOPICS = {
    "receive": ("การรับหนังสือ", "Receiving letters"),
    "forward": ("การส่งต่อและเวียนหนังสือ", "Forwarding and circulating"),
    "endorse": ("การเสนอและเกษียนสั่งการ", "Proposals and endorsements"),
    "search": ("การค้นหาและติดตามหนังสือ", "Searching and tracing"),
}


def _back() -> str:
    from saraban.pages import safe_next

    return safe_next(request.form.get("next") or request.args.get("next"))


@bp.post("/acting-unit")
@login_required
def acting_unit():
    unit = choose_acting_unit(current_user, request.form.get("unit_id"))
    if unit is None:
        flash(gettext("ท่านไม่ได้สังกัดหน่วยนี้"), "error")
    else:
        flash(gettext("ทำงานในนามหน่วย %(unit)s", unit=unit.short_name), "info")
    return redirect(_back())


@bp.get("/help/")
@bp.get("/help/<topic>")
def help_page(topic: str | None = None):
    if topic is not None and topic not in HELP_TOPICS:
        abort(404)
    lang = "en" if g.get("lang") == "en" else "th"
    name = f"help/{lang}/{topic or 'index'}.html"
    try:
        return render_template(name, topics=HELP_TOPICS, topic=topic, lang=lang)
    except TemplateNotFound:
        return render_template(f"help/th/{topic or 'index'}.html", topics=HELP_TOPICS,
                               topic=topic, lang="th")


@bp.get("/dates/check")
@login_required
def check_date():
    """How a typed date reads, for the form to show as the clerk types (the same reader
    the forms use, so what is shown is what will be saved)."""
    from saraban.thaidate import ThaiDateError, format_date, parse_date

    value = request.args.get("value", "")[:60]
    english = g.get("lang") == "en"
    try:
        day = parse_date(value)
    except ThaiDateError as error:
        return jsonify(ok=False, text=error.message_en if english else str(error))
    if english:
        return jsonify(ok=True, text=day.strftime("%A %-d %B %Y"), iso=day.isoformat())
    weekday = "จันทร์ อังคาร พุธ พฤหัสบดี ศุกร์ เสาร์ อาทิตย์".split()[day.weekday()]
    return jsonify(ok=True, text=f"วัน{weekday}ที่ {format_date(day, 'long')}",
                   iso=day.isoformat())


@bp.get("/counts.json")
@login_required
def counts():
    """The menu's counts, for the page to update them without a reload."""
    from saraban.workspace.operations import menu_counts

    response = jsonify(menu_counts(current_user))
    response.headers["Cache-Control"] = "private, no-store"
    return response
