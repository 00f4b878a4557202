"""The permission rules of saraban/permissions.py: for each rule, who it allows and who it
refuses (the sample users, and a few made for the cases the samples lack); the operations
and the API refuse by the same rule; and the menu of each sample role offers exactly the
pages that user may open.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from types import SimpleNamespace

import pytest
from flask import url_for
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from saraban import permissions as may
from saraban.accounts.models import Membership, Role, User
from saraban.registers.models import Register
from saraban.validation import OperationError
from tests.conftest import csrf_token_from, log_in, make_unit, make_user

DEMO = ("demo-clerk", "demo-commander", "demo-staff", "demo-admin")


def _user(db_session, username: str) -> User:
    return db_session.scalar(select(User).where(User.username == username))


@pytest.fixture()
def people(db_session):
    """The sample users, and the cases they lack: an auditor who sees every unit and
    belongs to none, an administrator whose account was switched off, a system
    administrator by flag alone, and the clerk of a unit that keeps only a receipt
    register (and a secret one, for a clerk cleared for it)."""
    tag = uuid.uuid4().hex[:6]
    found = {name: _user(db_session, name) for name in DEMO}
    found["auditor"] = make_user(db_session, f"auditor-{tag}", sees_all=True, clearance=3)
    unit = make_unit(db_session, f"รับอย่างเดียว-{tag}")
    found["switched-off admin"] = make_user(db_session, f"off-{tag}", units=[unit],
                                            role="admin", active=False)
    found["flag-only sysadmin"] = make_user(db_session, f"flag-{tag}", is_sysadmin=True)
    db_session.add_all([Register(unit=unit, kind="receipt", code=f"r-{tag}", name="รับ"),
                        Register(unit=unit, kind="dispatch", code=f"s-{tag}", name="ส่งลับ",
                                 is_secret=True)])
    found["receipt-only clerk"] = make_user(db_session, f"rc-{tag}", units=[unit], role="clerk")
    found["cleared clerk"] = make_user(db_session, f"cc-{tag}", units=[unit], role="clerk",
                                       clearance=1)
    found["nobody"] = None
    found["anonymous"] = AnonymousUserMixin()
    db_session.flush()
    return found


# who each rule allows; everyone else in ``people`` is refused
ALLOWED = {
    # the tests run with SARABAN_SYSADMIN_TOTP=0: the flag alone is enough (see below)
    "is_system_admin": {"demo-admin", "flag-only sysadmin"},
    "can_administer": {"demo-admin", "flag-only sysadmin"},
    "can_grant_sees_all": {"demo-admin", "flag-only sysadmin"},
    "can_register": {"demo-clerk", "demo-admin", "receipt-only clerk", "cleared clerk"},
    "can_keep_records": {"demo-clerk", "demo-admin", "receipt-only clerk", "cleared clerk"},
    "can_see_records": {"demo-clerk", "demo-admin", "receipt-only clerk", "cleared clerk",
                        "auditor"},
    "can_read_pendency": {"demo-commander", "demo-admin", "auditor"},
    "can_read_audit": {"demo-admin", "auditor"},
    "can_verify_audit": {"demo-admin", "auditor"},
    "has_desk": {"demo-commander"},
    "can_see_delegations": {"demo-commander", "demo-admin", "flag-only sysadmin"},
}


@pytest.mark.parametrize("rule", sorted(ALLOWED))
def test_each_rule_allows_exactly_its_users(people, rule):
    check = getattr(may, rule)
    allowed = {name for name, user in people.items() if check(user)}
    assert allowed == ALLOWED[rule]


def test_registers_by_kind(people):
    """ส่งหนังสือ needs a dispatch register the clerk may write in: a secret one only with
    a clearance."""
    clerk, cleared = people["receipt-only clerk"], people["cleared clerk"]
    assert may.can_register(clerk, "receipt") and not may.can_register(clerk, "dispatch")
    assert may.can_register(cleared, "receipt") and may.can_register(cleared, "dispatch")
    assert may.can_register(people["demo-clerk"], "dispatch")
    assert not may.can_register(people["demo-commander"], "receipt")


def test_keeping_one_units_records(db_session, people):
    """A keeper keeps his own unit's records (with the units below, as his membership
    says), not another's; one who sees every unit reads them all and keeps none."""
    clerk, auditor = people["demo-clerk"], people["auditor"]
    other = make_unit(db_session, "ไม่เกี่ยว")
    mine = clerk.memberships[0].unit_id
    assert may.can_keep_records(clerk, mine) and may.can_see_records(clerk, mine)
    assert not may.can_keep_records(clerk, other.id)
    assert not may.can_see_records(clerk, other.id)
    assert may.can_see_records(auditor, other.id) and not may.can_keep_records(auditor, other.id)


