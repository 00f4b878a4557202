"""Every PDF the software makes gives its Thai back exactly to pdftotext, tone marks and all:
archives, search engines and copy-and-paste read these files. Shaped glyphs alone read back
lossy ("วันที" for "วันที่", "การปฏิบต ั ิ" for "การปฏิบัติ"); the text must come back as drawn,
only whitespace normalised. No database needed."""

from __future__ import annotations

import datetime as dt
import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas

from saraban.pdf import BOLD, REGULAR, register_fonts
from saraban.pdf.thaiwrap import paragraph, wrap_lines
from saraban.thaidate import BANGKOK
from tests.pdftools import pdftotext, spans

# words whose marks HarfBuzz moves or swaps for glyphs without a character of their own
# (a lowered tone mark, a shifted upper vowel, SARA AM split in two)
TRICKY = ["วันที่", "การปฏิบัติ", "น้ำ", "ปิ่น", "ผู้ช่วย", "ฝั่ง", "ญาติ", "ฐานะ", "กำหนด",
          "ป้ำ", "ฟ้า", "ที่นี่", "สิ่งที่ส่งมาด้วย", "ปรท.ผบ.ตร.", "เรื่อง", "สำเนาถูกต้อง"]
PHRASE = " ".join(TRICKY)
LONG = ("ขอความร่วมมือหน่วยงานของรัฐดำเนินการตามข้อเสนอแนะในการพัฒนารัฐบาลดิจิทัลของประเทศไทย"
        "ที่นี่น้ำปิ่นฝั่งการปฏิบัติ")
AT = dt.datetime(2019, 11, 22, 10, 0, tzinfo=BANGKOK)


def bare(text: str) -> str:
    return "".join(text.split())


def _canvas_pdf(draw) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    draw(canvas)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_the_bare_glyphs_do_not_read_back(tmp_path):
    """Why: the same words drawn shaped without their text lose their marks."""
    from reportlab.pdfbase.ttfonts import shapeStr

    def draw(canvas):
        canvas.setFont(REGULAR, 14)
        canvas.drawString(50, 700, shapeStr(PHRASE, REGULAR, 14))

    assert PHRASE not in pdftotext(_canvas_pdf(draw))


def test_draw_string_reads_back_exactly_wherever_it_is_anchored():
    from saraban.pdf.thaiwrap import draw_string

    def draw(canvas):
        draw_string(canvas, 50, 700, PHRASE, REGULAR, 14)
        draw_string(canvas, 545, 650, "ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร.", BOLD, 12, anchor="right")
        draw_string(canvas, 300, 600, "ลงวันที่ ๒๖ พ.ย. ๒๕๖๒", REGULAR, 9, anchor="centre")

    pdf = _canvas_pdf(draw)
    got = pdftotext(pdf)
    for text in (PHRASE, "ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร.", "ลงวันที่ ๒๖ พ.ย. ๒๕๖๒"):
        assert text in got, text
    boxes = dict(spans(pdf))
    assert abs(boxes["ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร."][2] - 545) < 2  # ends at its anchor
    x0, _, x1, _ = boxes["ลงวันที่ ๒๖ พ.ย. ๒๕๖๒"]
    assert abs((x0 + x1) / 2 - 300) < 2


def test_a_paragraph_reads_back_line_by_line_and_whole_when_rebroken():
    style = ParagraphStyle("t", fontName=REGULAR, fontSize=12, leading=17)
    lines = wrap_lines(LONG, REGULAR, 12, 150)
    assert len(lines) > 3

    def draw(canvas):
        p = paragraph(LONG, style, 150)
        p.wrap(150, 1000)
        p.drawOn(canvas, 50, 600)
        # a paragraph given less room than it was wrapped for is broken again by reportlab
        q = paragraph(PHRASE, style, 480)
        q.wrap(120, 1000)
        q.drawOn(canvas, 300, 400)

    pdf = _canvas_pdf(draw)
    read = [text for text, _ in spans(pdf)]
    for line in lines:
        assert line in read, line
    assert bare(PHRASE) in bare(pdftotext(pdf))


