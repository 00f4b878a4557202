"""The endorsement sheet (ใบเกษียนหนังสือ) and the routing slip (ใบปะหน้าเสนอ), checked as a
person would: the text pdftotext reads back and where it stands on the page, the fonts with
pdffonts, and the page rasterised with pdftoppm. No database needed."""

from __future__ import annotations

import dataclasses
import html
import re
import subprocess

import pytest

from saraban.pdf.endorsement import (
    SheetDocument,
    SignedBlock,
    endorsement_sheet_pdf,
    routing_slip_pdf,
)
from saraban.thaidate import to_thai_digits
from tests.pdftools import dark, need, raster

PRINTED = "พิมพ์เมื่อ ๒๖ พ.ย. ๒๕๖๒ ๑๐.๑๕ น."
SEED_DOC = SheetDocument(
    number="๐๐๓๓.๑๒/๕๐๕๒", date_text="๒๒ พ.ย. ๒๕๖๒",
    subject="แจ้งผลการสำรวจระดับความพร้อมการพัฒนารัฐบาลดิจิทัลของหน่วยงานภาครัฐ ประจำปี ๒๕๖๒",
    sender="สทส.", addressee="ผบ.ตร.",
    receipts=["สง.ผู้ช่วย ผบ.ตร.(ปร ๓) รับที่ ๑๒๓๔ วันที่ ๒๕ พ.ย. ๒๕๖๒ เวลา ๑๐.๓๐ น."])
SEED_BLOCK = SignedBlock(lines=["ทราบตามข้อ ๒", "เห็นชอบตามที่เสนอในข้อ ๓"],
                         signer_name="พล.ต.ท.\n(ปิยะ อุทัยโย)",
                         capacity="ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร.", date_text="๒๖ พ.ย. ๖๒")
BLANK_NAME, BLANK_CAPACITY, BLANK_DATE = "(" + "." * 20 + ")", "." * 40, "/".join(["." * 10] * 3)
SLIP = dict(to_text="ผบ.ตร.", purpose_text="เพื่อโปรดพิจารณา", from_text="สทส.",
            proposer="พ.ต.อ.\n(สมชาย ใจดี)", proposed_at="๒๕ พ.ย. ๒๕๖๒ ๑๑.๐๐ น.",
            printed_at=PRINTED)
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                  r"(.*?)</word>")
A4_WIDTH = 595.2756


