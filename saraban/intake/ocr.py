"""OCR of scans with Debian's Tesseract (``tesseract-ocr`` and ``tesseract-ocr-tha``).

The ``tesseract`` binary is called once a page, its TSV read back into words (text,
confidence 0..1, box in pixels) and lines. Tesseract's Thai model cuts Thai text into one
"word" a character: a line's text puts a space only where the gap between two of them is
wider than about half the line's height (the spaces the letter was typed with).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache

from PIL import Image, ImageSequence

TIMEOUT = 120  # seconds for one page


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float  # 0..1
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels


@dataclass
class Line:
    words: list[Word]
    box: tuple[int, int, int, int]
    text: str = ""

    @property
    def confidence(self) -> float:
        return min((w.confidence for w in self.words), default=0.0)


@dataclass
class OcrPage:
    width: int
    height: int
    words: list[Word] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@lru_cache(maxsize=1)
def available() -> bool:
    """Whether ``tesseract`` runs here and has its Thai (and English) data."""
    if shutil.which("tesseract") is None:
        return False
    try:
        out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True,
                             timeout=30, env=_env())
    except (OSError, subprocess.SubprocessError):
        return False
    langs = set((out.stdout + out.stderr).split())
    return {"tha", "eng"} <= langs


def _env() -> dict:
    # one thread: Tesseract's OpenMP threads fight over the cores (7.5 s a page against
    # 1.7 s measured here on 2 cores)
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def is_pdf(data: bytes, media_type: str | None) -> bool:
    """Whether a scan is a PDF: by its media type, or by its first bytes."""
    return (media_type or "").split(";")[0].strip().lower() == "application/pdf" \
        or data[:5] == b"%PDF-"


def pages_of(data: bytes, media_type: str, dpi: int = 300, *,
             last: int | None = None) -> list[Image.Image]:
    """The pages of a scan as images (the first ``last`` only, if given): a PDF rasterised
    by poppler's pdftoppm at ``dpi``, a PNG, JPEG or (multi-page) TIFF read with Pillow."""
    if is_pdf(data, media_type):
        pages = ["-l", str(last)] if last else []
        out = subprocess.run(["pdftoppm", "-r", str(dpi), *pages, "-png", "-"], input=data,
                             capture_output=True, check=True, timeout=TIMEOUT).stdout
        return _png_stream(out)
    image = Image.open(io.BytesIO(data))
    pages = []
    for n, frame in enumerate(ImageSequence.Iterator(image)):
        if last and n >= last:
            break
        page = frame.convert("RGB")
        page.info["dpi"] = frame.info.get("dpi", (dpi, dpi))
        pages.append(at_least(page, dpi))
    return pages


def at_least(image: Image.Image, dpi: int = 300) -> Image.Image:
    """A scan made at less than ``dpi`` (an office scanner's 200) enlarged to it: Tesseract's
    Thai model reads best with letters 30 pixels high, and the glyph templates' proportions
    hold better (at 200 dpi the slash and the digits after it ran together)."""
    have = float((image.info.get("dpi") or (dpi, dpi))[0] or dpi)
    if have >= dpi * 0.9 or have < 50:
        return image
    scale = dpi / have
    # salt and pepper taken out first: enlarged, a lone speck is a blot the filter keeps
    out = _despeckled(image).convert("RGB").resize(
        (round(image.width * scale), round(image.height * scale)), Image.LANCZOS)
    out.info["dpi"] = (dpi, dpi)
    return out


def _png_stream(out: bytes) -> list[Image.Image]:
    """pdftoppm writes one PNG after another to stdout: cut them at the IEND chunks."""
    pages, start = [], 0
    while True:
        end = out.find(b"IEND", start)
        if end < 0:
            break
        end += 8  # the chunk's type and CRC
        pages.append(Image.open(io.BytesIO(out[start:end])).convert("RGB"))
        start = end
    return pages


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def tsv(image: Image.Image, *, psm: int = 4, lang: str = "tha+eng",
        config: tuple[str, ...] = ()) -> str:
    """Tesseract's TSV for an image (one call)."""
    extra = [arg for item in config for arg in ("-c", item)]
    out = subprocess.run(["tesseract", "stdin", "stdout", "-l", lang, "--psm", str(psm),
                          "--dpi", str(int((image.info.get("dpi") or (300,))[0]) or 300),
                          *extra, "tsv"],
                         input=_png(image), capture_output=True, check=True, timeout=TIMEOUT,
                         env=_env())
    return out.stdout.decode("utf-8", "replace")


