"""The e-CMS codec against the 40 example messages (tests/data/ecms, copied from shared/ecms).

The examples are the oracle: each request is built from our own data and must equal the example
after canonicalisation (C14N 2.0, whitespace between elements and comments dropped: elements,
namespaces, attributes, order and text are compared). Every example, request and response, is
read, and so are the variants the two public clients show, and hostile inputs are refused with
a reason.
"""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import pytest
from lxml import etree

from saraban.exchange.ecms import codec
from saraban.exchange.ecms.messages import (
    Addressing,
    Attachment,
    CodeEntry,
    EcmsFormatError,
    EcmsRemoteError,
    EcmsValueError,
    ErrorDetail,
    InboundItem,
    Letter,
    LetterKey,
    MimeCode,
    Ministry,
    Notifier,
    Organization,
    OutboundStatus,
    Party,
    Reference,
    Signer,
    SpecialRequest,
)
from saraban.thaidate import BANGKOK

DATA = Path(__file__).parent / "data" / "ecms"
SCP1 = "http://dev.scp1.ecms.dga.or.th/ecms-ws01/service2"
SCP2 = "http://dev.scp2.ecms.dga.or.th/ecms-ws01/service2"
MID = "mid://20240501.100405123@saraban"
PDF = base64.b64decode("JVBERi0xLjQKJSBzYW1wbGUK")
DAY = dt.date(2024, 5, 1)


def example(name: str) -> bytes:
    matches = sorted(DATA.glob(f"{name}*.xml"))
    if not matches:
        pytest.skip(f"example {name} missing from {DATA}")
    return matches[0].read_bytes()


def c14n(data: bytes) -> str:
    return etree.canonicalize(xml_data=data.decode("utf-8"), strip_text=True)


def assert_same(built: bytes, name: str) -> None:
    assert c14n(built) == c14n(example(name))


SENDER = Party("สมชาย", "ใจดี", "ผู้อำนวยการ", "0031500001")
RECEIVER = Party("สมหญิง", "รักงาน", "หัวหน้าสำนักงาน", "0031500002")
LETTER = Letter(
    letter_id="ทดสอบ 0001/123", date=DAY, subject="ขอเชิญประชุม",
    secret_code="001", speed_code="001", sender=SENDER, receiver=RECEIVER,
    references=(Reference("ทดสอบ 0001/100", dt.date(2024, 4, 1), "ขอความอนุเคราะห์"),),
    enclosures="รายชื่อผู้เข้าประชุม",
    send_date=dt.datetime(2024, 5, 1, 10, 4, 5, tzinfo=BANGKOK), description="",
    main_letter=Attachment("application/pdf", PDF),
    attachments=(Attachment("application/pdf", PDF),),
    signer=Signer("DSIG", "สมชาย", "ใจดี", "ผู้อำนวยการ", "00", "0031500001"),
)
KEY = LetterKey("ทดสอบ 0001/123", DAY, "0031500001", "0031500002")


def notifier(kind: str, *, echo: bool = False) -> Notifier:
    accept_id = "123/2567" if kind in ("AcceptLetterNotifier", "InvalidAcceptIDNotifier") else None
    return Notifier(kind, "ทดสอบ 0001/123", DAY, "ขอเชิญประชุม", accept_id=accept_id,
                    accept_date="2024-05-01T10:30:00" if echo else None,
                    accept_department="0031500002" if echo else None)


NOTIFIERS = [("06", "ReceiveLetterNotifier"), ("09", "AcceptLetterNotifier"),
             ("12", "RejectLetterNotifier"), ("15", "InvalidLetterNotifier"),
             ("18", "InvalidAcceptIDNotifier")]


def test_examples_are_all_here():
    assert len(list(DATA.glob("*.xml"))) == 40
    assert "mil-doc" in (DATA / "README.md").read_text(encoding="utf-8")


def test_the_copies_are_the_shared_examples():
    """When the project's shared/ecms is beside the checkout, the copies must not have drifted."""
    shared = Path(__file__).resolve().parents[2] / "shared" / "ecms"
    if not shared.is_dir():
        pytest.skip(f"{shared} is not here (a clean clone): the copies in {DATA} are used")
    originals = {p.name: p.read_bytes() for p in shared.glob("*.xml")}
    assert originals == {p.name: p.read_bytes() for p in DATA.glob("*.xml")}