def test_the_receipt_stamp_reads_back(tmp_path):
    from saraban.pdf.stamp import stamp_lines, stamp_onto, stamp_pdf

    unit = "สง.ผู้ช่วย ผบ.ตร.(ปร ๓/มค ๕)"
    alone = pdftotext(stamp_pdf(unit, 5063, AT, code="ABCD-EFGH"))
    for line in [*stamp_lines(unit, 5063, AT), "รหัสตรวจสอบ ABCD-EFGH"]:
        assert line in alone, line
    assert "วันที่ ๒๒ พ.ย. ๒๕๖๒" in alone
    scan = _canvas_pdf(lambda c: c.rect(50, 50, 400, 600))
    for line in stamp_lines("ฝ่ายบริหารทั่วไป", 4323, AT, time_known=False):
        assert line in pdftotext(stamp_onto(scan, "ฝ่ายบริหารทั่วไป", 4323, AT, False)), line


def test_the_register_reads_back_cell_by_cell_across_pages():
    from saraban.pdf.register import (
        _SHARES,
        BOTTOM,
        COLUMNS,
        MARGIN,
        PAGE,
        RegisterRow,
        register_pdf,
    )

    subject = f"{LONG} " * 30  # taller than a page: the row is split between pages
    row = RegisterRow(number="๕๐๖๓", doc_number="ที่ ตช ๐๐๓๓.๑๒/๕๐๕๒",
                      doc_date="๒๒ พ.ย. ๒๕๖๒", sender="สำนักงานพัฒนารัฐบาลดิจิทัล",
                      addressee="ผู้ช่วย ผบ.ตร.", subject=subject,
                      action="การปฏิบัติ: เสนอ ปรท.ผบ.ตร.", remarks="น้ำ ปิ่น ฝั่ง ญาติ")
    printed = "พิมพ์เมื่อ ๒๖ พ.ย. ๒๕๖๒ ๑๐.๑๕ น. · รหัสตรวจสอบ ABCD-EFGH"
    pdf = register_pdf("ทะเบียนหนังสือรับ", "สง.ผู้ช่วย ผบ.ตร. · พ.ศ. ๒๕๖๒", [row],
                       printed=printed)
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages >= 2
    whole = pdftotext(pdf)
    for text in ("ทะเบียนหนังสือรับ", "สง.ผู้ช่วย ผบ.ตร. · พ.ศ. ๒๕๖๒", printed, "หน้า ๑ / "):
        assert text in whole, text
    # each column, read top to bottom on each page, is its heading then its part of the
    # cell; the parts over the pages are the cell, exactly
    width = PAGE[0] - 2 * MARGIN
    edges = [MARGIN + width * sum(_SHARES[:i]) for i in range(len(_SHARES) + 1)]
    bodies = [""] * len(COLUMNS)
    for page in range(1, pages + 1):
        columns = [""] * len(COLUMNS)
        read = sorted(spans(pdf, page), key=lambda s: s[1][1])
        top = next(box[1] for text, box in read if text == COLUMNS[0])  # the heading row
        for text, (x0, y0, _, _) in read:
            for i in range(len(COLUMNS)):
                if edges[i] <= x0 < edges[i + 1] and top - 1 < y0 < PAGE[1] - BOTTOM:
                    columns[i] += bare(text)
        for i, name in enumerate(COLUMNS):
            assert columns[i].startswith(bare(name)), (page, name, columns[i][:60])
            bodies[i] += columns[i][len(bare(name)):]
    assert bodies == [bare(cell) for cell in row.cells()]


