"""Every real answer of the API matches its OpenAPI description (schemathesis's response
conformance: the status is documented, the content type is the one documented, and the
body fits its schema, which forbids fields it does not name and requires those it does).

Every GET is called with ids of the sample data (until one answers 2xx), and the main
POSTs with valid bodies along one clerk's and one administrator's day; each answer, a
refusal included, is checked against the description. On SQLite and on PostgreSQL (the
``app`` fixture is parametrised over both)."""

from __future__ import annotations

import contextvars
import datetime as dt

import pytest
import schemathesis
from schemathesis.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from saraban import thaidate
from saraban.api.openapi import standalone_spec

SPEC = standalone_spec()
GETS = sorted(path for path, ops in SPEC["paths"].items() if "get" in ops)
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]

# the sample registers' lines are of 2019 (this year's would be empty: nothing to check)
QUERIES = {path: {"year": "2019"} for path in (
    "/registers/{register_id}/entries", "/registers/{register_id}/print.pdf",
    "/registers/{register_id}/export.csv")}

# the GETs that no sample row can answer with a 2xx (they answer a documented 404, checked)
NO_SAMPLE = {
    "/destruction-lists/{list_id}",  # the samples have no destruction list (see the POSTs)
    "/dispatches/{dispatch_id}/slip.pdf",  # the samples send nothing by post or by hand
    "/dispatches/{dispatch_id}/envelope.pdf",
    "/intake/drafts/{draft_id}",  # no scans in the samples (tests/test_intake.py reads some)
}


@pytest.fixture(scope="session")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _candidates(session) -> dict[tuple[str, ...], list[tuple]]:
    """Path parameters to try, from the sample data: single ids and the pairs that must
    belong together (a document's file, a user's membership)."""
    from saraban.accounts.models import Membership, User
    from saraban.documents.models import Document, DocumentFile
    from saraban.drafts.models import Draft
    from saraban.endorsements.models import Endorsement
    from saraban.records.models import DestructionList
    from saraban.registers.models import Dispatch, Receipt, Register

    def rows(stmt):
        return [tuple(r) for r in session.execute(stmt.limit(40))]

    return {
        ("document_id",): rows(select(Document.id).order_by(Document.id)),
        ("draft_id",): rows(select(Draft.id).order_by(Draft.id)),
        ("register_id",): rows(select(Register.id).order_by(Register.id)),
        ("receipt_id",): rows(select(Receipt.id).order_by(Receipt.id)),
        ("dispatch_id",): rows(select(Dispatch.id).order_by(Dispatch.id)),
        ("endorsement_id",): rows(select(Endorsement.id).order_by(Endorsement.id)),
        ("list_id",): rows(select(DestructionList.id).order_by(DestructionList.id)),
        ("user_id",): rows(select(User.id).order_by(User.id)),
        ("document_id", "file_id"): rows(select(DocumentFile.document_id, DocumentFile.id)
                                         .order_by(DocumentFile.id)),
        ("user_id", "membership_id"): rows(select(Membership.user_id, Membership.id)
                                           .order_by(Membership.id)),
    }


def call_and_check(api_schema, method: str, path: str, headers: dict, *,
                   path_parameters: dict | None = None, query: dict | None = None,
                   body=None, media_type: str = "application/json"):
    """Call one operation in a context of its own (as a real server would) and check its
    answer against the description; the response, for the caller's next step."""
    operation = api_schema[path][method.upper()]
    kwargs = {"path_parameters": path_parameters or {}, "query": query or None,
              "headers": headers}
    if body is not None:
        kwargs.update(body=body, media_type=media_type)
    case = operation.Case(**kwargs)
    response = contextvars.Context().run(case.call)
    case.validate_response(response, checks=CHECKS)
    return response


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x08\x00\x00\x00\x08\x08\x02\x00\x00\x00"
       b"Km)\xdc\x00\x00\x00\x15IDATx\x9cc\xfc\xff\xff?\x036\xc0\x84Ut\xd0J\x00\x00V\xd4\x03\r"
       b"7\xec\xcc\xa3\x00\x00\x00\x00IEND\xaeB`\x82")  # a readable 8 x 8 white image


def _upload(api_schema, headers, document_id: int) -> dict:
    """A scan kept through the API (the samples have none), its answer checked."""
    response = call_and_check(api_schema, "post", "/documents/{document_id}/files", headers,
                              path_parameters={"document_id": document_id},
                              body={"file": PNG}, media_type="multipart/form-data")
    assert response.status_code == 201, response.text
    return response.json()["files"][0]


