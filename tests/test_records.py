"""The records' life (หมวด ๓): retention, the yearly destruction list, archives, loans."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from saraban import thaidate
from saraban.accounts.operations import create_token
from saraban.audit.models import AuditEvent
from saraban.documents.files import file_path, store
from saraban.documents.models import Document, DocumentFile, FileRole, StoredFile
from saraban.records import destruction, loans
from saraban.records.destruction import expired_documents
from saraban.records.keepers import RecordsError
from saraban.records.models import DestructionList, Loan
from saraban.records.retention import retention_text, retention_until
from saraban.registers.models import Receipt, Register, RegisterKind
from saraban.thaidate import BANGKOK
from tests.conftest import (
    csrf_token_from,
    log_in,
    make_document,
    make_unit,
    make_user,
    name_reader,
)
from tests.factories import make_receipt

PASSWORD = "รหัสผ่าน-ทดสอบ-1"
_NUMBERS = itertools.count(1)


@dataclass
class World:
    unit: object  # the unit whose records are kept
    other: object  # another unit, with its own clerk
    register: object  # the unit's receipt register
    users: dict  # name -> User
    headers: dict  # name -> API headers


@pytest.fixture()
def world(db_session):
    unit = make_unit(db_session, "กองเก็บทดสอบ")
    other = make_unit(db_session, "กองอื่นทดสอบ")
    register = Register(unit=unit, kind=RegisterKind.RECEIPT, code="main",
                        name="ทะเบียนหนังสือรับ กองเก็บทดสอบ")
    db_session.add(register)
    users = {
        "clerk": make_user(db_session, units=[unit], role="clerk"),
        "cleared": make_user(db_session, units=[unit], role="clerk", clearance=3),
        "staff": make_user(db_session, units=[unit], role="staff"),
        "other": make_user(db_session, units=[other], role="clerk"),
    }
    headers = {name: {"Authorization": f"Bearer {create_token(u, 'test')}"}
               for name, u in users.items()}
    db_session.commit()
    return World(unit, other, register, users, headers)


def _doc(session, world, day, subject="หนังสือทดสอบการเก็บ", unit=None, **kw):
    return make_document(session, subject, number=f"ทส ๐๐๐๑/{next(_NUMBERS)}",
                         doc_date=day, origin_unit_id=(unit or world.unit).id, **kw)


def _receive(session, world, document, when):
    """``document`` entered in the unit's register by its clerk at 9 a.m. on ``when``."""
    make_receipt(session, document, world.register, by=world.users["clerk"],
                 received_at=dt.datetime.combine(when, dt.time(9), tzinfo=BANGKOK))


def _attach(session, document, data: bytes | None = None) -> StoredFile:
    stored = store(data or b"%PDF-1.4 " + uuid.uuid4().bytes, "application/pdf")
    session.add(DocumentFile(document_id=document.id, file_id=stored.id, role=FileRole.SCAN,
                             filename="scan.pdf"))
    session.flush()
    return stored


def _login(client, username: str):
    return log_in(client, username, PASSWORD)


def _actions(session, document_id=None) -> list[str]:
    query = select(AuditEvent.action).order_by(AuditEvent.id)
    if document_id is not None:
        query = query.where(AuditEvent.document_id == document_id)
    return list(session.scalars(query))


# --- retention -----------------------------------------------------------------------

def test_retention_is_ten_years_from_the_end_of_the_documents_year(db_session, world):
    dated = _doc(db_session, world, dt.date(2019, 11, 22))
    assert retention_until(dated) == 2572
    assert retention_text(dated) == "เก็บถึง พ.ศ. ๒๕๗๒"
    assert retention_text(dated, "arabic") == "เก็บถึง พ.ศ. 2572"
    # undated: the year it was entered, in Bangkok (1 January 2020 there, 31 December in UTC)
    undated = _doc(db_session, world, None,
                   created_at=dt.datetime(2019, 12, 31, 18, 0, tzinfo=dt.UTC))
    assert retention_until(undated) == 2573
    dated.retention_years = 5
    assert retention_until(dated) == 2567
    dated.keep_forever = True
    assert retention_until(dated) is None and retention_text(dated) == "ห้ามทำลาย"


