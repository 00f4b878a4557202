"""Acting on what one may not read: every action on a document, page and API, asked by a
user who may not read it, answers 404 (the same as for a document that does not exist)
and changes nothing in the database.

The intruder belongs to every unit the secret document touches, as their clerk and
commander, keeps their registers, has an order and a loan of the document in his unit
and even an old draft endorsement on it; he is cleared for its level or not, but he is
neither its writer nor a named reader. Only the secret rule may stop him, in each
operation itself.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from sqlalchemy import select

from saraban import thaidate
from saraban.accounts.models import Membership, Role
from saraban.documents.models import Document, DocumentFile, FileRole
from saraban.endorsements.models import Endorsement, EndorsementLine, EndorsementStatus, Order
from saraban.exchange.models import Direction, ExchangeMessage, MessageStatus, Peer
from saraban.records.models import Loan
from saraban.registers.models import Dispatch, Receipt, Register
from saraban.routing.models import Purpose, Transfer, TransferKind, TransferStatus
from saraban.thaidate import BANGKOK
from saraban.units.models import Agency, Person
from tests.conftest import csrf_token_from, log_in, make_document, make_unit, make_user

# Rows that may change when a request is refused: the audit trail (a refusal may be
# recorded) and the accounts' own bookkeeping of logins and tokens.
UNWATCHED = {"audit_event", "audit_head", "api_token", "user_account", "recovery_code"}

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" \
      b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" \
      b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n" \
      b"trailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture()
def hidden(db_session):
    tag = uuid.uuid4().hex[:6]
    a, b = make_unit(db_session, f"ปลาย-{tag}", doc_code=f"9{tag[:3]}.1"), make_unit(
        db_session, f"ต้น-{tag}", doc_code=f"8{tag[:3]}.2")
    owner = make_user(db_session, f"owner-{tag}", units=[b], role="clerk", clearance=2)
    reader = make_user(db_session, f"reader-{tag}", units=[a], role="staff", clearance=2)
    person = Person(rank="พ.ต.ท.", first_name="ผู้บุก", last_name=f"รุก{tag}")
    db_session.add(person)
    db_session.flush()
    intruders = {}
    for clearance in (0, 1):
        user = make_user(db_session, f"intruder{clearance}-{tag}", units=[a, b], role="clerk",
                         clearance=clearance, person_id=person.id if clearance else None)
        user.memberships.append(Membership(unit=a, role=Role.COMMANDER))
        intruders[clearance] = user
    registers = {}
    for unit, kind in ((a, "receipt"), (a, "dispatch"), (b, "receipt"), (b, "dispatch")):
        registers[unit.id, kind] = Register(unit=unit, kind=kind, code=f"{kind[:2]}-{tag}",
                                            name=f"ทะเบียน {kind}")
    db_session.add_all(registers.values())
    db_session.flush()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    year = now.astimezone(BANGKOK).year
    secret = make_document(db_session, f"เรื่องลับ {tag}", number=f"8{tag[:3]}.2/77",
                           secrecy=1, origin_unit_id=b.id, created_by_id=owner.id,
                           doc_date=now.astimezone(BANGKOK).date(), body="ข้อความลับ")
    from saraban.documents.files import store

    stored = store(PDF + tag.encode(), "application/pdf")
    db_session.add(DocumentFile(document_id=secret.id, file_id=stored.id, role=FileRole.SCAN,
                                filename="scan.pdf"))
    from tests.conftest import name_reader

    name_reader(db_session, secret, reader)
    receipt = Receipt(register_id=registers[a.id, "receipt"].id, document_id=secret.id,
                      year=year, number=1, received_at=now)
    dispatch = Dispatch(register_id=registers[b.id, "dispatch"].id, document_id=secret.id,
                        year=year, number=1, number_text=secret.number, dispatched_at=now)
    incoming = Transfer(document_id=secret.id, kind=TransferKind.FORWARD,
                        purpose=Purpose.INFORM, from_unit_id=b.id, to_unit_id=a.id,
                        sent_at=now, status=TransferStatus.SENT, sent_by_id=owner.id)
    outgoing = Transfer(document_id=secret.id, kind=TransferKind.FORWARD,
                        purpose=Purpose.INFORM, from_unit_id=a.id, to_unit_id=b.id,
                        sent_at=now, status=TransferStatus.SENT, sent_by_id=reader.id)
    proposal = Transfer(document_id=secret.id, kind=TransferKind.PROPOSE,
                        purpose=Purpose.CONSIDER, from_unit_id=b.id, to_unit_id=a.id,
                        sent_at=now, status=TransferStatus.SENT, sent_by_id=owner.id)
    db_session.add_all([receipt, dispatch, incoming, outgoing, proposal])
    signed = Endorsement(document_id=secret.id, unit_id=a.id, signer_id=person.id,
                         signature_text="ผู้บุก", status=EndorsementStatus.SIGNED,
                         signed_at=now, created_by_id=reader.id)
    signed.lines = [EndorsementLine(position=0, text="ทราบ")]
    signed.orders = [Order(to_unit_id=a.id, instruction="ดำเนินการ")]
    draft = Endorsement(document_id=secret.id, unit_id=a.id, signer_id=person.id,
                        signature_text="ผู้บุก", status=EndorsementStatus.DRAFT,
                        created_by_id=intruders[1].id)
    draft.lines = [EndorsementLine(position=0, text="ร่าง")]
    db_session.add_all([signed, draft])
    loan = Loan(document_id=secret.id, unit_id=a.id, item="ต้นฉบับ", borrower="ผู้ยืม",
                lent_on=now.date(), due_on=now.date() + dt.timedelta(days=7))
    agency = Agency(code=f"P{tag}".upper(), short_name="ปลายทาง", name_th="ปลายทาง")
    peer = Peer(code=agency.code, name="ปลายทาง", url="https://peer.invalid",
                public_key="A" * 43 + "=", agency=agency)
    db_session.add_all([loan, agency, peer])
    db_session.flush()
    rejected = ExchangeMessage(direction=Direction.OUT, message_id=str(uuid.uuid4()),
                               kind="letter", peer_id=peer.id, document_id=secret.id,
                               status=MessageStatus.REJECTED, digest="0" * 64, payload="{}")
    arrived = ExchangeMessage(direction=Direction.IN, message_id=str(uuid.uuid4()),
                              kind="letter", peer_id=peer.id, document_id=secret.id,
                              status=MessageStatus.RECEIVED, digest="1" * 64, payload="{}")
    db_session.add_all([rejected, arrived])
    db_session.commit()
    return {
        "a": a.id, "b": b.id, "doc": secret.id, "receipt": receipt.id,
        "dispatch": dispatch.id, "incoming": incoming.id, "outgoing": outgoing.id,
        "signed": signed.id, "draft": draft.id, "order": signed.orders[0].id, "loan": loan.id,
        "peer": peer.code, "message": rejected.id, "arrival": arrived.id,
        "reader": reader.id, "owner": owner.id,
        "receipt_register_a": registers[a.id, "receipt"].id,
        "dispatch_register_a": registers[a.id, "dispatch"].id,
        "intruders": {k: (u.username, u.id) for k, u in intruders.items()},
    }


def _actions(w: dict, me: int) -> list[tuple[str, str, dict]]:
    """(method, url, body) for every action on the document: the pages' forms (form
    data) and the API (JSON), with input that would be accepted were it readable."""
    d = w["doc"]
    return [
        # routing
        ("POST", f"/documents/{d}/forward", {"to": str(w["b"]), "to_user": str(w["owner"])}),
        ("API", f"/api/v1/documents/{d}/transfers", {"to": w["b"], "to_user": w["owner"]}),
        ("POST", f"/documents/{d}/readers", {"to_user": str(me)}),
        ("API", f"/api/v1/documents/{d}/readers", {"user": me}),
        ("POST", f"/transfers/{w['incoming']}/accept", {}),
        ("API", f"/api/v1/transfers/{w['incoming']}/accept",
         {"register_id": w["receipt_register_a"]}),
        ("POST", f"/transfers/{w['incoming']}/return", {"reason": "ไม่ใช่ของหน่วยนี้"}),
        ("API", f"/api/v1/transfers/{w['incoming']}/return", {"reason": "ไม่ใช่ของหน่วยนี้"}),
        ("POST", f"/transfers/{w['outgoing']}/recall", {}),
        ("API", f"/api/v1/transfers/{w['outgoing']}/recall", {}),
        ("POST", f"/documents/{d}/certified-copies",
         {"register_id": str(w["dispatch_register_a"]), "certifier_name": "ผู้รับรอง",
          "certifier_position": "สารบรรณ"}),
        ("API", f"/api/v1/documents/{d}/certified-copies",
         {"register_id": w["dispatch_register_a"], "certifier_name": "ผู้รับรอง",
          "certifier_position": "สารบรรณ"}),
        # registers
        ("POST", f"/receipts/{w['receipt']}/cancel", {"reason": "ลงผิด"}),
        ("API", f"/api/v1/receipts/{w['receipt']}/cancel", {"reason": "ลงผิด"}),
        ("POST", f"/dispatches/{w['dispatch']}/cancel", {"reason": "ออกเลขผิด"}),
        ("API", f"/api/v1/dispatches/{w['dispatch']}/cancel", {"reason": "ออกเลขผิด"}),
        ("API", f"/api/v1/registers/{w['receipt_register_a']}/receipts", {"document_id": d}),
        ("POST", f"/documents/{d}/historic-receipt",
         {"register_id": str(w["receipt_register_a"]), "number": "99",
          "date": "1 ม.ค. 2563"}),
        ("API", f"/api/v1/registers/{w['receipt_register_a']}/receipts",
         {"document_id": d, "number": 99, "date": "1 ม.ค. 2563"}),
        ("POST", f"/documents/{d}/dispatch", {"register_id": str(w["dispatch_register_a"])}),
        ("API", f"/api/v1/documents/{d}/dispatch", {"register_id": w["dispatch_register_a"]}),
        ("POST", f"/documents/{d}/corrections", {"correction": "แก้คำผิด"}),
        ("API", f"/api/v1/documents/{d}/corrections", {"correction": "แก้คำผิด"}),
        # the document itself and its files
        ("POST", f"/documents/{d}/edit", {"subject": "เปลี่ยนเรื่อง"}),
        ("PATCH", f"/api/v1/documents/{d}", {"subject": "เปลี่ยนเรื่อง"}),
        ("FILE", f"/documents/{d}/files", {}),
        ("APIFILE", f"/api/v1/documents/{d}/files", {}),
        # endorsements and orders
        ("POST", f"/documents/{d}/endorsements", {"phrase": "ทราบ", "action": "sign"}),
        ("API", f"/api/v1/documents/{d}/endorsements", {"lines": ["ทราบ"], "sign": True}),
        ("POST", f"/endorsements/{w['draft']}", {"action": "sign", "document_id": str(d)}),
        ("PATCH", f"/api/v1/endorsements/{w['draft']}", {"lines": ["เปลี่ยน"]}),
        ("API", f"/api/v1/endorsements/{w['draft']}/sign", {}),
        ("DELETE", f"/api/v1/endorsements/{w['draft']}", None),
        ("POST", f"/orders/{w['order']}/complete", {"note": "เสร็จแล้ว"}),
        ("API", f"/api/v1/orders/{w['order']}/complete", {"note": "เสร็จแล้ว"}),
        # records
        ("POST", f"/records/documents/{d}/retention", {"years": "10"}),
        ("PUT", f"/api/v1/documents/{d}/retention", {"years": 10}),
        ("POST", "/records/loans/new",
         {"document_id": str(d), "item": "ต้นฉบับ", "borrower": "ผู้ยืม",
          "due_on": (thaidate.today() + dt.timedelta(days=3)).isoformat()}),
        ("API", "/api/v1/loans", {"document_id": d, "item": "ต้นฉบับ", "borrower": "ผู้ยืม",
                                  "due_on": (thaidate.today() + dt.timedelta(days=3)).isoformat()}),
        ("POST", f"/records/loans/{w['loan']}/return", {"returned_by": "ผู้ยืม"}),
        ("API", f"/api/v1/loans/{w['loan']}/return", {"returned_by": "ผู้ยืม"}),
        # exchange
        ("POST", f"/documents/{d}/exchange", {"to": w["peer"]}),
        ("API", f"/api/v1/documents/{d}/exchange", {"to": w["peer"]}),
        ("API", f"/api/v1/exchange/messages/{w['message']}/resend", {}),
        ("POST", f"/exchange/arrivals/{w['arrival']}", {"action": "accept"}),
        ("API", f"/api/v1/exchange/arrivals/{w['arrival']}/accept", {}),
        ("POST", f"/exchange/arrivals/{w['arrival']}", {"action": "reject", "reason": "ผิด"}),
        ("API", f"/api/v1/exchange/arrivals/{w['arrival']}/reject", {"reason": "ผิด"}),
    ]


def _snapshot(db_session) -> dict[str, list]:
    from saraban.extensions import db

    db_session.expire_all()
    tables = {}
    for table in db.metadata.sorted_tables:
        if table.name in UNWATCHED:
            continue
        rows = db_session.execute(select(table).order_by(*table.primary_key.columns)).all()
        tables[table.name] = [tuple(map(str, row)) for row in rows]
    return tables


def _files_on_disk(app) -> set[str]:
    from pathlib import Path

    return {str(p) for p in (Path(app.config["DATA_DIR"]) / "files").rglob("*") if p.is_file()}


@pytest.mark.parametrize("clearance", [0, 1])
def test_every_action_on_a_document_one_may_not_read_is_404_and_changes_nothing(
        app, client, db_session, hidden, clearance, monkeypatch):
    from saraban.accounts.models import User
    from saraban.accounts.operations import create_token

    username, me = hidden["intruders"][clearance]
    # his unit keeps the central register: letters from other agencies wait for him
    monkeypatch.setitem(app.config, "EXCHANGE_REGISTER_ID", hidden["receipt_register_a"])
    monkeypatch.setitem(app.config, "EXCHANGE_AUTO_REGISTER", False)
    log_in(client, username)
    token = create_token(db_session.get(User, me), "hidden")
    db_session.commit()
    api = {"Authorization": f"Bearer {token}"}
    csrf = csrf_token_from(client.get("/receive").get_data(as_text=True))
    before, files_before = _snapshot(db_session), _files_on_disk(app)
    wrong = []
    for method, url, body in _actions(hidden, me):
        if method == "POST":
            answer = client.post(url, data={**body, "csrf_token": csrf})
        elif method == "FILE":
            answer = client.post(url, data={"csrf_token": csrf,
                                            "file": (io.BytesIO(PDF), "scan.pdf")},
                                 content_type="multipart/form-data")
        elif method == "APIFILE":
            answer = client.post(url, headers=api, data={"file": (io.BytesIO(PDF), "scan.pdf")},
                                 content_type="multipart/form-data")
        else:
            verb = "POST" if method == "API" else method
            answer = client.open(url, method=verb, headers=api,
                                 json=body if body is not None else None)
        if answer.status_code != 404:
            wrong.append((method, url, answer.status_code))
        text_of = answer.get_data(as_text=True)
        assert "เรื่องลับ" not in text_of, (method, url)
    assert wrong == [], "\n".join(map(str, wrong))
    assert _snapshot(db_session) == before
    assert _files_on_disk(app) == files_before


def test_the_reader_still_acts_on_it(app, client, db_session, hidden):
    """The same actions are open to a named reader (so the 404s above are for the rule):
    the reader returns the waiting transfer and cancels the receipt."""
    from saraban.accounts.models import User
    from saraban.accounts.operations import create_token

    reader = db_session.get(User, hidden["reader"])
    reader.memberships.append(Membership(unit_id=hidden["a"], role=Role.CLERK))
    token = create_token(reader, "hidden")
    db_session.commit()
    api = {"Authorization": f"Bearer {token}"}
    back = client.post(f"/api/v1/transfers/{hidden['incoming']}/return", headers=api,
                       json={"reason": "ส่งผิดหน่วย"})
    assert back.status_code == 200, back.json
    cancelled = client.post(f"/api/v1/receipts/{hidden['receipt']}/cancel", headers=api,
                            json={"reason": "ลงผิด"})
    assert cancelled.status_code == 200, cancelled.json
    db_session.expire_all()
    assert db_session.get(Transfer, hidden["incoming"]).status == TransferStatus.RETURNED
    assert db_session.scalar(select(Receipt.status).where(
        Receipt.id == hidden["receipt"])) == "cancelled"
    assert db_session.get(Document, hidden["doc"]).secrecy == 1


def test_a_top_secret_document_gets_no_reader_named_electronically(client, db_session):
    """ลับที่สุด stays off electronic circulation: even the registry officer who entered it
    names nobody through the system (page and API), and nothing is written."""
    from saraban.accounts.operations import create_token
    from saraban.documents.models import DocumentReader

    unit = make_unit(db_session)
    officer = make_user(db_session, units=[unit], role="clerk", clearance=3)
    other = make_user(db_session, units=[unit], role="commander", clearance=3)
    top = make_document(db_session, "เรื่องลับที่สุด", secrecy=3, origin_unit_id=unit.id,
                        created_by_id=officer.id)
    token = create_token(officer, "top")
    db_session.commit()
    answer = client.post(f"/api/v1/documents/{top.id}/readers",
                         headers={"Authorization": f"Bearer {token}"}, json={"user": other.id})
    assert answer.status_code == 409, answer.json
    assert "ลับที่สุด" in answer.json["error"]["message_th"]
    log_in(client, officer.username)
    page = client.get(f"/documents/{top.id}")
    assert page.status_code == 200
    done = client.post(f"/documents/{top.id}/readers", follow_redirects=True,
                       data={"to_user": str(other.id),
                             "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert "ลับที่สุดไม่เวียนทางระบบ" in done.get_data(as_text=True)
    assert db_session.scalar(select(DocumentReader.id).where(
        DocumentReader.document_id == top.id)) is None
