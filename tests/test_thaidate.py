"""Thai dates and times: the seed's real strings, clear errors, and round trips over centuries."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saraban.thaidate import (
    BANGKOK,
    ThaiDateError,
    fiscal_year,
    format_date,
    format_datetime,
    format_time,
    parse_date,
    parse_time,
    to_arabic_digits,
    to_thai_digits,
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("๑ พฤศจิกายน ๒๕๖๒", dt.date(2019, 11, 1)),
        ("11 พ.ย. 2562", dt.date(2019, 11, 11)),
        ("๑๑ พ.ย. ๒๕๖๒", dt.date(2019, 11, 11)),
        ("11 พ.ค. ๖2", dt.date(2019, 5, 11)),  # mixed digits; the seed meant พ.ย.
        ("ลง ๒๖ พ.ย.๖๒", dt.date(2019, 11, 26)),
        ("๒๒ พฤศจิกายน ๒๕๖๒", dt.date(2019, 11, 22)),
        ("วันที่ ๒๐ ธ.ค. ๒๕๖๒", dt.date(2019, 12, 20)),
        ("๖ ธ.ค.๖๒", dt.date(2019, 12, 6)),
        ("๒๖พ.ย.๖๒", dt.date(2019, 11, 26)),
        ("26 พย 62", dt.date(2019, 11, 26)),
        ("26 พ.ย 2562", dt.date(2019, 11, 26)),
        ("๑ พฤศจิกายน พ.ศ. ๒๕๖๒", dt.date(2019, 11, 1)),
        ("ลงวันที่ 29 ก.พ. 2563", dt.date(2020, 2, 29)),
        ("1/11/2562", dt.date(2019, 11, 1)),
        ("๑/๑๑/๒๕๖๒", dt.date(2019, 11, 1)),
        ("2019-11-01", dt.date(2019, 11, 1)),
        ("  ๑   พ.ย.   ๒๕๖๒ ", dt.date(2019, 11, 1)),
    ],
)
def test_parse_date_reads_the_ways_clerks_write(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text, part, words",
    [
        ("๕๐ ธ.ค. ๒๕๖๒", "day", "๕๐"),
        ("๒๕ มี.ย ๒๕๖๒", "month", "มี.ย"),
        ("29 ก.พ. 2562", "day", "กุมภาพันธ์"),
        ("31 เม.ย. 2562", "day", "๓๑"),
        ("0 ม.ค. 2562", "day", "๐"),
        ("1 พ.ย. 1999", "year", "พุทธศักราช"),
        ("1 พ.ย. 256", "year", "ปี"),
        ("", "format", "วันที่"),
        ("เมื่อวาน", "format", "เมื่อวาน"),
        ("1/13/2562", "month", "๑๓"),
    ],
)
def test_parse_date_says_which_part_is_wrong(text, part, words):
    with pytest.raises(ThaiDateError) as info:
        parse_date(text)
    assert isinstance(info.value, ValueError)
    assert info.value.part == part
    assert words in str(info.value)
    assert info.value.message_en


@pytest.mark.parametrize(
    "text, expected",
    [("๑๕.๕๕", dt.time(15, 55)), ("14.50", dt.time(14, 50)), ("๑๑.๒๕ น.", dt.time(11, 25)),
     ("15:00", dt.time(15, 0)), ("15.๐๐ฯ.", dt.time(15, 0)), ("เวลา 9.05 น", dt.time(9, 5)),
     ("๐.๐๐", dt.time(0, 0))],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    "text, part", [("24.00", "hour"), ("ท.พ.น.", "format"), ("12.60", "minute"), ("", "format")]
)
def test_parse_time_errors(text, part):
    with pytest.raises(ThaiDateError) as info:
        parse_time(text)
    assert info.value.part == part


def test_formats():
    d = dt.date(2019, 11, 26)
    assert format_date(d) == "๒๖ พ.ย. ๒๕๖๒"
    assert format_date(d, "long") == "๒๖ พฤศจิกายน ๒๕๖๒"
    assert format_date(d, "endorsement") == "๒๖ พ.ย. ๖๒"
    assert format_date(d, digits="arabic") == "26 พ.ย. 2562"
    assert format_time(dt.time(15, 55)) == "๑๕.๕๕ น."
    assert format_time(dt.time(9, 5), "arabic") == "9.05 น."
    utc = dt.datetime(2019, 12, 20, 8, 55, tzinfo=dt.UTC)
    assert format_datetime(utc) == "๒๐ ธ.ค. ๒๕๖๒ ๑๕.๕๕ น."
    with pytest.raises(ValueError):
        format_date(d, "fancy")
    with pytest.raises(ValueError):
        format_date(d, digits="roman")


def test_fiscal_year_starts_in_october():
    assert fiscal_year(dt.date(2019, 9, 30)) == 2562
    assert fiscal_year(dt.date(2019, 10, 1)) == 2563
    assert fiscal_year(dt.datetime(2019, 12, 31, 23, 0, tzinfo=BANGKOK)) == 2563


def test_digits():
    assert to_thai_digits("0033.12/5052") == "๐๐๓๓.๑๒/๕๐๕๒"
    assert to_arabic_digits("ที่ ๐๐๓๓.๑๒/๕๐๕๒") == "ที่ 0033.12/5052"
    assert to_thai_digits(2562) == "๒๕๖๒"


centuries = st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2300, 12, 31))


@given(d=centuries, style=st.sampled_from(["short", "long"]),
       digits=st.sampled_from(["thai", "arabic"]))
def test_format_then_parse_gives_the_same_date(d, style, digits):
    assert parse_date(format_date(d, style, digits)) == d


@given(d=st.dates(min_value=dt.date(1957, 1, 1), max_value=dt.date(2056, 12, 31)),
       digits=st.sampled_from(["thai", "arabic"]))
def test_endorsement_style_round_trips_within_its_century(d, digits):
    assert parse_date(format_date(d, "endorsement", digits)) == d


@given(t=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
       digits=st.sampled_from(["thai", "arabic"]))
def test_time_round_trip(t, digits):
    assert parse_time(format_time(t, digits)) == t


@given(st.text(alphabet="0123456789กขคงพยศ./ "))
def test_digit_conversion_round_trip(s):
    assert to_arabic_digits(to_thai_digits(s)) == s


def test_durations_read_as_thai_clerks_say_them():
    import datetime as dt

    from saraban.thaidate import format_duration

    assert format_duration(dt.timedelta(days=3, hours=4)) == "๓ วัน ๔ ชั่วโมง"
    assert format_duration(dt.timedelta(hours=2, minutes=5)) == "๒ ชั่วโมง ๕ นาที"
    assert format_duration(dt.timedelta(minutes=40)) == "๔๐ นาที"
    assert format_duration(dt.timedelta(days=10), exact=False) == "ประมาณ ๑๐ วัน"
    assert format_duration(dt.timedelta(hours=3), exact=False) == "ภายในวันเดียวกัน"
    assert format_duration(dt.timedelta(days=1), digits="arabic") == "1 วัน"
