"""Letters on the regulation's forms, read back by poppler as a person and an archive would.

The seed's own memo (สทส. ที่ ๐๐๓๓.๑๒/๕๐๕๒) is printed as a บันทึกข้อความ (แบบที่ ๒) and the
DGA's letter (ที่ สพร ๒๕๖๒/ว๔๐๙๙) as a หนังสือภายนอก (แบบที่ ๑); the places of ที่, the
emblem, the date, เรื่อง, เรียน and the signature block are checked with ``pdftotext -bbox``
against the form's measures (A4, 3 cm left margin, emblem 1.5 cm from the top, 3 cm or
1.5 cm high, the date and the signature from the middle of the paper, the first line of a
paragraph 2.5 cm in), and the text reads back exactly.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.units import cm

from saraban.config import ConfigError
from saraban.pdf.letter import CENTRE, KINDS, LEFT, PAGE_H, check_emblem, render_letter
from tests.pdftools import pdftotext, raster, spans

DATA = Path(__file__).parent / "data" / "letters"
TOL = 1.5  # points


def _letter(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def emblem(tmp_path_factory) -> str:
    """A stand-in emblem (a ring and a triangle): the real ตราครุฑ is the agency's file."""
    from PIL import Image, ImageDraw

    path = tmp_path_factory.mktemp("emblem") / "emblem.png"
    image = Image.new("RGBA", (300, 330), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 290, 320), outline=(0, 0, 0, 255), width=14)
    draw.polygon([(150, 40), (265, 300), (35, 300)], fill=(0, 0, 0, 255))
    image.save(path)
    return str(path)


def _render(name: str, emblem: str | None = None, numbered: bool = True):
    data = _letter(name)
    return data, render_letter(data["kind"], data["fields"], data["body"], data["letterhead"],
                               number=data["number"] if numbered else None,
                               date=dt.date.fromisoformat(data["date"]) if numbered else None,
                               garuda_path=emblem)


def _flat(text: str) -> str:
    """Text without whitespace, the page numbers ("- ๒ -") and the next page's first word
    ("/word..."), which stand between a paragraph's two halves on paper."""
    text = re.sub(r"\s+", "", text)
    return re.sub(r"/[^/\s]{1,40}?\.\.\.|-[๐-๙]+-?", "", text)  # (the last "-": pdftotext
    # joins a line that ends with a hyphen to the next)


def _find(words, text: str):
    return next(box for word, box in words if word == text or word.startswith(text))


@pytest.mark.parametrize("name", ["memo_5052", "dga_4099"])
def test_the_text_reads_back_exactly(name):
    data, letter = _render(name)
    text = _flat(pdftotext(letter.pdf))
    expected = [data["fields"]["subject"], data["fields"]["to"], *data["body"].splitlines(),
                data["fields"]["signer_name"], *data["fields"]["signer_position"].splitlines()]
    for part in expected:
        assert _flat(part) in text, part
    if name == "memo_5052":
        assert "ที่๐๐๓๓.๑๒/๕๐๕๒" in text and "วันที่๒๒พฤศจิกายน๒๕๖๒" in text
        assert letter.pages == 3
    else:
        assert "ที่สพร๒๕๖๒/ว๔๐๙๙" in text and "๑พฤศจิกายน๒๕๖๒" in text
        assert "โทรสาร๐๒๖๑๒๖๐๑๓" in text
        assert letter.pages == 2