def test_a_clerk_sets_the_retention_and_others_are_refused(client, db_session, world):
    doc = _doc(db_session, world, dt.date(2019, 11, 22)).id
    db_session.commit()
    url = f"/api/v1/documents/{doc}/retention"
    made = client.put(url, headers=world.headers["clerk"], json={"years": 15})
    assert made.status_code == 200, made.json
    assert (made.json["until_be"], made.json["text"]) == (2577, "เก็บถึง พ.ศ. ๒๕๗๗")
    kept = client.put(url, headers=world.headers["clerk"], json={"keep_forever": True})
    assert kept.json["until_be"] is None and kept.json["text"] == "ห้ามทำลาย"
    assert client.put(url, headers=world.headers["clerk"], json={"years": 0}).status_code == 400
    assert client.put(url, headers=world.headers["clerk"], json={}).status_code == 400
    staff = client.put(url, headers=world.headers["staff"], json={"years": 3})
    assert staff.status_code == 403 and "เจ้าหน้าที่สารบรรณ" in staff.json["error"]["message_th"]
    other = client.put(url, headers=world.headers["other"], json={"years": 3})
    assert other.status_code == 404 and other.json["error"]["message_th"] == "ไม่พบหนังสือนี้"
    db_session.expire_all()
    document = db_session.get(Document, doc)
    assert (document.retention_years, document.keep_forever) == (15, True)
    assert _actions(db_session, doc) == ["document.retention", "document.retention"]


def test_the_retention_page_shows_and_sets_it(client, db_session, world):
    doc = _doc(db_session, world, dt.date(2019, 11, 22)).id
    db_session.commit()
    _login(client, world.users["clerk"].username)
    page = client.get(f"/records/documents/{doc}/retention")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "เก็บถึง พ.ศ. ๒๕๗๒" in html
    done = client.post(f"/records/documents/{doc}/retention",
                       data={"csrf_token": csrf_token_from(html), "years": "๒๐"})
    assert done.status_code == 302
    db_session.expire_all()
    assert db_session.get(Document, doc).retention_years == 20
    assert "เก็บถึง พ.ศ. ๒๕๘๒" in client.get(
        f"/records/documents/{doc}/retention").get_data(as_text=True)


# --- the destruction list --------------------------------------------------------------

@pytest.fixture()
def expired(db_session, world):
    """Documents of the unit and around it, some of which ended their term by 2020."""
    docs = {
        "old": _doc(db_session, world, dt.date(2010, 3, 1)),  # kept through 2020
        "short": _doc(db_session, world, dt.date(2014, 6, 1), retention_years=5),
        "young": _doc(db_session, world, dt.date(2011, 1, 5)),  # kept through 2021
        "forever": _doc(db_session, world, dt.date(2001, 1, 1), keep_forever=True),
        "destroyed": _doc(db_session, world, dt.date(2001, 1, 1),
                          destroyed_at=dt.datetime(2015, 1, 1, tzinfo=dt.UTC)),
        "elsewhere": _doc(db_session, world, dt.date(2001, 1, 1), unit=world.other),
        "secret": _doc(db_session, world, dt.date(2009, 1, 1), secrecy=2),
        "received": make_document(db_session, "หนังสือจากภายนอกที่รับไว้",
                                  doc_date=dt.date(2008, 5, 5), sender_text="กรมภายนอก",
                                  created_by_id=world.users["clerk"].id),  # he entered it
    }
    _receive(db_session, world, docs["received"], dt.date(2008, 5, 6))
    name_reader(db_session, docs["secret"], world.users["cleared"])
    db_session.commit()
    return {name: d.id for name, d in docs.items()}


