"""Every kind of user against every kind of document, through every way in: no leak.

A small world of units, users and documents (ordinary, sent between units, from a unit
below, secret with and without a named reader, top secret) is read by each user through
every page and API route that takes a document id (found from the URL map, so a new route
is tried the day it is added), the files, the receipt stamps, search (page and API, with
its count), the lists (home, inbox, desk, tasks, registers and their exports, sender
suggestions, pendency). A document the user may not see must answer 404 where it is
asked for by id, and its marker word must appear nowhere else, not even as a count.

The secret documents also carry the side doors: a signed endorsement whose minute and
orders (to the whole unit, no person named) repeat the marker, audit events whose details
repeat it, register lines shown in the "just registered" box of the receive and send
forms, and letters from another agency waiting in the arrivals list.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import uuid

import pytest
from sqlalchemy import select

from saraban.accounts.models import Membership
from saraban.audit.models import AuditEvent
from saraban.audit.operations import record
from saraban.db import utcnow
from saraban.documents.files import store
from saraban.documents.models import DocumentFile, FileRole
from saraban.endorsements.models import (
    Endorsement,
    EndorsementLine,
    EndorsementStatus,
    Order,
    OrderStatus,
)
from saraban.exchange.models import Direction, ExchangeMessage, MessageStatus, Peer
from saraban.registers.models import Dispatch, Receipt, Register
from saraban.routing.models import Purpose, Transfer, TransferKind, TransferStatus
from saraban.thaidate import BANGKOK
from saraban.units.models import Person
from tests.conftest import log_in, make_document, make_unit, make_user, name_reader
from tests.pdftools import need

# The documents: name -> (origin unit, secrecy, entered by, sent to A from B?)
DOCUMENTS = {
    "normal_a": ("a", 0, None),
    "normal_a1": ("a1", 0, None),
    "normal_b": ("b", 0, None),
    "sent_b_to_a": ("b", 0, None),
    "secret_a": ("a", 1, "cleared_clerk_a"),
    "named_b": ("a", 2, "cleared_clerk_a"),  # named to reader_b
    "top_a": ("a", 3, "commander_a"),
    "top_other": ("a", 3, "cleared_clerk_a"),  # entered by a clerk cleared for ลับมาก only
}

# The users: name -> (unit, role, clearance, sees_all, with_subunits)
USERS = {
    "clerk_a": ("a", "clerk", 0, False, False),
    "cleared_clerk_a": ("a", "clerk", 2, False, False),
    "commander_a": ("a", "commander", 3, False, True),
    "staff_a1": ("a1", "staff", 0, False, False),
    "staff_b": ("b", "staff", 0, False, False),
    "reader_b": ("b", "staff", 2, False, False),
    "admin": ("a", "admin", 0, True, False),
    "cleared_admin": ("a", "admin", 3, True, False),
}

ORDINARY = {"normal_a", "normal_a1", "normal_b", "sent_b_to_a"}
# What each may see, written out by hand from the rule (not computed from the code).
EXPECTED = {
    "clerk_a": {"normal_a", "sent_b_to_a"},
    "cleared_clerk_a": {"normal_a", "sent_b_to_a", "secret_a", "named_b"},
    "commander_a": {"normal_a", "normal_a1", "sent_b_to_a", "top_a"},
    "staff_a1": {"normal_a1"},
    "staff_b": {"normal_b", "sent_b_to_a"},
    "reader_b": {"normal_b", "sent_b_to_a", "named_b"},
    "admin": ORDINARY,
    "cleared_admin": ORDINARY,
}


def _pdf(marker: str) -> bytes:
    """A small real PDF (its bytes differ per document)."""
    body = f"%PDF-1.4\n% {uuid.uuid4().hex}\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"
    return body.encode()


@pytest.fixture()
def world(db_session):
    tag = uuid.uuid4().hex[:6]
    units = {"a": make_unit(db_session, f"ก-{tag}")}
    units["a1"] = make_unit(db_session, f"ก๑-{tag}", parent=units["a"])
    units["b"] = make_unit(db_session, f"ข-{tag}")
    users = {}
    for name, (unit, role, clearance, sees_all, deep) in USERS.items():
        user = make_user(db_session, f"{name}-{tag}", units=[units[unit]], role=role,
                         clearance=clearance, sees_all=sees_all)
        if deep:
            for m in user.memberships:
                m.with_subunits = True
        users[name] = user
    register = Register(unit=units["a"], kind="receipt", code=f"m-{tag}", name="ทะเบียนรับทดสอบ")
    outgoing = Register(unit=units["a"], kind="dispatch", code=f"s-{tag}", name="ทะเบียนส่งทดสอบ")
    signer = Person(rank="พล.ต.ต.", first_name="ผู้สั่ง", last_name=f"ทดสอบ{tag}")
    peer = Peer(code=f"P{tag}", name="หน่วยงานภายนอกทดสอบ", url="http://127.0.0.1:9",
                public_key="A" * 43 + "=")
    db_session.add_all([register, outgoing, signer, peer])
    db_session.flush()
    now = dt.datetime.now(BANGKOK).replace(microsecond=0)
    docs, files, receipts, dispatches, markers = {}, {}, {}, {}, {}
    for number, (name, (unit, secrecy, by)) in enumerate(DOCUMENTS.items(), start=1):
        marker = f"zq{name.replace('_', '')}{tag}"
        markers[name] = marker
        doc = make_document(
            db_session, subject=f"เรื่องทดสอบ {marker}", number=f"ทส {number}/{tag}",
            body=f"ข้อความของหนังสือ {marker}", sender_text=f"กรมทดสอบ {marker}",
            origin_unit_id=units[unit].id, secrecy=secrecy, doc_date=now.date(),
            created_by_id=users[by].id if by else None)
        docs[name] = doc
        stored = store(_pdf(marker), "application/pdf")
        file = DocumentFile(document_id=doc.id, file_id=stored.id, role=FileRole.SCAN,
                            filename=f"{marker}.pdf")
        db_session.add(file)
        if unit == "a" or name == "sent_b_to_a":
            receipt = Receipt(register_id=register.id, document_id=doc.id, year=now.year,
                              number=len(receipts) + 1, received_at=now)
            db_session.add(receipt)
            receipts[name] = receipt
        if unit == "a":
            dispatch = Dispatch(register_id=outgoing.id, document_id=doc.id, year=now.year,
                                number=len(dispatches) + 1, number_text=f"ทส/{number}",
                                dispatched_at=now, to_text=f"ถึง {marker}")
            db_session.add(dispatch)
            dispatches[name] = dispatch
        if secrecy:
            _side_doors(db_session, doc, marker, units, signer, peer, now)
        db_session.flush()
        record("document.update", user=users[by] if by else None, document_id=doc.id,
               unit_id=units[unit].id,
               details={"before": {"subject": f"เดิม {marker}"}, "after": {"body": marker}})
        files[name] = file.id
    db_session.add(Transfer(document_id=docs["sent_b_to_a"].id, kind=TransferKind.FORWARD,
                            purpose=Purpose.INFORM, from_unit_id=units["b"].id,
                            to_unit_id=units["a"].id, sent_at=now.astimezone(dt.UTC),
                            status=TransferStatus.SENT))
    name_reader(db_session, docs["named_b"], users["reader_b"])
    db_session.commit()
    return {"units": units, "users": users, "docs": docs, "files": files,
            "receipts": {k: r.id for k, r in receipts.items()}, "markers": markers,
            "dispatches": {k: d.id for k, d in dispatches.items()},
            "register": register.id, "outgoing": outgoing.id, "year": now.year}


def _side_doors(db_session, doc, marker: str, units, signer, peer, now) -> None:
    """What a secret document leaves about: a signed minute with orders to the whole of
    units a and b (no person named), and the letter it came as, waiting to be accepted."""
    endorsement = Endorsement(
        document_id=doc.id, unit_id=units["a"].id, signer_id=signer.id,
        signature_text=f"ผบช.ทดสอบ {marker}", status=EndorsementStatus.SIGNED,
        signed_at=now.astimezone(dt.UTC))
    endorsement.lines = [EndorsementLine(position=0, text=f"เกษียน {marker}")]
    endorsement.orders = [
        Order(to_unit_id=unit.id, instruction=f"สั่งการ {marker}", status=OrderStatus.OPEN,
              due_date=now.date() + dt.timedelta(days=7))
        for unit in (units["a"], units["b"])]
    db_session.add(endorsement)
    db_session.add(ExchangeMessage(
        direction=Direction.IN, message_id=str(uuid.uuid4()), kind="letter", peer=peer,
        document_id=doc.id, status=MessageStatus.RECEIVED, digest=uuid.uuid4().hex * 2,
        payload="{}", created_at=utcnow()))


def _token(db_session, user) -> dict:
    from saraban.accounts.operations import create_token

    value = create_token(user, "matrix")
    db_session.commit()
    return {"Authorization": f"Bearer {value}"}


def _document_routes(app) -> list[str]:
    """Every GET route that takes only a document id (and a file id), page or API."""
    rules = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and "document_id" in rule.arguments and (
                rule.arguments <= {"document_id", "file_id"}):
            rules.append(rule.rule)
    assert len(rules) >= 12, rules  # the document page, history, files, PDFs, ...
    return sorted(rules)


def _url(rule: str, doc_id: int, file_id: int) -> str:
    return (rule.replace("<int:document_id>", str(doc_id))
            .replace("<int:file_id>", str(file_id)))


def _text(response) -> str:
    if response.mimetype == "application/pdf":
        return subprocess.run([need("pdftotext"), "-", "-"], input=response.data,
                              capture_output=True, check=False).stdout.decode("utf-8", "replace")
    return response.get_data(as_text=True)


@pytest.mark.parametrize("who", sorted(USERS))
def test_no_document_leaks_to_a_user_who_may_not_see_it(app, client, db_session, world, who,
                                                        monkeypatch):
    monkeypatch.setitem(app.config, "EXCHANGE_REGISTER_ID", world["register"])
    user = world["users"][who]
    expected = EXPECTED[who]
    log_in(client, user.username)
    api = _token(db_session, user)
    markers = world["markers"]
    hidden = [markers[name] for name in DOCUMENTS if name not in expected]
    routes = _document_routes(app)

    def leaks(text: str) -> list[str]:
        return [m for m in hidden if m in text]

    # 1. Asked for by id, on every page and API route: 404, and nothing of it.
    for name, doc in world["docs"].items():
        for rule in routes:
            headers = api if rule.startswith("/api/") else {}
            response = client.get(_url(rule, doc.id, world["files"][name]), headers=headers)
            assert response.status_code != 500, (who, name, rule)
            if name in expected:
                if rule.endswith(("<int:document_id>", "/history", "/chain")):
                    assert response.status_code == 200, (who, name, rule)
            else:
                assert response.status_code == 404, (who, name, rule, response.status_code)
                assert not leaks(response.get_data(as_text=True)), (who, name, rule)
        receipt = world["receipts"].get(name)
        if receipt is not None:
            for url, headers in ((f"/receipts/{receipt}/stamp.pdf", {}),
                                 (f"/api/v1/receipts/{receipt}/stamp.pdf", api)):
                response = client.get(url, headers=headers)
                if name not in expected:
                    assert response.status_code == 404, (who, name, url)

    # 2. Files of visible documents do open (so the 404s above are not for another reason).
    for name in expected:
        doc, file_id = world["docs"][name], world["files"][name]
        assert client.get(f"/documents/{doc.id}/files/{file_id}").status_code == 200, name
        assert client.get(f"/api/v1/documents/{doc.id}/files/{file_id}",
                          headers=api).status_code == 200, name

    # 3. Search, page and API: found exactly when visible, and the count says no more.
    for name, marker in markers.items():
        answer = client.get("/api/v1/documents", query_string={"q": marker}, headers=api)
        assert answer.status_code == 200
        assert answer.json["total"] == (1 if name in expected else 0), (who, name)
        page = client.get("/documents/", query_string={"q": marker}).get_data(as_text=True)
        link = f'href="/documents/{world["docs"][name].id}"'
        assert (link in page) == (name in expected), (who, name)
        suggest = client.get("/receive/suggest", query_string={"q": marker})
        if suggest.status_code == 200 and name not in expected:
            assert not leaks(suggest.get_data(as_text=True)), (who, name)

    # 4. The "just registered" box of the receive and send forms shows only what the user
    #    may read: for another line of the register, at most its masked number.
    for url, lines in (("/receive", world["receipts"]), ("/send", world["dispatches"])):
        for name, line_id in lines.items():
            response = client.get(url, query_string={"done": line_id})
            assert response.status_code in (200, 403), (who, url, name)
            assert not leaks(response.get_data(as_text=True)), (who, url, name)

    # 5. The audit trail (page, CSV, API, its CSV), whole and by document: the events stay,
    #    the details of a secret document the reader may not read do not.
    audit = [("/audit/", {}), ("/audit/export.csv", {}), ("/api/v1/audit-events", {}),
             ("/api/v1/audit-events/export.csv", {})]
    audit += [(url, {"document": world["docs"][name].id}) for url, _ in audit[:3]
              for name in DOCUMENTS if DOCUMENTS[name][1]]
    for url, args in audit:
        response = client.get(url, query_string=args,
                              headers=api if url.startswith("/api/") else {})
        assert response.status_code in (200, 403), (who, url, response.status_code)
        assert not leaks(response.get_data(as_text=True)), (who, url, args)
        if response.status_code == 200 and url == "/api/v1/audit-events" and args:
            assert response.json["total"] >= 1, (who, args)  # the event itself is shown

    # 6. Lists, reports and exports show nothing hidden.
    year = world["year"]
    register = world["register"]
    pages = [("/", {}), ("/documents/", {}), ("/inbox", {}), ("/desk", {}), ("/tasks", {}),
             ("/reports/pendency", {}), ("/records/", {}),
             (f"/registers/{register}", {"year": year}),
             (f"/registers/{register}/export.csv", {"year": year}),
             (f"/registers/{register}/print.pdf", {"year": year}),
             ("/api/v1/documents", {}), ("/api/v1/transfers/inbox", {}),
             ("/api/v1/proposals", {}), ("/api/v1/orders", {}),
             ("/api/v1/reports/pendency", {}),
             (f"/api/v1/registers/{register}/entries", {"year": year}),
             (f"/api/v1/registers/{register}/export.csv", {"year": year}),
             (f"/registers/{world['outgoing']}", {"year": year}),
             (f"/registers/{world['outgoing']}/export.csv", {"year": year}),
             (f"/registers/{world['outgoing']}/print.pdf", {"year": year}),
             (f"/api/v1/registers/{world['outgoing']}/entries", {"year": year}),
             ("/desk", {"show": "all"}), ("/reports/pendency", {"format": "csv"}),
             ("/tasks", {"show": "all"}), ("/api/v1/orders", {"done": "1"}),
             ("/api/v1/orders", {"given": "1"}), ("/api/v1/exchange/arrivals", {}),
             ("/api/v1/openapi.json", {})]
    for url, args in pages:
        response = client.get(url, query_string=args,
                              headers=api if url.startswith("/api/") else {})
        assert response.status_code < 500, (who, url)
        assert not leaks(_text(response)), (who, url, leaks(_text(response)))
    listed = client.get("/api/v1/documents", query_string={"per_page": 100}, headers=api).json
    if not user.sees_all:  # these units hold only this world's documents
        assert listed["total"] == len(expected), (who, listed["total"])


def test_a_register_keeps_every_number_and_masks_what_the_clerk_may_not_read(
        client, db_session, world):
    clerk = world["users"]["clerk_a"]
    log_in(client, clerk.username)
    csv = client.get(f"/registers/{world['register']}/export.csv",
                     query_string={"year": world["year"]}).get_data(as_text=True)
    numbers = re.findall(r"^\"?([๐-๙0-9]+)", csv, flags=re.M)
    assert len(numbers) == len(world["receipts"])  # masked lines keep their numbers
    assert "ลับ" in csv and world["markers"]["secret_a"] not in csv


def test_a_secret_document_goes_to_a_named_person(client, db_session, world):
    """Forwarding a secret document needs a named recipient, cleared, in the unit; the
    person named reads it, the rest of his unit does not."""
    clerk = world["users"]["cleared_clerk_a"]
    api = _token(db_session, clerk)
    doc = world["docs"]["secret_a"]
    b = world["units"]["b"].id
    url = f"/api/v1/documents/{doc.id}/transfers"
    refused = client.post(url, headers=api, json={"to": [b]})
    assert refused.status_code == 400
    assert "ระบุชื่อผู้รับ" in refused.json["error"]["message_th"]
    wrong_unit = client.post(url, headers=api, json={"to": [b],
                                                     "to_user": world["users"]["staff_a1"].id})
    assert wrong_unit.status_code == 400
    not_cleared = client.post(url, headers=api, json={"to": [b],
                                                      "to_user": world["users"]["staff_b"].id})
    assert not_cleared.status_code == 409
    many = client.post(url, headers=api, json={"to": [b, world["units"]["a1"].id],
                                                "to_user": world["users"]["reader_b"].id})
    assert many.status_code == 400
    sent = client.post(url, headers=api, json={"to": [b], "to_user": world["users"]["reader_b"].id})
    assert sent.status_code == 201, sent.json
    reader = _token(db_session, world["users"]["reader_b"])
    inbox = client.get("/api/v1/transfers/inbox", headers=reader).get_data(as_text=True)
    assert world["markers"]["secret_a"] in inbox
    assert "inbox" in [d["how"] for d in db_session.scalars(  # the inbox is a door too
        select(AuditEvent.details).where(AuditEvent.action == "document.view",
                                         AuditEvent.document_id == doc.id,
                                         AuditEvent.user_id == world["users"]["reader_b"].id))]
    assert client.get(f"/api/v1/documents/{doc.id}", headers=reader).status_code == 200
    names = client.get(f"/api/v1/documents/{doc.id}/readers", headers=reader).json["items"]
    assert [n["user_id"] for n in names] == [world["users"]["reader_b"].id]
    other = _token(db_session, world["users"]["staff_b"])
    assert client.get(f"/api/v1/documents/{doc.id}", headers=other).status_code == 404
    inbox = client.get("/api/v1/transfers/inbox", headers=other).get_data(as_text=True)
    assert world["markers"]["secret_a"] not in inbox
    # a reader names another cleared person; someone not cleared cannot be named
    cleared_admin = world["users"]["cleared_admin"]
    named = client.post(f"/api/v1/documents/{doc.id}/readers", headers=reader,
                        json={"user": cleared_admin.id})
    assert named.status_code == 201
    assert client.get(f"/api/v1/documents/{doc.id}",
                      headers=_token(db_session, cleared_admin)).status_code == 200
    refused = client.post(f"/api/v1/documents/{doc.id}/readers", headers=reader,
                          json={"user": world["users"]["admin"].id})
    assert refused.status_code == 409


def test_proposing_a_secret_document_names_the_cleared_commanders(client, db_session, world):
    commander = world["users"]["commander_a"]
    other = make_user(db_session, units=[world["units"]["a1"]], role="commander", clearance=0)
    boss = make_user(db_session, units=[world["units"]["a1"]], role="commander", clearance=2)
    db_session.commit()
    api = _token(db_session, commander)
    doc = world["docs"]["top_a"]
    refused = client.post(f"/api/v1/documents/{doc.id}/transfers", headers=api,
                          json={"to": [world["units"]["a1"].id], "kind": "propose"})
    assert refused.status_code == 409  # ลับที่สุด is not circulated at all
    clerk = _token(db_session, world["users"]["cleared_clerk_a"])
    doc = world["docs"]["named_b"]
    sent = client.post(f"/api/v1/documents/{doc.id}/transfers", headers=clerk,
                       json={"to": [world["units"]["a1"].id], "kind": "propose"})
    assert sent.status_code == 201, sent.json
    assert client.get(f"/api/v1/documents/{doc.id}",
                      headers=_token(db_session, boss)).status_code == 200
    assert client.get(f"/api/v1/documents/{doc.id}",
                      headers=_token(db_session, other)).status_code == 404
    assert db_session.scalar(select(Membership.id).where(Membership.user_id == other.id))


def test_every_door_that_shows_a_secret_document_records_the_view(client, db_session, world):
    """Its page, API record, history, chain, files, the search that lists it, the register
    line that shows it, the endorsement sheet and the stamp: each writes document.view."""
    reader = world["users"]["cleared_clerk_a"]
    log_in(client, reader.username)
    api = _token(db_session, reader)
    doc = world["docs"]["secret_a"]
    marker = world["markers"]["secret_a"]
    receipt = world["receipts"]["secret_a"]
    doors = [(f"/documents/{doc.id}", {}), (f"/api/v1/documents/{doc.id}", {}),
             (f"/api/v1/documents/{doc.id}/history", {}),
             (f"/api/v1/documents/{doc.id}/chain", {}),
             (f"/api/v1/documents/{doc.id}/endorsements", {}),
             (f"/documents/{doc.id}/files/{world['files']['secret_a']}", {}),
             (f"/documents/{doc.id}/endorsement-sheet.pdf", {}),
             (f"/api/v1/documents/{doc.id}/endorsement-sheet.pdf", {}),
             (f"/receipts/{receipt}/stamp.pdf", {}), (f"/api/v1/receipts/{receipt}/stamp.pdf", {}),
             ("/documents/", {"q": marker}), ("/api/v1/documents", {"q": marker}),
             (f"/registers/{world['register']}", {"year": world["year"]}),
             ("/tasks", {}), ("/api/v1/orders", {}), ("/", {}), ("/api/v1/documents", {}),
             (f"/records/documents/{doc.id}/retention", {})]

    def views() -> list[str]:
        return [d["how"] for d in db_session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "document.view",
                                             AuditEvent.document_id == doc.id))]

    for url, args in doors:
        before = len(views())
        response = client.get(url, query_string=args,
                              headers=api if url.startswith("/api/") else {})
        assert response.status_code == 200, (url, response.status_code)
        assert len(views()) == before + 1, (url, views()[before:])
