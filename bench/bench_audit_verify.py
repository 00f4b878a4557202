"""Benchmark: ``saraban audit verify`` on 100,000 documents with their receipts.

Builds a fresh installation (SQLite by default, or an empty PostgreSQL database made on the
server given), inserts N documents and N receipts in bulk, and one audit event per
document carrying the digests of its document and receipt rows, chained and with a keyed
head, as ``receipt.register`` writes them. Then times verify (the chain walk, then every
record's digest recomputed and compared), and beside it the raw database cost of reading
the same rows (every audit event, and the digested columns of every record).

    .venv/bin/python bench/bench_audit_verify.py                      # SQLite, 100,000
    .venv/bin/python bench/bench_audit_verify.py --rows 20000
    .venv/bin/python bench/bench_audit_verify.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BATCH = 5000


def build(rows: int) -> None:
    from saraban.audit import records
    from saraban.audit.keys import installation_key
    from saraban.audit.models import AuditEvent, AuditHead
    from saraban.audit.operations import GENESIS, _content_hash, head_mac
    from saraban.documents.models import Document
    from saraban.extensions import db
    from saraban.registers.models import Receipt, Register
    from saraban.units.models import Unit

    unit = Unit(short_name="บก.ทดสอบ", name_th="กองทดสอบ", doc_code="๐๐๐๑")
    db.session.add(unit)
    db.session.flush()
    register = Register(unit_id=unit.id, kind="receipt", code="R", name="ทะเบียนรับ")
    db.session.add(register)
    db.session.commit()
    conn = db.session.connection()
    kinds = records.kinds()
    key = installation_key()
    start = dt.datetime(2026, 1, 1, 1, tzinfo=dt.UTC)
    previous, event_id = GENESIS, None
    for first in range(1, rows + 1, BATCH):
        ids = range(first, min(first + BATCH, rows + 1))
        conn.execute(Document.__table__.insert(), [
            {"id": i, "kind": "external", "number": f"กข ๐๐{i}/๒๕๖๙", "number_norm": f"0{i}",
             "doc_date": dt.date(2026, 1, 1), "subject": f"ขอเชิญประชุมเรื่องที่ {i}",
             "urgency": 0, "secrecy": 0, "status": "registered", "keep_forever": False,
             "created_at": start} for i in ids])
        conn.execute(Receipt.__table__.insert(), [
            {"id": i, "register_id": register.id, "document_id": i, "year": 2026, "number": i,
             "mode": "live", "status": "active", "received_at": start + dt.timedelta(minutes=i),
             "time_known": True, "created_at": start} for i in ids])
        docs = dict(records.current_digests(conn, kinds["document"], ids))
        receipts = dict(records.current_digests(conn, kinds["receipt"], ids))
        events = []
        for i in ids:
            event = {"occurred_at": start + dt.timedelta(minutes=i), "user_id": None,
                     "remote_addr": None, "action": "receipt.register",
                     "object_type": "Receipt", "object_id": i, "document_id": i,
                     "unit_id": unit.id, "details": {"number": i},
                     "record_digests": {f"document:{i}": docs[i], f"receipt:{i}": receipts[i]},
                     "prev_hash": previous}
            event["hash"] = previous = _content_hash(event, previous)
            events.append(event)
        conn.execute(AuditEvent.__table__.insert(), events)
        event_id = conn.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    db.session.merge(AuditHead(id=1, hash=previous, last_event_id=event_id,
                               mac=head_mac(key, event_id, previous)))
    db.session.commit()


def raw_read_seconds() -> float:
    """Reading every audit event and the digested columns of every record, no work."""
    from saraban.audit import records
    from saraban.audit.models import AuditEvent
    from saraban.extensions import db

    started = time.perf_counter()
    with db.engine.connect() as conn:
        queries = [select(AuditEvent.__table__).order_by(AuditEvent.id)] + [
            select(k.table.c.id, *k.columns).order_by(k.table.c.id)
            for k in records.kinds().values()]
        for query in queries:
            result = conn.execute(query, execution_options={"yield_per": BATCH})
            for _part in result.partitions():
                pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="a PostgreSQL server: a throwaway database "
                        "is made on it and dropped at the end")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from saraban import create_app
    from saraban.audit.chain import verify_chain
    from saraban.audit.records import verify_records
    from saraban.extensions import db

    work = Path(tempfile.mkdtemp(prefix="bench-audit-"))
    pg_name = None
    if args.database_url:
        server = make_url(args.database_url)
        pg_name = f"saraban_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{pg_name}" ENCODING \'UTF8\' '
                              "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"))
        url = server.set(database=pg_name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{work / 'bench.sqlite3'}"
    app = create_app({"ENV": "testing", "SECRET_KEY": uuid.uuid4().hex,
                      "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(work / "data")})
    try:
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            build(args.rows)
            print(f"built {args.rows:,} documents, receipts and audit events in "
                  f"{time.perf_counter() - started:.1f} s ({db.engine.dialect.name})")
            raw = raw_read_seconds()
            started = time.perf_counter()
            digests: dict = {}
            chain = verify_chain(digests=digests)
            chain_s = time.perf_counter() - started
            rec = verify_records(db.session.connection(), digests)
            total = time.perf_counter() - started
            assert chain.ok and rec.ok, (chain.message_en, rec.named())
            rows = chain.events + rec.rows
            per = 100_000 / rows
            print(f"verify: {chain.events:,} events and {rec.rows:,} records intact in "
                  f"{total:.2f} s (chain {chain_s:.2f} s, records {rec.seconds:.2f} s)")
            print(f"  = {total * per:.2f} s per 100,000 rows read "
                  f"({total * 100_000 / args.rows:.2f} s per 100,000 documents with receipts)")
            import resource

            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"peak memory of this process: {peak:.0f} MB (the last digest of every "
                  "record is held while the rows are read)")
            print(f"raw database read of the same rows: {raw:.2f} s "
                  f"({raw * per:.2f} s per 100,000 rows); verify costs {total / raw:.1f}x it")
            db.session.remove()
            db.engine.dispose()
    finally:
        if pg_name:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
