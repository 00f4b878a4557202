"""Benchmark: the server time of each main page, as each demo user, and the SQL it runs.

Builds a database through the real migrations with the sample chain (a SQLite file in a
temporary folder, or a new database on the PostgreSQL server named by --database-url,
created with the C.UTF-8 collation and dropped at the end), optionally adds --documents
synthetic documents that each crossed --hops desks (received and forwarded; searchable),
then logs in each demo user through the login form of an in-process application (Flask's
test client) and requests every main page: median and p95 server time after a warm-up,
and the number of SQL statements the page ran (a ``before_cursor_execute`` count), so a
page whose queries grow with the data (N+1) shows. "—" marks a page the role may not open.
The rare search word is "รัฐบาลดิจิทัล" (the sample chain), the common one "ทดสอบ" (in every
synthetic document).

    .venv/bin/python bench/bench_pages.py
    .venv/bin/python bench/bench_pages.py --documents 100000
    .venv/bin/python bench/bench_pages.py --documents 100000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.bench_documents import build, progress, sample_app  # noqa: E402
from tests.querycount import count_queries  # noqa: E402

USERS = ["demo-clerk", "demo-commander", "demo-staff", "demo-admin"]
SLOW_MS = 200.0


def index_generated(quiet: bool) -> None:
    """Search rows for the synthetic documents (bench_documents.build writes none)."""
    from saraban.extensions import db
    from saraban.models import Document, SearchText
    from saraban.search.text import normalize

    missing = (select(Document.id, Document.number, Document.subject)
               .where(~Document.id.in_(select(SearchText.document_id))).order_by(Document.id))
    rows = db.session.execute(missing).all()
    with progress(range(0, len(rows), 5000), label="ดัชนีค้นหาของหนังสือทดสอบ",
                  quiet=quiet) as bar:
        for start in bar:
            db.session.execute(insert(SearchText), [
                {"document_id": i, "content": normalize(f"{number or ''}\n{subject}")}
                for i, number, subject in rows[start:start + 5000]])
            db.session.commit()


def demo_passwords(app) -> dict[str, str]:
    """The demo logins load_samples wrote beside the data (a fresh, throwaway database)."""
    text_ = (Path(app.config["DATA_DIR"]) / "demo-logins.txt").read_text(encoding="utf-8")
    return dict(re.findall(r"^\s+(demo-\S+)\s+(\S+)$", text_, re.M))


def log_in(client, username: str, password: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    response = client.post("/login", data={"csrf_token": token.group(1) if token else "",
                                           "username": username, "password": password})
    assert response.status_code == 302, (username, response.status_code)


def first_link(client, path: str, pattern: str) -> str | None:
    found = re.search(pattern, client.get(path).get_data(as_text=True))
    return found.group(0).rstrip('"') if found else None


def pages_for(client) -> list[tuple[str, str | None]]:
    doc = (first_link(client, "/documents/?number=" + quote("ว4099"), r"/documents/\d+\"")
           or first_link(client, "/documents/", r"/documents/\d+\""))
    return [
        ("home", "/"),
        ("search, a rare word", "/documents/?q=" + quote("รัฐบาลดิจิทัล")),
        ("search, a common word", "/documents/?q=" + quote("ทดสอบ")),
        ("documents list", "/documents/"),
        ("document page", doc),
        ("receive form", "/receive"),
        ("send form", "/send"),
        ("inbox", "/inbox"),
        ("registers", "/registers"),
        ("one register", first_link(client, "/registers", r"/registers/\d+\"")),
        ("desk", "/desk"),
        ("tasks", "/tasks"),
        ("pendency report", "/reports/pendency"),
        ("records", "/records/"),
        ("audit", "/audit/"),
        ("delegations", "/delegations"),
        ("404 page", "/documents/999999999"),
    ]


def measure(client, engine, path: str, repeat: int, budget: float):
    """(status, queries, median ms, p95 ms, runs) of one page; None when refused."""
    first = client.get(path)
    if first.status_code in (403, 302):
        return None
    for _ in range(2):  # warm-up: templates compiled, caches filled
        client.get(path)
    with count_queries(engine) as counted:
        response = client.get(path)
    samples: list[float] = []
    started = time.perf_counter()
    while len(samples) < repeat and (len(samples) < 5 or time.perf_counter() - started < budget):
        t0 = time.perf_counter()
        client.get(path)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p95 = samples[max(0, int(round(len(samples) * 0.95)) - 1)]
    return response.status_code, counted.count, statistics.median(samples), p95, len(samples)


def run(app, url: str, args) -> None:
    from saraban.extensions import db

    with app.app_context():
        if args.documents:
            build(app, args.documents, args.hops, quiet=args.quiet)
            index_generated(args.quiet)
        if db.engine.dialect.name == "postgresql":
            # planner statistics, as autovacuum would have them on a settled database: right
            # after a bulk load a common search word took minutes on a plan made without them
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        totals = {name: db.session.scalar(text(f"SELECT count(*) FROM {name}"))
                  for name in ("document", "receipt", "transfer")}
        engine = db.engine
        db.session.remove()
    passwords = demo_passwords(app)

    results: dict[str, dict[str, tuple | None]] = {}
    order: list[str] = []
    for username in USERS:
        client = app.test_client()
        log_in(client, username, passwords[username])
        for name, path in pages_for(client):
            if name not in order:
                order.append(name)
            if path is None:
                results.setdefault(name, {})[username] = None
                continue
            results.setdefault(name, {})[username] = measure(
                client, engine, path, args.repeat, args.budget)
            if not args.quiet and sys.stderr.isatty():
                print(f"  {username:15} {name}", file=sys.stderr)

    engine_name = make_url(url).get_backend_name()
    print(f"\nSaraban page benchmark — {engine_name}, {totals['document']:,} documents, "
          f"{totals['receipt']:,} receipts, {totals['transfer']:,} transfers; "
          f"median / p95 ms (SQL statements), {args.repeat} runs after a warm-up")
    width = 28
    print(f"{'page':{width}}" + "".join(f"{u.removeprefix('demo-'):>26}" for u in USERS))
    slow = []
    for name in order:
        cells = []
        for username in USERS:
            found = results[name].get(username)
            if found is None:
                cells.append(f"{'—':>26}")
                continue
            status, queries, median, p95, runs = found
            mark = "*" if median > SLOW_MS else " "
            if median > SLOW_MS:
                slow.append(f"{name} as {username}: {median:.0f} ms")
            note = f"{median:.1f} / {p95:.1f} ({queries}){mark}"
            cells.append(f"{note:>26}")
        print(f"{name:{width}}" + "".join(cells))
    if slow:
        print(f"\n* slower than {SLOW_MS:.0f} ms: " + "; ".join(slow))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=0,
                        help="synthetic documents to add to the samples (e.g. 100000)")
    parser.add_argument("--hops", type=int, default=4, help="desks each document crosses")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    parser.add_argument("--budget", type=float, default=8.0,
                        help="seconds per page at most (at least 5 runs)")
    parser.add_argument("--database-url",
                        help="a PostgreSQL server; a new database is made on it and dropped")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args()

    if not args.database_url:
        app, url = sample_app(None)
        run(app, url, args)
        return
    server = make_url(args.database_url).set(drivername="postgresql+psycopg")
    name = f"saraban_bench_pages_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0 "
                          "LC_CTYPE 'C.UTF-8' LC_COLLATE 'C.UTF-8'"))
    try:
        app, url = sample_app(server.set(database=name).render_as_string(hide_password=False))
        run(app, url, args)
        with app.app_context():
            from saraban.extensions import db

            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
