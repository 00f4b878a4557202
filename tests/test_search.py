"""Thai search: substring hits equal a brute-force scan, digits either way, permissions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saraban.documents.models import Document, DocumentReference
from saraban.search.models import SearchText
from saraban.search.text import normalize
from saraban.units.models import Unit
from tests.querycount import count_queries

CORPUS = [
    ("ขอเชิญประชุมคณะกรรมการพัฒนารัฐบาลดิจิทัล", "สำนักงานพัฒนารัฐบาลดิจิทัล", "กข ๐๔๐๘/ว๑๒"),
    ("รายงานผลการใช้จ่ายงบประมาณ ประจำปี ๒๕๖๙", "กรมบัญชีกลาง", "กค 0408/ว99"),
    ("การจัดซื้อน้ำดื่มสำหรับสำนักงาน", "กองพัสดุ", "พด ๑๒/๓๔๕"),
    ("ขอความอนุเคราะห์ตรวจสอบนํ้าประปา", "การประปานครหลวง", "กปน 55/2569"),  # นํ้า typed oddly
    ("แจ้งกำหนดการตรวจราชการ", "สำนักงานตำรวจแห่งชาติ", "๐๐๑๑.๒/๗๘"),
]
QUERIES = ["รัฐบาล", "ดิจิทัล", "งบ", "น้ำ", "นํ้า", "ปี", "ดี", "ก", "0408", "๐๔๐๘", "ว๑๒",
           "ว12", "2569", "๒๕๖๙", "ตรวจ", "สำนักงาน", "ไม่มีคำนี้แน่นอน", "/", "ประปา",
           "ขอ", "ส่ง", "%", "_", "\"ab"]


@pytest.fixture()
def corpus(client, bearer, db_session):
    headers = bearer("demo-clerk")
    ids = []
    for subject, sender, number in CORPUS:
        answer = client.post("/api/v1/documents", headers=headers, json={
            "number": number, "date": "2026-11-20", "subject": subject, "sender": sender})
        assert answer.status_code == 201, answer.json
        ids.append(answer.json["id"])
    return headers, ids


def _hits(client, headers, q):
    answer = client.get("/api/v1/documents", headers=headers,
                        query_string={"q": q, "per_page": 100})
    assert answer.status_code == 200, answer.json
    return {d["id"] for d in answer.json["items"]}, answer.json["total"]


@pytest.mark.parametrize("q", QUERIES)
def test_hits_equal_a_brute_force_scan(client, corpus, db_session, q):
    headers, _ = corpus
    rows = db_session.execute(select(SearchText.document_id, SearchText.content)).all()
    expected = {doc_id for doc_id, content in rows if normalize(q) in content}
    # what the clerk may see: every document here was created by him or is in his units
    visible, total = _hits(client, headers, q)
    visible_all = {d["id"] for d in client.get(
        "/api/v1/documents", headers=headers, query_string={"per_page": 100}).json["items"]}
    assert visible == expected & visible_all
    assert total == len(visible)


def test_every_document_is_indexed_and_follows_its_changes(client, corpus, db_session):
    headers, ids = corpus
    assert db_session.scalar(select(SearchText.content).where(
        SearchText.document_id == ids[0])).startswith("กข 0408/ว12")
    client.patch(f"/api/v1/documents/{ids[2]}", headers=headers,
                 json={"subject": "การจัดซื้อกาแฟสำหรับสำนักงาน"})
    assert ids[2] in _hits(client, headers, "กาแฟ")[0]
    assert ids[2] not in _hits(client, headers, "น้ำดื่ม")[0]
    missing = db_session.scalar(select(Document.id).where(
        ~Document.id.in_(select(SearchText.document_id))).limit(1))
    assert missing is None  # the samples too: indexed when they were loaded


def test_receipt_numbers_and_endorsements_are_found(client, bearer, db_session):
    headers = bearer("demo-commander")
    memo = db_session.scalar(select(Document.id).where(
        Document.source_key == "rtp-0033.12-5052"))
    assert memo in _hits(client, headers, "เห็นชอบตามที่เสนอ")[0]  # endorsement text
    assert memo in _hits(client, headers, "เลขรับ ๕๐๖๓")[0]  # the stamp of its receipt
    assert memo in _hits(client, headers, "0033.12/5052")[0]


def test_search_never_shows_what_the_user_may_not_see(client, corpus, bearer):
    headers, ids = corpus
    other = bearer("demo-staff")  # สงป.: none of these letters came its way
    hits, total = _hits(client, other, "สำนักงาน")
    assert not hits & set(ids)
    assert total == len(hits)


@pytest.mark.parametrize(("args", "field"), [
    ({"q": "x" * 201}, "q"), ({"date_from": "๓๑ ก.พ. ๖๙"}, "date_from"),
    ({"kind": "poem"}, "kind"), ({"urgency": "9"}, "urgency"),
    ({"date_from": "2026-12-01", "date_to": "2026-11-01"}, "date_from"),
])
def test_bad_search_input_is_refused_in_both_languages(client, bearer, args, field):
    answer = client.get("/api/v1/documents", headers=bearer("demo-clerk"), query_string=args)
    assert answer.status_code == 400
    assert answer.json["error"]["field"] == field and answer.json["error"]["message_th"]


def test_filters_narrow_the_search(client, corpus):
    headers, ids = corpus
    hits, _ = _hits(client, headers, "สำนักงาน")
    assert hits >= {ids[0], ids[2], ids[4]}
    answer = client.get("/api/v1/documents", headers=headers, query_string={
        "q": "สำนักงาน", "date_from": "๒๑ พ.ย. ๖๙"})
    assert answer.json["total"] == 0


def test_the_search_page_in_thai(login, corpus):
    page = login("demo-clerk").get("/documents/?q=รัฐบาลดิจิทัล").get_data(as_text=True)
    assert "ผลการค้นหา “รัฐบาลดิจิทัล”" in page and "ขอเชิญประชุมคณะกรรมการพัฒนารัฐบาลดิจิทัล" in page


def test_reindex_and_check_commands(app, db_session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "ดัชนีค้นหาครบ" in result.output


def test_a_c_locale_postgresql_database_is_named_not_silently_used():
    import os
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from saraban.search.operations import database_can_index_thai

    url = os.environ.get("SARABAN_TEST_DATABASE_URL")
    if not url:
        pytest.skip("needs PostgreSQL (SARABAN_TEST_DATABASE_URL)")
    name = f"saraban_c_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE template0 LC_CTYPE 'C' "
                          "LC_COLLATE 'C' ENCODING 'UTF8'"))
    engine = create_engine(url.rsplit("/", 1)[0] + "/" + name)
    try:
        with Session(engine) as session:
            ok, message = database_can_index_thai(session)
        assert not ok and "LC_CTYPE=C" in message and "C.UTF-8" in message
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE {name}"))
        admin.dispose()


def test_the_letter_whose_number_is_typed_comes_first(client, bearer, db_session):
    headers = bearer("demo-admin")
    memo = db_session.scalar(select(Document.id).where(
        Document.source_key == "rtp-0033.12-5052"))
    items = client.get("/api/v1/documents", headers=headers,
                       query_string={"q": "0033.12/5052"}).json["items"]
    assert len(items) > 1 and items[0]["id"] == memo  # the circulars that cite it follow


def _count_queries(db_session, action) -> int:
    with count_queries(db_session) as queries:
        action()
    return queries.count


def test_the_chain_of_the_seed_matter_and_its_fixed_cost(client, bearer, db_session):
    headers = bearer("demo-admin")
    memo = db_session.scalar(select(Document.id).where(
        Document.source_key == "rtp-0033.12-5052"))
    chain = client.get(f"/api/v1/documents/{memo}/chain", headers=headers).json
    numbers = [n["number"] for n in chain["nodes"]]
    assert numbers[:2] == ["สพร ๒๕๖๒/ว๔๐๙๙", "๐๐๓๓.๑๒/๕๐๕๒"]  # the DGA letter, then the memo
    assert "๐๐๑๐.๐๑๑/๑๕๑๑" in numbers  # on to สงป.'s own circular
    by_id = {n["id"]: n["number"] for n in chain["nodes"]}
    assert {(by_id[x["from"]], by_id[x["to"]], x["relation"]) for x in chain["links"]} >= {
        ("๐๐๓๓.๑๒/๕๐๕๒", "สพร ๒๕๖๒/ว๔๐๙๙", "cites"),
        ("๐๐๓๓.๑๒/๕๑๘๓", "๐๐๓๓.๑๒/๕๐๕๒", "copy_of")}
    assert [n["current"] for n in chain["nodes"]].count(True) == 1
    # a longer chain costs the same number of queries
    short = _count_queries(db_session, lambda: client.get(
        f"/api/v1/documents/{memo}/chain", headers=headers))
    previous = memo
    for i in range(6):
        made = client.post("/api/v1/documents", headers=headers, json={
            "date": "2026-11-20", "subject": f"ต่อเนื่อง {i}", "sender": "สทส."}).json["id"]
        db_session.add(DocumentReference(document_id=made, target_id=previous,
                                         relation="cites", text="อ้างถึง", position=0))
        db_session.commit()
        previous = made
    assert len(client.get(f"/api/v1/documents/{memo}/chain", headers=headers).json[
        "nodes"]) == len(chain["nodes"]) + 6
    assert _count_queries(db_session, lambda: client.get(
        f"/api/v1/documents/{memo}/chain", headers=headers)) == short > 0


def test_the_chain_shows_only_what_the_user_may_see(client, bearer, db_session):
    memo = db_session.scalar(select(Document.id).where(
        Document.source_key == "rtp-0033.12-5052"))
    chain = client.get(f"/api/v1/documents/{memo}/chain", headers=bearer("demo-commander")).json
    visible = {d["id"] for d in client.get("/api/v1/documents", headers=bearer(
        "demo-commander"), query_string={"per_page": 100}).json["items"]}
    assert {n["id"] for n in chain["nodes"]} <= visible
    ids = {n["id"] for n in chain["nodes"]}
    assert all(x["from"] in ids and x["to"] in ids for x in chain["links"])


def test_documents_that_passed_through_a_unit(client, bearer, db_session):
    from saraban.units.models import Unit

    headers = bearer("demo-admin")
    budget = db_session.scalar(select(Unit.id).where(Unit.short_name == "ฝอ.สงป."))
    through = client.get("/api/v1/documents", headers=headers, query_string={
        "passed_through": budget, "per_page": 100}).json["items"]
    numbers = {d["number"] for d in through}
    # the seed: the circular reached สงป.'s office, which sent on its own ๑๕๑๑
    assert {"๐๐๑๐.๐๑๑/๑๕๑๑", "๐๐๓๓.๑๒/๕๑๙๓"} <= numbers
    assert "สพร ๒๕๖๒/ว๔๐๙๙" not in numbers  # the DGA letter never went there
    own = client.get("/api/v1/documents", headers=headers, query_string={
        "unit": budget}).json["items"]
    assert {d["number"] for d in own} == {"๐๐๑๐.๐๑๑/๑๕๑๑"}
    assert client.get("/api/v1/documents", headers=headers,
                      query_string={"unit": "x"}).status_code == 400


def test_register_year_status_and_secrecy_filters(client, bearer, db_session):
    from saraban.registers.models import Register
    from saraban.units.models import Unit

    headers = bearer("demo-admin")
    register = db_session.scalar(select(Register.id).join(Register.unit).where(
        Unit.short_name == "สทส.", Register.kind == "receipt", Register.code == "main"))
    found = client.get("/api/v1/documents", headers=headers, query_string={
        "register": register, "year": "2562"}).json["items"]
    assert [d["number"] for d in found] == ["สพร ๒๕๖๒/ว๔๐๙๙"]  # stamped ๔๓๒๓ there
    assert client.get("/api/v1/documents", headers=headers, query_string={
        "register": register, "year": "2563"}).json["total"] == 0
    assert client.get("/api/v1/documents", headers=headers, query_string={
        "status": "closed"}).json["total"] == 0
    for args, field in (({"status": "lost"}, "status"), ({"secrecy": "5"}, "secrecy"),
                        ({"register": register, "year": "abc"}, "year")):
        answer = client.get("/api/v1/documents", headers=headers, query_string=args)
        assert answer.status_code == 400 and answer.json["error"]["field"] == field


def test_a_common_word_is_counted_up_to_the_limit_and_paged_newest_first(
        client, corpus, monkeypatch):
    import saraban.search.operations as search

    headers, ids = corpus
    everything = client.get("/api/v1/documents", headers=headers, query_string={
        "q": "สำนักงาน", "per_page": 100}).json
    assert everything["more"] is False and everything["total"] >= 3
    monkeypatch.setattr(search, "COUNT_LIMIT", 2)
    capped = client.get("/api/v1/documents", headers=headers, query_string={
        "q": "สำนักงาน", "per_page": 100}).json
    assert capped["more"] is True and capped["total"] == 2
    assert [d["id"] for d in capped["items"]] == [d["id"] for d in everything["items"]]


def test_relevance_puts_the_subject_before_the_sender_before_the_body(
        client, bearer, db_session):
    import datetime as dt

    from saraban.search.index import reindex
    from tests.conftest import make_document

    word = "คำทดสอบความตรง"
    made = {
        "body": make_document(db_session, "เรื่องอื่นที่หนึ่ง", body=f"มี{word}ในเนื้อความ",
                              doc_date=dt.date(2026, 11, 3)),
        "sender": make_document(db_session, "เรื่องอื่นที่สอง", sender_text=f"กอง{word}",
                                doc_date=dt.date(2026, 11, 2)),
        "subject": make_document(db_session, f"ขอส่ง{word}", doc_date=dt.date(2026, 11, 1)),
    }
    reindex(db_session, [d.id for d in made.values()])
    db_session.commit()
    headers = bearer("demo-admin")

    def order(sort):
        items = client.get("/api/v1/documents", headers=headers,
                           query_string={"q": word, "sort": sort}).json["items"]
        return [next(k for k, d in made.items() if d.id == i["id"]) for i in items]

    assert order("date") == ["body", "sender", "subject"]
    assert order("relevance") == ["subject", "sender", "body"]
    bad = client.get("/api/v1/documents", headers=headers, query_string={"q": word, "sort": "x"})
    assert bad.status_code == 400 and bad.json["error"]["field"] == "sort"


def test_each_result_says_where_the_document_is_now(client, bearer, login, db_session):
    letter = db_session.scalar(select(Document.id).where(
        Document.source_key == "dga-2562-w4099"))
    items = client.get("/api/v1/documents", headers=bearer("demo-admin"),
                       query_string={"q": "ว4099"}).json["items"]
    found = next(i for i in items if i["id"] == letter)
    assert found["location"]["unit"] == "ฝอ.๒ บก.อก.สทส." and found["location"]["waiting"] is False
    # sent on and not yet received: it is on its way there
    sent = client.post(f"/api/v1/documents/{letter}/transfers", headers=bearer("demo-clerk"),
                       json={"to": [db_session.scalar(select(Unit.id).where(
                           Unit.short_name == "สงป."))], "from_unit": db_session.scalar(
                           select(Unit.id).where(Unit.short_name == "ฝอ.๒ บก.อก.สทส."))})
    assert sent.status_code == 201, sent.json
    items = client.get("/api/v1/documents", headers=bearer("demo-admin"),
                       query_string={"q": "ว4099"}).json["items"]
    found = next(i for i in items if i["id"] == letter)
    assert found["location"] == {**found["location"], "unit": "สงป.", "waiting": True}
    page = login("demo-admin").get("/documents/?q=ว4099&sort=relevance").get_data(as_text=True)
    assert "อยู่ที่" in page and "สงป." in page and "(รอลงรับ)" in page
    assert 'value="relevance" selected' in page
