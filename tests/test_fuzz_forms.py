"""Bad input for the pages' forms (hypothesis, through the Flask test client).

Login, the receipt and send forms, forwarding, search, the endorsement panel, the edit
form and the file upload get the nasty strings of tests/fuzzdata.py in every field. For
each answer: never a 500; a refusal says why in Thai on the page; a refusal writes
nothing. A subject stored with a script shows as text wherever it is listed.
"""

from __future__ import annotations

import html as htmllib
import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from saraban.documents.models import Document, DocumentFile
from saraban.endorsements.models import Endorsement
from saraban.registers.models import Dispatch, Receipt
from saraban.routing.models import Transfer
from tests.conftest import csrf_token_from, log_in
from tests.deskworld import PASSWORD
from tests.fuzzdata import (
    BOMBS,
    FILE_NAMES,
    NASTY_DATES,
    THAI,
    assert_safe_name,
    built,
    fuzz_settings,
    multipart,
    nasty_text,
)

# what a form field can carry: text only, NUL and all (a lone surrogate cannot be sent)
field = st.one_of(nasty_text, st.sampled_from(NASTY_DATES),
                  st.sampled_from(["0", "1", "3", "4", "-1", "๑", "1e309", str(2**63), "¹",
                                   "9" * 5000])
                  ).filter(lambda s: "\ud800" not in s)

_REFUSAL = re.compile(r'class="(?:flash flash-error|error)"[^>]*>(.*?)</(?:p|span)>', re.S)
_INFO = re.compile(r'class="flash flash-info" role="alert">', re.S)


def refusals(page: str) -> list[str]:
    return [htmllib.unescape(m) for m in _REFUSAL.findall(page)]


def assert_refused_in_thai(page: str, what) -> list[str]:
    said = refusals(page)
    assert said, f"{what}: refused without saying why: {page[:2000]}"
    for message in said:
        assert THAI.search(message), f"{what}: not in Thai: {message!r}"
    return said


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def counts(session) -> tuple[int, ...]:
    return tuple(count(session, m) for m in (Document, Receipt, Dispatch, Transfer,
                                             Endorsement, DocumentFile))


def follow(client, response):
    """The page a post ends on: itself, or where it redirects (with its flashed messages)."""
    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    if response.status_code in (302, 303):
        response = client.get(response.headers["Location"])
        assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', page) or re.search(
        rf'name="{name}" value="([^"]*)"', page)
    return match.group(1) if match else ""


def _memo(session) -> int:
    return session.scalar(select(Document.id).where(Document.source_key == "rtp-0033.12-5052"))


# -- login -----------------------------------------------------------------------------------

def test_login_with_nasty_names_and_passwords(client, db_session):
    from saraban.ratelimit import reset

    page = client.get("/login").get_data(as_text=True)
    token = csrf_token_from(page)

    @fuzz_settings(15)
    @given(username=field, password=field)
    def run(username, password):
        reset()
        response = client.post("/login", data={"username": username, "password": password,
                                               "csrf_token": token})
        assert response.status_code in (200, 400, 423), response.status_code
        assert_refused_in_thai(response.get_data(as_text=True), (username[:50], password[:50]))
        assert client.get("/").status_code == 302  # still not logged in

    run()


# -- the receipt and send forms ------------------------------------------------------------

def _numbering_page(client, url):
    page = client.get(url).get_data(as_text=True)
    register = re.search(r'<option selected value="(\d+)">', page).group(1)
    return page, register


@pytest.mark.parametrize("url, fields", [
    ("/receive", ("number", "date", "sender", "addressee", "subject", "urgency", "secrecy")),
    ("/send", ("kind", "to", "subject", "body", "urgency", "secrecy")),
])
def test_numbering_forms_refuse_bad_input_in_thai_and_save_nothing(login, db_session, url,
                                                                   fields):
    client = login("demo-clerk")
    page, register = _numbering_page(client, url)
    good = {"number": "กค ๐๔๐๘/ว๑๒", "date": "๒๐ พ.ย. ๖๙", "sender": "กรมบัญชีกลาง",
            "addressee": "ผบช.สทส.", "subject": "ขอเชิญประชุม", "urgency": "0", "secrecy": "0",
            "kind": "internal", "to": "ผบช.สทส.", "body": "เนื้อความ"}

    @fuzz_settings(20)
    @given(values=st.fixed_dictionaries({}, optional={name: field for name in fields}),
           register_id=st.one_of(st.just(register), field), key=st.one_of(st.none(), field))
    def run(values, register_id, key):
        data = {**{name: good[name] for name in fields}, **values,
                "csrf_token": csrf_token_from(page), "register_id": register_id,
                "form_key": key if key is not None else uuid.uuid4().hex}
        before = counts(db_session)
        response = client.post(url, data=data)
        shown = follow(client, response)
        if response.status_code == 302 and not refusals(shown):
            assert counts(db_session) != before, data
            for value in values.values():  # what was saved shows as text, never as markup
                if "<script>" in value:
                    assert "<script>alert" not in shown
        else:
            assert_refused_in_thai(shown, {k: v[:60] for k, v in data.items()})
            assert counts(db_session) == before, data

    run()