def test_administering_one_unit(db_session):
    """An administrator of a unit "with subunits" administers the units below it, not
    the unit above nor a sibling; a system administrator administers every unit."""
    top = make_unit(db_session, "บน")
    mine = make_unit(db_session, "ของเขา", parent=top)
    below, beside = make_unit(db_session, "ล่าง", parent=mine), make_unit(db_session, "ข้าง",
                                                                         parent=top)
    admin = make_user(db_session)
    admin.memberships.append(Membership(unit=mine, role=Role.ADMIN, with_subunits=True))
    db_session.flush()
    assert [may.can_administer(admin, u.id) for u in (top, mine, below, beside)] == [
        False, True, True, False]
    sysadmin = _user(db_session, "demo-admin")
    assert all(may.can_administer(sysadmin, u.id) for u in (top, mine, below, beside))
    clerk = make_user(db_session, units=[mine], role="clerk")
    assert not may.can_administer(clerk, mine.id)


def test_a_system_administrator_needs_his_second_factor(app, db_session, monkeypatch):
    """``is_sysadmin`` gives nothing until TOTP is on (SARABAN_SYSADMIN_TOTP): not the
    admin pages, not granting sees_all."""
    monkeypatch.setitem(app.config, "SYSADMIN_TOTP", True)
    flagged = make_user(db_session, is_sysadmin=True)
    assert not may.is_system_admin(flagged) and not may.can_administer(flagged)
    assert not may.can_grant_sees_all(flagged)
    flagged.totp_secret, flagged.totp_enabled = "encrypted", True
    assert may.is_system_admin(flagged) and may.can_administer(flagged)
    assert may.can_grant_sees_all(flagged)


@pytest.mark.parametrize(("level", "top"), [(0, False), (1, False), (2, False), (3, True),
                                            (None, False)])
def test_top_secret(level, top):
    assert may.is_top_secret(level) is top
    assert may.is_top_secret(SimpleNamespace(secrecy=level)) is top


def test_forwarding(people):
    """Forwarding needs a unit to send for, and a document that is not ลับที่สุด."""
    secret, top = SimpleNamespace(secrecy=2), SimpleNamespace(secrecy=3)
    assert may.can_forward(people["demo-staff"], secret)
    assert not may.can_forward(people["demo-staff"], top)
    assert not may.can_forward(people["auditor"], secret)  # he belongs to no unit
    assert not may.can_forward(people["anonymous"], secret)


TODAY = dt.date(2026, 12, 3)


@pytest.mark.parametrize(("item", "late"), [
    (SimpleNamespace(status="open", due_date=TODAY - dt.timedelta(days=1)), True),
    (SimpleNamespace(status="open", due_date=TODAY), False),
    (SimpleNamespace(status="open", due_date=None), False),
    (SimpleNamespace(status="done", due_date=TODAY - dt.timedelta(days=9)), False),
    (SimpleNamespace(status="cancelled", due_date=TODAY - dt.timedelta(days=9)), False),
    (SimpleNamespace(returned_on=None, due_on=TODAY - dt.timedelta(days=1)), True),
    (SimpleNamespace(returned_on=None, due_on=TODAY), False),
    (SimpleNamespace(returned_on=TODAY, due_on=TODAY - dt.timedelta(days=5)), False),
])
def test_overdue(item, late):
    """An open order or a loan not returned, past its day (the day itself is in time)."""
    assert may.is_overdue(item, TODAY) is late


# -- the operations and the API refuse by the same rules -------------------------------

def test_the_operations_refuse_by_the_same_rules(db_session, people):
    from saraban.admin.operations import list_users
    from saraban.reports.operations import pendency
    from saraban.reports.views import read_period

    start, end = read_period({})
    with pytest.raises(OperationError) as refused:
        pendency(people["demo-staff"], start, end)
    assert refused.value.status == 403
    pendency(people["demo-commander"], start, end)
    with pytest.raises(OperationError) as refused:
        list_users(people["auditor"])  # sees everything, administers nothing
    assert refused.value.status == 403


