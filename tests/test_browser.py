"""A person's journey in a real headless Chromium against the real production server.

The server is started the way an office would start it: ``saraban db upgrade``,
``saraban load-samples`` and ``saraban serve`` (gunicorn), on a fresh SQLite file.
Screenshots go to ``$SARABAN_SCREENSHOT_DIR``, or a folder under pytest's temporary path.
"""

from __future__ import annotations

import re

import pytest

from tests.browsing import DESKTOP, PHONE, login

pytestmark = pytest.mark.browser


def test_follow_the_dga_letter_through_its_paper_trail(live_server, browser, shots):
    base, logins = live_server.base, live_server.logins
    page = browser.new_page(**DESKTOP, locale="th-TH")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, base, "demo-admin", logins["demo-admin"])
    shots(page, "01-home")
    assert "หนังสือล่าสุดที่ท่านเข้าถึงได้" in page.content()

    # Find the memo by its number typed with Arabic digits.
    page.get_by_label("ค้นหาหนังสือ").fill("0033.12/5052")
    page.get_by_label("ค้นหาหนังสือ").press("Enter")
    page.get_by_role("link", name=re.compile("แจ้งผลการสำรวจ")).first.click()
    page.wait_for_selector("text=เส้นทางของหนังสือ")
    body = page.inner_text("main")
    assert "๐๐๓๓.๑๒/๕๐๕๒" in body
    assert "ทราบตามข้อ ๒" in body and "ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร." in body
    assert "เลขรับ ๕๐๖๓" in body
    shots(page, "02-memo")

    # Back along the chain to the DGA letter it cites, with its three receipt stamps.
    page.get_by_role("link", name=re.compile("ว๔๐๙๙")).first.click()
    page.wait_for_selector("text=เส้นทางของหนังสือ")
    stamps = page.locator(".stamp").all_inner_texts()
    assert [re.search(r"เลขรับ (\S+)", s).group(1) for s in stamps] == ["๓๐๙๘๗", "๔๓๒๓", "๘๐๐๗"]
    shots(page, "03-dga-letter")

    # Forward along the chain to สงป.'s onward forwarding.
    page.get_by_role("link", name="๐๐๑๐.๐๑๑/๑๕๑๑").first.click()
    page.wait_for_selector("text=เส้นทางของหนังสือ")
    assert "เพื่อทราบ และประชาสัมพันธ์" in page.inner_text("main")
    assert errors == []  # no script or CSP errors on the way
    page.close()


def test_phone_view_of_a_document(live_server, browser, shots):
    base, logins = live_server.base, live_server.logins
    page = browser.new_page(**PHONE)
    login(page, base, "demo-commander", logins["demo-commander"])
    page.get_by_role("link", name=re.compile("แจ้งผลการสำรวจ")).first.click()
    page.wait_for_selector("text=เส้นทางของหนังสือ")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    shots(page, "04-phone-memo")
    page.close()


def test_a_script_in_data_shows_as_text(live_server, browser, shots):
    base, logins = live_server.base, live_server.logins
    page = browser.new_page()
    fired = []
    page.on("dialog", lambda d: (fired.append(d.message), d.dismiss()))
    login(page, base, "demo-clerk", logins["demo-clerk"])
    page.goto(base + "/documents/?number=" + "<script>alert(1)</script>")
    assert "<script>alert(1)</script>" in page.inner_text("main")
    assert fired == []
    page.close()


