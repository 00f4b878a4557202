"""Accessibility: axe-core in a real Chromium on every main page, as each demo user.

axe-core is vendored in ``tests/vendor/axe-core`` (test-only; the application never loads
it). The page's Content-Security-Policy forbids inline script, so ``add_script_tag`` is
refused; the script is evaluated through the DevTools protocol instead (``page.evaluate``),
which CSP does not govern. The rules are WCAG 2.0/2.1/2.2 A and AA plus axe's best
practices; a test fails on any violation of impact "serious" or "critical".
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from tests.browsing import DESKTOP, PHONE, login

pytestmark = pytest.mark.browser

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                          "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"],
}
BLOCKING = {"serious", "critical"}
USERS = ["demo-clerk", "demo-commander", "demo-staff", "demo-admin"]
DGA_LETTER = "ว4099"  # สพร ๒๕๖๒/ว๔๐๙๙, the letter the sample chain starts from


def axe_violations(page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    return page.evaluate("(options) => axe.run(document, options)", AXE_OPTIONS)["violations"]


def describe(where: str, violations: list[dict]) -> list[str]:
    lines = []
    for v in violations:
        if v["impact"] not in BLOCKING:
            continue
        targets = "; ".join(" ".join(n["target"]) for n in v["nodes"][:8])
        lines.append(f"{where}: [{v['impact']}] {v['id']} — {v['help']}\n    {targets}")
    return lines


def document_for(live_server, username: str) -> int:
    """The DGA letter when this user may read it, else the latest document he may read."""
    status, found = live_server.api("GET", "/documents?number=" + quote(DGA_LETTER), username)
    assert status == 200, found
    if found["items"]:
        return found["items"][0]["id"]
    status, found = live_server.api("GET", "/documents?per_page=1", username)
    assert status == 200 and found["items"], found
    return found["items"][0]["id"]


def main_pages(live_server, page, doc: int) -> list[tuple[str, str]]:
    pages = [
        ("home", "/"),
        ("search", "/documents/?q=" + quote("รัฐบาลดิจิทัล")),
        ("document", f"/documents/{doc}"),
        ("receive form", "/receive"),
        ("send form", "/send"),
        ("inbox", "/inbox"),
        ("registers", "/registers"),
        ("desk", "/desk"),
        ("tasks", "/tasks"),
        ("pendency report", "/reports/pendency"),
        ("records", "/records/"),
        ("audit", "/audit/"),
        ("delegations", "/delegations"),
        ("404 page", "/documents/999999999"),
    ]
    page.goto(live_server.base + "/registers")
    register = page.locator("main a[href*='/registers/']").first
    if register.count():
        pages.insert(7, ("one register", register.get_attribute("href")))
    return pages


@pytest.mark.parametrize("username", USERS)
def test_main_pages_have_no_serious_accessibility_violations(live_server, browser, username):
    context = browser.new_context(**DESKTOP, locale="th-TH")
    page = context.new_page()
    problems, checked, refused = [], [], []
    login(page, live_server.base, username, live_server.logins[username])
    doc = document_for(live_server, username)
    for name, path in main_pages(live_server, page, doc):
        response = page.goto(live_server.base + path)
        if response.status == 403:  # not this role's page: its menu does not offer it
            refused.append(name)
            continue
        assert response.status == (404 if name == "404 page" else 200), (name, response.status)
        problems += describe(f"{username} desktop {name} ({path})", axe_violations(page))
        checked.append(name)
    phone = browser.new_context(**PHONE, locale="th-TH")
    phone.add_cookies(context.cookies())  # the same session, on a phone
    tab = phone.new_page()
    for name, path in [("home", "/"), ("document", f"/documents/{doc}"), ("desk", "/desk")]:
        if tab.goto(live_server.base + path).status != 200:
            continue
        problems += describe(f"{username} phone {name} ({path})", axe_violations(tab))
        checked.append(f"{name} (phone)")
        width = tab.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["viewport"]["width"]:
            problems.append(f"{username} phone {name}: the page scrolls sideways ({width}px)")
    phone.close()
    context.close()
    print(f"\n{username}: checked {', '.join(checked)}; not his pages: {', '.join(refused) or '-'}")
    assert not problems, "accessibility violations:\n" + "\n".join(problems)


def test_login_page_has_no_serious_accessibility_violations(live_server, browser):
    for options in (DESKTOP, PHONE):
        page = browser.new_page(**options, locale="th-TH")
        page.goto(live_server.base + "/login")
        assert not describe("login", axe_violations(page)), describe("login", axe_violations(page))
        page.close()


def test_the_receipt_form_is_tabbed_through_in_reading_order(live_server, browser):
    page = browser.new_page(**DESKTOP, locale="th-TH")
    login(page, live_server.base, "demo-clerk", live_server.logins["demo-clerk"])
    page.goto(live_server.base + "/receive")
    page.wait_for_selector("form.receive")
    fields = page.locator(
        "form.receive :is(input, select, textarea, button):not([type=hidden])")
    expected = [fields.nth(i).get_attribute("id") or fields.nth(i).inner_text()
                for i in range(fields.count())]
    page.locator("main h1").click()  # Tab from the heading, as a keyboard user would start
    page.keyboard.press("Tab")
    seen, boxes = [], []
    for _ in range(len(expected)):
        active = page.evaluate(
            "() => { const e = document.activeElement, r = e.getBoundingClientRect();"
            " const s = getComputedStyle(e);"
            " return {id: e.id || e.innerText, top: r.top + scrollY, left: r.left,"
            " outline: s.outlineStyle, visible: e.matches(':focus-visible')} }")
        seen.append(active["id"])
        boxes.append((active["top"], active["left"]))
        # the focus shows: a visible outline on each field reached with the keyboard
        assert active["visible"] and active["outline"] != "none", active
        page.keyboard.press("Tab")
    assert seen == expected, f"tab order {seen} is not the form's order {expected}"
    # and the form's order is the order a reader sees: top to bottom, left to right in a row
    for (top0, left0), (top1, left1), a, b in zip(boxes, boxes[1:], seen, seen[1:], strict=False):
        assert top1 > top0 + 4 or (abs(top1 - top0) <= 4 and left1 > left0), \
            f"{b} comes after {a} when tabbing but is not after it on the screen"
    page.close()


def test_every_field_has_a_label_on_the_forms(live_server, browser):
    """Belt and braces beside axe: each visible field is named by a <label> or aria-label."""
    page = browser.new_page(**DESKTOP, locale="th-TH")
    login(page, live_server.base, "demo-clerk", live_server.logins["demo-clerk"])
    doc = document_for(live_server, "demo-clerk")
    unnamed = []
    for path in ["/receive", "/send", f"/documents/{doc}", "/documents/", "/records/"]:
        page.goto(live_server.base + path)
        unnamed += [f"{path} {n}" for n in page.evaluate(
            "() => [...document.querySelectorAll('input, select, textarea')]"
            ".filter(e => e.type !== 'hidden' && e.type !== 'submit')"
            ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')"
            " && !e.getAttribute('aria-labelledby')).map(e => e.outerHTML.slice(0, 120))")]
    assert not unnamed, "fields without a label:\n" + "\n".join(unnamed)
    page.close()