def test_the_list_holds_only_the_units_expired_documents(client, db_session, world, expired):
    clerk = world.users["clerk"]
    listed = {d.id for d in expired_documents(clerk, world.unit.id, 2020)}
    assert listed == {expired["old"], expired["short"], expired["received"]}
    made = client.post("/api/v1/destruction-lists", headers=world.headers["cleared"],
                       json={"unit": world.unit.id, "year": 2563})  # a BE year is read as such
    assert made.status_code == 201, made.json
    body = made.json
    assert (body["year"], body["year_be"], body["status"]) == (2020, 2563, "proposed")
    assert body["late"] is True  # proposed years after the end of 2020
    assert {i["document_id"] for i in body["items"]} == {
        expired["old"], expired["short"], expired["received"], expired["secret"]}
    again = client.post("/api/v1/destruction-lists", headers=world.headers["clerk"],
                        json={"unit": world.unit.id, "year": 2020})
    assert again.status_code == 409 and "มีบัญชีหนังสือขอทำลาย" in again.json["error"]["message_th"]
    # a clerk without clearance sees that a secret item is there, not what it is
    seen = client.get(f"/api/v1/destruction-lists/{body['id']}",
                      headers=world.headers["clerk"]).json
    secret = next(i for i in seen["items"] if i["document_id"] == expired["secret"])
    assert secret["document"] is None
    assert client.post(f"/api/v1/destruction-items/{secret['id']}/decision",
                       headers=world.headers["clerk"],
                       json={"decision": "destroy"}).status_code == 404
    # a listed document is not listed again while its list is open
    assert expired_documents(world.users["cleared"], world.unit.id, 2021) == [
        db_session.get(Document, expired["young"])]
    assert "destruction.propose" in _actions(db_session)


def test_the_list_is_late_after_sixty_days(db_session, world, expired, today_is):
    clerk = world.users["clerk"]
    today_is(dt.date(2021, 3, 1))  # day 60
    assert destruction.propose_destruction_list(clerk, world.unit.id, 2020).late is False
    today_is(dt.date(2021, 3, 2))  # day 61
    _doc(db_session, world, dt.date(2009, 2, 2))
    assert destruction.propose_destruction_list(clerk, world.unit.id, 2019).late is True
    with pytest.raises(RecordsError) as refused:  # the year has not ended
        destruction.propose_destruction_list(clerk, world.unit.id, 2021)
    assert refused.value.status == 400 and "ยังไม่สิ้นปี" in refused.value.message_th


def test_only_the_units_clerks_propose_and_read_lists(client, world, expired):
    body = {"unit": world.unit.id, "year": 2020}
    staff = client.post("/api/v1/destruction-lists", headers=world.headers["staff"], json=body)
    assert staff.status_code == 403 and "เจ้าหน้าที่สารบรรณ" in staff.json["error"]["message_th"]
    other = client.post("/api/v1/destruction-lists", headers=world.headers["other"], json=body)
    assert other.status_code == 403
    made = client.post("/api/v1/destruction-lists", headers=world.headers["clerk"], json=body)
    list_id = made.json["id"]
    refused = client.get(f"/api/v1/destruction-lists/{list_id}", headers=world.headers["other"])
    assert refused.status_code == 404
    assert refused.json["error"]["message_th"] == "ไม่พบบัญชีหนังสือขอทำลายนี้"
    assert client.get("/api/v1/destruction-lists",
                      headers=world.headers["other"]).json["items"] == []
    item = made.json["items"][0]["id"]
    assert client.post(f"/api/v1/destruction-items/{item}/decision",
                       headers=world.headers["staff"],
                       json={"decision": "destroy"}).status_code == 404  # not his to see


def _decide_all(client, headers, body, decisions: dict):
    for item in body["items"]:
        decision = decisions.get(item["document_id"], {"decision": "destroy"})
        done = client.post(f"/api/v1/destruction-items/{item['id']}/decision", headers=headers,
                           json=decision)
        assert done.status_code == 200, done.json


