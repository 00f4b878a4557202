"""Administration in the JSON API: units, their registers, users and their roles. The rules
are those of the pages (saraban/admin/operations.py); a refusal answers in both languages.
Each handler asks the operations' own rule (require_admin, saraban/permissions.py) before it
reads the body, so that one who does not administer gets 403, never a hint of the schema."""

from __future__ import annotations

from flask import g, jsonify, request

from saraban import thaidate
from saraban.accounts.models import Membership, User
from saraban.admin.operations import (
    add_membership,
    create_register,
    create_unit,
    create_user,
    is_locked,
    list_users,
    remove_membership,
    require_admin,
    reset_password,
    unit_tree,
    unlock_user,
    update_unit,
    update_user,
)
from saraban.api.blueprint import bp, token_required
from saraban.api.body import query_int, read_body
from saraban.api.contract import describe
from saraban.api.schemas import admin as s
from saraban.i18n import LABELS
from saraban.registers.models import Register


def _local(value):
    return thaidate.isoformat(value)


def register_json(r: Register) -> dict:
    return {"id": r.id, "unit_id": r.unit_id, "kind": r.kind.value, "code": r.code,
            "name": r.name, "secret": r.is_secret, "series": r.series, "active": r.is_active}


def unit_json(row) -> dict:
    u = row.unit
    return {"id": u.id, "parent_id": u.parent_id, "depth": row.depth,
            "short_name": u.short_name, "name_th": u.name_th, "name_en": u.name_en,
            "doc_code": u.doc_code, "letter_code": u.letter_code, "address": u.address,
            "telephone": u.telephone, "fax": u.fax, "email": u.email,
            "active": u.is_active, "members": row.members,
            "waiting": row.waiting, "registers": [register_json(r) for r in row.registers]}


def _unit_answer(unit_id: int) -> dict:
    row = next(r for r in unit_tree(g.api_user) if r.unit.id == unit_id)
    return unit_json(row)


def membership_json(m: Membership) -> dict:
    return {"id": m.id, "unit_id": m.unit_id, "unit": m.unit.short_name, "role": m.role.value,
            "with_subunits": m.with_subunits}


def user_json(u: User) -> dict:
    return {"id": u.id, "username": u.username, "display_name": u.display_name,
            "person_id": u.person_id, "clearance": u.clearance,
            "clearance_th": LABELS["secrecy"][str(u.clearance)][0], "sees_all": u.sees_all,
            "is_sysadmin": u.is_sysadmin, "must_change_password": u.must_change_password,
            "active": u.active, "failed_logins": u.failed_logins or 0,
            "locked_until": _local(u.locked_until) if is_locked(u) else None,
            "last_login_at": _local(u.last_login_at),
            "memberships": [membership_json(m) for m in u.memberships]}


@bp.get("/units")
@token_required
@describe("adminUnits", "The unit tree in order (administrators), with members, waiting "
          "transfers and registers", answer=s.Units, errors=(403,))
def admin_units():
    return jsonify(items=[unit_json(r) for r in unit_tree(g.api_user)])


@bp.post("/units")
@token_required
@describe("adminCreateUnit", "Add a unit under parent_id (none: at the top); its short "
          "name is unique among its siblings and in the whole tree", body=s.UnitCreate,
          answer=s.Unit, status=201, errors=(400, 403, 404, 409, 503))
def admin_units_create():
    require_admin(g.api_user)
    unit = create_unit(g.api_user, read_body(s.UnitCreate))
    unit_id = unit.id
    return jsonify(_unit_answer(unit_id)), 201


@bp.patch("/units/<int:unit_id>")
@token_required
@describe("adminUpdateUnit", "Rename (the fields given), or deactivate / reactivate with "
          "`active`; a unit with transfers waiting, active members or active subunits is not "
          "deactivated (409)", body=s.UnitUpdate, answer=s.Unit,
          errors=(400, 403, 404, 409, 503))
