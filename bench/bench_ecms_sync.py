"""Benchmark: ``saraban ecms sync-codes`` with a large directory, through the fake e-CMS
(tests/ecms_node.py, a stand-in for DGA's service on loopback).

The real directory's size is unknown (SPEC.md §5.3 shows a few dozen of a few thousand government
units); this fetches N organisations plus the code lists, stores them, and does it again (a
re-sync replaces every row), on a fresh SQLite file or, with --database-url, PostgreSQL.

    .venv/bin/python bench/bench_ecms_sync.py                  # 5,000 organisations, SQLite
    .venv/bin/python bench/bench_ecms_sync.py --organizations 20000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_ecms
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from saraban.exchange.ecms.client import EcmsClient  # noqa: E402
from tests.ecms_node import ORG_1, FakeEcms  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=5000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from flask_migrate import upgrade

    from saraban import create_app
    from saraban.exchange.ecms.codes import sync_codes
    from saraban.extensions import db

    names = {f"{10 + i // 1000:02d}{i % 1000:03d}00000": f"หน่วยงานทดสอบที่ {i}"
             for i in range(args.organizations - 1)}
    names[ORG_1] = "หน่วยงานของเรา"
    node = FakeEcms(names).start()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.sqlite3"
        app = create_app({"ENV": "testing", "SECRET_KEY": "bench", "DATA_DIR": tmp,
                          "FILE_KEYS_DIR": f"{tmp}/keys", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            client = EcmsClient(node.url(ORG_1), ORG_1, read_timeout=120.0)
            for label in ("first sync", "re-sync"):
                started = time.perf_counter()
                report = sync_codes(client)
                seconds = time.perf_counter() - started
                orgs = report.counts["organizations"]
                codes = sum(report.counts.values()) - orgs
                print(f"{label}: {seconds:.2f} s for {orgs:,} organisations + {codes} codes "
                      f"({db.engine.dialect.name})")
            db.engine.dispose()
    node.stop()


if __name__ == "__main__":
    main()
