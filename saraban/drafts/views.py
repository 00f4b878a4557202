"""Pages for outgoing letters: the drafts desk, the form, one draft with its line, its
versions and the actions of whoever it waits for, and the letter's PDF."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from saraban import thaidate
from saraban.delivery.models import CHANNEL_NAMES, Channel
from saraban.drafts import operations as ops
from saraban.drafts.models import DraftStatus, StepRole, StepStatus
from saraban.extensions import db
from saraban.pages import form_id, run_operation
from saraban.pdf.letter import KIND_NAMES, KINDS
from saraban.units.models import Unit

bp = Blueprint("drafts", __name__)

# the fields each form asks for, in the order of the form on paper
FORM_FIELDS = {
    "external": ("subject", "to", "references", "enclosures", "closing", "owner_unit",
                 "telephone", "email"),
    "memo": ("unit", "subject", "to", "references", "enclosures"),
    "stamped": ("to", "subject", "owner_unit", "telephone"),
    "order": ("subject", "effective"),
    "announcement": ("subject",),
    "certificate": ("subject",),
    "minutes": ("title", "meeting_no", "held_on", "held_at", "present", "absent", "attending",
                "started_at", "ended_at"),
}
MULTILINE = {key for key, (_, _, lines) in ops.FIELDS.items() if lines}


def _draft_or_404(draft_id: int):
    try:
        return ops.get_draft(current_user, draft_id)
    except ops.DraftError:
        abort(404)  # the same whether it does not exist or may not be seen


def _form_data(form, kind: str) -> dict:
    fields = {key: form.get(f"f-{key}", "") for key in FORM_FIELDS.get(kind, ())}
    for level in ("urgency", "secrecy"):  # the select's value is the level's number
        fields[level] = form_id(form.get(level) or "0")
    return {"kind": kind, "fields": fields, "body": form.get("body", ""),
            "unit_id": form_id(form.get("unit_id")), "reply_to": form_id(form.get("reply_to")),
            "version": form.get("version") or None}


@bp.get("/drafts")
@login_required
def index():
    found = ops.drafts_for(current_user)
    return render_template("drafts/index.html", **found, kinds=KIND_NAMES)


@bp.route("/drafts/new", methods=["GET", "POST"])
@login_required
def new():
    kind = request.values.get("kind") or "memo"
    if kind not in KINDS:
        kind = "memo"
    values, error_field = {}, None
    reply_to = form_id(request.values.get("reply_to"))
    if request.method == "POST":
        data = _form_data(request.form, kind)
        draft = run_operation(lambda: ops.create_draft(current_user, data),
                              gettext("บันทึกร่างแล้ว"))
        if draft is not None:
            return redirect(url_for("drafts.show", draft_id=draft.id))
        values = {**data["fields"], "body": data["body"]}
    elif reply_to:
        try:
            values = ops.reply_fields(current_user, reply_to)
        except ops.DraftError:
            abort(404)
    return render_template("drafts/form.html", kind=kind, kinds=KIND_NAMES, values=values,
                           form_fields=FORM_FIELDS[kind], labels=ops.FIELDS,
                           multiline=MULTILINE, units=_my_units(), reply_to=reply_to,
                           draft=None, error_field=error_field)


def _my_units() -> list[Unit]:
    from saraban.documents.access import member_unit_ids

    ids = member_unit_ids(current_user)
    return list(db.session.scalars(select(Unit).where(Unit.id.in_(ids))
                                   .order_by(Unit.short_name))) if ids else []


@bp.get("/drafts/<int:draft_id>")
@login_required
def show(draft_id: int):
    draft = _draft_or_404(draft_id)
    mine = next((s for s in draft.steps if s.user_id == current_user.id
                 and s.status == StepStatus.CURRENT), None) \
        if draft.status == DraftStatus.IN_REVIEW else None
    editable = (draft.status in ops.OPEN and draft.created_by_id == current_user.id) or (
        mine is not None and mine.role == StepRole.REVIEW)
    context = {"draft": draft, "kinds": KIND_NAMES, "step": mine, "editable": editable,
               "versions": ops.versions(current_user, draft.id),
               "form_fields": FORM_FIELDS[draft.kind], "labels": ops.FIELDS,
               "multiline": MULTILINE, "values": {**draft.fields, "body": draft.body},
               "channels": CHANNEL_NAMES, "Channel": Channel}
    if draft.status in ops.OPEN and draft.created_by_id == current_user.id:
        context["candidates"] = ops.line_candidates(draft.unit, draft.secrecy)
        line = ops.default_line(draft.unit)
        context["default_reviewers"], context["default_signer"] = line[:-1], line[-1:]
    if mine is not None and mine.role == StepRole.SIGN:
        from saraban.endorsements.capacity import capacities_for

        context["capacities"] = capacities_for(current_user.person, thaidate.today())
    signing = next((s for s in draft.steps if s.role == StepRole.SIGN
                    and s.status == StepStatus.CURRENT), None)
    if draft.status == DraftStatus.IN_REVIEW and signing is not None and (
            draft.created_by_id == current_user.id or signing.user_id == current_user.id):
        context["paper_signer"] = signing.user
    if draft.status == DraftStatus.SIGNED and draft.unit_id in ops._dispatch_units(current_user):
        context.update(_dispatch_choices(draft))
    return render_template("drafts/show.html", **context)


def _dispatch_choices(draft) -> dict:
    from saraban.exchange.models import Peer
    from saraban.permissions import usable_registers_query
    from saraban.registers.models import Register, RegisterKind

    registers = list(db.session.scalars(
        usable_registers_query(current_user).where(
            Register.kind == RegisterKind.DISPATCH, Register.unit_id == draft.unit_id,
            Register.for_orders.is_(draft.kind == "order"))
        .order_by(Register.id)))
    units = list(db.session.scalars(select(Unit).where(Unit.is_active, Unit.id != draft.unit_id)
                                    .order_by(Unit.short_name).limit(500)))
    peers = list(db.session.scalars(select(Peer).where(Peer.active).order_by(Peer.name)))
    return {"registers": registers, "dest_units": units, "peers": peers}


@bp.post("/drafts/<int:draft_id>/edit")
@login_required
def edit(draft_id: int):
    draft = _draft_or_404(draft_id)
    data = _form_data(request.form, draft.kind)
    run_operation(lambda: ops.update_draft(current_user, draft.id, data),
                  gettext("บันทึกการแก้ไขแล้ว"))
    return redirect(url_for("drafts.show", draft_id=draft_id))


def _review_line(form) -> list:
    """The reviewers chosen in order, then the signer: the line as the operations take it."""
    chosen = [*form.getlist("reviewer"), form.get("signer")]
    return [form_id(v) for v in chosen if v]


@bp.post("/drafts/<int:draft_id>/submit")
@login_required
def submit(draft_id: int):
    _draft_or_404(draft_id)
    line = _review_line(request.form)
    run_operation(lambda: ops.submit_draft(current_user, draft_id, line,
                                           parallel=request.form.get("parallel") == "1"),
                  gettext("เสนอร่างแล้ว"))
    return redirect(url_for("drafts.show", draft_id=draft_id))


@bp.post("/drafts/<int:draft_id>/review")
@login_required
def review(draft_id: int):
    _draft_or_404(draft_id)
    action = request.form.get("action")
    done = gettext("ลงชื่อย่อกำกับแล้ว") if action == "initial" else gettext("ส่งคืนผู้ร่างแล้ว")
    made = run_operation(lambda: ops.review_draft(current_user, draft_id, action,
                                                  request.form.get("note")), done)
    return redirect(url_for("drafts.index" if made is not None else "drafts.show",
                            **({} if made is not None else {"draft_id": draft_id})))


@bp.post("/drafts/<int:draft_id>/sign")
@login_required
def sign(draft_id: int):
    _draft_or_404(draft_id)
    made = run_operation(lambda: ops.sign_draft(current_user, draft_id,
                                                request.form.get("capacity") or None),
                         gettext("ลงนามแล้ว หนังสือส่งไปรอออกเลขที่งานสารบรรณ"))
    return redirect(url_for("drafts.show", draft_id=draft_id) if made is None
                    else url_for("drafts.index"))


@bp.post("/drafts/<int:draft_id>/sign-on-paper")
@login_required
def sign_on_paper(draft_id: int):
    _draft_or_404(draft_id)
    upload = request.files.get("scan")
    data = upload.read() if upload else b""
    run_operation(lambda: ops.sign_on_paper(
        current_user, draft_id, upload.filename if upload else None, data,
        request.form.get("capacity") or None),
        gettext("เก็บหนังสือที่ลงนามบนกระดาษแล้ว หนังสือส่งไปรอออกเลขที่งานสารบรรณ"))
    return redirect(url_for("drafts.show", draft_id=draft_id))


def _destinations(form) -> list[dict]:
    out = []
    for i in range(int(form.get("rows") or 0) if (form.get("rows") or "").isdigit() else 0):
        channel = form.get(f"d{i}-channel")
        if not channel:
            continue
        item = {"channel": channel}
        for key in ("unit_id", "peer", "organization", "email", "agency_id", "name", "address",
                    "tracking"):
            value = form.get(f"d{i}-{key}")
            if value:
                item[key] = form_id(value) if key in ("unit_id", "agency_id") else value
        out.append(item)
    return out[:200]


@bp.post("/drafts/<int:draft_id>/dispatch")
@login_required
def dispatch(draft_id: int):
    _draft_or_404(draft_id)
    done = run_operation(lambda: ops.dispatch_draft(
        current_user, draft_id, form_id(request.form.get("register_id")),
        _destinations(request.form)))
    if done is None:
        return redirect(url_for("drafts.show", draft_id=draft_id) + "#dispatch")
    from flask import flash

    from saraban.i18n import local_digits

    flash(gettext("ออกเลขแล้ว ที่ %(number)s และส่งแล้ว %(n)s ปลายทาง",
                  number=done["dispatch"].number_text,
                  n=local_digits(len(done["deliveries"]))), "info")
    return redirect(url_for("documents.show", document_id=done["dispatch"].document_id))


@bp.get("/drafts/<int:draft_id>/letter.pdf")
@login_required
def letter(draft_id: int):
    from saraban.pdf import pdf_response

    _draft_or_404(draft_id)
    pdf, name = ops.preview_pdf(current_user, draft_id)
    return pdf_response(pdf, name)


@bp.post("/units/<int:unit_id>/review-line")
@login_required
def unit_review_line(unit_id: int):
    line = _review_line(request.form)
    run_operation(lambda: ops.set_default_line(current_user, unit_id, line),
                  gettext("บันทึกสายการตรวจประจำหน่วยแล้ว"))
    return redirect(url_for("admin.unit", unit_id=unit_id) + "#review-line")
