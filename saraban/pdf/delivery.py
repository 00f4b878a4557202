"""Paper that goes with a letter sent by post or by hand: the ใบส่งหนังสือ (delivery slip,
signed by the receiver and brought back), the envelope (DL, 220 x 110 mm) or an A4 label
sheet, and the สมุดส่งหนังสือ page (the delivery book: one row a letter, a line for the
receiver's signature, name, date and time).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import cm, mm
from reportlab.pdfgen.canvas import Canvas

from saraban.pdf import BOLD, REGULAR, register_fonts
from saraban.pdf.thaiwrap import draw_string, wrap_lines

DL = (220 * mm, 110 * mm)


@dataclass
class Item:
    """One letter on its way: its number and date, subject, from whom to whom, where."""

    number: str
    date_text: str
    subject: str
    from_text: str
    to_text: str
    address_lines: list[str]
    channel_text: str
    tracking: str | None = None
    sender_lines: tuple[str, ...] = ()  # the agency and its address, for the envelope
    secrecy_text: str = ""


def _lines(c: Canvas, x: float, y: float, text: str, width: float, font=REGULAR,
           size: float = 14, leading: float = 18) -> float:
    for line in wrap_lines(text, font, size, width) or [""]:
        draw_string(c, x, y, line, font, size)
        y -= leading
    return y


def slip_pdf(items: list[Item], *, unit_name: str) -> bytes:
    """ใบส่งหนังสือ, one for each letter (an A4 page each)."""
    register_fonts()
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4)
    c.setTitle("ใบส่งหนังสือ")
    width, height = A4
    for item in items:
        if item.secrecy_text:  # ชั้นความลับ at the top and the foot of the page
            draw_string(c, width / 2, height - 1.3 * cm, item.secrecy_text, BOLD, 20,
                        anchor="centre")
            draw_string(c, width / 2, 1 * cm, item.secrecy_text, BOLD, 20, anchor="centre")
        draw_string(c, width / 2, height - 2.5 * cm, "ใบส่งหนังสือ", BOLD, 20, anchor="centre")
        y = height - 4 * cm
        for label, value in (("จาก", item.from_text), ("ถึง", item.to_text),
                             ("ที่", item.number), ("ลงวันที่", item.date_text),
                             ("เรื่อง", item.subject), ("ส่งโดย", item.channel_text
                                                       + (f" เลขพัสดุ {item.tracking}"
                                                          if item.tracking else ""))):
            draw_string(c, 3 * cm, y, label, BOLD, 16)
            y = _lines(c, 5.5 * cm, y, value, width - 7.5 * cm, size=16, leading=21)
        y -= 1.5 * cm
        draw_string(c, width / 2, y, "ผู้รับหนังสือ ........................................",
                    REGULAR, 16)
        y -= 21
        draw_string(c, width / 2, y, "(........................................)", REGULAR, 16)
        y -= 21
        draw_string(c, width / 2, y, "วันที่ ................ เวลา ........ น.", REGULAR, 16)
        draw_string(c, 3 * cm, 2 * cm, f"หน่วยส่ง {unit_name} — เมื่อรับแล้วกรุณาลงชื่อและส่งคืน",
                    REGULAR, 12)
        c.showPage()
    c.save()
    return out.getvalue()


def envelope_pdf(items: list[Item], *, size: str = "dl") -> bytes:
    """Envelopes (``dl``) or address labels on A4 (``label``: eight to a sheet)."""
    register_fonts()
    out = io.BytesIO()
    if size == "label":
        c = Canvas(out, pagesize=A4)
        c.setTitle("ป้ายจ่าหน้า")
        w, h = A4
        cell_w, cell_h = (w - 2 * cm) / 2, (h - 2 * cm) / 4
        for i, item in enumerate(items):
            if i and i % 8 == 0:
                c.showPage()
            col, row = i % 2, (i % 8) // 2
            x, top = 1 * cm + col * cell_w + 0.6 * cm, h - 1 * cm - row * cell_h - 0.9 * cm
            if item.secrecy_text:
                draw_string(c, x + cell_w - 1.2 * cm, top + 18, item.secrecy_text, BOLD, 16,
                            anchor="right")
                top -= 22
            _address(c, x, top, item, cell_w - 1.2 * cm, mark=True)
        c.showPage()
        c.save()
        return out.getvalue()
    c = Canvas(out, pagesize=DL)
    c.setTitle("ซองจดหมาย")
    w, h = DL
    for item in items:
        y = h - 1.2 * cm
        for line in item.sender_lines:
            draw_string(c, 1.2 * cm, y, line, REGULAR, 12)
            y -= 15
        draw_string(c, 1.2 * cm, y, f"ที่ {item.number}", REGULAR, 12)
        if item.secrecy_text:
            draw_string(c, w / 2, h - 1.2 * cm, item.secrecy_text, BOLD, 18, anchor="centre")
        _address(c, w * 0.45, h * 0.55, item, w * 0.5, mark=True)
        c.showPage()
    c.save()
    return out.getvalue()


def _address(c: Canvas, x: float, top: float, item: Item, width: float, *, mark: bool) -> None:
    if mark and item.channel_text:
        mark_text = item.channel_text + (f" {item.tracking}" if item.tracking else "")
        marks = wrap_lines(mark_text, BOLD, 14, width) or [""]
        if len(marks) > 1 and item.tracking:  # the number whole, on its own line
            marks = [*wrap_lines(item.channel_text, BOLD, 14, width), item.tracking]
        for n, line in enumerate(marks):
            draw_string(c, x, top + 18 - n * 17, line, BOLD, 14)
        top -= 17 * (len(marks) - 1)
    y = top
    draw_string(c, x, y, "กรุณาส่ง", REGULAR, 12)
    y -= 20
    for line in [item.to_text, *item.address_lines]:
        for part in wrap_lines(line, REGULAR, 16, width) or [""]:
            draw_string(c, x, y, part, REGULAR, 16)
            y -= 20


def book_pdf(items: list[Item], *, unit_name: str, printed_at: str) -> bytes:
    """A page of the สมุดส่งหนังสือ: each letter carried by hand, with the receiver's line."""
    register_fonts()
    out = io.BytesIO()
    size = landscape(A4)
    c = Canvas(out, pagesize=size)
    c.setTitle("สมุดส่งหนังสือ")
    w, h = size
    columns = (("เลขทะเบียนส่ง", 3.2 * cm), ("ลงวันที่", 2.8 * cm), ("จาก", 3.2 * cm),
               ("ถึง", 5 * cm), ("เรื่อง", 6.5 * cm), ("ผู้รับ (ลงชื่อ ตัวบรรจง)", 4.3 * cm),
               ("วันและเวลา", 2.7 * cm))
    left, row_h, head_h = 1.2 * cm, 1.9 * cm, 1.3 * cm

    def header() -> float:
        draw_string(c, w / 2, h - 1.5 * cm, f"สมุดส่งหนังสือ {unit_name}", BOLD, 18,
                    anchor="centre")
        draw_string(c, w - 1.2 * cm, h - 1.5 * cm, printed_at, REGULAR, 11, anchor="right")
        y, x = h - 2.6 * cm, left
        for title, width in columns:
            c.rect(x, y - head_h, width, head_h)
            titles = wrap_lines(title, BOLD, 13, width - 6)[:2]
            first = y - head_h / 2 - 4 + 7.5 * (len(titles) - 1)
            for n, line in enumerate(titles):
                draw_string(c, x + width / 2, first - n * 15, line, BOLD, 13, anchor="centre")
            x += width
        return y - head_h

    y = header()
    for item in items:
        if y - row_h < 1.2 * cm:
            c.showPage()
            y = header()
        x = left
        values = (item.number, item.date_text, item.from_text, item.to_text, item.subject,
                  "", "")
        for (_, width), value in zip(columns, values, strict=True):
            c.rect(x, y - row_h, width, row_h)
            lines = wrap_lines(value, REGULAR, 12, width - 6)[:3]
            for n, line in enumerate(lines):
                draw_string(c, x + 3, y - 15 - n * 15, line, REGULAR, 12)
            x += width
        y -= row_h
    c.showPage()
    c.save()
    return out.getvalue()

