"""Load and faults on a production server: many clerks at once, killed workers, a killed
server, and a data directory that cannot be written.

One gunicorn server with three workers per database under test, shared by the tests in
order. The clerks are those of bench/bench_load.py; after each test the registers are read
back from the database: every (register, year) holds 1..N exactly once, every number
answered is there with its document, and nothing is half-written (a letter written down
without its receipt, a receipt or an accepted transfer without its audit event).
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import io
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bench.bench_load import (
    REGISTER_ONLY,
    Load,
    call,
    check_database,
    last_document_id,
    make_clerks,
)
from tests.conftest import DATABASES, PG_URL, RAN, _PgDatabase, csrf_token_from
from tests.servers import start_server

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


class Live:
    def __init__(self, server, url: str, root: Path):
        self.server, self.url, self.root = server, url, root
        self.clerks, self.searchers = make_clerks(server, 6)

    def load(self, **kwargs) -> tuple[Load, int]:
        """Clerks ready to work, and the last document before they start."""
        return Load(self.server.base, self.clerks, self.searchers, **kwargs), \
            last_document_id(self.url)

    def scalar(self, sql: str, **params):
        engine = create_engine(self.url)
        with engine.connect() as conn:
            value = conn.execute(text(sql), params).scalar_one()
        engine.dispose()
        return value


@pytest.fixture(scope="module", params=DATABASES)
def live(request, tmp_path_factory):
    pg = _PgDatabase(PG_URL) if request.param == "postgresql" else None
    url = pg.create() if pg else None
    root = tmp_path_factory.mktemp(f"load-{request.param}")
    server = start_server(root, url, workers=3)
    RAN.add(request.param)
    yield Live(server, url or f"sqlite:///{root / 'saraban.sqlite3'}", root)
    server.kill()  # a throwaway server: no need to wait for a graceful stop
    if pg:
        pg.drop()


@contextlib.contextmanager
def _registering(load: Load):
    """Clerks registering in the background until the block ends (at most 60 s)."""
    worker = threading.Thread(target=load.run, args=(60, REGISTER_ONLY))
    worker.start()
    try:
        yield
    finally:
        load.stop()
        worker.join()


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_clerks_register_forward_and_search_at_once(live):
    load, since = live.load()
    load.run(6)
    assert load.errors == [], load.errors[:5]
    assert live.server.errors() == []
    assert len(load.answers) >= 6 and load.latencies["search"] and load.latencies["read"]
    assert check_database(live.url, load, since) == []


def test_a_killed_worker_loses_no_registration(live):
    load, since = live.load(retry=True)
    with _registering(load):
        _wait_for(lambda: len(load.answers) >= 6, 20, "registrations")
        victim = live.server.worker_pids()[0]
        os.kill(victim, signal.SIGKILL)
        _wait_for(lambda: len(live.server.worker_pids()) == 3
                  and victim not in live.server.worker_pids(), 20, "the master to replace it")
        after = len(load.answers)
        _wait_for(lambda: len(load.answers) >= after + 6, 20, "registrations on the new worker")
    assert load.errors == [], load.errors[:5]
    assert check_database(live.url, load, since) == []


def test_a_killed_server_loses_nothing_and_numbering_goes_on(live):
    load, since = live.load(retry=True)
    with _registering(load):
        _wait_for(lambda: len(load.answers) >= 6, 20, "registrations")
        live.server.kill()  # master and workers, mid-registration
        before = len(load.answers)
        live.server.restart()
        _wait_for(lambda: len(load.answers) >= before + 6, 20, "registrations after restart")
    assert load.errors == [], load.errors[:5]
    assert load.retries > 0  # the clerks did find the server gone
    assert check_database(live.url, load, since) == []
    # no number given twice, before and after the kill
    told = [(a.register_id, a.year, a.number) for a in load.answers]
    assert len(told) == len(set(told))


# -- a data directory that cannot be written ----------------------------------------------
def _pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue() + f"\n% {uuid.uuid4().hex}\n".encode()  # new bytes each time


def _multipart(fields: dict[str, str], files: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in fields.items():
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                 f"{value}\r\n").encode()
    for name, data in files.items():
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                 f"filename=\"scan.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").encode()
        body += data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _upload(live, document_id: int, data: bytes) -> tuple[int, dict]:
    import json

    body, content_type = _multipart({}, {"file": data})
    request = urllib.request.Request(
        f"{live.server.base}/api/v1/documents/{document_id}/files", data=body, method="POST",
        headers={"Authorization": f"Bearer {live.clerks[0].token}", "Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _browser(live):
    """A clerk logged in to the pages, as a browser would be (cookies, CSRF)."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(live.server.base + "/login", timeout=30).read().decode()
    form = {"username": "demo-clerk", "password": live.server.logins["demo-clerk"],
            "csrf_token": csrf_token_from(page)}
    opener.open(live.server.base + "/login", urllib.parse.urlencode(form).encode(), timeout=30)
    return opener


