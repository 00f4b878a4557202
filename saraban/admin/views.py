"""The administrator's pages: หน่วยงาน (the unit tree and its registers) and ผู้ใช้ (users,
their roles, locks and passwords). Thin: read the form, call one operation, show."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user

from saraban.accounts.models import Role
from saraban.admin.operations import (
    LETTERHEAD_FIELDS,
    add_membership,
    create_register,
    create_unit,
    create_user,
    get_unit,
    is_locked,
    list_users,
    managed_user,
    people_for_linking,
    remove_membership,
    reset_password,
    unit_tree,
    unlock_user,
    update_unit,
    update_user,
)
from saraban.extensions import db, login_manager
from saraban.pages import run_operation
from saraban.permissions import can_administer
from saraban.validation import OperationError

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50
ROLES = [r.value for r in Role]


@bp.before_request
def _administrators_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not can_administer(current_user):
        return render_template("errors/error.html", code=403, message=gettext(
            "เฉพาะผู้ดูแลระบบเท่านั้นที่จัดการหน่วยงานและผู้ใช้ได้")), 403
    return None


def _found(load, *args):
    """The row, or 404 when the address names none."""
    try:
        return load(*args)
    except OperationError:
        abort(404)


def _page_arg() -> int:
    raw = request.args.get("page", "1")
    return max(1, min(int(raw), 100_000)) if raw.isdecimal() and len(raw) < 7 else 1


def _once(template: str, **context):
    """A page that shows a password once: never kept by the browser or a proxy."""
    response = make_response(render_template(template, **context))
    response.headers["Cache-Control"] = "no-store"
    return response


# -- หน่วยงาน ------------------------------------------------------------------------------

@bp.get("/units")
def units():
    return render_template("admin/units.html", rows=unit_tree(current_user))


@bp.post("/units")
def units_create():
    form = request.form
    data = {k: form.get(k) for k in ("parent_id", "short_name", "name_th", "name_en",
                                     "doc_code")}
    unit = run_operation(lambda: create_unit(current_user, data), gettext("เพิ่มหน่วยงานแล้ว"))
    if unit is None:  # the tree again, with the refused form as it was typed
        return render_template("admin/units.html", rows=unit_tree(current_user), form=data), 400
    return redirect(url_for("admin.unit", unit_id=unit.id))


@bp.get("/units/<int:unit_id>")
def unit(unit_id: int):
    found = _found(get_unit, unit_id)
    rows = unit_tree(current_user)
    row = next((r for r in rows if r.unit.id == found.id), None)
    if row is None:  # outside the units he administers
        abort(404)
    from saraban.drafts.operations import default_line, line_candidates

    return render_template("admin/unit.html", row=row, unit=found,
                           line_people=line_candidates(found), review_line=default_line(found))


@bp.post("/units/<int:unit_id>")
def unit_update(unit_id: int):
    _found(get_unit, unit_id)
    form = request.form
    action = form.get("action")
    if action in ("deactivate", "reactivate"):
        run_operation(lambda: update_unit(current_user, unit_id,
                                          {"active": action == "reactivate"}),
                      gettext("ปิดใช้หน่วยงานแล้ว") if action == "deactivate"
                      else gettext("เปิดใช้หน่วยงานอีกครั้งแล้ว"))
    else:
        fields = (LETTERHEAD_FIELDS if action == "letterhead"
                  else ("short_name", "name_th", "name_en", "doc_code"))
        data = {k: form.get(k, "") for k in fields}
        run_operation(lambda: update_unit(current_user, unit_id, data),
                      gettext("บันทึกหัวหนังสือแล้ว") if action == "letterhead"
                      else gettext("บันทึกชื่อหน่วยงานแล้ว"))
    return redirect(url_for("admin.unit", unit_id=unit_id))


@bp.post("/units/<int:unit_id>/registers")
def register_create(unit_id: int):
    _found(get_unit, unit_id)
    form = request.form
    data = {"kind": form.get("kind"), "code": form.get("code"), "name": form.get("name"),
            "series": form.get("series"), "secret": form.get("secret") == "1"}
    run_operation(lambda: create_register(current_user, unit_id, data),
                  gettext("เพิ่มทะเบียนแล้ว"))
    return redirect(url_for("admin.unit", unit_id=unit_id) + "#registers")


@bp.post("/registers/openings")
def register_open_year():
    """เปิดทะเบียนต่อจากเลขในสมุดทะเบียนกระดาษ: live numbering of a year goes on after the
    paper book's last number."""
    from saraban.i18n import local_digits
    from saraban.registers.models import Register
    from saraban.registers.operations import open_year

    form = request.form
    raw = form.get("register_id", "")
    register_id = int(raw) if raw.isdecimal() and len(raw) < 10 else 0
    counter = run_operation(lambda: open_year(current_user, register_id, form.get("year"),
                                              form.get("last_number")))
    if counter is not None:
        flash(gettext("เปิดทะเบียนปี พ.ศ. %(year)s ต่อจากเลข %(number)s แล้ว เลขถัดไปคือ %(next)s",
                      year=local_digits(counter.year + 543),
                      number=local_digits(counter.paper_last_number),
                      next=local_digits(counter.last_number + 1)), "info")
    register = db.session.get(Register, register_id) if register_id else None
    if register is None:
        return redirect(url_for("admin.units"))
    return redirect(url_for("admin.unit", unit_id=register.unit_id) + "#openings")