def ocr(image: Image.Image, *, psm: int = 4, lang: str = "tha+eng",
        config: tuple[str, ...] = ()) -> OcrPage:
    """Words and lines of an image by one Tesseract call (``psm`` 4: a single column of
    text of various sizes, the layout of a letter)."""
    page = OcrPage(image.width, image.height)
    image = _despeckled(image)
    lines: dict[tuple[int, int, int, int], list[Word]] = {}
    for row in tsv(image, psm=psm, lang=lang, config=config).splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        left, top, width, height = map(int, cols[6:10])
        word = Word(cols[11].strip(), max(0.0, float(cols[10])) / 100,
                    (left, top, left + width, top + height))
        page.words.append(word)
        lines.setdefault(tuple(map(int, cols[1:5])), []).append(word)
    for words in lines.values():
        page.lines.append(make_line(words))
    page.lines.sort(key=lambda line: (line.box[1], line.box[0]))
    return page


def skew(image: Image.Image, limit: float = 3.0) -> float:
    """The angle (degrees, counter-clockwise) a scan's lines of text lean by, found as the
    rotation under which the rows of ink are sharpest (the projection profile: the sum of
    the squared differences between neighbouring rows' ink), coarse then fine, on a copy 700
    pixels wide."""
    grey = image.convert("L")
    scale = min(1.0, 700 / max(1, grey.width))
    small = grey.resize((max(1, int(grey.width * scale)), max(1, int(grey.height * scale))))
    ink = small.point(lambda v: 255 if v < 160 else 0)

    def sharpness(angle: float) -> float:
        turned = ink.rotate(angle, resample=Image.BILINEAR, fillcolor=0)
        rows = turned.resize((1, turned.height), Image.BOX).tobytes()  # the rows' means
        return float(sum((a - b) ** 2 for a, b in zip(rows, rows[1:], strict=False)))

    coarse = [a / 2 for a in range(int(-limit * 2), int(limit * 2) + 1)]
    best = max(coarse, key=sharpness)
    fine = [best + a / 10 for a in range(-4, 5)]
    return max(fine, key=sharpness)


def _despeckled(image: Image.Image) -> Image.Image:
    """A page with salt and pepper (Tesseract reads a speck as a letter or a mark) with its
    lone pixels turned: a dark one with at most one dark neighbour made white, a light one
    with at least seven made dark; the strokes are left as they are (a 3x3 median cost the
    addressee and the sender on those pages). Another page as it is. Salt: lone dark pixels
    (dark, not after a median) more than 3% of the dark ones (0.5-1.1% on clean pages,
    6-15% at the corpus's 0.5% salt)."""
    from PIL import ImageChops, ImageFilter

    grey = image.convert("L")
    dark = grey.point(lambda v: 255 if v < 128 else 0)
    lone = ImageChops.subtract(dark, dark.filter(ImageFilter.MedianFilter(3)))
    if lone.histogram()[255] <= 0.03 * max(1, dark.histogram()[255]):
        return image
    count = dark.point(lambda v: 1 if v else 0).filter(
        ImageFilter.Kernel((3, 3), [1] * 9, scale=1))  # dark pixels in each 3x3
    speck = ImageChops.multiply(dark, count.point(lambda v: 255 if v <= 2 else 0))
    hole = ImageChops.multiply(ImageChops.invert(dark),
                               count.point(lambda v: 255 if v >= 7 else 0))
    out = ImageChops.lighter(grey, speck)
    out = ImageChops.darker(out, ImageChops.invert(hole))
    out.info["dpi"] = image.info.get("dpi", (300, 300))
    return out


def make_line(words: list[Word]) -> Line:
    box = (min(w.box[0] for w in words), min(w.box[1] for w in words),
           max(w.box[2] for w in words), max(w.box[3] for w in words))
    line = Line(words, box)
    line.text = line_text(words)
    return line


def line_text(words: list[Word]) -> str:
    """The words of one line as text: a space where the gap is wider than a third of the
    line's body height (Thai characters come one a word)."""
    if not words:
        return ""
    heights = sorted(w.box[3] - w.box[1] for w in words)
    body = heights[len(heights) // 2] or 1
    parts = [words[0].text]
    right = words[0].box[2]
    for word in words[1:]:
        gap = word.box[0] - right
        joins = word.text[:1] in _FOLLOWING  # a mark or a vowel never begins a word
        parts.append((" " if gap > body * 0.55 and not joins else "") + word.text)
        right = max(right, word.box[2])
    return "".join(parts)


_FOLLOWING = set("\u0e30\u0e31\u0e32\u0e33\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a"
                 "\u0e45\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e")