def _receive_with_scan(live, opener, subject: str, scan: bytes) -> tuple[int, str]:
    html = opener.open(live.server.base + "/receive", timeout=30).read().decode()
    key = re.search(r'name="form_key" type="hidden" value="([0-9a-f]+)"', html)[1]
    register = re.search(r'<option selected value="(\d+)">', html)[1]
    body, content_type = _multipart({
        "csrf_token": csrf_token_from(html), "form_key": key, "register_id": register,
        "number": "กค ๐๔๐๘/ว๙๙", "date": "๒๐ พ.ย. ๖๙", "sender": "กรมบัญชีกลาง",
        "subject": subject, "urgency": "0", "secrecy": "0"}, {"scan": scan})
    request = urllib.request.Request(live.server.base + "/receive", data=body, method="POST",
                                     headers={"Content-Type": content_type})
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _counts(live) -> tuple[int, ...]:
    return tuple(live.scalar(f"SELECT COUNT(*) FROM {table}") for table in (
        "document", "receipt", "stored_file", "document_file"
    )) + (live.scalar("SELECT COALESCE(SUM(last_number), 0) FROM register_counter"),
          live.scalar("SELECT COUNT(*) FROM audit_event WHERE action = 'file.attach'"))


def test_an_unwritable_data_directory_refuses_cleanly_and_registers_nothing(live):
    # what a read-only or broken mount looks like even to root: the files folder is a file
    files = live.root / "data" / "files"
    aside = files.with_name("files-aside")
    if files.exists():
        files.rename(aside)
    files.write_text("not a directory\n")
    load, since = live.load()
    clerk = live.clerks[0]
    status, made = call(live.server.base, "POST", "/api/v1/documents", clerk.token, {
        "number": "ทดสอบ ดิสก์/๒๕๖๙", "date": "2026-11-20", "sender": "กรมทดสอบ",
        "subject": "หนังสือที่จะแนบไฟล์ตอนดิสก์เต็ม"})
    assert status == 201
    status, receipt = call(live.server.base, "POST",
                           f"/api/v1/registers/{clerk.register_id}/receipts", clerk.token,
                           {"document_id": made["id"]})
    assert status == 201
    before = _counts(live)
    try:
        status, refused = _upload(live, made["id"], _pdf())
        assert status == 507
        assert refused["error"]["message_th"].startswith(
            "บันทึกไฟล์ไม่ได้: พื้นที่จัดเก็บเต็มหรือเขียนไม่ได้")
        assert "cannot be saved" in refused["error"]["message"]
        assert _counts(live) == before  # no file row, no audit event

        subject = "หนังสือรับพร้อมสแกนตอนที่เก็บไฟล์ไม่ได้"
        opener = _browser(live)
        status, page = _receive_with_scan(live, opener, subject, _pdf())
        assert status == 200 and "บันทึกไฟล์ไม่ได้: พื้นที่จัดเก็บเต็มหรือเขียนไม่ได้" in page
        assert subject in page  # the form is kept as typed, to send again
        assert _counts(live) == before  # no document, no receipt, no number used
        assert live.scalar("SELECT COUNT(*) FROM document WHERE subject = :s", s=subject) == 0
    finally:
        files.unlink()
        if aside.exists():
            aside.rename(files)
    assert live.server.errors() == []

    # writable again: the same upload is kept, and the register goes on from the next number
    status, kept = _upload(live, made["id"], _pdf())
    assert status == 201 and {f["role"] for f in kept["files"]} == {"scan", "stamped"}
    answer = load.receive(clerk, random.Random(1), "disk-after")
    assert answer is not None and answer.number == receipt["number"] + 1
    assert load.errors == [] and check_database(live.url, load, since) == []


def test_a_full_disk_leaves_no_partial_file(tmp_path):
    """A write cut short by the file size limit (EFBIG, as ENOSPC would) is refused with
    the storage message and leaves no temporary file behind."""
    script = (
        "import os, resource, sys\n"
        "from flask import Flask\n"
        "from saraban.documents.files import StorageError, write_file\n"
        "app = Flask('full-disk')\n"
        "app.config['DATA_DIR'] = os.environ['SARABAN_DATA_DIR']\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))\n"
        "with app.app_context():\n"
        "    try:\n"
        "        write_file(b'%PDF-1.7 ' + bytes(range(256)) * 64)\n"
        "    except StorageError as error:\n"
        "        print(error.status, error.message_th, '|', error.message_en)\n"
        "    else:\n"
        "        sys.exit('written')\n"
    )
    data = tmp_path / "data"
    env = {**os.environ, "SARABAN_DATA_DIR": str(data)}
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("507 บันทึกไฟล์ไม่ได้: พื้นที่จัดเก็บเต็มหรือเขียนไม่ได้")
    assert "File too large" in done.stdout
    assert [p for p in data.rglob("*") if p.is_file()] == []
