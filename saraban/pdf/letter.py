"""Letters on the regulation's forms (ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ, ภาคผนวก).

``render_letter`` prints a draft on A4 in the layout of its form: หนังสือภายนอก (แบบที่ ๑),
บันทึกข้อความ (แบบที่ ๒), หนังสือประทับตรา (แบบที่ ๓), คำสั่ง (แบบที่ ๔), ประกาศ (แบบที่ ๗),
หนังสือรับรอง (แบบที่ ๑๐) and รายงานการประชุม (แบบที่ ๑๑). The body is set at 16 pt (Sarabun
has TH Sarabun New's size at the same point size), wrapped between Thai words; a paragraph's
first line is indented 2.5 cm and its next lines go back to the left margin, as typists do;
numbered items (๑., ๑.๑) step in by a centimetre a level. Page margins: 3 cm left, 2 cm right,
the emblem 1.5 cm from the top, 2 cm at the bottom; later pages carry "- ๒ -" at the top and
the first word of the next page ("/word...") at the foot of the page before.

The number and the date are given at dispatch, after the letter is signed: until then the
places for them are empty, read-only form fields named ``number`` and ``date``, which the
registry fills in an incremental update (saraban.signing.fill_and_certify). The fixed part of
ที่ (the agency's letter code and the unit's code: "ที่ ตช ๐๐๓๓.๑๒/") is printed; the field
holds what follows the slash. ``places`` gives where the number, the date, the signature and
the emblem are, in PDF points, for the signing step and the tests.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from saraban.pdf import BOLD, REGULAR, register_fonts
from saraban.pdf.thaiwrap import _tokenize, draw_string, wrap_lines
from saraban.thaidate import format_date, to_thai_digits

PAGE_W, PAGE_H = A4
LEFT, RIGHT, BOTTOM = 3 * cm, 2 * cm, 2 * cm
EMBLEM_TOP = 1.5 * cm  # from the top edge of the paper
LATER_TOP = 2.5 * cm  # the first line of a later page
SIZE, HEAD_SIZE = 16, 20  # body; the memo's printed labels (ส่วนราชการ, ที่, วันที่, เรื่อง)
LEADING = 21.0
INDENT = 2.5 * cm  # a paragraph's first line (ย่อหน้า)
STEP = 1.0 * cm  # each level of numbered items
TEXT_W = PAGE_W - LEFT - RIGHT
CENTRE = PAGE_W / 2
DATE_X = CENTRE  # the date, the closing and the signature begin at the middle of the paper
MARK_RED = Color(0.8, 0.05, 0.05)

KINDS = ("external", "memo", "stamped", "order", "announcement", "certificate", "minutes")
KIND_NAMES = {
    "external": "หนังสือภายนอก", "memo": "บันทึกข้อความ", "stamped": "หนังสือประทับตรา",
    "order": "คำสั่ง", "announcement": "ประกาศ", "certificate": "หนังสือรับรอง",
    "minutes": "รายงานการประชุม",
}
EMBLEM = {"external": 3 * cm, "stamped": 3 * cm, "order": 3 * cm, "announcement": 3 * cm,
          "certificate": 3 * cm, "memo": 1.5 * cm}
NUMBERED = ("external", "memo", "stamped", "order", "certificate")  # have ที่
DATED = ("external", "memo", "stamped", "order", "announcement", "certificate")
DATE_WORDS = {"order": "สั่ง ณ วันที่ ", "announcement": "ประกาศ ณ วันที่ ",
              "certificate": "ให้ไว้ ณ วันที่ "}
_ITEM = re.compile(r"^([0-9๐-๙]+(?:\.[0-9๐-๙]+)*)\.?\s")
_FIELD_W = {"number": 3.2 * cm, "date": 5.5 * cm}


@dataclass(frozen=True)
class Place:
    """A rectangle on a page, in PDF points from the page's bottom left."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass
class RenderedLetter:
    pdf: bytes
    places: dict[str, Place] = field(default_factory=dict)
    pages: int = 1