# --- requests: built from our data, equal to the examples ---------------------------------

def test_letter_request_is_the_example():
    assert_same(codec.build_letter(LETTER, Addressing(MID, SCP2)), "01-")


@pytest.mark.parametrize(("number", "kind"), NOTIFIERS)
def test_notifier_requests_are_the_examples(number, kind):
    assert_same(codec.build_notifier(notifier(kind), Addressing(MID, SCP1)), number)


@pytest.mark.parametrize(("number", "build", "to", "mid"), [
    ("03", codec.build_inbound_request, SCP2, MID),
    ("26", codec.build_ministry_list_request, SCP1, "Test"),
    ("28", codec.build_organization_list_request, SCP1, "Test"),
    ("30", codec.build_secret_codes_request, SCP1, "Test"),
    ("32", codec.build_speed_codes_request, SCP1, "Test"),
    ("34", codec.build_mime_codes_request, SCP1, "Test"),
    ("36", codec.build_outbound_status_request, SCP1, "Test"),
    ("38", codec.build_time_check_request, SCP1, "Test"),
])
def test_empty_requests_are_the_examples(number, build, to, mid):
    assert_same(build(Addressing(mid, to)), number)


def test_delete_withdraw_and_special_requests_are_the_examples():
    assert_same(codec.build_delete("20240501100500-000042", Addressing(MID, SCP2)), "21-")
    assert_same(codec.build_withdraw(KEY, Addressing(MID, SCP1)), "23-")
    assert_same(codec.build_special_request(SpecialRequest("GovernmentDocument", KEY),
                                            Addressing(MID, SCP1)), "25-")


def test_writer_is_utf8_and_not_pretty_printed():
    built = codec.build_letter(LETTER, Addressing(MID, SCP2))
    assert built.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "ขอเชิญประชุม".encode() in built
    assert b"\n  <" not in built


def test_writer_keeps_the_clients_element_order():
    root = etree.fromstring(codec.build_letter(LETTER, Addressing(MID, SCP2)))
    letter = root.find(f".//{{{codec.RAM}}}CorrespondenceLetter")
    assert [etree.QName(child).localname for child in letter] == [
        "ID", "CorrespondenceDate", "Subject", "SecretCode", "SpeedCode", "SenderParty",
        "ReceiverParty", "ReferenceCorrespondence", "Attachment", "SendDate", "Description",
        "MainLetterBinaryObject", "AttachmentBinaryObject"]


def test_writer_sends_no_empty_placeholders():
    bare = Letter(**{**LETTER.__dict__, "references": (), "attachments": (), "signer": None})
    built = codec.build_letter(bare, Addressing(MID, SCP2))
    assert b"ReferenceCorrespondence" not in built
    assert b"AttachmentBinaryObject" not in built
    assert b"GovernmentSignature" not in built


def test_a_message_id_is_made_when_none_is_given():
    request = codec.parse_request(codec.build_inbound_request())
    assert request.addressing.message_id.startswith("mid://")
    assert request.addressing.message_id.endswith("@saraban")


# --- the strict writer refuses --------------------------------------------------------------

@pytest.mark.parametrize("change", [
    {"sender": Party("ก", "ข", "ค", "31500001")},                       # not 10 digits
    {"receiver": Party("ก", "ข", "ค", "0031500002", ministry_id="03")},  # ministry != first two
    {"date": dt.datetime(2024, 5, 1, 9, 0)},                             # a datetime, not a date
    {"send_date": dt.datetime(2024, 5, 1, 9, 0)},                        # naive: whose clock?
    {"subject": "  "},
    {"secret_code": ""},
    {"main_letter": Attachment("pdf", PDF)},                             # not a MIME type
    {"main_letter": Attachment("application/pdf", b"")},
    {"subject": "เรื่อง\x00"},                                           # XML cannot carry it
])
def test_writer_refuses_bad_values(change):
    with pytest.raises(EcmsValueError):
        codec.build_letter(Letter(**{**LETTER.__dict__, **change}))


