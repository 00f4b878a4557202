"""A pile of scanned letters registered with the keyboard alone, in a real headless Chromium
against the real server: the clerk uploads two scans, the reader (``saraban intake work``,
as an office runs it beside the server) prefills them, and the clerk confirms each with
Enter, the next one opening by itself."""

from __future__ import annotations

import pytest

from tests.browsing import DESKTOP, login
from tests.servers import saraban
from tests.test_intake import _letter_pdf, _need_tesseract, _scan_png

pytestmark = pytest.mark.browser


def test_a_pile_registered_with_the_keyboard(live_server, browser, shots, tmp_path):
    _need_tesseract()
    live = live_server
    scans = []
    for i, (number, subject) in enumerate((("ว๔๐๙๙", None),
                                            ("ว๔๑๐๐", "ขอเชิญประชุมคณะทำงานด้านข้อมูล"))):
        path = tmp_path / f"scan-{i}.png"
        path.write_bytes(_scan_png(_letter_pdf(number, subject), dpi=300))
        scans.append((str(path), number))
    page = browser.new_page(**DESKTOP, locale="th-TH")
    login(page, live.base, "demo-clerk", live.logins["demo-clerk"])
    page.goto(live.base + "/intake")
    page.set_input_files("#scans", [path for path, _ in scans])
    page.get_by_role("button", name="ส่งเข้าคิวอ่าน").click()
    page.wait_for_selector("text=กำลังอ่านด้วยเครื่อง")
    shots(page, "30-intake-queue-reading")
    saraban(["intake", "work", "--once"], live.env)
    page.reload()
    assert page.locator("#intake-queue .status").all_inner_texts() == ["พร้อมลงรับ"] * 2
    shots(page, "31-intake-queue-ready")
    page.get_by_role("link", name="เริ่มลงรับทีละฉบับ").focus()
    page.keyboard.press("Enter")
    for n in range(2):
        page.wait_for_selector("#intake-form")
        assert page.evaluate("document.activeElement.id") == "number"
        assert page.locator("#subject").input_value()  # prefilled from the scan
        truth = {"number": f"สพร ๒๕๖๒/{scans[n][1]}", "date": "๑ พ.ย. ๒๕๖๒",
                 "sender": "สำนักงานพัฒนารัฐบาลดิจิทัล"}
        for field in ("number", "date", "sender"):  # the clerk corrects what was misread
            if page.locator(f"#{field}").input_value() != truth[field]:
                page.locator(f"#{field}").focus()
                page.keyboard.press("Control+A")
                page.keyboard.type(truth[field])
        page.locator("#number").focus()
        for _ in range(50):  # the page's image (its CSP allows no wait_for_function)
            if page.evaluate("() => document.querySelector('#scan img').naturalWidth"):
                break
            page.wait_for_timeout(100)
        shots(page, f"3{2 + n}-intake-letter-{n + 1}")
        page.keyboard.press("Enter")
        page.wait_for_selector("text=ลงรับแล้ว เลขรับ")
    assert page.url.endswith("/intake")
    shots(page, "34-intake-done")
    page.close()
