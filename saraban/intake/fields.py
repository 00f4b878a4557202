"""The fields of a scanned letter's first page, read from Tesseract's words (saraban.intake.ocr).

Stock Tesseract (Debian's ``tha``) reads Thai words well but Thai digits badly (๔ -> ๕,
๖ -> ๒, ๙ -> ๓๕): each field is found by its label (ที่, เรื่อง, เรียน, ...), and the digits of
the number and the date are read again from the field's own crop, glyph by glyph, against
templates drawn from the Thai fonts on the machine (TLWG's and the bundled Sarabun).
Then each field is constrained: a number has the shape of a code and a number (its code
snapped to one known from the same sender), a date must parse (saraban.thaidate.parse_date)
and be plausible, Thai words are normalised (split sara am, doubled marks) and, where a
word is not in pythainlp's dictionary, replaced by the closest that is.

Boxes are fractions of the page: (x0, y0, x1, y1) from the top left.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from saraban.intake.ocr import Line, OcrPage, Word, make_line

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_THAI = str.maketrans("0123456789", THAI_DIGITS)
MARKS = ("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a"
         "\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e")
TONES = "\u0e48\u0e49\u0e4a\u0e4b"
FONT_DIR = Path("/usr/share/fonts/truetype/tlwg")
BUNDLED = Path(__file__).resolve().parent.parent / "static" / "fonts"
# the fonts the digit templates are drawn from (a government letter's TH Sarabun New is
# Laksaman's metrics); the benchmark can leave one out to see how much the font matters
TEMPLATE_FONTS = [FONT_DIR / "Laksaman.ttf", FONT_DIR / "Laksaman-Bold.ttf",
                  BUNDLED / "Sarabun-Regular.ttf", BUNDLED / "Sarabun-Bold.ttf",
                  FONT_DIR / "Garuda.ttf", FONT_DIR / "Loma.ttf", FONT_DIR / "Kinnari.ttf",
                  FONT_DIR / "Norasi.ttf"]
# what read_fields does after Tesseract's page: blue ink left out, digits read glyph by
# glyph, fields constrained, a Latin-read line of a Thai field read again from its crop,
# words corrected against the dictionary
STEPS = ("colour", "glyphs", "constrain", "crop", "dictionary")
MONTHS = ["มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
          "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"]
SHORT_MONTHS = ["ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.",
                "ต.ค.", "พ.ย.", "ธ.ค."]
URGENCY = {"ด่วนที่สุด": 3, "ด่วนมาก": 2, "ด่วน": 1}
SECRECY = {"ลับที่สุด": 3, "ลับมาก": 2, "ลับ": 1}


@dataclass(frozen=True)
class Field:
    value: str
    confidence: float  # 0..1
    box: tuple[float, float, float, float]  # fractions of the page: x0, y0, x1, y1


# text ------------------------------------------------------------------------------------
def normalise(text: str) -> str:
    """Tesseract's Thai as typed: sara am joined (ํา -> ำ), a mark doubled or put before
    its vowel fixed, Arabic digits made Thai, spaces single."""
    text = text.replace("\u0e4d\u0e32", "\u0e33").replace("\u0e32\u0e4d", "\u0e33")
    text = re.sub(r"([\u0e48-\u0e4b])\u0e4d\u0e32", "\\1\u0e33", text)
    text = re.sub(r"\u0e4d([\u0e48-\u0e4b])\u0e32", "\\1\u0e33", text)
    text = re.sub(f"([{MARKS}])\\1+", "\\1", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip()


def key(text: str) -> str:
    """A label's skeleton: no spaces, tone marks or vowels above or below (Tesseract drops
    tone marks: เรือง for เรื่อง)."""
    return re.sub(f"[\\s{MARKS}\u0e33\u0e32]", "", text.replace("\u0e33", ""))


@lru_cache(maxsize=1)
def _words() -> frozenset:
    from pythainlp.corpus import thai_words

    return frozenset(thai_words())


@lru_cache(maxsize=1)
def _by_skeleton() -> dict:
    """Dictionary words by their skeleton without tone marks: เรือง -> เรื่อง, เรือง."""
    table: dict[str, list[str]] = {}
    for word in _words():
        table.setdefault(re.sub(f"[{TONES}]", "", word), []).append(word)
    return table


@lru_cache(maxsize=1)
def _by_bare() -> dict:
    """Dictionary words by their letters alone (no marks or vowels above or below): ประจำป
    -> ประจำปี (Tesseract drops a vowel above at a line's end, or reads ิ for ี)."""
    table: dict[str, list[str]] = {}
    for word in _words():
        table.setdefault(re.sub(f"[{MARKS}]", "", word), []).append(word)
    return table


def _join_pieces(tokens: list[str]) -> list[str]:
    """A piece not in the dictionary joined to the word before it where the two, their marks
    aside, are one dictionary word (ประจำ + ป -> ประจำปี)."""
    words = _words()
    out: list[str] = []
    for token in tokens:
        thai = _THAI_RUN.fullmatch(token) and _THAI_RUN.fullmatch(out[-1]) if out else False
        if thai and token not in words:
            both = out[-1] + token
            bare = re.sub(f"[{MARKS}]", "", both)
            choices = _by_bare().get(bare, [])
            if both not in words and choices:
                out[-1] = min(choices, key=lambda w: _tone_distance(both, w))
                continue
        out.append(token)
    return out


_THAI_RUN = re.compile(r"[\u0e01-\u0e4e]+")


def correct_thai(text: str) -> str:
    """Words not in pythainlp's dictionary replaced by one that is: the same letters with
    the tone marks Tesseract dropped (ท้องถิน -> ท้องถิ่น), else the closest word of the same
    length or one more. Proper names and abbreviations (สพร., ผบ.ตร.) are left alone."""
    from pythainlp import word_tokenize

    words = _words()

    def fix_run(run: str) -> str:
        if run in words:
            return run
        out = []
        tokens = _join_pieces(word_tokenize(run, engine="newmm", keep_whitespace=True))
        for token in tokens:
            if token in words or len(token) < 2:
                out.append(token)
                continue
            # a dropped tone mark spread over two tokens (เรือ + ง): try the pair
            bare = re.sub(f"[{TONES}]", "", token)
            choices = [w for w in _by_skeleton().get(bare, []) if w != token]
            if choices:
                out.append(min(choices, key=lambda w: _tone_distance(token, w)))
                continue
            out.append(token)
        # what is still not a word: a few tokens around it that are one letter away from a
        # dictionary word (อิ+เด็ก+ทรอ+นิกส์ -> อิเล็กทรอนิกส์, มหา+ช+นู -> มหาชน)
        return "".join(_one_edit(out, words))

    text = _THAI_RUN.sub(lambda m: fix_run(m.group(0)), text)
    # a speck read as a hyphen between two Thai words (a hyphen joins numbers, not words)
    text = re.sub(r"(?<=[\u0e01-\u0e4e])\s*[-–]\s*(?=[\u0e01-\u0e4e])", " ", text)
    # ที่ before a number (ไตรมาสที่ ๒, ครั้งที่ ๓) with its tone mark dropped; นาที aside
    return re.sub(r"(?<!นา)ที(?![\u0e48-\u0e4b])(?=\s*[๐-๙])", "ที่", text)


@lru_cache(maxsize=1)
def _deletions() -> dict:
    """Dictionary words of three letters or more by each of their one-letter deletions and
    themselves (symmetric delete: two strings one edit apart share a key)."""
    table: dict[str, set[str]] = {}
    for word in _words():
        if len(word) < 3 or not _THAI_RUN.fullmatch(word):
            continue
        table.setdefault(word, set()).add(word)
        for i in range(len(word)):
            table.setdefault(word[:i] + word[i + 1:], set()).add(word)
    return table


def _within_one(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _near_words(span: str) -> list[str]:
    """Dictionary words at most one edit (a letter or mark added, dropped or changed) from
    ``span``."""
    table = _deletions()
    found: set[str] = set()
    for k in {span, *(span[:i] + span[i + 1:] for i in range(len(span)))}:
        found.update(table.get(k, ()))
    return sorted(w for w in found if _within_one(span, w))


def _one_edit(tokens: list[str], words) -> list[str]:
    """Each token not in the dictionary taken with up to three tokens on either side: the
    widest such span (the most unknown tokens, then the most letters) that is one edit from
    exactly one dictionary word is replaced by that word."""
    out = list(tokens)
    i = 0
    while i < len(out):
        if out[i] in words or not _THAI_RUN.fullmatch(out[i]):
            i += 1
            continue
        best = None
        for j in range(max(0, i - 3), i + 1):
            for k in range(i + 1, min(len(out), i + 4) + 1):
                part = out[j:k]
                if not all(_THAI_RUN.fullmatch(t) for t in part):
                    continue
                span = "".join(part)
                if len(span) < 4:
                    continue
                near = _near_words(span)
                if len(near) != 1 or near[0] == span:
                    continue
                score = (sum(t not in words for t in part), len(span))
                if best is None or score > best[0]:
                    best = (score, j, k, near[0])
        if best is None:
            i += 1
            continue
        _, j, k, word = best
        out[j:k] = [word]
        i = j + 1
    return out


def _tone_distance(a: str, b: str) -> int:
    return sum(1 for op in difflib.SequenceMatcher(None, a, b).get_opcodes() if op[0] != "equal")


# glyphs ----------------------------------------------------------------------------------
_SIZE = 16


def _normalised(glyph: Image.Image) -> tuple[list[int], float]:
    """A glyph's ink (white on black, tight) as a 16x16 square of greys, and w/h."""
    w, h = glyph.size
    side = max(w, h)
    square = Image.new("L", (side, side), 0)
    square.paste(glyph, ((side - w) // 2, (side - h) // 2))
    small = square.resize((_SIZE, _SIZE), Image.BILINEAR)
    return list(small.tobytes()), w / max(h, 1)


@lru_cache(maxsize=4)
def _templates(fonts: tuple[str, ...], alphabet: str) -> list[tuple[str, list[int], float, float]]:
    """(character, greys, aspect, height / the digits' height) of each character in each font."""
    out = []
    for path in fonts:
        if not Path(path).is_file():
            continue
        font = ImageFont.truetype(str(path), 96)
        heights = {}
        glyphs = {}
        for ch in alphabet:
            canvas = Image.new("L", (200, 200), 0)
            ImageDraw.Draw(canvas).text((40, 20), ch, fill=255, font=font)
            box = canvas.getbbox()
            if box is None:
                continue
            glyphs[ch] = canvas.crop(box)
            heights[ch] = box[3] - box[1]
        digit_h = sorted(heights[d] for d in THAI_DIGITS if d in heights)
        base = digit_h[len(digit_h) // 2] if digit_h else 1
        for ch, glyph in glyphs.items():
            greys, aspect = _normalised(glyph)
            out.append((ch, greys, aspect, heights[ch] / base))
    return out


@lru_cache(maxsize=8)
def _strip(fonts: tuple[str, ...], alphabet: str):
    """The templates of ``alphabet`` side by side in one image (each _SIZE square), with
    their characters and the logarithms of their aspects and heights: a glyph is compared
    with all of them by two calls into Pillow, not a loop over their pixels."""
    found = _templates(fonts, alphabet)
    strip = Image.new("L", (_SIZE * max(1, len(found)), _SIZE), 0)
    for n, (_, greys, _, _) in enumerate(found):
        strip.paste(Image.frombytes("L", (_SIZE, _SIZE), bytes(greys)), (n * _SIZE, 0))
    return ([t[0] for t in found], [math.log(max(t[2], 0.05)) for t in found],
            [math.log(max(t[3], 0.05)) for t in found], strip)


def classify(glyph: Image.Image, rel_height: float, alphabet: str) -> tuple[str, float]:
    """The template character nearest to a glyph, and a confidence 0..1: the mean grey
    difference from each template, and how far its aspect and height are from the
    template's."""
    greys, aspect = _normalised(glyph)
    chars, aspects, heights, strip = _strip(tuple(map(str, TEMPLATE_FONTS)), alphabet)
    if not chars:
        return "", 0.0
    count = len(chars)
    rows = [bytes(greys[r * _SIZE:(r + 1) * _SIZE]) * count for r in range(_SIZE)]
    tiled = Image.frombytes("L", strip.size, b"".join(rows))
    # the mean absolute difference over each template's square, exactly (in floats)
    means = ImageChops.difference(strip, tiled).convert("F").resize((count, 1), Image.BOX)
    diffs = array("f", means.tobytes())
    log_aspect, log_height = math.log(max(aspect, 0.05)), math.log(max(rel_height, 0.05))
    best: dict[str, float] = {}
    for ch, mean, t_aspect, t_height in zip(chars, diffs, aspects, heights, strict=True):
        d = mean / 255 + 0.35 * abs(log_aspect - t_aspect) + 0.35 * abs(log_height - t_height)
        if d < best.get(ch, 9):
            best[ch] = d
    ranked = sorted(best.items(), key=lambda kv: kv[1])
    if not ranked:
        return "", 0.0
    first = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 1.0
    return first[0], max(0.0, min(1.0, 1 - first[1] / max(second, 1e-6) + 0.5))


def ink(image: Image.Image, threshold: int = 150, *, coloured: bool = False) -> Image.Image:
    """Black and dark ink as white on black ("L"), the blue of stamps left out (kept with
    ``coloured``: reading a stamp itself), salt and pepper filtered."""
    rgb = image.convert("RGB")
    r, g, b = rgb.split()
    grey = rgb.convert("L").filter(ImageFilter.MedianFilter(3))
    dark = grey.point(lambda v: 255 if v < threshold else 0)
    if coloured:
        return dark
    blue = ImageChops.subtract(b, r).point(lambda v: 255 if v > 60 else 0)
    return ImageChops.subtract(dark, blue)


def components(mask: Image.Image, min_area: int = 4) -> list[tuple[int, int, int, int, int]]:
    """Connected components (8-neighbour) of a white-on-black mask: (x0, y0, x1, y1, area)."""
    w, h = mask.size
    data = bytearray(mask.tobytes())
    out = []
    for start in range(w * h):
        if data[start] < 128:
            continue
        stack = [start]
        data[start] = 0
        x0 = x1 = start % w
        y0 = y1 = start // w
        area = 0
        while stack:
            p = stack.pop()
            area += 1
            py, px = divmod(p, w)
            x0, x1, y0, y1 = min(x0, px), max(x1, px), min(y0, py), max(y1, py)
            for dy in (-1, 0, 1):
                ny = py + dy
                if not 0 <= ny < h:
                    continue
                for dx in (-1, 0, 1):
                    nx = px + dx
                    if 0 <= nx < w:
                        q = ny * w + nx
                        if data[q] >= 128:
                            data[q] = 0
                            stack.append(q)
        if area >= min_area:
            out.append((x0, y0, x1 + 1, y1 + 1, area))
    return out


def band(words: list[Word]) -> tuple[int, int, int, int]:
    """The box of a run of digits: their x extent, the y extent of the usual-sized ones
    (Tesseract's boxes of a mark or a merged piece reach into the lines around)."""
    heights = sorted(w.box[3] - w.box[1] for w in words)
    usual = heights[len(heights) // 2]
    kept = [w for w in words if w.box[3] - w.box[1] <= 1.5 * usual] or words
    return (min(w.box[0] for w in words), min(w.box[1] for w in kept),
            max(w.box[2] for w in words), max(w.box[3] for w in kept))


def read_glyphs(image: Image.Image, box: tuple[int, int, int, int],
                alphabet: str = THAI_DIGITS + "./") -> list[tuple[str, float, tuple]]:
    """The characters in ``box`` of the image, left to right, each read against templates
    of ``alphabet``: (character, confidence, box in pixels)."""
    x0, y0, x1, y1 = box
    pad = max(2, (y1 - y0) // 8)
    x0, y0 = max(0, x0 - pad), max(0, y0 - pad)
    x1, y1 = min(image.width, x1 + pad), min(image.height, y1 + pad)
    crop = image.crop((x0, y0, x1, y1))
    mask = ink(crop)
    parts = components(mask, min_area=max(4, ((y1 - y0) // 12) ** 2 // 2))
    # pieces of the lines above and below, cut by the crop's edges
    parts = [c for c in parts if not ((c[1] == 0 or c[3] >= mask.height)
                                      and c[3] - c[1] < 0.5 * (y1 - y0))]
    if not parts:
        return []
    merged = _stacked(parts)
    heights = sorted(m[3] - m[1] for m in merged)
    body = heights[len(heights) // 2] or 1
    out = []
    for m in merged:
        h = m[3] - m[1]
        glyph = mask.crop(tuple(m[:4]))
        if h < 0.4 * body and "." in alphabet:
            out.append((".", 0.9, (m[0] + x0, m[1] + y0, m[2] + x0, m[3] + y0)))
            continue
        ch, conf = classify(glyph, h / body, alphabet.replace(".", ""))
        out.append((ch, conf, (m[0] + x0, m[1] + y0, m[2] + x0, m[3] + y0)))
    return out


def _stacked(parts: list) -> list[list[int]]:
    """The components left to right, those one above the other (a broken glyph, a digit
    with its loop apart) joined into one: [x0, y0, x1, y1, area]."""
    merged: list[list[int]] = []
    for c in sorted(parts, key=lambda c: c[0]):
        if merged:
            m = merged[-1]
            overlap = min(m[2], c[2]) - max(m[0], c[0])
            if overlap > 0.6 * min(m[2] - m[0], c[2] - c[0]):
                merged[-1] = [min(m[0], c[0]), min(m[1], c[1]), max(m[2], c[2]),
                              max(m[3], c[3]), m[4] + c[4]]
                continue
        merged.append(list(c))
    return merged


# glyphs on a line's baseline -------------------------------------------------------------
def _on_baseline(parts: list, height: int) -> tuple[list, float, float]:
    """The components that sit on the crop's main baseline (digits, the slash, dots) and the
    baseline and the digits' body height: a neighbour line's pieces and marks left out."""
    if not parts:
        return [], 0.0, 0.0
    tol = max(3, height // 14)
    best, base = -1.0, 0
    for c in parts:
        score = sum(o[4] for o in parts if abs(o[3] - c[3]) <= tol)
        if score > best:
            best, base = score, c[3]
    seated = [c for c in parts if abs(c[3] - base) <= tol]
    heights = sorted(c[3] - c[1] for c in seated if c[2] - c[0] > 2)
    body = float(heights[len(heights) // 2]) if heights else float(height)
    # a full-height glyph's bottom: the slash reaches a little below the baseline
    kept = [c for c in parts if abs(c[3] - base) <= max(tol, 0.3 * body)
            and c[3] - c[1] > 0.1 * body]
    return kept, float(base), body


CONSONANTS = "".join(chr(c) for c in range(0x0E01, 0x0E2F))


def glyph_groups(image: Image.Image, box: tuple[int, int, int, int],
                 alphabet: str = THAI_DIGITS + "./", *, coloured: bool = False
                 ) -> list[list[tuple[str, float, tuple]]]:
    """The glyphs on the baseline of ``box`` read against templates of ``alphabet``, in
    groups cut where the gap is wider than a third of the digits' body (a typed space;
    Sarabun's is half a body, its glyphs' gaps a fifth). Each glyph is also matched against
    the Thai consonants: a glyph nearer one of them (ว aside) is given as ``"ก"`` with
    confidence 0, so that a group of letters shows as such. Two digits touching (๕๖ in
    Sarabun) are cut apart."""
    x0, y0, x1, y1 = (max(0, box[0]), max(0, box[1]), min(image.width, box[2]),
                      min(image.height, box[3]))
    if x1 - x0 < 3 or y1 - y0 < 3:
        return []
    mask = ink(image.crop((x0, y0, x1, y1)), coloured=coloured)
    parts = components(mask, min_area=max(4, (y1 - y0) // 20))
    parts, _, body = _on_baseline(parts, y1 - y0)
    if not parts:
        return []
    merged = _stacked(parts)
    groups: list[list[tuple[str, float, tuple]]] = []
    right = None
    letters = alphabet.replace(".", "")
    everything = letters + "".join(c for c in CONSONANTS if c not in letters)
    for m in merged:
        w, h = m[2] - m[0], m[3] - m[1]
        at = (m[0] + x0, m[1] + y0, m[2] + x0, m[3] + y0)
        if right is None or m[0] - right > 0.35 * body:
            groups.append([])
        right = m[2] if right is None else max(right, m[2])
        if h < 0.45 * body and w < 0.6 * body:
            if "." in alphabet:
                groups[-1].append((".", 0.9, at))
            continue
        glyph = mask.crop(tuple(m[:4]))
        ch, conf = classify(glyph, h / body, everything)
        if w > 1.5 * body:  # two digits touching (๕๖ in Sarabun)
            pair = _split_pair(mask, m, body, everything)
            if pair and all(c in THAI_DIGITS for c, _, _ in pair):
                for c, cf, (a, b) in pair:
                    groups[-1].append((c, cf, (a + x0, m[1] + y0, b + x0, m[3] + y0)))
                continue
        if ch not in letters:
            groups[-1].append(("ก", 0.0, at))
            continue
        groups[-1].append((ch, conf, at))
    return [g for g in groups if g]


def _split_pair(mask: Image.Image, m, body: float, alphabet: str):
    """A wide component cut in two at its thinnest column near the middle, each half read:
    [(character, confidence, (x0, x1)), ...], or None when a half is not sure."""
    x0, y0, x1, y1 = m[:4]
    w = x1 - x0
    data = mask.crop((x0, y0, x1, y1))
    cols = [(y1 - y0) - data.crop((i, 0, i + 1, y1 - y0)).histogram()[0] for i in range(w)]
    lo, hi = int(0.3 * w), int(0.7 * w)
    if hi <= lo:
        return None
    cut = min(range(lo, hi), key=lambda i: cols[i])
    out = []
    for a, b in ((0, cut), (cut + 1, w)):
        half = data.crop((a, 0, b, y1 - y0))
        box = half.getbbox()
        if box is None:
            return None
        glyph = half.crop(box)
        ch, conf = classify(glyph, (box[3] - box[1]) / body, alphabet)
        if conf < 0.7:
            return None
        out.append((ch, conf, (x0 + a + box[0], x0 + a + box[2])))
    return out


def is_letters(group) -> bool:
    """Whether a glyph group is a word of letters rather than digits."""
    return sum(ch == "ก" for ch, _, _ in group) * 2 >= len(group)


def _text(group) -> str:
    return "".join(ch for ch, _, _ in group if ch != "ก")


_DIGITISH = re.compile(r"^[๐-๙0-9.,]+$")


def _region(line: Line, x0: int, x1: int) -> tuple[int, int, int, int]:
    """A crop of a line from ``x0`` to ``x1``: its height and a little more (the boxes of
    Tesseract's words reach into the lines around, the baseline filter drops those)."""
    pad = _body(line) // 6
    return (x0, line.box[1] - pad, x1, line.box[3] + pad)


def reread_digits(image: Image.Image, line: Line, *, coloured: bool = False,
                  alphabet: str = THAI_DIGITS + ".") -> Line:
    """The line with each run of digits read again glyph by glyph from the line's own
    crop (one word a run); ``coloured``: in any ink (a stamp's), ``alphabet`` the glyphs it
    may hold (a stamp's hand mixes Arabic digits in)."""
    words: list[Word] = []
    run: list[Word] = []
    body = _body(line)

    def flush():
        if not run:
            return
        if any(re.search(r"[๐-๙0-9]", w.text) for w in run):
            rx0, rx1 = min(w.box[0] for w in run), max(w.box[2] for w in run)
            groups = glyph_groups(image, _region(line, rx0 - 3 * body // 2, rx1 + body),
                                  alphabet, coloured=coloured)
            kept = [g for g in groups if not is_letters(g)
                    and min(c[2][2] for c in g) > rx0 and min(c[2][0] for c in g) < rx1]
            text = " ".join(_text(g) for g in kept)
            if re.search(r"[๐-๙0-9]", text):
                conf = min(w.confidence for w in run)
                words.append(Word(text, conf, _union(w.box for w in run)))
                run.clear()
                return
        words.extend(run)
        run.clear()

    for word in line.words:
        if _DIGITISH.match(word.text):
            run.append(word)
        else:
            flush()
            words.append(word)
    flush()
    new = make_line(words)
    new.text = normalise(new.text)
    return new


def drop_coloured(image: Image.Image, lines: list[Line]) -> list[Line]:
    """The lines without the words printed in blue (a stamp over the letter: the letter's
    text is black, its urgency red): a word is left out when most of its ink is blue."""
    rgb = image.convert("RGB")
    r, _, b = rgb.split()
    coloured = ImageChops.subtract(b, r).point(lambda v: 255 if v > 60 else 0)
    dark = rgb.convert("L").point(lambda v: 255 if v < 200 else 0)
    out = []
    for line in lines:
        words = []
        for word in line.words:
            box = word.box
            if box[2] <= box[0] or box[3] <= box[1]:
                continue
            ink_px = dark.crop(box).histogram()[255]
            colour_px = coloured.crop(box).histogram()[255]
            if ink_px and colour_px > 0.5 * ink_px:
                continue
            words.append(word)
        if len(words) == len(line.words):
            out.append(line)
        elif words:
            new = make_line(words)
            new.text = normalise(new.text)
            out.append(new)
    return out


_SPECK = re.compile(r"^[.,'`|!‘’:;_~-]+$")


def drop_specks(lines: list[Line]) -> list[Line]:
    """Salt and pepper Tesseract read as punctuation at a line's ends (". ๒๕๖๕ |") left
    out: a line's indentation then is that of its text (a full stop at the end is kept)."""
    out = []
    for line in lines:
        words = list(line.words)
        while words and _SPECK.match(words[0].text):
            words.pop(0)
        while words and _SPECK.match(words[-1].text) and words[-1].text != ".":
            words.pop()
        if len(words) == len(line.words):
            out.append(line)
        elif words:
            new = make_line(words)
            new.text = normalise(new.text)
            out.append(new)
    return out


# lines -----------------------------------------------------------------------------------
def _frac(box, page: OcrPage) -> tuple[float, float, float, float]:
    return (round(box[0] / page.width, 4), round(box[1] / page.height, 4),
            round(box[2] / page.width, 4), round(box[3] / page.height, 4))


def _union(boxes) -> tuple[int, int, int, int]:
    boxes = list(boxes)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
            max(b[3] for b in boxes))


def _body(line: Line) -> int:
    heights = sorted(w.box[3] - w.box[1] for w in line.words)
    return heights[len(heights) // 2] or 1


def _split(line: Line, gap_bodies: float = 2.5) -> list[Line]:
    """A line cut where the gap is wider than ``gap_bodies`` times its body height (ที่ at
    the left and the agency at the right of the same baseline)."""
    body = _body(line)
    groups: list[list[Word]] = [[line.words[0]]]
    right = line.words[0].box[2]
    for word in line.words[1:]:
        if word.box[0] - right > gap_bodies * body:
            groups.append([])
        groups[-1].append(word)
        right = max(right, word.box[2])
    return [make_line(g) for g in groups]


def _after(line: Line, label: str) -> tuple[list[Word], str]:
    """The words after a label at the start of the line (matched by skeleton)."""
    target = key(label)
    acc = ""
    for i, word in enumerate(line.words):
        acc += key(word.text)
        if acc.startswith(target) and len(acc) >= len(target):
            rest = line.words[i + 1:]
            while rest and not key(rest[0].text):  # the label's own marks
                rest = rest[1:]
            return rest, normalise(make_line(rest).text) if rest else ""
        if not target.startswith(acc):
            break
    return [], ""


def _starts(line: Line, label: str) -> bool:
    return key(line.text).startswith(key(label))


LABELS = ("เรื่อง", "เรียน", "อ้างถึง", "สิ่งที่ส่งมาด้วย")


def _is_label(line: Line) -> bool:
    return any(_starts(line, label) for label in LABELS)


def _field_of(words: list[Word], value: str, page: OcrPage) -> Field:
    box = _union(w.box for w in words) if words else (0, 0, 0, 0)
    conf = sum(w.confidence for w in words) / len(words) if words else 0.0
    return Field(value, round(conf, 3), _frac(box, page))


_LATIN = re.compile(r"[A-Za-z]")


_NUMBER_RUN = re.compile(r"[๐-๙0-9]+(?:[.,/][๐-๙0-9]+)*")


def _marks_missing(text: str) -> bool:
    """A long Thai line with hardly a vowel or tone mark above or below its letters: the
    marks were lost (Tesseract reads a memo's field over its dotted line so), not typed so
    (such a line of Thai has one mark for every three or four letters)."""
    letters = len(re.findall(r"[ก-ฮ]", text))
    return letters >= 12 and len(re.findall(f"[{MARKS}]", text)) < 0.15 * letters


def _dictionary_share(text: str) -> float:
    """How much of a text's Thai is in dictionary words (pythainlp's newmm)."""
    from pythainlp import word_tokenize

    words = _words()
    thai = [t for t in word_tokenize(text, engine="newmm") if _THAI_RUN.fullmatch(t)]
    total = sum(len(t) for t in thai)
    return sum(len(t) for t in thai if t in words) / total if total else 0.0


def thai_again(image: Image.Image | None, words: list[Word], text: str, steps=STEPS) -> str:
    """A line of a Thai field that Tesseract read with Latin letters in it (สทส. -> "and.",
    ๓ -> "on": the page is read with English too, for addresses) or without its marks, read
    again from its own crop, three times the size, as one line of Thai alone. The crop
    reaches up and down for the marks (Tesseract's boxes of a word leave them out) and hardly
    sideways (the label before it would be read too). The second reading is taken when it
    has no Latin in it and as much of it is in the dictionary as of the first."""
    from saraban.intake.ocr import ocr

    if image is None or "crop" not in steps or not words:
        return text
    latin, bare = bool(_LATIN.search(text)), _marks_missing(text)
    if not (latin or bare):
        return text
    x0, y0, x1, y1 = _union(w.box for w in words)
    heights = sorted(w.box[3] - w.box[1] for w in words)
    body = heights[len(heights) // 2]
    side, up = max(4, body // 8), max(4, body * 2 // 5)
    crop = image.crop((max(0, x0 - side), max(0, y0 - up), min(image.width, x1 + side),
                       min(image.height, y1 + up)))
    crop = crop.resize((crop.width * 3, crop.height * 3), Image.BICUBIC)
    dpi = (image.info.get("dpi") or (300, 300))[0]
    crop.info["dpi"] = (3 * dpi, 3 * dpi)
    again = normalise(" ".join(line.text for line in ocr(crop, psm=7, lang="tha").lines))
    if not again or _LATIN.search(again):
        return text
    # the numbers as the glyphs read them (the page's line was read digit by digit), where
    # both readings hold as many
    runs = _NUMBER_RUN.findall(text)
    if runs and len(runs) == len(_NUMBER_RUN.findall(again)):
        given = iter(runs)
        again = _NUMBER_RUN.sub(lambda _: next(given), again)
    if latin:
        return again
    return again if _dictionary_share(again) >= _dictionary_share(text) else text


def cited_number(image: Image.Image | None, words: list[Word], text: str, steps=STEPS) -> str:
    """A line of อ้างถึง ("หนังสือ ตร. ที่ ๐๐๓๓.๑๒/๔๖๖ ลงวันที่ ...") with the cited letter's
    number read glyph by glyph as the letter's own ที่ is, and the label before it
    constrained to be ที่ (Tesseract gives "N", "ทิ" or "Vl" for it, or Latin for all of
    "ที่ ๐๐๓๓"): the number begins at the first word after the agency's letters with a digit
    or a Latin letter in it."""
    if image is None or "glyphs" not in steps or "constrain" not in steps:
        return thai_again(image, words, text, steps)
    thai = 0
    start = None
    for k, word in enumerate(words):
        if re.search(r"[๐-๙0-9A-Za-z]", word.text) and thai >= 3:
            start = k
            break
        thai += len(re.findall(r"[ก-ฮ]", word.text))
    if start is None:
        return thai_again(image, words, text, steps)
    heights = sorted(w.box[3] - w.box[1] for w in words)
    body = heights[len(heights) // 2] or 1
    end = start + 1
    while end < len(words):
        rest = key("".join(w.text for w in words[end:end + 8]))
        if rest.startswith(key("ลงวันที่")) or words[end].box[0] - words[end - 1].box[2] > 1.5 * body:
            break
        end += 1
    run = make_line(words[start:end])
    groups = glyph_groups(image, _region(run, run.box[0] - body // 3, run.box[2] + body // 2),
                          THAI_DIGITS + "./ว")
    number = re.sub(r"[^๐-๙./ว]", "", "".join(_text(g) for g in groups if not is_letters(g)))
    number = re.sub(r"(?<!/)ว", "๐", number)  # ว stands only after the slash: ๐ elsewhere
    if not re.search(r"[๐-๙]{2}", number):
        return thai_again(image, words, text, steps)
    prefix = normalise(make_line(words[:start]).text) if start else ""
    prefix = thai_again(image, words[:start], prefix, steps)
    if not prefix.endswith("ที่"):
        prefix = re.sub(r"(?<=[\s.])[^\s.]{1,3}$", "", prefix)  # the label as misread
    prefix = re.sub(r"\s*ที่$", "", prefix).rstrip()
    suffix = normalise(make_line(words[end:]).text) if end < len(words) else ""
    return " ".join(part for part in (prefix, "ที่", number, suffix) if part)


def _labelled(page: OcrPage, lines: list[Line], label: str, *, items: bool = False,
              steps=STEPS, image: Image.Image | None = None) -> Field | None:
    """The value after ``label`` and its next lines at the value's indentation (each line
    read again where Tesseract read Latin in it; in อ้างถึง, each cited letter's number)."""

    def again(words: list[Word], text: str) -> str:
        if label == "อ้างถึง":
            return cited_number(image, words, text, steps)
        return thai_again(image, words, text, steps)

    for i, line in enumerate(lines):
        if not _starts(line, label):
            continue
        words, text = _after(line, label)
        if not words:
            continue
        indent = words[0].box[0]
        body = _body(line)
        values = [again(words, text)]
        used = list(words)
        for nxt in lines[i + 1:]:
            if nxt.box[0] > max(indent + 1.5 * body, page.width / 2) and not _is_label(nxt):
                continue  # a piece at the right (a stamp's remains), not the value's next line
            if _is_label(nxt) or abs(nxt.box[0] - indent) > 1.5 * body:
                break
            if nxt.box[1] - used[-1].box[3] > 2.5 * body:
                break
            values.append(again(nxt.words, normalise(nxt.text)))
            used.extend(nxt.words)
        if items:
            joined: list[str] = []
            for v in values:
                m = re.match(r"^[๐-๙0-9]{1,2}\s*\.\s*", v)
                if m or not joined:
                    joined.append(v[m.end():] if m else v)
                else:
                    joined[-1] = _join(joined[-1], v)
            value = "\n".join(joined)
        else:
            value = values[0]
            for v in values[1:]:
                value = _join(value, v)
        value = _digits_thai(value)
        if "constrain" in steps:  # a speck read as a full stop after the value, on its own
            value = re.sub(r"\s+[.,'`|]+$", "", value, flags=re.M)
        if "dictionary" in steps:
            value = correct_thai(value)
        return _field_of(used, value, page)
    return None


def _join(a: str, b: str) -> str:
    """Two wrapped lines: Thai runs on without a space (the wrap fell between words)."""
    if a and b and "\u0e01" <= a[-1] <= "\u0e4e" and "\u0e01" <= b[0] <= "\u0e4e":
        return a + b
    return f"{a} {b}"


def _digits_thai(text: str) -> str:
    return text.translate(_TO_THAI)


# fields ----------------------------------------------------------------------------------
_CODE = re.compile(r"^([ก-ฮ]{1,5}\.?(?:\s*[ก-ฮ]{1,3})?)?\s*")


def _number(image, page: OcrPage, lines: list[Line], known_codes, steps) -> Field | None:
    """ที่: the agency's code (letters), then digits, dots, a slash, ว and digits. Where no
    line begins with ที่ (its label read as "i" or "7"), the first line above เรื่อง with a
    slash after a short first word."""
    labelled = [line for line in lines if _starts(line, "ที่")
                and not (key(line.text).startswith(key("ที่ส")) and "/" not in line.text)]
    if not labelled and "constrain" in steps:
        for line in lines:
            if _starts(line, "เรื่อง") or _starts(line, "เรียน"):
                break
            left = _split(line)[0]
            if len(left.words) > 1 and len(left.words[0].text) <= 2 and "/" in left.text \
                    and "/" not in left.words[0].text:
                labelled.append(line)
                break
    for line in labelled:
        left = _split(line)[0]
        words, text = _after(left, "ที่")
        if not words and not _starts(line, "ที่"):
            words = left.words[1:]
            text = normalise(make_line(words).text)
        if not words or not re.search(r"[/๐-๙0-9]", text):
            continue
        text = text.replace(" ", "")
        letters = []
        for word in words:  # the code's letters, as Tesseract read them
            if re.fullmatch(r"[ก-ฮ.]+", word.text) and not re.search(r"[๐-๙0-9/]", "".join(
                    w.text for w in letters if False)):
                letters.append(word)
            else:
                break
        code = "".join(w.text for w in letters)
        # a letter Tesseract read where a digit was (ส for ๙): the code is a prefix at most
        # five letters long; what comes after a known code is digits
        digit_words = words[len(letters):]
        value_text = "".join(w.text for w in digit_words)
        if "glyphs" in steps:
            start = max(w.box[2] for w in left.words[:len(left.words) - len(words)])
            groups = glyph_groups(image, _region(left, start + 1, left.box[2] + _body(left)),
                                  THAI_DIGITS + "./ว")
            digit_groups = []
            for group in groups:  # the code's letters before, วันที่ (a memo's) after
                if is_letters(group):
                    if digit_groups:
                        break
                    continue
                digit_groups.append(group)
            if digit_groups:
                value_text = "".join(_text(g) for g in digit_groups)
        value_text = _digits_thai(value_text)
        if "constrain" in steps:
            value_text = re.sub(r"[^๐-๙./ว]", "", value_text).strip(".")  # a speck's dot
            if known_codes and code:
                near = difflib.get_close_matches(code, list(known_codes), n=1, cutoff=0.5)
                if near:
                    code = near[0]
        if "constrain" in steps and key(code) == key("ที่"):
            code = ""  # the label's own letter left over (ท)
        value = f"{code} {value_text}".strip() if code else value_text
        return _field_of(words, value, page)
    return None


_MONTH_WORDS = MONTHS + SHORT_MONTHS
_DATE = re.compile(r"([๐-๙0-9][^\sก-ฮเ-ไ]{0,2})\s*([ก-ฮเ][ก-ฮ\u0e30-\u0e4e.]{2,})\s*(\S{2,8})$")


def _date(image, page: OcrPage, lines: list[Line], steps) -> Field | None:
    """The letter's date: a month's name (matched against the months' names) with a day
    before it and a year after it, on a line above เรื่อง; the digits read glyph by glyph."""
    if "glyphs" in steps:
        found = _date_by_month(image, page, lines, steps)
        if found is not None:
            return found
    return _date_by_text(image, page, lines, steps)


def _month_of(text: str) -> int | None:
    """The month (0..11) a Thai word reads as, closest by skeleton, or None."""
    k = key(normalise(text))
    if len(k) < 2:
        return None
    keys = [key(x) for x in MONTHS] + [key(x) for x in SHORT_MONTHS]
    near = difflib.get_close_matches(k, keys, n=1, cutoff=0.6)
    return keys.index(near[0]) % 12 if near else None


def _date_by_month(image, page: OcrPage, lines: list[Line], steps) -> Field | None:
    for line in lines:
        if _starts(line, "เรื่อง") or _starts(line, "เรียน"):
            break
        for part in _split(line):
            if not any(_month_of(run) is not None
                       for run in re.findall(r"[ก-ฮ\u0e30-\u0e4e.]{2,}", part.text)):
                continue  # the glyphs are read only on a line with a month's name
            body = _body(part)
            groups: list = []
            for g in glyph_groups(image, _region(part, part.box[0] - body,
                                                 part.box[2] + 3 * body), THAI_DIGITS):
                # a word's letters below the baseline (ฤ) are dropped: its pieces join
                if groups and is_letters(g) and is_letters(groups[-1]):
                    groups[-1] = groups[-1] + g
                else:
                    groups.append(g)
            for i, group in enumerate(groups):
                if not is_letters(group) or i == 0 or i + 1 >= len(groups):
                    continue
                gx0, gx1 = group[0][2][0], group[-1][2][2]
                text = "".join(w.text for w in part.words
                               if min(w.box[2], gx1) - max(w.box[0], gx0)
                               > 0.5 * (w.box[2] - w.box[0]))
                month = _month_of(text)
                if month is None:
                    continue
                day, year = groups[i - 1], groups[i + 1]
                if is_letters(day) or is_letters(year):
                    continue
                parsed = _parse(f"{_text(day)} {MONTHS[month]} {_text(year)}")
                if parsed is None and "constrain" in steps:
                    parsed = _repair_date(_text(day), month, _text(year))
                if parsed is None:
                    continue
                box = (day[0][2][0], min(c[2][1] for c in group), year[-1][2][2],
                       max(c[2][3] for c in group))
                conf = min(c[1] for c in day + year)
                return Field(parsed.isoformat(), round(min(conf, part.confidence + 0.5), 3),
                             _frac(box, page))
    return None


def _date_by_text(image, page: OcrPage, lines: list[Line], steps) -> Field | None:
    """The date as Tesseract's text has it: the first line with a day, a month's name and
    a year."""
    for line in lines:
        if _starts(line, "เรื่อง") or _starts(line, "เรียน"):
            break
        for part in _split(line):
            words = part.words
            text = normalise(part.text)
            if _starts(part, "วันที่"):
                words, text = _after(part, "วันที่")
            m = _DATE.search(text)
            if not m:
                continue
            month = difflib.get_close_matches(key(m.group(2)), [key(x) for x in _MONTH_WORDS],
                                              n=1, cutoff=0.6)
            if not month:
                continue
            month_index = [key(x) for x in _MONTH_WORDS].index(month[0]) % 12
            day_text, year_text = m.group(1), m.group(3)
            if "glyphs" in steps:
                digits = [w for w in words if re.search(r"[๐-๙0-9]", w.text)
                          or not re.search(r"[ก-ฮ]", w.text)]
                first = [w for w in digits if w.box[2] <= _month_box(words, m.group(2))[0]]
                last = [w for w in digits if w.box[0] >= _month_box(words, m.group(2))[2]]
                if first:
                    day_text = "".join(c for c, _, _ in read_glyphs(
                        image, band(first), THAI_DIGITS))
                if last:
                    year_text = "".join(c for c, _, _ in read_glyphs(
                        image, band(last), THAI_DIGITS))
            value = f"{day_text} {MONTHS[month_index]} {year_text}"
            parsed = _parse(value)
            if parsed is None and "constrain" in steps:
                parsed = _repair_date(day_text, month_index, year_text)
            if parsed is None:
                continue
            return _field_of(words, parsed.isoformat(), page)
    return None


def _month_box(words: list[Word], month_text: str) -> tuple[int, int, int, int]:
    thai = [w for w in words if re.search(r"[ก-ฮ]", w.text)]
    return _union(w.box for w in thai) if thai else (0, 0, 0, 0)


def _parse(text: str) -> dt.date | None:
    from saraban.thaidate import ThaiDateError, parse_date

    try:
        parsed = parse_date(text)
    except (ThaiDateError, ValueError):
        return None
    return parsed if _plausible(parsed) else None


def _plausible(date: dt.date) -> bool:
    return dt.date(1990, 1, 1) <= date <= dt.date.today() + dt.timedelta(days=366 * 2)


def _repair_date(day: str, month: int, year: str) -> dt.date | None:
    """A year read with a digit too many or a day out of range: the plausible reading."""
    from saraban.thaidate import to_arabic_digits

    day, year = to_arabic_digits(day), to_arabic_digits(year)
    day = re.sub(r"\D", "", day)
    year = re.sub(r"\D", "", year)
    if not day or not year:
        return None
    years = [year] if len(year) == 4 else [year[:4], year[-4:]] if len(year) > 4 else []
    for y in years:
        if y.startswith("25"):
            try:
                date = dt.date(int(y) - 543, month + 1, int(day[-2:]))
            except ValueError:
                continue
            if _plausible(date):
                return date
    return None


def _mark(page: OcrPage, lines: list[Line], table: dict[str, int], before: float) -> Field | None:
    for line in lines:
        if line.box[1] > before:
            break
        for part in _split(line):
            k = key(part.text)
            for word, level in table.items():  # the longest first
                if k == key(word) or (len(k) <= len(key(word)) + 1 and k.startswith(key(word))):
                    return Field(str(level), round(part.confidence, 3), _frac(part.box, page))
    return None


def _on_line(line: Line, field: Field | None, page: OcrPage) -> bool:
    """Whether a field (the number, its ที่ read as "Nl") was read on this line."""
    if field is None:
        return False
    x = (field.box[0] + field.box[2]) / 2 * page.width
    y = (field.box[1] + field.box[3]) / 2 * page.height
    return line.box[0] <= x <= line.box[2] and line.box[1] <= y <= line.box[3]


def _sender(page: OcrPage, lines: list[Line], kind: str, steps,
            image: Image.Image | None = None, number: Field | None = None) -> Field | None:
    if kind == "memo":
        field = _labelled(page, lines, "ส่วนราชการ", steps=steps, image=image)
        if field is None:
            return None
        value = re.split(r"\s*โทร", field.value)[0].strip()
        return Field(value, field.confidence, field.box)
    for i, line in enumerate(lines):
        if not (_starts(line, "ที่") or _on_line(line, number, page)):
            continue
        parts = _split(line)
        if len(parts) >= 2:
            right, at = parts[-1], i
        else:
            found = _level_with(image, lines, line, steps)
            if found is None:
                return None
            right, at = found
        texts = [thai_again(image, right.words, normalise(right.text), steps)]
        used = list(right.words)
        for nxt in lines[at + 1:]:
            if nxt is line:  # the agency's first line was above ที่'s
                continue
            tail = _split(nxt)[-1]
            if abs(tail.box[0] - right.box[0]) > 2 * _body(right):
                break
            t = thai_again(image, tail.words, normalise(tail.text), steps)
            if re.match(r"^[๐-๙0-9]", t) or "ถนน" in t or "แขวง" in t:
                break
            texts.append(t)
            used.extend(tail.words)
        value = texts[0]
        for t in texts[1:]:
            value = f"{value} {t}" if t.startswith("(") else _join(value, t)
        if "dictionary" in steps:
            value = correct_thai(value)
        return _field_of(used, value, page)
    return None


def _level_with(image: Image.Image | None, lines: list[Line], line: Line, steps
                ) -> tuple[Line, int] | None:
    """On a page fed askew Tesseract gives the agency's name at the right of ที่ a line of
    its own, above or below: the line to the right of ``line`` whose middle is where
    ``line``'s would be at its x, given the page's skew (ocr.skew), and its index."""
    from saraban.intake.ocr import skew

    if image is None or "constrain" not in steps:
        return None
    slope = math.tan(math.radians(skew(image)))
    body = _body(line)
    mid_x, mid_y = (line.box[0] + line.box[2]) / 2, (line.box[1] + line.box[3]) / 2
    for n, other in enumerate(lines):
        if other is line or other.box[0] < line.box[2] + body:
            continue
        x = (other.box[0] + other.box[2]) / 2
        expected = mid_y + slope * (x - mid_x)
        if abs((other.box[1] + other.box[3]) / 2 - expected) < 0.6 * body:
            return other, n
    return None


def _subject_label_restored(lines: list[Line]) -> list[Line]:
    """The lines with เรื่อง put back where Tesseract misread it ("dag", "Sos", "ะรอง"):
    the subject is the field just above เรียน, its label the first word of the line at the
    left margin there, apart from its value by a gap."""
    at = next((i for i, line in enumerate(lines) if _starts(line, "เรียน")), None)
    if at is None:
        return lines
    margin, body = lines[at].box[0], _body(lines[at])
    for i in range(at - 1, max(-1, at - 4), -1):
        line = lines[i]
        if abs(line.box[0] - margin) > 1.5 * body:
            continue  # the subject's wrapped line, at the value's indentation
        words = line.words
        cut = next((k for k in range(1, min(len(words), 8))
                    if words[k].box[0] - max(w.box[2] for w in words[:k]) > 0.5 * body), None)
        if cut is None or len("".join(w.text for w in words[:cut])) > 6:
            return lines
        label = Word("เรื่อง", min(w.confidence for w in words[:cut]),
                     _union(w.box for w in words[:cut]))
        restored = make_line([label, *words[cut:]])
        restored.text = normalise(restored.text)
        return [*lines[:i], restored, *lines[i + 1:]]
    return lines


def read_fields(image: Image.Image, page: OcrPage, *, known_codes=(),
                steps=STEPS) -> dict[str, Field]:
    """The fields of a letter's first page: number, date (ISO), subject, addressee, sender,
    references, enclosures, urgency and secrecy (1..3); a field not found is left out.
    ``steps``: the corrections after Tesseract (for measuring each one's gain)."""
    lines = [Line(line.words, line.box, normalise(line.text)) for line in page.lines]
    if "colour" in steps:
        lines = drop_coloured(image, lines)
    if "constrain" in steps:
        lines = drop_specks(lines)
    if "glyphs" in steps:
        lines = [reread_digits(image, line) for line in lines]
    kind = "memo" if any(_starts(line, "ส่วนราชการ") for line in lines[:8]) else "external"
    out: dict[str, Field] = {}
    number = _number(image, page, lines, known_codes, steps)
    if number:
        out["number"] = number
    date = _date(image, page, lines, steps)
    if date:
        out["date"] = date
    for name, label, items in (("subject", "เรื่อง", False), ("addressee", "เรียน", False),
                               ("references", "อ้างถึง", True),
                               ("enclosures", "สิ่งที่ส่งมาด้วย", True)):
        field = _labelled(page, lines, label, items=items, steps=steps, image=image)
        if field is None and name == "subject" and "constrain" in steps:
            field = _labelled(page, _subject_label_restored(lines), label, steps=steps,
                              image=image)
        if field:
            out[name] = field
    sender = _sender(page, lines, kind, steps, image, number)
    if sender:
        out["sender"] = sender
    top = number.box[1] * page.height if number else page.height * 0.25
    urgency = _mark(page, lines, URGENCY, top)
    if urgency:
        out["urgency"] = urgency
    secrecy = _mark(page, lines, SECRECY, top)
    if secrecy:
        out["secrecy"] = secrecy
    return out


# receipt stamps of earlier desks --------------------------------------------------------
@dataclass(frozen=True)
class HistoricStamp:
    desk: str
    number: str
    date: str | None  # ISO, or None when it cannot be read as a date
    time: str | None
    box: tuple[float, float, float, float]
    anomalies: tuple[str, ...] = ()


def _stamp_date(raw: str) -> tuple[str | None, str | None]:
    """A stamp's date (ISO) or why it is not one: its month snapped to the nearest month's
    name (พ.ุย. -> พ.ย.), its year read again where Tesseract split a ๖ in two (๒๕๒๐๒ ->
    ๒๕๖๒); a day the month does not have stays an error (the seed's ๓๒ ธ.ค.)."""
    from saraban.thaidate import ThaiDateError, parse_date

    texts = [raw]
    m = _DATE.search(raw)
    month = _month_of(m.group(2)) if m else None
    if m and month is not None:
        day, year = m.group(1), re.sub(r"[^๐-๙0-9]", "", m.group(3))
        years = [year] + ([year.replace("๒๐", "๖", 1), year[:4], year[-4:]]
                          if len(year) > 4 else [])
        texts = [f"{day} {SHORT_MONTHS[month]} {y}" for y in dict.fromkeys(years)] + texts
    first_error = None
    for text in texts:
        try:
            return parse_date(text).isoformat(), None
        except (ThaiDateError, ValueError) as error:
            first_error = first_error or str(error)
    return None, first_error


_RECEIPT = re.compile(r"เลข\s*(?:ที่)?\s*รับ")


def historic_stamps(image: Image.Image, page: OcrPage, *, letter_date: str | None = None
                    ) -> list[HistoricStamp]:
    """Receipt stamps of earlier desks on the page (a desk's name, เลขรับ/เลขที่รับ N, วันที่
    ..., เวลา ...), with anomalies: a date that does not exist, a date before the letter's."""
    from saraban.thaidate import ThaiDateError, parse_time, to_arabic_digits

    lines = [Line(line.words, line.box, normalise(line.text)) for line in page.lines]
    parts = [p for line in lines for p in _split(line, 2.0)]
    parts.sort(key=lambda p: (p.box[1], p.box[0]))
    fixed: dict[int, Line] = {}

    def fix(p: Line) -> Line:
        """A stamp's piece with its digits read glyph by glyph (in the stamp's ink, Arabic
        digits too), read again as Thai from its crop where it was read with Latin in it
        (พ.ย. as "TUN", ธ.ค. as "5.A."); once each, only the pieces around a เลขรับ."""
        if id(p) not in fixed:
            again = reread_digits(image, p, coloured=True,
                                  alphabet=THAI_DIGITS + "0123456789.")
            again.text = thai_again(image, again.words, again.text)
            fixed[id(p)] = again
        return fixed[id(p)]

    stamps = []
    for part in parts:
        k = key(part.text)
        if not (k.startswith(key("เลขรับ")) or k.startswith(key("เลขทรับ"))
                or _RECEIPT.match(part.text)):
            continue
        # the desk's name above, the date and the time below: within the stamp's lines
        x0, body, pitch = part.box[0], _body(part), part.box[3] - part.box[1]
        near = [fix(p) for p in parts if abs(p.box[0] - x0) < 3 * body
                and -1.6 * pitch < p.box[1] - part.box[1] < 3.6 * pitch]
        part = fix(part)
        desk = next((p for p in reversed(near) if p.box[1] < part.box[1]), None)
        date_line = next((p for p in near if key(p.text).startswith(key("วันที่"))), None)
        time_line = next((p for p in near if key(p.text).startswith(key("เวลา"))), None)
        number = re.sub(r"^.*?รับ\.*\s*", "", part.text)
        number = _digits_thai(re.sub(r"[^0-9๐-๙]", "", number))
        anomalies = []
        date_iso = None
        if date_line is not None:
            raw = re.sub(r"^.*?วันที่?\.*\s*", "", date_line.text)
            raw = re.sub(r"^\S*วัน\S*\s*", "", raw) if raw == date_line.text else raw
            date_iso, error = _stamp_date(raw)
            if error:
                anomalies.append(f"วันที่ \"{raw}\" อ่านเป็นวันไม่ได้: {error}")
            if date_iso and letter_date and date_iso < letter_date:
                anomalies.append(f"วันที่รับ {date_iso} ก่อนวันที่ของหนังสือ {letter_date}")
        time_text = None
        if time_line is not None:
            raw = re.sub(r"^\S*เวลา\.*\s*", "", time_line.text)
            try:
                time_text = parse_time(to_arabic_digits(raw)).strftime("%H:%M")
            except (ThaiDateError, ValueError):
                anomalies.append(f"เวลา \"{raw}\" อ่านไม่ได้")
        members = [p for p in (desk, part, date_line, time_line) if p is not None]
        box = _union(p.box for p in members)
        stamps.append(HistoricStamp(desk.text if desk is not None else "", number, date_iso,
                                    time_text, _frac(box, page), tuple(anomalies)))
    return stamps
