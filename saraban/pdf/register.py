"""The printable register (ทะเบียนหนังสือรับ / ทะเบียนหนังสือส่ง), A4 landscape, in the columns
of the regulation's form: เลขทะเบียน, ที่, ลงวันที่, จาก, ถึง, เรื่อง, การปฏิบัติ, หมายเหตุ, with
the date and time each line was received (or sent) beside its number: the form has them in
its heading, a register printed for a month needs them on every line.

Every cell is a shaped Paragraph wrapped between Thai words (``thaiwrap``); a number
(เลขทะเบียน, ที่) is never broken inside itself: it breaks only at its spaces, and one that
is wider than its column is set smaller. The heading row repeats on every page and each page
carries "หน้า ๑ / ๓" and the time of printing.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

from reportlab.lib.colors import Color, black
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import LayoutError, SimpleDocTemplate, Spacer, Table, TableStyle

from saraban.pdf import BOLD, REGULAR, register_fonts
from saraban.pdf.thaiwrap import draw_string, paragraph
from saraban.thaidate import to_thai_digits

__all__ = ["COLUMNS", "RegisterRow", "number_lines", "register_pdf"]

WHEN = "วันเวลาที่รับ"  # the second column's heading; "วันเวลาที่ส่ง" in a dispatch register
COLUMNS = ("เลขทะเบียน", WHEN, "ที่", "ลงวันที่", "จาก", "ถึง", "เรื่อง", "การปฏิบัติ",
           "หมายเหตุ")
# shares of the table's width, in the order of COLUMNS
_SHARES = (0.10, 0.095, 0.125, 0.085, 0.105, 0.105, 0.2, 0.11, 0.075)
_CENTRED = {0, 1, 3}  # เลขทะเบียน, its date and time, and ลงวันที่
_NUMBERS = {0, 2}  # เลขทะเบียน and ที่: never broken inside
_SMALLEST = 7.0  # the smallest size a number too wide for its column is set in
PAGE = landscape(A4)
MARGIN, BOTTOM = 12 * mm, 14 * mm
PAD_X, PAD_TOP, PAD_BOTTOM = 3.0, 1.5, 3.5
CANCELLED_GREY = Color(0.5, 0.5, 0.5)
HEADER_FILL = Color(0.88, 0.88, 0.88)
CANCELLED = "ยกเลิก"


@dataclass
class RegisterRow:
    number: str  # เลขทะเบียน, already formatted (Thai digits)
    doc_number: str  # ที่
    doc_date: str  # ลงวันที่, already formatted
    sender: str  # จาก
    addressee: str  # ถึง
    subject: str  # เรื่อง
    action: str  # การปฏิบัติ
    remarks: str  # หมายเหตุ
    cancelled: bool = False
    when: str = ""  # the date and time of receipt (or dispatch), already formatted

    def cells(self) -> list[str]:
        """The cells in the order of COLUMNS."""
        remarks = self.remarks or ""
        if self.cancelled and not remarks.startswith(CANCELLED):
            remarks = f"{CANCELLED}\n{remarks}" if remarks else CANCELLED
        return [self.number, self.when, self.doc_number, self.doc_date, self.sender,
                self.addressee, self.subject, self.action, remarks]


class _FooterCanvas(Canvas):
    """Holds the pages back until the end, to write "หน้า n / total" on each."""

    def __init__(self, *args, printed: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._printed = printed
        self._pages: list[dict] = []

    def showPage(self):
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._footer(total)
            super().showPage()
        super().save()

    def _footer(self, total: int) -> None:
        width, _ = self._pagesize
        y, size = BOTTOM - 6.5 * mm, 9
        page = f"หน้า {to_thai_digits(self._pageNumber)} / {to_thai_digits(total)}"
        self.saveState()
        self.setFillColor(black)
        if self._printed:
            draw_string(self, MARGIN, y, self._printed, REGULAR, size)
        draw_string(self, width - MARGIN, y, page, REGULAR, size, anchor="right")
        self.restoreState()


def _styles() -> dict[str, ParagraphStyle]:
    base = dict(fontName=REGULAR, fontSize=11, leading=15, shaping=1, splitLongWords=0)
    return {
        "title": ParagraphStyle("register-title", fontName=BOLD, fontSize=16, leading=22,
                                alignment=TA_CENTER, shaping=1, splitLongWords=0),
        "subtitle": ParagraphStyle("register-subtitle", fontName=REGULAR, fontSize=12,
                                   leading=17, alignment=TA_CENTER, shaping=1,
                                   splitLongWords=0),
        "head": ParagraphStyle("register-head", **{**base, "fontName": BOLD},
                               alignment=TA_CENTER),
        "cell": ParagraphStyle("register-cell", **base, alignment=TA_LEFT),
        "centred": ParagraphStyle("register-centred", **base, alignment=TA_CENTER),
        "cell-x": ParagraphStyle("register-cell-x", **base, alignment=TA_LEFT,
                                 textColor=CANCELLED_GREY),
        "centred-x": ParagraphStyle("register-centred-x", **base, alignment=TA_CENTER,
                                    textColor=CANCELLED_GREY),
    }


def number_lines(text: str, font: str, size: float, width: float) -> tuple[list[str], float]:
    """A document number's lines and the size to set them in: broken only at its spaces
    ("มท" | "๐๒๐๘.๒/ว๗๗๗"), never inside a part, and set smaller (down to ``_SMALLEST``)
    when a part is wider than the column."""
    lines: list[str] = []
    parts = [line.split() for line in text.replace("\r", "").split("\n")]
    widest = max((pdfmetrics.stringWidth(p, font, size) for ps in parts for p in ps),
                 default=0.0)
    if widest > width:
        size = max(_SMALLEST, size * width / widest)
    for line in parts:
        current = ""
        for part in line:
            joined = f"{current} {part}" if current else part
            if current and pdfmetrics.stringWidth(joined, font, size) > width:
                lines.append(current)
                current = part
            else:
                current = joined
        lines.append(current)
    return lines, size


def _number_cell(text: str, style: ParagraphStyle, width: float):
    lines, size = number_lines(text, style.fontName, style.fontSize, width)
    if size != style.fontSize:
        style = ParagraphStyle(f"{style.name}-{size:.2f}", parent=style, fontSize=size,
                               leading=style.leading * size / style.fontSize)
    # the lines as hard breaks, in a width so large that nothing else breaks them
    return paragraph("\n".join(lines), style, 10**6)


def _table(rows: list[RegisterRow], table_width: float, split_in_row: int,
           when: str = WHEN) -> Table:
    styles = _styles()
    widths = [table_width * share for share in _SHARES]
    inner = [w - 2 * PAD_X - 0.5 for w in widths]  # a little slack for shaped widths
    data = [[paragraph(when if name == WHEN else name, styles["head"], inner[i])
             for i, name in enumerate(COLUMNS)]]
    commands = [
        ("FONT", (0, 0), (-1, -1), REGULAR, 11),
        ("GRID", (0, 0), (-1, -1), 0.5, black),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD_X),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD_X),
        ("TOPPADDING", (0, 0), (-1, -1), PAD_TOP),
        ("BOTTOMPADDING", (0, 0), (-1, -1), PAD_BOTTOM),
    ]
    for row in rows:
        suffix = "-x" if row.cancelled else ""
        data.append([
            (_number_cell if i in _NUMBERS and text else paragraph)(
                text or "", styles[("centred" if i in _CENTRED else "cell") + suffix],
                inner[i])
            for i, text in enumerate(row.cells())
        ])
    if not rows:
        empty = paragraph("ไม่มีรายการ", styles["centred"], table_width - 2 * PAD_X - 0.5)
        data.append([empty] + [paragraph("", styles["cell"], w) for w in inner[1:]])
        commands.append(("SPAN", (0, 1), (-1, 1)))
    return Table(data, colWidths=widths, repeatRows=1, style=TableStyle(commands),
                 splitInRow=split_in_row)


def register_pdf(title: str, subtitle: str, rows: list[RegisterRow], *,
                 printed: str = "", when: str = WHEN) -> bytes:
    """The register as an A4 landscape PDF with the Sarabun font embedded."""
    register_fonts()
    styles = _styles()
    # a row taller than a page cannot move to the next one: then let rows split
    for split_in_row in (0, 1):
        buffer = io.BytesIO()
        doc = SimpleDocTemplate(
            buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
            bottomMargin=BOTTOM, title=f"{title} {subtitle}".strip(), subject=subtitle,
            creator="Saraban", initialFontName=REGULAR,
        )
        width = doc.width
        story = [paragraph(title, styles["title"], width)]
        if subtitle:
            story.append(paragraph(subtitle, styles["subtitle"], width))
        story += [Spacer(1, 3 * mm), _table(rows, width, split_in_row, when)]
        try:
            doc.build(story, canvasmaker=functools.partial(_FooterCanvas, printed=printed))
        except LayoutError:
            if split_in_row:
                raise
            continue
        return buffer.getvalue()
    raise AssertionError("unreachable")
