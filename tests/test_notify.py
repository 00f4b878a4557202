"""Notices by e-mail (saraban/notify): real documents sent, proposed, drafted and ordered
through the operations, then ``saraban notify run --once`` queues the mails in the real
outbox; a second run queues nothing; a secret document's subject, number and sender are
in no mail; opting out sends nothing; a digest goes once a day; and one notice goes
through the real Postfix (tests/smtpserver.py) and is read back."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import uuid

import pytest
import time_machine
from sqlalchemy import select

from saraban import thaidate
from saraban.extensions import db
from saraban.mail.outbox_models import MailKind, OutgoingMail
from saraban.thaidate import BANGKOK
from tests.conftest import csrf_token_from, log_in, make_document, make_unit, make_user
from tests.deskworld import desk  # noqa: F401  (the fixture)
from tests.factories import make_endorsement, make_register, make_transfer
from tests.querycount import count_queries
from tests.smtpserver import postfix  # noqa: F401  (the fixture)

BASE = "https://saraban.agency.test"
SECRET_SUBJECT = "แผนการจับกุมผู้ต้องหาคดียาเสพติดรายใหญ่"
SECRET_NUMBER = "ตช ๐๐๐๗.๑/ลับ๙๙"
SECRET_SENDER = "กองบัญชาการปราบปรามยาเสพติด"


@pytest.fixture()
def notify_config(app):
    keys = ("BASE_URL", "NOTIFY_SETTLE_SECONDS", "NOTIFY_DIGEST_HOUR", "MAIL_FROM")
    before = {k: app.config.get(k) for k in keys}
    app.config.update(BASE_URL=BASE, NOTIFY_SETTLE_SECONDS=0, NOTIFY_DIGEST_HOUR=7,
                      MAIL_FROM="saraban@sender.test")
    yield app.config
    app.config.update(before)


_CLOCK = []


@pytest.fixture(autouse=True)
def clock():
    """The one clock, ticking, that each run moves two seconds on: a run looks at what
    began to wait before the second it starts in (the times kept are to the second)."""
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=True) as traveller:
        _CLOCK.append(traveller)
        yield traveller
        _CLOCK.pop()


def _run(app) -> str:
    _CLOCK[-1].shift(dt.timedelta(seconds=2))
    result = app.test_cli_runner().invoke(args=["notify", "run", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def _mails(db_session, address: str | None = None) -> list[tuple[OutgoingMail, object, str]]:
    """The notices queued (to ``address``), oldest first: the row, the parsed message and
    its plain text."""
    from saraban.documents.files import read

    query = select(OutgoingMail).where(OutgoingMail.kind == MailKind.NOTIFICATION)
    if address:
        query = query.where(OutgoingMail.to_address == address)
    found = []
    for row in db_session.scalars(query.order_by(OutgoingMail.id)):
        message = email.message_from_bytes(read(row.file), policy=email.policy.default)
        found.append((row, message, message.get_body(("plain",)).get_content()))
    return found


def _forget(*users) -> None:
    for user in users:
        db.session.expire(user)
        for key in [k for k in user.__dict__ if k.startswith("_saraban_")]:
            del user.__dict__[key]


@pytest.fixture()
def office(db_session):
    """A unit sending to a receiving unit whose two clerks have addresses: one cleared
    for ลับ (and named reader of the secret letter), one not."""
    tag = uuid.uuid4().hex[:6]
    sender, receiver = make_unit(db_session, f"ส{tag}"), make_unit(db_session, f"ร{tag}")
    make_register(db_session, f"r{tag}", unit=receiver.short_name)
    make_register(db_session, f"s{tag}", unit=sender.short_name)
    users = {
        "clerk": make_user(db_session, f"c{tag}", units=[receiver], role="clerk",
                           email=f"clerk-{tag}@agency.test", display_name="สมศรี รับหนังสือ"),
        "cleared": make_user(db_session, f"k{tag}", units=[receiver], role="clerk",
                             clearance=1, email=f"cleared-{tag}@agency.test"),
        "origin": make_user(db_session, f"o{tag}", units=[sender], role="clerk", clearance=1),
    }
    db_session.commit()
    return {"sender": sender, "receiver": receiver, "tag": tag, **users}


def _send_both(db_session, o):
    ordinary = make_document(db_session, f"ขอเชิญประชุมคณะทำงาน {o['tag']}", number="ตช 0001/1",
                             sender_text="สำนักงานงบประมาณ", origin_unit_id=o["sender"].id)
    make_transfer(db_session, ordinary, o["receiver"], by=o["origin"].username)
    secret = make_document(db_session, SECRET_SUBJECT, number=SECRET_NUMBER,
                           sender_text=SECRET_SENDER, origin_unit_id=o["sender"].id,
                           secrecy=1, created_by_id=o["origin"].id)
    make_transfer(db_session, secret, o["receiver"], by=o["origin"].username,
                  to_user_id=o["cleared"].id)
    _forget(o["clerk"], o["cleared"])
    return ordinary, secret


def test_waiting_for_lists_the_inbox_and_hides_a_secret_letter(db_session, office):
    from saraban.notify.waiting import Kind, waiting_for

    o = office
    ordinary, secret = _send_both(db_session, o)
    mine = waiting_for(o["clerk"])
    assert [(i.kind, i.document_id, i.title) for i in mine] == [
        (Kind.INBOX, ordinary.id, ordinary.subject)]  # the secret one: not even counted
    assert mine[0].number == "ตช 0001/1" and mine[0].sender == o["sender"].short_name
    cleared = waiting_for(o["cleared"])
    shown = {i.document_id: i for i in cleared}
    assert set(shown) == {ordinary.id, secret.id}
    hidden = shown[secret.id]
    assert (hidden.title, hidden.secret, hidden.number, hidden.sender) == (
        "หนังสือชั้นลับ", True, None, None)
    later = max(i.when for i in cleared)
    assert waiting_for(o["cleared"], later + dt.timedelta(seconds=1)) == []


def test_waiting_for_runs_as_many_queries_for_many_letters_as_for_one(db_session, office):
    from saraban.notify.waiting import waiting_for

    o = office
    _send_both(db_session, o)
    with count_queries(db.engine) as few:
        assert len(waiting_for(o["cleared"])) == 2
    for n in range(5):
        document = make_document(db_session, f"หนังสือที่ {n}", origin_unit_id=o["sender"].id)
        make_transfer(db_session, document, o["receiver"], by=o["origin"].username)
    _forget(o["cleared"])
    with count_queries(db.engine) as many:
        assert len(waiting_for(o["cleared"])) == 7
    assert 0 < many.count == few.count, [q for q, _ in many.statements]


def test_run_once_tells_each_clerk_once_and_never_a_secret_subject(app, db_session, office,
                                                                   notify_config):
    o = office
    ordinary, secret = _send_both(db_session, o)
    assert "queued 2 notices" in _run(app)

    ((row, message, text),) = _mails(db_session, o["clerk"].email)
    assert row.subject == message["Subject"] == "[สารบรรณ] มีหนังสือรอท่าน ๑ เรื่อง"
    assert message["To"] == o["clerk"].email and message["From"] == "saraban@sender.test"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe"] == f"<{BASE}/account/security#notify>"
    assert "เรียน สมศรี รับหนังสือ" in text
    assert f"ที่ ตช 0001/1 เรื่อง {ordinary.subject}" in text
    assert f"{BASE}/documents/{ordinary.id}" in text
    assert "หนังสือรอลงรับ ๑ เรื่อง" in text and "หนังสือชั้นลับ" not in text
    assert "You have 1 item waiting in Saraban" in text
    assert "๒๕๖" in text  # a Buddhist-era year

    ((row, message, text),) = _mails(db_session, o["cleared"].email)
    assert row.subject == "[สารบรรณ] มีหนังสือรอท่าน ๒ เรื่อง"
    assert "หนังสือชั้นลับ ๑ ฉบับ" in text and "หนังสือรอลงรับ ๑ เรื่อง" in text
    assert f"/documents/{secret.id}" not in text

    for row, message, text in _mails(db_session):
        raw = message.as_bytes()
        for word in (SECRET_SUBJECT, SECRET_NUMBER, SECRET_SENDER):
            assert word not in text and word not in row.subject
            assert word.encode() not in raw
        assert SECRET_SUBJECT not in str(message)

    assert "queued 0 notices" in _run(app)  # nothing new: nothing queued
    assert len(_mails(db_session)) == 2

    another = make_document(db_session, f"ขอความอนุเคราะห์ข้อมูล {o['tag']}",
                            origin_unit_id=o["sender"].id)
    make_transfer(db_session, another, o["receiver"], by=o["origin"].username)
    _run(app)
    (first, (row, message, text)) = _mails(db_session, o["clerk"].email)
    assert row.subject == "[สารบรรณ] มีหนังสือรอท่าน ๑ เรื่อง"
    assert another.subject in text and ordinary.subject not in text  # never told twice


def test_an_item_is_told_only_once_it_has_settled(app, db_session, office, notify_config):
    o = office
    app.config["NOTIFY_SETTLE_SECONDS"] = 60
    _send_both(db_session, o)
    _run(app)
    assert _mails(db_session, o["clerk"].email) == []  # it may still be committing
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2), tick=False):
        _run(app)
    assert len(_mails(db_session, o["clerk"].email)) == 1


def test_opting_out_and_no_address_send_nothing(app, db_session, office, notify_config):
    from saraban.notify.operations import set_preference

    o = office
    set_preference(o["clerk"], o["clerk"], o["clerk"].email, "off")
    o["cleared"].email = None
    db_session.commit()
    _send_both(db_session, o)
    _run(app)
    assert _mails(db_session) == []


def test_a_digest_goes_once_a_day_after_its_hour(app, db_session, office, notify_config):
    o = office
    o["clerk"].notify = "digest"
    db_session.commit()
    ordinary, _ = _send_both(db_session, o)
    day = thaidate.today() + dt.timedelta(days=1)
    at = lambda d, h: dt.datetime.combine(d, dt.time(h), tzinfo=BANGKOK)  # noqa: E731
    with time_machine.travel(at(day, 6), tick=False):
        _run(app)
    assert _mails(db_session, o["clerk"].email) == []  # before seven in Bangkok
    with time_machine.travel(at(day, 8), tick=False):
        _run(app)
        _run(app)
    ((row, message, text),) = _mails(db_session, o["clerk"].email)
    assert row.subject == "[สารบรรณ] มีหนังสือรอท่าน ๑ เรื่อง"
    assert "สรุปหนังสือที่รอท่าน" in text and ordinary.subject in text
    with time_machine.travel(at(day + dt.timedelta(days=1), 9), tick=False):
        _run(app)  # the next day: all that still waits, again
    assert len(_mails(db_session, o["clerk"].email)) == 2


def test_proposals_and_orders_due_tomorrow_then_overdue(app, db_session, desk, notify_config):  # noqa: F811
    from saraban.accounts.models import User
    from saraban.thaidate import today

    def user(name):
        return db_session.scalar(select(User).where(User.username == desk.users[name]))

    commander, assignee = user("commander"), user("assignee")
    commander.email, assignee.email = "chief@agency.test", "worker@agency.test"
    db_session.commit()
    _run(app)
    ((_, _, text),) = _mails(db_session, commander.email)
    assert "เรื่องเสนอรอท่านสั่งการ ๑ เรื่อง" in text and "บันทึกเสนอขออนุมัติโครงการ" in text
    assert _mails(db_session, assignee.email) == []

    due = today() + dt.timedelta(days=1)
    make_endorsement(db_session, desk.memo, by=commander, lines=["อนุมัติ"], orders=[
        {"to_unit": desk.target.id, "instruction": "รายงานผล", "due_date": due.isoformat()}])
    _run(app)
    ((_, _, text),) = _mails(db_session, assignee.email)
    assert "งานที่ครบกำหนดวันนี้หรือพรุ่งนี้ ๑ เรื่อง" in text and "กำหนดเสร็จ" in text
    assert len(_mails(db_session, commander.email)) == 1  # endorsed: nothing new for him

    later = dt.datetime.combine(due + dt.timedelta(days=1), dt.time(9), tzinfo=BANGKOK)
    with time_machine.travel(later, tick=False):
        _run(app)
    (_, (_, _, text)) = _mails(db_session, assignee.email)
    assert "งานที่เลยกำหนด ๑ เรื่อง" in text


def test_a_draft_waiting_for_initials(app, db_session, notify_config):
    from saraban.drafts.operations import create_draft, review_draft, submit_draft

    unit = make_unit(db_session)
    drafter = make_user(db_session, units=[unit])
    reviewer = make_user(db_session, units=[unit], email="reviewer@agency.test")
    signer = make_user(db_session, units=[unit], role="commander", email="signer@agency.test")
    draft = create_draft(drafter, {"kind": "external", "fields": {
        "subject": "ขอเชิญร่วมงานวันตำรวจ", "to": "ผู้อำนวยการ"}, "body": "จึงเรียนมาเพื่อโปรดทราบ"})
    submit_draft(drafter, draft.id, [reviewer.id, signer.id])
    db_session.commit()
    _run(app)
    ((_, _, text),) = _mails(db_session, reviewer.email)
    assert "ร่างหนังสือรอท่านตรวจหรือลงนาม ๑ เรื่อง" in text
    assert f"{BASE}/drafts/{draft.id}" in text and "ขอเชิญร่วมงานวันตำรวจ" in text
    assert _mails(db_session, signer.email) == []  # not his turn yet

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5), tick=False):
        review_draft(reviewer, draft.id, "initial")
        db_session.commit()
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=6), tick=False):
        _run(app)
    assert len(_mails(db_session, signer.email)) == 1
    assert len(_mails(db_session, reviewer.email)) == 1


def test_the_account_page_sets_the_address_and_refuses_a_bad_one(app, db_session, client):
    user = make_user(db_session)
    db_session.commit()
    log_in(client, user.username)
    page = client.get("/account/security").get_data(as_text=True)
    assert 'id="notify"' in page
    token = csrf_token_from(page)
    bad = client.post("/account/notify", data={"email": "สมชาย at police", "notify": "digest",
                                                "csrf_token": token})
    assert bad.status_code == 400
    assert "อีเมลไม่ถูกต้อง" in bad.get_data(as_text=True)
    for wrong in ("a@b", "a b@police.go.th", "x@police.go.th\nBcc: y@z.th", "<a@police.go.th>"):
        assert client.post("/account/notify", data={
            "email": wrong, "notify": "immediate", "csrf_token": token}).status_code == 400
    assert client.post("/account/notify", data={"email": "a@police.go.th", "notify": "weekly",
                                                "csrf_token": token}).status_code == 400
    done = client.post("/account/notify", data={"email": " Somchai@Police.GO.th ",
                                                 "notify": "digest", "csrf_token": token})
    assert done.status_code == 302
    db_session.expire(user)
    assert (user.email, user.notify) == ("Somchai@police.go.th", "digest")
    assert 'value="Somchai@police.go.th"' in client.get("/account/security").get_data(
        as_text=True)



def test_a_notice_goes_through_postfix_and_is_read_back(app, db_session, office,
                                                        notify_config, mail_config):
    from saraban.mail.sending import send_once

    o = office
    o["cleared"].email = f"cleared-{o['tag']}@{mail_config.domain}"
    o["clerk"].email = None
    db_session.commit()
    _send_both(db_session, o)
    _run(app)
    assert send_once().sent == 1, mail_config.log()
    (raw,) = mail_config.delivered_raw(1)
    arrived = email.message_from_bytes(raw, policy=email.policy.default)
    assert arrived["Subject"] == "[สารบรรณ] มีหนังสือรอท่าน ๒ เรื่อง"
    assert arrived["Auto-Submitted"] == "auto-generated"
    assert arrived["List-Unsubscribe"] == f"<{BASE}/account/security#notify>"
    text = arrived.get_body(("plain",)).get_content()
    assert "หนังสือชั้นลับ ๑ ฉบับ" in text and "ขอเชิญประชุมคณะทำงาน" in text
    assert SECRET_SUBJECT not in text and SECRET_SUBJECT.encode() not in raw


def test_a_bad_digest_hour_is_said_and_nothing_is_sent(app, db_session, notify_config):
    app.config["NOTIFY_DIGEST_HOUR"] = "25"
    result = app.test_cli_runner().invoke(args=["notify", "run", "--once"])
    assert result.exit_code != 0 and "SARABAN_NOTIFY_DIGEST_HOUR" in result.output
