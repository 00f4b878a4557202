"""Bad input for the JSON API, generated from its own OpenAPI description (schemathesis).

Every operation is called with examples that fit the description and with examples that
break it (wrong types, missing fields, values out of range), with the nasty strings of
tests/fuzzdata.py swapped into bodies and query strings, and with real ids of the sample
data in the paths so that the calls reach the operations and not only the 404. For each
answer: never a 5xx, and every refusal is the API's JSON error with an English and a Thai
message. Each test runs in one rolled-back transaction; the examples are the same on
every run (derandomized), a few per operation, so the file stays well under a minute.
"""

from __future__ import annotations

import contextvars
import io
import os
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from saraban.api.openapi import standalone_spec
from tests.fuzzdata import (
    BOMBS,
    FILE_NAMES,
    NASTY_DATES,
    NASTY_NUMBERS,
    NASTY_TEXT,
    THAI,
    assert_safe_name,
    built,
    fuzz_settings,
    multipart,
    nasty_text,
    pdf_bomb,
    spice,
)

SPEC = standalone_spec()
OPERATIONS = sorted((path, method) for path, ops in SPEC["paths"].items() for method in ops)
# per operation and generation mode; SARABAN_FUZZ_EXAMPLES=200 for a long hunt by hand
EXAMPLES = int(os.environ.get("SARABAN_FUZZ_EXAMPLES", "2"))

# what each path parameter may be, from the sample data (besides what schemathesis makes)
_ID_SOURCES = {
    "document_id": ("saraban.documents.models", "Document"),
    "register_id": ("saraban.registers.models", "Register"),
    "receipt_id": ("saraban.registers.models", "Receipt"),
    "dispatch_id": ("saraban.registers.models", "Dispatch"),
    "transfer_id": ("saraban.routing.models", "Transfer"),
    "endorsement_id": ("saraban.endorsements.models", "Endorsement"),
    "order_id": ("saraban.endorsements.models", "Order"),
    "delegation_id": ("saraban.units.models", "Delegation"),
    "row_id": ("saraban.exchange.models", "ExchangeMessage"),
    "list_id": ("saraban.records.models", "DestructionList"),
    "item_id": ("saraban.records.models", "DestructionItem"),
    "loan_id": ("saraban.records.models", "Loan"),
    "file_id": ("saraban.documents.models", "DocumentFile"),
    "unit_id": ("saraban.units.models", "Unit"),
    "user_id": ("saraban.accounts.models", "User"),
    "membership_id": ("saraban.accounts.models", "Membership"),
}


@pytest.fixture(scope="session")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _real_ids(session) -> dict[str, list[int]]:
    import importlib

    ids = {}
    for name, (module, model) in _ID_SOURCES.items():
        cls = getattr(importlib.import_module(module), model)
        ids[name] = list(session.scalars(select(cls.id).order_by(cls.id).limit(20)))
    return ids


def call(case, headers: dict):
    """The case sent to the application in a context of its own, as a real server would
    (its own application context, ``g`` and database session)."""
    case.headers = {**(case.headers or {}), **headers}
    return contextvars.Context().run(case.call)


def assert_clear_answer(response, what: str) -> None:
    status = response.status_code
    assert status < 500, f"{what}: {status} {response.text[:500]}"
    if 400 <= status < 500:
        content_type = (response.headers.get("content-type") or [""])[0]
        assert content_type.startswith("application/json"), (
            f"{what}: {status} is not JSON: {response.text[:300]}")
        error = response.json().get("error")
        assert isinstance(error, dict), f"{what}: {response.text[:300]}"
        assert error.get("status") == status, f"{what}: {error}"
        message, message_th = error.get("message"), error.get("message_th")
        assert isinstance(message, str) and message.strip(), f"{what}: no English: {error}"
        assert isinstance(message_th, str) and THAI.search(message_th), (
            f"{what}: no Thai: {error}")


def _describe(case) -> str:
    body = repr(case.body)[:300] if isinstance(case.body, (dict, list, str)) else ""
    query = repr(case.query)[:300] if case.query else ""
    return f"{case.method} {case.formatted_path} {query} {body}"


