"""Walking a user's waiting lists as he would: read the home page's "waiting" tiles, open
each, and use every action offered there on the first item (every form's main button,
with its required fields filled in). Each action must work, and afterwards the waiting
count must go down: a list never shows what its reader cannot clear.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag

from saraban.thaidate import to_arabic_digits

FILLER = "ทดสอบการดำเนินการ"
_ITEM = re.compile(r"/(transfers|orders|returns|documents)/(\d+)/")


@dataclass
class Form:
    action: str
    method: str
    inside: list[str]  # ids of the elements around it
    fields: dict = field(default_factory=dict)  # name -> value sent
    required: set = field(default_factory=set)
    textareas: set = field(default_factory=set)
    selects: dict = field(default_factory=dict)  # name -> first non-empty option
    button: tuple[str, str] | None = None  # the main button's name and value
    buttons: int = 0

    def data(self) -> dict:
        out = dict(self.fields)
        for name in self.required | self.textareas:
            if not out.get(name):
                out[name] = self.selects.get(name) or FILLER
        if self.button and self.button[0]:
            out[self.button[0]] = self.button[1]
        return out

    @property
    def item(self) -> tuple[str, str] | None:
        found = _ITEM.search(self.action)
        return found.groups() if found else None


class _Page(HTMLParser):
    """The forms and links inside <main>, with the ids of the elements around each."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[tuple[str, list[str]]] = []
        self.tiles: list[tuple[str, str]] = []
        self._ids: list[str | None] = []
        self._in_main = False
        self._form: Form | None = None
        self._select: str | None = None
        self._tile: list | None = None
        self._in_tiles = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "main":
            self._in_main = True
        if tag not in ("input", "br", "img", "meta", "link", "option"):
            self._ids.append(a.get("id"))
        if not self._in_main:
            return
        inside = [i for i in self._ids if i]
        if tag == "ul" and "tiles" in (a.get("class") or ""):
            self._in_tiles += 1
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower(),
                              inside=inside)
        elif tag == "a" and a.get("href"):
            self.links.append((a["href"], inside))
            if self._in_tiles and "todo-title" not in inside:
                self._tile = [a["href"], ""]
        elif self._form is not None:
            name = a.get("name")
            if tag == "input" and name:
                kind = a.get("type", "text")
                if kind in ("checkbox", "radio") and "checked" not in a:
                    pass
                elif kind not in ("submit", "button"):
                    self._form.fields[name] = a.get("value", "")
                if "required" in a:
                    self._form.required.add(name)
            elif tag == "textarea" and name:
                self._form.fields[name] = ""
                self._form.textareas.add(name)
                if "required" in a:
                    self._form.required.add(name)
            elif tag == "select" and name:
                self._select = name
                self._form.fields.setdefault(name, "")
                if "required" in a:
                    self._form.required.add(name)
            elif tag == "option" and self._select and a.get("value"):
                self._form.selects.setdefault(self._select, a["value"])
            elif tag == "button":
                self._form.buttons += 1
                if self._form.button is None or "primary" in (a.get("class") or ""):
                    self._form.button = (a.get("name", ""), a.get("value", ""))

    def handle_data(self, data):
        if self._tile is not None:
            self._tile[1] += data

    def handle_endtag(self, tag):
        if tag not in ("input", "br", "img", "meta", "link", "option") and self._ids:
            self._ids.pop()
        if tag == "main":
            self._in_main = False
        elif tag == "ul" and self._in_tiles:
            self._in_tiles -= 1
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "a" and self._tile is not None:
            self.tiles.append(tuple(self._tile))
            self._tile = None


def read_page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _count(text: str) -> int:
    digits = re.search(r"\d+", to_arabic_digits(text))
    assert digits, f"a waiting tile without a number: {text!r}"
    return int(digits.group()) + (1 if "มากกว่า" in text or "more than" in text else 0)


def waiting_tiles(client) -> dict[str, int]:
    """The home page's "waiting for you" tiles: where each leads, and its count."""
    home = client.get("/")
    assert home.status_code == 200
    return {href: _count(text) for href, text in read_page(home.get_data(as_text=True)).tiles}


def total_waiting(client) -> int:
    return sum(waiting_tiles(client).values())


def _get(client, url: str, who: str):
    response = client.get(url)
    assert response.status_code < 500, f"{who}: {url} answered {response.status_code}"
    assert response.status_code == 200, f"{who}: {url} answered {response.status_code}"
    return response.get_data(as_text=True)


def actions_for(client, href: str, who: str) -> list[Form]:
    """The actions a waiting tile leads to, for its first item: the POST forms of the page
    (under the tile's anchor, if it names one), grouped by the item they act on; when the
    page lists items as links to a document's section (#endorse), that section's forms."""
    url, anchor = urldefrag(href)
    page = read_page(_get(client, url or "/", who))
    here = [(h, inside) for h, inside in page.links if not anchor or anchor in inside]
    for link in dict.fromkeys(h for h, _ in here if h.startswith("/documents/")):
        _get(client, urldefrag(link)[0], who)  # every document it names opens
    forms = [f for f in page.forms if f.method == "post" and (not anchor or anchor in f.inside)]
    if forms:
        first = forms[0].item
        return [f for f in forms if f.item == first]
    links = [h for h, _ in here if "#" in h and h.startswith("/documents/")]
    assert links, f"{who}: {href} lists waiting items but offers no action"
    doc_url, section = urldefrag(links[0])
    doc = read_page(_get(client, doc_url, who))
    forms = [f for f in doc.forms if f.method == "post" and section in f.inside]
    assert forms, f"{who}: {links[0]} offers nothing to do in #{section}"
    return forms  # all about that one document


def submit(client, form: Form, who: str):
    from tests.conftest import csrf_token_from

    data = form.data()
    if "csrf_token" in data and not data["csrf_token"]:
        data["csrf_token"] = csrf_token_from(client.get("/").get_data(as_text=True))
    response = client.post(form.action, data=data)
    assert response.status_code < 500, f"{who}: {form.action} answered {response.status_code}"
    if response.status_code in (302, 303):
        shown = _get(client, response.headers["Location"], who)
        errors = re.findall(r'class="flash flash-error"[^>]*>([^<]*)<', shown)
        assert not errors, f"{who}: {form.action} {data} was refused: {errors}"
    return response


@contextmanager
def undone(db_session):
    """Whatever the requests inside do is rolled back at the end."""
    connection = db_session.connection()
    trial = connection.begin_nested()
    try:
        yield
    finally:
        trial.rollback()
        db_session.expire_all()


def walk(client, db_session, who: str, limit: int = 60) -> int:
    """Clear everything waiting for the logged-in user through the pages alone; returns
    how many actions it took. Every action offered on the first item is tried (undone
    afterwards), then the last one is kept; each must bring the count down."""
    steps = 0
    while True:
        tiles = waiting_tiles(client)
        total = sum(tiles.values())
        if not total:
            return steps
        assert steps < limit, f"{who}: still {tiles} after {steps} actions"
        href = next(h for h, n in tiles.items() if n)
        forms = actions_for(client, href, who)
        for form in forms[:-1]:
            with undone(db_session):
                submit(client, form, who)
                assert total_waiting(client) < total, (
                    f"{who}: {form.action} left {waiting_tiles(client)} (was {tiles})")
        submit(client, forms[-1], who)
        after = total_waiting(client)
        assert after < total, f"{who}: {forms[-1].action} left {after} waiting (was {tiles})"
        steps += 1
