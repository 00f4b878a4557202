"""The audit trail: a hash chain that names the first event altered, deleted or moved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from saraban.audit.chain import anchor_now, verify_chain
from saraban.audit.models import AuditEvent
from saraban.audit.operations import record
from tests.conftest import name_reader


@pytest.fixture()
def chain(db_session):
    """At least twelve events: the samples' and some of our own."""
    for i in range(12):
        record("test.event", details={"i": i, "ข้อความ": "ทดสอบ"})
    db_session.commit()
    ids = db_session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    assert verify_chain().ok
    return ids


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["audit", *args])


def test_an_intact_chain_verifies_and_the_command_exits_0(app, chain):
    report = verify_chain()
    assert report.ok and report.events == len(chain)
    result = _cli(app, "verify")
    assert result.exit_code == 0, result.output
    assert "สมบูรณ์" in result.output and f"{len(chain)} events" in result.output


def test_an_altered_event_is_named(app, db_session, chain):
    target = chain[-5]
    db_session.execute(text("UPDATE audit_event SET action = 'transfer.recall' WHERE id = :i"),
                       {"i": target})
    report = verify_chain()
    assert not report.ok and report.bad_event_id == target
    assert "altered" in report.problem_en
    result = _cli(app, "verify")
    assert result.exit_code == 1 and f"event {target}" in result.output


def test_altered_details_are_found_too(db_session, chain):
    target = chain[-3]
    db_session.execute(text("UPDATE audit_event SET details = :d WHERE id = :i"),
                       {"i": target, "d": '{"i": 99, "ข้อความ": "ทดสอบ"}'})
    assert verify_chain().bad_event_id == target


def test_a_deleted_event_breaks_the_next_link(db_session, chain):
    db_session.execute(text("DELETE FROM audit_event WHERE id = :i"), {"i": chain[-6]})
    report = verify_chain()
    assert not report.ok and report.bad_event_id == chain[-5]
    assert "deleted" in report.problem_en


def test_reordered_events_are_found(db_session, chain):
    a, b = chain[-4], chain[-3]
    # swap the two rows' places in the chain: each keeps its content under the other's id
    db_session.execute(text("UPDATE audit_event SET id = :t WHERE id = :a"), {"t": 10**9, "a": a})
    db_session.execute(text("UPDATE audit_event SET id = :a WHERE id = :b"), {"a": a, "b": b})
    db_session.execute(text("UPDATE audit_event SET id = :b WHERE id = :t"), {"b": b, "t": 10**9})
    assert verify_chain().bad_event_id == a


def test_removing_the_last_event_is_found_by_the_head(db_session, chain):
    db_session.execute(text("DELETE FROM audit_event WHERE id = :i"), {"i": chain[-1]})
    report = verify_chain()
    assert not report.ok and "head" in report.problem_en


def test_an_anchor_proves_nothing_before_it_changed(app, db_session, chain):
    head, event_id, at = anchor_now()
    assert event_id == chain[-1] and len(head) == 64 and at is not None
    printed = _cli(app, "anchor")
    assert printed.exit_code == 0 and head in printed.output
    record("test.after_anchor")
    db_session.commit()
    result = _cli(app, "verify", "--anchor", head)
    assert result.exit_code == 0 and "ไม่มีสิ่งใดก่อนหน้านั้นถูกเปลี่ยน" in result.output
    assert _cli(app, "verify", "--anchor", "ab" * 32).exit_code == 1
    # rewriting the whole chain consistently after an edit still loses the anchor
    db_session.execute(text("DELETE FROM audit_event WHERE id >= :i"), {"i": chain[-2]})
    db_session.execute(text("UPDATE audit_head SET hash = (SELECT hash FROM audit_event "
                            "WHERE id = (SELECT max(id) FROM audit_event)), last_event_id = "
                            "(SELECT max(id) FROM audit_event)"))
    # consistent on its own, but the head's MAC (the installation's key) gives it away ...
    report = verify_chain()
    assert not report.ok and "MAC" in report.problem_en
    assert not verify_chain(anchor=head).ok  # ... and the anchored event is gone


def test_the_samples_leave_an_intact_chain(db_session):
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) > 0
    assert verify_chain().ok


def test_the_audit_page_shows_the_seed_chain_and_filters(client, login, db_session):
    from saraban.documents.models import Document

    memo = db_session.scalar(select(Document.id).where(Document.source_key == "rtp-0033.12-5052"))
    login("demo-admin")
    page = client.get("/audit/").get_data(as_text=True)
    assert "บันทึกการตรวจสอบ" in page and "document.import" in page and "หัวสาย" in page
    only = client.get(f"/audit/?document={memo}&action=document").get_data(as_text=True)
    assert only.count(">document.import</code>") == 1 and "นำเข้าหนังสือ" in only
    bad = client.get("/audit/?date_from=๓๑ ก.พ. ๒๕๖๙", follow_redirects=True)
    assert bad.status_code == 200 and "ไม่มีในเดือน" in bad.get_data(as_text=True)
    csv_body = client.get(f"/audit/export.csv?document={memo}").data
    assert csv_body.startswith("\ufeff".encode()) and b"document.import" in csv_body
    assert "๐๐๓๓.๑๒/๕๐๕๒" in csv_body.decode("utf-8-sig")  # the number, in the details
    exported = db_session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "audit.export"))
    assert exported == 1  # the export is itself recorded