def test_writer_refuses_a_file_larger_than_a_text_node_can_carry():
    big = Attachment("application/pdf", b"%PDF" + b"0" * codec.MAX_FILE_BYTES)
    with pytest.raises(EcmsValueError, match="larger than e-CMS can carry"):
        codec.build_letter(Letter(**{**LETTER.__dict__, "attachments": (big,)}))


def test_the_largest_file_the_writer_sends_can_be_read_back():
    largest = Attachment("application/pdf", b"%PDF" + b"1" * (codec.MAX_FILE_BYTES - 4))
    built = codec.build_letter(Letter(**{**LETTER.__dict__, "main_letter": largest}))
    assert codec.parse_request(built).payload.main_letter.content == largest.content


# --- responses: the fake node writes what the examples show --------------------------------

def test_response_writers_are_the_examples():
    assert_same(codec.build_outbound_response("20240501100406-000001", "2024-05-01T10:04:06",
                                              echo_document=True), "02-")
    assert_same(codec.build_inbound_response(None), "05-")
    assert_same(codec.build_delete_response("20240501100500-000042", "2024-05-01T10:05:01"),
                "22-")
    assert_same(codec.build_withdraw_response("ทดสอบ 0001/123", "2024-05-01T11:00:00",
                                              "20240501110000-000009"), "24-")
    assert_same(codec.build_ministry_list([
        Ministry("01", "สำนักนายกรัฐมนตรี"), Ministry("02", "กระทรวงกลาโหม"),
        Ministry("25", "ส่วนราชการไม่สังกัดสำนักนายกรัฐมนตรี กระทรวง หรือทบวง")]), "27-")
    assert_same(codec.build_organization_list([Organization(
        "1100800000", "สำนักงานรัฐบาลอิเล็กทรอนิกส์(องค์การมหาชน)",
        "Electronic Government Agency (Public Organization)",
        "http://tester1.ecms.ega.or.th/ecms-ws01/service2")]), "29-")
    assert_same(codec.build_codes("SecretCodes", [CodeEntry("001", "ปกติ")]), "31-")
    assert_same(codec.build_codes("SpeedCodes", [CodeEntry("001", "ปกติ")]), "33-")
    assert_same(codec.build_mime_codes([MimeCode("pdf", "application/pdf")]), "35-")
    assert_same(codec.build_outbound_status([OutboundStatus(
        "20240501100406-000001", "ทดสอบ 0001/123", "XmlValue-03")]), "37-")
    assert_same(codec.build_time_check("2024-05-01T10:04:05"), "39-")
    assert_same(codec.build_error(ErrorDetail("GUESS-001", "GUESS: letter not found")), "40-")


@pytest.mark.parametrize(("response", "inbound", "kind"), [
    ("07", "08", "ReceiveLetterNotifier"), ("10", "11", "AcceptLetterNotifier"),
    ("13", "14", "RejectLetterNotifier"), ("16", "17", "InvalidLetterNotifier"),
    ("19", "20", "InvalidAcceptIDNotifier")])
def test_notifier_response_writers_are_the_examples(response, inbound, kind):
    echoed = notifier(kind, echo=True)
    assert_same(codec.build_outbound_response("20240501103001-000007", "2024-05-01T10:30:01",
                                              notifier=echoed), response)
    assert_same(codec.build_inbound_response(InboundItem(
        "20240501103100-000043", "2024-05-01T10:31:00", notifier=echoed)), inbound)


# --- reading every example ------------------------------------------------------------------

def test_reads_the_letter_request():
    request = codec.parse_request(example("01-"))
    assert request.operation == "CorrespondenceLetterOutboundRequest"
    assert request.addressing == Addressing(MID, SCP2)
    letter = request.payload
    assert letter.letter_id == "ทดสอบ 0001/123" and letter.date == DAY
    assert letter.sender.department_id == "0031500001" and letter.sender.ministry == "00"
    assert letter.receiver.given_name == "สมหญิง" and letter.receiver.job_title == "หัวหน้าสำนักงาน"
    assert letter.references == LETTER.references
    assert letter.enclosures == "รายชื่อผู้เข้าประชุม"
    assert letter.send_date == dt.datetime(2024, 5, 1, 10, 4, 5)
    assert letter.main_letter == Attachment("application/pdf", PDF)
    assert letter.attachments == (Attachment("application/pdf", PDF),)
    assert letter.signer == LETTER.signer and not letter.has_signature


