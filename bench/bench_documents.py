"""Benchmark: what the document page, the history API and number lookup cost.

Builds a database through the real migrations (SQLite in a temporary folder by default, or
the PostgreSQL database named by --database-url, which must be empty), fills it with
synthetic documents that each cross several desks, then times the pages through the real
application and the nearest raw SQL beside them, and counts the queries each page runs.

    .venv/bin/python bench/bench_documents.py --documents 20000
    .venv/bin/python bench/bench_documents.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import click
from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.querycount import count_queries  # noqa: E402


def progress(iterable=None, *, length=None, label: str, quiet: bool = False):
    """A click progress bar on a terminal; nothing at all when output is not a TTY or
    with --quiet."""
    return click.progressbar(iterable, length=length, label=label,
                             hidden=quiet or not sys.stdout.isatty())


def build(app, documents: int, hops: int, quiet: bool = False) -> None:
    from saraban.extensions import db
    from saraban.models import Document, Receipt, Register, Transfer, Unit
    from saraban.thaidate import BANGKOK, to_thai_digits

    units = db.session.scalars(select(Unit).where(Unit.keeps_registers)).all()
    registers = {
        r.unit_id: r.id for r in db.session.scalars(
            select(Register).where(Register.kind == "receipt", Register.code == "main")
        )
    }
    units = [u for u in units if u.id in registers]
    rng = random.Random(7)
    start = dt.datetime(2024, 1, 2, 8, 30, tzinfo=BANGKOK)
    next_number = {u.id: 1000 for u in units}
    batch = 2000
    with progress(range(0, documents, batch), label="สร้างหนังสือทดสอบ", quiet=quiet) as bar:
        for offset in bar:
            count = min(batch, documents - offset)
            first_id = (db.session.scalar(select(db.func.max(Document.id))) or 0) + 1
            db.session.execute(insert(Document), [
                {"id": first_id + i, "kind": "external", "subject": f"เรื่องทดสอบที่ {offset + i}",
                 "number": to_thai_digits(f"0099.{i % 50}/{offset + i}"),
                 "number_norm": f"0099.{i % 50}/{offset + i}",
                 "doc_date": (start + dt.timedelta(minutes=offset + i)).date(),
                 "urgency": 0, "secrecy": 0, "status": "registered",
                 "origin_unit_id": rng.choice(units).id, "created_at": start}
                for i in range(count)
            ])
            receipts, transfers = [], []
            for i in range(count):
                at = start + dt.timedelta(minutes=offset + i)
                for unit in rng.sample(units, min(hops, len(units))):
                    next_number[unit.id] += 1
                    at += dt.timedelta(hours=3)
                    receipts.append({
                        "register_id": registers[unit.id], "document_id": first_id + i,
                        "year": at.year, "number": next_number[unit.id], "received_at": at,
                        "time_known": True, "mode": "live", "status": "active",
                        "created_at": at})
                    transfers.append({
                        "document_id": first_id + i, "kind": "forward", "purpose": "act",
                        "to_unit_id": unit.id, "status": "sent", "sent_at": at,
                        "sent_time_known": True, "created_at": at})
            db.session.execute(insert(Receipt), receipts)
            db.session.execute(insert(Transfer), transfers)
            db.session.commit()


def timed(fn, repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def sample_app(database_url: str | None):
    """An application on a new database (a SQLite file in a temporary folder, or the empty
    database named), migrated and holding the sample chain; gives it and its URL. The
    caller runs its own work inside ``app.app_context()``."""
    from flask_migrate import upgrade

    from saraban import create_app
    from saraban.samples.loader import load_samples

    tmp = Path(tempfile.mkdtemp(prefix="saraban-bench-"))
    url = database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    app = create_app({"ENV": "testing", "SECRET_KEY": "bench", "DATA_DIR": str(tmp),
                      "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        load_samples()
    return app, url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=20000)
    parser.add_argument("--hops", type=int, default=4, help="desks each document crosses")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--database-url")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args()

    from saraban.accounts.models import User
    from saraban.accounts.operations import create_token
    from saraban.extensions import db

    app, url = sample_app(args.database_url)
    with app.app_context():
        build(app, args.documents, args.hops, quiet=args.quiet)
        admin = db.session.scalar(select(User).where(User.username == "demo-admin"))
        clerk = db.session.scalar(select(User).where(User.username == "demo-clerk"))
        tokens = {u.username: create_token(u, "bench") for u in (admin, clerk)}
        db.session.commit()
        engine = db.engine
        doc_id = db.session.scalar(select(db.func.max(text("id"))).select_from(text("document")))
        total_docs = db.session.scalar(text("SELECT count(*) FROM document"))
        total_receipts = db.session.scalar(text("SELECT count(*) FROM receipt"))
        db.session.remove()

    client = app.test_client()
    rows = []

    def api(path, user="demo-admin"):
        def call():
            response = client.get(path, headers={"Authorization": f"Bearer {tokens[user]}"})
            assert response.status_code == 200, response.status_code
        return call

    def raw_visible(username):
        """The list's own two statements (count, page) through Core, without the app."""
        from saraban.documents.access import visible_filter
        from saraban.models import Document

        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == username))
            where = visible_filter(user)
            page = (select(Document.id).where(where)
                    .order_by(Document.doc_date.desc(), Document.id.desc()).limit(20))
            count = select(db.func.count()).select_from(select(Document.id).where(where).subquery())

        def call():
            with engine.connect() as conn:
                conn.execute(count).scalar()
                conn.execute(page).fetchall()
        return call

    def raw(sql, **params):
        def call():
            with engine.connect() as conn:
                conn.execute(text(sql), params).fetchall()
        return call

    cases = [
        ("API history of one document", api(f"/api/v1/documents/{doc_id}/history"),
         raw("SELECT * FROM receipt WHERE document_id = :d", d=doc_id)),
        ("API number lookup, Arabic digits", api(
            f"/api/v1/documents?number=0099.{(args.documents - 1) % 50}/{args.documents - 1}"),
         raw("SELECT * FROM document WHERE number_norm = :n",
             n=f"0099.{(args.documents - 1) % 50}/{args.documents - 1}")),
        ("API first page of the list (admin)", api("/api/v1/documents"),
         raw_visible("demo-admin")),
        ("API first page of the list (clerk, permissions in SQL)",
         api("/api/v1/documents", "demo-clerk"), raw_visible("demo-clerk")),
    ]
    for name, fn, raw_fn in cases:
        with app.app_context(), count_queries(engine) as counted:
            fn()
        queries = counted.count
        median, p95 = timed(fn, args.repeat)
        raw_median, _ = timed(raw_fn, args.repeat)
        rows.append((name, queries, median, p95, raw_median))

    engine_name = url.split(":", 1)[0]
    print(f"\nSaraban document benchmark — {engine_name}, {total_docs:,} documents, "
          f"{total_receipts:,} receipts, {args.repeat} runs each")
    print(f"{'case':58} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'raw SQL ms':>11}")
    for name, queries, median, p95, raw_median in rows:
        print(f"{name:58} {queries:>7} {median:>10.2f} {p95:>8.2f} {raw_median:>11.3f}")


if __name__ == "__main__":
    main()
