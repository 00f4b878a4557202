"""OCR of scanned letters (saraban.intake): pages of a scan, Tesseract's words, and the fields
read from a corpus of letters the tests render in Laksaman (tests/intake_corpus.py)."""

from __future__ import annotations

import io
import os
import shutil

import pytest
from PIL import Image

from saraban.intake import fields as F
from saraban.intake import ocr as O


def need_tesseract() -> None:
    """Without Tesseract and its Thai data the test skips, or fails in CI."""
    problems = []
    if not O.available():
        problems.append("tesseract with Thai data (apt-get install tesseract-ocr "
                        "tesseract-ocr-tha)")
    if shutil.which("pdftoppm") is None:
        problems.append("poppler-utils")
    if not os.path.isfile("/usr/share/fonts/truetype/tlwg/Laksaman.ttf"):
        problems.append("fonts-thai-tlwg")
    if problems:
        message = "not installed: " + ", ".join(problems)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def clean_items():
    need_tesseract()
    from tests.intake_corpus import corpus

    return corpus(4, levels=("clean",), dpis=(300,))


def test_normalise_joins_sara_am_and_snaps_a_dropped_tone_mark():
    assert F.normalise("สํานักงาน ประจําปี") == "สำนักงาน ประจำปี"
    assert F.key("เรือง") == F.key("เรื่อง")
    assert F.correct_thai("ท้องถิน") == "ท้องถิ่น"


