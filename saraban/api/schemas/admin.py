"""Administration: units with their registers, users with their roles."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from saraban.accounts.limits import DISPLAY_NAME, USERNAME
from saraban.accounts.models import Role
from saraban.admin.operations import MAX_PAGE_SIZE
from saraban.api.schemas.common import (
    Answer,
    Body,
    Checked,
    Choice,
    Id,
    Level,
    Page,
    Pick,
    Query,
    Text,
    Time,
    choices,
)
from saraban.registers.models import RegisterKind

RoleName = choices(Role)


class Register(Answer):
    id: int
    unit_id: int
    kind: choices(RegisterKind)
    code: str
    name: str
    secret: bool
    series: str | None
    active: bool


class Unit(Answer):
    id: int
    parent_id: int | None
    depth: int = Field(description="0 for a top unit")
    short_name: str
    name_th: str
    name_en: str | None
    doc_code: str | None
    letter_code: str | None = Field(
        description="the agency's letter code before doc_code in ที่ (ตช), where set here")
    address: str | None = Field(
        description="the letterhead's address, one line per line, where set on this unit")
    telephone: str | None
    fax: str | None
    email: str | None
    active: bool
    members: int = Field(description="active members")
    waiting: int = Field(description="transfers waiting to be received")
    registers: list[Register]


class Units(Answer):
    items: list[Unit]


class Membership(Answer):
    id: int
    unit_id: int
    unit: str
    role: RoleName
    with_subunits: bool


class User(Answer):
    id: int
    username: str
    display_name: str
    person_id: int | None
    clearance: int
    clearance_th: str
    sees_all: bool
    is_sysadmin: bool
    must_change_password: bool
    active: bool
    failed_logins: int
    locked_until: Time | None
    last_login_at: Time | None
    memberships: list[Membership]


class NewUser(User):
    password: str = Field(description="the first password, given once")


class Users(Answer):
    items: list[User]
    total: int
    page: int


class NewPassword(Answer):
    user_id: int
    password: str = Field(description="given once")


class UsersQuery(Query):
    q: Annotated[str | None, Field(max_length=100, description=(
        "part of the name or the username"))] = None
    unit: Annotated[int | None, Field(ge=1, description="those with a role in this unit")] \
        = None
    page: Page
    per_page: Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)] = 50


DocCode = Text(40, "เลขประจำของเจ้าของเรื่อง",
               description="เลขประจำของเจ้าของเรื่อง, Thai or Arabic digits")


class UnitCreate(Body):
    parent_id: Id | None = None
    short_name: Text(80, "ชื่อย่อหน่วย", required=True)
    name_th: Text(255, "ชื่อเต็มภาษาไทย", required=True)
    name_en: Text(255, "ชื่อภาษาอังกฤษ") = None
    doc_code: DocCode = None


class UnitUpdate(Body):
    short_name: Text(80, "ชื่อย่อหน่วย") = None
    name_th: Text(255, "ชื่อเต็มภาษาไทย") = None
    name_en: Text(255, "ชื่อภาษาอังกฤษ") = None
    doc_code: DocCode = None
    letter_code: Text(20, "รหัสตัวอักษรของส่วนราชการ") = None
    address: Text(1000, "ที่อยู่") = None
    telephone: Text(80, "โทรศัพท์") = None
    fax: Text(80, "โทรสาร") = None
    email: Text(255, "ไปรษณีย์อิเล็กทรอนิกส์") = None
    active: Checked({"type": "boolean"}) = None


class RegisterCreate(Body):
    kind: Choice(RegisterKind)
    code: Text(40, "รหัสทะเบียน", required=True)
    name: Text(255, "ชื่อทะเบียน", required=True)
    secret: Checked({"type": "boolean"}) = None
    series: Annotated[Text(10, "อักษรนำหน้าเลขส่ง"), Field(description="dispatch only: ว")] \
        = None


Clearance = Annotated[Level | None, Field(description=(
    "0-3, or normal, confidential, secret, top_secret (ปกติ ลับ ลับมาก ลับที่สุด)"))]


class UserCreate(Body):
    username: Text(USERNAME, "ชื่อผู้ใช้", required=True)
    display_name: Text(DISPLAY_NAME, "ชื่อที่แสดง", required=True)
    person_id: Id | None = None
    clearance: Clearance = None
    sees_all: Checked({"type": "boolean"}) = None
    is_sysadmin: Checked({"type": "boolean"}) = None
    unit_id: Pick("หน่วย")
    role: Choice(Role)
    with_subunits: Checked({"type": "boolean"}) = None


class UserUpdate(Body):
    display_name: Text(DISPLAY_NAME, "ชื่อที่แสดง") = None
    person_id: Id | None = None
    clearance: Clearance = None
    sees_all: Checked({"type": "boolean"}) = None
    is_sysadmin: Checked({"type": "boolean"}) = None
    active: Checked({"type": "boolean"}) = None


class MembershipCreate(Body):
    unit_id: Pick("หน่วย")
    role: Choice(Role)
    with_subunits: Checked({"type": "boolean"}) = None
