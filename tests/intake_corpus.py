"""A corpus of scanned letters made by the tests themselves: letters rendered by
saraban.pdf.letter in Laksaman (a font the project does not ship), rasterised by pdftoppm at
200 and 300 dpi, with the noise of a scan. Each item knows its true fields."""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

LAKSAMAN = "/usr/share/fonts/truetype/tlwg/Laksaman.ttf"
DATA = Path(__file__).resolve().parent / "data" / "letters"
LEVELS = ("clean", "rotated", "blur", "salt", "stamp")
THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
SUBJECTS = ["ขอเชิญประชุมคณะทำงานพัฒนาระบบสารบรรณอิเล็กทรอนิกส์",
            "ขอความร่วมมือตอบแบบสำรวจความพร้อมรัฐบาลดิจิทัล ประจำปี {year}",
            "ขอส่งรายงานผลการดำเนินงานไตรมาสที่ {q}",
            "แจ้งผลการสำรวจระดับความพร้อมการพัฒนารัฐบาลดิจิทัลของหน่วยงานภาครัฐ ประจำปี {year}",
            "ขออนุมัติเดินทางไปราชการ", "ขอความอนุเคราะห์ข้อมูลสถิติ ประจำปีงบประมาณ {year}",
            "การจัดซื้อจัดจ้างครุภัณฑ์คอมพิวเตอร์", "ขอเชิญเข้าร่วมการฝึกอบรมการรักษาความปลอดภัยไซเบอร์"]
ADDRESSEES = ["ผู้บัญชาการตำรวจแห่งชาติ", "ปลัดกระทรวงการคลัง", "อธิบดีกรมบัญชีกลาง",
              "ผบ.ตร.(ผ่าน ผู้ช่วย ผบ.ตร.(ปร ๓))", "ผู้ว่าราชการจังหวัดเชียงใหม่"]
URGENCY = {"": 0, "ด่วน": 1, "ด่วนมาก": 2, "ด่วนที่สุด": 3}
SECRECY = {"": 0, "ลับ": 1, "ลับมาก": 2}


@dataclass
class Item:
    name: str
    kind: str
    dpi: int
    level: str
    image: Image.Image
    truth: dict = field(default_factory=dict)


def _letter(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text())


def _thai(n) -> str:
    return str(n).translate(THAI)