def text(pdf: bytes, page: int | None = None) -> str:
    """pdftotext's reading of the PDF (or of one page), whitespace normalised."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run([need("pdftotext"), *pages, "-", "-"], input=pdf,
                         capture_output=True, check=True).stdout.decode()
    return " ".join(out.split())


def words(pdf: bytes, page: int = 1) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Each line of text (a span read back whole) and its box in points, from the top left."""
    out = subprocess.run([need("pdftotext"), "-bbox", "-f", str(page), "-l", str(page), "-",
                          "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return [(html.unescape(m[5]), tuple(map(float, m.groups()[:4]))) for m in WORD.finditer(out)]


def bare(s: str) -> str:
    return "".join(s.split())


def page_count(pdf: bytes) -> int:
    out = subprocess.run([need("pdfinfo"), "-"], input=pdf, capture_output=True,
                         check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)$", out, re.M).group(1))


def grey(image, x0: float, y0: float, x1: float, y1: float) -> int:
    """Light grey pixels (the draft watermark) in a region, in fractions of the page."""
    width, height, pixels = image
    return sum(1 for y in range(int(y0 * height), int(y1 * height))
               for x in range(int(x0 * width), int(x1 * width))
               if 200 <= pixels[y * width + x] <= 245)


@pytest.fixture(scope="module")
def seed_sheet() -> bytes:
    return endorsement_sheet_pdf(SEED_DOC, [SEED_BLOCK], printed_at=PRINTED)


@pytest.fixture(scope="module")
def sixty_sheet() -> bytes:
    blocks = [SignedBlock(lines=[f"ทราบเรื่องที่ {to_thai_digits(i)}", "เห็นชอบตามที่เสนอ"],
                          signer_name="พล.ต.ต.\n(สมศักดิ์ ตั้งใจ)",
                          capacity=f"รอง ผบช. ลำดับที่ {to_thai_digits(i)}",
                          date_text="๒๗ พ.ย. ๖๒",
                          orders=[f"ฝอ.สงป.: ดำเนินการตามข้อ ๓ ภายใน ๓๐ ธ.ค. ๖๒ (ครั้งที่ {i})"]
                          if i % 3 == 0 else [])
              for i in range(1, 61)]
    return endorsement_sheet_pdf(SEED_DOC, blocks, printed_at=PRINTED)


SENTENCES = [f"ข้อ {to_thai_digits(i)} สำนักงานพัฒนารัฐบาลดิจิทัลขอความร่วมมือหน่วยงานของรัฐ"
             f"ดำเนินการตามข้อเสนอแนะในการพัฒนารัฐบาลดิจิทัลของประเทศไทย" for i in range(1, 51)]


@pytest.fixture(scope="module")
def long_slip() -> bytes:
    doc = dataclasses.replace(SEED_DOC, summary=" ".join(SENTENCES))
    assert len(doc.summary) >= 4000
    return routing_slip_pdf(doc, **SLIP)


def test_seed_endorsement_reads_back_as_written(seed_sheet):
    got = text(seed_sheet)
    expected = ["ใบเกษียนหนังสือ", "๐๐๓๓.๑๒/๕๐๕๒", "๒๒ พ.ย. ๒๕๖๒", SEED_DOC.subject, "สทส.",
                "ผบ.ตร.", SEED_DOC.receipts[0], "- ทราบตามข้อ ๒", "- เห็นชอบตามที่เสนอในข้อ ๓",
                "พล.ต.ท.", "(ปิยะ อุทัยโย)", "ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร.", "๒๖ พ.ย. ๖๒",
                BLANK_NAME, PRINTED, "หน้า ๑ / ๑"]
    for s in expected:
        assert s in got, s
    # in the order written: the document, the minute, its signature, then room for the next
    order = [got.index(s) for s in ["ใบเกษียนหนังสือ", "เรื่อง", "- ทราบตามข้อ ๒", "พล.ต.ท.",
                                     "(ปิยะ อุทัยโย)", "๒๖ พ.ย. ๖๒", BLANK_NAME]]
    assert order == sorted(order)
    assert "สั่งการ" not in got and "ร่าง" not in got
    assert page_count(seed_sheet) == 1


def test_signatures_stand_centred_in_the_right_half(seed_sheet):
    boxes = dict(words(seed_sheet))
    centres = []
    for line in ["พล.ต.ท.", "(ปิยะ อุทัยโย)", "ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร.", "๒๖ พ.ย. ๖๒",
                 BLANK_NAME, BLANK_CAPACITY, BLANK_DATE]:
        x0, _, x1, _ = boxes[line]
        assert x0 > A4_WIDTH / 2 - 5, line
        centres.append((x0 + x1) / 2)
    assert max(centres) - min(centres) < 3  # one axis
    for line in ["- ทราบตามข้อ ๒", "- เห็นชอบตามที่เสนอในข้อ ๓"]:
        assert boxes[line][0] < A4_WIDTH / 6  # the minute itself starts at the left margin
    # rank above name above capacity above date
    tops = [boxes[s][1] for s in ["พล.ต.ท.", "(ปิยะ อุทัยโย)", "ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร."]]
    assert tops == sorted(tops)


@pytest.mark.parametrize("which", ["seed_sheet", "long_slip"])
def test_no_two_lines_overlap(which, request):
    pdf = request.getfixturevalue(which)
    boxes = [box for _, box in words(pdf)]
    assert len(boxes) > 10
    for i, (ax0, ay0, ax1, ay1) in enumerate(boxes):
        assert ax1 > ax0 and ay1 > ay0  # every line has its real extent
        for bx0, by0, bx1, by1 in boxes[i + 1:]:
            assert min(ax1, bx1) <= max(ax0, bx0) or min(ay1, by1) <= max(ay0, by0)


@pytest.mark.parametrize("which", ["seed_sheet", "long_slip"])
def test_sarabun_is_embedded(which, request):
    out = subprocess.run([need("pdffonts"), "-"], input=request.getfixturevalue(which),
                         capture_output=True, check=True).stdout.decode()
    fonts = out.splitlines()[2:]
    assert any("Sarabun-Regular" in f for f in fonts) and any("Sarabun-Bold" in f for f in fonts)
    for line in fonts:  # name type encoding emb sub uni object generation
        assert "Sarabun" in line and line.split()[-5] == "yes", out


def test_sixty_minutes_flow_over_pages_each_whole(sixty_sheet):
    pages = page_count(sixty_sheet)
    assert pages >= 4
    where: dict[str, int] = {}
    for page in range(1, pages + 1):
        got = text(sixty_sheet, page) + " "
        assert f"หน้า {to_thai_digits(page)} / {to_thai_digits(pages)}" in got
        assert got.count(PRINTED) == 1
        for i in range(1, 61):
            n = to_thai_digits(i)
            for key in (f"- ทราบเรื่องที่ {n} ", f"ลำดับที่ {n} "):
                if key in got:
                    assert key not in where, key
                    where[key] = page
    for i in range(1, 61):  # every minute there, its lines and its signature on one page
        n = to_thai_digits(i)
        assert where[f"- ทราบเรื่องที่ {n} "] == where[f"ลำดับที่ {n} "], i
    firsts = [where[f"- ทราบเรื่องที่ {to_thai_digits(i)} "] for i in range(1, 61)]
    assert firsts == sorted(firsts) and firsts[-1] > 1
    assert BLANK_NAME in text(sixty_sheet, pages)  # room for the next minute, at the end
    all_text = text(sixty_sheet)
    assert all_text.count("สั่งการ") == 20 and "(ครั้งที่ ๖๐)" in all_text


def test_long_summary_flows_on_without_losing_text(long_slip):
    pages = page_count(long_slip)
    assert pages >= 2
    read = []
    for page in range(1, pages + 1):
        got = text(long_slip, page)
        footer = f"หน้า {to_thai_digits(page)} / {to_thai_digits(pages)}"
        assert footer in got and PRINTED in got
        read.append(got.replace(footer, "").replace(PRINTED, ""))
    assert "ความเห็น / คำสั่งของผู้บังคับบัญชา" in read[-1] and BLANK_NAME in read[-1]
    read = [bare(page) for page in read]  # a sentence may be wrapped anywhere between words
    assert bare(" ".join(SENTENCES)) in "".join(read)  # whole and in order, over the break
    assert bare(SENTENCES[0]) in read[0] and bare(SENTENCES[-1]) not in read[0]
    first = text(long_slip, 1)
    for s in ["ใบปะหน้าเสนอ", "เรียน ผบ.ตร.", "เพื่อโปรดพิจารณา", "สาระสำคัญ", SEED_DOC.subject]:
        assert s in first, s
    for s in ["จาก สทส.", "ผู้เสนอ พ.ต.อ. (สมชาย ใจดี)", "เสนอเมื่อ ๒๕ พ.ย. ๒๕๖๒ ๑๑.๐๐ น."]:
        assert s in text(long_slip), s


def test_short_slip_fits_one_page_with_its_ruled_space():
    pdf = routing_slip_pdf(SEED_DOC, **{**SLIP, "proposer": None, "proposed_at": None})
    assert page_count(pdf) == 1
    got = text(pdf)
    assert "ผู้เสนอ" not in got and "เสนอเมื่อ" not in got and "สาระสำคัญ" not in got
    boxes = dict(words(pdf))
    head = boxes["ความเห็น / คำสั่งของผู้บังคับบัญชา"]
    assert boxes["จาก สทส."][1] < head[1] < boxes[BLANK_NAME][1]
    assert boxes[BLANK_NAME][0] > A4_WIDTH / 2 - 5
    image = raster(pdf)
    assert dark(image, 0.3, 0.0, 0.7, 0.08) > 30  # the title
    assert dark(image, 0.1, 0.45, 0.9, 0.85) > 1500  # the box, its heading, the dotted lines


def test_draft_watermark_only_on_a_draft():
    draft = dataclasses.replace(SEED_BLOCK, signer_name=None, capacity=None, date_text=None,
                                draft=True)
    plain = endorsement_sheet_pdf(SEED_DOC, [SEED_BLOCK], printed_at=PRINTED)
    marked = endorsement_sheet_pdf(SEED_DOC, [SEED_BLOCK, draft], printed_at=PRINTED)
    assert "ร่าง" not in text(plain)
    assert text(marked).count("ร่าง") == 1
    x0, y0, x1, y1 = dict(words(marked))["ร่าง"]
    assert x1 - x0 > 150 and y1 - y0 > 100  # large and diagonal
    assert grey(raster(marked), 0.25, 0.3, 0.75, 0.7) > 3 * grey(raster(plain), 0.25, 0.3,
                                                                 0.75, 0.7) + 200
    # a draft further on marks its own page only
    many = endorsement_sheet_pdf(SEED_DOC, [SEED_BLOCK] * 12 + [draft], printed_at=PRINTED)
    pages = page_count(many)
    assert pages >= 2
    assert [("ร่าง" in text(many, p)) for p in range(1, pages + 1)].count(True) == 1


def test_blank_sheet_has_only_the_space_to_write():
    pdf = endorsement_sheet_pdf(SEED_DOC, [], printed_at=PRINTED, blank_lines=10)
    assert page_count(pdf) == 1
    got = text(pdf)
    for s in [BLANK_NAME, BLANK_CAPACITY, BLANK_DATE, SEED_DOC.subject, "หน้า ๑ / ๑"]:
        assert s in got, s
    assert "- " not in got and "สั่งการ" not in got
    boxes = dict(words(pdf))
    assert boxes[BLANK_NAME][0] > A4_WIDTH / 2 - 5
    image = raster(pdf)
    width, height, _ = image
    # ten dotted lines across the page between the box and the blank signature
    top, bottom = boxes[SEED_DOC.receipts[0]][3] / 841.89, boxes[BLANK_NAME][1] / 841.89
    assert dark(image, 0.1, top + 0.01, 0.9, bottom - 0.01) > 10 * 40


def test_every_number_in_thai_digits():
    doc = SheetDocument(number="0033.12/5052", date_text="22 พ.ย. 2562", subject="ประจำปี 2562",
                        sender="สทส.", addressee="ผบ.ตร.", summary="ข้อ 1 ถึง 3",
                        receipts=["รับที่ 1234"])
    block = SignedBlock(lines=["ทราบตามข้อ 2"], signer_name=None, capacity=None,
                        date_text="26 พ.ย. 62", orders=["ภายใน 30 ธ.ค. 62"])
    sheet = endorsement_sheet_pdf(doc, [block], printed_at="พิมพ์เมื่อ 26 พ.ย. 2562")
    slip = routing_slip_pdf(doc, to_text="ผบ.ตร.", purpose_text="เพื่อ 1", from_text="สทส.",
                            proposer="ร.ต.อ. 1", proposed_at="25 พ.ย. 2562",
                            printed_at="พิมพ์ 2562")
    for pdf in (sheet, slip):
        got = text(pdf)
        assert not re.search(r"[0-9]", got), got
        assert "๐๐๓๓.๑๒/๕๐๕๒" in got and "ประจำปี ๒๕๖๒" in got and "รับที่ ๑๒๓๔" in got
    assert "- ทราบตามข้อ ๒" in text(sheet) and "๒๖ พ.ย. ๖๒" in text(sheet)
    assert "ข้อ ๑ ถึง ๓" in text(slip) and "เสนอเมื่อ ๒๕ พ.ย. ๒๕๖๒" in text(slip)


def test_a_minute_longer_than_a_page_is_split_not_refused():
    huge = SignedBlock(lines=[f"ข้อพิจารณาที่ {to_thai_digits(i)} " + SENTENCES[i % 50]
                              for i in range(1, 61)],
                       signer_name="พล.ต.ท.\n(ปิยะ อุทัยโย)", capacity=None, date_text=None)
    pdf = endorsement_sheet_pdf(SEED_DOC, [SEED_BLOCK, huge], printed_at=PRINTED)
    assert page_count(pdf) >= 3
    got = bare(text(pdf))
    for i in range(1, 61):
        assert bare(f"- ข้อพิจารณาที่ {to_thai_digits(i)} {SENTENCES[i % 50]}") in got
