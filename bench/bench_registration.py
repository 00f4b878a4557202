"""Benchmark: registrations per second through the HTTP API, as clerks would send them.

Starts the real server (gunicorn, --workers N) on loopback on a fresh database, creates
the documents first, then registers them into one receipt register with 1, 8 and 32
concurrent clients. Beside each figure: the same work done in the database alone (the
counter update and the receipt insert, one transaction each, from one connection), and
the memory of the server processes.

    .venv/bin/python bench/bench_registration.py                       # SQLite
    .venv/bin/python bench/bench_registration.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.servers import start_server  # noqa: E402


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc."""
    total = 0
    for p in _pids(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _pids(pid: int) -> list[int]:
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [pid, *(int(c) for c in children)]


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in _pids(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
    return total / tick


def raw_rate(url: str, register_id: int, document_id: int, count: int) -> float:
    """Registrations per second in the database alone: counter + insert, one commit each."""
    engine = create_engine(url)
    upsert = text(
        "INSERT INTO register_counter (register_id, year, last_number) VALUES (:r, 3000, 1) "
        "ON CONFLICT (register_id, year) DO UPDATE SET last_number = "
        "register_counter.last_number + 1 RETURNING last_number")
    insert = text(
        "INSERT INTO receipt (register_id, document_id, year, number, received_at, time_known,"
        " mode, status, cancel_reason, cancelled_at, created_at) VALUES (:r, :d, 3000, :n, :t,"
        " true, 'live', 'cancelled', 'bench', :t, :t)")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    start = time.perf_counter()
    with engine.connect() as conn:
        for _ in range(count):
            with conn.begin():
                number = conn.execute(upsert, {"r": register_id}).scalar_one()
                conn.execute(insert, {"r": register_id, "d": document_id, "n": number, "t": now})
    rate = count / (time.perf_counter() - start)
    with engine.begin() as conn:  # leave nothing behind
        conn.execute(text("DELETE FROM receipt WHERE year = 3000"))
        conn.execute(text("DELETE FROM register_counter WHERE year = 3000"))
    engine.dispose()
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default SQLite)")
    parser.add_argument("--per-client", type=int, default=60,
                        help="registrations per client in each round")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]

    root = Path(tempfile.mkdtemp(prefix="saraban-bench-"))
    server = start_server(root, args.database_url, workers=args.workers)
    url = args.database_url or f"sqlite:///{root / 'saraban.sqlite3'}"
    try:
        _, registers = server.api("GET", "/registers", "demo-clerk")
        register_id = next(r["id"] for r in registers["items"]
                           if r["unit"] == "สทส." and r["kind"] == "receipt" and not r["secret"])
        needed = sum(clients) * args.per_client
        documents = []

        def create(i):
            status, body = server.api("POST", "/documents", "demo-clerk", {
                "number": f"ทดสอบ {i}", "date": "2026-11-20",
                "subject": f"เรื่องสำหรับวัดความเร็ว {i}", "sender": "กรมทดสอบ"})
            assert status == 201, body
            return body["id"]

        with ThreadPoolExecutor(8) as pool, click.progressbar(
            pool.map(create, range(needed)), length=needed, label="สร้างหนังสือ"
        ) as bar:
            documents = list(bar)

        rows = []
        for n in clients:
            batch, documents = documents[: n * args.per_client], documents[n * args.per_client:]

            def register(doc_id):
                status, body = post_raw(server.base, f"/api/v1/registers/{register_id}/receipts",
                                        server.token("demo-clerk"), {"document_id": doc_id})
                assert status == 201, body
                return body["number"]

            start, server_cpu, client_cpu = time.perf_counter(), cpu_s(server.proc.pid), \
                time.process_time()
            with ThreadPoolExecutor(n) as pool:
                numbers = list(pool.map(register, batch))
            elapsed = time.perf_counter() - start
            server_cpu = (cpu_s(server.proc.pid) - server_cpu) / len(batch) * 1000
            client_cpu = (time.process_time() - client_cpu) / len(batch) * 1000
            assert len(set(numbers)) == len(numbers)
            rows.append((n, len(batch) / elapsed, rss_mb(server.proc.pid), server_cpu,
                         client_cpu))
        raw = raw_rate(url, register_id, documents_first(server, register_id), 500)
    finally:
        server.stop()

    name = url.split(":", 1)[0].split("+")[0]
    print(f"\nSaraban registration benchmark — {name}, gunicorn {args.workers} workers, "
          f"{args.per_client} registrations per client")
    print(f"{'clients':>7} {'registrations/s':>16} {'server RSS MB':>14} "
          f"{'server CPU ms/reg':>18} {'client CPU ms/reg':>18}")
    for n, rate, mem, server_cpu, client_cpu in rows:
        print(f"{n:>7} {rate:>16.1f} {mem:>14.1f} {server_cpu:>18.2f} {client_cpu:>18.2f}")
    print(f"raw database alone (counter + insert, one transaction each): {raw:.0f}/s")


def post_raw(base: str, path: str, token: str, body: dict) -> tuple[int, dict]:
    """One POST over a plain socket: the load generator shares the machine's two cores with
    the server, so it must cost as little as it can (urllib costs several times more)."""
    host, port = base.split("//", 1)[1].rsplit(":", 1)
    data = json.dumps(body).encode()
    request = (f"POST {path} HTTP/1.0\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
               ).encode() + data
    with socket.create_connection((host, int(port)), timeout=60) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    head, _, payload = b"".join(chunks).partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), json.loads(payload or b"{}")


def documents_first(server, register_id: int) -> int:
    """Any document id of the register, for the raw inserts (which are cancelled lines)."""
    _, entries = server.api("GET", f"/registers/{register_id}/entries?per_page=1", "demo-clerk")
    return entries["items"][0]["document_id"]


if __name__ == "__main__":
    main()
