"""The outgoing letter's journey in a real headless Chromium against the real server: a
staff officer drafts, two reviewers initial (one edits, the difference shown), the commander
signs on a phone, the clerk numbers it and sends it to a unit inside, a peer and by registered
mail. The peer is a stand-in installation (its key made here; its server is not running, so
the letter waits in the exchange outbox, as it would while a peer is down)."""

from __future__ import annotations

import base64
import os
import re
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.browsing import DESKTOP, PHONE, login
from tests.pdftools import need, pdftotext
from tests.servers import saraban

pytestmark = pytest.mark.browser


def _peer_key() -> str:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def _as(browser, live, username, size=DESKTOP):
    page = browser.new_page(**size, locale="th-TH")
    login(page, live.base, username, live.logins[username])
    return page


def test_a_letter_from_draft_to_three_channels(live_server, browser, shots, tmp_path):
    live = live_server
    saraban(["exchange", "init", "--code", "RTP", "--name", "สำนักงานตำรวจแห่งชาติ"], live.env)
    saraban(["exchange", "peer", "add", "DGA", "https://127.0.0.1:9", _peer_key(),
             "--name", "สำนักงานพัฒนารัฐบาลดิจิทัล"], live.env)
    # the drafter types the letter on the form of หนังสือภายนอก
    page = _as(browser, live, "demo-drafter")
    page.goto(live.base + "/drafts/new?kind=external")
    page.get_by_label("เรื่อง", exact=True).fill("ขอเชิญประชุมคณะทำงานสารบรรณอิเล็กทรอนิกส์")
    page.get_by_label("เรียน", exact=True).fill("ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล")
    page.get_by_label("ข้อความ", exact=True).fill(
        "ด้วยสำนักงานตำรวจแห่งชาติจะจัดประชุมคณะทำงานเพื่อพัฒนาการรับส่งหนังสือราชการ"
        "ทางอิเล็กทรอนิกส์ ในวันที่ ๑๕ ธันวาคม ๒๕๖๙ เวลา ๐๙.๓๐ น.\n"
        "จึงเรียนมาเพื่อโปรดพิจารณา")
    shots(page, "20-draft-form")
    page.get_by_role("button", name="บันทึกร่าง").click()
    page.wait_for_selector("text=บันทึกร่างแล้ว")
    draft_url = page.url
    page.select_option("#reviewer-0", label="หัวหน้าฝ่ายตรวจร่าง สทส. (ทดลอง)")
    page.select_option("#reviewer-1", label="รอง ผบช.สทส. (ทดลอง)")
    page.select_option("#signer", label="ผู้ช่วย ผบ.ตร. (ทดลอง)")
    page.get_by_role("button", name="เสนอ", exact=True).click()
    page.wait_for_selector("text=เสนอร่างแล้ว")
    shots(page, "21-draft-submitted")
    page.close()
    # the first reviewer edits the subject, then initials; the difference is shown
    page = _as(browser, live, "demo-checker")
    assert page.locator(".mainnav .badge").inner_text() == "๑"
    page.goto(live.base + "/drafts")
    page.get_by_role("link", name=re.compile("ขอเชิญประชุมคณะทำงาน")).click()
    page.locator("#edit summary").click()
    page.locator("#f-subject").fill("ขอเชิญประชุมคณะทำงานพัฒนาระบบสารบรรณอิเล็กทรอนิกส์")
    page.get_by_role("button", name="บันทึกการแก้ไข").click()
    page.wait_for_selector("text=บันทึกการแก้ไขแล้ว")
    assert "พัฒนาระบบ" in page.locator("#versions ins").first.inner_text()
    shots(page, "22-review-diff")
    page.get_by_role("button", name="ลงชื่อย่อกำกับ").click()
    page.wait_for_selector("text=ลงชื่อย่อกำกับแล้ว")
    page.close()
    page = _as(browser, live, "demo-deputy")
    page.goto(draft_url)
    page.get_by_role("button", name="ลงชื่อย่อกำกับ").click()
    page.wait_for_selector("text=ลงชื่อย่อกำกับแล้ว")
    page.close()
    # the commander signs on his phone
    page = _as(browser, live, "demo-commander", PHONE)
    page.goto(live.base + "/drafts")
    page.get_by_role("link", name=re.compile("พัฒนาระบบสารบรรณ")).click()
    page.wait_for_selector("#sign")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shots(page, "23-phone-sign")
    page.locator("#sign").get_by_role("button", name="ลงนาม", exact=True).click()
    page.wait_for_selector("text=ลงนามแล้ว")
    shots(page, "24-phone-signed")
    page.close()
    # the clerk numbers it and sends it: a unit inside, a peer, registered mail
    page = _as(browser, live, "demo-clerk")
    page.goto(live.base + "/drafts")
    page.get_by_role("link", name=re.compile("พัฒนาระบบสารบรรณ")).click()
    page.select_option("#d0-channel", "transfer")
    page.select_option("#d0-unit_id", label="สงป.")
    page.select_option("#d1-channel", "exchange")
    page.select_option("#d1-peer", label="สำนักงานพัฒนารัฐบาลดิจิทัล")
    page.select_option("#d2-channel", "post_registered")
    page.locator("#d2-name").fill("ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล")
    page.locator("#d2-address").fill("๑๐๘ ถนนรางน้ำ แขวงถนนพญาไท\nเขตราชเทวี กรุงเทพฯ ๑๐๔๐๐")
    shots(page, "25-dispatch-form")
    page.get_by_role("button", name="ออกเลขและส่ง").click()
    page.wait_for_selector("text=ออกเลขแล้ว")
    flash = page.locator(".flash").first.inner_text()
    number = re.search(r"ที่ (\S+)", flash)[1]
    assert number.startswith("๐๐๓๓.๑๒/") and "๓ ปลายทาง" in flash
    shots(page, "26-sent")
    draft_id = re.search(r"/drafts/(\d+)", draft_url)[1]
    pdf = page.request.get(f"{live.base}/drafts/{draft_id}/letter.pdf").body()
    assert f"ที่ ตช {number}" in pdftotext(pdf)
    # the signed, numbered letter beside the screenshots, to be looked at
    folder = Path(os.environ.get("SARABAN_SCREENSHOT_DIR") or tmp_path)
    (folder / "27-letter.pdf").write_bytes(pdf)
    subprocess.run([need("pdftoppm"), "-r", "70", "-png", str(folder / "27-letter.pdf"),
                    str(folder / "27-letter")], check=True)
    page.goto(live.base + "/registers")
    page.close()
