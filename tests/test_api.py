"""The JSON API: bearer tokens, number lookup in either digits, history with +07:00 times."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saraban.documents.models import Document


@pytest.fixture()
def token(bearer):
    return bearer


def test_needs_a_token(client):
    response = client.get("/api/v1/documents")
    assert response.status_code == 401
    assert response.json["error"]["message_th"]
    bad = client.get("/api/v1/documents", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


@pytest.mark.parametrize("number", ["๐๐๓๓.๑๒/๕๐๕๒", "0033.12/5052", "๐๐๓๓.๑๒/5052",
                                    "ที่ ๐๐๓๓.๑๒/๕๐๕๒", " 0033.12 / 5052 "])
def test_find_by_number_in_thai_or_arabic_digits(client, token, number):
    response = client.get("/api/v1/documents", query_string={"number": number}, headers=token())
    assert response.status_code == 200
    body = response.json
    assert body["total"] == 1
    assert body["items"][0]["number"] == "๐๐๓๓.๑๒/๕๐๕๒"
    assert body["items"][0]["number_arabic"] == "0033.12/5052"


def test_history_is_in_time_order_with_bangkok_offset(client, token, db_session):
    doc_id = db_session.scalar(
        select(Document.id).where(Document.source_key == "dga-2562-w4099")
    )
    response = client.get(f"/api/v1/documents/{doc_id}/history", headers=token())
    assert response.status_code == 200
    events = response.json["events"]
    times = [e["time"] for e in events]
    assert all(t.endswith("+07:00") for t in times)
    assert times == sorted(times)
    receipts = [(e["unit"], e["number"], e["time"]) for e in events if e["kind"] == "receipt"]
    assert receipts == [
        ("ตร.", "30987", "2019-11-11T00:00:00+07:00"),
        ("สทส.", "4323", "2019-11-11T14:50:00+07:00"),
        ("ฝอ.๒ บก.อก.สทส.", "8007", "2019-11-11T15:00:00+07:00"),
    ]
    assert [e["time_known"] for e in events if e["kind"] == "receipt"] == [False, True, True]


def test_memo_history_has_dispatch_and_endorsement(client, token, db_session):
    doc_id = db_session.scalar(
        select(Document.id).where(Document.source_key == "rtp-0033.12-5052")
    )
    events = client.get(f"/api/v1/documents/{doc_id}/history", headers=token()).json["events"]
    kinds = [e["kind"] for e in events]
    assert kinds.index("dispatch") < kinds.index("receipt") < kinds.index("endorsement")
    dispatch = next(e for e in events if e["kind"] == "dispatch")
    assert dispatch["number"] == "๐๐๓๓.๑๒/๕๐๕๒" and dispatch["unit"] == "สทส."
    endorsement = next(e for e in events if e["kind"] == "endorsement")
    assert endorsement["time"].startswith("2019-11-26")


def test_document_detail_and_not_visible_is_404(client, token, db_session):
    doc_id = db_session.scalar(
        select(Document.id).where(Document.source_key == "rtp-0033.12-5052")
    )
    ok = client.get(f"/api/v1/documents/{doc_id}", headers=token())
    assert ok.status_code == 200 and ok.json["subject"].startswith("แจ้งผลการสำรวจ")
    hidden = client.get(f"/api/v1/documents/{doc_id}", headers=token("demo-staff"))
    assert hidden.status_code == 404 and hidden.json["error"]["status"] == 404


def test_staff_counts_only_what_they_may_see(client, token):
    everything = client.get("/api/v1/documents", headers=token()).json["total"]
    staff = client.get("/api/v1/documents", headers=token("demo-staff")).json["total"]
    assert everything == 5
    assert staff == 2  # the circular received at ฝอ.สงป. and สงป.'s own copy


@pytest.mark.parametrize(
    "query", [{"page": "x"}, {"page": "0"}, {"per_page": "1000"}, {"number": "ก" * 500},
              {"page": "99999999999999999999"}]
)
def test_bad_input_is_a_clear_400(client, token, query):
    response = client.get("/api/v1/documents", query_string=query, headers=token())
    assert response.status_code == 400
    assert response.json["error"]["message"] and response.json["error"]["message_th"]


@pytest.mark.parametrize("path", ["/api/v1/documents/0", "/api/v1/documents/99999999999999",
                                  "/api/v1/documents/abc/history", "/api/v1/nothing"])
def test_unknown_is_json_404(client, token, path):
    response = client.get(path, headers=token())
    assert response.status_code == 404
    assert response.is_json


def test_openapi_description(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert {"/documents", "/documents/{document_id}", "/documents/{document_id}/history"} <= set(
        spec["paths"]
    )


@pytest.mark.parametrize(
    "number, total",
    [("\x00", None), ("๐๐๓๓.๑๒/๕๐๕๒\x00", None), ("๐๐๓๓.\u200b๑๒/๕๐๕๒", 1),
     ("\u200f0033.12/5052", 1), ("'; DROP TABLE document;--", 0), ("%", 0), ("_", 0),
     ("\\", 0), ("ก" * 120, 0)],
)
def test_odd_numbers_are_searched_safely(client, token, number, total):
    response = client.get("/api/v1/documents", query_string={"number": number}, headers=token())
    if total is None:  # a NUL byte is refused with a clear message, never a 500
        assert response.status_code == 400
        assert response.json["error"]["message"]
        return
    assert response.status_code == 200
    assert response.json["total"] == total


def test_every_api_route_is_described(app):
    import re

    from saraban.api.openapi import spec

    with app.test_request_context():
        SPEC = spec()  # noqa: N806
    described = {(path, method) for path, ops in SPEC["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.endswith("openapi.json"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in described, (path, method)


def test_the_history_says_how_long_each_unit_kept_the_letter(client, token, db_session):
    from saraban.documents.models import Document

    doc_id = db_session.scalar(select(Document.id).where(
        Document.source_key == "dga-2562-w4099"))
    events = client.get(f"/api/v1/documents/{doc_id}/history", headers=token()).json["events"]
    stays = [(e["unit"], e["stay_th"]) for e in events if e["kind"] == "receipt"]
    assert stays and all(isinstance(e["stay_exact"], bool) for e in events)
    # ตร. stamped it without a time on the day สทส. stamped it; ten minutes later the division
    assert stays[0] == ("ตร.", "ภายในวันเดียวกัน"), stays
    assert stays[1] == ("สทส.", "๑๐ นาที"), stays
    assert stays[-1][1] is None  # still there, or gone on without a record


def test_field_limits_are_written_once():
    """The receipt and send forms, the API's models and its description take a document's
    limits from saraban/documents/limits.py: a change there changes all of them."""
    from saraban.api.openapi import standalone_spec
    from saraban.documents import limits
    from saraban.form_limits import MaxLength
    from saraban.registers.forms import ReceiveForm, SendForm

    def form_limit(form, name):
        (check,) = [v for v in getattr(form, name).kwargs["validators"]
                    if isinstance(v, MaxLength)]
        return check.max

    def described(schema):  # a required field's maxLength, or an optional one's
        return schema.get("maxLength") or next(
            b["maxLength"] for b in schema["anyOf"] if "maxLength" in b)

    create = standalone_spec()["components"]["schemas"]["DocumentCreate"]["properties"]
    for name, limit in (("subject", limits.SUBJECT), ("sender", limits.SENDER),
                        ("addressee", limits.ADDRESSEE), ("body", limits.BODY)):
        assert described(create[name]) == limit, name
    for name, limit in (("subject", limits.SUBJECT), ("sender", limits.SENDER),
                        ("addressee", limits.ADDRESSEE)):
        assert form_limit(ReceiveForm, name) == limit, name
    assert form_limit(SendForm, "subject") == limits.SUBJECT
    assert form_limit(SendForm, "body") == limits.BODY
    assert form_limit(ReceiveForm, "number") == limits.NUMBER


def test_every_history_kind_is_described():
    """The description's Event kinds are every kind the history makes (order_done and
    exchange were once missing from the hand-written one)."""
    import typing

    from saraban.api.schemas.documents import EventKind
    from saraban.documents.history import _KIND_ORDER

    assert set(typing.get_args(EventKind)) == set(_KIND_ORDER)
