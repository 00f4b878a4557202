"""Benchmark: a page that reads but writes (the view of a secret document, an audit event)
under concurrent readers, on a real gunicorn over SQLite (or --database-url).

Each GET /documents/<id> of a secret document appends a ``document.view`` event: it takes
the audit chain's head (and SQLite's write lock), held until the request's commit. Writing
first and committing at the boundary would hold that lock for the whole rendering of the
page; the pages render first and write last (saraban/pages.py). This measures the page's
time alone and with --readers readers at once, as demo-admin (clearance 3), on the sample
document with the longest history, made secret for the measurement.

    .venv/bin/python bench/bench_reads_that_write.py              # this tree
    .venv/bin/python bench/bench_reads_that_write.py --tree /work/main
    .venv/bin/python bench/bench_reads_that_write.py --held     # in process, SQLite

``--held`` measures instead, in process (Flask's test client, a SQLite file, the samples),
how long each GET of the page holds SQLite's write lock: from its first write to its
commit, the time every other writer waits. It does not depend on how busy the machine is
the way the pages' times do.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text

HERE = Path(__file__).resolve().parent.parent
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _browser(base: str, username: str, password: str):
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(base + "/login", timeout=60) as page:
        token = _TOKEN.search(page.read().decode()).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password,
                                   "csrf_token": token}).encode()
    with opener.open(base + "/login", data, timeout=60) as answer:
        assert "/login" not in answer.geturl(), "the login failed"
    return opener


def _get(opener, url: str) -> float:
    start = time.perf_counter()
    with opener.open(url, timeout=120) as answer:
        answer.read()
        assert answer.status == 200
    return (time.perf_counter() - start) * 1000


def held(tree: str, rounds: int) -> None:
    """The write lock's time per GET /documents/<id> of a secret document, in process."""
    sys.path.insert(0, tree)
    from flask_migrate import upgrade
    from sqlalchemy import event

    from saraban import create_app
    from saraban.extensions import db
    from saraban.samples.loader import load_samples

    root = Path(tempfile.mkdtemp())
    app = create_app({"ENV": "testing", "SECRET_KEY": "bench-" + os.urandom(8).hex(),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'saraban.sqlite3'}",
                      "DATA_DIR": str(root / "data"), "SYSADMIN_TOTP": False,
                      "WTF_CSRF_ENABLED": False, "FILE_KEYS_DIR": str(root / "keys")})
    with app.app_context():
        upgrade()
        logins = dict(load_samples().new_logins)
        doc = db.session.execute(text(
            "SELECT document_id FROM transfer GROUP BY document_id "
            "ORDER BY count(*) DESC, document_id LIMIT 1")).scalar_one()
        db.session.execute(text(
            "UPDATE document SET secrecy = 1, created_by_id = "
            "(SELECT id FROM user_account WHERE username = 'demo-admin') WHERE id = :d"),
            {"d": doc})
        db.session.commit()
        engine = db.engine
    since: dict[int, float] = {}
    times: list[float] = []

    @event.listens_for(engine, "before_cursor_execute")
    def _writes(conn, cursor, statement, *_):  # SQLite's lock: from the first write on
        if statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            since.setdefault(id(conn.connection.dbapi_connection), time.perf_counter())

    def _ended(conn):
        began = since.pop(id(conn.connection.dbapi_connection), None)
        if began is not None:
            times.append((time.perf_counter() - began) * 1000)

    event.listen(engine, "commit", _ended)
    event.listen(engine, "rollback", _ended)
    client = app.test_client()
    answer = client.post("/login", data={"username": "demo-admin",
                                         "password": logins["demo-admin"]})
    assert answer.status_code == 302, answer.status_code
    for _ in range(5):
        assert client.get(f"/documents/{doc}").status_code == 200
    times.clear()
    pages = []
    for _ in range(rounds):
        start = time.perf_counter()
        assert client.get(f"/documents/{doc}").status_code == 200
        pages.append((time.perf_counter() - start) * 1000)
    print(f"tree {tree}: GET /documents/{doc} (secret) {statistics.median(pages):.1f} ms "
          f"median; SQLite's write lock held {statistics.median(times):.1f} ms median, "
          f"{max(times):.1f} ms at most, over {len(times)} writes in {rounds} pages")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", default=str(HERE), help="the source tree the server runs")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=40, help="requests per reader")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--held", action="store_true",
                        help="measure the write lock's time per page, in process")
    args = parser.parse_args()
    if args.held:
        held(args.tree, args.rounds)
        return

    os.environ["PYTHONPATH"] = args.tree
    sys.path.insert(0, str(HERE))
    from tests.servers import start_server

    with tempfile.TemporaryDirectory() as root:
        server = start_server(Path(root), args.database_url, workers=args.workers)
        try:
            engine = create_engine(server.env["SARABAN_DATABASE_URL"])
            with engine.begin() as conn:
                doc = conn.execute(text(
                    "SELECT document_id FROM transfer GROUP BY document_id "
                    "ORDER BY count(*) DESC, document_id LIMIT 1")).scalar_one()
                admin = conn.execute(text(
                    "SELECT id FROM user_account WHERE username = 'demo-admin'")).scalar_one()
                conn.execute(text("UPDATE document SET secrecy = 1, created_by_id = :u "
                                  "WHERE id = :d"), {"u": admin, "d": doc})
            url = f"{server.base}/documents/{doc}"
            openers = [_browser(server.base, "demo-admin", server.logins["demo-admin"])
                       for _ in range(args.readers)]
            for _ in range(5):  # warm-up
                _get(openers[0], url)
            alone = [_get(openers[0], url) for _ in range(args.rounds)]
            start = threading.Barrier(args.readers)

            def reader(i: int) -> list[float]:
                start.wait()
                return [_get(openers[i], url) for _ in range(args.rounds)]

            began = time.perf_counter()
            with ThreadPoolExecutor(args.readers) as pool:
                together = [t for times in pool.map(reader, range(args.readers)) for t in times]
            wall = time.perf_counter() - began
            with engine.connect() as conn:
                views = conn.execute(text(
                    "SELECT count(*) FROM audit_event WHERE action = 'document.view' "
                    "AND document_id = :d"), {"d": doc}).scalar_one()
            engine.dispose()
            errors = server.errors()
        finally:
            server.stop()

    def p95(values):
        return sorted(values)[int(len(values) * 0.95) - 1]

    print(f"tree {args.tree}, {args.workers} workers, document {doc} (secret), "
          f"{'SQLite' if not args.database_url else args.database_url.split(':')[0]}")
    print(f"  alone:       median {statistics.median(alone):6.1f} ms, p95 {p95(alone):6.1f} ms")
    print(f"  {args.readers} readers:   median {statistics.median(together):6.1f} ms, "
          f"p95 {p95(together):6.1f} ms, {len(together) / wall:5.1f} pages/s")
    print(f"  view events written: {views} ({5 + args.rounds * (1 + args.readers)} pages, "
          f"and the home page after each login)")
    if errors:
        print(f"  server errors: {len(errors)}")


if __name__ == "__main__":
    main()
