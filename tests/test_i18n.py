"""Thai by default, English on request: every UI string is in the English catalog, the
English pages carry no Thai chrome, and the Thai pages are as they were."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import String, Text, select

from saraban import PROJECT_ROOT
from saraban.extensions import db
from saraban.i18n import LANG_COOKIE, TRANSLATIONS, compile_catalogs
from saraban.thaidate import to_arabic_digits

PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2),
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2), "lazy_pgettext": ((1, "c"), 2)}
THAI = re.compile(r"[\u0e00-\u0e7f]+")


def _extracted() -> dict[str, list[str]]:
    """msgid -> where it is used, as ``pybabel extract -F babel.cfg`` finds them."""
    found: dict[str, list[str]] = {}
    for folder, method in ((PROJECT_ROOT / "saraban", "python"),
                           (PROJECT_ROOT / "templates", "jinja2")):
        pattern = "**.py" if method == "python" else "**.html"
        for filename, lineno, message, _comments, _context in extract_from_dir(
                str(folder), method_map=[(pattern, method)], keywords=KEYWORDS,
                directory_filter=lambda path: not Path(path).name.startswith(".")):
            ids = message if isinstance(message, tuple) else (message,)
            for msgid in ids:
                if msgid:
                    found.setdefault(msgid, []).append(f"{folder.name}/{filename}:{lineno}")
    return found


def test_every_ui_string_has_an_english_translation():
    with PO.open("rb") as f:
        catalog = read_po(f, locale="en")
    extracted = _extracted()
    assert len(extracted) > 300  # the pages, views and forms are wrapped
    missing = {msgid: where for msgid, where in extracted.items()
               if catalog.get(msgid) is None or not catalog.get(msgid).string}
    assert not missing, f"untranslated (add them to {PO.relative_to(PROJECT_ROOT)}): {missing}"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy translations: {fuzzy}"
    for message in catalog:
        if message.id and THAI.search(message.string):
            pytest.fail(f"Thai left in the English translation of {message.id!r}")


def test_placeholders_match_between_thai_and_english():
    with PO.open("rb") as f:
        catalog = read_po(f, locale="en")
    for message in catalog:
        if message.id:
            names = sorted(re.findall(r"%\(\w+\)s|%%", message.id))
            assert names == sorted(re.findall(r"%\(\w+\)s|%%", message.string)), message.id


def test_the_catalog_is_compiled_when_missing_or_older(tmp_path):
    po = tmp_path / "en" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_bytes(PO.read_bytes())
    mo = po.with_suffix(".mo")
    assert compile_catalogs(tmp_path) == [mo] and mo.stat().st_size > 1000
    assert compile_catalogs(tmp_path) == []  # up to date: left alone
    po.touch()
    import os

    os.utime(mo, (mo.stat().st_atime - 60, mo.stat().st_mtime - 60))
    assert compile_catalogs(tmp_path) == [mo]


# -- the pages -------------------------------------------------------------------------

class _Visible(HTMLParser):
    """The text a reader sees in <title> and <main> (not the shared header)."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # inside <main> or <title>
        self.skip = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("main", "title"):
            self.depth += 1
        if tag in ("script", "style", "textarea"):
            self.skip += 1
        if self.depth and not self.skip:
            for name, value in attrs:
                if name in ("placeholder", "aria-label", "title") and value:
                    self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("main", "title"):
            self.depth -= 1
        if tag in ("script", "style", "textarea"):
            self.skip -= 1

    def handle_data(self, data):
        if self.depth and not self.skip:
            self.parts.append(data)


def _visible(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts).replace(" · สารบรรณ", "")  # base.html's title suffix


def _data_strings(session) -> list[str]:
    """Every text value in the database (subjects, names of units and people, ...), the
    longest first: what a page shows of them is data, not chrome."""
    values: set[str] = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            for value in row:
                if isinstance(value, str) and THAI.search(value):
                    lines = [v.strip() for v in value.splitlines() if v.strip()]
                    values.update(lines)  # and as shown in English, with Arabic digits
                    values.update(to_arabic_digits(v) for v in lines)
    return sorted(values, key=len, reverse=True)


def _thai_chrome(html: str, data: list[str]) -> list[str]:
    text = _visible(html)
    for value in data:
        if value in text:
            text = text.replace(value, " ")
    return sorted({line.strip() for line in text.splitlines() if THAI.search(line)})


def _english(client):
    response = client.get("/lang/en?next=/login")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert f"{LANG_COOKIE}=en" in cookie and "SameSite=Lax" in cookie
    assert "Max-Age=31536000" in cookie
    return client


def _first_link(html: str, pattern: str) -> str:
    found = re.search(pattern, html)
    assert found, pattern
    return found.group(0)


# Thai that is part of the office's record and is shown as written in both languages:
# the lines of a register (as printed on paper), the text of an endorsement's signature
# block and of a certified copy's circulation note. They are composed by the operations
# in the words of the Correspondence Regulations, not by the page templates.
RECORD_TEXT = re.compile(
    r"^(?:ส่งต่อ|เสนอ|เวียน|ส่งคืน|ลงรับ|ส่งออกภายนอก|เพื่อ|ทราบ|ถึง|ที่|ลับ"  # register lines
    r"|ตามบันทึกสั่งการ|Text on the copy: \""  # circular_text
    r"|[๐-๙]{1,2} \S+ [๐-๙]{2}$)"  # the date under an endorsement's signature
)


