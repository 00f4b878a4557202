"""Two Saraban installations exchange letters through e-CMS, end to end.

The node is tests/ecms_node.py: a fake two-node e-CMS on loopback, a STAND-IN for DGA's
service written by us from SPEC.md, not DGA's service and not evidence of what its nodes do.
What these tests show is that our worker, run as ``saraban ecms work --once`` runs it, plays
the four round trips mil-doc ran against DGA's test nodes (SPEC.md §4.6: accepted; rejected,
withdrawn and resent; invalid; invalid AcceptID) and the hard cases, with both registers
asserted after every step.

The two installations are two Flask apps with two databases (SQLite files, or two PostgreSQL
databases when SARABAN_TEST_DATABASE_URL names a server), migrated and loaded with the
samples, as organisations 0031500001 (สพร. here) and 0031500002. The worker commits for real,
so each test uses letter numbers of its own.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

import pytest
from sqlalchemy import select

from saraban.exchange.ecms.messages import Attachment, InboundItem
from saraban.exchange.ecms.models import Direction, EcmsMessage, MessageState
from tests.conftest import DATABASES, PG_URL, RAN, _PgDatabase
from tests.ecms_node import ORG_1, ORG_2, FakeEcms, QueuedItem

DAY = dt.date(2026, 12, 3)
_numbers = itertools.count(1)


def _pdf(text: str = "หนังสือทดสอบ") -> bytes:
    from saraban.pdf.stamp import stamp_pdf

    return stamp_pdf(text, 1, dt.datetime(2026, 12, 3, 3, 0, tzinfo=dt.UTC))


PDF = _pdf()


class Installation:
    """One Saraban: its app, its organisation ID, and a way to run code inside it."""

    def __init__(self, name: str, org: str, database_url: str, tmp):
        from flask_migrate import upgrade

        from saraban import create_app
        from saraban.extensions import db
        from saraban.samples.loader import load_samples

        self.name, self.org = name, org
        self.app = create_app({
            "ENV": "testing", "TESTING": True, "SECRET_KEY": "test-" + uuid.uuid4().hex,
            "SQLALCHEMY_DATABASE_URI": database_url, "DATA_DIR": str(tmp / "data"),
            "SYSADMIN_TOTP": False, "REDIS_URL": None,
            "FILE_KEYS_DIR": str(tmp / "keys"), "ECMS_ORG_ID": org})
        with self.app.app_context():
            upgrade()
            load_samples()
            db.session.commit()
            db.session.remove()

    def close(self) -> None:
        """Close the pool's connections (before its database is dropped; an open one left
        to the garbage collector warns in whatever test runs then)."""
        from saraban.extensions import db

        with self.app.app_context():
            db.engine.dispose()

    def run(self, fn, *args, **kwargs):
        """``fn`` in this installation, committed (a unit of work, as the CLI runs)."""
        from saraban.extensions import db
        from saraban.transaction import unit_of_work

        with self.app.app_context():
            try:
                with unit_of_work("test step"):
                    return fn(*args, **kwargs)
            finally:
                db.session.remove()

    def work(self, node: FakeEcms, client=None):
        """One round of ``saraban ecms work --once`` against the fake node."""
        from saraban.exchange.ecms.worker import work_once

        with self.app.app_context():
            from saraban.extensions import db

            try:
                return work_once(client or ecms_client(node, self.org))
            finally:
                db.session.remove()


def ecms_client(node: FakeEcms, org: str, **kwargs):
    from saraban.exchange.ecms.client import EcmsClient

    kwargs.setdefault("read_timeout", 5.0)
    kwargs.setdefault("retry_pause", 0.0)
    return EcmsClient(node.url(org), org, **kwargs)


@pytest.fixture(scope="module", params=DATABASES)
def pair(request, tmp_path_factory):
    RAN.add(request.param)
    made = []
    urls = []
    for name in ("one", "two"):
        if request.param == "sqlite":
            path = tmp_path_factory.mktemp(f"ecms-{name}") / "saraban.sqlite3"
            urls.append(f"sqlite:///{path}")
        else:
            pg = _PgDatabase(PG_URL)
            made.append(pg)
            urls.append(pg.create())
    sides = []
    try:
        sides.append(Installation("one", ORG_1, urls[0], tmp_path_factory.mktemp("one")))
        sides.append(Installation("two", ORG_2, urls[1], tmp_path_factory.mktemp("two")))
        yield tuple(sides)
    finally:
        for side in sides:
            side.close()
        for pg in made:
            pg.drop()


@pytest.fixture(scope="module")
def fake_node(pair):
    """One fake node for the module (its ProcessIDs, like a real node's, never repeat); both
    installations fetch its lists and map our levels to its codes (0-3 → 001-004), as an
    administrator does with ``saraban ecms sync-codes`` and ``saraban ecms map``."""
    from saraban.exchange.ecms.codes import map_level, sync_codes

    fake = FakeEcms().start()
    try:
        for side in pair:
            side.run(sync_codes, ecms_client(fake, side.org))
            for level, code in enumerate(("001", "002", "003", "004")):
                side.run(map_level, None, "secrecy", level, code)
                side.run(map_level, None, "urgency", level, code)
        yield fake
    finally:
        fake.stop()


@pytest.fixture()
def node(pair, fake_node):
    """The node with empty queues, and both installations registering automatically."""
    for side in pair:
        side.app.config["EXCHANGE_AUTO_REGISTER"] = True
    for queue in fake_node.queues.values():
        queue.clear()
    fake_node.delay.clear()
    return fake_node


# --- helpers --------------------------------------------------------------------------------

def _clerk(username: str = "demo-clerk"):
    """A sample account; ``demo-admin`` decides on arrivals, as in tests/test_exchange_desk.py
    (an arrival not yet registered belongs to no unit a clerk reads)."""
    from saraban.accounts.models import User
    from saraban.extensions import db

    return db.session.scalar(select(User).where(User.username == username))


def _new_document(side: Installation, *, secrecy: int = 0, files=(PDF,),
                  enclosures: tuple[tuple[str, bytes, str | None], ...] = ()
                  ) -> tuple[int, str]:
    """A numbered outgoing letter of ``side`` with its PDF; its id and its ที่."""
    from saraban.documents.files import sniff, store
    from saraban.documents.models import DocumentFile, Enclosure, FileRole
    from saraban.documents.operations import create_document

    number = f"ทก ๐{next(_numbers):03d}/{uuid.uuid4().hex[:4]}"

    def make():
        document = create_document(_clerk(), {
            "number": number, "date": DAY.isoformat(), "sender": "หน่วยงานทดสอบ ๑",
            "subject": "ขอเชิญประชุมคณะทำงานพัฒนาระบบสารบรรณอิเล็กทรอนิกส์",
            "addressee": "หัวหน้าสำนักงาน", "secrecy": secrecy})
        for content in files:
            document.files.append(DocumentFile(file_id=store(content, sniff(content)).id,
                                               role=FileRole.ORIGINAL, filename="หนังสือ.pdf"))
        for i, (text, content, media_type) in enumerate(enclosures):
            document.enclosures.append(Enclosure(
                position=i, description=text,
                file=store(content, media_type or sniff(content))))
        return document.id

    return side.run(make), number


def _queue(side: Installation, document_id: int, to: str = ORG_2):
    from saraban.exchange.ecms.sending import queue_letter

    return side.run(lambda: queue_letter(_clerk(), document_id, f"ecms:{to}").id)


def _messages(side: Installation, **where) -> list[dict]:
    """Every e-CMS message of ``side`` matching ``where``, as plain dicts."""
    from saraban.extensions import db

    def read():
        query = select(EcmsMessage).order_by(EcmsMessage.id)
        for key, value in where.items():
            query = query.where(getattr(EcmsMessage, key) == value)
        return [{"id": m.id, "direction": m.direction, "operation": m.operation,
                 "state": m.state, "process_id": m.process_id, "accept_id": m.accept_id,
                 "letter_id": m.letter_id, "receipt_id": m.receipt_id,
                 "document_id": m.document_id, "letter_message_id": m.letter_message_id,
                 "last_error": m.last_error, "deleted_at": m.deleted_at,
                 "raw_sha256": m.raw_sha256}
                for m in db.session.scalars(query)]

    return side.run(read)


def _sent(side: Installation, number: str) -> list[dict]:
    return [m for m in _messages(side, direction=Direction.OUT, operation="GovernmentDocument")
            if m["letter_id"] == number]


def _arrived(side: Installation, number: str) -> list[dict]:
    return [m for m in _messages(side, direction=Direction.IN, operation="GovernmentDocument")
            if m["letter_id"] == number]


def _receipts(side: Installation, number: str) -> list[tuple[int, str]]:
    """The central receipt register's lines for the letter numbered ``number``: (เลขรับ,
    the document's ที่)."""
    from saraban.documents.models import Document
    from saraban.exchange.receiving import central_register
    from saraban.extensions import db
    from saraban.registers.models import Receipt

    def read():
        register = central_register()
        return [(r.number, d.number) for r, d in db.session.execute(
            select(Receipt, Document).join(Document, Document.id == Receipt.document_id)
            .where(Receipt.register_id == register.id, Document.number == number)
            .order_by(Receipt.id))]

    return side.run(read)


def _documents(side: Installation, number: str) -> int:
    from saraban.documents.models import Document
    from saraban.extensions import db

    return side.run(lambda: len(db.session.scalars(
        select(Document.id).where(Document.number == number)).all()))


def _queue_empty(node: FakeEcms, org: str) -> bool:
    return not node.queues[org]


# --- the four flows of SPEC.md §4.6 -----------------------------------------------------------

def test_sent_letter_is_registered_and_its_accept_id_comes_back(pair, node):
    """SendDoc: Outbound → Inbound, Delete → Receive → Inbound, Delete → Accept → Inbound."""
    one, two = pair
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    document_id, number = _new_document(one, enclosures=(("แผนผัง ๑ แผ่น", png, None),))
    _queue(one, document_id)
    assert [m["state"] for m in _sent(one, number)] == [MessageState.QUEUED]

    report = one.work(node)  # 1. scp1 Outbound(letter)
    assert report.sent == 1, report.errors
    [sent] = _sent(one, number)
    assert sent["state"] == MessageState.SENT and sent["process_id"]
    assert _receipts(two, number) == []

    report = two.work(node)  # 2-3, 5. scp2 Inbound, Delete, Receive, register, Accept
    assert (report.pulled, report.deleted, report.registered, report.sent) == (1, 1, 1, 2), \
        report.errors
    [arrived] = _arrived(two, number)
    [(accept_id, _)] = _receipts(two, number)
    assert arrived["state"] == MessageState.REGISTERED
    assert arrived["accept_id"] == str(accept_id) and arrived["deleted_at"] is not None
    assert len(arrived["raw_sha256"]) == 64
    assert _queue_empty(node, ORG_2)
    answers = [(m["operation"], m["state"]) for m in _messages(two, direction=Direction.OUT)
               if m["letter_message_id"] == arrived["id"]]
    assert answers == [("ReceiveLetterNotifier", MessageState.SENT),
                       ("AcceptLetterNotifier", MessageState.SENT)]
    assert _receipts(one, number) == []  # the sender registers nothing of its own letter

    report = one.work(node)  # 4, 6. scp1 Inbound, Delete (twice)
    assert (report.pulled, report.applied, report.deleted) == (2, 2, 2), report.errors
    [sent] = _sent(one, number)
    assert sent["state"] == MessageState.ACCEPTED and sent["accept_id"] == str(accept_id)
    assert _queue_empty(node, ORG_1)
    assert _receipts(two, number) == [(accept_id, number)]
    # the files arrived: the PDF as the letter's file, the PNG as its enclosure
    from saraban.documents.files import read
    from saraban.documents.models import Document
    from saraban.extensions import db

    def files():
        document = db.session.get(Document, arrived["document_id"])
        return ([read(f.file) for f in document.files],
                [(e.description, e.file is not None) for e in document.enclosures])

    mains, enclosures = two.run(files)
    assert len(mains) == 1 and mains[0].startswith(b"%PDF-")
    assert enclosures == [("แผนผัง ๑ แผ่น", True)]


def test_rejected_letter_is_withdrawn_and_sent_again(pair, node):
    """SendRejectDoc: … Reject → scp1 Inbound, Delete → withdraw; then the letter again."""
    one, two = pair
    two.app.config["EXCHANGE_AUTO_REGISTER"] = False  # a clerk decides
    document_id, number = _new_document(one)
    _queue(one, document_id)
    one.work(node)
    report = two.work(node)
    assert report.pending == 1 and report.sent == 1, report.errors  # Receive only
    [arrived] = _arrived(two, number)
    assert arrived["state"] == MessageState.PENDING and _receipts(two, number) == []

    # a clerk of the central register refuses it
    from saraban.exchange.ecms.worker import refuse_pending

    two.run(lambda: refuse_pending(_clerk("demo-admin"), arrived["id"], "เรื่องนี้ไม่อยู่ในอำนาจหน้าที่"))
    assert two.work(node).sent == 1
    assert _receipts(two, number) == []
    one.work(node)
    [sent] = _sent(one, number)
    assert sent["state"] == MessageState.REJECTED and _receipts(one, number) == []

    from saraban.exchange.ecms.sending import queue_letter, withdraw_letter
    from saraban.validation import OperationError

    with pytest.raises(OperationError, match="ถอนหนังสือเดิมก่อน"):
        one.run(lambda: queue_letter(_clerk(), document_id, f"ecms:{ORG_2}"))
    one.run(lambda: withdraw_letter(_clerk(), sent["id"]))
    report = one.work(node)  # CorrespondenceDeleteGovernmentDocumentRequest
    assert report.sent == 1, report.errors
    assert _sent(one, number)[0]["state"] == MessageState.WITHDRAWN

    _queue(one, document_id)  # sent again, as a new message
    assert one.work(node).sent == 1
    report = two.work(node)
    assert report.pending == 1, report.errors
    waiting = _arrived(two, number)[-1]
    from saraban.exchange.ecms.worker import accept_pending  # this time the clerk takes it

    two.run(lambda: accept_pending(_clerk("demo-admin"), waiting["id"]))
    assert two.work(node).sent == 1  # AcceptLetterNotifier
    [(accept_id, _)] = _receipts(two, number)
    assert [m["state"] for m in _arrived(two, number)] == [MessageState.REFUSED,
                                                          MessageState.REGISTERED]
    one.work(node)
    assert [(m["state"], m["accept_id"]) for m in _sent(one, number)] == [
        (MessageState.WITHDRAWN, None), (MessageState.ACCEPTED, str(accept_id))]


def test_invalid_letter_is_answered_invalid_and_registered_nowhere(pair, node):
    """SendInvalidDoc: a letter with a file a clerk here may not upload (plain text: the
    node lists the type, our uploads take PDF and images only) is answered with
    InvalidLetterNotifier."""
    one, two = pair
    document_id, number = _new_document(
        one, enclosures=(("บันทึก", "ข้อความธรรมดา".encode(), "text/plain"),))
    _queue(one, document_id)
    one.work(node)
    report = two.work(node)
    assert report.refused == 1 and report.registered == 0, report.errors
    [arrived] = _arrived(two, number)
    assert arrived["state"] == MessageState.REFUSED and "ไฟล์" in arrived["last_error"]
    assert _documents(two, number) == 0 and _receipts(two, number) == []
    assert [m["operation"] for m in _messages(two, direction=Direction.OUT)
            if m["letter_message_id"] == arrived["id"]] == ["InvalidLetterNotifier"]
    one.work(node)
    assert _sent(one, number)[0]["state"] == MessageState.INVALID


def test_invalid_accept_id_flags_the_receivers_line(pair, node):
    """SendInvalidAcceptDoc: … Accept → scp1 InvalidAcceptIDNotifier → scp2 Inbound, Delete."""
    from saraban.exchange.ecms.sending import report_invalid_accept_id

    one, two = pair
    document_id, number = _new_document(one)
    _queue(one, document_id)
    one.work(node)
    two.work(node)
    one.work(node)
    [sent] = _sent(one, number)
    assert sent["state"] == MessageState.ACCEPTED
    one.run(lambda: report_invalid_accept_id(_clerk(), sent["id"]))
    assert one.work(node).sent == 1
    report = two.work(node)
    assert report.applied == 1 and report.deleted == 1, report.errors
    [arrived] = _arrived(two, number)
    assert arrived["state"] == MessageState.REGISTERED
    assert f"เลขรับ {arrived['accept_id']} ไม่ถูกต้อง" in arrived["last_error"]
    assert len(_receipts(two, number)) == 1 and _queue_empty(node, ORG_2)


# --- the hard cases -----------------------------------------------------------------------------

def test_a_crash_between_store_and_delete_registers_once(pair, node):
    """The item is stored and committed, the worker dies before the delete: the next round
    pulls it again, finds it stored, deletes it, and registers the letter once."""
    from saraban.exchange.ecms.client import EcmsClient

    one, two = pair
    document_id, number = _new_document(one)
    _queue(one, document_id)
    one.work(node)

    class Crash(Exception):
        pass

    class CrashingClient(EcmsClient):
        def delete(self, process_id):
            raise Crash("killed between the commit and the delete")

    with pytest.raises(Crash):
        two.work(node, CrashingClient(node.url(ORG_2), ORG_2, retry_pause=0.0))
    [stored] = _arrived(two, number)
    assert stored["state"] == MessageState.STORED and stored["deleted_at"] is None
    assert not _queue_empty(node, ORG_2)

    report = two.work(node)
    assert (report.pulled, report.repeated, report.deleted, report.registered) == (0, 1, 1, 1)
    assert len(_arrived(two, number)) == 1 and len(_receipts(two, number)) == 1
    assert _documents(two, number) == 1 and _queue_empty(node, ORG_2)
    assert two.work(node).registered == 0


def test_a_duplicated_notifier_is_applied_once_and_deleted(pair, node):
    one, two = pair
    document_id, number = _new_document(one)
    _queue(one, document_id)
    one.work(node)
    two.work(node)
    accept = next(item for item in node.queues[ORG_1]
                  if item.notifier and item.notifier.kind == "AcceptLetterNotifier")
    # the node delivers the same Accept twice, under another ProcessID
    node.queues[ORG_1].append(QueuedItem("DUP-" + accept.process_id, accept.process_time,
                                         notifier=accept.notifier))
    report = one.work(node)
    assert (report.pulled, report.applied, report.duplicates, report.deleted) == (3, 2, 1, 3)
    assert _queue_empty(node, ORG_1)
    states = [m["state"] for m in _messages(one, direction=Direction.IN,
                                            operation="AcceptLetterNotifier")
              if m["letter_id"] == number]
    assert states == [MessageState.APPLIED, MessageState.DUPLICATE]
    assert _sent(one, number)[0]["state"] == MessageState.ACCEPTED
    assert one.work(node).pulled == 0


def test_an_accept_waits_for_its_receive_and_a_repeated_receive_is_applied_once(pair, node):
    """The Receive times out (the node took it, answered late): the Accept queued after it
    is held back that round, both go the next round in order, and the sender applies the
    Receive that arrived twice once."""
    one, two = pair
    document_id, number = _new_document(one)
    _queue(one, document_id)
    one.work(node)
    node.delay["CorrespondenceLetterOutboundRequest"] = 1.5  # the first notifier
    report = two.work(node, ecms_client(node, ORG_2, read_timeout=0.5, retries=0))
    assert report.registered == 1 and report.sent == 0
    [arrived] = _arrived(two, number)
    answers = [(m["operation"], m["state"], bool(m["last_error"]))
               for m in _messages(two, direction=Direction.OUT)
               if m["letter_message_id"] == arrived["id"]]
    assert answers == [("ReceiveLetterNotifier", MessageState.QUEUED, True),
                       ("AcceptLetterNotifier", MessageState.QUEUED, False)]
    assert two.work(node).sent == 2
    report = one.work(node)
    assert (report.pulled, report.applied, report.duplicates) == (3, 2, 1), report.errors
    assert _sent(one, number)[0]["state"] == MessageState.ACCEPTED


def test_a_misaddressed_letter_is_refused_on_both_sides(pair, node):
    """To an organisation not in the directory: refused before it is queued. A letter the
    node hands us that names another receiver: stored, deleted, answered Invalid, registered
    nowhere."""
    from saraban.exchange.ecms import codec
    from saraban.exchange.ecms.messages import Letter, Party
    from saraban.validation import OperationError

    one, two = pair
    document_id, number = _new_document(one)
    with pytest.raises(OperationError, match="ไม่พบหน่วยงานรหัส 0031599999"):
        _queue(one, document_id, to="0031599999")
    with pytest.raises(OperationError, match="รหัสหน่วยงาน ๑๐ หลัก") as malformed:
        _queue(one, document_id, to="00315")
    assert malformed.value.status == 400
    assert _sent(one, number) == []

    stray = Letter(letter_id="ทก ๙๙๙/๒๕๖๙", date=DAY, subject="หนังสือถึงหน่วยงานอื่น",
                   secret_code="001", speed_code="001",
                   sender=Party("สมชาย", "ใจดี", "ผู้อำนวยการ", ORG_1),
                   receiver=Party("", "", "ผู้อำนวยการ", "0031599999"),
                   main_letter=Attachment("application/pdf", PDF), send_date=DAY)
    raw = codec.build_letter(stray)
    document = next(codec.parse_xml(raw).iter(f"{{{codec.RSM}}}GovernmentDocument"))
    node.queues[ORG_2].append(QueuedItem("STRAY-1", "2026-12-03T09:00:00", document=document))
    report = two.work(node)
    assert report.refused == 1 and report.deleted == 1, report.errors
    [arrived] = _arrived(two, stray.letter_id)
    assert arrived["state"] == MessageState.REFUSED and "0031599999" in arrived["last_error"]
    assert _documents(two, "ทก ๙๙๙/๒๕๖๙") == 0 and _queue_empty(node, ORG_2)
    # the fake node knows no such letter to answer: its refusal is kept, not retried
    [answer] = [m for m in _messages(two, direction=Direction.OUT)
                if m["letter_message_id"] == arrived["id"]]
    assert answer["operation"] == "InvalidLetterNotifier"
    assert answer["state"] == MessageState.FAILED


def test_an_unknown_secret_code_is_refused_locally(pair, node):
    """Our secrecy level with no mapped code never reaches the node; an arriving code we
    have not mapped is answered Invalid."""
    from saraban.exchange.ecms.codes import map_level
    from saraban.exchange.ecms.models import EcmsLevelMap, LevelKind
    from saraban.extensions import db
    from saraban.validation import OperationError

    one, two = pair
    document_id, number = _new_document(one)  # ปกติ: level 0

    def unmap(side):
        side.run(lambda: db.session.execute(
            EcmsLevelMap.__table__.delete().where(EcmsLevelMap.kind == LevelKind.SECRECY,
                                                  EcmsLevelMap.level == 0)))

    before = len(node.received)
    unmap(one)
    try:
        with pytest.raises(OperationError, match="ยังไม่ได้กำหนดรหัส e-CMS ของชั้นความลับ"):
            _queue(one, document_id)
    finally:
        one.run(map_level, None, "secrecy", 0, "001")
    assert _sent(one, number) == []
    assert all(op != "CorrespondenceLetterOutboundRequest" for _, op, _ in node.received[before:])

    unmap(two)
    try:
        _queue(one, document_id)
        one.work(node)
        report = two.work(node)
        assert report.refused == 1, report.errors
        [arrived] = _arrived(two, number)
        assert arrived["state"] == MessageState.REFUSED and "001" in arrived["last_error"]
        assert _documents(two, number) == 0
        one.work(node)
        assert _sent(one, number)[0]["state"] == MessageState.INVALID
    finally:
        two.run(map_level, None, "secrecy", 0, "001")


def test_an_oversize_file_is_refused_before_it_is_queued(pair, node):
    from saraban.exchange.ecms import codec
    from saraban.validation import OperationError

    one, _ = pair
    big = PDF + b"%" + b"0" * codec.MAX_FILE_BYTES
    document_id, number = _new_document(one, files=(big,))
    with pytest.raises(OperationError) as refused:
        _queue(one, document_id)
    assert refused.value.status == 413
    assert _sent(one, number) == []


def test_a_secret_letter_goes_over_https_only_and_arrives_kept_secret(pair, node):
    """ลับ travels when the node is reached over HTTPS or loopback, never plain http to
    another host; it arrives encrypted at rest, named to the cleared registry officers."""
    from saraban.documents.models import Document
    from saraban.exchange.ecms.sending import queue_letter
    from saraban.extensions import db
    from saraban.validation import OperationError

    one, two = pair
    document_id, number = _new_document(one)

    def classify():  # the sender's clerk, cleared and named; a cleared registry officer there
        from tests.conftest import name_reader

        clerk = _clerk()
        clerk.clearance = 1
        document = db.session.get(Document, document_id)
        document.secrecy = 1
        name_reader(db.session, document, clerk)

    def officer():
        from saraban.exchange.receiving import central_register
        from saraban.units.models import Unit
        from tests.conftest import make_user

        unit = db.session.get(Unit, central_register().unit_id)
        return make_user(db.session, units=[unit], role="clerk", clearance=1).username

    one.run(classify)
    cleared = two.run(officer)
    one.app.config["ECMS_NODE_URL"] = "http://ecms.example.go.th/ecms-ws01/service2"
    try:
        with pytest.raises(OperationError, match="HTTPS"):
            one.run(lambda: queue_letter(_clerk(), document_id, f"ecms:{ORG_2}"))
        one.app.config["ECMS_NODE_URL"] = node.url(ORG_1)  # loopback
        one.run(lambda: queue_letter(_clerk(), document_id, f"ecms:{ORG_2}"))
    finally:
        one.app.config["ECMS_NODE_URL"] = None
        one.run(lambda: setattr(_clerk(), "clearance", 0))
    one.work(node)
    report = two.work(node)
    assert report.registered == 1, report.errors
    [arrived] = _arrived(two, number)

    def kept():
        from saraban.accounts.models import User
        from saraban.documents.files import _encrypted_on_disk, file_path
        from saraban.documents.models import DocumentReader

        document = db.session.get(Document, arrived["document_id"])
        readers = db.session.scalars(select(User.username).join(
            DocumentReader, DocumentReader.user_id == User.id).where(
            DocumentReader.document_id == document.id)).all()
        return (document.secrecy, readers,
                [_encrypted_on_disk(file_path(f.file.sha256)) for f in document.files])

    secrecy, readers, encrypted = two.run(kept)
    assert secrecy == 1 and cleared in readers and encrypted == [True]


def test_a_top_secret_letter_never_leaves(pair, node):
    """ลับที่สุด is refused before anything is built, even for a clerk cleared and named."""
    from saraban.documents.models import Document
    from saraban.extensions import db
    from saraban.validation import OperationError
    from tests.conftest import name_reader

    one, _ = pair
    document_id, number = _new_document(one)

    def classify():
        clerk = _clerk()
        clerk.clearance = 3
        document = db.session.get(Document, document_id)
        document.secrecy = 3
        name_reader(db.session, document, clerk)

    one.run(classify)
    try:
        with pytest.raises(OperationError, match="ลับที่สุดไม่ส่งทางระบบ"):
            _queue(one, document_id)
    finally:
        one.run(lambda: setattr(_clerk(), "clearance", 0))
    assert _sent(one, number) == []


def test_a_timed_out_letter_is_checked_before_it_is_sent_again(pair, node):
    """The node takes the letter and answers too late: the worker marks it unknown and never
    sends it again before OutboundStatusRequest has answered; when the status request times
    out too, it stays unknown; the next round finds it listed and takes its ProcessID."""
    one, two = pair
    document_id, number = _new_document(one)
    _queue(one, document_id)
    node.delay["CorrespondenceLetterOutboundRequest"] = 1.5
    node.delay["OutboundStatusRequest"] = 1.5
    before = len(node.received)
    report = one.work(node, ecms_client(node, ORG_1, read_timeout=0.5, retries=0))
    assert report.unknown == 1 and report.sent == 0
    assert _sent(one, number)[0]["state"] == MessageState.UNKNOWN
    report = one.work(node)
    assert report.sent == 1, report.errors
    [sent] = _sent(one, number)
    assert sent["state"] == MessageState.SENT
    assert sent["process_id"] == node.sent[-1].process_id
    asked = [op for org, op, _ in node.received[before:] if org == ORG_1
             and op in ("CorrespondenceLetterOutboundRequest", "OutboundStatusRequest")]
    assert asked == ["CorrespondenceLetterOutboundRequest", "OutboundStatusRequest",
                     "OutboundStatusRequest"]  # sent once, asked twice
    two.work(node)
    assert len(_receipts(two, number)) == 1


def test_an_item_we_cannot_read_is_stored_and_deleted(pair, node):
    one, _ = pair
    node.queues[ORG_1].append(QueuedItem("ODD-1", "2026-12-03T09:00:00"))
    assert isinstance(node.queues[ORG_1][0], QueuedItem)
    report = one.work(node)
    assert report.deleted == 1 and _queue_empty(node, ORG_1)
    [odd] = [m for m in _messages(one, direction=Direction.IN) if m["process_id"] == "ODD-1"]
    assert odd["operation"] == "Unknown" and odd["state"] == MessageState.UNMATCHED
    assert InboundItem  # the stored raw is the node's answer as received


def test_saraban_ecms_work_once_runs_one_round(pair, node):
    """The command an operator runs (from cron or a timer): the node's settings, one round."""
    one, two = pair
    document_id, number = _new_document(one)
    _queue(one, document_id)
    one.app.config["ECMS_NODE_URL"] = node.url(ORG_1)
    try:
        result = one.app.test_cli_runner().invoke(args=["ecms", "work", "--once"])
    finally:
        one.app.config["ECMS_NODE_URL"] = None
    assert result.exit_code == 0, result.output
    assert "ส่งแล้ว 1" in result.output
    assert _sent(one, number)[0]["state"] == MessageState.SENT
    two.work(node)
    assert len(_receipts(two, number)) == 1