def test_the_external_letter_sits_on_form_1(emblem):
    data, letter = _render("dga_4099", emblem)
    words = spans(letter.pdf, 1)
    # the emblem: 3 cm high, centred, its top 1.5 cm from the top of the paper
    place = letter.places["emblem"]
    assert place.y2 == pytest.approx(PAGE_H - 1.5 * cm, abs=TOL)
    assert place.y2 - place.y1 == pytest.approx(3 * cm, abs=TOL)
    assert (place.x1 + place.x2) / 2 == pytest.approx(CENTRE, abs=TOL)
    image = raster(letter.pdf, 1, dpi=50)
    from tests.pdftools import dark

    assert dark(image, 0.45, 0.06, 0.55, 0.15) > 50  # drawn there
    number = _find(words, "ที่ สพร")
    assert number[0] == pytest.approx(LEFT, abs=TOL)
    assert number[1] > 1.5 * cm + 3 * cm - 2  # under the emblem
    agency = _find(words, "สำนักงานพัฒนารัฐบาลดิจิทัล")
    assert agency[0] > CENTRE and abs(agency[1] - number[1]) < TOL  # on ที่'s line, right
    date = _find(words, "๑ พฤศจิกายน ๒๕๖๒")
    assert date[0] == pytest.approx(CENTRE, abs=TOL) and date[1] > agency[1]
    subject, to = _find(words, "เรื่อง"), _find(words, "เรียน")
    assert subject[0] == to[0] == pytest.approx(LEFT, abs=TOL)
    assert date[1] < subject[1] < to[1]
    enclosures = _find(words, "สิ่งที่ส่งมาด้วย")
    assert enclosures[0] == pytest.approx(LEFT, abs=TOL) and enclosures[1] > to[1]
    first = _find(words, "ตามที่")
    assert first[0] == pytest.approx(LEFT + 2.5 * cm, abs=TOL)  # ย่อหน้า 2.5 cm
    last = spans(letter.pdf, 2)
    closing, name = _find(last, "ขอแสดงความนับถือ"), _find(last, "(นางไอรดา")
    assert closing[0] == pytest.approx(CENTRE, abs=TOL)
    centre = (name[0] + name[2]) / 2
    assert centre == pytest.approx((closing[0] + closing[2]) / 2, abs=TOL)  # under it
    assert name[1] - closing[1] > 3 * 20  # three lines to sign on
    position = _find(last, "รองผู้อำนวยการ")
    assert (position[0] + position[2]) / 2 == pytest.approx(centre, abs=TOL)
    owner = _find(last, "ฝ่ายขับเคลื่อนรัฐบาลดิจิทัล")
    assert owner[0] == pytest.approx(LEFT, abs=TOL) and owner[1] > position[1]
    sign = letter.places["signature"]
    assert sign.page == 1 and sign.x1 < centre < sign.x2
    assert PAGE_H - sign.y2 < name[1] and PAGE_H - sign.y1 >= closing[3] - TOL
    assert pdftotext(letter.pdf, 2).startswith("- ๒")  # "- ๒ -" at the top


def test_the_memo_sits_on_form_2(emblem):
    data, letter = _render("memo_5052", emblem)
    words = spans(letter.pdf, 1)
    place = letter.places["emblem"]
    assert place.y2 - place.y1 == pytest.approx(1.5 * cm, abs=TOL)
    assert place.x1 == pytest.approx(LEFT, abs=TOL)
    assert place.y2 == pytest.approx(PAGE_H - 1.5 * cm, abs=TOL)
    title = _find(words, "บันทึกข้อความ")
    assert (title[0] + title[2]) / 2 == pytest.approx(CENTRE, abs=TOL)
    unit, number = _find(words, "ส่วนราชการ"), _find(words, "ที่")
    date, subject = _find(words, "วันที่"), _find(words, "เรื่อง")
    assert unit[0] == number[0] == subject[0] == pytest.approx(LEFT, abs=TOL)
    assert date[0] == pytest.approx(CENTRE, abs=TOL) and abs(date[1] - number[1]) < TOL
    assert title[1] < unit[1] < number[1] < subject[1] < _find(words, "เรียน")[1]
    item = _find(words, "๑. เรื่องเดิม")
    sub = _find(words, "๑.๑ สำนักงาน")
    assert item[0] == pytest.approx(LEFT + 2.5 * cm, abs=TOL)
    assert sub[0] == pytest.approx(LEFT + 3.5 * cm, abs=TOL)  # a level further in
    continued = [box for word, box in words if word.startswith("(สพร.)")][0]
    assert continued[0] == pytest.approx(LEFT, abs=TOL)  # the next line back at the margin
    assert re.search(r"/\S+\.\.\.$", pdftotext(letter.pdf, 1))  # คำต่อ at the foot


def test_unnumbered_letters_keep_empty_read_only_fields_for_the_registry():
    for name in ("memo_5052", "dga_4099"):
        _, letter = _render(name, numbered=False)
        fields = PdfReader(io.BytesIO(letter.pdf)).get_fields()
        assert set(fields) >= {"number", "date"}
        for key in ("number", "date"):
            assert int(fields[key].get("/Ff", 0)) & 1  # read-only
            assert not fields[key].get("/V")
        text = pdftotext(letter.pdf, 1)
        assert "๕๐๕๒" not in text and "๔๐๙๙" not in text and "พฤศจิกายน ๒๕๖๒" not in text
        assert letter.places["number"].page == letter.places["date"].page == 0


