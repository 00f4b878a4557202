"""Benchmark: Thai search over a large corpus, and the history of a document with 100 hops.

Builds a database through the real migrations (SQLite in a temporary folder by default, or
the empty PostgreSQL database named by --database-url), fills it with synthetic Thai
documents (number, subject, sender, addressee, body; their search text made by the same
normalisation the application uses), then reports p50/p95 latency of searches through
the application's API (in process, WSGI) beside the raw SQL query alone, and the history
API of one document that crossed 100 desks.

    .venv/bin/python bench/bench_search.py --documents 100000
    .venv/bin/python bench/bench_search.py --documents 1000000 --database-url postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path

import click
from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_documents import sample_app, timed  # noqa: E402
from tests.querycount import count_queries  # noqa: E402

ACTIONS = ["ขอเชิญประชุม", "ขอความร่วมมือ", "ขอส่งรายงาน", "แจ้งผลการ", "ขออนุมัติ",
           "ขอความอนุเคราะห์", "ขอเชิญเข้าร่วม", "แจ้งกำหนดการ", "ขอให้ตรวจสอบ", "ขอยืนยัน"]
TOPICS = ["การพัฒนารัฐบาลดิจิทัล", "งบประมาณรายจ่ายประจำปี", "การจัดซื้อจัดจ้าง",
          "การฝึกอบรมเจ้าหน้าที่", "ระบบสารบรรณอิเล็กทรอนิกส์", "ความปลอดภัยไซเบอร์",
          "การตรวจราชการ", "แผนปฏิบัติราชการ", "การบริหารความเสี่ยง", "สวัสดิการข้าราชการ",
          "การประชาสัมพันธ์", "ข้อมูลส่วนบุคคล", "การป้องกันอุบัติภัย", "น้ำประปาและไฟฟ้า"]
SENDERS = ["กรมบัญชีกลาง", "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)", "สำนักงบประมาณ",
           "กระทรวงการคลัง", "สำนักงาน ก.พ.", "กรมการปกครอง", "สำนักงานตำรวจแห่งชาติ"]
RARE = "คำค้นหายากเป็นพิเศษ"  # in exactly 10 documents


def corpus(documents: int, first_id: int, units: list[int], rng: random.Random):
    """Rows for ``document`` and ``search_text``, 5,000 at a time."""
    from saraban.search.text import normalize
    from saraban.thaidate import to_thai_digits

    start = dt.date(2017, 1, 1)
    rare = set(rng.sample(range(documents), min(10, documents)))
    batch_docs, batch_text = [], []
    for i in range(documents):
        doc_id = first_id + i
        subject = (f"{rng.choice(ACTIONS)}{rng.choice(TOPICS)} "
                   f"ครั้งที่ {rng.randint(1, 12)}/{2560 + i % 10}")
        if i in rare:
            subject += f" {RARE}"
        prefix = rng.choice(["กค", "นร", "มท", "ตช"])
        number = f"{prefix} {rng.randint(1, 999):04d}.{rng.randint(1, 20)}/{i}"
        sender = rng.choice(SENDERS)
        body = f"ตามที่{rng.choice(TOPICS)} จึงเรียนมาเพื่อโปรดทราบและพิจารณาดำเนินการ"
        batch_docs.append({
            "id": doc_id, "kind": "external", "subject": subject, "number": to_thai_digits(number),
            "number_norm": number.replace(" ", "").lower(), "sender_text": sender,
            "addressee": "ผบ.ตร.", "body": body,
            "doc_date": start + dt.timedelta(days=i % 3600), "urgency": i % 4 if i % 7 == 0 else 0,
            "secrecy": 0, "status": "registered", "origin_unit_id": units[i % len(units)],
            "created_at": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)})
        batch_text.append({"document_id": doc_id,
                           "content": normalize("\n".join((number, subject, body, sender,
                                                           "ผบ.ตร.")))})
        if len(batch_docs) == 5000:
            yield batch_docs, batch_text
            batch_docs, batch_text = [], []
    if batch_docs:
        yield batch_docs, batch_text


def build(documents: int) -> None:
    from saraban.extensions import db
    from saraban.models import Document, SearchText, Unit

    units = list(db.session.scalars(select(Unit.id).order_by(Unit.id)))
    first_id = (db.session.scalar(select(db.func.max(Document.id))) or 0) + 1
    rng = random.Random(11)
    with click.progressbar(length=documents, label="สร้างหนังสือทดสอบ") as bar:
        for docs, texts in corpus(documents, first_id, units, rng):
            db.session.execute(insert(Document), docs)
            db.session.execute(insert(SearchText), texts)
            db.session.commit()
            bar.update(len(docs))
    if db.session.get_bind().dialect.name == "postgresql":  # ids were given explicitly
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('document', 'id'), "
                                "(SELECT max(id) FROM document))"))
        db.session.commit()


def long_trail(hops: int) -> int:
    """One document received and forwarded at ``hops`` desks."""
    from saraban.extensions import db
    from saraban.models import Document, Receipt, Register, Transfer, Unit
    from saraban.thaidate import BANGKOK

    units = list(db.session.scalars(select(Unit.id).order_by(Unit.id)))
    registers = [Register(unit_id=units[i % len(units)], kind="receipt", code=f"bench-{i}",
                          name=f"ทะเบียนทดสอบ {i}") for i in range(hops)]
    db.session.add_all(registers)
    doc = Document(kind="internal", subject="หนังสือที่ผ่านหนึ่งร้อยโต๊ะ", number="ทดสอบ ๑๐๐/๒๕๖๙",
                   doc_date=dt.date(2026, 1, 5), status="registered")
    db.session.add(doc)
    db.session.flush()
    at = dt.datetime(2026, 1, 5, 9, 0, tzinfo=BANGKOK)
    for i in range(hops):
        register = registers[i % len(registers)]
        at += dt.timedelta(hours=2)
        db.session.add(Receipt(register_id=register.id, document_id=doc.id, year=at.year,
                               number=1, received_at=at, time_known=True, mode="historic"))
        db.session.add(Transfer(document_id=doc.id, kind="forward", purpose="act",
                                from_unit_id=register.unit_id,
                                to_unit_id=registers[(i + 1) % len(registers)].unit_id,
                                status="recorded", sent_at=at + dt.timedelta(hours=1),
                                sent_time_known=True))
    db.session.commit()
    return doc.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from saraban.accounts.models import User
    from saraban.accounts.operations import create_token
    from saraban.extensions import db

    app, url = sample_app(args.database_url)
    with app.app_context():
        build(args.documents)
        trail = long_trail(100)
        if url.startswith("postgresql"):
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        users = {u.username: u for u in db.session.scalars(select(User))}
        tokens = {name: create_token(users[name], "bench") for name in ("demo-admin",
                                                                        "demo-clerk")}
        db.session.commit()
        total = db.session.scalar(text("SELECT count(*) FROM document"))
        engine = db.engine
        db.session.remove()

    client = app.test_client()

    def api(path, user="demo-admin"):
        def call():
            response = client.get(path, headers={"Authorization": f"Bearer {tokens[user]}"})
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return call

    def raw(path, user):
        """The SQL the API call runs (captured once), replayed bare on one connection:
        the database's own cost of the same answer."""
        with count_queries(engine) as queries:
            api(path, user)()
        captured = queries.statements

        def call():
            connection = engine.raw_connection()
            try:
                cursor = connection.cursor()
                for statement, parameters in captured:
                    cursor.execute(statement, parameters)
                    cursor.fetchall()
            finally:
                connection.close()
        return call

    cases = [
        (f"rare phrase “{RARE}” (10 hits)", f"/api/v1/documents?q={RARE}", RARE),
        ("common word “งบประมาณ”", "/api/v1/documents?q=งบประมาณ", "งบประมาณ"),
        ("number typed in Arabic digits", "/api/v1/documents?q=0123.5/", "0123.5/"),
        ("two characters “ดี” (no index: a scan)", "/api/v1/documents?q=ดี", "ดี"),
        ("rare phrase, clerk (permissions in SQL)", f"/api/v1/documents?q={RARE}", RARE),
    ]
    rows = []
    for name, path, _q in cases:
        user = "demo-clerk" if "clerk" in name else "demo-admin"
        fn = api(path, user)
        median, p95 = timed(fn, args.repeat)
        raw_median, raw_p95 = timed(raw(path, user), args.repeat)
        rows.append((name, median, p95, raw_median, raw_p95))
    history = api(f"/api/v1/documents/{trail}/history")
    with app.app_context(), count_queries(engine) as counted:
        history()
    median, p95 = timed(history, args.repeat)
    rows.append((f"history of a document with 100 hops ({counted.count} queries)", median, p95,
                 float("nan"), float("nan")))

    engine_name = url.split(":", 1)[0]
    print(f"\nSaraban search benchmark — {engine_name}, {total:,} documents, "
          f"{args.repeat} runs each (ms)")
    print(f"{'case':52} {'API p50':>8} {'API p95':>8} {'raw p50':>8} {'raw p95':>8}")
    for name, median, p95, raw_median, raw_p95 in rows:
        print(f"{name:52} {median:>8.1f} {p95:>8.1f} {raw_median:>8.1f} {raw_p95:>8.1f}")


if __name__ == "__main__":
    main()