@pytest.mark.parametrize("path, method", OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_every_operation_refuses_bad_input_clearly(api_schema, bearer, db_session, path,
                                                   method):
    # a clerk mostly, an administrator now and then (for the operations only he may call)
    clerk = bearer("demo-clerk")
    users = [clerk, clerk, bearer("demo-admin")]
    operation = api_schema[path][method.upper()]
    ids = _real_ids(db_session)
    cases = st.one_of(operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
                      operation.as_strategy(schemathesis.GenerationMode.NEGATIVE))

    @fuzz_settings(EXAMPLES * 2)
    @given(case=cases, data=st.data())
    def run(case, data):
        for name in list(case.path_parameters or {}):
            if ids.get(name) and data.draw(st.booleans()):
                case.path_parameters[name] = data.draw(st.sampled_from(ids[name]))
        if case.query and data.draw(st.booleans()):
            case.query = {k: str(v) if isinstance(v, (int, float)) else v
                          for k, v in spice(data.draw, case.query).items()}
        if isinstance(case.body, dict) and data.draw(st.booleans()):
            case.body = spice(data.draw, case.body)
        assert_clear_answer(call(case, data.draw(st.sampled_from(users))), _describe(case))

    run()


# -- a sweep: every parameter and body field of every operation, with each killer ------------

# what the generated examples rarely hit (long text, odd types: see above and below)
SWEEP = ["\x00", "\ud800", "¹", "9" * 5000, 2**63]


def _body_fields(operation: dict) -> list[str]:
    schema = (operation.get("requestBody", {}).get("content", {})
              .get("application/json", {}).get("schema", {}))
    if "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return sorted(schema.get("properties", {}))


@pytest.mark.parametrize("path, method", OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_every_field_of_every_operation_with_each_killer(client, bearer, db_session, path,
                                                         method):
    import json

    operation = SPEC["paths"][path][method]
    headers = {**bearer("demo-admin"), "Content-Type": "application/json"}
    ids = _real_ids(db_session)
    url = "/api/v1" + re.sub(r"\{(\w+)\}", lambda m: str((ids.get(m.group(1)) or [1])[0]), path)
    query = [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]
    for name in query:
        for value in SWEEP:
            if isinstance(value, (list, dict)):
                continue
            text = quote(str(value), errors="surrogatepass")
            response = client.open(f"{url}?{name}={text}", method=method.upper(),
                                   headers=headers, data=b"{}" if method != "get" else None)
            _check(response, (method, path, name, str(value)[:20]))
    for name in _body_fields(operation):
        for value in SWEEP:
            body = json.dumps({name: value}, ensure_ascii=True)
            response = client.open(url, method=method.upper(), headers=headers, data=body)
            _check(response, (method, path, name, str(value)[:20]))


# -- targeted: the main write endpoints with nasty values in every field -------------------

def _send(client, method, url, headers, body):
    import json

    payload = json.dumps(body, ensure_ascii=True, allow_nan=True)
    return client.open(url, method=method, headers={**headers,
                       "Content-Type": "application/json"}, data=payload)


def _check(response, what):
    status = response.status_code
    assert status < 500, f"{what}: {status} {response.get_data(as_text=True)[:500]}"
    if status >= 400:
        error = response.json["error"]
        assert error["status"] == status and error["message"], (what, error)
        assert THAI.search(error["message_th"]), (what, error)


def _counts(session):
    from saraban.documents.models import Document
    from saraban.endorsements.models import Endorsement
    from saraban.registers.models import Dispatch, Receipt
    from saraban.routing.models import Transfer

    return tuple(session.scalar(select(func.count()).select_from(m))
                 for m in (Document, Receipt, Dispatch, Transfer, Endorsement))


nasty_field = st.one_of(nasty_text, st.sampled_from(NASTY_NUMBERS), st.sampled_from(NASTY_DATES))


def _document_body():
    return st.fixed_dictionaries({}, optional={
        "number": nasty_field, "date": st.one_of(st.sampled_from(NASTY_DATES), nasty_field),
        "subject": nasty_field, "sender": nasty_field, "addressee": nasty_field,
        "body": nasty_field, "kind": nasty_field, "urgency": nasty_field,
        "secrecy": nasty_field})


@pytest.fixture()
def world(db_session):
    from saraban.documents.models import Document
    from saraban.registers.models import Register, RegisterKind
    from saraban.units.models import Unit

    def one(stmt):
        return db_session.scalar(stmt.limit(1))

    memo = one(select(Document.id).where(Document.source_key == "rtp-0033.12-5052"))
    receipt_register = one(select(Register.id).join(Unit).where(
        Unit.short_name == "สทส.", Register.kind == RegisterKind.RECEIPT))
    dispatch_register = one(select(Register.id).join(Unit).where(
        Unit.short_name == "สทส.", Register.kind == RegisterKind.DISPATCH))
    units = list(db_session.scalars(select(Unit.id).order_by(Unit.id).limit(5)))
    return {"memo": memo, "receipt_register": receipt_register,
            "dispatch_register": dispatch_register, "units": units}


def test_create_document_with_nasty_fields(client, bearer, db_session):
    headers = bearer("demo-clerk")

    @fuzz_settings(40)
    @given(body=_document_body())
    def run(body):
        response = _send(client, "POST", "/api/v1/documents", headers, body)
        _check(response, body)
        if response.status_code == 201:
            made = client.get(f"/api/v1/documents/{response.json['id']}", headers=headers)
            assert made.status_code == 200
            assert "\x00" not in made.get_data(as_text=True)

    run()


def test_register_incoming_and_outgoing_with_nasty_fields(client, bearer, db_session, world):
    headers = bearer("demo-clerk")
    made = _send(client, "POST", "/api/v1/documents", headers,
                 {"date": "2026-01-05", "subject": "ทดสอบ", "sender": "กรม"})
    assert made.status_code == 201, made.json
    doc = made.json["id"]

    @fuzz_settings(25)
    @given(number=nasty_field, date=nasty_field, time=nasty_field, source=nasty_field,
           to=nasty_field, document_id=st.one_of(st.just(doc), st.sampled_from(NASTY_NUMBERS)))
    def run(number, date, time, source, to, document_id):
        receipt = _send(client, "POST", f"/api/v1/registers/{world['receipt_register']}/receipts",
                        headers, {"document_id": document_id, "number": number, "date": date,
                                  "time": time, "source_text": source})
        _check(receipt, ("receipt", number, date, time, source, document_id))
        dispatch = _send(client, "POST", f"/api/v1/documents/{doc}/dispatch", headers,
                         {"register_id": world["dispatch_register"], "to": to})
        _check(dispatch, ("dispatch", to))
        if dispatch.status_code == 201:
            cancelled = _send(client, "POST", f"/api/v1/dispatches/{dispatch.json['id']}/cancel",
                              headers, {"reason": source})
            _check(cancelled, ("cancel", source))

    run()


def test_transfers_and_endorsements_with_nasty_fields(client, bearer, db_session, world):
    headers = bearer("demo-clerk")
    memo = world["memo"]

    @fuzz_settings(25)
    @given(to=st.one_of(st.lists(st.sampled_from(world["units"] + NASTY_NUMBERS), max_size=4),
                        nasty_field),
           purpose=nasty_field, purpose_text=nasty_field, due=nasty_field, note=nasty_field,
           kind=st.sampled_from(["forward", "propose", "\x00", 1]),
           lines=st.one_of(st.lists(nasty_field, max_size=3), nasty_field),
           reason=nasty_field)
    def run(to, purpose, purpose_text, due, note, kind, lines, reason):
        body = {"to": to, "purpose": purpose, "purpose_text": purpose_text, "due_date": due,
                "note": note, "kind": kind}
        sent = _send(client, "POST", f"/api/v1/documents/{memo}/transfers", headers, body)
        _check(sent, body)
        if sent.status_code == 201:
            for transfer in sent.json["items"]:
                back = _send(client, "POST", f"/api/v1/transfers/{transfer['id']}/return",
                             headers, {"reason": reason})
                _check(back, ("return", reason))
        endorsement = {"lines": lines, "orders": [{"to_unit": world["units"][0],
                                                   "instruction": note, "due_date": due}]}
        _check(_send(client, "POST", f"/api/v1/documents/{memo}/endorsements", headers,
                     endorsement), endorsement)

    run()


def test_search_q_with_nasty_text(client, bearer, db_session):
    headers = bearer("demo-clerk")

    @fuzz_settings(20)
    @given(q=st.one_of(st.sampled_from(NASTY_TEXT), nasty_text),
           date_from=st.one_of(st.none(), st.sampled_from(NASTY_DATES)),
           page=st.one_of(st.none(), st.sampled_from(["0", "-1", "๒", "1e309", str(2**63), "¹",
                                                      "9" * 5000])))
    def run(q, date_from, page):
        query = {"q": q}
        if date_from is not None:
            query["date_from"] = date_from
        if page is not None:
            query["page"] = page
        # percent-encoded by hand: a lone surrogate goes as the bytes a sloppy client sends
        encoded = "&".join(f"{k}={quote(v, errors='surrogatepass')}" for k, v in query.items())
        response = client.get(f"/api/v1/documents?{encoded}", headers=headers)
        _check(response, query)
        if response.status_code == 200:
            assert isinstance(response.json["total"], int)

    run()


@pytest.mark.parametrize("body", [b"", b"null", b"[]", b"\"x\"", b"{", b"{\"a\": NaN}",
                                  b"\xff\xfe", b"{\"subject\": \"\\ud800\"}",
                                  b"[" * 100_000 + b"]" * 100_000,
                                  b"{\"subject\": " + b"1" * 5000 + b"}"])
def test_broken_json_bodies(client, bearer, db_session, body):
    headers = bearer("demo-clerk")
    before = _counts(db_session)
    for url in ("/api/v1/documents", "/api/v1/documents/1/transfers",
                "/api/v1/documents/1/endorsements"):
        response = client.post(url, data=body, headers={**headers,
                               "Content-Type": "application/json"})
        _check(response, (url, body[:40]))
        assert response.status_code >= 400
    assert _counts(db_session) == before


def test_multipart_where_json_is_expected(client, bearer, db_session):
    headers = bearer("demo-clerk")
    response = client.post("/api/v1/documents", headers=headers,
                           data={"file": (io.BytesIO(b"x"), "x.pdf")},
                           content_type="multipart/form-data")
    _check(response, "multipart")
    assert response.status_code == 400


# -- files: path tricks in names, zip and PDF bombs ------------------------------------------

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x08\x00\x00\x00\x08\x08\x02\x00\x00\x00"
       b"Km)\xdc\x00\x00\x00\x15IDATx\x9cc\xfc\xff\xff?\x036\xc0\x84Ut\xd0J\x00\x00V\xd4\x03\r"
       b"7\xec\xcc\xa3\x00\x00\x00\x00IEND\xaeB`\x82")  # a readable 8 x 8 image


def _upload(client, headers, doc_id, data, name):
    return client.post(f"/api/v1/documents/{doc_id}/files", headers=headers,
                       **multipart({"file": (data, name)}))


def _files_on_disk(app) -> set[Path]:
    return {p for p in Path(app.config["DATA_DIR"]).parent.rglob("*") if p.is_file()}


@pytest.mark.parametrize("name", FILE_NAMES)
def test_path_tricks_in_file_names(client, bearer, db_session, app, world, name):
    headers = bearer("demo-clerk")
    before = _files_on_disk(app)
    response = _upload(client, headers, world["memo"], PNG + name.encode("utf-8", "replace"),
                       name)
    _check(response, name)
    assert response.status_code == 201, response.json
    made, *stamped = response.json["files"]  # a received letter's image: a stamped copy too
    assert [f["role"] for f in stamped] in ([], ["stamped"])
    for f in (made, *stamped):
        assert_safe_name(f["filename"])
    data_dir = Path(app.config["DATA_DIR"]).resolve()
    for path in _files_on_disk(app) - before:  # whatever was written is under DATA_DIR/files
        assert path.resolve().is_relative_to(data_dir / "files"), path
    shown = client.get(f"/api/v1/documents/{world['memo']}/files/{made['id']}", headers=headers)
    assert shown.status_code == 200
    assert shown.headers["Content-Disposition"] == f'attachment; filename="file-{made["id"]}"'


# What each bomb must get on a received document (its scan is stamped): the status and the
# Thai reason. Too big to read is 413, not a PDF 415, unreadable 400; the 400 bomb is the one
# the page check lets through (one small page) and the stamper gives up on.
BOMB_REFUSALS = {
    "zip_bomb": (415, "รับเฉพาะไฟล์"),
    "pdf_named_zip_bomb": (400, "ไฟล์ PDF เสียหาย"),
    "pdf_bomb": (400, "ขยายตัวเกินกว่าที่ระบบจะ"),
    "pdf_many_pages": (413, "หน้า กรุณาแบ่งเป็นหลายไฟล์"),
    "pdf_deep_tree": (413, "ขยายตัวเกินกว่าที่ระบบจะอ่านได้"),
    "pdf_deep_array": (400, "ไฟล์ PDF เสียหาย"),
    "pdf_reference_loop": (400, "ไฟล์ PDF เสียหาย"),
}


@pytest.mark.parametrize("make", BOMBS, ids=lambda f: f.__name__)
def test_bombs_are_refused_in_bounded_time(client, bearer, db_session, world, make):
    from saraban.documents.models import DocumentFile

    data = built(make)
    headers = bearer("demo-clerk")
    started = time.monotonic()
    response = _upload(client, headers, world["memo"], data, "scan.pdf")
    took = time.monotonic() - started
    _check(response, make.__name__)
    status, reason = BOMB_REFUSALS[make.__name__]
    assert response.status_code == status, response.json
    assert reason in response.json["error"]["message_th"], response.json
    assert took < 10, f"{make.__name__} took {took:.1f} s"
    assert db_session.scalars(select(DocumentFile).where(
        DocumentFile.document_id == world["memo"])).all() == []


def test_a_pdf_bomb_on_a_document_not_received_is_kept_as_sent(client, bearer, db_session):
    """Nothing unpacks a scan that is not stamped: the bomb is kept, small, as uploaded."""
    headers = bearer("demo-clerk")
    made = _send(client, "POST", "/api/v1/documents", headers,
                 {"date": "2026-01-05", "subject": "ทดสอบ", "sender": "กรม"})
    response = _upload(client, headers, made.json["id"], built(pdf_bomb), "bomb.pdf")
    _check(response, "pdf bomb, not received")
    assert response.status_code == 201, response.json
    (kept,) = response.json["files"]
    assert kept["role"] == "scan" and kept["size"] == len(built(pdf_bomb))


# -- letters from other agencies (the exchange endpoint, not in the OpenAPI description) ----

@pytest.fixture()
def peer(app, db_session, tmp_path):
    from saraban.exchange import protocol
    from saraban.exchange.peers import add_peer, exchange_dir

    protocol.create_identity(exchange_dir(), "RTP", "สำนักงานตำรวจแห่งชาติ", overwrite=True)
    them = protocol.create_identity(tmp_path / "dga", "DGAX", "สพร. ทดสอบ")
    add_peer("DGAX", "http://127.0.0.1:9", them.public_key, "สพร. ทดสอบ")  # nobody listens
    db_session.commit()
    return them


def _signed_letter(them, number: str, subject: str, sender: str) -> dict:
    import datetime as dt

    from saraban.exchange import protocol

    letter = protocol.Letter(
        number=number, date=dt.date(2026, 11, 20), subject=subject,
        sender=protocol.Party("DGAX", "สพร. ทดสอบ", sender, "รองผู้อำนวยการ"),
        receiver=protocol.Party("RTP", "สำนักงานตำรวจแห่งชาติ", None, "ผบ.ตร."),
        send_date=dt.datetime.now(dt.UTC).replace(microsecond=0), enclosures=[subject])
    return protocol.build_letter(them, "RTP", letter)


def test_messages_from_other_agencies_with_nasty_fields(client, db_session, peer):
    import json

    def post(body: bytes):
        response = client.post("/exchange/v1/messages", data=body,
                               content_type="application/json")
        assert response.status_code < 500, (body[:200], response.get_data(as_text=True)[:500])
        assert response.is_json
        return response

    for raw in (b"", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000, b"{\"MessageID\": \"\\u0000\"}",
                b"{\"MessageID\": \"\\ud800\"}", b"{\"MessageID\": [1]}", b"null"):
        post(raw)

    @fuzz_settings(15)
    @given(number=nasty_text, subject=nasty_text, sender=nasty_text, data=st.data())
    def run(number, subject, sender, data):
        try:
            message = _signed_letter(peer, number, subject, sender)
        except Exception:  # noqa: BLE001 - the sender's own checks refuse it: fine
            message = {"MessageID": number, "Subject": subject}
        if data.draw(st.booleans()):  # spoiled on the way, signature and all
            message = spice(data.draw, message)
        post(json.dumps(message, ensure_ascii=True).encode())

    run()
