"""Where documents wait: received, acted on, how long, and what still waits, per unit."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from saraban.units.models import Unit


def test_the_seed_trail_measured_from_its_stamps(client, bearer):
    answer = client.get("/api/v1/reports/pendency", headers=bearer("demo-admin"),
                        query_string={"date_from": "๑ พ.ย. ๖๒", "date_to": "๓๑ ธ.ค. ๖๒"})
    assert answer.status_code == 200, answer.json
    rows = {(r["unit"], r["month"]): r for r in answer.json["items"]}
    # ตร. stamped the DGA letter without a time; สทส. stamped it at ๑๔.๕๐ the same day
    assert rows[("ตร.", 11)]["acted"] == 1
    assert rows[("สทส.", 11)]["average_seconds"] == 600  # ten minutes to its division
    assert rows[("สง.ผู้ช่วย ผบ.ตร.(ปร ๓)", 11)]["acted"] == 1  # the memo, endorsed and sent
    assert rows[("ฝอ.๒ บก.อก.สทส.", 11)]["waiting_by_age"][-1] == 1  # kept: the trail ends


def test_a_live_receipt_waits_until_the_unit_sends_it_on(client, bearer, db_session):
    clerk = bearer("demo-clerk")
    registers = client.get("/api/v1/registers", headers=clerk).json["items"]
    register = next(r["id"] for r in registers if r["unit"] == "ฝอ.๒ บก.อก.สทส."
                    and r["kind"] == "receipt")
    docs = []
    for subject in ("รอดำเนินการ", "ส่งต่อแล้ว"):
        doc = client.post("/api/v1/documents", headers=clerk, json={
            "date": "2026-11-20", "subject": subject, "sender": "กรมทดสอบ"}).json["id"]
        client.post(f"/api/v1/registers/{register}/receipts", headers=clerk,
                    json={"document_id": doc})
        docs.append(doc)
    division = db_session.scalar(select(Unit.id).where(Unit.short_name == "ฝอ.๒ บก.อก.สทส."))
    budget = db_session.scalar(select(Unit.id).where(Unit.short_name == "ฝอ.สงป."))
    sent = client.post(f"/api/v1/documents/{docs[1]}/transfers", headers=clerk,
                       json={"to": [budget], "purpose": "act", "from_unit": division})
    assert sent.status_code == 201, sent.json
    rows = client.get("/api/v1/reports/pendency", headers=bearer("demo-admin")).json["items"]
    mine = [r for r in rows if r["unit"] == "ฝอ.๒ บก.อก.สทส."]
    now = mine[-1]
    assert (now["received"], now["acted"], now["waiting_by_age"][0]) == (2, 1, 1)
    assert now["average_seconds"] is not None and now["average_seconds"] < 120


def test_who_may_see_the_report(client, bearer, login):
    assert client.get("/api/v1/reports/pendency",
                      headers=bearer("demo-staff")).status_code == 403
    commander = client.get("/api/v1/reports/pendency", headers=bearer("demo-commander"),
                           query_string={"date_from": "2019-11-01", "date_to": "2019-12-31"})
    assert {r["unit"] for r in commander.json["items"]} == {"สง.ผู้ช่วย ผบ.ตร.(ปร ๓)"}
    bad = client.get("/api/v1/reports/pendency", headers=bearer("demo-admin"),
                     query_string={"date_from": "๓๑ ก.พ. ๖๒"})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "date_from"
    assert login("demo-staff").get("/reports/pendency").status_code == 403


def test_the_page_and_its_csv(login):
    web = login("demo-admin")
    page = web.get("/reports/pendency?date_from=1/11/2562&date_to=31/12/2562").get_data(
        as_text=True)
    assert "หนังสือค้างและระยะเวลาดำเนินการ" in page and "พ.ย. ๒๕๖๒" in page
    assert "๑๐ นาที" in page  # สทส. to its division
    data = web.get("/reports/pendency?date_from=2019-11-01&date_to=2019-12-31&format=csv").data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["หน่วย", "เดือน", "รับ", "ดำเนินการแล้ว"]
    assert any(r[0] == "สทส." and r[1] == "2562-11" for r in rows[1:])


def test_a_stamp_without_a_time_is_measured_in_days_not_from_midnight(client, bearer, login):
    """ตร. stamped the letter on ๑๑ พ.ย. without a time; สทส. stamped it at ๑๔.๕๐ that day.
    The missing time is not 00.00: the stay is "within the same day", not 14 h 50 min."""
    answer = client.get("/api/v1/reports/pendency", headers=bearer("demo-admin"),
                        query_string={"date_from": "๑ พ.ย. ๖๒", "date_to": "๓๑ ธ.ค. ๖๒"})
    row = next(r for r in answer.json["items"] if (r["unit"], r["month"]) == ("ตร.", 11))
    assert (row["acted"], row["acted_day_only"]) == (1, 1)
    assert row["average_seconds"] is None and row["p90_seconds"] is None
    assert row["average_days"] == 0
    page = login("demo-admin").get("/reports/pendency?date_from=1/11/2562&date_to=31/12/2562")
    html = page.get_data(as_text=True)
    police = html.split("<td>ตร.</td>", 1)[1].split("</tr>", 1)[0]
    assert "ภายในวันเดียวกัน" in police and "ชั่วโมง" not in police
    assert "๑๔ ชั่วโมง ๕๐ นาที" not in html


def _stamp(client, h, register, doc, date, time=None, number=None):
    body = {"document_id": doc, "number": number, "date": date}
    if time:
        body["time"] = time
    made = client.post(f"/api/v1/registers/{register}/receipts", headers=h, json=body)
    assert made.status_code == 201, made.json
    return made.json


def test_exact_and_day_only_stays_are_averaged_apart(client, bearer, login):
    h = bearer("demo-clerk")
    registers = {r["unit"]: r["id"] for r in client.get("/api/v1/registers", headers=h)
                 .json["items"] if r["kind"] == "receipt"}
    division, bureau = registers["ฝอ.๒ บก.อก.สทส."], registers["สทส."]
    docs = [client.post("/api/v1/documents", headers=h, json={
        "date": "2020-01-06", "subject": subject, "sender": "กรมทดสอบ"}).json["id"]
        for subject in ("มีเวลาทั้งสองตรา", "ตราแรกไม่มีเวลา")]
    _stamp(client, h, division, docs[0], "๑๐ ม.ค. ๖๓", "๙.๐๐", 901)
    _stamp(client, h, bureau, docs[0], "๑๐ ม.ค. ๖๓", "๑๑.๐๐", 902)
    _stamp(client, h, division, docs[1], "๑๐ ม.ค. ๖๓", None, 903)
    _stamp(client, h, bureau, docs[1], "๑๒ ม.ค. ๖๓", "๑๓.๐๐", 904)
    answer = client.get("/api/v1/reports/pendency", headers=bearer("demo-admin"),
                        query_string={"date_from": "2020-01-01", "date_to": "2020-01-31"})
    row = next(r for r in answer.json["items"] if r["unit"] == "ฝอ.๒ บก.อก.สทส.")
    assert (row["received"], row["acted"], row["acted_day_only"]) == (2, 2, 1)
    assert row["average_seconds"] == 2 * 3600 and row["p90_seconds"] == 2 * 3600
    assert row["average_days"] == 2
    data = login("demo-admin").get(
        "/reports/pendency?date_from=2020-01-01&date_to=2020-01-31&format=csv").data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    line = next(r for r in rows if r[0] == "ฝอ.๒ บก.อก.สทส.")
    header = rows[0]
    assert line[header.index("เวลาเฉลี่ย (ชั่วโมง)")] == "2.0"
    assert line[header.index("ดำเนินการแล้ว ตราไม่ระบุเวลา")] == "1"
    assert line[header.index("เวลาเฉลี่ยตราไม่ระบุเวลา (วัน)")] == "2.0"