def _lines_of(value) -> list[str]:
    """A field's value as lines: a list, or text with one item a line."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [" ".join(str(v).split()) for v in value if str(v).strip()]
    return [" ".join(line.split()) for line in str(value).splitlines() if line.strip()]


def _text(value) -> str:
    return " ".join(str(value or "").split())


def wrap(text: str, first_width: float, width: float, font: str = REGULAR,
         size: float = SIZE) -> list[str]:
    """Lines of ``text``: the first no wider than ``first_width``, the others ``width``."""
    text = _text(text)
    if not text:
        return []
    first = wrap_lines(text, font, size, first_width)
    if len(first) <= 1 or first_width == width or not text.startswith(first[0]):
        return first if first_width <= width else wrap_lines(text, font, size, width)
    rest = text[len(first[0]):].lstrip()
    return [first[0], *wrap_lines(rest, font, size, width)]


def emblem_reader(path: str | None):
    """The agency's emblem as reportlab draws it, or None (the place stays empty)."""
    if not path:
        return None
    from reportlab.lib.utils import ImageReader

    return ImageReader(path)


def check_emblem(path: str | None) -> None:
    """SARABAN_GARUDA_PATH must be an image reportlab can draw (PNG or JPEG)."""
    from saraban.config import ConfigError

    if not path:
        return
    if not Path(path).is_file():
        raise ConfigError(f"SARABAN_GARUDA_PATH: no such file {path}")
    try:
        width, height = emblem_reader(path).getSize()
    except Exception as error:  # Pillow's and reportlab's errors alike
        raise ConfigError(f"SARABAN_GARUDA_PATH: {path} is not a PNG or JPEG image: "
                          f"{error}") from None
    if not width or not height:
        raise ConfigError(f"SARABAN_GARUDA_PATH: {path} is an empty image")


class _Page:
    """Writes lines down the pages, breaking pages as the regulation's typists do."""

    def __init__(self, canvas: Canvas, secrecy: str):
        self.c = canvas
        self.page = 0
        self.y = PAGE_H - EMBLEM_TOP
        self.secrecy = secrecy
        self._marks()

    def _marks(self) -> None:
        if not self.secrecy:
            return
        for y in (PAGE_H - 1.0 * cm, 0.8 * cm):  # ชั้นความลับ at the top and the foot
            self.c.setFillColor(MARK_RED)
            draw_string(self.c, CENTRE, y, self.secrecy, BOLD, 22, anchor="centre")
            self.c.setFillColor(black)

    def room(self, lines: int = 1) -> bool:
        return self.y - (lines - 1) * LEADING >= BOTTOM + LEADING

    def next_page(self, next_text: str = "") -> None:
        words = [w for w in _tokenize(next_text) if w.strip()] if next_text else []
        if words:  # คำต่อ: the first word of the next page, at the foot of this one
            draw_string(self.c, PAGE_W - RIGHT, BOTTOM, f"/{words[0]}...", REGULAR, SIZE,
                        anchor="right")
        self.c.showPage()
        self.page += 1
        self._marks()
        draw_string(self.c, CENTRE, PAGE_H - 1.5 * cm - SIZE * 0.8,
                    f"- {to_thai_digits(self.page + 1)} -", REGULAR, SIZE, anchor="centre")
        self.y = PAGE_H - LATER_TOP - SIZE

    def line(self, text: str, x: float, *, font: str = REGULAR, size: float = SIZE,
             anchor: str = "left", keep: int = 1) -> float:
        """Draw one line at the next baseline (a new page first if it does not fit, or if
        the ``keep`` lines that belong together do not); gives the baseline."""
        if not self.room(keep):
            self.next_page(text)
        y = self.y
        if text:
            draw_string(self.c, x, y, text, font, size, anchor=anchor)
        self.y -= LEADING
        return y

    def gap(self, fraction: float = 1.0) -> None:
        self.y -= LEADING * fraction

    def lines(self, lines: list[str], first_x: float, x: float, **kw) -> None:
        for i, text in enumerate(lines):
            self.line(text, first_x if i == 0 else x, **kw)


