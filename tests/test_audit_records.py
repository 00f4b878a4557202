"""The record never lies: ``saraban audit verify`` proves the rows as well as the log.

Every audited change carries the digests of the records it changed; verify recomputes the
digest of every receipt, dispatch, transfer, endorsement and its lines, order, certified
copy, document (its locked fields), user (what grants access), membership and API token,
and names each row that no longer matches its last audited state. A head rewritten
after deleting the last events fails on its MAC (the installation's key); refused
exchange messages are counted outside the chain.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from saraban.audit.chain import verify_all, verify_chain
from saraban.audit.models import AuditEvent, AuditHead
from saraban.audit.operations import record
from tests.conftest import make_document, make_user


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["audit", *args])


def _first(session, table: str, where: str = "1 = 1") -> int:
    return session.execute(text(f"SELECT min(id) FROM {table} WHERE {where}")).scalar_one()


@pytest.fixture()
def world(db_session):
    """The samples, with an order and an API token of our own (made the ordinary way: the
    hook gives them their digests without the code asking)."""
    from saraban.accounts.models import User
    from saraban.accounts.operations import create_token
    from saraban.endorsements.models import Endorsement, Order

    endorsement = db_session.scalar(select(Endorsement).order_by(Endorsement.id))
    endorsement.orders.append(Order(instruction="ดำเนินการตามที่เสนอ", to_text="สทส."))
    db_session.flush()
    record("order.test", obj=endorsement)
    admin = db_session.scalar(select(User).where(User.username == "demo-admin"))
    create_token(admin, "ทดสอบ")
    db_session.commit()
    chain, records = verify_all()
    assert chain.ok and records.ok, records.named()
    return db_session


def test_an_untampered_installation_verifies_rows_and_chain(app, world):
    chain, records = verify_all()
    assert chain.ok and records.ok and records.unaudited == 0
    assert records.rows == records.checked > 40
    result = _cli(app, "verify")
    assert result.exit_code == 0, result.output
    assert "records intact" in result.output and "ตรงกับบันทึกการตรวจสอบ" in result.output


TAMPERS = {
    "receipt number": ("receipt", "UPDATE receipt SET number = number + 1000 WHERE id = :i",
                       "1 = 1"),
    "signed endorsement line": (
        "endorsement_line", "UPDATE endorsement_line SET text = 'ไม่อนุมัติ' WHERE id = :i",
        "endorsement_id IN (SELECT id FROM endorsement WHERE status = 'signed')"),
    "transfer": ("transfer", "UPDATE transfer SET to_text = 'ผู้อื่น' WHERE id = :i", "1 = 1"),
    "order": ("order", "UPDATE work_order SET instruction = 'ระงับ' WHERE id = :i", "1 = 1"),
    "certified copy": ("certified_copy",
                       "UPDATE certified_copy SET certifier_text = 'ปลอม' WHERE id = :i",
                       "1 = 1"),
    "document subject": ("document", "UPDATE document SET subject = 'เรื่องอื่น' WHERE id = :i",
                         "1 = 1"),
    "document secrecy": ("document", "UPDATE document SET secrecy = 3 WHERE id = :i",
                         "1 = 1"),
    "user clearance": ("user", "UPDATE user_account SET clearance = 3, sees_all = :t "
                       "WHERE id = :i", "username = 'demo-clerk'"),
    "user password hash": ("user", "UPDATE user_account SET password_hash = 'scrypt:known' "
                           "WHERE id = :i", "1 = 1"),
    "membership role": ("membership", "UPDATE membership SET role = 'admin' WHERE id = :i",
                        "role <> 'admin'"),
    "api token": ("api_token", "UPDATE api_token SET token_hash = :h WHERE id = :i", "1 = 1"),
}
_TABLES = {"order": "work_order", "user": "user_account"}


@pytest.mark.parametrize("what", list(TAMPERS))
def test_a_row_changed_behind_the_software_is_named(app, world, what):
    kind, statement, where = TAMPERS[what]
    row_id = _first(world, _TABLES.get(kind, kind), where)
    assert row_id is not None, f"no {kind} to tamper with"
    world.execute(text(statement), {"i": row_id, "t": True, "h": "ab" * 32})

    chain, records = verify_all()

    assert chain.ok  # the log itself is untouched ...
    assert [(p.key, p.problem) for p in records.problems] == [(f"{kind}:{row_id}", "changed")]
    result = _cli(app, "verify")  # ... and the command says which row
    assert result.exit_code == 1 and f"{kind}:{row_id} changed" in result.output
    assert "ข้อมูลถูกแก้ไขนอกระบบ" in result.output


def test_a_row_deleted_or_inserted_behind_the_software_is_named(world):
    line = _first(world, "endorsement_line")
    world.execute(text("DELETE FROM endorsement_line WHERE id = :i"), {"i": line})
    user = _first(world, "user_account")
    unit = _first(world, "unit")
    world.execute(text("INSERT INTO membership (user_id, unit_id, role, with_subunits) "
                       "VALUES (:u, :n, 'admin', :t)"), {"u": user, "n": unit, "t": True})
    planted = world.execute(text("SELECT max(id) FROM membership")).scalar_one()

    _chain, records = verify_all()

    assert {(p.key, p.problem) for p in records.problems} == {
        (f"endorsement_line:{line}", "deleted"), (f"membership:{planted}", "unaudited")}


def test_changes_made_by_operations_stay_intact(world):
    """An edit through an operation, a deletion through the ORM, and a change flushed after
    the transaction's last event (it gets a records.sync event at the commit)."""
    from saraban.accounts.models import User
    from saraban.documents.operations import update_document
    from saraban.units.models import Unit

    clerk = world.scalar(select(User).where(User.username == "demo-clerk"))
    unit = world.scalar(select(Unit).where(Unit.short_name == "สทส."))
    doc = make_document(world, "หนังสือทดสอบการแก้ไข", origin_unit_id=unit.id)
    record("document.test", obj=doc, document_id=doc.id)
    world.commit()
    update_document(clerk, doc.id, {"subject": "หนังสือทดสอบที่แก้ไขแล้ว"})
    world.commit()
    user = make_user(world, units=[unit])
    world.commit()  # no event of its own: the commit writes one
    membership = user.memberships[0]
    user.clearance = 2
    user.memberships.remove(membership)  # deleted as an orphan
    world.commit()

    chain, records = verify_all()

    assert chain.ok and records.ok, records.named()
    synced = world.scalars(select(AuditEvent).where(AuditEvent.action == "records.sync")
                           .order_by(AuditEvent.id.desc())).first()
    assert f"user:{user.id}" in synced.record_digests
    assert synced.record_digests[f"membership:{membership.id}"] is None  # deleted, audited so