def test_reads_the_inbound_letter_with_its_signature():
    item = codec.parse_inbound_response(example("04-"))
    assert item.process_id == "20240501100500-000042"
    assert item.process_time_parsed == dt.datetime(2024, 5, 1, 10, 5)
    assert item.letter.subject == "ขอเชิญประชุม" and item.letter.has_signature
    assert item.notifier is None and item.raw == example("04-")


def test_reads_the_empty_queue():
    assert codec.parse_inbound_response(example("05-")) is None


def test_reads_the_outbound_response():
    response = codec.parse_outbound_response(example("02-"))
    assert response.process_id == "20240501100406-000001"
    assert response.letter is None and response.notifier is None


@pytest.mark.parametrize(("number", "kind"), NOTIFIERS)
def test_reads_notifier_requests(number, kind):
    request = codec.parse_request(example(number))
    assert request.operation == "CorrespondenceLetterOutboundRequest"
    assert request.payload == notifier(kind)


@pytest.mark.parametrize(("response", "inbound", "kind"), [
    ("07", "08", "ReceiveLetterNotifier"), ("10", "11", "AcceptLetterNotifier"),
    ("13", "14", "RejectLetterNotifier"), ("16", "17", "InvalidLetterNotifier"),
    ("19", "20", "InvalidAcceptIDNotifier")])
def test_reads_notifier_responses_and_inbound_items(response, inbound, kind):
    echoed = codec.parse_outbound_response(example(response))
    assert echoed.process_id == "20240501103001-000007"
    assert echoed.notifier == notifier(kind, echo=True)
    assert echoed.notifier.accept_date_parsed == dt.datetime(2024, 5, 1, 10, 30)
    item = codec.parse_inbound_response(example(inbound))
    assert item.process_id == "20240501103100-000043"
    assert item.notifier == notifier(kind, echo=True) and item.letter is None


def test_reads_delete_withdraw_and_special():
    assert codec.parse_request(example("21-")).payload == "20240501100500-000042"
    deleted = codec.parse_delete_response(example("22-"))
    assert (deleted.process_id, deleted.process_time) == ("20240501100500-000042",
                                                          "2024-05-01T10:05:01")
    assert codec.parse_request(example("23-")).payload == KEY
    withdrawn = codec.parse_withdraw_response(example("24-"))
    assert withdrawn.letter_id == "ทดสอบ 0001/123"
    assert withdrawn.process_id == "20240501110000-000009"
    assert codec.parse_request(example("25-")).payload == SpecialRequest("GovernmentDocument",
                                                                         KEY)


@pytest.mark.parametrize(("number", "operation"), [
    ("03", "CorrespondenceLetterInboundRequest"), ("26", "GetMinistryOrganizationList"),
    ("28", "GetOrganizationList"), ("30", "GetSecretCodes"), ("32", "GetSpeedCodes"),
    ("34", "GetMimeCodes"), ("36", "OutboundStatusRequest"), ("38", "TimeCheckRequest")])
def test_reads_empty_requests(number, operation):
    request = codec.parse_request(example(number))
    assert request.operation == operation and request.payload is None


def test_reads_the_lists():
    assert [m.ministry_id for m in codec.parse_ministry_list(example("27-"))] == ["01", "02",
                                                                                 "25"]
    (organization,) = codec.parse_organization_list(example("29-"))
    assert organization.organization_id == "1100800000" and organization.ministry_id == "11"
    assert organization.ecms_url == "http://tester1.ecms.ega.or.th/ecms-ws01/service2"
    assert codec.parse_secret_codes(example("31-")) == (CodeEntry("001", "ปกติ"),)
    assert codec.parse_speed_codes(example("33-")) == (CodeEntry("001", "ปกติ"),)
    assert codec.parse_mime_codes(example("35-")) == (MimeCode("pdf", "application/pdf"),)
    assert codec.parse_outbound_status(example("37-")) == (OutboundStatus(
        "20240501100406-000001", "ทดสอบ 0001/123", "XmlValue-03"),)
    assert codec.parse_time_check(example("39-")).parsed == dt.datetime(2024, 5, 1, 10, 4, 5)


