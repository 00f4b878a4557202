"""Thai calendar: parsing and formatting dates and times the way Thai official documents write them.

Pure Python, no Flask. Conventions:

- The Buddhist Era (พ.ศ.) is the Common Era plus 543: ๒๕๖๒ is 2019.
- Day-month-year text with a four-digit year is always Buddhist Era ("๑ พ.ย. ๒๕๖๒");
  a two-digit year is 25xx ("๒๖ พ.ย. ๖๒" is ๒๕๖๒), as endorsements write it. Only ISO
  "2019-11-01" (year first) is read as a Common Era year.
- Digits may be Thai (๐-๙), Arabic, or a mix, as OCR of stamps produces ("11 พ.ค. ๖2").
- Month names may be full (พฤศจิกายน) or abbreviated, with or without dots and spaces
  (พ.ย., พ.ย, พย). An OCR mix such as "มี.ย" (มี.ค.? มิ.ย.?) is refused rather than guessed.
- The government fiscal year starts on 1 October: 1 Oct 2019 begins fiscal year ๒๕๖๓.

Errors are ``ThaiDateError`` (a ``ValueError``) naming the wrong part in Thai, with
``part``, ``text`` and an English ``message_en`` for the API.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from zoneinfo import ZoneInfo

__all__ = [
    "BANGKOK",
    "THAI_MONTHS",
    "THAI_MONTHS_ABBR",
    "ThaiDateError",
    "be_year",
    "fiscal_year",
    "format_date",
    "format_datetime",
    "format_duration",
    "format_time",
    "isoformat",
    "local",
    "local_date",
    "now",
    "parse_date",
    "parse_time",
    "to_arabic_digits",
    "to_thai_digits",
    "today",
]

BANGKOK = ZoneInfo("Asia/Bangkok")
BE_OFFSET = 543
BE_MIN, BE_MAX = 2300, 2900

THAI_MONTHS = (
    "", "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
THAI_MONTHS_ABBR = (
    "", "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)

_THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_ARABIC = str.maketrans(_THAI_DIGITS, "0123456789")
_TO_THAI = str.maketrans("0123456789", _THAI_DIGITS)


def _month_key(text: str) -> str:
    return re.sub(r"[\s.]", "", text)


# "พฤศจิกายน" -> 11, "พย" -> 11
_MONTHS: dict[str, int] = {}
for _i in range(1, 13):
    _MONTHS[_month_key(THAI_MONTHS[_i])] = _i
    _MONTHS[_month_key(THAI_MONTHS_ABBR[_i])] = _i
_EXAMPLE = "๒๖ พ.ย. ๒๕๖๒"


class ThaiDateError(ValueError):
    """A date or time that cannot be read; ``part`` names what is wrong."""

    def __init__(self, message: str, *, part: str, text: str, message_en: str):
        super().__init__(message)
        self.part = part
        self.text = text
        self.message_en = message_en


def to_arabic_digits(s) -> str:
    return str(s).translate(_TO_ARABIC)


def to_thai_digits(s) -> str:
    return str(s).translate(_TO_THAI)


def now() -> dt.datetime:
    """The one clock: the current moment, aware, in UTC (tests move it with time-machine)."""
    return dt.datetime.now(dt.UTC)


def local(value: dt.datetime) -> dt.datetime:
    """An aware datetime as Bangkok wall-clock time. A naive datetime is refused: whether
    it meant UTC or Bangkok cannot be known, and a guess moves dates by a day."""
    if not isinstance(value, dt.datetime):
        raise TypeError(f"expected a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"naive datetime {value.isoformat()} refused: give an aware datetime "
            "(UTC from the database, or with tzinfo=BANGKOK)")
    return value.astimezone(BANGKOK)


def local_date(value) -> dt.date:
    """The date in Bangkok of an aware datetime; a date is its own date."""
    if isinstance(value, dt.datetime):
        return local(value).date()
    if isinstance(value, dt.date):
        return value
    raise TypeError(f"expected a date or an aware datetime, not {type(value).__name__}")


def isoformat(value: dt.datetime | None) -> str | None:
    """How the API writes a moment: ISO 8601 in Bangkok time with its offset,
    "2019-12-02T06:30:00+07:00" (None stays None; naive is refused)."""
    return None if value is None else local(value).isoformat()


def today() -> dt.date:
    """Today's date in Bangkok."""
    return now().astimezone(BANGKOK).date()