class _Letter:
    def __init__(self, kind: str, fields: dict, body: str, letterhead: dict, *,
                 number: str | None, date, garuda_path: str | None):
        self.kind, self.f, self.body, self.head = kind, fields, body or "", letterhead
        self.number = to_thai_digits(number) if number else None
        self.date_text = format_date(date, "long") if date else None
        self.garuda = emblem_reader(garuda_path)
        self.buffer = io.BytesIO()
        self.c = Canvas(self.buffer, pagesize=A4, pageCompression=1)
        self.c.setTitle(_text(fields.get("subject")) or KIND_NAMES[kind])
        self.c.setAuthor(letterhead.get("agency_name") or "")
        self.c.setCreator("Saraban")
        self.p = _Page(self.c, _text(fields.get("secrecy")))
        self.places: dict[str, Place] = {}

    # pieces ------------------------------------------------------------------
    def _place(self, name: str, x1, y1, x2, y2) -> None:
        self.places[name] = Place(self.p.page, round(x1, 2), round(y1, 2), round(x2, 2),
                                  round(y2, 2))

    def _emblem(self, size: float, x: float) -> float:
        """The emblem (its place kept when there is no image); gives its bottom."""
        top = PAGE_H - EMBLEM_TOP
        if self.garuda is not None:
            w, h = self.garuda.getSize()
            width = size * w / h
            self.c.drawImage(self.garuda, x + (size - width) / 2, top - size, width, size,
                             mask="auto")
        self._place("emblem", x, top - size, x + size, top)
        return top - size

    def _field(self, name: str, x: float, y: float, value: str | None) -> float:
        """The number or the date at (x, y): drawn when known, else an empty read-only
        field for the registry; gives the x after it."""
        width = _FIELD_W[name]
        if value:
            width = max(width, stringWidth(value, REGULAR, SIZE) + 2)
            draw_string(self.c, x, y, value, REGULAR, SIZE)
        else:
            self.c.acroForm.textfield(
                name=name, x=x, y=y - 5, width=width, height=LEADING, value="",
                fontName="Helvetica", fontSize=SIZE, borderWidth=0, borderColor=None,
                fillColor=None, textColor=black, fieldFlags="readOnly", forceBorder=False,
                tooltip={"number": "เลขที่หนังสือ", "date": "วันที่"}[name])
        self._place(name, x, y - 5, x + width, y - 5 + LEADING)
        return x + width

    def _marks_urgency(self, right: bool = False) -> None:
        """ชั้นความเร็ว (ด่วนที่สุด) in red at the top, left of the emblem (a memo's: right)."""
        urgency = _text(self.f.get("urgency"))
        if urgency:
            self.c.setFillColor(MARK_RED)
            draw_string(self.c, PAGE_W - RIGHT if right else LEFT, PAGE_H - EMBLEM_TOP - 26,
                        urgency, BOLD, 26, anchor="right" if right else "left")
            self.c.setFillColor(black)

    def _labelled(self, label: str, value, *, font: str = REGULAR, hang: float | None = None,
                  label_font: str = REGULAR, label_size: float = SIZE) -> None:
        """"เรื่อง  value", its next lines under the value (a hanging indent)."""
        text = _text(value)
        if not text:
            return
        label_w = stringWidth(label, label_font, label_size) + stringWidth("  ", REGULAR, SIZE)
        hang = hang if hang is not None else label_w
        lines = wrap(text, TEXT_W - hang, TEXT_W - hang, font)
        y = self.p.line("", LEFT, keep=min(len(lines), 2))
        draw_string(self.c, LEFT, y, label, label_font, label_size)
        draw_string(self.c, LEFT + hang, y, lines[0], font, SIZE)
        for line in lines[1:]:
            self.p.line(line, LEFT + hang, font=font)

    def _list(self, label: str, items: list[str]) -> None:
        """อ้างถึง / สิ่งที่ส่งมาด้วย: one item, or ๑. ๒. ... under each other."""
        if not items:
            return
        hang = stringWidth("สิ่งที่ส่งมาด้วย", REGULAR, SIZE) + stringWidth("  ", REGULAR, SIZE)
        if len(items) > 1:
            items = [f"{to_thai_digits(i)}. {item}" for i, item in enumerate(items, 1)]
        for i, item in enumerate(items):
            lines = wrap(item, TEXT_W - hang, TEXT_W - hang)
            y = self.p.line("", LEFT, keep=min(len(lines), 2))
            if i == 0:
                draw_string(self.c, LEFT, y, label, REGULAR, SIZE)
            draw_string(self.c, LEFT + hang, y, lines[0], REGULAR, SIZE)
            for line in lines[1:]:
                self.p.line(line, LEFT + hang)

    def _paragraphs(self, text: str) -> None:
        """The body: a line of input is a paragraph; "๑." "๑.๑" are numbered items, each
        level a step further in; a paragraph or a "-" item after one is under it, at the
        next step, until a blank line (a small gap) or the closing sentence ("จึง...")."""
        level = 0
        for raw in (text or "").replace("\r\n", "\n").split("\n"):
            para = _text(raw)
            if not para:
                self.p.gap(0.5)
                level = 0
                continue
            match = _ITEM.match(para)
            if match:
                level = match.group(1).count(".") + 1
                indent = INDENT + (level - 1) * STEP
            else:
                if para.startswith("จึง"):
                    level = 0
                indent = INDENT + level * STEP
            lines = wrap(para, TEXT_W - indent, TEXT_W)
            for i, line in enumerate(lines):
                self.p.line(line, LEFT + (indent if i == 0 else 0))

    def _signature(self, *, closing: str | None = None, lines_before: float = 1.0) -> None:
        """คำลงท้าย, the place to sign, (name) and the position, centred under the closing."""
        name = _text(self.f.get("signer_name"))
        positions = _lines_of(self.f.get("signer_position"))
        rank = _text(self.f.get("signer_rank"))
        closing_w = stringWidth(closing, REGULAR, SIZE) if closing else 0
        centre = DATE_X + (closing_w / 2 if closing else 2.5 * cm)
        self.p.gap(lines_before)
        need = (1 if closing else 0) + 3 + 1 + len(positions)
        if not self.p.room(need):
            self.p.next_page(closing or name)
        if closing:
            self.p.line(closing, DATE_X)
        top = self.p.y + LEADING * 0.8
        self.p.gap(2)  # the signature's lines
        sign_y = self.p.line("", DATE_X)
        bottom = sign_y - 4
        self._place("signature", centre - 3.5 * cm, bottom, centre + 3.5 * cm, top)
        if rank:  # ยศ, before the signature on its line
            draw_string(self.c, centre - 3.6 * cm, sign_y, rank, REGULAR, SIZE, anchor="right")
        if name:
            y = self.p.line(f"({name})", centre, anchor="centre")
            self._place("name", centre - stringWidth(f"({name})", REGULAR, SIZE) / 2, y - 5,
                        centre + stringWidth(f"({name})", REGULAR, SIZE) / 2, y + SIZE)
        for position in positions:
            self.p.line(position, centre, anchor="centre")

    def _owner(self) -> None:
        """ส่วนราชการเจ้าของเรื่อง, โทร., โทรสาร, ไปรษณีย์อิเล็กทรอนิกส์, at the left."""
        owner = _lines_of(self.f.get("owner_unit")) or _lines_of(self.head.get("owner_unit_line"))
        telephone = _text(self.f.get("telephone") or self.head.get("telephone"))
        fax = _text(self.f.get("fax") or self.head.get("fax"))
        email = _text(self.f.get("email") or self.head.get("email"))
        lines = owner + [f"โทร. {telephone}"] * bool(telephone) + [f"โทรสาร {fax}"] * bool(fax)
        lines += [f"ไปรษณีย์อิเล็กทรอนิกส์ {email}"] * bool(email)
        if not lines:
            return
        self.p.gap(1.5)
        if not self.p.room(len(lines)):
            self.p.next_page(lines[0])
        for line in lines:
            self.p.line(line, LEFT)

    def _number_prefix(self) -> str:
        code = " ".join(part for part in (self.head.get("letter_code"),
                                          to_thai_digits(self.head.get("doc_code") or ""))
                        if part)
        if self.kind == "memo":  # inside the agency: the unit's code alone, as the seed's
            code = to_thai_digits(self.head.get("doc_code") or "")
        return f"ที่ {code}/" if code else "ที่ "

    def _agency_block(self, y: float) -> float:
        """The agency and its address at the right, from baseline ``y``; gives the last."""
        lines = [line for line in [_text(self.f.get("agency_name")
                                         or self.head.get("agency_name"))]
                 + _lines_of(self.f.get("address") or self.head.get("address_lines")) if line]
        if not lines:
            return y
        widest = max(stringWidth(line, REGULAR, SIZE) for line in lines)
        x = max(CENTRE + 0.5 * cm, min(CENTRE + 2.5 * cm, PAGE_W - RIGHT - widest))
        lines = [part for line in lines for part in wrap(line, PAGE_W - RIGHT - x,
                                                           PAGE_W - RIGHT - x)]
        for i, line in enumerate(lines):
            draw_string(self.c, x, y - i * LEADING, line, REGULAR, SIZE)
        return y - (len(lines) - 1) * LEADING

    def _date_line(self, words: str = "", x: float = DATE_X, anchor_centre: bool = False):
        y = self.p.line("", x)
        if anchor_centre:
            width = stringWidth(words, REGULAR, SIZE) + _FIELD_W["date"]
            x = CENTRE - width / 2
        if words:
            x += draw_string(self.c, x, y, words, REGULAR, SIZE)
        self._field("date", x, y, self.date_text)

    # forms -------------------------------------------------------------------
    def external(self, stamped: bool = False, certificate: bool = False) -> None:
        bottom = self._emblem(EMBLEM["external"], CENTRE - EMBLEM["external"] / 2)
        self._marks_urgency()
        y = bottom - SIZE  # ที่ just under the emblem's foot, the agency at the right
        prefix = self._number_prefix()
        x = LEFT + draw_string(self.c, LEFT, y, prefix, REGULAR, SIZE)
        self._field("number", x, y, self.number)
        if not stamped:
            y = self._agency_block(y)
        self.p.y = y - LEADING
        if certificate:
            self.p.gap()
            self.p.line("หนังสือรับรอง", CENTRE, font=BOLD, size=HEAD_SIZE, anchor="centre")
            self.p.gap(0.5)
            self._paragraphs(self.body)
            self.p.gap(0.5)
            self._date_line(DATE_WORDS["certificate"])
            self._signature(lines_before=0.5)
            return
        if not stamped:
            self.p.gap(0.5)
            self._date_line()
            self.p.gap(0.5)
            self._labelled("เรื่อง", self.f.get("subject"))
            self._labelled("เรียน", self.f.get("to"))
            self._list("อ้างถึง", _lines_of(self.f.get("references")))
            self._list("สิ่งที่ส่งมาด้วย", _lines_of(self.f.get("enclosures")))
        else:
            self.p.gap()
            self._labelled("ถึง", self.f.get("to"))
        self.p.gap(0.5)
        self._paragraphs(self.body)
        if stamped:  # the agency under the body, its seal and the initials over it
            self.p.gap()
            agency = _text(self.f.get("agency_name") or self.head.get("agency_name"))
            top = self.p.y + LEADING
            y = self.p.line(agency, CENTRE, anchor="centre")
            self._place("signature", CENTRE - 3.5 * cm, y - 2 * LEADING, CENTRE + 3.5 * cm, top)
            self.p.gap(1.5)
            self._date_line(anchor_centre=True)
        else:
            self._signature(closing=_text(self.f.get("closing")) or "ขอแสดงความนับถือ")
        self._owner()

    def memo(self) -> None:
        size = EMBLEM["memo"]
        bottom = self._emblem(size, LEFT)
        self._marks_urgency(right=True)
        draw_string(self.c, CENTRE, bottom + 6, "บันทึกข้อความ", BOLD, 29, anchor="centre")
        self.p.y = bottom - LEADING - 6
        unit = _text(self.f.get("unit")) or " ".join(
            part for part in (_text(self.head.get("unit_name")),
                              f"โทร. {self.head['telephone']}" if self.head.get("telephone")
                              else "") if part)
        self._labelled("ส่วนราชการ", unit, label_font=BOLD, label_size=HEAD_SIZE)
        y = self.p.line("", LEFT)
        x = LEFT + draw_string(self.c, LEFT, y, "ที่ ", BOLD, HEAD_SIZE)
        prefix = self._number_prefix()[len("ที่ "):]
        x += draw_string(self.c, x, y, prefix, REGULAR, SIZE)
        self._field("number", x, y, self.number)
        x = CENTRE + draw_string(self.c, CENTRE, y, "วันที่ ", BOLD, HEAD_SIZE)
        self._field("date", x, y, self.date_text)
        self._labelled("เรื่อง", self.f.get("subject"), label_font=BOLD, label_size=HEAD_SIZE)
        self.c.setLineWidth(0.6)
        self.c.line(LEFT, self.p.y + LEADING - 6, PAGE_W - RIGHT, self.p.y + LEADING - 6)
        self.p.gap(0.5)
        self._labelled("เรียน", self.f.get("to"))
        self._list("อ้างถึง", _lines_of(self.f.get("references")))
        self._list("สิ่งที่ส่งมาด้วย", _lines_of(self.f.get("enclosures")))
        self.p.gap(0.5)
        self._paragraphs(self.body)
        self._signature()

    def _titled(self, title: str, subject_line: str | None, number: bool) -> None:
        bottom = self._emblem(EMBLEM["order"], CENTRE - EMBLEM["order"] / 2)
        self.p.y = bottom - LEADING
        self.p.line(title, CENTRE, font=BOLD, size=HEAD_SIZE, anchor="centre")
        if number:
            y = self.p.line("", LEFT)
            width = stringWidth("ที่ ", REGULAR, SIZE) + _FIELD_W["number"]
            x = CENTRE - width / 2 + draw_string(self.c, CENTRE - width / 2, y, "ที่ ",
                                                 REGULAR, SIZE)
            self._field("number", x, y, self.number)
        if subject_line:
            for line in wrap(subject_line, TEXT_W, TEXT_W):
                self.p.line(line, CENTRE, anchor="centre")
        rule_y = self.p.y + LEADING * 0.4
        self.c.setLineWidth(0.6)
        self.c.line(CENTRE - 2 * cm, rule_y, CENTRE + 2 * cm, rule_y)
        self.p.gap(0.7)

    def order(self) -> None:
        agency = _text(self.f.get("agency_name") or self.head.get("agency_name"))
        subject = _text(self.f.get("subject"))
        self._titled(f"คำสั่ง{agency}", f"เรื่อง {subject}" if subject else None, True)
        self._paragraphs(self.body)
        effective = _text(self.f.get("effective"))
        if effective:
            self.p.line(f"ทั้งนี้ ตั้งแต่{effective}เป็นต้นไป", LEFT + INDENT)
        self.p.gap(0.5)
        self._date_line(DATE_WORDS["order"], x=DATE_X - 1.5 * cm)
        self._signature(lines_before=0.5)

    def announcement(self) -> None:
        agency = _text(self.f.get("agency_name") or self.head.get("agency_name"))
        subject = _text(self.f.get("subject"))
        self._titled(f"ประกาศ{agency}", f"เรื่อง {subject}" if subject else None, False)
        self._paragraphs(self.body)
        self.p.gap(0.5)
        self._date_line(DATE_WORDS["announcement"], x=DATE_X - 1.5 * cm)
        self._signature(lines_before=0.5)

    def minutes(self) -> None:
        self.p.y = PAGE_H - LATER_TOP - SIZE
        title = _text(self.f.get("title") or self.f.get("subject"))
        self.p.line(f"รายงานการประชุม{title}", CENTRE, font=BOLD, size=HEAD_SIZE,
                    anchor="centre")
        for word, key in (("ครั้งที่ ", "meeting_no"), ("เมื่อ", "held_on"), ("ณ ", "held_at")):
            value = _text(self.f.get(key))
            if value:
                self.p.line(f"{word}{to_thai_digits(value)}", CENTRE, anchor="centre")
        rule_y = self.p.y + LEADING * 0.4
        self.c.line(CENTRE - 2 * cm, rule_y, CENTRE + 2 * cm, rule_y)
        self.p.gap(0.5)
        for label, key in (("ผู้มาประชุม", "present"), ("ผู้ไม่มาประชุม", "absent"),
                           ("ผู้เข้าร่วมประชุม", "attending")):
            people = _lines_of(self.f.get(key))
            if not people:
                continue
            self.p.line(label, LEFT, font=BOLD, keep=2)
            for i, person in enumerate(people, 1):
                self.p.line(f"{to_thai_digits(i)}. {person}", LEFT + INDENT)
        started = _text(self.f.get("started_at"))
        if started:
            self.p.line(f"เริ่มประชุมเวลา {to_thai_digits(started)}", LEFT)
        self.p.gap(0.3)
        self._paragraphs(self.body)
        ended = _text(self.f.get("ended_at"))
        if ended:
            self.p.gap(0.3)
            self.p.line(f"เลิกประชุมเวลา {to_thai_digits(ended)}", LEFT)
        self._signature()
        self.p.line("ผู้จดรายงานการประชุม", DATE_X + 2.5 * cm, anchor="centre")

    def render(self) -> RenderedLetter:
        if self.kind == "external":
            self.external()
        elif self.kind == "stamped":
            self.external(stamped=True)
        elif self.kind == "certificate":
            self.external(certificate=True)
        else:
            getattr(self, self.kind)()
        pages = self.p.page + 1
        self.c.showPage()
        self.c.save()
        return RenderedLetter(self.buffer.getvalue(), self.places, pages)


