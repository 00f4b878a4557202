"""Our documents ↔ e-CMS's CorrespondenceLetter (saraban/exchange/ecms/mapping.py), both ways,
and every refusal: ลับที่สุด never leaves, unmapped levels and unlisted codes are refused, and
Thai digits in numbers travel as written and match in either form."""

from __future__ import annotations

import datetime as dt

import pytest
from lxml import etree
from sqlalchemy import select

from saraban.documents.models import (
    DocumentReference,
    Enclosure,
    ReferenceRelation,
    Secrecy,
    Urgency,
)
from saraban.exchange.ecms import codec
from saraban.exchange.ecms.mapping import (
    INVALID,
    REJECT,
    CodeTables,
    EcmsRefusal,
    OutgoingFile,
    arriving_letter,
    date_be,
    outgoing_letter,
    same_number,
)
from saraban.exchange.ecms.messages import Attachment, Letter, Party, Reference
from saraban.thaidate import BANGKOK
from saraban.units.models import Person, Position, PositionHolding
from tests.conftest import make_document

US, THEM = "0031500001", "0031500002"
PDF = b"%PDF-1.4\n% the letter\n"
PNG = b"\x89PNG\r\n\x1a\n a map"
SENT = dt.datetime(2019, 11, 26, 9, 30, tzinfo=BANGKOK)
TABLES = CodeTables(
    secret_codes={"001": "ปกติ", "002": "ลับ", "003": "ลับมาก", "004": "ลับที่สุด"},
    speed_codes={"001": "ปกติ", "002": "ด่วน", "003": "ด่วนมาก", "004": "ด่วนที่สุด"},
    mime_types={"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"},
    secrecy_map={0: "001", 1: "002", 2: "003", 3: "004"},
    urgency_map={0: "001", 1: "002", 2: "003", 3: "004"})
MAIN = OutgoingFile(PDF, "application/pdf", "letter.pdf")


def _document(session, **kw):
    """A numbered external letter signed by a person holding a position on its date."""
    kw.setdefault("number", "ที่ สพร ๒๕๖๒/ว๔๐๙๙")
    kw.setdefault("doc_date", dt.date(2019, 11, 26))
    kw.setdefault("addressee", "ผู้บัญชาการตำรวจแห่งชาติ")
    kw.setdefault("body", "ตามที่ได้ขอความอนุเคราะห์")
    signer = Person(rank="นาย", first_name="ศุภโชค", last_name="จันทรประทิน")
    session.add(signer)
    session.flush()
    position = Position(title="ผอ.สพร.", full_title="ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล")
    session.add(position)
    session.flush()
    session.add(PositionHolding(person_id=signer.id, position_id=position.id,
                                start_date=dt.date(2019, 1, 1)))
    session.flush()
    session.expire(signer, ["holdings"])
    return make_document(session, subject="ขอเชิญ  ประชุม", signer_id=signer.id, **kw)


def _send(document, tables=TABLES, main=MAIN, files=(), **kw) -> Letter:
    return outgoing_letter(document, sender_id=kw.pop("sender_id", US),
                           receiver_id=kw.pop("receiver_id", THEM), tables=tables, main=main,
                           enclosure_files=files, send_date=SENT)


def _xml(letter: Letter) -> etree._Element:
    return codec.parse_xml(codec.build_letter(letter))


def _ram(root, path: str) -> list[str]:
    ns = {"ram": codec.RAM}
    return [e.text or "" for e in root.iterfind(f".//ram:CorrespondenceLetter/{path}", ns)]


# --- outgoing ------------------------------------------------------------------------------

