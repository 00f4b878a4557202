"""How long a document stayed at a unit: per branch of a circulation, and a stamp without
a time counted by its day, never as 00.00 น."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlalchemy import select

from saraban import thaidate
from saraban.units.models import Unit


def _unit(db_session, short_name):
    return db_session.scalar(select(Unit.id).where(Unit.short_name == short_name))


@pytest.fixture()
def clerks(bearer, db_session):
    """The clerk of สทส. and one clerk each for ฝอ.สงป. and ฝทง.สงป. (given a register)."""
    from saraban.accounts.models import Membership, Role, User
    from saraban.registers.models import Register

    plans = db_session.get(Unit, _unit(db_session, "ฝทง.สงป."))
    db_session.add(Register(unit=plans, kind="receipt", code="plans", name="ทะเบียนรับ ฝทง."))
    for username, unit in (("clerk-budget", "ฝอ.สงป."), ("clerk-plans", "ฝทง.สงป.")):
        user = User(username=username, display_name=username)
        user.set_password("x")
        user.memberships.append(Membership(unit_id=_unit(db_session, unit), role=Role.CLERK))
        db_session.add(user)
    db_session.commit()
    return {"ict": bearer("demo-clerk"), "budget": bearer("clerk-budget"),
            "plans": bearer("clerk-plans")}


def _stays(client, h, doc):
    events = client.get(f"/api/v1/documents/{doc}/history", headers=h).json["events"]
    return {e["unit"]: (e["stay_seconds"], e["stay_exact"], e["stay_th"])
            for e in events if e["kind"] == "receipt"}


def test_each_destination_of_a_circulation_keeps_its_own_time(client, clerks, db_session):
    """สทส. circulates to ฝอ.สงป. and ฝทง.สงป.; ฝอ.สงป. receives first and sends it on two
    hours later. Its stay is those two hours, not the five minutes until its sibling
    received its own copy."""
    start = thaidate.now().replace(microsecond=0) + dt.timedelta(minutes=1)
    budget, plans = _unit(db_session, "ฝอ.สงป."), _unit(db_session, "ฝทง.สงป.")
    with time_machine.travel(start, tick=False):
        doc = client.post("/api/v1/documents", headers=clerks["ict"], json={
            "date": "2026-11-20", "subject": "หนังสือเวียนทดสอบ", "sender": "กรมทดสอบ"}
            ).json["id"]
        sent = client.post(f"/api/v1/documents/{doc}/transfers", headers=clerks["ict"],
                           json={"to": [budget, plans], "purpose": "publicize"}).json["items"]
    to = {t["to_unit_id"]: t["id"] for t in sent}
    with time_machine.travel(start + dt.timedelta(hours=1), tick=False):
        assert client.post(f"/api/v1/transfers/{to[budget]}/accept", headers=clerks["budget"],
                           json={}).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=1, minutes=5), tick=False):
        assert client.post(f"/api/v1/transfers/{to[plans]}/accept", headers=clerks["plans"],
                           json={}).status_code == 200
    with time_machine.travel(start + dt.timedelta(hours=3), tick=False):
        onward = client.post(f"/api/v1/documents/{doc}/transfers", headers=clerks["budget"],
                             json={"to": [_unit(db_session, "ตร.")], "purpose": "act",
                                   "from_unit": budget})
        assert onward.status_code == 201, onward.json
    stays = _stays(client, clerks["ict"], doc)
    assert stays["ฝอ.สงป."] == (2 * 3600, True, "๒ ชั่วโมง")
    assert stays["ฝทง.สงป."] == (None, True, None)  # still there


def _stamp(client, h, register, doc, date, time, number):
    body = {"document_id": doc, "number": number, "date": date}
    if time:
        body["time"] = time
    made = client.post(f"/api/v1/registers/{register}/receipts", headers=h, json=body)
    assert made.status_code == 201, made.json


def test_a_stamp_without_a_time_the_same_day_is_not_before_a_timed_one(client, bearer):
    """สทส. stamped at ๑๔.๕๐; its division stamped the same day without a time, entered
    after it. The division's stamp is not taken as 00.00 น. (before สทส.): สทส. kept it
    "within the same day", and the division still has it."""
    h = bearer("demo-clerk")
    registers = {r["unit"]: r["id"] for r in client.get("/api/v1/registers", headers=h)
                 .json["items"] if r["kind"] == "receipt"}
    doc = client.post("/api/v1/documents", headers=h, json={
        "date": "2020-01-06", "subject": "ตราบ่ายกับตราไม่มีเวลา", "sender": "กรมทดสอบ"}
        ).json["id"]
    _stamp(client, h, registers["สทส."], doc, "๑๑ ม.ค. ๖๓", "๑๔.๕๐", 801)
    _stamp(client, h, registers["ฝอ.๒ บก.อก.สทส."], doc, "๑๑ ม.ค. ๖๓", None, 802)
    stays = _stays(client, h, doc)
    assert stays["สทส."] == (0, False, "ภายในวันเดียวกัน")
    assert stays["ฝอ.๒ บก.อก.สทส."] == (None, True, None)
