"""Printables a commander signs by hand, A4 portrait: the endorsement sheet (ใบเกษียนหนังสือ)
with the minutes already written on a document and space for the next one, and the cover
slip on a memo going up (ใบปะหน้าเสนอ) with a ruled space for the commander's minute.

Thai is wrapped between words and shaped by ``thaiwrap.paragraph``, which also gives each
line its text as ActualText (shaped glyphs alone read back lossy: ปิ as ป and a private-use
glyph, ที่ as ที). Text is cut into lines when laid out, so long text flows on to the next
page; each page has "หน้า ๑ / ๒".
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field

from reportlab.lib.colors import Color, black
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import shapeStr
from reportlab.platypus import Flowable, KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from saraban.pdf import BOLD, REGULAR, register_fonts
from saraban.pdf.register import HEADER_FILL, _FooterCanvas
from saraban.pdf.thaiwrap import draw_string, paragraph, readable, wrap_lines
from saraban.thaidate import to_thai_digits

__all__ = ["SheetDocument", "SignedBlock", "endorsement_sheet_pdf", "routing_slip_pdf"]

LEFT, RIGHT, TOP, BOTTOM = 20 * mm, 15 * mm, 15 * mm, 18 * mm
PAD = 4.0  # table cell padding
LABEL_W = 24 * mm  # the box's label column
SIGN_GAP = 9 * mm  # room for the signature above the name
RULE_GREY, DRAFT_GREY = Color(0.6, 0.6, 0.6), Color(0.45, 0.45, 0.45)
BLANK_NAME = "(" + "." * 20 + ")"
BLANK_CAPACITY = "." * 40
BLANK_DATE = "/".join(["." * 10] * 3)
DRAFT = "ร่าง"


def _style(name: str, font: str = REGULAR, size: float = 13, align: int = TA_LEFT):
    return ParagraphStyle(f"endorsement-{name}", fontName=font, fontSize=size,
                          leading=round(size * 1.5), alignment=align, shaping=1,
                          splitLongWords=0)


TITLE, BODY, SIGN = _style("title", BOLD, 18, TA_CENTER), _style("body"), _style("sign",
                                                                                align=TA_CENTER)
LABEL, HEAD = _style("label", BOLD, 12), _style("head", BOLD, 12)
CELL, SMALL = _style("cell", size=12), _style("small", size=11)


@dataclass
class SheetDocument:
    """The document the sheet is about."""
    number: str | None  # ที่ as written, e.g. "๐๐๓๓.๑๒/๕๐๕๒"
    date_text: str | None  # already formatted, e.g. "๒๒ พ.ย. ๒๕๖๒"
    subject: str
    sender: str | None  # จาก
    addressee: str | None  # เรียน
    summary: str | None = None  # the memo's body or summary, may be long
    receipts: list[str] = field(default_factory=list)  # "สทส. รับที่ ๑๒๓๔ วันที่ ..."


@dataclass
class SignedBlock:
    """One endorsement (เกษียน) as written on paper."""
    lines: list[str]  # "ทราบตามข้อ ๒", printed as "- ทราบตามข้อ ๒"
    signer_name: str | None  # "พล.ต.ท.\n(ปิยะ อุทัยโย)"; None: "(....................)"
    capacity: str | None  # "ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร."; None: a dotted line
    date_text: str | None  # "๒๖ พ.ย. ๖๒"; None: a dotted line
    orders: list[str] = field(default_factory=list)  # "ฝอ.สงป.: ดำเนินการตามข้อ ๓"
    draft: bool = False  # a light grey diagonal "ร่าง" across its page


class _Text(Flowable):
    """Thai text in Thai digits, a shaped ``paragraph`` a line; it splits between lines.
    ``half`` puts it in the right half (signatures); ``hang`` indents all lines but the first
    (after a "- ")."""

    def __init__(self, text: str, style: ParagraphStyle, *, hang: float = 0.0,
                 half: bool = False, first: bool = True):
        super().__init__()
        self.text, self.style, self.hang, self.half = to_thai_digits(text), style, hang, half
        self.first = first  # the first line is the text's own (not hung)
        self._lines: tuple[float, list[str]] | None = None

    def _x(self, width: float, i: int) -> float:
        return (width / 2 if self.half else 0.0) + (self.hang if i or not self.first else 0.0)

    def lines(self, width: float) -> list[str]:
        if self._lines is None or self._lines[0] != width:
            room = width - self._x(width, 1) - 1  # slack: shaped widths differ a little
            self._lines = width, wrap_lines(self.text, self.style.fontName,
                                            self.style.fontSize, room)
        return self._lines[1]

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self.height = max(1, len(self.lines(availWidth))) * self.style.leading  # "" a blank line
        return self.width, self.height

    def split(self, availWidth, availHeight):
        lines, n = self.lines(availWidth), int(availHeight // self.style.leading)
        if n < 1 or n >= len(lines):
            return []
        kw = dict(hang=self.hang, half=self.half)
        return [_Text("\n".join(lines[:n]), self.style, first=self.first, **kw),
                _Text("\n".join(lines[n:]), self.style, first=False, **kw)]

    def draw(self):
        for i, line in enumerate(self.lines(self.width)):
            if not line:
                continue
            x = self._x(self.width, i)
            para = paragraph(line, self.style, self.width - x)  # spanned as readable
            para.wrap(self.width - x, self.style.leading)
            para.drawOn(self.canv, x, self.height - (i + 1) * self.style.leading)


class _Dots(Flowable):
    """Dotted lines to write on by hand."""

    def __init__(self, count: int, leading: float = 24):
        super().__init__()
        self.count, self.leading = count, leading

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, self.count * self.leading
        return self.width, self.height

    def draw(self):
        self.canv.saveState()
        self.canv.setDash(1, 2.5)
        self.canv.setLineWidth(0.6)
        for i in range(self.count):
            y = self.height - (i + 1) * self.leading + 4
            self.canv.line(0, y, self.width, y)
        self.canv.restoreState()


class _Draft(Flowable):
    """A light grey diagonal "ร่าง" across the page it lands on (once a page)."""

    def wrap(self, availWidth, availHeight):
        return 0, 0

    def draw(self):
        canv = self.canv
        if getattr(canv, "_draft_page", None) == canv.getPageNumber():
            return
        canv._draft_page = canv.getPageNumber()
        x, y = canv.absolutePosition(0, 0)
        with readable(canv, DRAFT, BOLD, 150, A4[0] / 2 - x, A4[1] / 2 - y, 45):
            canv.setFillColor(DRAFT_GREY)
            canv.setFillAlpha(0.15)
            canv.setFont(BOLD, 150)
            canv.drawString(-stringWidth(DRAFT, BOLD, 150) / 2, -50, shapeStr(DRAFT, BOLD, 150))


class _Footer(_FooterCanvas):
    """register's page-counting canvas, its footer at this page's margins and readable."""

    def _footer(self, total: int) -> None:
        page = f"หน้า {to_thai_digits(self._pageNumber)} / {to_thai_digits(total)}"
        right = A4[0] - RIGHT - stringWidth(page, REGULAR, 9)
        self.saveState()
        self.setFillColor(black)
        for text, x in ((to_thai_digits(self._printed), LEFT), (page, right)):
            if text:
                draw_string(self, x, BOTTOM - 9 * mm, text, REGULAR, 9)
        self.restoreState()


def _dash(text: str) -> _Text:
    return _Text(f"- {text}", BODY, hang=stringWidth("- ", BODY.fontName, BODY.fontSize))


def _signature(name: str | None, capacity: str | None, date_text: str | None) -> list:
    """Rank over "(name)", capacity and date, centred in the right half; blanks dotted."""
    names = [n for n in (name or "").split("\n") if n.strip()] or [BLANK_NAME]
    return [Spacer(1, SIGN_GAP)] + [_Text(text, SIGN, half=True) for text in
                                    [*names, capacity or BLANK_CAPACITY, date_text or BLANK_DATE]]


# a box broken by a page is closed at the foot of the one and the head of the next
_CLOSE = [("LINEBELOW", (0, "splitlast"), (-1, "splitlast"), 0.8, black),
          ("LINEABOVE", (0, "splitfirst"), (-1, "splitfirst"), 0.8, black)]


def _doc_box(doc: SheetDocument, width: float, summary: bool) -> Table:
    """ที่, ลงวันที่, จาก, เรียน, เรื่อง, the receipts (and the summary) in a box."""
    fields = [("ที่", doc.number), ("ลงวันที่", doc.date_text), ("จาก", doc.sender),
              ("เรียน", doc.addressee), ("เรื่อง", doc.subject)]
    rows = [[_Text(label, LABEL), _Text(value or "-", CELL)] for label, value in fields]
    style = [("FONT", (0, 0), (-1, -1), REGULAR, 12), ("BOX", (0, 0), (-1, -1), 0.8, black),
             ("VALIGN", (0, 0), (-1, -1), "TOP"), *_CLOSE,
             ("LEFTPADDING", (0, 0), (-1, -1), PAD), ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
             ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
             ("TOPPADDING", (0, 0), (-1, 0), PAD), ("BOTTOMPADDING", (0, -1), (-1, -1), PAD)]
    if doc.receipts:
        style += [("LINEABOVE", (0, len(rows)), (-1, len(rows)), 0.4, RULE_GREY),
                  ("TOPPADDING", (0, len(rows)), (-1, len(rows)), PAD)]
        for receipt in doc.receipts:
            style.append(("SPAN", (0, len(rows)), (-1, len(rows))))
            rows.append([_Text(receipt, SMALL), ""])
    if summary and doc.summary and doc.summary.strip():
        # a row a line, so a long summary flows on to the next page inside the box
        room = width - LABEL_W - 2 * PAD - 1
        lines = wrap_lines(to_thai_digits(doc.summary), CELL.fontName, CELL.fontSize, room)
        style += [("LINEABOVE", (0, len(rows)), (-1, len(rows)), 0.4, RULE_GREY),
                  ("TOPPADDING", (0, len(rows)), (-1, len(rows)), PAD)]
        rows += [[_Text("สาระสำคัญ" if i == 0 else "", LABEL), _Text(line, CELL)]
                 for i, line in enumerate(lines)]
    return Table(rows, colWidths=[LABEL_W, width - LABEL_W], style=TableStyle(style))


def _block(block: SignedBlock) -> KeepTogether:
    """One minute: its lines, its orders under "สั่งการ", the signature; kept on one page."""
    parts: list[Flowable] = [_Draft()] if block.draft else []
    parts += [_dash(line) for line in block.lines]
    if block.orders:
        parts += [Spacer(1, 1 * mm), _Text("สั่งการ", HEAD)] + [_dash(o) for o in block.orders]
    parts += _signature(block.signer_name, block.capacity, block.date_text)
    if block.draft:
        parts.append(_Draft())  # on the next page too, if the block does not fit on one
    return KeepTogether(parts)


def _build(story: list, *, title: str, subject: str, printed_at: str) -> bytes:
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=LEFT, rightMargin=RIGHT, topMargin=TOP,
        bottomMargin=BOTTOM, title=title, subject=subject, creator="Saraban",
        initialFontName=REGULAR,
    ).build(story, canvasmaker=functools.partial(_Footer, printed=printed_at))
    return buffer.getvalue()


def _width() -> float:
    return A4[0] - LEFT - RIGHT - 12  # the frame's padding, 6 points a side


def endorsement_sheet_pdf(doc: SheetDocument, blocks: list[SignedBlock], *, printed_at: str,
                          blank_lines: int = 6) -> bytes:
    """ใบเกษียนหนังสือ: the document's box, each minute in order, then room for the next."""
    register_fonts()
    story: list[Flowable] = [_Text("ใบเกษียนหนังสือ", TITLE), Spacer(1, 2 * mm),
                             _doc_box(doc, _width(), summary=False), Spacer(1, 2 * mm)]
    for block in blocks:
        story += [_block(block), HRFlowable(width="100%", thickness=0.4, color=RULE_GREY,
                                            spaceBefore=3 * mm, spaceAfter=3 * mm)]
    story.append(KeepTogether([Spacer(1, 2 * mm), _Dots(blank_lines),
                               *_signature(None, None, None)]))
    return _build(story, title="ใบเกษียนหนังสือ", subject=doc.subject, printed_at=printed_at)