def test_the_committee_must_be_complete_and_every_item_decided(client, world, expired):
    headers = world.headers["clerk"]
    body = client.post("/api/v1/destruction-lists", headers=headers,
                       json={"unit": world.unit.id, "year": 2020}).json
    review = f"/api/v1/destruction-lists/{body['id']}/review"
    committee = {"chair": "พ.ต.อ. ประธาน ทดสอบ", "members": ["ร.ต.อ. หนึ่ง", "ร.ต.ท. สอง"]}
    undecided = client.post(review, headers=headers, json=committee)
    assert undecided.status_code == 409 and "ยังไม่ได้บันทึกผลการพิจารณา" in (
        undecided.json["error"]["message_th"])
    extend = client.post(f"/api/v1/destruction-items/{body['items'][0]['id']}/decision",
                         headers=headers, json={"decision": "extend"})
    assert extend.status_code == 400 and extend.json["error"]["field"] == "extend_years"
    _decide_all(client, headers, body, {})
    no_chair = client.post(review, headers=headers, json={**committee, "chair": " "})
    assert no_chair.status_code == 400 and no_chair.json["error"]["field"] == "chair"
    one = client.post(review, headers=headers, json={**committee, "members": ["ร.ต.อ. หนึ่ง"]})
    assert one.status_code == 400 and "อย่างน้อยสองคน" in one.json["error"]["message_th"]
    chair_twice = client.post(review, headers=headers, json={
        **committee, "members": ["พ.ต.อ. ประธาน ทดสอบ", "ร.ต.อ. หนึ่ง"]})
    assert chair_twice.status_code == 400
    early = client.post(f"/api/v1/destruction-lists/{body['id']}/destroy", headers=headers)
    assert early.status_code == 409 and "ยังไม่ผ่านการพิจารณา" in early.json["error"]["message_th"]
    done = client.post(review, headers=headers, json=committee)
    assert done.status_code == 200, done.json
    assert (done.json["status"], done.json["chair"], done.json["members"]) == (
        "reviewed", committee["chair"], committee["members"])
    fixed = client.post(f"/api/v1/destruction-items/{body['items'][0]['id']}/decision",
                        headers=headers, json={"decision": "keep"})
    assert fixed.status_code == 409


