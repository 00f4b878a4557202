"""PDF output in a Thai government font (Sarabun by default), shaped with HarfBuzz."""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
REGULAR, BOLD = "Sarabun", "Sarabun-Bold"
_registered: tuple[str, str] | None = None


def register_fonts(font_path: str | None = None, bold_path: str | None = None) -> None:
    """Register the regular and bold fonts (again only when the files change).
    ``font_path`` lets an agency use its own licensed TH Sarabun New (SARABAN_FONT_PATH)."""
    global _registered
    regular = str(font_path or FONT_DIR / "Sarabun-Regular.ttf")
    bold = str(bold_path or font_path or FONT_DIR / "Sarabun-Bold.ttf")
    if _registered == (regular, bold):
        return
    pdfmetrics.registerFont(TTFont(REGULAR, regular))
    pdfmetrics.registerFont(TTFont(BOLD, bold))
    _registered = (regular, bold)


def pdf_response(data: bytes, filename: str):
    """A PDF answer shown in the browser, named for saving."""
    from flask import Response

    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})