def letters(count: int, seed: int = 23) -> list[dict]:
    """``count`` letters, external and memo in turn, with seeded numbers, dates, subjects."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        kind = ("external", "memo")[i % 2]
        base = _letter("dga_4099" if kind == "external" else "memo_5052")
        date = dt.date(2019, 1, 1) + dt.timedelta(days=rng.randrange(0, 6 * 365))
        year = date.year + 543
        fields = dict(base["fields"])
        head = dict(base["letterhead"])
        subject = rng.choice(SUBJECTS).format(year=_thai(year), q=_thai(rng.randint(1, 4)))
        fields["subject"] = subject
        fields["to"] = rng.choice(ADDRESSEES)
        urgency = rng.choice(list(URGENCY)) if i % 3 == 0 else ""
        secrecy = rng.choice(list(SECRECY)) if i % 4 == 1 else ""
        fields["urgency"], fields["secrecy"] = urgency, secrecy
        serial = _thai(rng.randint(100, 9999))
        if kind == "external":
            head["doc_code"] = _thai(year)
            number = ("ว" if rng.random() < 0.5 else "") + serial
            printed = f"{head['letter_code']} {head['doc_code']}/{number}"
            sender = head["agency_name"]
            fields["references"] = ([f"หนังสือ ตร. ที่ ๐๐๓๓.๑๒/{_thai(rng.randint(100, 999))}"]
                                    if i % 4 == 0 else [])
        else:
            number = serial
            printed = f"{head['doc_code']}/{number}"
            sender = fields["unit"].split(" โทร")[0]
        out.append({"kind": kind, "fields": fields, "letterhead": head, "number": number,
                    "date": date, "body": base["body"].split("\n")[0],
                    "truth": {"number": printed, "date": date.isoformat(),
                              "subject": subject, "addressee": fields["to"], "sender": sender,
                              "references": "\n".join(fields.get("references") or []),
                              "enclosures": "\n".join(fields.get("enclosures") or []),
                              "urgency": str(URGENCY[urgency]) if urgency else "",
                              "secrecy": str(SECRECY[secrecy]) if secrecy else ""}})
    return out


def render(letter: dict) -> bytes:
    from saraban.pdf.letter import render_letter

    return render_letter(letter["kind"], letter["fields"], letter["body"],
                         letter["letterhead"], number=letter["number"], date=letter["date"],
                         garuda_path="", font_path=LAKSAMAN).pdf


def rasterise(pdf: bytes, dpi: int) -> Image.Image:
    out = subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-"],
                         input=pdf, capture_output=True, check=True).stdout
    import io

    image = Image.open(io.BytesIO(out)).convert("RGB")
    image.info["dpi"] = (dpi, dpi)
    return image


def stamp(image: Image.Image, lines: list[str], at: tuple[float, float],
          colour=(40, 60, 190)) -> Image.Image:
    """A receipt stamp in blue ink: a box with its lines, drawn over what is there."""
    dpi = image.info.get("dpi", (300, 300))[0]
    font = ImageFont.truetype(LAKSAMAN, int(dpi * 16 / 72))
    draw = ImageDraw.Draw(image)
    x, y = int(at[0] * image.width), int(at[1] * image.height)
    step = int(dpi * 22 / 72)
    width = int(dpi * 2.4)
    draw.rectangle((x - 20, y - 15, x + width, y + step * len(lines) + 15), outline=colour,
                   width=max(2, dpi // 100))
    for i, line in enumerate(lines):
        draw.text((x, y + i * step), line, fill=colour, font=font)
    return image


def noisy(image: Image.Image, level: str, rng: random.Random) -> Image.Image:
    if level == "rotated":
        angle = rng.choice((-1, 1)) * rng.uniform(1.0, 2.0)
        return image.rotate(angle, resample=Image.BICUBIC, fillcolor=(255, 255, 255))
    if level == "blur":
        return image.filter(ImageFilter.GaussianBlur(radius=image.info["dpi"][0] / 300 * 1.2))
    if level == "salt":
        out = image.copy()
        pixels = out.load()
        for _ in range(out.width * out.height // 200):  # 0.5% of the pixels
            px, py = rng.randrange(out.width), rng.randrange(out.height)
            pixels[px, py] = (0, 0, 0) if rng.random() < 0.5 else (255, 255, 255)
        return out
    if level == "stamp":
        return stamp(image.copy(), ["สารบรรณกลาง", f"เลขรับ {_thai(rng.randint(1, 9999))}",
                                    "วันที่ ๒ ม.ค. ๒๕๖๓", "เวลา ๑๐.๓๐ น."],
                     (0.62, rng.uniform(0.30, 0.36)))
    return image


def corpus(per_level: int, levels=LEVELS, dpis=(300,), seed: int = 23) -> list[Item]:
    """``per_level`` letters for each noise level and dpi."""
    rng = random.Random(seed)
    items = []
    source = letters(per_level, seed)
    pdfs = [render(letter) for letter in source]
    for dpi in dpis:
        pages = [rasterise(pdf, dpi) for pdf in pdfs]
        for level in levels:
            for i, (letter, page) in enumerate(zip(source, pages, strict=True)):
                image = noisy(page, level, rng)
                image.info["dpi"] = (dpi, dpi)
                items.append(Item(f"{letter['kind']}-{i}-{level}-{dpi}", letter["kind"], dpi,
                                  level, image, letter["truth"]))
    return items


SEED_STAMPS = [["ผอ.๒ บก.อก.สทส.", "เลขที่รับ ๘๐๐๗", "วันที่ 11 พ.ค. ๖2", "เวลา 15.๐๐ฯ."],
               ["สทส.", "เลขที่รับ 4323", "วันที่ ๑๑ พ.ย. ๒๕๖๒", "เวลา 14.50"],
               ["ฟอ.สงป(ตร./กท.)", "เลขรับ ๕๕๓", "วันที่ ๓๒ ธ.ค. ๒๕๖๒", "เวลา ๑๕.๕๕"]]


def seed_stamped(dpi: int = 300) -> Image.Image:
    """The seed's letter (สพร ๒๕๖๒/ว๔๐๙๙ of 1 November 2019) with the seed's stamps of
    earlier desks drawn on it in violet ink in the blank foot of the page, side by side (the
    last with an impossible date, ๓๒ ธ.ค.)."""
    base = _letter("dga_4099")
    letter = {"kind": "external", "fields": base["fields"], "letterhead": base["letterhead"],
              "number": base["number"], "date": dt.date.fromisoformat(base["date"]),
              "body": ""}
    image = rasterise(render(letter), dpi)
    for i, lines in enumerate(SEED_STAMPS):
        stamp(image, lines, (0.08 + 0.3 * i, 0.865), colour=(60, 50, 170))
    return image


FIELDS = ("number", "date", "subject", "addressee", "sender", "references", "enclosures",
          "urgency", "secrecy")


def same(name: str, read: str, truth: str) -> bool:
    """Exact match; the texts of Thai fields up to their spacing (a wrapped line gives no
    sign whether a space stood at its end)."""
    if name in ("number", "date", "urgency", "secrecy"):
        return read == truth
    return "".join(read.split()) == "".join(truth.split())


def read_item(item: Item, steps=None) -> dict[str, str]:
    from saraban.intake.fields import STEPS, read_fields
    from saraban.intake.ocr import at_least, ocr

    image = at_least(item.image)  # as pages_of gives a scan made at 200 dpi
    page = ocr(image)
    fields = read_fields(image, page, steps=STEPS if steps is None else steps)
    return {name: fields[name].value if name in fields else "" for name in FIELDS}
