"""Bad input for the fuzz tests: the strings, numbers, dates and files that break systems.

Shared by tests/test_fuzz_api.py and tests/test_fuzz_forms.py. Every value here is one that
a clerk's keyboard, a copy-paste from a web page or a hostile client can send.
"""

from __future__ import annotations

import functools
import io
import math
import re
import struct
import zlib

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

THAI = re.compile(r"[\u0e01-\u0e5b]")

# Reproducible and bounded: the same examples on every run and in CI, no shrinking (a
# failure is reported with the example that found it), no example database on disk.
FUZZ_SETTINGS = dict(
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def fuzz_settings(max_examples: int) -> settings:
    return settings(max_examples=max_examples, **FUZZ_SETTINGS)


HUGE = "ก" * 100_000

NASTY_TEXT = [
    "ก้้้้้้้้้้้้",                      # stacked combining marks
    "เ\u0e34\u0e34\u0e34\u0e48\u0e48ง",     # vowels and tones piled on a consonant
    "\u0e31\u0e34\u0e48",                    # combining marks with nothing to sit on
    "\u200fหนังสือ\u200f",                   # right-to-left marks
    "\u202eหนังสือ fdp.exe",                 # right-to-left override
    "\u200b",                                 # a zero-width space alone
    "\ufeff\u200b\u200c\u200d\u2060",        # only invisible characters
    "\x00",
    "เรื่อง\x00ลับ",
    "\x01\x02\x07\x1b[31m\x7f",
    "\r\n\r\n",
    " \t ",
    "",
    HUGE,
    "'; DROP TABLE document;--",
    "' OR '1'='1",
    "\" OR 1=1 --",
    "%", "_", "\\", "%_\\%",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"><svg onload=alert(1)>",
    "{{ 7*7 }}", "{% raw %}",
    "../../etc/passwd",
    "..\\..\\x.pdf",
    "2563-13-45",
    "๓๑/๐๒/๒๕๖๗",
    "๓๑ ก.พ. ๖๗",
    "0000-00-00",
    "9999-12-31",
    "๙๙๙๙๙๙๙๙๙๙๙๙๙๙๙๙๙๙๙๙",
    "1e309", "-0", str(2**63), "๑๒๓", "NaN", "-1", "๐",
    "¹", "²³", "①", "٣", "9" * 5000,        # digits to str.isdigit(), not to int()
    "\ud800",                                 # a lone surrogate: not encodable as UTF-8
    "𝕳𝖊𝖑𝖑𝖔 🙂",
]

NASTY_NUMBERS = [0, -0, -1, 1, 2**31, 2**63, -(2**63) - 1, 10**400, 1.5, -0.0, 1e308,
                 float("inf"), float("nan"), True, False, None, "๑๒๓", "1", [], {}, [1, "x"]]

NASTY_DATES = ["2563-13-45", "๓๑/๐๒/๒๕๖๗", "๓๑ ก.พ. ๖๗", "๕๐ ธ.ค. ๒๕๖๒", "0000-00-00",
               "2024-02-30", "99999-01-01", "2024-1-1\x00", "\u200b2024-01-01",
               "๒๐ พ.ย. ๒๕๖๙" * 50, "31/12/-1", "yesterday", "1e309", "๑๒๓"]

# what a strict JSON encoder sends (no NaN or Infinity, which only some clients write)
STRICT_JSON_NUMBERS = [n for n in NASTY_NUMBERS
                       if not isinstance(n, float) or math.isfinite(n)]

# the few that break things most often get a branch of their own, to come up often
KILLERS = ["\x00", "ก\x00", "\ud800", HUGE, "¹", "9" * 5000, "'; DROP TABLE document;--",
           "<script>alert(1)</script>", "ก้้้้้้้้้้้้", "\u202e\u200b"]

nasty_text = st.one_of(
    st.sampled_from(KILLERS),
    st.sampled_from(NASTY_TEXT),
    st.lists(st.sampled_from(NASTY_TEXT[:-3]), min_size=2, max_size=4).map("".join),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
)
nasty_value = st.one_of(nasty_text, st.sampled_from(NASTY_NUMBERS),
                        st.sampled_from(NASTY_DATES))


def utf8(text: str) -> bool:
    """Whether ``text`` can be sent as UTF-8 at all (a lone surrogate cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_SENDABLE = st.one_of(nasty_text, st.sampled_from(NASTY_DATES)).filter(utf8)


def spice(draw, value, *, depth: int = 0):
    """``value`` with some of its leaves (strings, numbers) swapped for nasty ones, all of
    them sendable as UTF-8 (the lone surrogate goes in the targeted tests, as JSON escapes)."""
    if isinstance(value, dict):
        return {k: spice(draw, v, depth=depth + 1) for k, v in value.items()}
    if isinstance(value, list) and depth < 3:
        return [spice(draw, v, depth=depth + 1) for v in value]
    if isinstance(value, str) and draw(st.integers(0, 2)) == 0:
        return draw(_SENDABLE)
    if isinstance(value, (int, float)) and draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(STRICT_JSON_NUMBERS))
    return value


# -- files -------------------------------------------------------------------------------

FILE_NAMES = ["../../etc/passwd", "..\\..\\x.pdf", "/etc/passwd", "scan\x00.pdf",
              "x" * 5000 + ".pdf", "หนังสือราชการ ที่ ๑๒๓.pdf", "ก้้้้้.pdf", "\u202efdp.exe",
              "<script>alert(1)</script>.pdf", "....//....//x.pdf", "C:\\Windows\\x.pdf",
              "", ".", "..", " ", "\u200b"]


def zip_bomb(megabytes: int = 1024, member: str = "bomb.bin") -> bytes:
    """A zip of about 1 MB whose one member inflates to ``megabytes`` MB of zeros, built
    in a moment: a deflate block of 1 MB of zeros, compressed once, repeated."""
    chunk = b"\0" * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    data = first + again * (megabytes - 1) + compressor.flush()
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    size, name = megabytes << 20, member.encode()
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size,
                        len(name), 0) + name
    central = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc,
                          len(data), size, len(name), 0, 0, 0, 0, 0, 0) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central),
                      len(local) + len(data), 0)
    return local + data + central + end


def _pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF from numbered objects, with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += (b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, root, xref))
    return bytes(out)


def pdf_bomb(megabytes: int = 400) -> bytes:
    """One page whose content stream is a few hundred kB of zlib that inflates to
    ``megabytes`` MB of spaces."""
    chunk = b" " * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(megabytes):
        checksum = zlib.adler32(chunk, checksum)
    stream = (b"\x78\xda" + first + again * (megabytes - 1) + compressor.flush()
              + struct.pack(">I", checksum))
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream
        + b"\nendstream",
    ])


def pdf_many_pages(pages: int = 20_000) -> bytes:
    """A valid PDF of ``pages`` empty pages, all in one flat page tree."""
    kids = b" ".join(b"%d 0 R" % (3 + i) for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages
    return _pdf(objects)


def pdf_deep_tree(depth: int = 10_000) -> bytes:
    """A page tree nested ``depth`` levels deep, each level a /Pages node with one kid."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        number = 2 + level
        parent = b" /Parent %d 0 R" % (number - 1) if level else b""
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1%s >>"
                       % (number + 1, parent))
    objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] >>"
                   % (depth + 1))
    return _pdf(objects)


