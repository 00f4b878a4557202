"""Load and check: many clerks registering, forwarding and searching at once, for a while.

Starts the real server (gunicorn, --workers N) on loopback on a fresh database (SQLite by
default, or the PostgreSQL database named by --database-url, made fresh and dropped after),
adds K clerks spread over the units that keep receipt registers, and lets them work through
the JSON API with bearer tokens for T seconds: receive letters (create, then number in their
unit's receipt register), forward some to another unit, accept what was sent to them, search
Thai words and letter numbers, read document pages and histories; staff search beside them.

Prints count, errors and p50/p95/max latency of each operation and the throughput, then
reads the registers back from the database: every (register, year) numbered 1..N exactly
once, every number answered to a clerk present with its document, no document of the run
without its receipt, no receipt or accepted transfer without its audit event. Beside them,
the raw database cost of the core step (the numbering transaction, one SELECT round trip)
measured with SQLAlchemy against the same database. Exits 1 on any error answer or fault.

    .venv/bin/python bench/bench_load.py                              # SQLite, 8 clerks, 30 s
    .venv/bin/python bench/bench_load.py --database-url \\
        postgresql+psycopg://postgres@127.0.0.1:5432/load_bench

The same clients serve tests/test_load_faults.py, which kills workers and servers under them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, event, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.bench_search import ACTIONS, SENDERS, TOPICS  # noqa: E402
from tests.servers import Server, start_server  # noqa: E402

# The units of the samples that keep a receipt register, in the order clerks are given them.
UNITS = ["สทส.", "ฝอ.๒ บก.อก.สทส.", "ฝอ.สงป.", "ตร.", "สง.ผู้ช่วย ผบ.ตร.(ปร ๓)"]
# What a clerk does next, with its weight; staff only search and read.
CLERK_MIX = {"receive": 45, "forward": 12, "accept": 13, "search": 20, "read": 10}
REGISTER_ONLY = {"receive": 1}
# The answers each operation may give; anything else is an error.
EXPECTED = {"create": {201}, "register": {201}, "forward": {201}, "inbox": {200},
            "accept": {200, 409},  # 409: another clerk of the unit accepted it first
            "search": {200}, "read": {200}}


class Unreachable(ConnectionError):
    """No answer: refused, reset, or cut off before the whole answer came."""


def call(base: str, method: str, path: str, token: str, body: dict | None = None,
         timeout: float = 60) -> tuple[int, dict]:
    """One request over a plain HTTP/1.0 socket: the load shares the machine's cores with
    the server, so the client must cost as little as it can (urllib costs several times
    more). Raises Unreachable when no complete answer came."""
    host, port = base.split("//", 1)[1].rsplit(":", 1)
    data = b"" if body is None else json.dumps(body).encode()
    head = (f"{method} {path} HTTP/1.0\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout) as conn:
            conn.sendall(head.encode() + data)
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
    except OSError as error:
        raise Unreachable(str(error)) from error
    status_line, _, rest = b"".join(chunks).partition(b"\r\n")
    headers, _, payload = rest.partition(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length:\s*(\d+)", headers)
    if not status_line.startswith(b"HTTP/") or (length and len(payload) < int(length[1])):
        raise Unreachable("the answer was cut off")
    try:
        return int(status_line.split(b" ", 2)[1]), json.loads(payload or b"{}")
    except ValueError:
        return int(status_line.split(b" ", 2)[1]), {"raw": payload[:200].decode(errors="replace")}


@dataclass
class Clerk:
    username: str
    token: str
    unit: str = ""
    unit_id: int = 0
    register_id: int = 0  # the unit's (non-secret) receipt register


@dataclass
class Answer:
    """A number a clerk was told: 201 (or 200 for an accepted transfer), or found again
    after a retry whose first try had been cut off (``recovered``)."""

    register_id: int
    year: int
    number: int
    document_id: int
    recovered: bool = False


@dataclass
class Load:
    """Clerks and staff working against one server; what they were told, and how long it took."""

    base: str
    clerks: list[Clerk]
    searchers: list[Clerk] = field(default_factory=list)
    retry: bool = False  # on no answer, retry as a clerk would (after a kill)
    seed: int = 7
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[tuple[str, int, dict]] = field(default_factory=list)
    retries: int = 0
    answers: list[Answer] = field(default_factory=list)
    documents: list[int] = field(default_factory=list)  # made by the run (answered 201)
    elapsed: float = 0.0

    def __post_init__(self):
        self._lock = threading.Lock()
        self._mine: dict[str, list[int]] = defaultdict(list)  # documents each clerk received
        self._sent: set[tuple[int, int]] = set()
        self.numbers: list[str] = []  # of the letters written down, to search for
        self._stop = threading.Event()
        self.run_id = uuid.uuid4().hex[:6]  # letter numbers of this run are its own

    # -- one request, timed and judged ---------------------------------------------------
    def _ask(self, op: str, who: Clerk, method: str, path: str, body=None,
             ok: set[int] | None = None) -> tuple[int, dict]:
        start = time.perf_counter()
        try:
            status, answer = call(self.base, method, "/api/v1" + path, who.token, body)
        except Unreachable:
            with self._lock:
                if self.retry:
                    self.retries += 1
                else:
                    self.errors.append((op, 0, {"error": "no answer"}))
            if self.retry:
                time.sleep(0.2)  # a worker or the server is coming back
            raise
        took = time.perf_counter() - start
        with self._lock:
            self.latencies[op].append(took)
            if status not in (ok or EXPECTED[op]):
                self.errors.append((op, status, answer))
        return status, answer

    def _retrying(self, attempt):
        """Run ``attempt(first)`` until it gets an answer (only when retrying)."""
        first = True
        deadline = time.monotonic() + 60
        while True:
            try:
                return attempt(first)
            except Unreachable:
                if not self.retry:
                    raise
                if time.monotonic() > deadline:
                    with self._lock:
                        self.errors.append(("retry", 0, {"error": "no answer for 60 s"}))
                    raise
                first = False

    # -- what clerks do ----------------------------------------------------------------------
    def receive(self, clerk: Clerk, rng: random.Random, serial: str) -> Answer | None:
        """A letter arrives: write it down, then give it the unit's next receipt number.
        After a cut-off answer, look the letter up by its number before writing it again,
        and register again: the register refuses a second number and says the first."""
        number = f"ทดสอบ {serial}/๒๕๖๙"
        letter = {"number": number, "date": "2026-11-20", "sender": rng.choice(SENDERS),
                  "subject": f"{rng.choice(ACTIONS)}{rng.choice(TOPICS)} ฉบับ {serial}"}

        def create(first: bool) -> int | None:
            if not first:
                status, found = self._ask("search", clerk, "GET",
                                          "/documents?number=" + urllib.parse.quote(number))
                if status == 200 and found["items"]:
                    return found["items"][0]["id"]
            status, made = self._ask("create", clerk, "POST", "/documents", letter)
            return made["id"] if status == 201 else None

        document_id = self._retrying(create)
        if document_id is None:
            return None
        with self._lock:
            self.documents.append(document_id)
            self.numbers.append(number)

        def register(first: bool) -> Answer | None:
            status, got = self._ask("register", clerk, "POST",
                                    f"/registers/{clerk.register_id}/receipts",
                                    {"document_id": document_id},
                                    ok={201} if first else {201, 409})
            if status == 201:
                return Answer(clerk.register_id, got["year"], got["number"], document_id)
            said = re.search(r"as number (\d+)", got.get("error", {}).get("message", ""))
            if status == 409 and said and not first:  # the cut-off try had numbered it
                year = dt.datetime.now(dt.timezone(dt.timedelta(hours=7))).year
                return Answer(clerk.register_id, year, int(said[1]), document_id, True)
            if status == 409:
                with self._lock:
                    self.errors.append(("register", status, got))
            return None

        answer = self._retrying(register)
        if answer is not None:
            with self._lock:
                self.answers.append(answer)
                self._mine[clerk.username].append(document_id)
        return answer

    def forward(self, clerk: Clerk, rng: random.Random) -> None:
        """Send one of the letters this clerk received to another unit, once per unit."""
        others = [c for c in self.clerks if c.unit_id != clerk.unit_id]
        with self._lock:
            mine = list(self._mine[clerk.username])
            if not mine or not others:
                return
            document_id, to = rng.choice(mine), rng.choice(others).unit_id
            if (document_id, to) in self._sent:
                return
            self._sent.add((document_id, to))
        self._ask("forward", clerk, "POST", f"/documents/{document_id}/transfers",
                  {"to": to, "purpose": "inform"})

    def accept(self, clerk: Clerk, rng: random.Random) -> None:
        """Take the oldest letter waiting for the unit: it gets the unit's receipt number."""
        status, waiting = self._ask("inbox", clerk, "GET", "/transfers/inbox")
        items = [t for t in waiting.get("items", []) if t["to_unit_id"] == clerk.unit_id]
        if status != 200 or not items:
            return
        transfer = items[0]
        status, done = self._ask("accept", clerk, "POST", f"/transfers/{transfer['id']}/accept",
                                 {"register_id": clerk.register_id})
        if status == 200:
            receipt = done["receipt"]
            with self._lock:
                self.answers.append(Answer(receipt["register_id"], receipt["year"],
                                           receipt["number"], receipt["document_id"]))

    def search(self, who: Clerk, rng: random.Random) -> None:
        """A Thai word of the subjects, or the number of a letter received by the run."""
        with self._lock:
            known = rng.choice(self.numbers) if self.numbers and rng.random() < 0.3 else None
        if known is not None:
            query = "number=" + urllib.parse.quote(known)
        else:
            query = "q=" + urllib.parse.quote(rng.choice(TOPICS + ACTIONS + ["กรมบัญชีกลาง"]))
        self._ask("search", who, "GET", f"/documents?{query}&per_page=20")

    def read(self, who: Clerk, rng: random.Random) -> None:
        """A document page and its history (one of the run's, or one that was listed)."""
        with self._lock:
            document_id = rng.choice(self.documents) if self.documents else None
        if document_id is None or who.register_id == 0:
            status, listed = self._ask("read", who, "GET", "/documents?per_page=5")
            if status != 200 or not listed["items"]:
                return
            document_id = rng.choice(listed["items"])["id"]
        status, _ = self._ask("read", who, "GET", f"/documents/{document_id}",
                              ok={200, 404})  # 404: not this clerk's to see
        if status == 200:
            self._ask("read", who, "GET", f"/documents/{document_id}/history")

    # -- the run ----------------------------------------------------------------------------
    def _work(self, who: Clerk, index: int, until: float, mix: dict[str, int]) -> None:
        rng = random.Random(self.seed * 1000 + index)
        choices, weights = list(mix), list(mix.values())
        serial = 0
        while time.monotonic() < until and not self._stop.is_set():
            what = rng.choices(choices, weights)[0]
            try:
                if what == "receive":
                    serial += 1
                    self.receive(who, rng, f"{self.run_id}-{index}-{serial}")
                else:
                    getattr(self, what)(who, rng)
            except Unreachable:
                if not self.retry:
                    time.sleep(0.05)

    def run(self, seconds: float, mix: dict[str, int] | None = None,
            search_mix: dict[str, int] | None = None) -> Load:
        """Every clerk and searcher in a thread of its own for ``seconds``; an operation
        under way at the end is finished."""
        until = time.monotonic() + seconds
        threads = [threading.Thread(target=self._work, args=(c, i, until, mix or CLERK_MIX))
                   for i, c in enumerate(self.clerks)]
        threads += [threading.Thread(target=self._work,
                                     args=(s, 100 + i, until, search_mix
                                           or {"search": 3, "read": 1}))
                    for i, s in enumerate(self.searchers)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.elapsed = time.perf_counter() - start
        return self

    def stop(self) -> None:
        """End the run early: each clerk finishes what he is doing, then stops."""
        self._stop.set()

    def table(self) -> list[str]:
        lines = [f"{'operation':<10} {'count':>7} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8} "
                 f"{'max ms':>8}"]
        errors = defaultdict(int)
        for op, _, _ in self.errors:
            errors[op] += 1
        every: list[float] = []
        for op in EXPECTED:
            times = sorted(self.latencies.get(op, []))
            every += times
            if times:
                lines.append(f"{op:<10} {len(times):>7} {errors[op]:>6} "
                             + " ".join(f"{ms:>8.1f}" for ms in _percentiles(times)))
        every.sort()
        if every:
            lines.append(f"{'all':<10} {len(every):>7} {len(self.errors):>6} "
                         + " ".join(f"{ms:>8.1f}" for ms in _percentiles(every)))
        lines.append(f"throughput: {len(every) / self.elapsed:.1f} requests/s, "
                     f"{len(self.answers) / self.elapsed:.1f} numbers/s over {self.elapsed:.1f} s"
                     + (f"; {self.retries} tries cut off and retried" if self.retries else ""))
        return lines


def _percentiles(sorted_seconds: list[float]) -> tuple[float, float, float]:
    n = len(sorted_seconds)
    return (sorted_seconds[n // 2] * 1000, sorted_seconds[min(n - 1, int(n * 0.95))] * 1000,
            sorted_seconds[-1] * 1000)


# -- setting up ---------------------------------------------------------------------------
def make_clerks(server: Server, count: int) -> tuple[list[Clerk], list[Clerk]]:
    """``count`` clerks (load-clerk-1..), one unit each in turn, and the staff who search
    (demo-staff of สงป. and demo-admin), with an API token each. Runs in a process of its
    own on the server's settings, as an administrator would."""
    done = subprocess.run(
        [sys.executable, "-c", "from bench.bench_load import _make_clerks; _make_clerks()",
         str(count)],
        env=server.env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError("adding clerks failed:\n" + done.stderr)
    made = json.loads(done.stdout.strip().splitlines()[-1])
    return [Clerk(**c) for c in made["clerks"]], [Clerk(**s) for s in made["searchers"]]


def _make_clerks() -> None:
    from sqlalchemy import func, select

    from saraban import create_app
    from saraban.accounts.models import Membership, Role, User
    from saraban.accounts.operations import create_token
    from saraban.extensions import db
    from saraban.registers.models import Register, RegisterKind
    from saraban.units.models import Unit

    count = int(sys.argv[1])
    app = create_app()
    made = []
    with app.app_context():
        have = db.session.scalar(select(func.count()).select_from(User)
                                 .where(User.username.like("load-clerk-%")))
        for i in range(have, have + count):
            unit = db.session.scalar(select(Unit).where(Unit.short_name == UNITS[i % len(UNITS)]))
            register = db.session.scalar(
                select(Register).where(Register.unit_id == unit.id, Register.is_secret.is_(False),
                                       Register.kind == RegisterKind.RECEIPT).order_by(Register.id))
            user = User(username=f"load-clerk-{i + 1}",
                        display_name=f"เจ้าหน้าที่สารบรรณทดสอบโหลด {i + 1} ({unit.short_name})")
            user.password_hash = "!"  # no password: these clerks work with tokens only
            user.rotate_session()
            user.memberships.append(Membership(unit=unit, role=Role.CLERK))
            db.session.add(user)
            db.session.flush()
            made.append({"username": user.username, "token": create_token(user, "load"),
                         "unit": unit.short_name, "unit_id": unit.id,
                         "register_id": register.id})
        staff = [{"username": name, "token": create_token(
            db.session.scalar(select(User).where(User.username == name)), "load")}
            for name in ("demo-staff", "demo-admin")]
        db.session.commit()
    print(json.dumps({"clerks": made, "searchers": staff}, ensure_ascii=False))


# -- what the database holds afterwards ------------------------------------------------------
def check_database(url: str, load: Load, since_document: int = 0) -> list[str]:
    """The faults in the registers, in words; an empty list when all is well.

    Every (register, year) a clerk was given a number in holds 1..N exactly once with its
    counter at N; every number answered is there with the document it was answered for;
    every document the run made has an active receipt (nothing half-written: no letter left
    written down without its number), and every receipt and accepted transfer its audit
    event (written in the same transaction)."""
    problems: list[str] = []
    engine = create_engine(url)
    with engine.connect() as conn:
        receipts = conn.execute(text(
            "SELECT id, register_id, year, number, document_id, status FROM receipt")).all()
        counters = {(r, y): n for r, y, n in conn.execute(text(
            "SELECT register_id, year, last_number FROM register_counter"))}
        audited = set(conn.execute(text(
            "SELECT object_id FROM audit_event WHERE action = 'receipt.register'")).scalars())
        accepted = conn.execute(text(
            "SELECT t.id, t.document_id, r.document_id FROM transfer t "
            "LEFT JOIN receipt r ON r.id = t.receipt_id "
            "WHERE t.status = 'accepted' AND t.document_id > :since"),
            {"since": since_document}).all()
        accept_events = set(conn.execute(text(
            "SELECT object_id FROM audit_event WHERE action = 'transfer.accept'")).scalars())
        documents = set(conn.execute(text(
            "SELECT id FROM document WHERE id > :since"), {"since": since_document}).scalars())
    engine.dispose()

    by_register: dict[tuple[int, int], list[int]] = defaultdict(list)
    for r in receipts:
        by_register[(r.register_id, r.year)].append(r.number)
    for key in sorted({(a.register_id, a.year) for a in load.answers}):
        numbers = sorted(by_register[key])
        if numbers != list(range(1, len(numbers) + 1)):
            missing = sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers))
            twice = sorted({n for n in numbers if numbers.count(n) > 1})
            problems.append(f"register {key[0]} year {key[1]}: missing {missing[:10]}, "
                            f"twice {twice[:10]}")
        if counters.get(key) != len(numbers):
            problems.append(f"register {key[0]} year {key[1]}: counter at {counters.get(key)}, "
                            f"{len(numbers)} lines")
    entries = {(r.register_id, r.year, r.number): r for r in receipts}
    told: dict[tuple[int, int, int], int] = {}
    for a in load.answers:
        key = (a.register_id, a.year, a.number)
        if key in told and told[key] != a.document_id:
            problems.append(f"number {key} answered for documents {told[key]} and "
                            f"{a.document_id}")
        told[key] = a.document_id
        row = entries.get(key)
        if row is None or row.document_id != a.document_id or row.status != "active":
            problems.append(f"number {key} answered for document {a.document_id}, "
                            f"the register holds {row and (row.document_id, row.status)}")
    registered = {r.document_id for r in receipts if r.status == "active"}
    told_of = set(load.documents)
    lost = sorted(told_of - documents)
    if lost:
        problems.append(f"documents answered 201 and not in the database: {lost[:10]}")
    unnumbered = sorted(told_of & documents - registered)
    if unnumbered:
        problems.append(f"documents of the run without a receipt: {unnumbered[:10]}")
    strays = sorted(documents - told_of - registered)
    if strays:
        problems.append(f"documents nobody was told of, without a receipt: {strays[:10]}")
    silent = sorted(r.id for r in receipts if r.id not in audited
                    and r.document_id > since_document)
    if silent:
        problems.append(f"receipts without their audit event: {silent[:10]}")
    for transfer_id, document_id, receipt_document in accepted:
        if receipt_document != document_id or transfer_id not in accept_events:
            problems.append(f"accepted transfer {transfer_id} half-written")
    return problems


def last_document_id(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM document")).scalar_one()
    engine.dispose()
    return found


# -- the database alone ---------------------------------------------------------------------
def raw_costs(url: str, register_id: int, document_id: int, count: int = 300) -> dict:
    """Milliseconds (p50, p95) of the core step done directly with SQLAlchemy: the numbering
    transaction (counter upsert + receipt insert + commit), and one SELECT round trip."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":  # as the application sets it (saraban/__init__.py)
        event.listen(engine, "connect", lambda c, _r: c.execute("PRAGMA synchronous = NORMAL"))
    upsert = text(
        "INSERT INTO register_counter (register_id, year, last_number) VALUES (:r, 3000, 1) "
        "ON CONFLICT (register_id, year) DO UPDATE SET last_number = "
        "register_counter.last_number + 1 RETURNING last_number")
    insert = text(
        "INSERT INTO receipt (register_id, document_id, year, number, received_at, time_known,"
        " mode, status, cancel_reason, cancelled_at, created_at) VALUES (:r, :d, 3000, :n, :t,"
        " true, 'live', 'cancelled', 'bench', :t, :t)")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    numbering, select_one = [], []
    with engine.connect() as conn:
        for _ in range(count):
            start = time.perf_counter()
            with conn.begin():
                number = conn.execute(upsert, {"r": register_id}).scalar_one()
                conn.execute(insert, {"r": register_id, "d": document_id, "n": number, "t": now})
            numbering.append(time.perf_counter() - start)
            start = time.perf_counter()
            conn.execute(text("SELECT 1")).scalar_one()
            select_one.append(time.perf_counter() - start)
            conn.rollback()
    with engine.begin() as conn:  # leave nothing behind
        conn.execute(text("DELETE FROM receipt WHERE year = 3000"))
        conn.execute(text("DELETE FROM register_counter WHERE year = 3000"))
    engine.dispose()
    return {name: (statistics.median(v) * 1000, sorted(v)[int(len(v) * 0.95)] * 1000)
            for name, v in (("numbering", numbering), ("select", select_one))}


def _fresh_postgres(url: str) -> str:
    """Make the named PostgreSQL database again, empty (Thai-safe collation)."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}" ENCODING \'UTF8\' '
                          "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"))
    admin.dispose()
    return url