@pytest.mark.parametrize("path", GETS)
def test_every_get_answers_as_described(api_schema, bearer, db_session, path):
    users = [bearer("demo-admin"), bearer("demo-clerk")]
    names = tuple(SPEC["paths"][path]["get"].get("parameters", []) and [
        p["name"] for p in SPEC["paths"][path]["get"]["parameters"] if p["in"] == "path"])
    if "file_id" in names:
        _upload(api_schema, users[1], _ids(db_session)["memo"])
    tries = _candidates(db_session)[names] if names else [()]
    statuses = []
    for values in tries:
        for headers in users:
            response = call_and_check(api_schema, "get", path, headers,
                                      path_parameters=dict(zip(names, values, strict=True)),
                                      query=QUERIES.get(path))
            statuses.append(response.status_code)
            if path in QUERIES and response.status_code == 200 and "json" in (
                    response.headers.get("content-type") or [""])[0]:
                assert response.json()["items"], "no lines: the check checked nothing"
            if response.status_code < 300:
                break
        if statuses[-1] < 300:
            break
    if path in NO_SAMPLE:
        assert all(s >= 400 for s in statuses)
    else:
        assert statuses and statuses[-1] < 300, (path, statuses)


def _ids(session):
    from saraban.documents.models import Document
    from saraban.registers.models import Register, RegisterKind
    from saraban.units.models import Unit

    def one(stmt):
        return session.scalar(stmt.limit(1))

    return {
        "memo": one(select(Document.id).where(Document.source_key == "rtp-0033.12-5052")),
        "receipts": one(select(Register.id).join(Unit).where(
            Unit.short_name == "สทส.", Register.kind == RegisterKind.RECEIPT,
            Register.is_secret.is_(False))),
        "dispatches": one(select(Register.id).join(Unit).where(
            Unit.short_name == "สทส.", Register.kind == RegisterKind.DISPATCH,
            Register.is_secret.is_(False))),
        "unit": one(select(Unit.id).where(Unit.short_name == "สทส.")),
        "other_units": list(session.scalars(select(Unit.id).where(Unit.short_name != "สทส.")
                                            .order_by(Unit.id).limit(3))),
    }


def test_the_main_posts_answer_as_described(api_schema, bearer, db_session):
    clerk, admin = bearer("demo-clerk"), bearer("demo-admin")
    ids = _ids(db_session)

    def post(path, body, headers=clerk, method="post", expect=(200, 201), **params):
        response = call_and_check(api_schema, method, path, headers, path_parameters=params,
                                  body=body)
        assert response.status_code in expect, (path, response.status_code, response.text)
        return response.json()

    made = post("/documents", {"number": "ที่ สทส ๑๒๓/๒๕๖๙", "date": "๒๐ พ.ย. ๒๕๖๙",
                               "subject": "ทดสอบสัญญา", "sender": "กรมทดสอบ",
                               "addressee": "ผบ.ตร.", "urgency": "urgent"})
    doc = made["id"]
    receipt = post("/registers/{register_id}/receipts", {"document_id": doc},
                   register_id=ids["receipts"])
    post("/documents/{document_id}", {"subject": "ทดสอบสัญญา (แก้ไข)", "remarks": "ทดสอบ"},
         method="patch", document_id=doc)
    draft = post("/documents", {"date": "2026-11-24", "subject": "แจ้งผลการทดสอบ",
                                "sender": "สทส.", "kind": "internal"})["id"]
    dispatch = post("/documents/{document_id}/dispatch",
                    {"register_id": ids["dispatches"], "to": "กรมทดสอบ"}, document_id=draft)
    post("/documents/{document_id}/corrections", {"correction": "แก้คำผิด"},
         document_id=draft)
    post("/dispatches/{dispatch_id}/cancel", {"reason": "ออกเลขซ้ำ"},
         dispatch_id=dispatch["id"])
    sent = post("/documents/{document_id}/transfers",
                {"to": ids["other_units"][:2], "purpose": "act", "note": "ดำเนินการ"},
                document_id=ids["memo"])
    assert sent["items"]
    post("/transfers/{transfer_id}/recall", None, transfer_id=sent["items"][0]["id"])
    post("/documents/{document_id}/retention", {"years": 20}, method="put", document_id=doc)
    due = (thaidate.today() + dt.timedelta(days=14)).isoformat()
    loan = post("/loans", {"document_id": doc, "item": "ต้นฉบับ", "borrower": "ส.ต.ท. ทดสอบ",
                           "due_on": due})
    post("/loans/{loan_id}/return", {"returned_by": "ส.ต.ท. ทดสอบ"}, loan_id=loan["id"])
    post("/receipts/{receipt_id}/cancel", {"reason": "ลงรับผิดเล่ม"},
         receipt_id=receipt["id"])
    # a refusal answers as described too: the error contract
    refused = post("/documents", {"date": "2026-11-20", "sender": "กรม"},
                   expect=(400,))
    assert refused["error"]["field"] == "subject"

    unit = post("/units", {"short_name": "ทดสอบสัญญา", "name_th": "หน่วยทดสอบสัญญา",
                           "parent_id": ids["unit"]}, headers=admin)
    post("/units/{unit_id}/registers", {"kind": "receipt", "code": "ทส", "name": "ทะเบียนรับ"},
         headers=admin, unit_id=unit["id"])
    user = post("/users", {"username": "contract.test", "display_name": "ผู้ทดสอบ สัญญา",
                           "unit_id": unit["id"], "role": "staff"}, headers=admin)
    assert user["password"]
    post("/users/{user_id}", {"display_name": "ผู้ทดสอบ สัญญา (แก้)"}, headers=admin,
         method="patch", user_id=user["id"])
    post("/users/{user_id}/memberships", {"unit_id": ids["unit"], "role": "staff"},
         headers=admin, user_id=user["id"])
    post("/users/{user_id}/password", None, headers=admin, user_id=user["id"])

    # and what was made reads back as described
    for path, params in (("/documents/{document_id}", {"document_id": doc}),
                         ("/documents/{document_id}/history", {"document_id": doc}),
                         ("/documents/{document_id}/history", {"document_id": ids["memo"]}),
                         ("/loans", {}), ("/transfers/inbox", {}), ("/users", {})):
        response = call_and_check(api_schema, "get", path, admin, path_parameters=params)
        assert response.status_code == 200, (path, response.text)