def test_only_administrators_read_the_audit_trail(client, login, bearer):
    login("demo-clerk")
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403
    refused = client.get("/api/v1/audit-events", headers=bearer("demo-clerk"))
    assert refused.status_code == 403 and refused.json["error"]["message_th"]
    listed = client.get("/api/v1/audit-events?action=document.import",
                        headers=bearer("demo-admin")).json
    assert listed["total"] == len(listed["items"]) > 0
    assert client.get("/api/v1/audit/verify", headers=bearer("demo-admin")).json["ok"] is True


def test_reading_a_secret_document_is_recorded(client, login, bearer, db_session):
    from saraban.documents.models import Document

    doc = db_session.scalar(select(Document).where(Document.source_key == "rtp-0033.12-5052"))
    doc.secrecy = 1
    name_reader(db_session, doc, "demo-admin")  # a secret document reaches named readers only
    db_session.commit()
    before = db_session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "document.view"))
    login("demo-admin")
    assert client.get(f"/documents/{doc.id}").status_code == 200
    api = client.get(f"/api/v1/documents/{doc.id}", headers=bearer("demo-admin"))
    assert api.status_code == 200
    views = db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "document.view").order_by(AuditEvent.id)).all()
    assert len(views) == before + 2
    assert [v.details["how"] for v in views[-2:]] == ["page", "api"]
    assert all(v.document_id == doc.id and v.user_id for v in views[-2:])
    # an ordinary document's page writes nothing of its own, but the secret memo shown in
    # its matter (the same chain) is a view of the memo
    other = db_session.scalar(select(Document.id).where(Document.source_key == "dga-2562-w4099"))
    client.get(f"/documents/{other}")
    later = db_session.scalars(select(AuditEvent).where(
        AuditEvent.action == "document.view").order_by(AuditEvent.id)).all()[before + 2:]
    assert [(v.document_id, v.details["how"]) for v in later] == [(doc.id, "chain")]
    assert verify_chain().ok


def test_logins_refused_and_logouts_are_recorded(client, app, db_session):
    from tests.conftest import csrf_token_from

    page = client.get("/login").get_data(as_text=True)
    for username, password in (("demo-clerk", "ผิด"), ("nobody", "x"),
                               ("demo-clerk", app.config["DEMO_LOGINS"]["demo-clerk"])):
        client.post("/login", data={"username": username, "password": password,
                                    "csrf_token": csrf_token_from(page)})
    home = client.get("/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token_from(home)})
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
        ["login", "login.failed", "logout"])).order_by(AuditEvent.id)).all()
    assert [e.action for e in events][-4:] == ["login.failed", "login.failed", "login", "logout"]
    failed = events[-4:-2]
    assert failed[0].details == {"reason": "password"} and failed[0].user_id
    assert failed[1].details == {"username": "nobody", "reason": "unknown"}
    assert all("ผิด" not in str(e.details) for e in events)  # never the password
    assert verify_chain().ok


def test_five_wrong_passwords_lock_the_account_for_a_while(client, app, db_session):
    import datetime as dt

    import time_machine

    import saraban.accounts.operations as accounts
    from saraban import thaidate
    from saraban.accounts.models import User
    from tests.conftest import csrf_token_from

    def attempt(password):
        page = client.get("/login").get_data(as_text=True)
        return client.post("/login", data={"username": "demo-staff", "password": password,
                                           "csrf_token": csrf_token_from(page)})

    right = app.config["DEMO_LOGINS"]["demo-staff"]
    assert [attempt("ผิด").status_code for _ in range(5)] == [200] * 5
    locked = attempt(right)  # even the right password waits
    assert locked.status_code == 423
    assert "ถูกระงับชั่วคราว" in locked.get_data(as_text=True)
    user = db_session.scalar(select(User).where(User.username == "demo-staff"))
    db_session.refresh(user)
    assert user.locked_until is not None
    assert db_session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "account.locked", AuditEvent.user_id == user.id)) == 1
    later = thaidate.now() + accounts.LOCK_FOR + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=False):  # the one clock, moved
        assert attempt(right).status_code == 302  # the wait is over
    db_session.refresh(user)
    assert user.failed_logins == 0 and user.locked_until is None


def test_too_many_logins_from_one_address_are_slowed(client):
    from tests.conftest import csrf_token_from

    page = client.get("/login").get_data(as_text=True)
    codes = [client.post("/login", data={"username": f"nobody{i}", "password": "x",
                                         "csrf_token": csrf_token_from(page)}).status_code
             for i in range(22)]
    assert codes[:20] == [200] * 20 and codes[20:] == [429, 429]