def routing_slip_pdf(doc: SheetDocument, *, to_text: str, purpose_text: str, from_text: str,
                     proposer: str | None, proposed_at: str | None, printed_at: str,
                     blank_lines: int = 8) -> bytes:
    """ใบปะหน้าเสนอ: to whom and for what, the document's box with its summary, who proposes
    it, then a ruled space for the commander's opinion or order."""
    register_fonts()
    width = _width()
    story: list[Flowable] = [_Text("ใบปะหน้าเสนอ", TITLE), Spacer(1, 2 * mm),
                             _Text(f"เรียน {to_text}", BODY), _Text(purpose_text, BODY),
                             Spacer(1, 2 * mm), _doc_box(doc, width, summary=True),
                             Spacer(1, 2 * mm), _Text(f"จาก {from_text}", BODY)]
    if proposer:
        story.append(_Text("ผู้เสนอ " + " ".join(proposer.split()), BODY))
    if proposed_at:
        story.append(_Text(f"เสนอเมื่อ {proposed_at}", BODY))
    # the commander's space: a row a dotted line, so that it can break if it must
    rows = [[_Text("ความเห็น / คำสั่งของผู้บังคับบัญชา", HEAD)]]
    rows += [[_Dots(1)] for _ in range(blank_lines)]
    rows.append([_signature(None, None, None)])
    box = Table(rows, colWidths=[width], style=TableStyle([
        ("FONT", (0, 0), (-1, -1), REGULAR, 12), ("BOX", (0, 0), (-1, -1), 0.8, black), *_CLOSE,
        ("LINEBELOW", (0, 0), (-1, 0), 0.4, black),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LEFTPADDING", (0, 0), (-1, -1), 2 * PAD), ("RIGHTPADDING", (0, 0), (-1, -1), 2 * PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, 1), PAD), ("BOTTOMPADDING", (0, -1), (-1, -1), 2 * PAD),
    ]))
    story += [Spacer(1, 4 * mm), KeepTogether([box])]
    return _build(story, title="ใบปะหน้าเสนอ", subject=doc.subject, printed_at=printed_at)
