"""Thai (and English) names for the domain's coded values, and the page language.

Thai is the default and the language of the source strings (the msgids); English comes
from ``saraban/translations/en``. ``g.lang`` ("th" or "en") is set for each page request
from the ``saraban_lang`` cookie (see ``saraban.web.register_i18n``); dates, times,
durations and digits below follow it: Buddhist-era dates and Thai digits in Thai,
Gregorian dates ("26 Nov 2019") and Arabic digits in English.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from flask import g, has_app_context, has_request_context, request

from saraban import thaidate

LANGUAGES = ("th", "en")
DEFAULT_LANG = "th"
LANG_COOKIE = "saraban_lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"

LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "kind": {
        "external": ("หนังสือภายนอก", "External letter"),
        "internal": ("หนังสือภายใน", "Internal memo"),
        "stamped": ("หนังสือประทับตรา", "Stamped letter"),
        "directive": ("หนังสือสั่งการ", "Directive"),
        "publicity": ("หนังสือประชาสัมพันธ์", "Announcement"),
        "evidence": ("หนังสือที่เจ้าหน้าที่ทำขึ้น", "Record"),
    },
    "urgency": {
        "0": ("ปกติ", "Normal"),
        "1": ("ด่วน", "Urgent"),
        "2": ("ด่วนมาก", "Very urgent"),
        "3": ("ด่วนที่สุด", "Most urgent"),
    },
    "secrecy": {
        "0": ("ปกติ", "Unclassified"),
        "1": ("ลับ", "Confidential"),
        "2": ("ลับมาก", "Secret"),
        "3": ("ลับที่สุด", "Top secret"),
    },
    "status": {
        "draft": ("ร่าง", "Draft"),
        "registered": ("ลงทะเบียนแล้ว", "Registered"),
        "in_progress": ("ระหว่างดำเนินการ", "In progress"),
        "closed": ("ยุติเรื่อง", "Closed"),
        "cancelled": ("ยกเลิก", "Cancelled"),
    },
    "draft_status": {
        "drafting": ("อยู่ระหว่างร่าง", "Drafting"),
        "in_review": ("อยู่ระหว่างตรวจ", "In review"),
        "returned": ("ส่งคืนผู้ร่าง", "Returned"),
        "signed": ("ลงนามแล้ว รอออกเลข", "Signed, to be numbered"),
        "dispatched": ("ออกเลขและส่งแล้ว", "Numbered and sent"),
    },
    "step_status": {
        "waiting": ("รอ", "Waiting"),
        "current": ("รอดำเนินการ", "On the desk"),
        "initialled": ("ลงชื่อย่อกำกับแล้ว", "Initialled"),
        "returned": ("ส่งคืน", "Returned"),
        "signed": ("ลงนามแล้ว", "Signed"),
        "cancelled": ("ยกเลิก", "Cancelled"),
    },
    "step_role": {
        "review": ("ผู้ตรวจ", "Reviewer"),
        "sign": ("ผู้ลงนาม", "Signer"),
    },
    "channel": {
        "transfer": ("ส่งในระบบ", "Inside the installation"),
        "exchange": ("สารบรรณถึงสารบรรณ", "Saraban exchange"),
        "ecms": ("e-CMS", "e-CMS"),
        "email": ("ไปรษณีย์อิเล็กทรอนิกส์ (saraban@)", "E-mail (saraban@)"),
        "post_registered": ("ไปรษณีย์ลงทะเบียน", "Registered mail"),
        "post_ems": ("ไปรษณีย์ด่วนพิเศษ (EMS)", "EMS"),
        "hand": ("ส่งด้วยมือ", "By hand"),
    },
    "purpose": {
        "inform": ("เพื่อโปรดทราบ", "For information"),
        "consider": ("เพื่อโปรดพิจารณา", "For consideration"),
        "act": ("เพื่อดำเนินการ", "For action"),
        "sign": ("เพื่อโปรดลงนาม", "For signature"),
        "publicize": ("เพื่อทราบและประชาสัมพันธ์", "For information and publicity"),
        "other": ("อื่น ๆ", "Other"),
    },
    "transfer_kind": {
        "arrival": ("รับจากหน่วยงานภายนอก", "Arrived from outside"),
        "forward": ("ส่งต่อ", "Forwarded"),
        "propose": ("เสนอ", "Proposed"),
        "return": ("ส่งคืน", "Returned"),
        "circulate": ("เวียน", "Circulated"),
        "outgoing": ("ส่งออกภายนอก", "Sent outside"),
    },
    "transfer_status": {
        "sent": ("รอลงรับ", "waiting to be received"),
        "opened": ("เปิดอ่านแล้ว รอลงรับ", "opened, waiting to be received"),
        "accepted": ("ลงรับแล้ว", "received"),
        "returned": ("ถูกส่งคืน", "sent back"),
        "recalled": ("ผู้ส่งดึงกลับ", "pulled back by the sender"),
        "recorded": ("ตามเอกสารกระดาษ", "from the paper record"),
    },
    "role": {
        "clerk": ("เจ้าหน้าที่สารบรรณ", "Clerk"),
        "commander": ("ผู้บังคับบัญชา", "Commander"),
        "staff": ("เจ้าหน้าที่", "Staff"),
        "admin": ("ผู้ดูแลระบบ", "Administrator"),
    },
    "relation": {
        "cites": ("อ้างถึง", "Cites"),
        "cites_by": ("ถูกอ้างถึงโดย", "Cited by"),
        "endorsed_on": ("สั่งการท้าย", "Endorsement on"),
        "endorsed_on_by": ("เวียนสั่งการโดย", "Endorsement circulated by"),
        "copied_as": ("สำเนาถูกต้อง", "Certified copy"),
        "copy_of": ("สำเนาของ", "Copy of"),
        "replies_to": ("ตอบ", "Replies to"),
        "replies_to_by": ("ตอบโดย", "Answered by"),
        "background": ("เรื่องเดิม", "Background"),
        "background_by": ("เป็นเรื่องเดิมของ", "Background of"),
        "corrects": ("แก้ไขหนังสือ", "Corrects"),
        "corrects_by": ("แก้ไขโดย", "Corrected by"),
    },
    "action": {
        "login": ("เข้าสู่ระบบ", "Logged in"),
        "login.failed": ("เข้าสู่ระบบไม่สำเร็จ", "Login refused"),
        "logout": ("ออกจากระบบ", "Logged out"),
        "token.create": ("สร้างโทเค็น API", "API token created"),
        "token.revoke": ("ยกเลิกโทเค็น API", "API token revoked"),
        "account.locked": ("ระงับบัญชีชั่วคราว", "Account locked"),
        "password.change": ("เปลี่ยนรหัสผ่าน", "Password changed"),
        "totp.enable": ("เปิดใช้การยืนยันตัวตนสองขั้นตอน", "Two-step login turned on"),
        "totp.disable": ("ปิดการยืนยันตัวตนสองขั้นตอน", "Two-step login turned off"),
        "document.create": ("ลงทะเบียนหนังสือ", "Document registered"),
        "document.import": ("นำเข้าหนังสือ", "Document imported"),
        "document.update": ("แก้ไขรายละเอียดหนังสือ", "Document corrected"),
        "document.view": ("เปิดอ่านหนังสือลับ", "Secret document read"),
        "document.reader": ("ระบุชื่อผู้มีสิทธิ์อ่านหนังสือลับ", "Reader of a classified document named"),
        "document.retention": ("กำหนดอายุการเก็บ", "Retention set"),
        "document.destroy": ("ทำลายหนังสือ", "Document destroyed"),
        "file.attach": ("แนบไฟล์", "File attached"),
        "receipt.register": ("ลงรับ", "Received"),
        "receipt.historic": ("ลงรับจากตราเดิม", "Paper stamp entered"),
        "receipt.cancel": ("ยกเลิกเลขรับ", "Receipt cancelled"),
        "register.open_year": ("เปิดทะเบียนต่อจากเลขในสมุดทะเบียนกระดาษ",
                               "Register continued from a paper book"),
        "dispatch.issue": ("ออกเลขหนังสือส่ง", "Numbered for dispatch"),
        "dispatch.cancel": ("ยกเลิกเลขหนังสือส่ง", "Dispatch cancelled"),
        "dispatch.correct": ("ออกหนังสือแก้ไข", "Correction issued"),
        "transfer.send": ("ส่งต่อ / เวียน / เสนอ", "Sent"),
        "transfer.accept": ("ลงรับจากกล่องเข้า", "Accepted"),
        "transfer.open": ("เปิดอ่าน", "Opened"),
        "transfer.recall": ("ดึงกลับ", "Recalled"),
        "transfer.return": ("ส่งคืน", "Returned"),
        "certified_copy.issue": ("ทำสำเนาถูกต้อง", "Certified copy issued"),
        "endorsement.draft": ("ร่างเกษียน", "Endorsement drafted"),
        "endorsement.update": ("แก้ร่างเกษียน", "Draft changed"),
        "endorsement.delete": ("ลบร่างเกษียน", "Draft deleted"),
        "endorsement.sign": ("ลงนามเกษียน", "Endorsement signed"),
        "order.complete": ("รายงานผลตามที่สั่งการ", "Order reported done"),
        "delegation.create": ("กำหนดการทำแทน", "Delegation recorded"),
        "delegation.end": ("กำหนดวันสิ้นสุดการทำแทน", "Delegation ended"),
        "delegation.delete": ("ลบการทำแทน", "Delegation deleted"),
        "register.export.pdf": ("พิมพ์ทะเบียน", "Register printed"),
        "register.export.csv": ("ส่งออกทะเบียน (CSV)", "Register exported"),
        "audit.export": ("ส่งออกบันทึกการตรวจสอบ", "Audit trail exported"),
        "audit.seal": ("ปิดผนึกข้อมูลเดิมเข้าบันทึกการตรวจสอบ", "Earlier records sealed into the trail"),
        "records.sync": ("บันทึกสถานะข้อมูลที่เปลี่ยน", "Changed records' state recorded"),
        "destruction.propose": ("เสนอบัญชีขอทำลาย", "Destruction list proposed"),
        "destruction.decide": ("พิจารณารายการขอทำลาย", "Item decided"),
        "destruction.review": ("คณะกรรมการพิจารณาแล้ว", "List reviewed"),
        "destruction.done": ("ทำลายตามบัญชี", "List destroyed"),
        "loan.lend": ("ให้ยืมต้นฉบับ", "Original lent"),
        "loan.return": ("รับคืนต้นฉบับ", "Original returned"),
        "admin.unit.create": ("เพิ่มหน่วยงาน", "Unit added"),
        "admin.unit.update": ("แก้ไขชื่อหน่วยงาน", "Unit renamed"),
        "admin.unit.deactivate": ("ปิดใช้หน่วยงาน", "Unit deactivated"),
        "admin.unit.reactivate": ("เปิดใช้หน่วยงานอีกครั้ง", "Unit reactivated"),
        "admin.register.create": ("เพิ่มทะเบียน", "Register added"),
        "admin.user.create": ("เพิ่มผู้ใช้", "User added"),
        "admin.user.update": ("แก้ไขข้อมูลผู้ใช้", "User changed"),
        "admin.user.deactivate": ("ปิดบัญชีผู้ใช้", "User deactivated"),
        "admin.user.reactivate": ("เปิดบัญชีผู้ใช้อีกครั้ง", "User reactivated"),
        "admin.user.unlock": ("ยกเลิกการระงับบัญชี", "Account unlocked"),
        "admin.user.password": ("ตั้งรหัสผ่านใหม่ให้ผู้ใช้", "Password reset"),
        "admin.membership.add": ("เพิ่มบทบาทผู้ใช้", "Role given"),
        "admin.membership.remove": ("ลบบทบาทผู้ใช้", "Role taken away"),
    },
    "delegation": {
        "on_behalf": ("ปฏิบัติราชการแทน (ปรท.)", "On behalf of"),
        "acting": ("รักษาราชการแทน (รรท.)", "Acting for"),
        "doing_for": ("ทำการแทน", "Doing for"),
        "caretaker": ("รักษาการแทน", "Caretaker for"),
    },
    "event": {
        "receipt": ("ลงรับ", "Received"),
        "dispatch": ("ออกเลขส่ง", "Numbered for dispatch"),
        "transfer": ("ส่งต่อ", "Transferred"),
        "endorsement": ("เกษียนสั่งการ", "Endorsed"),
        "certified_copy": ("สำเนาถูกต้อง", "Certified copy"),
        "order": ("สั่งการ", "Order"),
        "order_done": ("รายงานผลตามที่สั่งการ", "Order reported done"),
        "created": ("จัดทำหนังสือ", "Document dated"),
    },
}


def label(value, group: str) -> str:
    """The Thai (or, with English chosen, the English) name of a coded value."""
    if value is None:
        return ""
    key = str(value.value if hasattr(value, "value") else value)
    pair = LABELS.get(group, {}).get(key)
    if pair is None:
        return key
    return pair[1] if current_lang() == "en" else pair[0]


def current_lang() -> str:
    """The language of this request's pages: "th" (the default) or "en"."""
    if not has_app_context():
        return DEFAULT_LANG
    if "lang" not in g and has_request_context():  # an error before the request began
        g.lang = requested_lang()
    lang = g.get("lang", DEFAULT_LANG)
    return lang if lang in LANGUAGES else DEFAULT_LANG