# -- forwarding, the edit form, search --------------------------------------------------------

def test_forwarding_with_nasty_fields(login, db_session):
    from saraban.units.models import Unit

    client = login("demo-clerk")
    memo = _memo(db_session)
    page = client.get(f"/documents/{memo}").get_data(as_text=True)
    units = [str(u) for u in db_session.scalars(select(Unit.id).order_by(Unit.id).limit(6))]

    @fuzz_settings(15)
    @given(to=st.lists(st.one_of(st.sampled_from(units), field), max_size=4),
           purpose=st.one_of(st.sampled_from(["inform", "act", "other"]), field),
           purpose_text=field, due_date=st.one_of(st.just(""), field),
           propose=st.sampled_from(["", "1", "\x00"]))
    def run(to, purpose, purpose_text, due_date, propose):
        before = counts(db_session)
        response = client.post(f"/documents/{memo}/forward", data={
            "csrf_token": csrf_token_from(page), "to": to, "purpose": purpose,
            "purpose_text": purpose_text, "due_date": due_date, "propose": propose})
        shown = follow(client, response)
        if refusals(shown):
            assert_refused_in_thai(shown, (to, purpose, purpose_text[:50], due_date[:50]))
            assert counts(db_session) == before
        else:
            assert _INFO.search(shown) and counts(db_session) != before

    run()


def test_editing_a_document_with_nasty_fields(login, db_session):
    from saraban.documents.operations import EDITABLE

    client = login("demo-clerk")
    memo = _memo(db_session)
    page = client.get(f"/documents/{memo}").get_data(as_text=True)

    @fuzz_settings(15)
    @given(values=st.fixed_dictionaries({}, optional={name: field for name in EDITABLE}))
    def run(values):
        response = client.post(f"/documents/{memo}/edit",
                               data={"csrf_token": csrf_token_from(page), **values})
        shown = follow(client, response)
        if refusals(shown):
            assert_refused_in_thai(shown, values)
        assert "<script>alert" not in shown and "<img src=x" not in shown

    run()


def test_search_with_nasty_text(login, db_session):
    client = login("demo-clerk")

    @fuzz_settings(25)
    @given(q=field, number=st.one_of(st.just(""), field),
           date_from=st.one_of(st.just(""), st.sampled_from(NASTY_DATES)),
           page=st.sampled_from(["", "0", "-1", "๒", "1e309", str(2**63), "¹", "9" * 5000]))
    def run(q, number, date_from, page):
        response = client.get("/documents/", query_string={
            "q": q, "number": number, "date_from": date_from, "page": page})
        shown = response.get_data(as_text=True)
        if "\x00" in q + number:  # refused before it reaches SQL, with a Thai message
            assert response.status_code == 400 and "อักขระ NUL" in shown
            return
        assert response.status_code == 200, response.status_code
        for message in refusals(shown):
            assert THAI.search(message), message
        assert "<script>alert" not in shown and "<img src=x" not in shown  # not reflected

    run()


# -- the endorsement panel -----------------------------------------------------------------

def test_the_endorsement_panel_with_nasty_fields(client, desk, db_session):
    log_in(client, desk.users["commander"], PASSWORD)
    page = client.get(f"/documents/{desk.memo}").get_data(as_text=True)
    token = csrf_token_from(page)

    @fuzz_settings(20)
    @given(lines=field, phrase=st.lists(st.one_of(st.just("ทราบ"), field), max_size=2),
           capacity=st.one_of(st.just(""), field), unit=st.one_of(
               st.just(str(desk.target.id)), field), instruction=field,
           due=st.one_of(st.just(""), field), key=field,
           action=st.sampled_from(["", "sign", "\x00"]))
    def run(lines, phrase, capacity, unit, instruction, due, key, action):
        before = counts(db_session)
        response = client.post(f"/documents/{desk.memo}/endorsements", data={
            "csrf_token": token, "form_key": key, "lines": lines, "phrase": phrase,
            "capacity": capacity, "order-0-unit": unit, "order-0-instruction": instruction,
            "order-0-due": due, "action": action})
        shown = follow(client, response)
        if refusals(shown):
            assert_refused_in_thai(shown, (lines[:40], capacity[:40], unit[:40], due[:40]))
            assert counts(db_session) == before
        assert "<script>alert" not in shown and "<img src=x" not in shown

    run()


