"""Many clerks, several server processes, one register: every number 1..N exactly once.

Runs gunicorn with three workers on loopback against each database under test. Sixteen
threads register 120 new documents at once, every document twice (a double-click from
two clerks) and with requests that must fail mixed in; the register must hold 1..120
exactly once, no document twice, and the failures must have given no number away.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import DATABASES, PG_URL, RAN, _PgDatabase
from tests.servers import start_server

pytestmark = pytest.mark.slow

DOCUMENTS = 120


@pytest.fixture(scope="module", params=DATABASES)
def live(request, tmp_path_factory):
    pg = _PgDatabase(PG_URL) if request.param == "postgresql" else None
    url = pg.create() if pg else None
    server = start_server(tmp_path_factory.mktemp(f"numbering-{request.param}"), url, workers=3)
    RAN.add(request.param)
    yield server
    server.stop()
    if pg:
        pg.drop()


def test_concurrent_registration_gives_every_number_once(live):
    status, registers = live.api("GET", "/registers", "demo-clerk")
    assert status == 200
    register_id = next(r["id"] for r in registers["items"]
                       if r["unit"] == "สทส." and r["kind"] == "receipt" and not r["secret"])

    def create(i):
        return live.api("POST", "/documents", "demo-clerk", {
            "number": f"ทดสอบ {i}/๒๕๖๙", "date": "2026-11-20",
            "subject": f"เรื่องทดสอบพร้อมกันที่ {i}", "sender": "กรมทดสอบ"})

    with ThreadPoolExecutor(16) as pool:
        created = list(pool.map(create, range(DOCUMENTS)))
    assert all(status == 201 for status, _ in created), created[:3]
    doc_ids = [body["id"] for _, body in created]

    # every document twice, and a request for a document that does not exist in between
    jobs = [("ok", d) for d in doc_ids] * 2 + [("missing", 10**9 + i) for i in range(30)]
    random.Random(11).shuffle(jobs)

    def register(job):
        _, doc_id = job
        return job, live.api("POST", f"/registers/{register_id}/receipts", "demo-clerk",
                             {"document_id": doc_id})

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(register, jobs))

    won = [(job[1], body) for job, (status, body) in results if status == 201]
    refused_twice = [body for job, (status, body) in results
                     if job[0] == "ok" and status == 409]
    missing = [status for job, (status, _) in results if job[0] == "missing"]
    unexpected = [(job, status, body) for job, (status, body) in results
                  if status not in (201, 409, 404)]
    assert unexpected == [], live.errors()[:2]
    assert missing == [404] * 30
    assert len(won) == DOCUMENTS and len(refused_twice) == DOCUMENTS
    assert sorted(doc for doc, _ in won) == sorted(doc_ids)  # each document once
    numbers = sorted(body["number"] for _, body in won)
    assert numbers == list(range(1, DOCUMENTS + 1))
    assert all("ลงรับในทะเบียนนี้แล้ว" in b["error"]["message_th"] for b in refused_twice)

    # what the register itself holds, read back from the database
    year = won[0][1]["year"]
    status, entries = live.api("GET", f"/registers/{register_id}/entries?year={year}&per_page=500",
                               "demo-clerk")
    assert status == 200 and entries["total"] == DOCUMENTS
    assert [e["number"] for e in entries["items"]] == list(range(1, DOCUMENTS + 1))
    assert len({e["document_id"] for e in entries["items"]}) == DOCUMENTS

    # and numbering goes on from N+1
    status, body = create(DOCUMENTS)
    status, receipt = live.api("POST", f"/registers/{register_id}/receipts", "demo-clerk",
                               {"document_id": body["id"]})
    assert status == 201 and receipt["number"] == DOCUMENTS + 1


def test_a_register_continued_from_paper_numbers_live_after_it_under_concurrency(live):
    """A register opened at the paper book's ๕๐๐: live numbers 501.. with paper stamps
    (some twice, some above ๕๐๐) entered at the same moment; no paper stamp moves live
    numbering, every number is given once."""
    status, units = live.api("GET", "/units", "demo-admin")
    assert status == 200
    unit = next(u for u in units["items"] if u["short_name"] == "สทส.")
    status, register = live.api("POST", f"/units/{unit['id']}/registers", "demo-admin",
                                {"kind": "receipt", "code": "paper-continued",
                                 "name": "ทะเบียนต่อจากสมุด"})
    assert status == 201, register
    status, opened = live.api("POST", f"/registers/{register['id']}/openings", "demo-admin",
                              {"year": "๒๕๖๙", "last_number": "๕๐๐"})
    assert status == 201 and opened["next_number"] == 501, opened

    def create(i):
        return live.api("POST", "/documents", "demo-clerk", {
            "number": f"ทดสอบต่อ {i}/๒๕๖๙", "date": "2026-11-01",
            "subject": f"เรื่องทดสอบต่อจากสมุดที่ {i}", "sender": "กรมทดสอบ"})

    with ThreadPoolExecutor(16) as pool:
        created = list(pool.map(create, range(130)))
    assert all(status == 201 for status, _ in created), created[:3]
    ids = [body["id"] for _, body in created]
    # 60 live, 40 paper stamps 461..480 each on two documents, 10 above the paper book's
    jobs = [("live", d, None) for d in ids[:60]]
    jobs += [("paper", d, 461 + i % 20) for i, d in enumerate(ids[60:100])]
    jobs += [("above", d, 501 + i) for i, d in enumerate(ids[100:110])]
    jobs += [("live", d, None) for d in ids[110:130]]
    random.Random(7).shuffle(jobs)

    def register_one(job):
        kind, doc, number = job
        body = {"document_id": doc}
        if number is not None:
            body |= {"number": number, "date": "2026-11-02"}
        return job, live.api("POST", f"/registers/{register['id']}/receipts", "demo-clerk", body)

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(register_one, jobs))
    unexpected = [(job, status, body) for job, (status, body) in results
                  if status not in (201, 409)]
    assert unexpected == [], live.errors()[:2]
    by_kind: dict[str, list] = {"live": [], "paper": [], "above": []}
    for (kind, _, _), (status, body) in results:
        by_kind[kind].append((status, body))
    assert sorted(b["number"] for s, b in by_kind["live"] if s == 201) == list(range(501, 581))
    assert all(s == 201 for s, _ in by_kind["live"])
    paper_ok = sorted(b["number"] for s, b in by_kind["paper"] if s == 201)
    assert paper_ok == list(range(461, 481))  # each paper number once, the twin refused
    assert all(s == 409 for s, _ in by_kind["above"])
    assert all("สูงกว่าเลขสุดท้าย" in b["error"]["message_th"] for _, b in by_kind["above"])

    status, entries = live.api(
        "GET", f"/registers/{register['id']}/entries?year=2026&per_page=500", "demo-clerk")
    assert entries["total"] == 100
    assert sorted(e["number"] for e in entries["items"]) == [*range(461, 481), *range(501, 581)]
    status, body = create(999)
    status, receipt = live.api("POST", f"/registers/{register['id']}/receipts", "demo-clerk",
                               {"document_id": body["id"]})
    assert status == 201 and receipt["number"] == 581