def _drop_postgres(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url",
                        help="a PostgreSQL database to make afresh and drop (default SQLite)")
    parser.add_argument("--clerks", type=int, default=8)
    parser.add_argument("--searchers", type=int, default=2, choices=[0, 1, 2])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="saraban-load-"))
    pg = args.database_url and _fresh_postgres(args.database_url)
    url = pg or f"sqlite:///{root / 'saraban.sqlite3'}"
    server = start_server(root, pg or None, workers=args.workers)
    try:
        clerks, staff = make_clerks(server, args.clerks)
        load = Load(server.base, clerks, staff[:args.searchers])
        since = last_document_id(url)
        load.run(args.seconds)
        server_errors = server.errors()
    finally:
        server.stop()
    problems = check_database(url, load, since)
    first = load.answers[0] if load.answers else None
    raw = raw_costs(url, first.register_id, first.document_id) if first else None
    if pg and not args.keep:
        _drop_postgres(pg)

    name = url.split(":", 1)[0].split("+")[0]
    print(f"\nSaraban load — {name}, gunicorn {args.workers} workers, {args.clerks} clerks "
          f"+ {min(args.searchers, 2)} staff searching, {args.seconds:g} s")
    print("\n".join(load.table()))
    registers = len({(a.register_id, a.year) for a in load.answers})
    print(f"registers: {len(load.answers)} numbers answered in {registers} registers, "
          f"{len(load.documents)} letters written down; "
          + ("all numbered 1..N exactly once, all present, nothing half-written"
             if not problems else f"{len(problems)} FAULTS"))
    for problem in problems:
        print("  FAULT:", problem)
    for op, status, body in load.errors[:10]:
        print(f"  ERROR: {op} answered {status}: {json.dumps(body, ensure_ascii=False)[:200]}")
    for block in server_errors[:3]:
        print("  SERVER:", block[-600:])
    if raw:
        print(f"raw database alone: numbering transaction (counter + insert + commit) "
              f"p50 {raw['numbering'][0]:.2f} ms, p95 {raw['numbering'][1]:.2f} ms; "
              f"SELECT 1 round trip p50 {raw['select'][0]:.3f} ms")
    return 1 if problems or load.errors or server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