# -- ผู้ใช้ ----------------------------------------------------------------------------------

@bp.get("/users")
def users():
    q = request.args.get("q", "")
    unit_arg = request.args.get("unit", "")
    unit_id = int(unit_arg) if unit_arg.isdecimal() and len(unit_arg) < 10 else None
    page = _page_arg()
    try:
        found, total = list_users(current_user, q, unit_id, page, PAGE_SIZE)
    except OperationError as error:
        flash(error.message_for(), "error")
        found, total = [], 0
    return render_template("admin/users.html", users=found, total=total, q=q,
                           unit_id=unit_id, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)),
                           units=unit_tree(current_user, details=False), is_locked=is_locked)


def _new_user_page(data: dict | None = None, status: int = 200):
    return render_template("admin/user_new.html", form=data or {},
                           units=unit_tree(current_user, details=False),
                           people=people_for_linking(), roles=ROLES), status


@bp.get("/users/new")
def user_new():
    return _new_user_page()


@bp.post("/users")
def users_create():
    form = request.form
    data = {k: form.get(k) for k in ("username", "display_name", "person_id", "clearance",
                                     "unit_id", "role")}
    data["with_subunits"] = form.get("with_subunits") == "1"
    data["sees_all"] = form.get("sees_all") == "1"
    made = run_operation(lambda: create_user(current_user, data),
                         gettext("เพิ่มผู้ใช้แล้ว"))
    if made is None:
        return _new_user_page(data, 400)
    user, password = made
    return _once("admin/password.html", user=user, password=password, new=True)


@bp.get("/users/<int:user_id>")
def user(user_id: int):
    found = _found(lambda uid: managed_user(current_user, uid), user_id)
    return render_template("admin/user.html", user=found, locked=is_locked(found),
                           units=unit_tree(current_user, details=False),
                           people=people_for_linking(), roles=ROLES)


@bp.post("/users/<int:user_id>")
def user_update(user_id: int):
    _found(lambda uid: managed_user(current_user, uid), user_id)
    form = request.form
    data = {"display_name": form.get("display_name", ""), "clearance": form.get("clearance"),
            "person_id": form.get("person_id") or None,
            "sees_all": form.get("sees_all") == "1", "is_sysadmin": form.get("is_sysadmin") == "1",
            "active": form.get("active") == "1", "email": form.get("email", ""),
            "notify": form.get("notify", "immediate")}
    run_operation(lambda: update_user(current_user, user_id, data),
                  gettext("บันทึกข้อมูลผู้ใช้แล้ว"))
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/memberships")
def membership_add(user_id: int):
    _found(lambda uid: managed_user(current_user, uid), user_id)
    form = request.form
    data = {"unit_id": form.get("unit_id"), "role": form.get("role"),
            "with_subunits": form.get("with_subunits") == "1"}
    run_operation(lambda: add_membership(current_user, user_id, data),
                  gettext("เพิ่มบทบาทแล้ว"))
    return redirect(url_for("admin.user", user_id=user_id) + "#memberships")


@bp.post("/users/<int:user_id>/memberships/<int:membership_id>/delete")
def membership_remove(user_id: int, membership_id: int):
    _found(lambda uid: managed_user(current_user, uid), user_id)
    run_operation(lambda: remove_membership(current_user, user_id, membership_id),
                  gettext("ลบบทบาทแล้ว"))
    return redirect(url_for("admin.user", user_id=user_id) + "#memberships")


@bp.post("/users/<int:user_id>/unlock")
def user_unlock(user_id: int):
    _found(lambda uid: managed_user(current_user, uid), user_id)
    run_operation(lambda: unlock_user(current_user, user_id),
                  gettext("ยกเลิกการระงับบัญชีแล้ว"))
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/password")
def user_password(user_id: int):
    found = _found(lambda uid: managed_user(current_user, uid), user_id)
    password = run_operation(lambda: reset_password(current_user, user_id))
    if password is None:
        return redirect(url_for("admin.user", user_id=user_id))
    return _once("admin/password.html", user=found, password=password, new=False)
