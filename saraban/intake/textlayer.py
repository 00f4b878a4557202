"""A PDF's own text (its text layer, by poppler's ``pdftotext``) read as Tesseract's words
would be: a letter made on a computer and mailed as a PDF carries its text, exact, and needs
no OCR.

``text_page`` gives page 1 as an ``saraban.intake.ocr.OcrPage`` (words and lines with their
boxes in pixels at ``dpi``) for ``saraban.intake.fields.read_fields``; ``text_of`` every
page's text. Some PDF producers write Thai marks as the fonts' presentation forms (private
use U+F700-U+F71A: a tone or vowel shifted left or down); they are read back as the
standard characters. A page without text, or whose text is not credible (a scan with a few
stray characters, or mostly replacement or private-use characters: a font without its
ToUnicode map), gives None: it is read by OCR.

A word of pdftotext is a run of text between wide gaps (Thai has no spaces between words):
it is cut at its spaces, each part's box its share of the run by characters that take
room (marks above and below take none). The boxes are the letters' body, the middle of the
font's line box, as Tesseract's boxes are the ink: read_fields reads a space as a gap wider
than about half the body.
"""

from __future__ import annotations

import subprocess
import unicodedata
import xml.etree.ElementTree as ET

from saraban.intake.ocr import OcrPage, Word, make_line

TIMEOUT = 60
MIN_LETTERS = 20  # fewer Thai or Latin letters on the page: not a letter's text
# the Thai presentation forms (the PUA shifts of Adobe's and Microsoft's Thai fonts)
PRESENTATION = {
    0xF700: "\u0e10", 0xF701: "\u0e34", 0xF702: "\u0e35", 0xF703: "\u0e36",
    0xF704: "\u0e37", 0xF705: "\u0e48", 0xF706: "\u0e49", 0xF707: "\u0e4a",
    0xF708: "\u0e4b", 0xF709: "\u0e4c", 0xF70A: "\u0e48", 0xF70B: "\u0e49",
    0xF70C: "\u0e4a", 0xF70D: "\u0e4b", 0xF70E: "\u0e4c", 0xF70F: "\u0e0d",
    0xF710: "\u0e31", 0xF711: "\u0e4d", 0xF712: "\u0e47", 0xF713: "\u0e48",
    0xF714: "\u0e49", 0xF715: "\u0e4a", 0xF716: "\u0e4b", 0xF717: "\u0e4c",
    0xF718: "\u0e38", 0xF719: "\u0e39", 0xF71A: "\u0e3a",
}
BODY = (0.35, 0.72)  # the letters' body within the font's line box (top, bottom)


def standard(text: str) -> str:
    """Thai presentation forms made the standard characters."""
    return text.translate(PRESENTATION)


def credible(text: str) -> bool:
    """Whether a page's text reads as text: enough Thai or Latin letters, and most of its
    characters neither replacement nor private-use ones (a font without its Unicode map)."""
    chars = [c for c in text if not c.isspace()]
    letters = sum(1 for c in chars if "\u0e01" <= c <= "\u0e4e" or ("a" <= c.lower() <= "z"))
    bad = sum(1 for c in chars if c == "\ufffd" or unicodedata.category(c) in ("Co", "Cc"))
    return letters >= MIN_LETTERS and bad * 2 < len(chars)


def text_of(pdf: bytes) -> list[str]:
    """Every page's text (pdftotext), presentation forms made standard."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf,
                         capture_output=True, check=True, timeout=TIMEOUT).stdout
    pages = out.decode("utf-8", "replace").split("\f")
    if pages and not pages[-1].strip():
        pages.pop()  # after the last page's form feed
    return [standard(page) for page in pages]


def text_page(pdf: bytes, dpi: int = 300) -> OcrPage | None:
    """Page 1's words and lines from the text layer, in pixels at ``dpi``; None when the
    page has no credible text (or pdftotext cannot read the file)."""
    try:
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-bbox-layout", "-f", "1", "-l",
                              "1", "-", "-"], input=pdf, capture_output=True, check=True,
                             timeout=TIMEOUT).stdout
        root = ET.fromstring(out)
    except (OSError, subprocess.SubprocessError, ET.ParseError):
        return None
    page_el = next((el for el in root.iter() if _tag(el) == "page"), None)
    if page_el is None:
        return None
    scale = dpi / 72
    page = OcrPage(round(float(page_el.get("width", 0)) * scale),
                   round(float(page_el.get("height", 0)) * scale))
    rows: list[list[Word]] = []
    for line_el in (el for el in page_el.iter() if _tag(el) == "line"):
        words = [w for el in line_el if _tag(el) == "word"
                 for w in _words(standard(el.text or ""), _box(el, scale))]
        if words:
            rows.append(words)
    text = " ".join(w.text for row in rows for w in row)
    if not credible(text):
        return None
    for words in _same_baseline(rows):
        page.words.extend(words)
        page.lines.append(make_line(words))
    page.lines.sort(key=lambda line: (line.box[1], line.box[0]))
    return page


def _tag(el) -> str:
    return el.tag.rsplit("}", 1)[-1]


def _box(el, scale: float) -> tuple[float, float, float, float]:
    return tuple(float(el.get(k)) * scale for k in ("xMin", "yMin", "xMax", "yMax"))


def _width(c: str) -> int:
    return 0 if unicodedata.category(c) in ("Mn", "Me", "Cf") else 1


def _words(text: str, box) -> list[Word]:
    """A pdftotext word cut at its spaces, each part's box its share of the run."""
    x0, y0, x1, y1 = box
    total = sum(_width(c) for c in text) or 1
    step = (x1 - x0) / total
    top, bottom = round(y0 + (y1 - y0) * BODY[0]), round(y0 + (y1 - y0) * BODY[1])
    out, start, x, left = [], None, x0, x0
    for i, c in enumerate(text + " "):
        if c.isspace():
            if start is not None:
                out.append(Word(text[start:i], 1.0, (round(left), top, round(x), bottom)))
                start = None
        elif start is None:
            start, left = i, x
        x += step * _width(c)
    return out


def _same_baseline(rows: list[list[Word]]) -> list[list[Word]]:
    """pdftotext's lines of different blocks on one baseline (ที่ at the left, the agency at
    the right) made one line, as a scan's reader sees it."""
    rows = sorted(rows, key=lambda ws: (ws[0].box[1], ws[0].box[0]))
    merged: list[list[Word]] = []
    for words in rows:
        middle = (words[0].box[1] + words[0].box[3]) / 2
        for line in merged:
            top, bottom = line[0].box[1], line[0].box[3]
            if abs(middle - (top + bottom) / 2) < (bottom - top) * 0.5:
                line.extend(words)
                line.sort(key=lambda w: w.box[0])
                break
        else:
            merged.append(list(words))
    return merged