def test_destruction_removes_the_files_and_keeps_the_record(client, db_session, world, expired):
    old = db_session.get(Document, expired["old"])
    received = db_session.get(Document, expired["received"])
    unshared = _attach(db_session, old)
    shared = _attach(db_session, received)
    copy = make_document(db_session, "สำเนาถูกต้อง", origin_unit_id=world.other.id,
                         doc_date=dt.date(2024, 1, 1))
    db_session.add(DocumentFile(document_id=copy.id, file_id=shared.id,
                                role=FileRole.CERTIFIED, filename="copy.pdf"))
    db_session.commit()
    unshared_path, shared_path = file_path(unshared.sha256), file_path(shared.sha256)
    unshared_id, shared_id, unshared_sha = unshared.id, shared.id, unshared.sha256
    assert unshared_path.exists() and shared_path.exists()

    headers = world.headers["clerk"]
    body = client.post("/api/v1/destruction-lists", headers=headers,
                       json={"unit": world.unit.id, "year": 2020}).json
    _decide_all(client, headers, body, {
        expired["short"]: {"decision": "extend", "extend_years": 5, "note": "ยังใช้อ้างอิง"}})
    # a document lent out is not destroyed until it comes back
    lent = client.post("/api/v1/loans", headers=headers, json={
        "document_id": expired["old"], "item": "ต้นฉบับ", "borrower": "ผู้ยืม",
        "due_on": thaidate.today().isoformat()})
    assert lent.status_code == 201, lent.json
    client.post(f"/api/v1/destruction-lists/{body['id']}/review", headers=headers,
                json={"chair": "ประธาน", "members": ["กรรมการหนึ่ง", "กรรมการสอง"]})
    busy = client.post(f"/api/v1/destruction-lists/{body['id']}/destroy", headers=headers)
    assert busy.status_code == 409 and "ยังถูกยืมอยู่" in busy.json["error"]["message_th"]
    client.post(f"/api/v1/loans/{lent.json['id']}/return", headers=headers,
                json={"returned_by": "ผู้ยืม"})
    staff = client.post(f"/api/v1/destruction-lists/{body['id']}/destroy",
                        headers=world.headers["staff"])
    assert staff.status_code == 404
    done = client.post(f"/api/v1/destruction-lists/{body['id']}/destroy", headers=headers)
    assert done.status_code == 200, done.json
    assert done.json["status"] == "done"
    assert client.post(f"/api/v1/destruction-lists/{body['id']}/destroy",
                       headers=headers).status_code == 409

    db_session.expire_all()
    assert not unshared_path.exists() and db_session.get(StoredFile, unshared_id) is None
    assert shared_path.exists() and db_session.get(StoredFile, shared_id) is not None
    assert db_session.scalars(select(DocumentFile.document_id).where(
        DocumentFile.file_id == shared_id)).all() == [copy.id]
    for key in ("old", "received"):
        document = db_session.get(Document, expired[key])
        assert document is not None and document.destroyed_at is not None
        assert document.files == []
        assert "document.destroy" in _actions(db_session, document.id)
    assert db_session.scalar(select(Receipt.id).where(
        Receipt.document_id == expired["received"])) is not None  # the register line stays
    short = db_session.get(Document, expired["short"])
    assert short.destroyed_at is None and short.retention_years == 10
    events = db_session.scalars(select(AuditEvent).where(
        AuditEvent.document_id == expired["old"], AuditEvent.action == "document.destroy")).all()
    assert events[0].details["files"][0]["sha256"] == unshared_sha
    assert "destruction.done" in _actions(db_session)
    # what was destroyed is said so, and cannot be lent or listed again
    assert retention_text(db_session.get(Document, expired["old"])).startswith("ทำลายแล้วเมื่อ")
    again = client.post("/api/v1/loans", headers=headers, json={
        "document_id": expired["old"], "item": "ต้นฉบับ", "borrower": "ผู้ยืม",
        "due_on": thaidate.today().isoformat()})
    assert again.status_code == 409 and "ถูกทำลายแล้ว" in again.json["error"]["message_th"]
    assert expired["old"] not in {d.id for d in expired_documents(
        world.users["clerk"], world.unit.id, 2024)}


def test_extended_and_kept_items_change_the_retention(client, db_session, world, expired):
    headers = world.headers["clerk"]
    body = client.post("/api/v1/destruction-lists", headers=headers,
                       json={"unit": world.unit.id, "year": 2020}).json
    _decide_all(client, headers, body, {
        expired["old"]: {"decision": "extend", "extend_years": 3},
        expired["short"]: {"decision": "keep"},
        expired["received"]: {"decision": "extend", "extend_years": 1}})
    client.post(f"/api/v1/destruction-lists/{body['id']}/review", headers=headers,
                json={"chair": "ประธาน", "members": "กรรมการหนึ่ง\nกรรมการสอง"})
    assert client.post(f"/api/v1/destruction-lists/{body['id']}/destroy",
                       headers=headers).status_code == 200
    db_session.expire_all()
    old = db_session.get(Document, expired["old"])
    assert (old.retention_years, retention_until(old), old.destroyed_at) == (13, 2566, None)
    assert db_session.get(Document, expired["short"]).keep_forever is True
    assert db_session.get(Document, expired["received"]).retention_years == 11
    # extended by a year, the received letter comes up again on the next year's list
    assert [d.id for d in expired_documents(world.users["clerk"], world.unit.id, 2021)] == [
        expired["received"], expired["young"]]  # by the documents' dates


def test_documents_twenty_years_old_are_listed_for_the_archives(client, db_session, world):
    today = thaidate.today()
    old = _doc(db_session, world, dt.date(2000, 1, 10), keep_forever=True).id
    _doc(db_session, world, today - dt.timedelta(days=19 * 366))
    _doc(db_session, world, dt.date(2000, 1, 10), unit=world.other)
    db_session.commit()
    found = client.get(f"/api/v1/archives-candidates?unit={world.unit.id}",
                       headers=world.headers["clerk"])
    assert found.status_code == 200 and [d["id"] for d in found.json["items"]] == [old]
    assert found.json["items"][0]["text"] == "ห้ามทำลาย"
    assert client.get(f"/api/v1/archives-candidates?unit={world.unit.id}",
                      headers=world.headers["other"]).status_code == 403


