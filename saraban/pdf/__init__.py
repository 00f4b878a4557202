"""PDF output in a Thai government font (Sarabun by default), shaped with HarfBuzz."""

from __future__ import annotations

import re
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
REGULAR, BOLD = "Sarabun", "Sarabun-Bold"
_registered: tuple[str, str] | None = None
_UNI = re.compile(r"uni((?:[0-9A-F]{4})+)(?:\.|$)")


class _ThaiFont(TTFont):
    """A TrueType font whose ToUnicode map also reads the glyphs HarfBuzz substitutes.

    reportlab gives such a glyph (a lowered tone mark "uni0E48.small", nikhahit with mai tho
    "uni0E4D0E49") a private-use code and maps it to that code, so a reader that ignores the
    /ActualText spans (pypdf, PDFBox) gets "วันที\ue000". The glyph's name says which
    characters it draws: the map gives those instead (SARA AM still reads as nikhahit and
    SARA AA, in the glyphs' order: the spans alone carry the text exactly)."""

    def addObjects(self, doc):
        subsets = list(self.state[doc].subsets) if doc in self.state else []
        super().addObjects(doc)  # (it forgets the document's subsets)
        private = getattr(self, "_TTFont__hbUnis", None) or {}  # glyph name -> code point
        real = {code: "".join(chr(int(m[1][i:i + 4], 16)) for i in range(0, len(m[1]), 4))
                for name, code in private.items() if (m := _UNI.match(name))}
        for n, subset in enumerate(subsets):
            if not real.keys() & set(subset):
                continue
            base = (SUBSETN(n) + b"+" + self.face.name + self.face.subfontNameX).decode("pdfdoc")
            stream = doc.idToObject.get("toUnicodeCMap:" + base)
            if stream is None:
                continue
            lines = stream.content.split("\n")
            for i, code in enumerate(subset):
                if code in real:
                    utf16 = real[code].encode("utf-16-be").hex().upper()
                    lines[lines.index(f"<{i:02X}> <{code:04X}>")] = f"<{i:02X}> <{utf16}>"
            stream.content = "\n".join(lines)


def register_fonts(font_path: str | None = None, bold_path: str | None = None) -> None:
    """Register the regular and bold fonts (again only when the files change).
    ``font_path`` lets an agency use its own licensed TH Sarabun New (SARABAN_FONT_PATH)."""
    global _registered
    regular = str(font_path or FONT_DIR / "Sarabun-Regular.ttf")
    bold = str(bold_path or font_path or FONT_DIR / "Sarabun-Bold.ttf")
    if _registered == (regular, bold):
        return
    pdfmetrics.registerFont(_ThaiFont(REGULAR, regular))
    pdfmetrics.registerFont(_ThaiFont(BOLD, bold))
    _registered = (regular, bold)


def pdf_response(data: bytes, filename: str):
    """A PDF answer shown in the browser, named for saving."""
    from flask import Response

    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})