def test_a_document_becomes_a_correspondence_letter(db_session):
    document = _document(db_session)
    cited = make_document(db_session, subject="ขอความอนุเคราะห์ตอบแบบสำรวจ",
                          number="สพร ๒๕๖๒/ว๑๕๓๙", doc_date=dt.date(2019, 5, 7))
    document.references.extend([
        DocumentReference(relation=ReferenceRelation.CITES, position=0, target_id=cited.id,
                          text="หนังสือ สพร. ที่ สพร ๒๕๖๒/ว๑๕๓๙"),
        DocumentReference(relation=ReferenceRelation.CITES, position=1,
                          text="หนังสือ ตร. ที่ ๐๐๓๓.๑๒/๑๗๖๓ ลง ๒๔ พ.ค.๖๒ เรื่อง ตอบแบบสำรวจ"),
    ])
    document.enclosures.extend([Enclosure(position=0, description="แบบสำรวจ  ๑ ชุด"),
                                Enclosure(position=1, description="แผนที่")])
    db_session.flush()
    db_session.expire(document, ["references"])
    letter = _send(document, files=[OutgoingFile(PNG, "image/png", "map.png")])

    assert letter.letter_id == "สพร ๒๕๖๒/ว๔๐๙๙"  # without ที่, Thai digits as written
    assert letter.date == dt.date(2019, 11, 26) and date_be(letter.date) == "๒๖ พฤศจิกายน ๒๕๖๒"
    assert letter.subject == "ขอเชิญ ประชุม"
    assert letter.sender == Party("ศุภโชค", "จันทรประทิน",
                                  "ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล", US)
    assert letter.receiver == Party("", "", "ผู้บัญชาการตำรวจแห่งชาติ", THEM)
    assert letter.references == (
        Reference("สพร ๒๕๖๒/ว๑๕๓๙", dt.date(2019, 5, 7), "ขอความอนุเคราะห์ตอบแบบสำรวจ"),
        Reference("๐๐๓๓.๑๒/๑๗๖๓", dt.date(2019, 5, 24), "ตอบแบบสำรวจ"))
    assert letter.enclosures == "แบบสำรวจ ๑ ชุด; แผนที่"
    assert letter.description == "ตามที่ได้ขอความอนุเคราะห์"
    assert (letter.secret_code, letter.speed_code) == ("001", "001")
    assert letter.main_letter == Attachment("application/pdf", PDF)
    assert letter.attachments == (Attachment("image/png", PNG),)

    root = _xml(letter)  # on the wire: CE dates, the ministry = the first two digits
    assert _ram(root, "ram:ID") == ["สพร ๒๕๖๒/ว๔๐๙๙"]
    assert _ram(root, "ram:CorrespondenceDate") == ["2019-11-26"]
    assert _ram(root, "ram:ReferenceCorrespondence/ram:CorrespondenceDate") == [
        "2019-05-07", "2019-05-24"]
    assert _ram(root, "ram:SenderParty/ram:MinistryOrganization/ram:ID") == ["00"]
    assert _ram(root, "ram:ReceiverParty/ram:DepartmentOrganization/ram:ID") == [THEM]
    assert _ram(root, "ram:Attachment") == ["แบบสำรวจ ๑ ชุด; แผนที่"]
    assert _ram(root, "ram:SendDate") == ["2019-11-26T09:30:00"]


def test_levels_travel_as_the_administrator_mapped_them_never_as_our_integers(db_session):
    document = _document(db_session, secrecy=Secrecy.SECRET, urgency=Urgency.MOST_URGENT)
    tables = CodeTables(secret_codes={"S-1": "ปกติ", "S-3": "ลับมาก"},
                        speed_codes={"X": "ด่วนที่สุด"}, mime_types=TABLES.mime_types,
                        secrecy_map={2: "S-3"}, urgency_map={3: "X"})
    letter = _send(document, tables)
    assert (letter.secret_code, letter.speed_code) == ("S-3", "X")


def test_the_signer_s_title_falls_back_to_the_signature_block(db_session):
    document = make_document(db_session, number="๐๐๓๓.๑๒/๕๐๕๒", doc_date=dt.date(2019, 11, 22),
                             signature_text="(นายสมชาย ใจดี)\nผู้กำกับการ ฝอ.๒")
    letter = _send(document)
    assert letter.sender == Party("", "", "ผู้กำกับการ ฝอ.๒", US)
    assert letter.enclosures == "-" and letter.references == ()


def test_top_secret_never_leaves_even_when_mapped(db_session):
    document = _document(db_session, secrecy=Secrecy.TOP_SECRET)
    assert TABLES.secrecy_map[3] == "004"  # mapped, and still refused
    with pytest.raises(EcmsRefusal) as caught:
        _send(document)
    assert caught.value.field == "secrecy"
    assert "ลับที่สุด" in caught.value.message_th
    assert "Top-secret" in caught.value.message_en


