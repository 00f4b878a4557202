"""Three people's journeys through Saraban, in a real Chromium against the real server.

The server is started as an office starts it (``db upgrade``, ``load-samples``, gunicorn on
loopback). Each journey saves screenshots at its key steps into ``$SARABAN_SCREENSHOT_DIR``,
or into a folder under pytest's temporary path (printed), so they are always taken.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from tests.browsing import DESKTOP, PHONE, login

pytestmark = pytest.mark.browser

FONT = Path(__file__).parent.parent / "saraban" / "static" / "fonts" / "Sarabun-Regular.ttf"
COMMANDER_UNIT = "สง.ผู้ช่วย ผบ.ตร.(ปร ๓)"


def scanned_letter() -> bytes:
    """A one-page PDF standing in for the scanner's output."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("Sarabun", str(FONT)))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setFont("Sarabun", 16)
    pdf.drawString(72, 760, "ที่ กค ๐๔๐๘/ว๑๒๓")
    pdf.drawString(72, 730, "เรื่อง ขอเชิญประชุมชี้แจงการเบิกจ่ายงบประมาณ")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def unit_ids(page) -> dict[str, str]:
    """The units a user may send to, short name to id, read from a document's forward form."""
    pairs = page.locator("#to option").evaluate_all(
        "options => options.map(o => [o.textContent, o.value])")
    return {text.split(" — ")[0].strip(): value for text, value in pairs}


def test_clerk_registers_a_scanned_letter_and_forwards_it(live_server, browser, shots, tmp_path):
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(scanned_letter())
    page = browser.new_page(**DESKTOP, locale="th-TH")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    login(page, live_server.base, "demo-clerk", live_server.logins["demo-clerk"])
    page.get_by_role("link", name="รับหนังสือ").click()
    page.wait_for_selector("form.receive")
    page.get_by_label("ที่ (เลขที่หนังสือ)", exact=True).fill("กค ๐๔๐๘/ว๑๒๓")
    page.get_by_label("ลงวันที่", exact=True).fill("๒๔ พ.ย. ๖๙")
    page.get_by_label("จาก", exact=True).fill("กรมบัญชีกลาง")
    page.get_by_label("เรียน / ถึง", exact=True).fill("ผบช.สทส.")
    page.get_by_label("เรื่อง", exact=True).fill("ขอเชิญประชุมชี้แจงการเบิกจ่ายงบประมาณ")
    page.locator("#scan").set_input_files(scan)
    shots(page, "j1-01-receive-form-filled")

    page.get_by_role("button", name="ลงรับ และออกเลขรับ").click()
    page.wait_for_selector(".big-number")
    done = page.inner_text("section.done")
    number = re.search(r"เลขรับ\s*([๐-๙]+)", done)
    assert number, done
    assert "ขอเชิญประชุมชี้แจงการเบิกจ่ายงบประมาณ" in done
    assert "ไฟล์ ๒ ไฟล์" in done  # the scan, and its copy stamped with the receipt
    shots(page, "j1-02-receipt-number")

    page.locator("section.done").get_by_role(
        "link", name="ขอเชิญประชุมชี้แจงการเบิกจ่ายงบประมาณ").click()
    page.wait_for_selector("#history")
    files = page.inner_text("#files")
    assert "ต้นฉบับที่สแกน" in files and "สำเนาที่ประทับตรารับ" in files
    assert f"เลขรับ {number.group(1)}" in page.inner_text("#history")
    page.get_by_text("ส่งต่อ / เวียนหนังสือ").click()
    page.select_option("#to", value=unit_ids(page)["สงป."])
    page.select_option("#purpose", value="act")
    page.fill("#due_date", "๓๐ พ.ย. ๖๙")
    page.fill("#purpose_text", "เพื่อพิจารณาเข้าร่วมประชุม")
    shots(page, "j1-03-forward-form")
    page.locator("section.forward button[type=submit]").click()
    page.wait_for_selector("ul.recallable")
    assert "สงป." in page.inner_text("ul.recallable")  # waiting for สงป. to open it
    history = page.inner_text("#history")
    assert "ส่งต่อ จาก สทส." in history and "เพื่อพิจารณาเข้าร่วมประชุม" in history
    shots(page, "j1-04-forwarded")
    status, inbox = live_server.api("GET", "/transfers/inbox", "demo-staff")
    assert status == 200
    assert any(t["document"]["subject"] == "ขอเชิญประชุมชี้แจงการเบิกจ่ายงบประมาณ"
               for t in inbox["items"])  # the transfer is in สงป.'s inbox
    assert errors == []
    page.close()