# --- loans ---------------------------------------------------------------------------

def test_a_loan_is_marked_overdue_and_returned(client, db_session, world, today_is):
    doc = _doc(db_session, world, dt.date(2024, 5, 1)).id
    db_session.commit()
    headers = world.headers["clerk"]
    today = thaidate.today()
    card = {"document_id": doc, "item": "ต้นฉบับ ๓ แผ่น พร้อมสิ่งที่ส่งมาด้วย",
            "borrower": "ร.ต.อ. ผู้ยืม ทดสอบ", "borrower_unit": world.other.id,
            "due_on": (today + dt.timedelta(days=3)).isoformat()}
    lent = client.post("/api/v1/loans", headers=headers, json=card)
    assert lent.status_code == 201, lent.json
    assert lent.json["overdue"] is False and lent.json["lent_on"] == today.isoformat()
    second = client.post("/api/v1/loans", headers=headers, json=card)
    assert second.status_code == 409 and "ถูกยืมอยู่" in second.json["error"]["message_th"]
    bad = client.post("/api/v1/loans", headers=headers, json={
        **card, "due_on": (today - dt.timedelta(days=1)).isoformat()})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "due_on"

    later = today + dt.timedelta(days=5)
    today_is(later)
    items = client.get("/api/v1/loans", headers=headers).json["items"]
    assert [(i["id"], i["overdue"]) for i in items] == [(lent.json["id"], True)]
    assert client.post(f"/api/v1/loans/{lent.json['id']}/return", headers=world.headers["staff"],
                       json={"returned_by": "ผู้ยืม"}).status_code == 404
    back = client.post(f"/api/v1/loans/{lent.json['id']}/return", headers=headers,
                       json={"returned_by": "ร.ต.อ. ผู้ยืม ทดสอบ", "returned_on": "๗ ม.ค. ๒๕๖๐"})
    assert back.status_code == 400 and back.json["error"]["field"] == "returned_on"
    back = client.post(f"/api/v1/loans/{lent.json['id']}/return", headers=headers,
                       json={"returned_by": "ร.ต.อ. ผู้ยืม ทดสอบ"})
    assert back.status_code == 200, back.json
    assert (back.json["returned_on"], back.json["overdue"]) == (later.isoformat(), False)
    assert client.post(f"/api/v1/loans/{lent.json['id']}/return", headers=headers,
                       json={"returned_by": "อีกครั้ง"}).status_code == 409
    assert client.get("/api/v1/loans", headers=headers).json["items"] == []
    assert len(client.get("/api/v1/loans?all=1", headers=headers).json["items"]) == 1
    card["due_on"] = (later + dt.timedelta(days=7)).isoformat()
    assert client.post("/api/v1/loans", headers=headers, json=card).status_code == 201
    assert _actions(db_session, doc) == ["loan.lend", "loan.return", "loan.lend"]


def test_an_overdue_loan_constructed_directly_is_marked(db_session, world):
    doc = _doc(db_session, world, dt.date(2024, 5, 1))
    today = thaidate.today()
    loan = Loan(document_id=doc.id, unit_id=world.unit.id, item="ต้นฉบับ", borrower="ผู้ยืม",
                lent_on=today - dt.timedelta(days=10), due_on=today - dt.timedelta(days=1))
    db_session.add(loan)
    db_session.flush()
    entries = loans.loans_for(world.users["clerk"])
    assert [(e.loan.id, e.overdue) for e in entries] == [(loan.id, True)]
    assert loans.loans_for(world.users["other"]) == []