@pytest.mark.parametrize(("change", "field", "th", "en"), [
    ({"secrecy_map": {0: "001"}, "doc": {"secrecy": 1}}, "secrecy", "ยังไม่ได้กำหนดรหัส",
     "No e-CMS code is mapped for secrecy level 1"),
    ({"urgency_map": {0: "001"}, "doc": {"urgency": 2}}, "urgency", "ยังไม่ได้กำหนดรหัส",
     "No e-CMS code is mapped for urgency level 2"),
    ({"secret_codes": {"002": "ลับ"}}, "secrecy", "ไม่อยู่ในรายการรหัส",
     "The code 001 mapped for secrecy level 0 is not in the node's list"),
    ({"speed_codes": {}}, "urgency", "ไม่อยู่ในรายการรหัส",
     "The code 001 mapped for urgency level 0"),
])
def test_unmapped_levels_and_unlisted_codes_are_refused(db_session, change, field, th, en):
    change = dict(change)
    document = _document(db_session, **change.pop("doc", {}))
    tables = CodeTables(**{**TABLES.__dict__, **change})
    with pytest.raises(EcmsRefusal) as caught:
        _send(document, tables)
    assert caught.value.field == field
    assert th in caught.value.message_th and en in caught.value.message_en


def test_every_other_refusal_of_an_outgoing_letter(db_session):
    def refused(document=None, **kw) -> EcmsRefusal:
        with pytest.raises(EcmsRefusal) as caught:
            _send(document if document is not None else _document(db_session), **kw)
        assert caught.value.message_th and caught.value.message_en
        return caught.value

    assert refused(_document(db_session, number=None)).field == "number"
    assert refused(_document(db_session, number="ที่ ")).field == "number"
    assert refused(_document(db_session, doc_date=None)).field == "date"
    assert refused(main=None).field == "files"
    error = refused(main=OutgoingFile(b"PK\x03\x04", "application/zip"))
    assert "application/zip" in error.message_en and error.field == "files"
    error = refused(files=[OutgoingFile(b"II*\x00", "image/tiff")])
    assert "enclosure file 1" in error.message_en
    assert refused(main=OutgoingFile(b"", "application/pdf")).field == "files"
    big = OutgoingFile(b"%PDF" + b"0" * codec.MAX_FILE_BYTES, "application/pdf")
    assert refused(main=big).status == 413
    assert refused(receiver_id="003150000").field == "to"  # nine digits
    assert refused(receiver_id="๐๐๓๑๕๐๐๐๐๒").field == "to"  # Thai digits are not an ID
    assert refused(sender_id="").field == "from"
    assert refused(receiver_id=US).field == "to"  # to ourselves
    undated = _document(db_session)
    undated.references.append(DocumentReference(relation=ReferenceRelation.CITES,
                                                text="หนังสือ สพร. ที่ สพร ๒๕๖๒/ว๑"))
    assert refused(undated).field == "references"


def test_a_reference_whose_date_cannot_be_read_is_refused(db_session):
    document = _document(db_session)
    document.references.append(DocumentReference(
        relation=ReferenceRelation.CITES, text="ที่ สพร ๑/๒๕๖๒ ลง เมื่อวานนี้ เรื่อง ทดสอบ"))
    with pytest.raises(EcmsRefusal) as caught:
        _send(document)
    assert "เมื่อวานนี้" in caught.value.message_th


# --- arriving ------------------------------------------------------------------------------

def _arriving(**kw) -> Letter:
    fields = dict(
        letter_id="ที่ กค ๐๔๐๘/ว๑๒", date=dt.date(2024, 2, 29), subject="แจ้งเวียน",
        secret_code="002", speed_code="003",
        sender=Party("สมชาย", "ใจดี", "อธิบดีกรมบัญชีกลาง", THEM),
        receiver=Party("", "", "ผู้บัญชาการตำรวจแห่งชาติ", US),
        main_letter=Attachment("application/pdf", PDF), send_date=SENT,
        references=(Reference("กค 0408/ว1", dt.date(2023, 12, 1), "เรื่องเดิม"),),
        enclosures="สำเนาประกาศ ๑ ฉบับ", description="รายละเอียด",
        attachments=(Attachment("image/jpeg", b"\xff\xd8\xff jpeg"),
                     Attachment("application/pdf", b"%PDF-1.7 second")))
    fields.update(kw)
    return Letter(**fields)