def test_commander_endorses_a_proposal_on_his_phone(live_server, browser, shots):
    status, letter = live_server.api("POST", "/documents", "demo-clerk", {
        "number": "สลค ๐๕๐๖/ว๔๔", "date": "2026-11-21",
        "subject": "ขอให้รายงานความก้าวหน้าการพัฒนารัฐบาลดิจิทัล",
        "sender": "สำนักเลขาธิการคณะรัฐมนตรี", "addressee": "ผบ.ตร.",
        "body": "ขอให้หน่วยงานรายงานความก้าวหน้าภายในสิ้นปี"})
    assert status == 201, letter
    clerk = browser.new_page(**DESKTOP)
    login(clerk, live_server.base, "demo-clerk", live_server.logins["demo-clerk"])
    clerk.goto(f"{live_server.base}/documents/{letter['id']}")
    units = unit_ids(clerk)
    clerk.close()
    status, sent = live_server.api("POST", f"/documents/{letter['id']}/transfers", "demo-clerk", {
        "to": [int(units[COMMANDER_UNIT])], "kind": "propose", "purpose": "consider"})
    assert status == 201, sent

    context = browser.new_context(**PHONE, locale="th-TH")
    phone = context.new_page()
    login(phone, live_server.base, "demo-commander", live_server.logins["demo-commander"])
    phone.get_by_role("link", name="เรื่องเสนอ", exact=True).tap()
    phone.wait_for_url(live_server.base + "/desk")
    proposal = phone.locator("li.proposal", has_text="ขอให้รายงานความก้าวหน้าการพัฒนารัฐบาลดิจิทัล")
    assert proposal.count() == 1
    shots(phone, "j2-01-phone-desk")
    proposal.get_by_role("link", name="อ่านและเกษียน").tap()
    phone.wait_for_selector("section.endorse form")
    shots(phone, "j2-02-phone-document")
    endorse = phone.locator("section.endorse")
    endorse.get_by_label("ทราบ", exact=True).check()
    endorse.get_by_label("ข้อความเกษียน").fill("มอบ สงป. รวบรวมข้อมูลและรายงาน")
    phone.select_option("#order-0-unit", value=units["สงป."])
    phone.fill("#order-0-instruction", "รวบรวมความก้าวหน้าของหน่วยและรายงาน")
    phone.fill("#order-0-due", "๑๕ ธ.ค. ๖๙")
    shots(phone, "j2-03-phone-endorsement-written")
    endorse.get_by_role("button", name="ลงนาม").tap()
    phone.wait_for_selector(".minute")
    minute = phone.inner_text("section.endorse .minute")
    assert "- ทราบ" in minute and "- มอบ สงป. รวบรวมข้อมูลและรายงาน" in minute
    assert "สั่งการ สงป.: รวบรวมความก้าวหน้าของหน่วยและรายงาน" in minute
    assert "(ปิยะ อุทัยโย)" in minute and "ผู้ช่วย ผบ.ตร." in minute
    assert "๑๕ ธ.ค. ๖๙" in minute or "๑๕ ธ.ค. ๒๕๖๙" in minute
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"the page scrolls sideways ({width}px)"
    shots(phone, "j2-04-phone-signed")
    context.close()

    status, orders = live_server.api("GET", "/orders", "demo-staff")
    assert status == 200
    assert [o["due_date"] for o in orders["items"]
            if o["instruction"] == "รวบรวมความก้าวหน้าของหน่วยและรายงาน"] == ["2026-12-15"]


def test_staff_finds_a_letter_by_a_thai_word_and_follows_its_chain(live_server, browser, shots):
    page = browser.new_page(**DESKTOP, locale="th-TH")
    login(page, live_server.base, "demo-staff", live_server.logins["demo-staff"])
    page.get_by_label("ค้นหาหนังสือ").fill("รัฐบาลดิจิทัล")
    page.get_by_label("ค้นหาหนังสือ").press("Enter")
    page.wait_for_selector("table.documents")
    results = page.locator("table.documents tbody tr")
    assert results.count() >= 2
    assert "๐๐๑๐.๐๑๑/๑๕๑๑" in page.inner_text("table.documents")
    shots(page, "j3-01-search-results")

    page.get_by_role("link", name=re.compile("สำเนาถูกต้อง เวียนภายใน สงป.")).click()
    page.wait_for_selector("#history")
    assert "๐๐๑๐.๐๑๑/๑๕๑๑" in page.inner_text("header.doc-head")
    events = page.locator("#history li.event")
    assert events.count() >= 4
    history = page.inner_text("#history")
    assert "ฝอ.สงป. ออกเลขที่หนังสือ ๐๐๑๐.๐๑๑/๑๕๑๑" in history
    assert "เวียน จาก ฝอ.สงป." in history
    page.locator("#history").scroll_into_view_if_needed()
    shots(page, "j3-02-document-and-history")

    chain = page.locator("section.matter ol.chain li")
    assert chain.count() >= 2
    assert page.locator("section.matter li[aria-current=page]").inner_text().startswith(
        "๐๐๑๐.๐๑๑/๑๕๑๑")
    related = page.locator("section.related")
    assert "สำเนาของ" in related.inner_text()
    related.get_by_role("link", name="๐๐๓๓.๑๒/๕๑๙๓").click()
    page.wait_for_selector("#history")
    assert "๐๐๓๓.๑๒/๕๑๙๓" in page.inner_text("header.doc-head")
    assert page.locator("#history li.event").count() >= 1
    assert page.locator("section.matter li[aria-current=page]").inner_text().startswith(
        "๐๐๓๓.๑๒/๕๑๙๓")
    shots(page, "j3-03-the-copy-it-certifies")
    page.close()