@pytest.mark.parametrize("user, path", [
    ("demo-clerk", "/documents/"),
    ("demo-clerk", "document"),
    ("demo-clerk", "/receive"),
    ("demo-clerk", "/send"),
    ("demo-clerk", "/inbox"),
    ("demo-clerk", "/registers"),
    ("demo-clerk", "register"),
    ("demo-commander", "/desk"),
    ("demo-clerk", "/tasks"),
    ("demo-admin", "/reports/pendency"),
    ("demo-clerk", "/records/"),
    ("demo-admin", "/audit/"),
    ("demo-clerk", "/documents/999999999"),
    (None, "/login"),
    (None, "/verify/"),
])
def test_english_pages_have_no_thai_chrome(client, login, db_session, user, path):
    if user:
        login(user)
    _english(client)
    if path == "document":
        listing = client.get("/documents/").get_data(as_text=True)
        path = _first_link(listing, r"/documents/\d+")
    elif path == "register":
        listing = client.get("/registers").get_data(as_text=True)
        path = _first_link(listing, r"/registers/\d+")
    response = client.get(path)
    assert response.status_code in (200, 404), path
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    left = [line for line in _thai_chrome(html, _data_strings(db_session))
            if not RECORD_TEXT.match(line)]
    assert not left, f"{path}: Thai chrome left in English: {left}"


def test_english_pages_speak_english(client, login, db_session):
    _english(client)
    assert "Log in to Saraban" in client.get("/login").get_data(as_text=True)
    login("demo-clerk")
    listing = client.get("/documents/").get_data(as_text=True)
    assert "Advanced search" in listing and "Newest first" in listing
    document = client.get(_first_link(listing, r"/documents/\d+")).get_data(as_text=True)
    assert "Document history" in document and "Dated" in document
    assert re.search(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) 20\d\d\b",
                     document), "Gregorian dates in English"
    assert "พ.ศ." not in _visible(document) and "Dated" in _visible(document)
    missing = client.get("/documents/999999999")
    assert missing.status_code == 404
    assert "The page or document was not found." in missing.get_data(as_text=True)
    receive = client.get("/receive").get_data(as_text=True)
    assert "Receive a document" in receive and ">Urgency<" in receive
    assert ">Most urgent<" in receive  # the level names follow the language


def test_english_flash_messages_and_refusals(client, app):
    _english(client)
    page = client.get("/login").get_data(as_text=True)
    from tests.conftest import csrf_token_from

    refused = client.post("/login", data={"username": "demo-clerk", "password": "wrong",
                                          "csrf_token": csrf_token_from(page)})
    assert "Wrong username or password." in refused.get_data(as_text=True)
    assert "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" not in refused.get_data(as_text=True)
    empty = client.post("/login", data={"username": "", "password": "x",
                                        "csrf_token": csrf_token_from(page)})
    assert "Please enter your username." in empty.get_data(as_text=True)


def test_operation_errors_speak_the_page_language():
    from saraban.validation import OperationError

    error = OperationError("กรุณากรอกเรื่อง", "'subject' is required.")
    assert error.message_for("en") == "'subject' is required."
    assert error.message_for("th") == "กรุณากรอกเรื่อง"
    assert error.message_for() == "กรุณากรอกเรื่อง"  # outside a request: Thai


def test_thai_stays_the_default(client, login, db_session):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="th">' in html and "เข้าสู่ระบบสารบรรณอิเล็กทรอนิกส์" in html
    login("demo-clerk")
    listing = client.get("/documents/").get_data(as_text=True)
    assert "ตัวกรองเพิ่มเติม" in listing and "ค้นหาแบบละเอียด" in listing
    document = client.get(_first_link(listing, r"/documents/\d+")).get_data(as_text=True)
    assert "เส้นทางของหนังสือ" in document and re.search("[๐-๙]{4}", document)
    assert re.search(r"(ม\.ค|ก\.พ|มี\.ค|เม\.ย|พ\.ค|มิ\.ย|ก\.ค|ส\.ค|ก\.ย|ต\.ค|พ\.ย|ธ\.ค)\. ๒๕",
                     document), "Buddhist-era Thai dates"
    assert "ลงรับหนังสือ" in client.get("/receive").get_data(as_text=True)
    # and back to Thai after choosing English
    client.get("/lang/en?next=/")
    assert "Documents" in client.get("/documents/").get_data(as_text=True)
    client.get("/lang/th?next=/")
    assert "ตัวกรองเพิ่มเติม" in client.get("/documents/").get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_language_switch_never_redirects_offsite(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil" not in location and location.startswith("/")


def test_language_switch_keeps_a_local_page_and_refuses_unknown_languages(client):
    response = client.get("/lang/en?next=/documents/%3Fq%3Dx")
    assert response.headers["Location"] == "/documents/?q=x"
    assert client.get("/lang/fr?next=/").status_code == 404


def test_the_api_keeps_both_languages_whatever_the_cookie(client, bearer):
    _english(client)
    response = client.get("/api/v1/documents/999999999", headers=bearer())
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert not THAI.search(error["message"]) and THAI.search(error["message_th"])
    unknown = client.get("/api/v1/no-such-thing", headers=bearer()).get_json()["error"]
    assert unknown == {"status": 404, "message": "Not found",
                       "message_th": "ไม่พบหน้าหรือเอกสารที่ต้องการ"}


def test_babel_cfg_covers_python_and_templates():
    text = Path(PROJECT_ROOT / "babel.cfg").read_text()
    assert "[python: saraban/**.py]" in text and "[jinja2: templates/**.html]" in text