def test_deleting_the_last_event_and_rewriting_the_head_is_found_without_an_anchor(
        app, world):
    for i in range(3):
        record("test.event", details={"i": i})
    world.commit()
    last, before = world.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc())
                                 .limit(2)).scalars().all()
    previous = world.get(AuditEvent, before)
    world.execute(text("DELETE FROM audit_event WHERE id = :i"), {"i": last})
    # the head set to the event before, as consistent as one can make it without the key
    world.execute(text("UPDATE audit_head SET hash = :h, last_event_id = :i"),
                  {"h": previous.hash, "i": before})

    report = verify_chain()

    assert not report.ok and "MAC" in report.problem_en
    result = _cli(app, "verify")
    assert result.exit_code == 1 and "ค่ารับรองของหัวสายไม่ถูกต้อง" in result.output
    # nor does a MAC taken from elsewhere fit: a head's MAC binds its event id and hash
    world.execute(text("UPDATE audit_head SET mac = :m"), {"m": "0" * 64})
    assert not verify_chain().ok


def test_the_key_is_kept_outside_the_database_with_mode_0600(app, world):
    from pathlib import Path

    key = Path(app.config["DATA_DIR"]) / "installation.key"
    assert key.exists() and (key.stat().st_mode & 0o777) == 0o600
    assert len(bytes.fromhex(key.read_text().strip())) == 32
    head = world.get(AuditHead, 1)
    assert head.mac and len(head.mac) == 64