@pytest.mark.parametrize("kind", KINDS)
def test_every_form_renders_its_own_words(kind):
    head = {"agency_name": "สำนักงานตำรวจแห่งชาติ", "unit_name": "สทส.",
            "address_lines": ["อาคาร ๑ ถนนพระรามที่ ๑", "เขตปทุมวัน กรุงเทพมหานคร ๑๐๓๓๐"],
            "telephone": "๐ ๒๒๐๕ ๑๘๖๖", "fax": "", "email": "saraban@police.go.th",
            "letter_code": "ตช", "doc_code": "๐๐๓๓.๑๒", "owner_unit_line": "สทส."}
    fields = {"subject": "การประชุมคณะทำงานพัฒนาระบบสารบรรณอิเล็กทรอนิกส์",
              "to": "ผู้บัญชาการสำนักงานงบประมาณและการเงิน", "signer_name": "สมชาย ใจดี",
              "signer_rank": "พล.ต.ต.", "signer_position": "ผบช.สทส.", "title": "คณะทำงาน",
              "meeting_no": "๑/๒๕๖๙", "held_on": "วันที่ ๓ ธันวาคม ๒๕๖๙", "held_at": "ห้องประชุม ๑",
              "present": ["ผบก.สทส. ประธาน", "ผกก.ฝ่ายสารบรรณ"], "started_at": "๐๙.๓๐ น.",
              "ended_at": "๑๒.๐๐ น.", "effective": "วันที่ ๑ มกราคม ๒๕๗๐",
              "urgency": "ด่วนที่สุด", "secrecy": "ลับ" if kind == "memo" else ""}
    body = "ข้อความทดสอบ " * 200
    letter = render_letter(kind, fields, body, head, number="๑/๒๕๖๙" if kind == "order"
                           else "๑๒๓", date=dt.date(2026, 12, 3))
    text = pdftotext(letter.pdf)
    assert letter.pages >= 2 and "- ๒" in text
    words = {"external": ["ที่ ตช ๐๐๓๓.๑๒/๑๒๓", "ขอแสดงความนับถือ", "ด่วนที่สุด"],
             "memo": ["บันทึกข้อความ", "ที่ ๐๐๓๓.๑๒/๑๒๓", "ลับ"],
             "stamped": ["ถึง ผู้บัญชาการ", "สำนักงานตำรวจแห่งชาติ", "๓ ธันวาคม ๒๕๖๙"],
             "order": ["คำสั่งสำนักงานตำรวจแห่งชาติ", "ที่ ๑/๒๕๖๙", "สั่ง ณ วันที่ ๓ ธันวาคม ๒๕๖๙",
                       "ทั้งนี้ ตั้งแต่วันที่ ๑ มกราคม ๒๕๗๐เป็นต้นไป"],
             "announcement": ["ประกาศสำนักงานตำรวจแห่งชาติ", "ประกาศ ณ วันที่ ๓ ธันวาคม ๒๕๖๙"],
             "certificate": ["หนังสือรับรอง", "ให้ไว้ ณ วันที่ ๓ ธันวาคม ๒๕๖๙"],
             "minutes": ["รายงานการประชุมคณะทำงาน", "ผู้มาประชุม", "๑. ผบก.สทส. ประธาน",
                         "เลิกประชุมเวลา ๑๒.๐๐ น.", "ผู้จดรายงานการประชุม"]}[kind]
    for word in words + ["(สมชาย ใจดี)"] * (kind != "stamped"):  # a seal, initialled
        assert word in text, (kind, word)
    if kind not in ("minutes",):
        assert "emblem" in letter.places
    assert "signature" in letter.places


def test_the_emblem_setting_is_checked_at_start(tmp_path, emblem):
    check_emblem(emblem)
    check_emblem(None)
    with pytest.raises(ConfigError, match="no such file"):
        check_emblem(str(tmp_path / "none.png"))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(ConfigError, match="not a PNG or JPEG"):
        check_emblem(str(bad))


def test_the_application_prints_its_configured_emblem(app, emblem, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "GARUDA_PATH", emblem)
    with app.app_context():
        letter = render_letter("memo", {"subject": "ทดสอบ"}, "ข้อความ", {})
    place = letter.places["emblem"]
    image = raster(letter.pdf, 1, dpi=72)
    x0, y0 = place.x1 / 595.28, (PAGE_H - place.y2) / PAGE_H
    x1, y1 = place.x2 / 595.28, (PAGE_H - place.y1) / PAGE_H
    from tests.pdftools import dark

    assert dark(image, x0, y0, x1, y1) > 30
    from saraban import create_app

    with pytest.raises(ConfigError, match="SARABAN_GARUDA_PATH"):
        create_app({"ENV": "testing", "SECRET_KEY": "x", "DATA_DIR": str(tmp_path),
                    "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "GARUDA_PATH": "/nonexistent/garuda.png"})
