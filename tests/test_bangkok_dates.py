"""Every date shown is the date in Asia/Bangkok, also between 00.00 and 07.00 น. Bangkok time,
when UTC is still on the previous day; a naive datetime is refused, never guessed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from flask import render_template_string

from saraban import i18n, thaidate
from saraban.thaidate import BANGKOK
from tests.factories import make_register

# 2 Dec 2019 from 00.00 to 06.59 น. in Bangkok: in UTC still 1 Dec
EARLY_HOURS = [dt.datetime(2019, 12, 2, h, m, tzinfo=BANGKOK).astimezone(dt.UTC)
               for h, m in ((0, 0), (0, 30), (1, 15), (3, 0), (5, 45), (6, 30), (6, 59))]


@pytest.mark.parametrize("at", EARLY_HOURS, ids=lambda a: a.isoformat())
def test_thaidate_formatters_give_the_bangkok_date_before_seven(at):
    assert at.day == 1  # UTC is still on the 1st
    local = at.astimezone(BANGKOK)
    assert thaidate.format_date(at) == "๒ ธ.ค. ๒๕๖๒"
    assert thaidate.format_date(at, "long") == "๒ ธันวาคม ๒๕๖๒"
    assert thaidate.format_date(at, "endorsement") == "๒ ธ.ค. ๖๒"
    assert thaidate.format_date(at, digits="arabic") == "2 ธ.ค. 2562"
    time_th = thaidate.to_thai_digits(f"{local.hour}.{local.minute:02d} น.")
    assert thaidate.format_time(at) == time_th
    assert thaidate.format_datetime(at) == f"๒ ธ.ค. ๒๕๖๒ {time_th}"
    assert thaidate.local_date(at) == dt.date(2019, 12, 2)


def test_the_new_year_begins_at_midnight_in_bangkok():
    half_past = dt.datetime(2019, 12, 31, 17, 30, tzinfo=dt.UTC)  # 00.30 น. on 1 Jan 2563
    assert thaidate.be_year(half_past) == 2563
    assert thaidate.format_date(half_past) == "๑ ม.ค. ๒๕๖๓"
    new_fiscal = dt.datetime(2019, 9, 30, 17, 30, tzinfo=dt.UTC)  # 00.30 น. on 1 Oct 2562
    assert thaidate.fiscal_year(new_fiscal) == 2563
    assert thaidate.be_year(dt.date(2019, 12, 31)) == 2562
    assert thaidate.be_year(2019) == 2562


NAIVE = dt.datetime(2019, 12, 1, 23, 30)


@pytest.mark.parametrize("call", [
    lambda: thaidate.format_date(NAIVE),
    lambda: thaidate.format_date(NAIVE, "endorsement"),
    lambda: thaidate.format_time(NAIVE),
    lambda: thaidate.format_datetime(NAIVE),
    lambda: thaidate.be_year(NAIVE),
    lambda: thaidate.fiscal_year(NAIVE),
    lambda: thaidate.local(NAIVE),
    lambda: thaidate.local_date(NAIVE),
], ids=["date", "endorsement", "time", "datetime", "be_year", "fiscal_year", "local",
        "local_date"])
def test_a_naive_datetime_is_refused_not_guessed(call):
    with pytest.raises(ValueError, match="naive datetime"):
        call()


def test_wrong_types_are_refused_clearly():
    with pytest.raises(TypeError):
        thaidate.local_date("2019-12-02")
    with pytest.raises(TypeError):
        thaidate.local(dt.date(2019, 12, 2))


def test_the_one_clock_moves_with_time_machine():
    at = dt.datetime(2019, 12, 31, 17, 30, tzinfo=dt.UTC)  # 00.30 น. on 1 Jan 2563
    from saraban.db import utcnow

    with time_machine.travel(at, tick=False):
        assert thaidate.now() == at and thaidate.now().tzinfo is not None
        assert utcnow() == at
        assert thaidate.today() == dt.date(2020, 1, 1)
        assert thaidate.be_year(thaidate.now()) == 2563


TEMPLATE = ("{{ at|thai_date }}|{{ at|thai_date('long') }}|{{ at|thai_date('endorsement') }}|"
            "{{ at|thai_time }}|{{ at|thai_datetime }}|{{ at|date_input }}")


@pytest.mark.parametrize("at", EARLY_HOURS, ids=lambda a: a.isoformat())
def test_every_template_filter_shows_the_bangkok_date(app, at):
    local = at.astimezone(BANGKOK)
    hm = f"{local.hour}.{local.minute:02d} น."
    with app.test_request_context("/"):
        got = render_template_string(TEMPLATE, at=at).split("|")
    assert got == ["๒ ธ.ค. ๒๕๖๒", "๒ ธันวาคม ๒๕๖๒", "๒ ธ.ค. ๖๒", thaidate.to_thai_digits(hm),
                   "๒ ธ.ค. ๒๕๖๒ " + thaidate.to_thai_digits(hm), "๒ ธ.ค. ๒๕๖๒"]
    with app.test_request_context("/", headers={"Cookie": f"{i18n.LANG_COOKIE}=en"}):
        got = render_template_string(TEMPLATE, at=at).split("|")
    hm_en = f"{local.hour:02d}:{local.minute:02d}"
    assert got == ["2 Dec 2019", "2 December 2019", "2 Dec 2019", hm_en,
                   f"2 Dec 2019 {hm_en}", "2019-12-02"]


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("name", ["thai_date", "thai_time", "thai_datetime", "date_input"])
def test_every_template_filter_refuses_a_naive_datetime(app, lang, name):
    with app.test_request_context("/", headers={"Cookie": f"{i18n.LANG_COOKIE}={lang}"}):
        with pytest.raises(ValueError, match="naive datetime"):
            render_template_string("{{ at|" + name + " }}", at=NAIVE)


def test_every_datetime_column_comes_back_aware_utc():
    """Each DateTime column is the UTCDateTime type: stored UTC, read back aware UTC on
    SQLite too (which keeps no zone)."""
    from sqlalchemy import DateTime

    from saraban import models  # noqa: F401  (every model registered)
    from saraban.db import Base, UTCDateTime

    columns = [(f"{t.name}.{c.name}", c.type) for t in Base.metadata.sorted_tables
               for c in t.columns]
    assert len([name for name, type_ in columns if isinstance(type_, UTCDateTime)]) > 20
    assert [name for name, type_ in columns if isinstance(type_, DateTime)] == []


def test_a_datetime_read_back_is_aware_utc(db_session):
    from saraban.registers.models import Receipt

    receipt = db_session.query(Receipt).order_by(Receipt.id).first()
    db_session.expire(receipt)
    assert receipt.received_at.utcoffset() == dt.timedelta(0)
    assert receipt.received_at.tzinfo is not None


def _memo_id(db_session):
    from sqlalchemy import select

    from saraban.documents.models import Document

    return db_session.scalar(select(Document.id).where(Document.number == "๐๐๓๓.๑๒/๕๐๕๒"))


def test_the_sample_memo_shows_the_day_its_number_was_given(login, db_session):
    """The memo ๐๐๓๓.๑๒/๕๐๕๒ was numbered on 22 Nov 2562 (a date-only paper dispatch, kept
    as Bangkok midnight, which in UTC is the evening of the 21st)."""
    page = login("demo-clerk").get(f"/documents/{_memo_id(db_session)}").get_data(as_text=True)
    issued = page.split("ออกเลขแล้ว ที่", 1)[1].split("</p>", 1)[0]
    assert "๒๒ พ.ย. ๒๕๖๒" in issued and "๒๑ พ.ย." not in issued


def _fresh_register(db_session):
    return make_register(db_session, "early", "ทะเบียนทดสอบเวลาเช้า")


def _register_at(client, h, register_id, at):
    with time_machine.travel(at, tick=False):
        doc = client.post("/api/v1/documents", headers=h, json={
            # each letter its own number: the same letter twice is a duplicate (409)
            "number": f"กข {at:%y%m%d%H%M}/๒๕๖๒", "date": "2019-11-29",
            "subject": "หนังสือมาถึงตอนเช้ามืด", "sender": "กรมตัวอย่าง"})
        assert doc.status_code == 201, doc.json
        made = client.post(f"/api/v1/registers/{register_id}/receipts", headers=h,
                           json={"document_id": doc.json["id"]})
        assert made.status_code == 201, made.json
    return doc.json["id"], made.json


def test_a_receipt_at_half_past_six_is_dated_that_day_everywhere(client, login, bearer,
                                                                 db_session):
    """Registered at 06.30 น. on 2 Dec (23.30 UTC on 1 Dec): the API, the register page,
    its CSV, the document page and its history all say ๒ ธ.ค."""
    register_id = _fresh_register(db_session)
    h = bearer("demo-clerk")
    at = dt.datetime(2019, 12, 2, 6, 30, tzinfo=BANGKOK)
    doc_id, receipt = _register_at(client, h, register_id, at)
    assert receipt["received_at"] == "2019-12-02T06:30:00+07:00"
    assert receipt["received_th"] == "๒ ธ.ค. ๒๕๖๒ ๖.๓๐ น."
    assert receipt["year"] == 2019
    day = client.get(f"/api/v1/registers/{register_id}/entries?year=2019&month=12&day=2",
                     headers=h).json
    assert [i["number"] for i in day["items"]] == [receipt["number"]]
    csv = client.get(f"/api/v1/registers/{register_id}/export.csv?year=2019&month=12",
                     headers=h).get_data(as_text=True)
    assert "๒ ธ.ค. ๒๕๖๒" in csv and "๑ ธ.ค." not in csv
    web = login("demo-clerk")
    register_page = web.get(f"/registers/{register_id}?year=2562&month=12&day=2")
    assert "๒ ธ.ค. ๒๕๖๒" in register_page.get_data(as_text=True)
    document_page = web.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "๒ ธ.ค. ๒๕๖๒" in document_page and "๑ ธ.ค. ๒๕๖๒" not in document_page
    history = client.get(f"/api/v1/documents/{doc_id}/history", headers=h).json
    times = [e["time"] for e in history["events"] if e["kind"] == "receipt"]
    assert times == ["2019-12-02T06:30:00+07:00"]


def test_a_receipt_at_half_past_midnight_on_new_year_counts_in_the_new_year(
        client, bearer, db_session):
    register_id = _fresh_register(db_session)
    h = bearer("demo-clerk")
    _, last = _register_at(client, h, register_id, dt.datetime(2019, 12, 31, 23, 50,
                                                               tzinfo=BANGKOK))
    _, first = _register_at(client, h, register_id, dt.datetime(2020, 1, 1, 0, 30,
                                                                tzinfo=BANGKOK))
    assert (last["year"], last["number"]) == (2019, 1)
    assert (first["year"], first["number"]) == (2020, 1)
    assert first["received_th"] == "๑ ม.ค. ๒๕๖๓ ๐.๓๐ น."


def test_the_receive_page_and_home_show_the_bangkok_day_of_an_early_receipt(login):
    import re

    from tests.conftest import csrf_token_from

    with time_machine.travel(dt.datetime(2019, 12, 2, 6, 30, tzinfo=BANGKOK), tick=False):
        web = login("demo-clerk")  # a session signed now: one from the future is refused
        html = web.get("/receive").get_data(as_text=True)
        key = re.search(r'name="form_key" type="hidden" value="([0-9a-f]+)"', html).group(1)
        register = re.search(r'<option selected value="(\d+)">', html).group(1)
        done = web.post("/receive", data={
            "csrf_token": csrf_token_from(html), "form_key": key, "register_id": register,
            "number": "กค ๐๔๐๘/ว๑๒", "date": "๒๙ พ.ย. ๖๒", "sender": "กรมบัญชีกลาง",
            "addressee": "ผบช.สทส.", "subject": "หนังสือลงรับตอนหกโมงครึ่ง",
            "urgency": "3", "secrecy": "0"})
        assert done.status_code == 302
        page = web.get(done.headers["Location"]).get_data(as_text=True)
        home = web.get("/").get_data(as_text=True)
    confirmation = page.split("เลขรับ <strong>", 1)[1].split("</p>", 2)[1]
    assert "๒ ธ.ค. ๒๕๖๒" in confirmation and "๖.๓๐ น." in confirmation
    row = home.split("หนังสือลงรับตอนหกโมงครึ่ง", 1)[0].rsplit("<tr", 1)[1]
    assert "๒ ธ.ค. ๒๕๖๒ ๖.๓๐ น." in row


def _moments(value, path=""):
    """Every string in a JSON answer that holds a date and a time, with where it is."""
    import re

    if isinstance(value, dict):
        for key, item in value.items():
            yield from _moments(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _moments(item, f"{path}[{i}]")
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?.*", value):
        yield path, value


def test_every_api_date_time_carries_the_bangkok_offset(client, bearer, db_session):
    from sqlalchemy import select

    from saraban.registers.models import Register

    memo = _memo_id(db_session)
    registers = db_session.scalars(select(Register.id)).all()
    admin = bearer("demo-admin")
    paths = ["/documents", f"/documents/{memo}", f"/documents/{memo}/history",
             f"/documents/{memo}/chain", f"/documents/{memo}/endorsements", "/users",
             "/audit-events", "/proposals", "/orders", "/delegations", "/exchange/arrivals",
             "/destruction-lists", "/loans", "/transfers/inbox", "/reports/pendency"]
    paths += [f"/registers/{r}/entries?year=2019" for r in registers]
    found = []
    for path in paths:
        response = client.get("/api/v1" + path, headers=admin)
        assert response.status_code == 200, (path, response.json)
        found += [(path + where, text) for where, text in _moments(response.json)]
    assert len(found) > 20
    assert [f for f in found if not f[1].endswith("+07:00")] == []
    assert any(where.startswith("/audit-events") for where, _ in found)