def test_opening_a_year_is_for_the_registers_own_administrators(db_session):
    """An administrator opens a register's year only in a unit he administers, whatever
    else he sees."""
    from saraban.registers.operations import open_year

    unit, other = make_unit(db_session, "มีทะเบียน"), make_unit(db_session, "อื่น")
    register = Register(unit=unit, kind="receipt", code="y", name="ทะเบียนรับ")
    db_session.add(register)
    db_session.flush()
    elsewhere = make_user(db_session, units=[other], role="admin", sees_all=True)
    with pytest.raises(OperationError) as refused:
        open_year(elsewhere, register.id, 2569, 10)
    assert refused.value.status == 404
    own = make_user(db_session, units=[unit], role="admin")
    assert open_year(own, register.id, 2569, 10).last_number == 10


@pytest.mark.parametrize(("path", "allowed"), [
    ("/api/v1/users", "demo-admin"),
    ("/api/v1/reports/pendency", "demo-commander"),
    ("/api/v1/audit/verify", "demo-admin"),
])
def test_the_api_answers_by_the_same_rules(client, bearer, path, allowed):
    for username in DEMO:
        answer = client.get(path, headers=bearer(username))
        wanted = 200 if username == allowed or username == "demo-admin" else 403
        assert answer.status_code == wanted, (username, path, answer.status_code)


# -- the menu ----------------------------------------------------------------------------

def _menu(html: str) -> set[str]:
    """The pages the main menu links to (without the #part)."""
    nav = html[html.index('class="mainnav"'):html.index("</nav>")]
    return {href.split("#")[0] for href in re.findall(r'href="([^"]+)"', nav)}


def _every_menu_page(app) -> set[str]:
    with app.test_request_context():
        return {url_for(e) for e in (
            "accounts.home", "registers.receive", "registers.send",
            "registers.registers_index", "routing.inbox_page", "endorsements.desk",
            "documents.index", "endorsements.tasks", "admin.units", "admin.users", "drafts.index",
            "intake.index",
            "endorsements.delegations", "reports.pendency_page", "records.index",
            "audit.index", "workspace.help_page", "exchange_pages.ecms_admin")}


# The desk and the delegations open for everyone, empty for one who neither commands nor
# may sign: the menu leaves them out for him (``has_desk``, ``can_see_delegations``), the
# only pages hidden though they would open.
OPEN_BUT_EMPTY = {"/desk", "/delegations"}


def _check_menu(app, client, username: str) -> set[str]:
    shown = _menu(client.get("/").get_data(as_text=True))
    every = _every_menu_page(app)
    assert shown <= every, f"{username}: a menu link this test does not know"
    answers = {path: client.get(path).status_code for path in sorted(every)}
    assert {p for p in shown if answers[p] != 200} == set(), (username, answers)
    opens = {p for p, status in answers.items() if status == 200}
    assert opens - shown <= OPEN_BUT_EMPTY, (username, sorted(opens - shown))
    assert {status for p, status in answers.items() if p not in opens} <= {403}, answers
    return shown


@pytest.mark.parametrize("username", DEMO)
def test_the_menu_offers_exactly_what_each_sample_role_may_open(app, client, login,
                                                                username):
    shown = _check_menu(app, login(username), username)
    with app.test_request_context():
        admin_pages = {url_for("admin.units"), url_for("admin.users")}
        receive = url_for("registers.receive")
    assert (admin_pages <= shown) is (username == "demo-admin")
    assert (receive in shown) is (username in ("demo-clerk", "demo-admin"))
    # the pages that open empty are offered to whoever has something there
    assert ("/desk" in shown) is (username == "demo-commander")
    assert ("/delegations" in shown) is (username in ("demo-commander", "demo-admin"))


def test_the_menu_of_an_auditor_and_of_a_receipt_only_clerk(app, client, db_session, people):
    """Two cases the old menu got wrong: an auditor (sees every unit, belongs to none) may
    open the records office and the audit trail; a clerk whose unit keeps no dispatch
    register he may write in is not offered ส่งหนังสือ (it would answer 403)."""
    db_session.commit()
    log_in(client, people["auditor"].username)
    shown = _check_menu(app, client, "auditor")
    with app.test_request_context():
        assert {url_for("records.index"), url_for("audit.index"),
                url_for("reports.pendency_page")} <= shown
        send = url_for("registers.send")
    client.post("/logout", data={"csrf_token": csrf_token_from(
        client.get("/").get_data(as_text=True))})
    log_in(client, people["receipt-only clerk"].username)
    shown = _check_menu(app, client, "receipt-only clerk")
    assert send not in shown
