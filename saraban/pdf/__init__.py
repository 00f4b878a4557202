"""PDF output in a Thai government font (Sarabun by default), shaped with HarfBuzz."""

from __future__ import annotations

import re
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import SUBSETN, TTFont

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
REGULAR, BOLD = "Sarabun", "Sarabun-Bold"
_registered: tuple[str | None] | None = None  # (the FONT_PATH setting,) registered
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


def font_files(font_path: str | None) -> tuple[str, str]:
    """The regular and bold font files for ``font_path`` (SARABAN_FONT_PATH, a regular TTF):
    the bold is the file beside it named with "Bold" instead of "Regular" or after its name
    ("THSarabunNew.ttf" -> "THSarabunNew Bold.ttf", "Agency-Regular.ttf" ->
    "Agency-Bold.ttf"); without one the regular draws the bold text too. None: the bundled
    Sarabun. A missing or unreadable file, or one that is not a TrueType font, raises
    ConfigError, so that the installation refuses to start instead of failing at a PDF."""
    from saraban.config import ConfigError

    if not font_path:
        return str(FONT_DIR / "Sarabun-Regular.ttf"), str(FONT_DIR / "Sarabun-Bold.ttf")
    regular = Path(font_path)
    base = re.sub(r"[-_ ]?Regular$", "", regular.stem, flags=re.IGNORECASE)
    bold = next((candidate for sep in ("-", " ", "_", "")
                 if (candidate := regular.with_name(f"{base}{sep}Bold{regular.suffix}"))
                 .is_file() and candidate != regular), regular)
    for path in dict.fromkeys((regular, bold)):
        try:
            TTFont("saraban-check", str(path))
        except OSError as error:
            raise ConfigError(f"SARABAN_FONT_PATH: cannot read the font {path}: "
                              f"{error.strerror or error}") from None
        except Exception as error:  # reportlab's TTFError and struct errors alike
            raise ConfigError(f"SARABAN_FONT_PATH: {path} is not a usable TrueType font "
                              f"(.ttf): {error}") from None
    return str(regular), str(bold)


def register_fonts(font_path: str | None = None) -> None:
    """Register the regular and bold fonts (again only when the files change): those of
    ``font_path``, by default of the application's SARABAN_FONT_PATH (an agency's own
    licensed TH Sarabun New), else the bundled Sarabun."""
    global _registered
    if font_path is None:
        from flask import current_app, has_app_context

        font_path = current_app.config.get("FONT_PATH") if has_app_context() else None
    if _registered == (font_path or None,):
        return
    regular, bold = font_files(font_path)
    # reportlab keeps the first font registered under a name or a face name and ignores a
    # later one: forget the old ones, so that a changed setting takes effect. A bold that is
    # the regular file is registered as that same font (reportlab's alias by face name).
    old = {id(pdfmetrics._fonts.pop(name, None)) for name in (REGULAR, BOLD)}
    for face, font in list(pdfmetrics._dynFaceNames.items()):
        if id(font) in old:
            del pdfmetrics._dynFaceNames[face]
    for name, path in ((REGULAR, regular), (BOLD, bold)):
        font = _ThaiFont(name, path)
        if name == REGULAR:
            pdfmetrics._dynFaceNames.pop(font.face.name, None)  # the same face elsewhere
        pdfmetrics.registerFont(font)
    _registered = (font_path or None,)


def pdf_response(data: bytes, filename: str):
    """A PDF answer shown in the browser, named for saving."""
    from flask import Response

    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})
