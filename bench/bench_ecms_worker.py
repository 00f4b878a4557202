"""Benchmark: letters between two Saraban installations through the e-CMS worker, 1 MB PDFs.

The node is the fake two-node e-CMS (tests/ecms_node.py), a stand-in for DGA's service on
loopback: this measures our worker (store and commit each item, delete it at the node, register
the letter, answer Receive and Accept), the databases and the files, not DGA. Two numbers:

- throughput: N letters queued at 0031500001; one ``work_once`` there sends them, one at
  0031500002 pulls, registers and answers them, one more at 0031500001 takes the 2N notifiers
  (letters/s over the three rounds);
- round trip: one letter, queued → sent → registered at the other end → its AcceptID known
  to the sender, three rounds in a row; median and worst of M.

    PYTHONPATH=. .venv/bin/python bench/bench_ecms_worker.py                 # SQLite files
    PYTHONPATH=. .venv/bin/python bench/bench_ecms_worker.py --letters 50 \\
        --postgresql postgresql+psycopg://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.ecms_node import ORG_1, ORG_2, FakeEcms  # noqa: E402
from tests.test_ecms_flows import (  # noqa: E402
    Installation,
    _new_document,
    _pdf,
    _queue,
    _sent,
    ecms_client,
)


def big_pdf(megabytes: float) -> bytes:
    """A real one-page PDF of about ``megabytes``: the page carries a stream of random
    base64 text (incompressible, as a scan is), so that readers and a clerk's upload check
    parse it as they would a scanned letter."""
    import base64
    import io
    import os

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf("หนังสือทดสอบขนาดใหญ่"))))
    stream = DecodedStreamObject()
    stream.set_data(base64.b64encode(os.urandom(int(megabytes * 1024 * 1024 * 3 / 4))))
    writer.pages[0][NameObject("/PieceInfo")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _largest_pulled() -> int:
    from sqlalchemy import func, select

    from saraban.exchange.ecms.models import Direction, EcmsMessage
    from saraban.extensions import db

    return db.session.scalar(select(func.max(func.length(EcmsMessage.raw))).where(
        EcmsMessage.direction == Direction.IN)) or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=20)
    parser.add_argument("--round-trips", type=int, default=5)
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--postgresql", help="a server URL: two throwaway databases on it")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from saraban.exchange.ecms.codes import map_level, sync_codes
    from saraban.exchange.ecms.models import MessageState
    from tests.conftest import _PgDatabase

    tmp = Path(tempfile.mkdtemp(prefix="bench-ecms-worker-"))
    made = []
    urls = []
    for name in ("one", "two"):
        if args.postgresql:
            made.append(_PgDatabase(args.postgresql))
            urls.append(made[-1].create())
        else:
            urls.append(f"sqlite:///{tmp / name}.sqlite3")
    node = FakeEcms().start()
    sides = []
    try:
        one = Installation("one", ORG_1, urls[0], tmp / "one")
        sides.append(one)
        two = Installation("two", ORG_2, urls[1], tmp / "two")
        sides.append(two)
        for side in (one, two):
            side.run(sync_codes, ecms_client(node, side.org))
            for level, code in enumerate(("001", "002", "003", "004")):
                side.run(map_level, None, "secrecy", level, code)
                side.run(map_level, None, "urgency", level, code)
        pdf = big_pdf(args.megabytes)

        queued = []
        for _ in range(args.letters):
            document_id, number = _new_document(one, files=(pdf,))
            _queue(one, document_id)
            queued.append(number)
        started = time.perf_counter()
        sent = one.work(node)
        taken = two.work(node)
        answered = one.work(node)
        seconds = time.perf_counter() - started
        accepted = sum(_sent(one, n)[0]["state"] == MessageState.ACCEPTED for n in queued)
        assert (sent.sent, taken.registered, accepted) == (args.letters,) * 3, (
            sent, taken, answered)

        wire = two.run(_largest_pulled)
        trips = []
        for _ in range(args.round_trips):
            document_id, number = _new_document(one, files=(pdf,))
            _queue(one, document_id)
            begun = time.perf_counter()
            one.work(node)
            two.work(node)
            one.work(node)
            trips.append(time.perf_counter() - begun)
            assert _sent(one, number)[0]["state"] == MessageState.ACCEPTED
    finally:
        node.stop()
        for side in sides:
            side.close()
        for pg in made:
            pg.drop()
    database = "PostgreSQL" if args.postgresql else "SQLite"
    print(f"{database}, {len(pdf) / 1024 / 1024:.2f} MiB PDF per letter")
    print(f"largest pulled letter message (XML, base64 files): {wire / 1024 / 1024:.2f} MiB")
    print(f"throughput: {args.letters} letters in {seconds:.2f} s = "
          f"{args.letters / seconds:.2f} letters/s (send, pull+register+answer, take notifiers)")
    print(f"round trip to AcceptID: median {statistics.median(trips):.3f} s, "
          f"worst {max(trips):.3f} s over {len(trips)}")


if __name__ == "__main__":
    main()
