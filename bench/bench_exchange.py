"""Benchmark: letters between two local installations, from the clerk's send to the
receiver's เลขรับ (AcceptID) back at the sender, with 1 MB attachments.

Starts two real installations (gunicorn, SQLite, their own keys) on loopback, registers
each as the other's peer, runs both outbox workers, queues letters with a 1 MB PDF each,
and reports letters per second and the end-to-end latency, beside the protocol's own cost
(signing and verifying one such letter in process).

    .venv/bin/python bench/bench_exchange.py --letters 50
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.servers import saraban, start_server  # noqa: E402


def big_pdf(size: int) -> bytes:
    """A valid one-page PDF carrying ``size`` random bytes as an embedded file."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("data.bin", os.urandom(size))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def protocol_cost(pdf: bytes, repeat: int = 5) -> tuple[float, float]:
    """Signing and verifying one letter with this attachment, in process (ms)."""
    from saraban.exchange import protocol

    with tempfile.TemporaryDirectory() as tmp:
        a = protocol.create_identity(Path(tmp) / "a", "AAA", "ก")
        letter = protocol.Letter(number="ที่ ๑/๒๕๖๙", date=dt.date(2026, 11, 1), subject="ทดสอบ",
                                 sender=protocol.Party("AAA", "ก"),
                                 receiver=protocol.Party("BBB", "ข"),
                                 send_date=dt.datetime.now(dt.UTC).replace(microsecond=0),
                                 main_file=protocol.BinaryFile("letter.pdf", "application/pdf",
                                                               pdf))
        sign, check = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            message = protocol.build_letter(a, "BBB", letter)
            sign.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            protocol.verify(message, peer_keys=lambda c: protocol.public_key_from_text(
                a.public_key), our_code="BBB", now=dt.datetime.now(dt.UTC))
            check.append((time.perf_counter() - t0) * 1000)
    return statistics.median(sign), statistics.median(check)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=50)
    parser.add_argument("--size", type=int, default=1 << 20, help="attachment bytes")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="saraban-exchange-bench-"))
    sender, receiver = start_server(root / "a", workers=2), start_server(root / "b", workers=2)
    workers = []
    try:
        key_a = saraban(["exchange", "init", "--code", "DGA", "--name", "สพร."],
                        sender.env).split()[-1]
        key_b = saraban(["exchange", "init", "--code", "RTP", "--name", "ตร."],
                        receiver.env).split()[-1]
        saraban(["exchange", "peer", "add", "RTP", receiver.base, key_b], sender.env)
        saraban(["exchange", "peer", "add", "DGA", sender.base, key_a], receiver.env)
        pdf = big_pdf(args.size)
        ids = []
        for i in range(args.letters):
            status, made = sender.api("POST", "/documents", "demo-clerk", {
                "number": f"สพร ๒๕๖๙/ว{i + 1}", "date": "2026-11-20",
                "subject": f"หนังสือทดสอบการรับส่งฉบับที่ {i + 1}", "sender": "สพร.",
                "addressee": "ผบ.ตร."})
            assert status == 201, made
            sender.attach(made["id"], pdf)
            ids.append(made["id"])
        for server in (sender, receiver):
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "saraban.cli", "exchange", "work", "--interval", "0.1"],
                env=server.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        start = time.monotonic()
        for document_id in ids:
            status, queued = sender.api("POST", f"/documents/{document_id}/exchange",
                                        "demo-clerk", {"to": "RTP"})
            assert status == 201, queued
        db = sqlite3.connect(sender.env["SARABAN_DATABASE_URL"].removeprefix("sqlite:///"))
        deadline = start + 600
        while time.monotonic() < deadline:
            done = db.execute("SELECT count(*) FROM exchange_message WHERE direction='out' "
                              "AND kind='letter' AND status='accepted'").fetchone()[0]
            if done == args.letters:
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - start
        rows = db.execute(
            "SELECT l.created_at, a.created_at FROM exchange_message l JOIN exchange_message a "
            "ON a.in_reply_to = l.message_id AND a.direction = 'in' AND a.kind = 'accept' "
            "WHERE l.direction = 'out' AND l.kind = 'letter'").fetchall()
    finally:
        for worker in workers:
            worker.terminate()
        sender.stop()
        receiver.stop()

    def parse(text):
        return dt.datetime.fromisoformat(text)

    latencies = sorted((parse(b) - parse(a)).total_seconds() * 1000 for a, b in rows)
    sign, check = protocol_cost(pdf)
    print(f"\nSaraban exchange benchmark — 2 installations on loopback (SQLite, gunicorn 2 "
          f"workers each, one outbox worker each), {args.letters} letters with a "
          f"{len(pdf) / 1e6:.2f} MB PDF")
    print(f"accepted:                 {len(rows)} of {args.letters} in {elapsed:.1f} s "
          f"({len(rows) / elapsed:.2f} letters/s)")
    if latencies:
        print(f"send → AcceptID back:     median {statistics.median(latencies):.0f} ms, "
              f"p95 {latencies[int(len(latencies) * 0.95) - 1]:.0f} ms, "
              f"max {latencies[-1]:.0f} ms")
    print(f"protocol alone (1 letter): sign {sign:.1f} ms, verify {check:.1f} ms")


if __name__ == "__main__":
    main()