def test_only_the_lending_units_clerks_lend(client, db_session, world):
    doc = _doc(db_session, world, dt.date(2024, 5, 1)).id
    db_session.commit()
    card = {"document_id": doc, "item": "ต้นฉบับ", "borrower": "ผู้ยืม", "due_on": "๑ ม.ค. ๒๕๘๐"}
    staff = client.post("/api/v1/loans", headers=world.headers["staff"], json=card)
    assert staff.status_code == 403 and "เจ้าหน้าที่สารบรรณ" in staff.json["error"]["message_th"]
    other = client.post("/api/v1/loans", headers=world.headers["other"], json=card)
    assert other.status_code == 404 and other.json["error"]["message_th"] == "ไม่พบหนังสือนี้"
    wrong_unit = client.post("/api/v1/loans", headers=world.headers["clerk"],
                             json={**card, "unit": world.other.id})
    assert wrong_unit.status_code == 403
    assert db_session.scalar(select(Loan.id).where(Loan.document_id == doc)) is None


# --- pages ---------------------------------------------------------------------------

def test_the_pages_walk_a_list_from_proposal_to_destruction(client, db_session, world, expired):
    _login(client, world.users["clerk"].username)
    index = client.get("/records/")
    html = index.get_data(as_text=True)
    assert index.status_code == 200
    assert "บัตรยืมหนังสือ" in html and "บัญชีหนังสือขอทำลาย" in html
    assert "หอจดหมายเหตุแห่งชาติ" in html and 'value="2020">๒๕๖๓</option>' in html
    made = client.post("/records/lists", data={"csrf_token": csrf_token_from(html),
                                               "unit": world.unit.id, "year": "2020"})
    assert made.status_code == 302
    dl = db_session.scalar(select(DestructionList).where(DestructionList.unit_id == world.unit.id))
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "บัญชีหนังสือขอทำลาย ประจำปี พ.ศ. ๒๕๖๓" in page and "เก็บถึง พ.ศ. ๒๕๖๓" in page
    assert "เกินกำหนด ๖๐ วันหลังสิ้นปี" in page and "ยังไม่พิจารณา" in page
    token = csrf_token_from(page)
    items = re.findall(r'action="/records/items/(\d+)/decision"', page)
    assert len(items) == 3
    for i, item in enumerate(items):
        data = {"csrf_token": token, "decision": "destroy", "list_id": dl.id}
        if i == 0:
            data = {**data, "decision": "extend", "extend_years": "๕"}
        assert client.post(f"/records/items/{item}/decision", data=data).status_code == 302
    page = client.get(f"/records/lists/{dl.id}").get_data(as_text=True)
    assert "ขยายเวลาเก็บ</strong> ๕ ปี" in page and "ยังไม่พิจารณา" not in page
    refused = client.post(f"/records/lists/{dl.id}/review", data={
        "csrf_token": token, "chair": "ประธาน", "members": "กรรมการหนึ่ง"},
        follow_redirects=True).get_data(as_text=True)
    assert "กรุณาระบุกรรมการอย่างน้อยสองคน" in refused
    client.post(f"/records/lists/{dl.id}/review", data={
        "csrf_token": token, "chair": "พ.ต.อ. ประธาน", "members": "กรรมการหนึ่ง\nกรรมการสอง\n"})
    page = client.get(f"/records/lists/{dl.id}").get_data(as_text=True)
    assert "พ.ต.อ. ประธาน" in page and "ทำลายหนังสือตามบัญชี" in page
    confirm = client.get(f"/records/lists/{dl.id}/destroy").get_data(as_text=True)
    assert "ยืนยันการทำลายหนังสือ" in confirm and "จะทำลาย" in confirm
    unconfirmed = client.post(f"/records/lists/{dl.id}/destroy", data={"csrf_token": token},
                              follow_redirects=True).get_data(as_text=True)
    assert "กรุณาทำเครื่องหมายยืนยัน" in unconfirmed
    db_session.expire_all()
    assert db_session.get(DestructionList, dl.id).status == "reviewed"
    done = client.post(f"/records/lists/{dl.id}/destroy",
                       data={"csrf_token": token, "confirm": "yes"}, follow_redirects=True)
    assert "ทำลายหนังสือตามบัญชีแล้ว" in done.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(DestructionList, dl.id).status == "done"
    assert db_session.get(Document, expired["old"]).destroyed_at is not None
    assert db_session.get(Document, expired["received"]).retention_years == 15  # extended
    index = client.get("/records/").get_data(as_text=True)
    assert "ทำลายแล้ว" in index