def test_error_detail_is_raised_by_every_reader():
    data = example("40-")
    assert codec.parse_error(data) == ErrorDetail("GUESS-001", "GUESS: letter not found")
    for parse in (codec.parse_outbound_response, codec.parse_inbound_response,
                  codec.parse_delete_response, codec.parse_withdraw_response,
                  codec.parse_organization_list, codec.parse_ministry_list, codec.parse_codes,
                  codec.parse_mime_codes, codec.parse_outbound_status, codec.parse_time_check):
        with pytest.raises(EcmsRemoteError) as caught:
            parse(data)
        assert caught.value.detail.code == "GUESS-001"


# --- variants the clients show ----------------------------------------------------------------

def variant(name: str, *replacements: tuple[bytes, bytes]) -> bytes:
    data = example(name)
    for old, new in replacements:
        assert old in data, old
        data = data.replace(old, new)
    return data


def test_boi_addressing_without_www_and_lowercase_to():
    data = variant("01-", (b'wsa="http://www.w3.org/2005/08/addressing"',
                           b'wsa="http://w3.org/2005/08/addressing"'),
                   (b"<wsa:To ", b"<wsa:to "), (b"</wsa:To>", b"</wsa:to>"),
                   (b">mid://20240501.100405123@saraban<", b"><"))
    assert codec.parse_request(data).addressing == Addressing("", SCP2)


def test_lowercase_process_id():
    data = variant("07-", (b"<ProcessID>", b"<processID>"), (b"</ProcessID>", b"</processID>"))
    assert codec.parse_outbound_response(data).process_id == "20240501103001-000007"


def test_empty_placeholders_are_skipped_and_order_does_not_matter():
    data = variant(
        "04-",
        (b"<ram:ReferenceCorrespondence>",
         b"<ram:ReferenceCorrespondence><ram:ID>B/2</ram:ID><ram:CorrespondenceDate>"
         b"2024-04-02</ram:CorrespondenceDate><ram:Subject>S</ram:Subject>"
         b"</ram:ReferenceCorrespondence><ram:ReferenceCorrespondence><ram:ID/>"
         b"<ram:CorrespondenceDate/><ram:Subject/></ram:ReferenceCorrespondence>"
         b"<ram:ReferenceCorrespondence>"),
        (b"</ram:CorrespondenceLetter>",
         b'<ram:AttachmentBinaryObject mimeCode=""/></ram:CorrespondenceLetter>'))
    letter = codec.parse_inbound_response(data).letter
    assert [r.letter_id for r in letter.references] == ["B/2", "ทดสอบ 0001/100"]
    assert len(letter.attachments) == 1


def test_base64_with_whitespace():
    wrapped = base64.encodebytes(b"%PDF-1.4 " + bytes(range(256)) * 4)  # lines of 76
    data = variant("04-", (b">JVBERi0xLjQKJSBzYW1wbGUK</ram:MainLetterBinaryObject>",
                           b">\n" + wrapped + b"  </ram:MainLetterBinaryObject>"))
    letter = codec.parse_inbound_response(data).letter
    assert letter.main_letter.content == b"%PDF-1.4 " + bytes(range(256)) * 4


def test_no_government_signature_no_description_and_boi_dates():
    data = example("01-")
    start = data.index(b"<ram:GovernmentSignature>")
    end = data.index(b"</ram:GovernmentSignature>") + len(b"</ram:GovernmentSignature>")
    data = data[:start] + data[end:]
    data = data.replace(b"<ram:Description/>", b"").replace(
        b"2024-05-01T10:04:05</ram:SendDate>", b"2024-05-01</ram:SendDate>")
    letter = codec.parse_request(data).payload
    assert letter.signer is None and letter.description == ""
    assert letter.send_date == DAY