def admin_unit_update(unit_id: int):
    require_admin(g.api_user)
    update_unit(g.api_user, unit_id, read_body(s.UnitUpdate))
    return jsonify(_unit_answer(unit_id))


@bp.post("/units/<int:unit_id>/registers")
@token_required
@describe("adminCreateRegister", "Add a receipt or dispatch register; its code is unique "
          "within the unit and kind", body=s.RegisterCreate, answer=s.Register, status=201,
          errors=(400, 403, 404, 409, 503))
def admin_register_create(unit_id: int):
    require_admin(g.api_user)
    register = create_register(g.api_user, unit_id, read_body(s.RegisterCreate))
    answer = register_json(register)
    return jsonify(answer), 201


@bp.get("/users")
@token_required
@describe("adminUsers", "Users by username (administrators): q finds part of the name or "
          "username, unit those with a role in that unit", answer=s.Users, query=s.UsersQuery,
          errors=(400, 403))
def admin_users():
    require_admin(g.api_user)
    page = query_int(s.UsersQuery, "page")
    per_page = query_int(s.UsersQuery, "per_page")
    users, total = list_users(g.api_user, request.args.get("q"), request.args.get("unit"),
                              page, per_page)
    return jsonify(items=[user_json(u) for u in users], total=total, page=page)


@bp.post("/users")
@token_required
@describe("adminCreateUser", "Add a user with one role in one unit; the answer carries his "
          "first password, generated, once (only its hash is kept)", body=s.UserCreate,
          answer=s.NewUser, status=201, errors=(400, 403, 404, 409, 503))
def admin_users_create():
    require_admin(g.api_user)
    user, password = create_user(g.api_user, read_body(s.UserCreate))
    answer = {**user_json(user), "password": password}
    return jsonify(answer), 201  # the password, once (the API sends no-store)


@bp.patch("/users/<int:user_id>")
@token_required
@describe("adminUpdateUser", "Change the fields given; active=false ends the user's "
          "sessions and revokes his API tokens (never one's own account)", body=s.UserUpdate,
          answer=s.User, errors=(400, 403, 404, 409, 503))
def admin_user_update(user_id: int):
    require_admin(g.api_user)
    user = update_user(g.api_user, user_id, read_body(s.UserUpdate))
    answer = user_json(user)
    return jsonify(answer)


@bp.post("/users/<int:user_id>/memberships")
@token_required
@describe("adminAddMembership", "Give the user a role in a unit", body=s.MembershipCreate,
          answer=s.Membership, status=201, errors=(400, 403, 404, 409, 503))
def admin_membership_add(user_id: int):
    require_admin(g.api_user)
    membership = add_membership(g.api_user, user_id, read_body(s.MembershipCreate))
    answer = membership_json(membership)
    return jsonify(answer), 201


@bp.delete("/users/<int:user_id>/memberships/<int:membership_id>")
@token_required
@describe("adminRemoveMembership", "Take a role away (never one's own last administrator "
          "role)", status=204, errors=(403, 404, 409, 503))
def admin_membership_remove(user_id: int, membership_id: int):
    require_admin(g.api_user)
    remove_membership(g.api_user, user_id, membership_id)
    return "", 204


@bp.post("/users/<int:user_id>/unlock")
@token_required
@describe("adminUnlockUser", "Clear the refused logins and the lock they set",
          answer=s.User, errors=(403, 404, 503))
def admin_user_unlock(user_id: int):
    require_admin(g.api_user)
    user = unlock_user(g.api_user, user_id)
    answer = user_json(user)
    return jsonify(answer)


@bp.post("/users/<int:user_id>/password")
@token_required
@describe("adminResetPassword", "A new generated password, given once; every session of "
          "the user ends (not for one's own account: 409)", answer=s.NewPassword,
          errors=(403, 404, 409, 503))
def admin_user_password(user_id: int):
    require_admin(g.api_user)
    password = reset_password(g.api_user, user_id)
    return jsonify(user_id=user_id, password=password)

