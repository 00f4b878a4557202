"""Checking PDFs as a person would: poppler-utils' pdftoppm, pdftotext and pdffonts."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess

import pytest


def need(tool: str) -> str:
    """The path of a poppler-utils tool; without it the test skips, or fails in CI."""
    path = shutil.which(tool)
    if path is None:
        message = "poppler-utils is not installed (apt-get install poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def raster(pdf: bytes, page: int = 1, dpi: int = 60,
           cropbox: bool = False) -> tuple[int, int, bytes]:
    """The page in grey as (width, height, pixels), from pdftoppm's PGM output; with
    ``cropbox``, only what a viewer shows (pdftoppm draws the MediaBox by default)."""
    out = subprocess.run([need("pdftoppm"), "-r", str(dpi), "-gray", "-f", str(page),
                          "-l", str(page), *(["-cropbox"] if cropbox else []), "-"],
                         input=pdf, capture_output=True, check=True).stdout
    # P5 header: magic, width, height, maxval, then the bytes
    parts = out.split(maxsplit=4)
    assert parts[0] == b"P5"
    return int(parts[1]), int(parts[2]), parts[4]


def dark(image, x0: float, y0: float, x1: float, y1: float) -> int:
    """Dark pixels in a region given in fractions of the page (0,0 top left)."""
    width, height, pixels = image
    return sum(
        1
        for y in range(int(y0 * height), int(y1 * height))
        for x in range(int(x0 * width), int(x1 * width))
        if pixels[y * width + x] < 128
    )


def pdftotext(pdf: bytes, page: int | None = None) -> str:
    """poppler's pdftotext reading of the PDF (or of one page), whitespace normalised: what
    an archive, a search engine or copy-and-paste gets back."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run([need("pdftotext"), *pages, "-", "-"], input=pdf,
                         capture_output=True, check=True).stdout.decode()
    return " ".join(out.split())


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r"(.*?)</word>")


def spans(pdf: bytes, page: int = 1) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Each run of text pdftotext reads (a word, or a span read back whole) with its box in
    points from the page's top left: (x0, y0, x1, y1)."""
    out = subprocess.run([need("pdftotext"), "-bbox", "-f", str(page), "-l", str(page), "-",
                          "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return [(html.unescape(m[5]), tuple(map(float, m.groups()[:4]))) for m in _WORD.finditer(out)]