def test_boi_receiver_ministry_filled_with_the_department_is_kept_as_sent():
    data = variant("04-", (b"<ram:MinistryOrganization><ram:ID>00</ram:ID></ram:MinistryOrganiz"
                           b"ation>\n            <ram:DepartmentOrganization><ram:ID>0031500002",
                           b"<ram:MinistryOrganization><ram:ID>0031500002</ram:ID></ram:Ministry"
                           b"Organization>\n            <ram:DepartmentOrganization><ram:ID>"
                           b"0031500002"))
    receiver = codec.parse_inbound_response(data).letter.receiver
    assert receiver.department_id == "0031500002" and receiver.ministry == "0031500002"


def test_declaration_variants_and_bom():
    data = example("03-")
    boi = data.replace(b'encoding="UTF-8"?>', b'encoding="UTF-8" standalone="no"?>')
    mil_doc = data[data.index(b"<SOAP-ENV:Envelope"):]
    for each in (boi, mil_doc, b"\xef\xbb\xbf" + data):
        assert codec.parse_request(each).operation == "CorrespondenceLetterInboundRequest"


def test_error_detail_anywhere_even_inside_a_normal_response():
    data = variant("22-", (b"<ProcessTime>", "<ErrorDetail><Code>E9</Code><Text>ไม่พบ</Text>"
                                             "</ErrorDetail><ProcessTime>".encode()))
    with pytest.raises(EcmsRemoteError) as caught:
        codec.parse_delete_response(data)
    assert caught.value.detail == ErrorDetail("E9", "ไม่พบ")


def test_soap_fault_is_an_error_too():
    fault = (b'<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV='
             b'"http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><SOAP-ENV:Fault>'
             b"<faultcode>SOAP-ENV:Server</faultcode><faultstring>down</faultstring>"
             b"</SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>")
    with pytest.raises(EcmsRemoteError) as caught:
        codec.parse_inbound_response(fault)
    assert caught.value.detail == ErrorDetail("SOAP-ENV:Server", "down")


def test_an_item_of_unknown_content_is_still_returned_to_be_deleted():
    data = variant("08-", (b"ReceiveLetterNotifier>", b"SomethingNewNotifier>"))
    item = codec.parse_inbound_response(data)
    assert item.process_id == "20240501103100-000043"
    assert item.letter is None and item.notifier is None


def test_round_trip_of_a_letter_with_many_files_keeps_every_byte():
    files = tuple(Attachment("image/png", bytes([n]) * (n + 1)) for n in range(5))
    letter = Letter(**{**LETTER.__dict__, "attachments": files, "references": ()})
    parsed = codec.parse_request(codec.build_letter(letter)).payload
    assert parsed.attachments == files and parsed.references == ()


