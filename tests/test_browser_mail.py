"""A letter that came by e-mail, in a real headless Chromium against the real server: the
mail (its annex first, the letter second) is delivered into a real Dovecot, fetched by
``saraban mail fetch --once`` as an office runs it, the clerk of the central register picks
the letter among its PDFs, the reader reads it from its text layer (no OCR), and the clerk
registers it with the fields prefilled."""

from __future__ import annotations

import datetime as dt

import pytest

from saraban import thaidate
from tests.browsing import DESKTOP, login
from tests.intake_corpus import letters, render
from tests.mailservers import running_dovecot
from tests.servers import saraban
from tests.test_mail_intake import _mail

pytestmark = pytest.mark.browser


def test_a_mailed_letter_picked_read_from_its_text_and_registered(live_server, browser, shots,
                                                                  tmp_path):
    live = live_server
    letter, annex = letters(2, seed=44)
    with running_dovecot(tmp_path) as imap:
        imap.deliver(_mail([("สิ่งที่ส่งมาด้วย.pdf", render(annex)),
                            ("หนังสือ สพร.pdf", render(letter))],
                           subject=letter["truth"]["subject"]))
        env = {**live.env, "SARABAN_MAIL_IMAP_URL": imap.url}
        assert "1" in saraban(["mail", "fetch", "--once"], env)
    page = browser.new_page(**DESKTOP, locale="th-TH")
    login(page, live.base, "demo-admin", live.logins["demo-admin"])  # the central register's
    page.goto(live.base + "/mail/arrivals")
    listed = page.locator("table.documents").inner_text()
    # up to its spaces: the test's mail is made by Python 3.11 as another agency's would
    # be, whose folding loses a space (saraban.mail.sending._subject_kept mends ours)
    assert "".join(letter["truth"]["subject"].split()) in "".join(listed.split()), listed
    page.select_option("select[name=main_file_id]", label="หนังสือ สพร.pdf")
    shots(page, "40-mail-arrivals-pick-the-letter")
    page.get_by_role("button", name="ส่งเข้าคิวลงรับ").click()
    page.wait_for_url("**/intake/**")
    saraban(["intake", "work", "--once"], live.env)
    page.reload()
    page.wait_for_selector("#intake-form")
    assert "อ่านจากข้อความในไฟล์ PDF" in page.content()
    assert page.locator("#number").input_value() == letter["truth"]["number"]
    assert page.locator("#subject").input_value() == letter["truth"]["subject"]
    # the date as the clerk writes it, in the Buddhist era ("๑ ส.ค. ๒๕๖๖"), not ISO
    day = dt.date.fromisoformat(letter["truth"]["date"])
    assert page.locator("#date").input_value() == thaidate.format_date(day)
    for _ in range(50):  # the page's image (its CSP allows no wait_for_function)
        if page.evaluate("() => document.querySelector('#scan img').naturalWidth"):
            break
        page.wait_for_timeout(100)
    # each box where its field was read on the page image (the boxes are fractions of the
    # page: placed on the image, not on the figure that holds its caption too)
    image = page.locator("#scan img").bounding_box()
    for field in ("number", "subject"):
        box = page.locator(f".read-box[data-field={field}]")
        fraction = [float(v) for v in box.get_attribute("data-box").split(",")]
        drawn = box.bounding_box()
        assert abs((drawn["y"] - image["y"]) / image["height"] - fraction[1]) < 0.005, field
        assert abs((drawn["x"] - image["x"]) / image["width"] - fraction[0]) < 0.005, field
    shots(page, "41-mail-letter-read-from-its-text")
    page.locator("#number").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("text=ลงรับแล้ว เลขรับ")
    shots(page, "42-mail-letter-registered")
    page.close()
