"""The audit trail: a hash chain that names the first event altered, deleted or moved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from saraban.audit.chain import anchor_now, verify_chain
from saraban.audit.models import AuditEvent
from saraban.audit.operations import record


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
    assert verify_chain().ok  # consistent on its own ...
    assert not verify_chain(anchor=head).ok  # ... but the anchored event is gone


def test_the_samples_leave_an_intact_chain(db_session):
    assert db_session.scalar(select(func.count()).select_from(AuditEvent)) > 0
    assert verify_chain().ok