def test_clerk_receives_with_the_keyboard_and_a_double_click_registers_once(
        live_server, browser, shots):
    base, logins = live_server.base, live_server.logins
    page = browser.new_page(**DESKTOP)
    login(page, base, "demo-clerk", logins["demo-clerk"])
    page.get_by_role("link", name="รับหนังสือ").click()
    page.wait_for_selector("form.receive")
    from playwright.sync_api import expect

    # the number field has the focus; Tab moves through the form in reading order
    expect(page.locator("#number")).to_be_focused()
    page.keyboard.type("กค ๐๔๐๘/ว๙๙")
    page.keyboard.press("Tab")
    page.keyboard.type("๒๐ พ.ย. ๖๙")
    page.keyboard.press("Tab")
    page.keyboard.type("กรมบัญชีกลาง")
    page.keyboard.press("Tab")
    page.keyboard.type("ผบช.สทส.")
    page.keyboard.press("Tab")
    page.keyboard.type("ทดสอบกดปุ่มสองครั้ง")
    shots(page, "05-receive-form")
    page.get_by_role("button", name="ลงรับ และออกเลขรับ").dblclick()
    page.wait_for_selector(".big-number")
    assert "เลขรับ" in page.inner_text(".done")
    shots(page, "06-received")
    status, found = live_server.api("GET", "/documents?per_page=100", "demo-clerk")
    assert status == 200
    assert [d["subject"] for d in found["items"]].count("ทดสอบกดปุ่มสองครั้ง") == 1
    page.close()


def test_clerk_gets_the_sender_suggested_and_reads_the_register(live_server, browser, shots):
    base, logins = live_server.base, live_server.logins
    page = browser.new_page(**DESKTOP)
    login(page, base, "demo-clerk", logins["demo-clerk"])
    # a letter from กรมบัญชีกลาง was received before (the test above, or the seed's own)
    status, body = live_server.api("POST", "/documents", "demo-clerk", {
        "number": "กค ๐๔๐๘/ว๕๐", "date": "2026-11-19", "subject": "หนังสือฉบับก่อน",
        "sender": "กรมบัญชีกลาง", "addressee": "ผบช.สทส."})
    assert status == 201, body
    page.goto(base + "/receive")
    from playwright.sync_api import expect

    # the browser gives the number field its autofocus a moment after the page loads
    expect(page.locator("#number")).to_be_focused()
    page.keyboard.type("กค 0408/ว51")
    page.keyboard.press("Tab")  # leaving the number asks who used this number before
    # (polled by Playwright itself: the page's CSP forbids evaluating strings)
    expect(page.locator("#sender")).to_have_value("กรมบัญชีกลาง")
    assert "โปรดตรวจสอบ" in page.inner_text("form.receive")
    shots(page, "07-receive-suggested")
    # the register of this month, as a page, with its print and export links
    page.get_by_role("link", name="ทะเบียน", exact=True).click()
    page.get_by_role("link", name="ทะเบียนหนังสือรับ").first.click()
    page.wait_for_selector("table.register")
    assert page.get_by_role("link", name="พิมพ์ทะเบียน (PDF)").count() == 1
    shots(page, "08-register-page")
    page.close()


