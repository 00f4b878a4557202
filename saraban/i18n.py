"""Thai (and English) names for the domain's coded values."""

from __future__ import annotations

from flask import g, has_app_context

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
        "destruction.propose": ("เสนอบัญชีขอทำลาย", "Destruction list proposed"),
        "destruction.decide": ("พิจารณารายการขอทำลาย", "Item decided"),
        "destruction.review": ("คณะกรรมการพิจารณาแล้ว", "List reviewed"),
        "destruction.done": ("ทำลายตามบัญชี", "List destroyed"),
        "loan.lend": ("ให้ยืมต้นฉบับ", "Original lent"),
        "loan.return": ("รับคืนต้นฉบับ", "Original returned"),
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
    lang = g.get("lang", "th") if has_app_context() else "th"
    return pair[1] if lang == "en" else pair[0]