# -- stored script: shown as text everywhere ------------------------------------------------

@pytest.mark.parametrize("subject", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
                                     "\"><svg onload=alert(1)>"])
def test_a_script_in_a_subject_is_text_on_every_page(login, db_session, subject):
    client = login("demo-clerk")
    page, register = _numbering_page(client, "/receive")
    response = client.post("/receive", data={
        "csrf_token": csrf_token_from(page), "form_key": _hidden(page, "form_key"),
        "register_id": register, "number": subject, "date": "๒๐ พ.ย. ๖๙",
        "sender": subject, "addressee": subject, "subject": subject, "urgency": "0",
        "secrecy": "0"})
    assert response.status_code == 302
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    doc = db_session.scalar(select(Document.id).where(Document.subject == subject))
    pages = {"done": done, "document": client.get(f"/documents/{doc}").get_data(as_text=True),
             "list": client.get("/documents/").get_data(as_text=True),
             "search": client.get("/documents/", query_string={"q": subject}).get_data(
                 as_text=True),
             "register": client.get(f"/registers/{register}").get_data(as_text=True),
             "home": client.get("/").get_data(as_text=True)}
    for name, shown in pages.items():
        assert subject not in shown, name
        assert "<script>alert" not in shown and "<img src=x" not in shown, name
    for name in ("done", "document", "list", "search"):  # shown, as text
        assert subject in htmllib.unescape(pages[name]), name
    tag = re.match(r'"?>?<(\w+)', subject).group(1)
    assert f"&lt;{tag}" in pages["document"]  # e.g. &lt;script&gt;


# -- files through the page -------------------------------------------------------------------

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


def test_path_tricks_in_file_names_on_the_page(login, db_session):
    client = login("demo-clerk")
    memo = _memo(db_session)
    page = client.get(f"/documents/{memo}").get_data(as_text=True)
    for name in FILE_NAMES:
        before = count(db_session, DocumentFile)
        data = PNG + name.encode("utf-8", "replace")  # other bytes: a file of its own
        response = client.post(f"/documents/{memo}/files", **multipart({
            "csrf_token": csrf_token_from(page), "file": (data, name)}))
        shown = follow(client, response)
        if refusals(shown):
            assert_refused_in_thai(shown, name)
            assert count(db_session, DocumentFile) == before
            continue
        assert count(db_session, DocumentFile) == before + 1, name
        made = db_session.scalar(select(DocumentFile).order_by(DocumentFile.id.desc()).limit(1))
        assert_safe_name(made.filename)
        assert "<script>alert" not in shown


def test_bombs_through_the_receipt_form(login, db_session):
    """Checked before anything is registered, or refused when the stamped copy is made
    (the number then stays, as for any scan that fails): never kept, never a 500."""
    client = login("demo-clerk")
    for make in BOMBS:
        page, register = _numbering_page(client, "/receive")
        before = counts(db_session)
        response = client.post("/receive", **multipart({
            "csrf_token": csrf_token_from(page), "form_key": uuid.uuid4().hex,
            "register_id": register, "number": "ที่ ๑/๒๕๖๙", "date": "๒๐ พ.ย. ๖๙",
            "sender": "กรม", "subject": "ไฟล์อันตราย", "urgency": "0", "secrecy": "0",
            "scan": (built(make), "scan.pdf")}))
        shown = follow(client, response)
        assert refusals(shown), f"{make.__name__} was kept without a word"
        assert_refused_in_thai(shown, make.__name__)
        assert counts(db_session)[-1] == before[-1], make.__name__  # no file kept


def test_text_fields_are_kept_as_typed_but_never_as_nul(login, db_session):
    """Control characters never reach the database; Thai with its marks is kept."""
    client = login("demo-clerk")
    page, register = _numbering_page(client, "/receive")
    subject = "\u200fเรื่อง\x00ทดสอบ ก้้้\u200b"
    response = client.post("/receive", data={
        "csrf_token": csrf_token_from(page), "form_key": _hidden(page, "form_key"),
        "register_id": register, "number": "", "date": "๒๐ พ.ย. ๖๙", "sender": "กรม\x00",
        "subject": subject, "urgency": "0", "secrecy": "0"})
    shown = follow(client, response)
    if refusals(shown):
        assert_refused_in_thai(shown, subject)
        return
    saved = db_session.scalar(select(Document).order_by(Document.id.desc()).limit(1))
    assert "\x00" not in saved.subject and "ทดสอบ" in saved.subject
    assert "ก้้้" in saved.subject