def test_an_arriving_letter_becomes_the_fields_create_document_takes(db_session):
    from saraban.accounts.models import User
    from saraban.documents.operations import create_document

    arrival = arriving_letter(_arriving(), our_id=US, tables=TABLES,
                              directory={THEM: "กรมบัญชีกลาง"})
    assert arrival.document == {
        "kind": "external", "number": "กค ๐๔๐๘/ว๑๒", "date": "2024-02-29",
        "subject": "แจ้งเวียน", "sender": "กรมบัญชีกลาง", "addressee": "ผู้บัญชาการตำรวจแห่งชาติ",
        "body": "รายละเอียด", "urgency": Urgency.VERY_URGENT, "secrecy": Secrecy.CONFIDENTIAL}
    assert arrival.signature_text == "(สมชาย ใจดี)\nอธิบดีกรมบัญชีกลาง"
    assert arrival.references == ("ที่ กค 0408/ว1 ลงวันที่ ๑ ธันวาคม ๒๕๖๖ เรื่อง เรื่องเดิม",)
    assert arrival.enclosures == "สำเนาประกาศ ๑ ฉบับ"
    assert [(f.filename, f.media_type, f.main) for f in arrival.files] == [
        ("เอกสารหลัก.pdf", "application/pdf", True), ("เอกสารแนบ1.jpg", "image/jpeg", False),
        ("เอกสารแนบ2.pdf", "application/pdf", False)]
    assert arrival.main_file.content == PDF and len(arrival.main_file.sha256) == 64
    assert (arrival.sender_id, arrival.receiver_id) == (THEM, US)

    clerk = db_session.scalar(select(User).where(User.username == "demo-clerk"))
    clerk.clearance = 3
    document = create_document(clerk, arrival.document)
    assert document.number == "กค ๐๔๐๘/ว๑๒" and document.number_norm == "กค0408/ว12"
    assert document.doc_date == dt.date(2024, 2, 29)
    assert (document.secrecy, document.urgency) == (1, 2)
    assert document.sender_text == "กรมบัญชีกลาง"


def test_an_unknown_sender_is_named_by_its_id_and_a_dash_is_no_enclosure():
    arrival = arriving_letter(_arriving(enclosures="-", attachments=()), our_id=US,
                              tables=TABLES)
    assert arrival.document["sender"] == f"หน่วยงานรหัส {THEM}"
    assert arrival.enclosures is None and len(arrival.files) == 1


@pytest.mark.parametrize(("change", "answer", "en"), [
    ({"receiver": Party("", "", "", "0031500003")}, INVALID, "for organisation 0031500003"),
    ({"secret_code": "009"}, INVALID, "SecretCode '009' is not mapped"),
    ({"speed_code": ""}, INVALID, "SpeedCode '' is not mapped"),
    ({"secret_code": "004"}, REJECT, "Top-secret letters are not received"),
    ({"main_letter": Attachment("application/x-msdownload", b"MZ")}, INVALID,
     "'application/x-msdownload'"),
    ({"attachments": (Attachment("text/html", b"<p>"),)}, INVALID, "attachment 1"),
])
def test_every_refusal_of_an_arriving_letter_says_how_it_is_answered(change, answer, en):
    with pytest.raises(EcmsRefusal) as caught:
        arriving_letter(_arriving(**change), our_id=US, tables=TABLES)
    assert caught.value.answer == answer
    assert en in caught.value.message_en and caught.value.message_th


def test_a_letter_survives_the_wire_both_ways(db_session):
    """Ours → XML → read by the receiver → its fields: what we sent is what it registers."""
    document = _document(db_session, secrecy=Secrecy.CONFIDENTIAL, urgency=Urgency.URGENT)
    request = codec.parse_request(codec.build_letter(_send(document)))
    arrival = arriving_letter(request.payload, our_id=THEM, tables=TABLES,
                              directory={US: "สำนักงานพัฒนารัฐบาลดิจิทัล"})
    assert arrival.document["number"] == "สพร ๒๕๖๒/ว๔๐๙๙"
    assert arrival.document["date"] == "2019-11-26"
    assert (arrival.document["secrecy"], arrival.document["urgency"]) == (1, 1)
    assert arrival.document["sender"] == "สำนักงานพัฒนารัฐบาลดิจิทัล"
    assert arrival.main_file.content == PDF


def test_thai_and_arabic_digits_name_the_same_letter():
    assert same_number("สพร ๒๕๖๒/ว๔๐๙๙", "ที่ สพร 2562/ว4099")
    assert same_number("๐๐๓๓.๑๒/๕๐๕๒", "0033.12 / 5052")
    assert not same_number("๐๐๓๓.๑๒/๕๐๕๒", "0033.12/5053")
    assert not same_number(None, None)