def be_year(value) -> int:
    """The Buddhist-era year of a date, of an aware datetime (its year in Bangkok: 00.30 น.
    on 1 January is already the new year, though UTC is still in the old one) or of a
    Common Era year."""
    if isinstance(value, bool):
        raise TypeError("expected a year, a date or an aware datetime, not bool")
    year = value if isinstance(value, int) else local_date(value).year
    return year + BE_OFFSET


def _clean(text: str) -> str:
    text = to_arabic_digits(str(text)).replace("\u0e4d\u0e32", "\u0e33")  # ํา -> ำ
    text = re.sub(r"[\u200b\u200c\u200d\ufeff]", "", text)
    return re.sub(r"\s+", " ", text).strip()


_LEAD = re.compile(r"^(?:ลงวันที่|วันที่|ลง)\s*")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2,4})$")
_TEXTUAL = re.compile(
    r"^(\d{1,2})\s*([\u0e00-\u0e7f][\u0e00-\u0e7f.\s]*?)\s*(?:พ\s*\.?\s*ศ\s*\.?)?\s*(\d+)$"
)


def _error(part: str, text: str, th: str, en: str) -> ThaiDateError:
    return ThaiDateError(th, part=part, text=text, message_en=en)


def _year(raw: str, text: str) -> int:
    """A Common Era year from a BE year of two or four digits."""
    if len(raw) == 2:
        return 2500 + int(raw) - BE_OFFSET
    if len(raw) != 4:
        raise _error(
            "year", text,
            f"ปี \"{to_thai_digits(raw)}\" ไม่ถูกต้อง ใช้ปี พ.ศ. สี่หลัก (๒๕๖๒) หรือสองหลัก (๖๒)",
            f"year '{raw}' is not valid: use a four-digit (2562) or two-digit (62) BE year",
        )
    be = int(raw)
    if not BE_MIN <= be <= BE_MAX:
        raise _error(
            "year", text,
            f"ปี {to_thai_digits(raw)} ไม่ใช่ปีพุทธศักราช (เช่น ๒๕๖๒)",
            f"year {raw} is not a Buddhist-era year (e.g. 2562)",
        )
    return be - BE_OFFSET


def _make(year: int, month: int, day: int, text: str) -> dt.date:
    if not 1 <= month <= 12:
        raise _error("month", text, f"ไม่มีเดือนที่ {to_thai_digits(month)}",
                     f"there is no month {month}")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise _error(
            "day", text,
            f"วันที่ {to_thai_digits(day)} ไม่มีในเดือน{THAI_MONTHS[month]} "
            f"{to_thai_digits(year + BE_OFFSET)} (มี {to_thai_digits(last)} วัน)",
            f"day {day} does not exist in month {month} of {year + BE_OFFSET} BE",
        )
    return dt.date(year, month, day)


def parse_date(text) -> dt.date:
    """Read a Thai date: "๒๖ พ.ย. ๖๒", "ลง ๑ พฤศจิกายน ๒๕๖๒", "1/11/2562", "2019-11-01"."""
    original = "" if text is None else str(text)
    s = _LEAD.sub("", _clean(original)).rstrip(" .")
    if not s:
        raise _error("format", original, f"กรุณาระบุวันที่ เช่น {_EXAMPLE}",
                     "a date is required, e.g. 26 พ.ย. 2562")
    if m := _ISO.match(s):
        year, month, day = (int(x) for x in m.groups())
        if year >= 2400:
            raise _error("year", original,
                         "รูปแบบ ปี-เดือน-วัน ใช้ปี ค.ศ. (เช่น 2019-11-01)",
                         "year-month-day form takes a Common Era year (2019-11-01)")
        return _make(year, month, day, original)
    if m := _NUMERIC.match(s):
        day, month, raw_year = m.groups()
        return _make(_year(raw_year, original), int(month), int(day), original)
    if m := _TEXTUAL.match(s):
        day, raw_month, raw_year = m.groups()
        month = _MONTHS.get(_month_key(raw_month))
        if month is None:
            raise _error(
                "month", original,
                f"ไม่รู้จักชื่อเดือน \"{raw_month.strip()}\" (เช่น พ.ย. หรือ พฤศจิกายน)",
                f"unknown month name '{raw_month.strip()}'",
            )
        return _make(_year(raw_year, original), month, int(day), original)
    raise _error("format", original,
                 f"อ่านวันที่ \"{original.strip()}\" ไม่ได้ ใช้รูปแบบ เช่น {_EXAMPLE}",
                 f"cannot read the date '{original.strip()}': write e.g. 26 พ.ย. 2562")