def test_a_proposal_is_endorsed_and_becomes_the_assignees_task(live_server, browser, shots):
    """The clerk proposes a letter, the commander endorses and orders, the assignee sees it."""
    base, logins = live_server.base, live_server.logins
    status, letter = live_server.api("POST", "/documents", "demo-clerk", {
        "number": "กค ๐๔๐๘/ว๗๗", "date": "2026-11-20", "subject": "ขอความร่วมมือรายงานผลการเบิกจ่าย",
        "sender": "กรมบัญชีกลาง", "addressee": "ผบ.ตร."})
    assert status == 201, letter
    doc = letter["id"]
    clerk = browser.new_page(**DESKTOP)
    login(clerk, base, "demo-clerk", logins["demo-clerk"])
    clerk.goto(f"{base}/documents/{doc}")
    clerk.get_by_text("ส่งต่อ / เวียนหนังสือ").click()
    office = clerk.locator("#to option", has_text="สง.ผู้ช่วย ผบ.ตร.(ปร ๓)").first
    clerk.select_option("#to", value=office.get_attribute("value"))
    clerk.select_option("#purpose", value="consider")
    clerk.get_by_label("เสนอผู้บังคับบัญชาของหน่วยที่เลือก", exact=False).check()
    clerk.locator("section.forward button[type=submit]").click()
    clerk.wait_for_selector(".flash, .messages, [role=status]", timeout=10000)
    clerk.close()

    commander = browser.new_page(**DESKTOP)
    login(commander, base, "demo-commander", logins["demo-commander"])
    commander.get_by_role("link", name="เรื่องเสนอ", exact=True).click()
    assert "ขอความร่วมมือรายงานผลการเบิกจ่าย" in commander.inner_text("ol.proposals")
    shots(commander, "09-commander-desk")
    commander.get_by_role("link", name="อ่านและเกษียน").first.click()
    commander.wait_for_selector("section.endorse form")
    commander.get_by_label("ทราบ", exact=True).check()
    commander.get_by_label("ข้อความเกษียน").fill("มอบ สงป. พิจารณาดำเนินการ")
    budget = commander.locator("#order-0-unit option", has_text="สงป.").first
    commander.select_option("#order-0-unit", value=budget.get_attribute("value"))
    commander.fill("#order-0-instruction", "รวบรวมผลการเบิกจ่ายและรายงาน")
    commander.fill("#order-0-due", "๓๐ ธ.ค. ๒๕๖๙")
    commander.get_by_role("button", name="ลงนาม").click()
    commander.wait_for_selector(".minute")
    minute = commander.inner_text("section.endorse")
    assert "- ทราบ" in minute and "(ปิยะ อุทัยโย)" in minute and "ผู้ช่วย ผบ.ตร." in minute
    shots(commander, "10-endorsed")
    commander.close()

    staff = browser.new_page(**DESKTOP)
    login(staff, base, "demo-staff", logins["demo-staff"])
    staff.get_by_role("link", name="ติดตาม", exact=True).click()
    tasks = staff.inner_text("ol.tasks")
    assert "รวบรวมผลการเบิกจ่ายและรายงาน" in tasks and "ขอความร่วมมือรายงานผลการเบิกจ่าย" in tasks
    shots(staff, "11-assignee-tasks")
    staff.get_by_label("ผลการดำเนินการ").fill("รายงานแล้วตามหนังสือ สงป. ที่ ๑")
    staff.get_by_role("button", name="รายงานผล").click()
    staff.wait_for_selector("p.empty")
    staff.close()


def test_search_as_you_type_and_a_date_read_back_as_it_is_typed(live_server, browser, shots):
    from playwright.sync_api import expect

    base, logins = live_server.base, live_server.logins
    page = browser.new_page(**DESKTOP)
    login(page, base, "demo-admin", logins["demo-admin"])
    page.goto(base + "/documents/")
    before = page.locator("#results table tbody tr").count()
    page.locator("#q").press_sequentially("๐๐๓๓.๑๒/๕๐๕๒", delay=20)
    expect(page).to_have_url(re.compile(r"q=%E0%B9%90"), timeout=10_000)  # no button pressed
    expect(page.locator("#results")).to_contain_text("๐๐๓๓.๑๒/๕๐๕๒")
    assert page.locator("#results table tbody tr").count() < before
    shots(page, "09-search-as-you-type")
    page.close()
    page = browser.new_page(**DESKTOP)
    login(page, base, "demo-clerk", logins["demo-clerk"])
    page.goto(base + "/receive")
    date = page.locator("form.receive input[name$='date']").first
    date.press_sequentially("๒๖ พ.ย. ๖๒", delay=20)
    expect(page.locator("small.date-read").first).to_have_text(
        "วันอังคารที่ ๒๖ พฤศจิกายน ๒๕๖๒", timeout=10_000)
    date.fill("")
    date.press_sequentially("๓๑ ก.พ. ๖๒", delay=20)
    expect(page.locator("small.date-read.bad").first).to_be_visible(timeout=10_000)
    shots(page, "10-date-read-as-typed")
    page.close()