def test_seal_audits_rows_made_before_digests_and_refuses_to_hide_a_change(app, world):
    user = _first(world, "user_account")
    unit = _first(world, "unit")
    world.execute(text("INSERT INTO membership (user_id, unit_id, role, with_subunits) "
                       "VALUES (:u, :n, 'staff', :t)"), {"u": user, "n": unit, "t": False})
    world.execute(text("UPDATE audit_head SET mac = NULL"))  # as after the upgrade
    assert "no MAC yet" in verify_chain().problem_en
    result = _cli(app, "seal")
    assert result.exit_code == 0, result.output
    chain, records = verify_all()
    assert chain.ok and records.ok
    # a changed row is never sealed over
    world.execute(text("UPDATE receipt SET number = number + 1 WHERE id = :i"),
                  {"i": _first(world, "receipt")})
    result = _cli(app, "seal")
    assert result.exit_code == 1 and "receipt:" in result.output
    assert "ไม่ได้ปิดผนึก" in result.output


def test_junk_posted_to_the_exchange_endpoint_stays_out_of_the_chain(client, db_session):
    from saraban.exchange.models import ExchangeRefusal

    events = db_session.scalar(select(func.count()).select_from(AuditEvent))
    answered = 0
    for i in range(200):
        response = client.post("/exchange/v1/messages", data=f"junk {i}",
                               content_type="application/json")
        assert response.status_code in (400, 429)
        answered += response.status_code == 400

    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) == events
    rows = db_session.scalars(select(ExchangeRefusal)).all()
    assert [(r.reason, r.count) for r in rows] == [("malformed", answered)]
    assert verify_chain().ok


def test_refusals_keep_only_the_newest_rows(db_session, monkeypatch):
    from saraban.exchange import receiving
    from saraban.exchange.models import ExchangeRefusal

    monkeypatch.setattr(receiving, "REFUSALS_KEPT", 5)
    for i in range(12):
        receiving.receive(b"not json", f"10.0.0.{i}")
    kept = db_session.scalars(select(ExchangeRefusal.remote_addr)
                              .order_by(ExchangeRefusal.id)).all()
    assert kept == [f"10.0.0.{i}" for i in range(7, 12)]


def test_the_api_names_the_changed_rows_when_asked(client, bearer, world):
    row_id = _first(world, "receipt")
    world.execute(text("UPDATE receipt SET number = number + 1000 WHERE id = :i"),
                  {"i": row_id})
    world.commit()
    answer = client.get("/api/v1/audit/verify?records=1", headers=bearer("demo-admin")).json
    assert answer["ok"] is False and answer["records"]["ok"] is False
    assert answer["records"]["problems"] == [{"record": f"receipt:{row_id}",
                                              "problem": "changed"}]
    plain = client.get("/api/v1/audit/verify", headers=bearer("demo-admin")).json
    assert plain["ok"] is True and "records" not in plain  # the chain alone is intact


_FRESH = r'''
import sys, uuid
from saraban import events
import saraban.models, saraban.audit.records, saraban.search.index  # noqa: E401,F401
import saraban.endorsements.operations, saraban.records.destruction  # noqa: E401,F401
import saraban.backup.restore  # noqa: F401
assert events.installed() == [], events.installed()  # importing puts no hook on the session

from flask_migrate import upgrade
from sqlalchemy import select
from saraban import create_app
from saraban.audit.chain import verify_all
from saraban.audit.models import AuditEvent
from saraban.extensions import db
from tests.conftest import make_unit, make_user

app = create_app({"ENV": "testing", "TESTING": True, "SECRET_KEY": uuid.uuid4().hex,
                  "SQLALCHEMY_DATABASE_URI": f"sqlite:///{sys.argv[1]}/fresh.sqlite3",
                  "DATA_DIR": f"{sys.argv[1]}/data"})
assert events.installed() == events.hooks()
with app.app_context():
    upgrade()
    user = make_user(db.session, units=[make_unit(db.session)])
    db.session.commit()  # no event of its own: the commit writes records.sync
    synced = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "records.sync"))
    assert synced is not None and f"user:{user.id}" in synced.record_digests, synced
    chain, records = verify_all()
    assert chain.ok and records.ok, records.named()
print("digested")
'''


def test_a_fresh_application_digests_records_and_importing_has_no_side_effect(tmp_path):
    """The session hooks (the audit's digests among them) come from ``create_app``
    (saraban/events.py), not from importing a module: in a new process, importing every
    module that has hooks registers none; a fresh application registers them all, and a
    row committed without an event of its own gets its records.sync digest."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", _FRESH, str(tmp_path)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith("digested")