_TIME = re.compile(r"^(\d{1,2})\s*[.:]\s*(\d{2})(?!\d)")


def parse_time(text) -> dt.time:
    """Read a time: "๑๕.๕๕", "14.50", "๑๑.๒๕ น.", "15:00"; marks after the minutes are ignored."""
    original = "" if text is None else str(text)
    s = re.sub(r"^เวลา\s*", "", _clean(original))
    m = _TIME.match(s)
    if not m:
        raise _error("format", original,
                     f"อ่านเวลา \"{original.strip()}\" ไม่ได้ ใช้รูปแบบ เช่น ๑๕.๕๕ น.",
                     f"cannot read the time '{original.strip()}': write e.g. 15.55")
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour > 23:
        raise _error("hour", original, f"ชั่วโมง {to_thai_digits(hour)} เกิน ๒๓",
                     f"hour {hour} is beyond 23")
    if minute > 59:
        raise _error("minute", original, f"นาที {to_thai_digits(m.group(2))} เกิน ๕๙",
                     f"minute {minute} is beyond 59")
    return dt.time(hour, minute)


def _digits(s: str, digits: str) -> str:
    if digits == "thai":
        return to_thai_digits(s)
    if digits == "arabic":
        return s
    raise ValueError(f"digits must be 'thai' or 'arabic', not {digits!r}")


def format_date(d, style: str = "short", digits: str = "thai") -> str:
    """"๒๖ พ.ย. ๒๕๖๒" (short), "๒๖ พฤศจิกายน ๒๕๖๒" (long), "๒๖ พ.ย. ๖๒" (endorsement).

    ``d`` is a date or an aware datetime, shown as its date in Bangkok; naive is refused."""
    d = local_date(d)
    year = d.year + BE_OFFSET
    if style == "short":
        text = f"{d.day} {THAI_MONTHS_ABBR[d.month]} {year}"
    elif style == "long":
        text = f"{d.day} {THAI_MONTHS[d.month]} {year}"
    elif style == "endorsement":
        text = f"{d.day} {THAI_MONTHS_ABBR[d.month]} {year % 100:02d}"
    else:
        raise ValueError(f"style must be 'short', 'long' or 'endorsement', not {style!r}")
    return _digits(text, digits)


def format_time(t, digits: str = "thai") -> str:
    """"๑๕.๕๕ น."; an aware datetime is shown in Bangkok time, a naive one refused."""
    if isinstance(t, dt.datetime):
        t = local(t).time()
    return _digits(f"{t.hour}.{t.minute:02d} น.", digits)


def format_datetime(value: dt.datetime, style: str = "short", digits: str = "thai") -> str:
    """Date and time in Bangkok of an aware datetime; a naive one is refused."""
    value = local(value)
    return f"{format_date(value, style, digits)} {format_time(value.time(), digits)}"


def format_duration(delta: dt.timedelta, exact: bool = True, digits: str = "thai") -> str:
    """"๓ วัน ๔ ชั่วโมง", "๔๐ นาที"; with ``exact`` false (a date without a time on one
    side), whole days between the dates: "ประมาณ ๓ วัน", or "ภายในวันเดียวกัน"."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if not exact:
        text = f"ประมาณ {days} วัน" if days else "ภายในวันเดียวกัน"
    elif days:
        text = f"{days} วัน" + (f" {hours} ชั่วโมง" if hours else "")
    elif hours:
        text = f"{hours} ชั่วโมง" + (f" {rest // 60} นาที" if rest // 60 else "")
    else:
        text = f"{rest // 60} นาที"
    return _digits(text, digits)


def fiscal_year(d) -> int:
    """The Buddhist-era fiscal year: it starts on 1 October (1 Oct 2019 is ๒๕๖๓); an aware
    datetime counts by its date in Bangkok."""
    d = local_date(d)
    return be_year(d.year + (1 if d.month >= 10 else 0))