def test_pages_of_pdf_png_and_multipage_tiff(clean_items):
    image = clean_items[0].image
    small = image.resize((image.width // 4, image.height // 4))
    png = io.BytesIO()
    small.save(png, format="PNG")
    assert [p.size for p in O.pages_of(png.getvalue(), "image/png")] == [small.size]
    tiff = io.BytesIO()
    small.save(tiff, format="TIFF", save_all=True, append_images=[small.rotate(90)])
    assert len(O.pages_of(tiff.getvalue(), "image/tiff")) == 2
    pdf = io.BytesIO()
    small.save(pdf, format="PDF", resolution=75)
    pages = O.pages_of(pdf.getvalue(), "application/pdf", dpi=75)
    assert len(pages) == 1 and isinstance(pages[0], Image.Image)


def test_ocr_gives_words_lines_and_text(clean_items):
    item = clean_items[0]
    page = O.ocr(item.image)
    assert page.words and page.lines
    assert all(0 <= w.confidence <= 1 for w in page.words)
    assert "เรียน" in page.text.replace(" ", "")
    x0, y0, x1, y1 = page.lines[0].box
    assert 0 <= x0 < x1 <= item.image.width and 0 <= y0 < y1 <= item.image.height


def test_clean_pages_give_the_marks_and_boxes_on_the_page(clean_items):
    for item in clean_items:
        page = O.ocr(item.image)
        read = F.read_fields(item.image, page)
        for name in ("urgency", "secrecy"):
            value = read[name].value if name in read else ""
            assert value.replace(" ", "") == item.truth[name].replace(" ", ""), (item.name, name)
        for field in read.values():
            assert all(0 <= v <= 1 for v in field.box) and 0 <= field.confidence <= 1


def test_clean_300_dpi_number_date_subject_exact(clean_items):
    from tests.intake_corpus import read_item, same

    for item in clean_items:
        read = read_item(item)
        wrong = [(n, read[n]) for n in ("number", "date", "subject")
                 if not same(n, read[n], item.truth[n])]
        assert not wrong, (item.name, wrong)


def test_clean_300_dpi_every_field_exact(clean_items):
    """Every field, the sender and the cited letters too: Tesseract's Latin for Thai
    abbreviations (สทส. as "and.Ins.") read again from the crop, a stray mark (มหาชนู)
    corrected against the dictionary, a cited letter's number read glyph by glyph."""
    from tests.intake_corpus import FIELDS, read_item, same

    for item in clean_items:
        read = read_item(item)
        wrong = [n for n in FIELDS if not same(n, read[n], item.truth[n])]
        assert not wrong, (item.name, wrong)


def test_noisy_pages_number_date_subject_90_percent():
    need_tesseract()
    from tests.intake_corpus import corpus, read_item, same

    items = corpus(2, levels=("rotated", "blur", "salt", "stamp"), dpis=(300,))
    reads = [read_item(i) for i in items]
    for name in ("number", "date", "subject"):
        misses = [(i.name, r[name]) for i, r in zip(items, reads, strict=True)
                  if not same(name, r[name], i.truth[name])]
        assert len(misses) <= 0.1 * len(items), (name, misses)


def test_sarabun_letter_number_date_subject():
    """The seed's DGA letter in the bundled Sarabun (its ๕๖ touch, its space is narrow)."""
    need_tesseract()
    import datetime as dt

    from saraban.pdf.letter import render_letter
    from tests.intake_corpus import _letter, rasterise, same

    base = _letter("dga_4099")
    pdf = render_letter("external", base["fields"], "", base["letterhead"],
                        number=base["number"], date=dt.date.fromisoformat(base["date"]),
                        garuda_path="").pdf
    image = rasterise(pdf, 300)
    read = F.read_fields(image, O.ocr(image))
    assert read["number"].value == "สพร ๒๕๖๒/ว๔๐๙๙"
    assert read["date"].value == "2019-11-01"
    assert same("subject", read["subject"].value, base["fields"]["subject"])


def test_historic_stamp_of_the_seed_is_found_with_its_anomaly():
    need_tesseract()
    from tests.intake_corpus import seed_stamped

    image = seed_stamped(300)
    stamps = F.historic_stamps(image, O.ocr(image), letter_date="2019-11-01")
    assert [s.desk for s in stamps] == ["ผอ.๒ บก.อก.สทส.", "สทส.", "ฟอ.สงป(ตร./กท.)"]
    # the numbers in Thai and Arabic digits as the desks wrote them, read glyph by glyph
    assert [s.number for s in stamps] == ["๘๐๐๗", "๔๓๒๓", "๕๕๓"]
    first, second, third = stamps
    assert first.box[0] < 0.3
    # 11 พ.ค. ๖2 is before the letter's own date (1 November 2562)
    assert (first.date, first.time) == ("2019-05-11", "15:00")
    assert any("ก่อน" in a for a in first.anomalies)
    assert (second.date, second.time, second.anomalies) == ("2019-11-11", "14:50", ())
    # ๓๒ ธ.ค.: a day December does not have
    assert third.date is None and third.time == "15:55"
    assert any("๓๒" in a for a in third.anomalies)


def test_words_one_edit_from_one_dictionary_word_are_corrected_and_names_left_alone():
    from saraban.intake.fields import correct_thai

    assert correct_thai("สารบรรณอิเด็กทรอนิกส์") == "สารบรรณอิเล็กทรอนิกส์"
    assert correct_thai("(องค์การมหาชนู)") == "(องค์การมหาชน)"
    assert correct_thai("ผู้บัญชาการตำรวจแห่งชาติา") == "ผู้บัญชาการตำรวจแห่งชาติ"
    assert correct_thai("เพื่อยกระะดับ") == "เพื่อยกระดับ"
    for name in ("กฤษฎา สุรเชษฐพงษ์", "ผบ.ตร.(ผ่าน ผู้ช่วย ผบ.ตร.(ปร ๓))", "สพร", "สทส."):
        assert correct_thai(name) == name


def test_the_skew_of_a_page_fed_askew_is_found(clean_items):
    from PIL import Image

    from saraban.intake.ocr import skew

    page = clean_items[0].image
    assert skew(page) == 0
    for angle in (1.4, -1.8):
        turned = page.rotate(angle, resample=Image.BICUBIC, fillcolor=(255, 255, 255))
        assert abs(skew(turned) + angle) <= 0.2