def test_a_field_the_schema_forbids_or_lacks_is_found(api_schema, bearer, db_session,
                                                      monkeypatch):
    """The check can fail: an answer with one field too many, or one required field
    missing, is not what the description says."""
    from schemathesis.core.failures import FailureGroup

    import saraban.api.documents as api

    headers = bearer("demo-admin")
    doc = _ids(db_session)["memo"]
    real = api.document_detail_json

    monkeypatch.setattr(api, "document_detail_json", lambda d: {**real(d), "extra": 1})
    with pytest.raises(FailureGroup):
        call_and_check(api_schema, "get", "/documents/{document_id}", headers,
                       path_parameters={"document_id": doc})

    def without_status(d):
        out = real(d)
        del out["status"]
        return out

    monkeypatch.setattr(api, "document_detail_json", without_status)
    with pytest.raises(FailureGroup):
        call_and_check(api_schema, "get", "/documents/{document_id}", headers,
                       path_parameters={"document_id": doc})


def test_the_commanders_desk_answers_as_described(api_schema, desk, db_session):
    """Proposals, capacities, an endorsement with an order drafted, changed and signed,
    the task done: each answer as described, and the memo's history with the order and
    its being done (kinds the hand-written description once forbade)."""
    commander, assignee = desk.headers["commander"], desk.headers["assignee"]
    due = (thaidate.today() + dt.timedelta(days=7)).isoformat()

    def ok(method, path, headers, body=None, **params):
        response = call_and_check(api_schema, method, path, headers, path_parameters=params,
                                  body=body)
        assert response.status_code < 300, (path, response.status_code, response.text)
        return response.json() if response.status_code != 204 else None

    assert ok("get", "/proposals", commander)["items"]
    assert ok("get", "/capacities", commander)["items"]
    draft = ok("post", "/documents/{document_id}/endorsements", commander,
               {"lines": ["ทราบ", "อนุมัติตามที่เสนอ"],
                "orders": [{"to_unit": desk.target.id, "instruction": "ดำเนินการ",
                            "due_date": due}]}, document_id=desk.memo)
    ok("patch", "/endorsements/{endorsement_id}", commander, {"lines": ["อนุมัติ"]},
       endorsement_id=draft["id"])
    signed = ok("post", "/endorsements/{endorsement_id}/sign", commander,
                endorsement_id=draft["id"])
    (order,) = signed["orders"]
    assert ok("get", "/orders", assignee)["items"]
    ok("post", "/orders/{order_id}/complete", assignee, {"note": "ดำเนินการแล้ว"},
       order_id=order["id"])
    ok("get", "/documents/{document_id}/endorsements", commander, document_id=desk.memo)
    ok("get", "/orders", commander)
    history = ok("get", "/documents/{document_id}/history", commander, document_id=desk.memo)
    assert {"endorsement", "order_done"} <= {e["kind"] for e in history["events"]}
    ok("get", "/delegations", commander)