# --- hostile and broken input -----------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>
<CorrespondenceLetterInboundResponse><ProcessID>&lol3;</ProcessID></CorrespondenceLetterInboundResponse>
</SOAP-ENV:Body></SOAP-ENV:Envelope>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>
<CorrespondenceLetterInboundResponse><ProcessID>&x;</ProcessID></CorrespondenceLetterInboundResponse>
</SOAP-ENV:Body></SOAP-ENV:Envelope>"""
EXTERNAL_DTD = (b'<?xml version="1.0"?><!DOCTYPE SOAP-ENV:Envelope SYSTEM '
                b'"http://127.0.0.1:9/evil.dtd">' + example("05-").split(b"-->", 1)[1]) \
    if (DATA / "05-CorrespondenceLetterInboundResponse.empty.xml").exists() else b"<!DOCTYPE x>"
# A DOCTYPE hidden behind a UTF-8 BOM and a parameter entity, which never gets near libxml2.
PARAMETER_ENTITY = (b'\xef\xbb\xbf<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM '
                    b'"http://127.0.0.1:9/p">%p;]><x/>')


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD,
                                  PARAMETER_ENTITY],
                         ids=["billion-laughs", "external-entity", "external-dtd",
                              "parameter-entity"])
def test_doctype_and_entities_are_refused(data):
    with pytest.raises(EcmsFormatError) as caught:
        codec.parse_inbound_response(data)
    assert caught.value.reason == "doctype"
    assert "DOCTYPE" in str(caught.value)


def test_oversize_message_is_refused_before_parsing():
    data = example("04-")
    with pytest.raises(EcmsFormatError) as caught:
        codec.parse_inbound_response(data, max_bytes=len(data) - 1)
    assert caught.value.reason == "too_large"
    with pytest.raises(EcmsFormatError, match="over the limit"):
        codec.parse_inbound_response(b" " * (codec.MAX_MESSAGE_BYTES + 1))


def test_a_text_node_past_the_parser_limit_is_refused():
    data = variant("04-", (b">JVBERi0xLjQKJSBzYW1wbGUK<", b">" + b"A" * 10_000_004 + b"<"))
    with pytest.raises(EcmsFormatError) as caught:
        codec.parse_inbound_response(data)
    assert caught.value.reason == "too_large"


@pytest.mark.parametrize("data", [
    "ทดสอบ".encode("tis-620").join([b"<?xml version='1.0'?><a>", b"</a>"]),
    b'<?xml version="1.0" encoding="TIS-620"?><a>x</a>',
    '<?xml version="1.0" encoding="UTF-16"?><a>x</a>'.encode("utf-16"),
    '<a>x</a>'.encode("utf-16-be"),
], ids=["tis-620-bytes", "declared-tis-620", "utf-16-bom", "utf-16-no-bom"])
def test_non_utf8_is_refused(data):
    with pytest.raises(EcmsFormatError) as caught:
        codec.parse_xml(data)
    assert caught.value.reason == "encoding"
    assert "UTF-8" in str(caught.value)


def test_truncated_messages_are_refused():
    data = example("04-")
    for cut in (len(data) // 3, len(data) // 2, len(data) - 20):
        with pytest.raises(EcmsFormatError) as caught:
            codec.parse_inbound_response(data[:cut])
        assert caught.value.reason == "syntax"


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty"),
    (b"<Envelope><Body/></Envelope>", "shape"),                   # not SOAP 1.1
    (b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>',
     "shape"),                                                    # SOAP 1.2
])
def test_not_soap_11_is_refused(data, reason):
    with pytest.raises(EcmsFormatError) as caught:
        codec.parse_inbound_response(data)
    assert caught.value.reason == reason


@pytest.mark.parametrize(("old", "new", "says"), [
    (b"<ram:CorrespondenceDate>2024-05-01<", b"<ram:CorrespondenceDate>2567-05-01<",
     "Buddhist-era"),
    (b"<ram:CorrespondenceDate>2024-05-01<", b"<ram:CorrespondenceDate>01/05/2024<",
     "yyyy-MM-dd"),
    (b"<ram:CorrespondenceDate>2024-05-01<", b"<ram:CorrespondenceDate>2024-02-30<", "real"),
    (b">JVBERi0xLjQKJSBzYW1wbGUK</ram:MainLetterBinaryObject>",
     b">not*base64</ram:MainLetterBinaryObject>", "base64"),
    (b"<ram:DepartmentOrganization><ram:ID>0031500001</ram:ID>",
     b"<ram:DepartmentOrganization><ram:ID></ram:ID>", "DepartmentOrganization"),
])
def test_bad_letter_content_is_refused_with_a_clear_error(old, new, says):
    with pytest.raises(EcmsFormatError, match=says):
        codec.parse_inbound_response(variant("04-", (old, new)))


def test_unknown_request_operation_is_refused():
    data = variant("03-", (b"<CorrespondenceLetterInboundRequest/>", b"<DropTables/>"))
    with pytest.raises(EcmsFormatError, match="not an e-CMS request"):
        codec.parse_request(data)


def test_two_letters_in_one_document_are_refused():
    data = example("04-")
    start = data.index(b'<ram:CorrespondenceLetter ID="Letter">')
    end = data.index(b"</ram:CorrespondenceLetter>") + len(b"</ram:CorrespondenceLetter>")
    with pytest.raises(EcmsFormatError, match="more than one letter"):
        codec.parse_inbound_response(data[:start] + data[start:end] + data[start:])


def test_an_unexpected_answer_to_a_pull_is_not_an_empty_queue():
    with pytest.raises(EcmsFormatError, match="found SecretCodes"):
        codec.parse_inbound_response(example("31-"))
    with pytest.raises(EcmsFormatError, match="CorrespondenceLetterDeleteResponse"):
        codec.parse_delete_response(example("24-"))