def pdf_deep_array(depth: int = 100_000) -> bytes:
    """A page whose /Annots is an array nested ``depth`` times: [[[[...]]]]."""
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Annots "
        + b"[" * depth + b"]" * depth + b" >>",
    ])


def pdf_reference_loop() -> bytes:
    """A page tree whose /Pages node lists itself as its kid."""
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>",
    ])


def pdf_named_zip_bomb() -> bytes:
    """A zip bomb whose member's name makes its first bytes look like a PDF."""
    return zip_bomb(member="%PDF-1.7 bomb.bin")


BOMBS = [zip_bomb, pdf_named_zip_bomb, pdf_bomb, pdf_many_pages, pdf_deep_tree,
         pdf_deep_array, pdf_reference_loop]


@functools.cache
def built(make) -> bytes:
    """Each bomb built once per session."""
    return make()


def assert_safe_name(name: str) -> None:
    """A file name kept for display: one part, no path, no control characters."""
    assert name and len(name) <= 200, name
    assert "/" not in name and "\\" not in name and name.strip(".") != "", name
    assert all(ch.isprintable() for ch in name), repr(name)


def multipart(fields: dict) -> dict:
    """Keyword arguments for ``client.post`` with a multipart body built in memory; a file
    is given as (bytes, name). (The test client spools a large body to a temporary file
    that it never closes, which pytest reports as an unclosed file.)"""
    values = MultiDict()
    for key, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, tuple):
                item = FileStorage(io.BytesIO(item[0]), filename=item[1],
                                   content_type="application/octet-stream")
            values.add(key, item)
    boundary, body = encode_multipart(values)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}