def test_the_endorsement_sheet_and_routing_slip_read_back():
    from saraban.pdf.endorsement import (
        SheetDocument,
        SignedBlock,
        endorsement_sheet_pdf,
        routing_slip_pdf,
    )

    doc = SheetDocument(number="๐๐๓๓.๑๒/๕๐๕๒", date_text="๒๒ พ.ย. ๒๕๖๒", subject=LONG,
                        sender="สทส.", addressee="ผู้ช่วย ผบ.ตร.", summary=f"{PHRASE} " * 4,
                        receipts=["สง.ผู้ช่วย ผบ.ตร.(ปร ๓) รับที่ ๑๒๓๔ วันที่ ๒๕ พ.ย. ๒๕๖๒"])
    block = SignedBlock(lines=["ทราบ การปฏิบัติตามข้อ ๒", "กำหนดส่งน้ำ ปิ่น ฝั่ง"],
                        signer_name="พล.ต.ท.\n(ปิยะ อุทัยโย)", capacity="ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร.",
                        date_text="๒๖ พ.ย. ๖๒", orders=["ฝอ.สงป.: ดำเนินการตามข้อ ๓"], draft=True)
    sheet = pdftotext(endorsement_sheet_pdf(doc, [block], printed_at="พิมพ์เมื่อ ๒๖ พ.ย. ๒๕๖๒"))
    for text in ("ใบเกษียนหนังสือ", "- ทราบ การปฏิบัติตามข้อ ๒", "- กำหนดส่งน้ำ ปิ่น ฝั่ง",
                 "(ปิยะ อุทัยโย)", "ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร.", "สั่งการ", "ร่าง",
                 "- ฝอ.สงป.: ดำเนินการตามข้อ ๓", doc.receipts[0], "พิมพ์เมื่อ ๒๖ พ.ย. ๒๕๖๒"):
        assert text in sheet, text
    assert bare(LONG) in bare(sheet)
    slip = pdftotext(routing_slip_pdf(doc, to_text="ผู้ช่วย ผบ.ตร.", purpose_text="เพื่อโปรดพิจารณา",
                                      from_text="สทส.", proposer="พ.ต.อ. ปิ่น ฝั่งน้ำ",
                                      proposed_at="๒๕ พ.ย. ๒๕๖๒", printed_at="พิมพ์เมื่อ"))
    for text in ("ใบปะหน้าเสนอ", "เรียน ผู้ช่วย ผบ.ตร.", "ผู้เสนอ พ.ต.อ. ปิ่น ฝั่งน้ำ",
                 "ความเห็น / คำสั่งของผู้บังคับบัญชา"):
        assert text in slip, text
    assert bare(PHRASE * 4) in bare(slip)


def test_the_certified_copy_reads_back_on_every_page():
    from saraban.pdf.certify import Certification, certify_onto
    from saraban.pdf.thaiwrap import draw_string

    cert = Certification(name="ร.ต.อ.หญิง ปิ่นฟ้า น้ำใจดี", position="ผู้ช่วย สว.ฝอ.สทส.",
                         date_text="๒๖ พ.ย. ๒๕๖๒", code="ABCD-EFGH")
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for _ in range(2):
        draw_string(canvas, 60, 700, PHRASE, REGULAR, 12)
        canvas.showPage()
    canvas.save()
    pdf = certify_onto(buffer.getvalue(), cert)
    for page, digit in ((1, "๑"), (2, "๒")):
        got = pdftotext(pdf, page)
        for text in (PHRASE, *cert.lines(), "รหัสตรวจสอบสำเนา ABCD-EFGH",
                     f"สำเนาหน้า {digit} / ๒"):
            assert text in got, (page, text)


def test_readers_that_ignore_the_spans_still_get_the_tone_marks():
    """pypdf (and PDFBox) read the glyphs through the font's ToUnicode map: a substituted
    glyph maps to the characters its name gives, not to a private-use code. SARA AM stays
    apart (nikhahit and SARA AA, in the glyphs' order): only the spans give it exactly."""
    from pypdf import PdfReader

    from saraban.pdf.stamp import stamp_pdf
    from saraban.pdf.thaiwrap import draw_string

    words = ["วันที่", "ที่นี่", "ผู้ช่วย", "ฝั่ง", "การปฏิบัติ", "เรื่อง", "ญาติ", "ปรท.ผบ.ตร."]

    def draw(canvas):
        for i, word in enumerate(words):
            draw_string(canvas, 50, 700 - 20 * i, word, REGULAR, 14)

    pdf = _canvas_pdf(draw)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "\ue000" not in text and "\ue001" not in text
    for word in words:  # pypdf puts a space after some shifted marks ("ฝั่ ง")
        assert bare(word) in bare(text), (word, text)
    stamp = PdfReader(io.BytesIO(stamp_pdf("สทส.", 4323, AT))).pages[0].extract_text()
    assert "วันที่๒๒พ.ย.๒๕๖๒" in bare(stamp)
