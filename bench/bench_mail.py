"""Benchmark: taking the saraban@ mailbox (saraban.mail.receiving.fetch_once) from a real
Dovecot (started as tests/mailservers.py starts it), N messages each carrying a PDF of the
size given (a page with a scan's worth of incompressible image), appended over IMAP APPEND;
then ``fetch_once`` until the folder is empty: messages per second and peak memory
(resource.getrusage), beside the raw costs of the same work: the IMAP fetch of the same
messages with imaplib alone, and the database insert of the same rows (two stored files
and one arrival per message, one transaction each) with SQL alone, without the files.

    .venv/bin/python bench/bench_mail.py --messages 1000 --size 1
    .venv/bin/python bench/bench_mail.py --messages 200 --database-url postgresql+psycopg://postgres@127.0.0.1/bench

Measured 2026-12-04 on the shared 2-core development VM, SQLite, Debian's Dovecot 2.3, 1 MB
PDFs (a message 1.35 MB, base64):

    --messages 200:  fetch_once 8.1 msg/s (11.0 MB/s, 24.7 s); peak memory 172 MB (156 MB
                     before fetch_once); raw IMAP fetch 179.4 msg/s (245.8 MB/s); raw database
                     insert 348.2 msg/s; APPEND 7.9 msg/s (building the messages included)
    --messages 1000: fetch_once 7.4 msg/s (10.0 MB/s, 134.8 s); peak memory 171 MB (155 MB
                     before); raw IMAP fetch 192.5 msg/s (263.7 MB/s); raw database insert
                     348.7 msg/s; APPEND 8.3 msg/s; 2,371 MB of files kept

With --register (born-digital letters, each with a scanned enclosure making up 1 MB; fetched,
then read and registered by the reader, SARABAN_MAIL_AUTO_REGISTER), 2026-12-04, while the test
suite ran beside it for the first half:

    --messages 200 --register:  fetch_once 13.6 msg/s; registered 0.6 letters/s; receipts
                                1..200 gap-free; peak 419 MB
    --messages 1000 --register: fetch_once 12.3 msg/s (81 s); registered 0.5 letters/s
                                (1,863 s); receipts 1..1000 gap-free, none twice; peak 430 MB

A letter's registration is mostly pdftoppm rasterising its page 1 at 300 dpi for the stamp's
blank place, and stamping the copy.

Memory stays flat with the count (one message at a time). The time is the parsing: under
cProfile (40 messages) about 60 % of fetch_once is the standard library's email parser
reading the 1.35 MB message line by line (feedparser), about 10 % writing the raw message
and the PDF (fsync each), 6 % the IMAP move, 4 % pypdf's check of the PDF; the IMAP
transfer and the database rows themselves are a few per cent each, as the raw costs say.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
import uuid
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.mailservers import running_dovecot  # noqa: E402

DONE = "Saraban/Done"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scan_pdf(size: int) -> bytes:
    """A one-page A4 PDF holding a grey image of ``size`` random bytes (as a scan is: it
    does not compress), written object by object with its cross-reference table."""
    side = max(1, int(size ** 0.5))
    pixels = os.urandom(side * side)
    content = b"q 595 0 0 842 0 0 cm /Im1 Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n%s\nendstream"
        % (side, side, len(pixels), pixels),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def letter_pdf(i: int) -> bytes:
    """A born-digital letter (text layer), as offices send by e-mail: the corpus's letters
    (tests/intake_corpus.py) in Laksaman, each with its own number and date."""
    from tests.intake_corpus import letters, render

    return render(letters(1, seed=1000 + i)[0])


def message(i: int, size: int, register: bool = False) -> bytes:
    """A mail of about ``size`` bytes of PDF: a scan; with ``register`` a letter with a text
    layer and, to make up the size, a scanned enclosure."""
    mail = EmailMessage()
    mail["From"] = "กรมตัวอย่าง <saraban@dept.go.th>"
    mail["To"] = "saraban@agency.go.th"
    mail["Subject"] = f"ขอเชิญประชุมคณะทำงาน ครั้งที่ {i + 1}"
    mail["Message-ID"] = f"<bench-{i}-{uuid.uuid4().hex}@dept.go.th>"
    mail["Date"] = "Tue, 1 Dec 2026 09:30:00 +0700"
    mail.set_content("เรียน สารบรรณ ส่งหนังสือมาเพื่อโปรดทราบ")
    if register:
        letter = letter_pdf(i)
        mail.add_attachment(letter, maintype="application", subtype="pdf",
                            filename=f"หนังสือ {i + 1}.pdf")
        mail.add_attachment(scan_pdf(max(1, size - len(letter))), maintype="application",
                            subtype="pdf", filename=f"สิ่งที่ส่งมาด้วย {i + 1}.pdf")
        return mail.as_bytes()
    mail.add_attachment(scan_pdf(size), maintype="application", subtype="pdf",
                        filename=f"หนังสือ {i + 1}.pdf")
    return mail.as_bytes()


def append_all(server, count: int, size: int, register: bool = False) -> tuple[float, int]:
    client = server.client()
    total = 0
    start = time.perf_counter()
    try:
        for i in range(count):
            raw = message(i, size, register)
            total += len(raw)
            typ, data = client.append("INBOX", None, None, raw)
            assert typ == "OK", data
    finally:
        client.logout()
    return time.perf_counter() - start, total


def raw_imap_fetch(server, folder: str) -> tuple[float, int, int]:
    """The same messages fetched with imaplib alone, one UID FETCH each (as fetch_once
    does): seconds, messages, bytes."""
    client = server.client()
    try:
        start = time.perf_counter()
        client.select(f'"{folder}"', readonly=True)
        typ, data = client.uid("SEARCH", None, "ALL")
        count = size = 0
        for uid in data[0].split():
            typ, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            size += len(parts[0][1])
            count += 1
        return time.perf_counter() - start, count, size
    finally:
        client.logout()


def raw_insert(count: int) -> float:
    """The rows fetch_once writes for each message (the raw message's and the PDF's
    stored_file, the arrival), inserted with SQL alone, one transaction each; no files
    written, no parsing, no audit."""
    from sqlalchemy import insert

    from saraban.db import utcnow
    from saraban.documents.models import StoredFile
    from saraban.extensions import db
    from saraban.mail.models import MailArrival

    engine = db.engine
    start = time.perf_counter()
    for i in range(count):
        with engine.begin() as conn:
            ids = [conn.execute(insert(StoredFile).values(
                sha256=uuid.uuid4().hex * 2, size=1, media_type=media,
                created_at=utcnow()).returning(StoredFile.id)).scalar_one()
                for media in ("message/rfc822", "application/pdf")]
            conn.execute(insert(MailArrival).values(
                mailbox="raw-insert", message_id=f"<raw-{i}@bench>", uid=i + 1, uidvalidity=1,
                from_address="saraban@dept.go.th", from_name="กรมตัวอย่าง",
                subject="ขอเชิญประชุมคณะทำงาน", received_at=utcnow(), raw_file_id=ids[0],
                main_file_id=ids[1], main_filename="หนังสือ.pdf", enclosures=[], refused=[],
                auth_results={}, kind="letter", status="waiting", moved=True, attempts=0))
    return time.perf_counter() - start


def _central_clerk() -> str:
    """The sample office loaded, and a clerk of its central receipt register: the reader
    registers in his name."""
    from sqlalchemy import select

    from saraban.accounts.models import User
    from saraban.exchange.receiving import central_register
    from saraban.extensions import db
    from saraban.registers.operations import usable_register_ids
    from saraban.samples.loader import load_samples

    load_samples()
    db.session.commit()
    register_id = central_register().id
    return next(user.username for user in db.session.scalars(
        select(User).where(User.active).order_by(User.id))
        if register_id in usable_register_ids(user))


def register_all(count: int) -> None:
    """The reader's passes (saraban intake work --once) until the mailed letters are all
    read and registered: letters per second, and the receipt numbers checked gap-free."""
    from sqlalchemy import func, select

    from saraban.exchange.receiving import central_register
    from saraban.extensions import db
    from saraban.intake.cli import read_pending
    from saraban.intake.models import IntakeDraft
    from saraban.registers.models import Receipt

    register_id = central_register().id
    before = db.session.scalar(select(func.max(Receipt.id))) or 0
    db.session.rollback()
    start = time.perf_counter()
    passes = read = 0
    while True:
        done, failed = read_pending()
        passes += 1
        read += done
        assert not failed, f"{failed} readings failed"
        if not done:
            break
    took = time.perf_counter() - start
    numbers = list(db.session.scalars(select(Receipt.number).where(
        Receipt.register_id == register_id, Receipt.id > before).order_by(Receipt.id)))
    registered = db.session.scalar(select(func.count()).select_from(IntakeDraft).where(
        IntakeDraft.status == "registered"))
    first = numbers[0] if numbers else 0
    gap_free = numbers == list(range(first, first + len(numbers)))
    print(f"read and registered by the reader: {registered} of {count}, {read / took:.1f} "
          f"letters/s ({took:.1f} s, {passes} passes; text layer read, page 1 rasterised for "
          f"the stamp's place, registered, confirmation queued, stamped copy kept)")
    print(f"receipt numbers {first}..{first + len(numbers) - 1} this year: "
          f"{'gap-free, none twice' if gap_free else 'NOT gap-free'}")
    print(f"peak memory (ru_maxrss): {_rss_mb():.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--size", type=float, default=1.0, help="each PDF's size in MB")
    parser.add_argument("--database-url")
    parser.add_argument("--register", action="store_true",
                        help="letters with a text layer (and a scanned enclosure), registered "
                        "by the reader (SARABAN_MAIL_AUTO_REGISTER) after the fetch")
    args = parser.parse_args()
    size = int(args.size * 1024 * 1024)

    from flask_migrate import upgrade

    from saraban import create_app
    from saraban.mail.imap import parse_url
    from saraban.mail.receiving import fetch_once

    tmp = Path(tempfile.mkdtemp(prefix="saraban-bench-mail-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite3'}"
    app = create_app({"ENV": "testing", "SECRET_KEY": "bench", "DATA_DIR": str(tmp / "data"),
                      "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        if args.register:
            app.config["MAIL_AUTO_REGISTER"] = _central_clerk()
    try:
        context = running_dovecot(tmp)
        server = context.__enter__()
    except BaseException as error:  # pytest.skip's exception outside pytest: dovecot missing
        sys.exit(f"cannot start Dovecot: {error}")
    try:
        seconds, total = append_all(server, args.messages, size, args.register)
        print(f"database: {url.split('@')[-1]}; {args.messages} messages, PDF {size} bytes, "
              f"message {total / args.messages / 1048576:.2f} MB (base64)")
        print(f"IMAP APPEND: {args.messages / seconds:.1f} msg/s ({seconds:.1f} s)")
        before = _rss_mb()
        with app.app_context():
            start = time.perf_counter()
            passes = stored = 0
            while True:
                report = fetch_once(parse_url(server.url), done_folder=DONE)
                passes += 1
                if not report.ok:
                    sys.exit(f"fetch_once: {report.error}")
                stored += report.stored
                if report.fetched == 0:
                    break
            took = time.perf_counter() - start
        peak = _rss_mb()
        assert stored == args.messages, (stored, args.messages)
        print(f"fetch_once: {stored / took:.1f} msg/s, {total / took / 1048576:.1f} MB/s "
              f"({took:.1f} s, {passes} passes; parse, check the PDF, store, commit, move)")
        print(f"peak memory (ru_maxrss): {peak:.0f} MB, {before:.0f} MB before fetch_once")
        if args.register:
            with app.app_context():
                register_all(args.messages)
        seconds, count, fetched = raw_imap_fetch(server, DONE)
        print(f"raw IMAP fetch (imaplib alone): {count / seconds:.1f} msg/s, "
              f"{fetched / seconds / 1048576:.1f} MB/s ({seconds:.1f} s)")
        with app.app_context():
            seconds = raw_insert(args.messages)
        print(f"raw database insert (2 stored_file + 1 mail_arrival, one transaction each): "
              f"{args.messages / seconds:.1f} msg/s ({seconds:.1f} s)")
        on_disk = sum(p.stat().st_size for p in (tmp / "data").rglob("*") if p.is_file())
        print(f"files kept: {on_disk / 1048576:.0f} MB (raw messages and PDFs)")
    finally:
        context.__exit__(None, None, None)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
