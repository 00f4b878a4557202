"""Thai-aware line wrapping for reportlab.

reportlab breaks Thai (written without spaces between words) at arbitrary characters, and its
CJK wrap mode turns shaping off. Here lines are filled by measured width and broken only
between words found by pythainlp's newmm tokenizer; a word wider than the line is split only
between grapheme clusters. ``paragraph`` hands the lines to a shaped Paragraph as explicit
``<br/>`` breaks, so HarfBuzz places the vowels and tone marks.

Shaped glyphs read back lossy: HarfBuzz swaps in glyphs that have no character of their own
(a lowered tone mark, ปิ's shifted vowel, SARA AM split in two), so pdftotext gave "วันที" for
"วันที่" and "การปฏิบต ั ิ" for "การปฏิบัติ". Every shaped run this software draws therefore
goes through ``readable``: a marked-content span whose /ActualText is the run's real text,
which pdftotext, search engines and copy-and-paste read instead of the glyphs. ``paragraph``
spans each of its lines, ``draw_string`` a string drawn on a canvas.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import re
import unicodedata
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfbase.ttfonts import shapeStr
from reportlab.platypus import Paragraph

from saraban.thaidate import THAI_MONTHS, THAI_MONTHS_ABBR

__all__ = ["clusters", "draw_string", "paragraph", "readable", "wrap_lines"]

# Thai marks that attach to the preceding consonant (SARA AM is a spacing mark, but it belongs
# to its consonant as well), and the leading vowels that belong to the following consonant.
_MARKS = re.compile("[\u0e31\u0e33-\u0e3a\u0e47-\u0e4e\u200c\u200d]")
_LEADING = re.compile("[\u0e40-\u0e44]")
_SPACE = re.compile(r"\s+")
# no break after an opening bracket or a dot (ผบ.ตร.), before closing punctuation or ๆ, nor
# inside dates, times and abbreviations ("ฝอ.สงป.", which newmm cuts as ฝ|อ.สง|ป.)
_OPENING = tuple("([{\"'“‘<")
_CLOSING = tuple(")]}.,;:!?%\"'”’>…ๆฯ")
_D = "[0-9\u0e50-\u0e59]"
_MONTH = "|".join(re.escape(m) for m in sorted(THAI_MONTHS[1:] + THAI_MONTHS_ABBR[1:],
                                                key=len, reverse=True))
_KEEP = re.compile(rf"{_D}{{1,2}} (?:{_MONTH}) (?:พ\.ศ\. )?{_D}{{2,4}}"  # ๒๕ พ.ย. ๒๕๖๒
                   rf"|(?:พ\.ศ\.|ค\.ศ\.) {_D}{{4}}"  # พ.ศ. ๒๕๖๒
                   rf"|{_D}{{1,2}}[.:]{_D}{{2}} น\."  # ๑๐.๑๕ น.
                   r"|(?<![\u0e01-\u0e4e])(?:[\u0e01-\u0e4e]{1,6}\.)+")  # ฝอ.สงป.


@functools.lru_cache(maxsize=8192)
def _tokenize(text: str) -> tuple[str, ...]:
    """newmm words, whitespace kept; pythainlp (about 0.5 s to load) is imported on first use."""
    from pythainlp.tokenize import word_tokenize

    return tuple(word_tokenize(text, engine="newmm", keep_whitespace=True))


def _units(text: str) -> list[tuple[str, ...]]:
    """Tokens grouped into the pieces a line should not be broken inside; spaces stay apart."""
    inside = {i for m in _KEEP.finditer(text) for i in range(m.start() + 1, m.end())}
    units: list[tuple[str, ...]] = []
    pos = 0
    for token in _tokenize(text):
        prev = units[-1][-1] if units else ""
        if prev and (pos in inside or not prev.isspace() and not token.isspace() and (
                prev.endswith(_OPENING) or prev.endswith(".") or token.startswith(_CLOSING))):
            units[-1] += (token,)
        else:
            units.append((token,))
        pos += len(token)
    return units


def clusters(text: str) -> list[str]:
    """Grapheme clusters: a consonant is never parted from its marks or its leading vowel."""
    out: list[str] = []
    joins = False  # the next character belongs to the current cluster
    for ch in text:
        if out and (joins or _MARKS.match(ch) or unicodedata.combining(ch)):
            out[-1] += ch
        else:
            out.append(ch)
        joins = bool(_LEADING.match(ch))
    return out


def _fill(pieces: list, font: str, size: float, width: float, split) -> list[str]:
    """Fill lines greedily with ``pieces`` (strings, or tuples of tokens kept together when
    they fit); ``split`` cuts a piece wider than a line into smaller pieces."""
    lines: list[str] = []
    current, current_w = "", 0.0  # the line so far and its width, trailing space included
    for piece in pieces:
        text = "".join(piece)
        if text.isspace():
            if current and not current.endswith(" "):
                current += " "
                current_w += stringWidth(" ", font, size)
            continue
        w = stringWidth(text, font, size)
        if current_w + w <= width:
            current += text
            current_w += w
            continue
        if current.strip():
            lines.append(current.rstrip())
        if w <= width:
            current, current_w = text, w
            continue
        *full, current = split(piece) or [""]
        lines.extend(full)
        current_w = stringWidth(current, font, size)
    if current.strip():
        lines.append(current.rstrip())
    return lines


def _wrap_line(text: str, font: str, size: float, width: float) -> list[str]:
    def split_word(word: str) -> list[str]:  # between clusters; one too wide stays whole
        return _fill(clusters(word), font, size, width, lambda cluster: [cluster])

    def split_unit(unit: tuple[str, ...]) -> list[str]:
        # between its words when each fits a line, else (a lone "(" is no use) as one word
        if all(stringWidth(token, font, size) <= width for token in unit):
            return _fill(list(unit), font, size, width, split_word)
        return split_word("".join(unit))

    return _fill(_units(text), font, size, width, split_unit)


def wrap_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width`` points in ``font`` at ``size``, broken only
    between Thai words; "\\n" is a hard break, runs of spaces count as one space."""
    text = text.strip()
    if not text:
        return []
    lines: list[str] = []
    for hard in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        hard = _SPACE.sub(" ", hard).strip()
        lines.extend(_wrap_line(hard, font, size, width) if hard else [""])
    return lines