def test_the_loan_and_return_forms(client, db_session, world, today_is):
    # lent in December 2568, found overdue in January 2569 (forward only: a session signed
    # "in the future" of a clock moved back is refused, as it should be)
    today_is(dt.date(2025, 12, 20))
    doc = _doc(db_session, world, dt.date(2024, 5, 1), subject="หนังสือที่จะให้ยืม")
    doc_id, number = doc.id, doc.number
    db_session.commit()
    _login(client, world.users["clerk"].username)
    form = client.get(f"/records/loans/new?document_id={doc_id}").get_data(as_text=True)
    assert "บัตรยืมหนังสือ" in form and "หนังสือที่จะให้ยืม" in form
    lent = client.post("/records/loans/new", data={
        "csrf_token": csrf_token_from(form), "number": number, "item": "ต้นฉบับ ๒ แผ่น",
        "borrower": "ร.ต.ท. ผู้ยืม", "due_on": "๑ ม.ค. ๒๕๖๙", "lent_on": "๑ ธ.ค. ๒๕๖๘"})
    assert lent.status_code == 302
    loan = db_session.scalar(select(Loan).where(Loan.document_id == doc_id))
    assert (loan.lent_on, loan.due_on) == (dt.date(2025, 12, 1), dt.date(2026, 1, 1))
    today_is(dt.date(2026, 1, 5))
    index = client.get("/records/").get_data(as_text=True)
    assert "เลยกำหนดส่งคืน" in index and "ร.ต.ท. ผู้ยืม" in index
    assert index.index("เลยกำหนดส่งคืน") < index.index("ร.ต.ท. ผู้ยืม")
    again = client.post("/records/loans/new", data={
        "csrf_token": csrf_token_from(form), "document_id": doc_id, "item": "ต้นฉบับ",
        "borrower": "อีกคน", "due_on": "๑ ก.พ. ๒๕๖๙", "lent_on": "๒ ม.ค. ๒๕๖๙"})
    assert again.status_code == 200 and "หนังสือนี้ถูกยืมอยู่" in again.get_data(as_text=True)
    page = client.get(f"/records/loans/{loan.id}/return").get_data(as_text=True)
    assert "รับคืนหนังสือที่ให้ยืม" in page and "เลยกำหนด" in page and "๕ ม.ค. ๒๕๖๙" in page
    back = client.post(f"/records/loans/{loan.id}/return", data={
        "csrf_token": csrf_token_from(page), "returned_by": "ร.ต.ท. ผู้ยืม",
        "returned_on": "๔ ม.ค. ๒๕๖๙"})
    assert back.status_code == 302
    db_session.expire_all()
    returned = db_session.get(Loan, loan.id)
    assert (returned.returned_on, returned.returned_by) == (dt.date(2026, 1, 4), "ร.ต.ท. ผู้ยืม")
    assert "ส่งคืนแล้วเมื่อ" in client.get(f"/records/loans/{loan.id}/return").get_data(
        as_text=True)


def test_the_pages_refuse_those_who_keep_no_records(client, db_session, world, expired):
    dl = destruction.propose_destruction_list(world.users["clerk"], world.unit.id, 2020)
    db_session.commit()
    _login(client, world.users["staff"].username)
    refused = client.get("/records/")
    assert refused.status_code == 403 and "ท่านไม่มีสิทธิ์" in refused.get_data(as_text=True)
    assert client.get(f"/records/lists/{dl.id}").status_code == 404
    page = client.get(f"/documents/{expired['old']}").get_data(as_text=True)
    posted = client.post(f"/records/documents/{expired['old']}/retention", data={
        "csrf_token": csrf_token_from(page), "years": "3"}, follow_redirects=True)
    assert "เฉพาะเจ้าหน้าที่สารบรรณ" in posted.get_data(as_text=True)
