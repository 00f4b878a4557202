"""Benchmark: the commander's desk — his inbox, his tasks, a memo's minutes, signing.

Builds a database through the real migrations (SQLite in a temporary folder by default, or
the empty PostgreSQL database named by --database-url) with the sample chain, then adds
synthetic proposals to the demo commander's office, half of them already endorsed with an
order to สงป., and one memo carrying many minutes. Times the API beside the nearest raw SQL,
counts the queries of each call, and times writing and signing endorsements.

    .venv/bin/python bench/bench_desk.py --proposals 20000
    .venv/bin/python bench/bench_desk.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

import click
from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_documents import sample_app, timed  # noqa: E402
from tests.querycount import count_queries  # noqa: E402


def build(proposals: int, minutes: int) -> int:
    """Synthetic proposals; gives the id of the memo with ``minutes`` signed minutes."""
    from saraban.endorsements.models import Endorsement, EndorsementLine, Order
    from saraban.extensions import db
    from saraban.models import Document, Unit
    from saraban.routing.models import Transfer
    from saraban.thaidate import BANGKOK
    from saraban.units.models import Person

    units = dict(db.session.execute(select(Unit.short_name, Unit.id)).all())
    office, ict, budget = units["สง.ผู้ช่วย ผบ.ตร.(ปร ๓)"], units["สทส."], units["สงป."]
    piya = db.session.scalar(select(Person.id).where(Person.first_name == "ปิยะ"))
    start = dt.datetime(2025, 1, 2, 8, 30, tzinfo=BANGKOK)
    first = (db.session.scalar(select(db.func.max(Document.id))) or 0) + 1
    next_endorsement = (db.session.scalar(select(db.func.max(Endorsement.id))) or 0) + 1
    batch = 2000
    with click.progressbar(range(0, proposals, batch), label="สร้างหนังสือเสนอ") as bar:
        for offset in bar:
            count = min(batch, proposals - offset)
            docs, transfers, endorsements, lines, orders = [], [], [], [], []
            for i in range(count):
                n = offset + i
                at = start + dt.timedelta(minutes=10 * n)
                doc_id = first + n
                docs.append({"id": doc_id, "kind": "internal", "subject": f"บันทึกเสนอเรื่องที่ {n}",
                             "number": f"0033.12/{n}", "number_norm": f"0033.12/{n}",
                             "doc_date": at.date(), "urgency": n % 4, "secrecy": 0,
                             "status": "registered", "origin_unit_id": ict,
                             "body": "ข้อเท็จจริง ... ข้อพิจารณา ... จึงเรียนมาเพื่อโปรดพิจารณา",
                             "created_at": at})
                transfers.append({"document_id": doc_id, "kind": "propose",
                                  "purpose": "consider", "from_unit_id": ict,
                                  "to_unit_id": office, "status": "recorded", "sent_at": at,
                                  "sent_time_known": True, "created_at": at})
                if n % 2:  # every other one endorsed, with an order to สงป.
                    eid = next_endorsement
                    next_endorsement += 1
                    signed = at + dt.timedelta(hours=20)
                    endorsements.append({
                        "id": eid, "document_id": doc_id, "unit_id": office, "signer_id": piya,
                        "signature_text": "ผู้ช่วย ผบ.ตร.", "status": "signed",
                        "signed_at": signed, "time_known": True, "created_at": signed})
                    lines.append({"endorsement_id": eid, "position": 0, "text": "ทราบ"})
                    orders.append({"endorsement_id": eid, "to_unit_id": budget,
                                   "instruction": "ดำเนินการ", "status": "open",
                                   "due_date": (signed + dt.timedelta(days=15)).date(),
                                   "created_at": signed})
            db.session.execute(insert(Document), docs)
            db.session.execute(insert(Transfer), transfers)
            if endorsements:
                db.session.execute(insert(Endorsement), endorsements)
                db.session.execute(insert(EndorsementLine), lines)
                db.session.execute(insert(Order), orders)
            db.session.commit()
    if db.engine.dialect.name == "postgresql":  # ids were given: move the sequences on
        for table in ("document", "endorsement"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT max(id) FROM {table}))"))
    memo = first  # the first proposal gets many minutes
    for k in range(minutes):
        e = Endorsement(document_id=memo, unit_id=office, signer_id=piya,
                        signature_text="ผู้ช่วย ผบ.ตร.", status="signed",
                        signed_at=start + dt.timedelta(days=1, minutes=k))
        e.lines = [EndorsementLine(position=j, text=f"ข้อ {j} ของบันทึกที่ {k}")
                   for j in range(3)]
        db.session.add(e)
    db.session.commit()
    return memo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=20000)
    parser.add_argument("--minutes", type=int, default=30, help="minutes on one memo")
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from saraban.accounts.models import User
    from saraban.accounts.operations import create_token
    from saraban.extensions import db

    app, url = sample_app(args.database_url)
    with app.app_context():
        memo = build(args.proposals, args.minutes)
        users = {u.username: u for u in db.session.scalars(select(User))}
        tokens = {name: create_token(users[name], "bench")
                  for name in ("demo-commander", "demo-staff", "demo-clerk")}
        office, budget = (db.session.scalar(
            text("SELECT id FROM unit WHERE short_name = :n"), {"n": name})
            for name in ("สง.ผู้ช่วย ผบ.ตร.(ปร ๓)", "สงป."))
        db.session.commit()
        engine = db.engine
        db.session.remove()

    client = app.test_client()

    def api(path, user="demo-commander", method="GET", body=None, status=200):
        def call():
            response = client.open(path, method=method, json=body,
                                   headers={"Authorization": f"Bearer {tokens[user]}"})
            assert response.status_code == status, (response.status_code, response.data[:300])
            return response
        return call

    def raw(sql, **params):
        def call():
            with engine.connect() as conn:
                conn.execute(text(sql), params).fetchall()
        return call

    waiting_sql = """
        SELECT t.id, d.subject FROM transfer t JOIN document d ON d.id = t.document_id
        WHERE t.kind = 'propose' AND t.to_unit_id = :u AND t.status NOT IN ('recalled','returned')
          AND NOT EXISTS (SELECT 1 FROM endorsement e WHERE e.document_id = t.document_id
                          AND e.unit_id = t.to_unit_id AND e.status = 'signed'
                          AND e.signed_at >= t.sent_at)
        ORDER BY d.urgency DESC, t.sent_at DESC, t.id DESC LIMIT 200"""
    cases = [
        ("API proposals waiting (commander's inbox, 200)", api("/api/v1/proposals?waiting=1"),
         raw(waiting_sql, u=office)),
        ("API orders given and open (commander)", api("/api/v1/orders?given=1"),
         raw("SELECT * FROM work_order WHERE status = 'open' ORDER BY due_date LIMIT 200")),
        ("API tasks of สงป. (staff)", api("/api/v1/orders", "demo-staff"),
         raw("SELECT * FROM work_order WHERE status = 'open' ORDER BY due_date LIMIT 200")),
        (f"API endorsements of a memo with {args.minutes} minutes",
         api(f"/api/v1/documents/{memo}/endorsements"),
         raw("SELECT * FROM endorsement_line l JOIN endorsement e ON e.id = l.endorsement_id "
             "WHERE e.document_id = :d", d=memo)),
        (f"API endorsement sheet PDF ({args.minutes} minutes)",
         api(f"/api/v1/documents/{memo}/endorsement-sheet.pdf"),
         raw("SELECT * FROM endorsement WHERE document_id = :d", d=memo)),
    ]
    rows = []
    for name, fn, raw_fn in cases:
        with app.app_context(), count_queries(engine) as counted:
            fn()
        repeat = max(5, args.repeat // 10) if "PDF" in name else args.repeat
        median, p95 = timed(fn, repeat)
        raw_median, _ = timed(raw_fn, repeat)
        rows.append((name, counted.count, median, p95, raw_median))

    # writing: draft and sign in one request, on memos still waiting (the even ones)
    with app.app_context():
        waiting = [r[0] for r in db.session.execute(text(
            "SELECT document_id FROM transfer WHERE kind = 'propose' AND to_unit_id = :u "
            "ORDER BY id LIMIT :n"), {"u": office, "n": 2 * args.repeat}) if r[0] != memo]
        db.session.remove()
    targets = [d for d in waiting if (d - waiting[0]) % 2 == 0][:args.repeat]
    t0 = time.perf_counter()
    for doc_id in targets:
        api(f"/api/v1/documents/{doc_id}/endorsements", method="POST", status=201,
            body={"lines": ["ทราบ", "อนุมัติ"], "sign": True,
                  "orders": [{"to_unit": budget, "instruction": "ดำเนินการ"}]})()
    signing = (time.perf_counter() - t0) * 1000 / max(1, len(targets))

    engine_name = url.split(":", 1)[0]
    print(f"\nSaraban desk benchmark — {engine_name}, {args.proposals:,} synthetic proposals "
          f"(half endorsed, with orders), {args.repeat} runs each")
    print(f"{'case':52} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'raw SQL ms':>11}")
    for name, queries, median, p95, raw_median in rows:
        print(f"{name:52} {queries:>7} {median:>10.2f} {p95:>8.2f} {raw_median:>11.3f}")
    print(f"{'write and sign one endorsement with an order':52} {'':>7} {signing:>10.2f}")


if __name__ == "__main__":
    main()