@contextlib.contextmanager
def readable(canv, text: str, font: str, size: float, x: float = 0.0, y: float = 0.0,
             angle: float = 0.0):
    """Draw at the origin, moved to (x, y) and turned by ``angle``, inside a span that
    pdftotext reads as ``text``. poppler places the span by the transform and the font in
    force at its end, so both are set outside it (reportlab sets a TrueType font only inside
    a text object)."""
    name = getFont(font).getSubsetInternalName(0, canv._doc)
    code = ("\ufeff" + text).encode("utf-16-be").hex()
    canv.saveState()
    if x or y:
        canv.translate(x, y)
    if angle:
        canv.rotate(angle)
    canv.addLiteral(f"BT {name} {size:g} Tf ET /Span <</ActualText <{code}>>> BDC")
    try:
        yield
    finally:
        canv.addLiteral("EMC")
        canv.restoreState()


def draw_string(canv, x: float, y: float, text: str, font: str, size: float, *,
                anchor: str = "left") -> float:
    """Draw ``text`` shaped, in ``font`` at ``size``, starting at (x, y) (``anchor``
    "right": ending there, "centre": centred on it), readable back; gives its width."""
    width = stringWidth(text, font, size)
    x -= {"left": 0.0, "right": width, "centre": width / 2}[anchor]
    with readable(canv, text, font, size, x, y):
        canv.setFont(font, size)
        canv.drawString(0, 0, shapeStr(text, font, size))
    return width


class _Paragraph(Paragraph):
    """A shaped Paragraph of explicit lines, each drawn inside a ``readable`` span of its own
    text. It remembers its line breaking: a Table wraps each cell several times at the same
    width (measuring, then again for every page split), and shaping is slow."""

    _memo: tuple | None = None
    _texts: tuple[str, ...] = ()  # the real text of each line

    def wrap(self, availWidth, availHeight):
        if self._memo is not None and self._memo[0] == availWidth:
            _, self.width, self.height, self.blPara = self._memo
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        self._memo = (availWidth, self.width, self.height, self.blPara)
        return size

    def split(self, availWidth, availHeight):
        lines = len(self.blPara.lines) if hasattr(self, "blPara") else None
        parts = super().split(availWidth, availHeight)
        if len(parts) != 2:
            return parts
        first = len(parts[0].blPara.lines)  # the lines reportlab keeps before the break
        if lines != len(self._texts):  # broken again by reportlab: the text goes with the
            parts[0]._texts, parts[1]._texts = self._texts, ()  # first part, read once
            return parts
        # both parts made again from their own lines: reportlab's second part would begin
        # with the line break it was split at (a blank line) and its text would not match
        return [_lines_paragraph(self._texts[:first], self.style),
                _lines_paragraph(self._texts[first:], parts[1].style)]

    def drawPara(self, debug=0):
        lines, texts = self.blPara.lines, self._texts
        font, size = self.style.fontName, self.style.fontSize
        if len(lines) != len(texts):  # reportlab broke a line again: span the whole text
            with readable(self.canv, " ".join(texts), font, size):
                super().drawPara(debug)
            return
        # each line as a paragraph of one line, its top where the line's top is
        leading = self.style.leading
        for i, (line, text) in enumerate(zip(lines, texts, strict=True)):
            one = copy.copy(self)
            one.blPara = copy.copy(self.blPara)
            one.blPara.lines = [line]
            one.height = self.height - i * leading
            # a justified line stays justified: only the paragraph's last line is not
            one._JustifyLast = i < len(lines) - 1 or getattr(self, "_JustifyLast", False)
            with readable(self.canv, text, font, size):
                Paragraph.drawPara(one, debug)


def _shaped(style: ParagraphStyle) -> ParagraphStyle:
    """The style with HarfBuzz shaping on and reportlab's own long-word splitting off."""
    if getattr(style, "shaping", 0) and not getattr(style, "splitLongWords", 1):
        return style
    return ParagraphStyle(f"{style.name}-thai", parent=style, shaping=1, splitLongWords=0)


def paragraph(text: str, style: ParagraphStyle, width: float) -> Paragraph:
    """A shaped Paragraph of ``text`` (plain text, not markup) wrapped to ``width`` points."""
    style = _shaped(style)
    if not text:
        return _Paragraph("", style)
    return _lines_paragraph(wrap_lines(text, style.fontName, style.fontSize, width), style)


def _lines_paragraph(lines, style: ParagraphStyle) -> _Paragraph:
    made = _Paragraph("<br/>".join(escape(line) for line in lines), style)
    made._texts = tuple(lines)
    return made
