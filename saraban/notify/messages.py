"""The notice: a Thai mail listing what waits, with Buddhist-era dates, a link to each
page and a line in English; a secret document only as "หนังสือชั้นลับ", counted apart."""

from __future__ import annotations

from email.message import EmailMessage

from flask import current_app

from saraban import thaidate
from saraban.accounts.models import User
from saraban.mail.messages import _base
from saraban.notify.waiting import KIND_ORDER, SECRET_TITLE, Item, Kind

SECTIONS = {  # heading, the page of the kind (a secret item links there, not to itself)
    Kind.INBOX: ("หนังสือรอลงรับ", "/inbox"),
    Kind.PROPOSAL: ("เรื่องเสนอรอท่านสั่งการ", "/desk"),
    Kind.DRAFT: ("ร่างหนังสือรอท่านตรวจหรือลงนาม", "/drafts"),
    Kind.RETURNED: ("หนังสือที่ถูกส่งคืน", "/"),
    Kind.OVERDUE: ("งานที่เลยกำหนด", "/tasks"),
    Kind.DUE: ("งานที่ครบกำหนดวันนี้หรือพรุ่งนี้", "/tasks"),
}
ACCOUNT_PAGE = "/account/security#notify"


def base_url() -> str:
    """Where the users reach Saraban (SARABAN_BASE_URL), for the links in a mail."""
    return (current_app.config.get("BASE_URL") or "http://localhost:8000").rstrip("/")


def _link(item: Item) -> str:
    if item.secret:
        return base_url() + SECTIONS[item.kind][1]
    if item.draft_id is not None:
        return f"{base_url()}/drafts/{item.draft_id}"
    return f"{base_url()}/documents/{item.document_id}"


def _count(n: int) -> str:
    return thaidate.to_thai_digits(str(n))


def subject_for(items: list[Item]) -> str:
    return f"[สารบรรณ] มีหนังสือรอท่าน {_count(len(items))} เรื่อง"


def _line(item: Item) -> list[str]:
    if item.secret:
        return [f"- {SECRET_TITLE}", f"  {_link(item)}"]
    head = f"- ที่ {item.number} เรื่อง {item.title}" if item.number else f"- เรื่อง {item.title}"
    facts = []
    if item.sender:
        facts.append(f"จาก {item.sender}" if item.kind != Kind.RETURNED
                     else f"ส่งคืนโดย {item.sender}")
    if item.due_date is not None:
        facts.append(f"กำหนดเสร็จ {thaidate.format_date(item.due_date)}")
    else:
        facts.append(f"เมื่อ {thaidate.format_datetime(item.when)}")
    return [head, "  " + " · ".join(facts), f"  {_link(item)}"]


def notice_message(user: User, items: list[Item], *, digest: bool = False) -> EmailMessage:
    """The mail to ``user`` listing ``items`` (at least one)."""
    assert items, "a notice lists something"
    message = _base(user.email, subject_for(items))
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no automatic reply to it
    message["X-Auto-Response-Suppress"] = "All"
    message["Precedence"] = "bulk"
    message["List-Unsubscribe"] = f"<{base_url()}{ACCOUNT_PAGE}>"
    secret = sum(1 for i in items if i.secret)
    now = thaidate.now()
    lines = [f"เรียน {user.display_name}", "",
             (f"สรุปหนังสือที่รอท่าน ณ {thaidate.format_datetime(now, 'long')}" if digest
              else f"มีหนังสือรอท่าน {_count(len(items))} เรื่อง "
                   f"(ณ {thaidate.format_datetime(now, 'long')})")]
    for kind in KIND_ORDER:
        n = sum(1 for i in items if i.kind == kind and not i.secret)
        if n:
            lines.append(f"  {SECTIONS[kind][0]} {_count(n)} เรื่อง")
    if secret:
        lines.append(f"  {SECRET_TITLE} {_count(secret)} ฉบับ")
    for kind in KIND_ORDER:
        listed = [i for i in items if i.kind == kind]
        if listed:
            lines += ["", SECTIONS[kind][0]]
            for item in listed:
                lines += _line(item)
    lines += ["", "--",
              f"You have {len(items)} item{'s' if len(items) != 1 else ''} waiting in "
              f"Saraban: {base_url()}/",
              f"ตั้งค่าหรือยกเลิกการแจ้งเตือน (notification settings): {base_url()}{ACCOUNT_PAGE}",
              "ข้อความนี้ส่งโดยอัตโนมัติจากระบบสารบรรณอิเล็กทรอนิกส์ กรุณาอย่าตอบกลับ"]
    message.set_content("\n".join(lines) + "\n", cte="base64")
    return message
