"""Text as the search index holds it, and as a query is read: the same function for both.

Thai digits become Arabic (๐๐๓๓.๑๒/๕๐๕๒ = 0033.12/5052), typing variants are made one
(นํ้า = น้ำ, a doubled tone mark), invisible characters go, letters are lower-case and
runs of spaces are one space.
"""

from __future__ import annotations

import re
import unicodedata

from saraban.thaidate import to_arabic_digits

_SPACES = re.compile(r"\s+")


def normalize(text: str | None) -> str:
    if not text:
        return ""
    from pythainlp.util import normalize as thai_normalize

    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
                   or ch in "\n\t")
    text = thai_normalize(unicodedata.normalize("NFC", to_arabic_digits(text)))
    return _SPACES.sub(" ", text).strip().lower()