def render_letter(kind: str, fields: dict, body: str, letterhead: dict, *,
                  number: str | None = None, date=None,
                  garuda_path: str | None = None,
                  font_path: str | None = None) -> RenderedLetter:
    """The letter of ``kind`` (one of KINDS) as a PDF on its form.

    ``fields``: subject, to (เรียน or ถึง), references and enclosures (lists or one item a
    line), closing, signer_rank, signer_name, signer_position (one line a line), owner_unit,
    telephone, fax, email, urgency, secrecy; the memo's unit (ส่วนราชการ); the order's
    effective; the minutes' title, meeting_no, held_on, held_at, present, absent, attending,
    started_at, ended_at. ``letterhead``: saraban.units.letterhead.letterhead_for.
    ``number`` (what follows "ที่ <code>/") and ``date``: None leaves the form fields empty
    for the registry. ``garuda_path``: by default the application's SARABAN_GARUDA_PATH;
    ``font_path`` (a regular TTF): by default the application's SARABAN_FONT_PATH."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if garuda_path is None:
        from flask import current_app, has_app_context

        garuda_path = current_app.config.get("GARUDA_PATH") if has_app_context() else None
    register_fonts(font_path)
    return _Letter(kind, fields or {}, body, letterhead or {}, number=number, date=date,
                   garuda_path=garuda_path).render()