def requested_lang() -> str:
    """The language this request's user chose (the ``saraban_lang`` cookie); always Thai
    for the JSON API and the exchange endpoint, which answer in both languages."""
    if request.path.startswith(("/api/", "/exchange/v1/")):
        return DEFAULT_LANG
    chosen = request.cookies.get(LANG_COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANG


def digits_style() -> str:
    return "arabic" if current_lang() == "en" else "thai"


def local_digits(value) -> str:
    """Thai digits in Thai, Arabic digits in English."""
    if value is None:
        return ""
    if digits_style() == "thai":
        return thaidate.to_thai_digits(value)
    return thaidate.to_arabic_digits(value)


MONTHS_EN = ("", "January", "February", "March", "April", "May", "June", "July",
             "August", "September", "October", "November", "December")


def format_date(d, style: str = "short") -> str:
    """"๒๖ พ.ย. ๒๕๖๒" in Thai; "26 Nov 2019" (short, endorsement) or "26 November 2019"
    (long) in English."""
    if current_lang() != "en":
        return thaidate.format_date(d, style, "thai")
    d = thaidate.local_date(d)
    month = MONTHS_EN[d.month] if style == "long" else MONTHS_EN[d.month][:3]
    return f"{d.day} {month} {d.year}"


def date_input(d) -> str:
    """A date as a form field shows it, in a form the field reads back: "๒๖ พ.ย. ๒๕๖๒" in
    Thai, ISO "2019-11-26" (a Common Era year) in English."""
    d = thaidate.local_date(d)
    return thaidate.format_date(d) if current_lang() != "en" else d.isoformat()


def month_year(year: int, month: int) -> str:
    """"พ.ย. ๒๕๖๒" in Thai, "Nov 2019" in English (``year`` in the Common Era)."""
    if current_lang() == "en":
        return f"{MONTHS_EN[month][:3]} {year}"
    return f"{thaidate.THAI_MONTHS_ABBR[month]} {thaidate.to_thai_digits(year + 543)}"


def month_names() -> tuple[str, ...]:
    """January to December (index 1 to 12) in the page's language."""
    return MONTHS_EN if current_lang() == "en" else thaidate.THAI_MONTHS


def format_time(t) -> str:
    """"๑๕.๕๕ น." in Thai, "15:55" in English; an aware datetime in Bangkok time."""
    if current_lang() != "en":
        return thaidate.format_time(t, "thai")
    if isinstance(t, dt.datetime):
        t = thaidate.local(t).time()
    return f"{t.hour:02d}:{t.minute:02d}"


def format_datetime(value: dt.datetime, style: str = "short") -> str:
    """Date and time in Bangkok of an aware datetime; a naive one is refused."""
    value = thaidate.local(value)
    return f"{format_date(value, style)} {format_time(value.time())}"


def format_duration(delta: dt.timedelta, exact: bool = True) -> str:
    """"๓ วัน ๔ ชั่วโมง" in Thai, "3 days 4 hours" in English."""
    if current_lang() != "en":
        return thaidate.format_duration(delta, exact, "thai")
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)

    def n(count: int, unit: str) -> str:
        return f"{count} {unit}" + ("" if count == 1 else "s")

    if not exact:
        return f"about {n(days, 'day')}" if days else "the same day"
    if days:
        return n(days, "day") + (f" {n(hours, 'hour')}" if hours else "")
    if hours:
        return n(hours, "hour") + (f" {n(rest // 60, 'minute')}" if rest // 60 else "")
    return n(rest // 60, "minute")


def compile_catalogs(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile each ``messages.po`` under ``directory`` whose ``.mo`` is missing or older,
    as ``pybabel compile`` does, so that an installation made with plain ``pip install``
    still shows its English pages. Gives the ``.mo`` files written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parent.parent.name)
        tmp = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
        try:
            with tmp.open("wb") as f:
                write_mo(f, catalog)
            tmp.replace(mo)  # never a half-written catalog for another worker
        except OSError:
            tmp.unlink(missing_ok=True)
            if not mo.exists():  # a read-only installation without a compiled catalog
                raise
            continue
        written.append(mo)
    return written
