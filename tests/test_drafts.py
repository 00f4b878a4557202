"""Outgoing letters, at the operations: a draft goes up its review line (serial and
parallel), each edit kept as a version with its difference, the signer signs in an acting
capacity, the clerk numbers it (the number and date filled into the signed PDF by the
registry's signature) and sends it to a unit, a peer and by registered mail."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from pypdf import PdfReader

from saraban import thaidate
from saraban.validation import OperationError
from tests.conftest import exchange_identity, make_unit, make_user
from tests.pdftools import pdftotext


@pytest.fixture()
def office(app, db_session):
    from saraban.exchange.models import Peer
    from saraban.registers.models import Register
    from saraban.signing import ca as agency_ca
    from saraban.units.models import Delegation, DelegationKind, Person, Position, PositionHolding

    if not agency_ca.has_ca():
        agency_ca.init_ca("สำนักงานทดสอบ")
    exchange_identity()
    tag = uuid.uuid4().hex[:6]
    top = make_unit(db_session, f"ตร{tag}", name_th="สำนักงานตำรวจแห่งชาติ", letter_code="ตช",
                    address="อาคาร ๑ ถนนพระรามที่ ๑\nเขตปทุมวัน กรุงเทพมหานคร ๑๐๓๓๐")
    unit = make_unit(db_session, f"สทส{tag}", parent=top, name_th="สำนักงานเทคโนโลยีสารสนเทศ",
                     doc_code="0033.12", telephone="0 2205 1866")
    other = make_unit(db_session, f"สงป{tag}", parent=top, name_th="สำนักงานงบประมาณ",
                      doc_code="0010.011")
    person = Person(rank="พล.ต.ต.", first_name="สมชาย", last_name=f"ใจดี{tag}")
    own = Position(unit=unit, title="รอง ผบช.สทส.")
    head = Position(unit=unit, title="ผบช.สทส.", is_head=True)
    db_session.add_all([person, own, head])
    db_session.flush()
    db_session.add_all([
        PositionHolding(person=person, position=own, start_date=dt.date(2020, 1, 1)),
        Delegation(person=person, position=head, kind=DelegationKind.ON_BEHALF,
                   start_date=dt.date(2020, 1, 1))])
    people = {
        "drafter": make_user(db_session, f"d-{tag}", units=[unit], display_name="ผู้ร่าง"),
        "first": make_user(db_session, f"r1-{tag}", units=[unit], display_name="ผู้ตรวจหนึ่ง"),
        "second": make_user(db_session, f"r2-{tag}", units=[unit], display_name="ผู้ตรวจสอง"),
        "signer": make_user(db_session, f"s-{tag}", units=[unit], role="commander",
                            display_name="ผู้ลงนาม", person_id=person.id),
        "clerk": make_user(db_session, f"c-{tag}", units=[unit], role="clerk",
                           display_name="สารบรรณ"),
        "outsider": make_user(db_session, f"o-{tag}", units=[other], display_name="คนนอก"),
    }
    agency_ca.issue(people["signer"])
    register = Register(unit=unit, kind="dispatch", code=f"s-{tag}", name="ทะเบียนส่ง")
    orders = Register(unit=unit, kind="dispatch", code=f"o-{tag}", name="ทะเบียนคำสั่ง",
                      for_orders=True)
    peer = Peer(code=f"P{tag}".upper(), name="หน่วยงานภายนอกทดสอบ", url="http://127.0.0.1:9",
                public_key="A" * 43 + "=")
    db_session.add_all([register, orders, peer])
    db_session.flush()
    return {"unit": unit, "other": other, "register": register, "orders": orders, "peer": peer,
            "person": person, "head": head, **people}


def _draft(o, **more):
    from saraban.drafts.operations import create_draft

    return create_draft(o["drafter"], {
        "kind": "external", "fields": {
            "subject": "ขอเชิญประชุมคณะทำงานสารบรรณอิเล็กทรอนิกส์",
            "to": "ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล", **more.pop("fields", {})},
        "body": "ด้วยสำนักงานตำรวจแห่งชาติจะจัดประชุมคณะทำงาน\nจึงเรียนมาเพื่อโปรดพิจารณา",
        **more})


def test_a_draft_goes_up_the_line_is_signed_numbered_and_sent(office, db_session):
    from saraban.delivery.models import Delivery
    from saraban.drafts import operations as ops
    from saraban.signing.operations import verify

    o = office
    draft = _draft(o)
    line = [o["first"].id, o["second"].id, o["signer"].id]
    ops.submit_draft(o["drafter"], draft.id, line)
    # not the second reviewer's turn yet; the signer cannot sign before the initials
    with pytest.raises(OperationError):
        ops.review_draft(o["second"], draft.id, "initial")
    with pytest.raises(OperationError):
        ops.sign_draft(o["signer"], draft.id)
    assert [d.id for d in ops.drafts_for(o["first"])["waiting"]] == [draft.id]
    # the first reviewer edits, the change kept as version 2 with its difference
    ops.update_draft(o["first"], draft.id, {
        "fields": {**draft.fields, "subject": "ขอเชิญประชุมคณะทำงานพัฒนาสารบรรณอิเล็กทรอนิกส์"},
        "body": draft.body})
    ops.review_draft(o["first"], draft.id, "initial", "ตรวจแล้ว")
    ops.review_draft(o["second"], draft.id, "initial")
    history = ops.versions(o["signer"], draft.id)
    assert [v["number"] for v in history] == [2, 1]
    assert history[0]["author"].id == o["first"].id
    change = history[0]["changes"][0]
    assert change["field"] == "เรื่อง" and ("added", "พัฒนา") in change["diff"]
    # a reviewer who has initialled may no longer edit
    with pytest.raises(OperationError):
        ops.update_draft(o["first"], draft.id, {"body": "แก้ไขอีก"})
    # the signer signs for the head of the unit (ปรท.), by his delegation
    capacity = f"delegation:{o['head'].id}"
    from saraban.endorsements.capacity import capacities_for

    options = capacities_for(o["person"], thaidate.today())
    acting = next(c for c in options if c.delegation is not None)
    ops.sign_draft(o["signer"], draft.id, acting.key)
    assert draft.status == "signed" and draft.capacity_text == "รอง ผบช.สทส. ปรท.ผบช.สทส."
    assert capacity  # (the key names the delegation, not the position)
    with pytest.raises(OperationError, match="ลงนามแล้ว"):
        ops.update_draft(o["drafter"], draft.id, {"body": "เปลี่ยน"})
    signed, _ = ops.preview_pdf(o["drafter"], draft.id)
    assert "ปรท.ผบช.สทส." in pdftotext(signed) and verify(signed)[0]["intact"]
    # the clerk numbers it and sends it by three channels
    done = ops.dispatch_draft(o["clerk"], draft.id, o["register"].id, [
        {"channel": "transfer", "unit_id": o["other"].id},
        {"channel": "exchange", "peer": o["peer"].code},
        {"channel": "post_registered", "name": "ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล",
         "address": "๑๐๘ ถนนรางน้ำ แขวงถนนพญาไท\nเขตราชเทวี กรุงเทพฯ ๑๐๔๐๐"}])
    dispatch = done["dispatch"]
    assert dispatch.number_text.startswith("๐๐๓๓.๑๒/")
    final, _ = ops.preview_pdf(o["clerk"], draft.id)
    text = pdftotext(final)
    assert f"ที่ ตช {dispatch.number_text}" in text
    checks = verify(final)
    assert len(checks) == 2 and all(c["intact"] and c["valid"] for c in checks)
    fields = PdfReader(io.BytesIO(final)).get_fields()
    assert fields["number"]["/V"] == dispatch.number_text.split("/", 1)[1]
    deliveries = db_session.query(Delivery).filter_by(dispatch_id=dispatch.id).all()
    assert [d.channel for d in deliveries] == ["transfer", "exchange", "post_registered"]
    assert [d.status for d in deliveries] == ["sent", "queued", "queued"]
    assert deliveries[0].transfer_id and deliveries[1].message_ref
    assert draft.status == "dispatched"
    with pytest.raises(OperationError):
        ops.dispatch_draft(o["clerk"], draft.id, o["register"].id,
                           [{"channel": "transfer", "unit_id": o["other"].id}])


def test_a_bad_destination_costs_no_number(office, db_session):
    from saraban.drafts import operations as ops
    from saraban.registers.models import Dispatch

    o = office
    draft = _draft(o)
    ops.submit_draft(o["drafter"], draft.id, [o["signer"].id])
    ops.sign_draft(o["signer"], draft.id)
    before = db_session.query(Dispatch).filter_by(register_id=o["register"].id).count()
    for bad, words in (
            ({"channel": "post_ems", "name": "ผู้รับ", "address": "ที่อยู่",
              "tracking": "EF123456784TH"}, "ตัวเลขตรวจสอบ"),
            ({"channel": "exchange", "peer": "NOBODY"}, "ไม่พบหน่วยงาน"),
            ({"channel": "pigeon"}, "ช่องทาง"),
            ({"channel": "post_registered", "name": "ผู้รับ"}, "ที่อยู่")):
        with pytest.raises(OperationError) as error:
            ops.dispatch_draft(o["clerk"], draft.id, o["register"].id, [bad])
        assert words in error.value.message_th
    assert db_session.query(Dispatch).filter_by(register_id=o["register"].id).count() == before
    done = ops.dispatch_draft(o["clerk"], draft.id, o["register"].id, [
        {"channel": "post_ems", "name": "ผู้รับ", "address": "ที่อยู่",
         "tracking": "ef 1234 5678 5 th"}])
    assert done["deliveries"][0].tracking == "EF123456785TH"
    assert done["deliveries"][0].status == "sent"


def test_s10_check_digits():
    from saraban.delivery.operations import read_tracking, s10_check_digit

    # 4×8 + 7×6 + 3×4 + 1×2 + 2×3 + 4×5 + 8×9 + 2×7 = 200; 200 mod 11 = 2; 11 − 2 = 9
    assert s10_check_digit("47312482") == 9
    assert s10_check_digit("00000000") == 5  # 11 − 0 = 11 → 5
    assert s10_check_digit("00000008") == 0  # 8×7 = 56; 56 mod 11 = 1; 11 − 1 = 10 → 0
    assert read_tracking("RR473124829TH") == "RR473124829TH"
    with pytest.raises(OperationError):
        read_tracking("RR473124824TH")


def test_parallel_review_and_return(office):
    from saraban.drafts import operations as ops

    o = office
    draft = _draft(o)
    ops.submit_draft(o["drafter"], draft.id, [o["first"].id, o["second"].id, o["signer"].id],
                     parallel=True)
    waiting = {s.user_id for s in draft.steps if s.status == "current"}
    assert waiting == {o["first"].id, o["second"].id}  # เวียนตรวจ: both at once
    ops.review_draft(o["second"], draft.id, "initial")
    with pytest.raises(OperationError):
        ops.sign_draft(o["signer"], draft.id)
    with pytest.raises(OperationError, match="เหตุที่ส่งคืน"):
        ops.review_draft(o["first"], draft.id, "return")
    ops.review_draft(o["first"], draft.id, "return", "แก้ไขวันประชุม")
    assert draft.status == "returned" and draft.return_note == "แก้ไขวันประชุม"
    assert not ops.drafts_for(o["signer"])["waiting"]
    ops.update_draft(o["drafter"], draft.id, {"body": draft.body + "\nประชุมวันที่ ๕"})
    ops.submit_draft(o["drafter"], draft.id, [o["first"].id, o["signer"].id])
    ops.review_draft(o["first"], draft.id, "initial")
    ops.sign_draft(o["signer"], draft.id)
    assert draft.status == "signed"


def test_who_sees_a_draft(office):
    from saraban.drafts import operations as ops

    o = office
    draft = _draft(o, fields={"secrecy": "ลับ"}) if o["drafter"].clearance else None
    assert draft is None  # without a clearance no classified draft is made
    with pytest.raises(OperationError):
        _draft(o, fields={"secrecy": "ลับ"})
    draft = _draft(o)
    for name in ("outsider", "clerk", "signer"):
        with pytest.raises(OperationError) as error:
            ops.get_draft(o[name], draft.id)
        assert error.value.status == 404
    ops.submit_draft(o["drafter"], draft.id, [o["signer"].id])
    assert ops.get_draft(o["signer"], draft.id) is draft
    with pytest.raises(OperationError):
        ops.get_draft(o["clerk"], draft.id)  # not before it is signed
    ops.sign_draft(o["signer"], draft.id)
    assert ops.get_draft(o["clerk"], draft.id) is draft
    assert [d.id for d in ops.drafts_for(o["clerk"])["to_number"]] == [draft.id]
    with pytest.raises(OperationError):
        ops.get_draft(o["outsider"], draft.id)


def test_a_classified_draft_goes_only_to_cleared_reviewers(office, db_session):
    from saraban.drafts import operations as ops

    o = office
    o["drafter"].clearance = o["signer"].clearance = 1
    draft = _draft(o, fields={"secrecy": "ลับ"})
    with pytest.raises(OperationError) as error:
        ops.submit_draft(o["drafter"], draft.id, [o["first"].id, o["signer"].id])
    assert error.value.status == 403
    ops.submit_draft(o["drafter"], draft.id, [o["signer"].id])
    ops.sign_draft(o["signer"], draft.id)
    assert not ops.drafts_for(o["clerk"])["to_number"]  # an uncleared clerk sees nothing
    assert "subject" not in _audit_details(db_session, draft)


def _audit_details(db_session, draft) -> dict:
    import json

    from saraban.audit.models import AuditEvent

    event = db_session.query(AuditEvent).filter(AuditEvent.action == "draft.sign").order_by(
        AuditEvent.id.desc()).first()
    details = event.details
    return json.loads(details) if isinstance(details, str) else (details or {})


def test_a_reply_cites_the_letter_and_answers_its_sender(office, db_session):
    from saraban.drafts import operations as ops
    from tests.conftest import make_document

    o = office
    received = make_document(db_session, subject="ขอความร่วมมือตอบแบบสำรวจ",
                             number="สพร ๒๕๖๒/ว๔๐๙๙", doc_date=dt.date(2019, 11, 1),
                             sender_text="สำนักงานพัฒนารัฐบาลดิจิทัล",
                             created_by_id=o["drafter"].id)
    draft = ops.create_draft(o["drafter"], {"kind": "external", "reply_to": received.id,
                                            "fields": {}, "body": "ตามที่"})
    assert draft.fields["references"] == ("หนังสือสำนักงานพัฒนารัฐบาลดิจิทัล ที่ สพร ๒๕๖๒/ว๔๐๙๙ "
                                          "ลงวันที่ ๑ พฤศจิกายน ๒๕๖๒")
    assert draft.fields["to"] == "สำนักงานพัฒนารัฐบาลดิจิทัล"
    assert draft.reply_to_id == received.id
    with pytest.raises(OperationError):
        ops.create_draft(o["outsider"], {"kind": "external", "reply_to": received.id,
                                         "fields": {}, "body": ""})


def test_signed_in_ink_scanned_back_and_numbered_in_the_blanks(office, db_session):
    """Where the law needs ink: the printed letter signed by hand and scanned back; the
    number and date are drawn into the form's blanks and the registry signs the whole."""
    from saraban.drafts import operations as ops
    from saraban.signing.operations import verify

    o = office
    draft = _draft(o)
    ops.submit_draft(o["drafter"], draft.id, [o["signer"].id])
    printed, _ = ops.preview_pdf(o["drafter"], draft.id)
    with pytest.raises(OperationError):
        ops.sign_on_paper(o["outsider"], draft.id, "scan.pdf", printed)
    with pytest.raises(OperationError):  # not a PDF nor an image
        ops.sign_on_paper(o["drafter"], draft.id, "scan.pdf", b"hello")
    ops.sign_on_paper(o["drafter"], draft.id, "ลงนามแล้ว.pdf", printed)
    assert draft.status == "signed" and draft.on_paper
    assert draft.steps[-1].status == "signed" and draft.signed_by_id == o["signer"].id
    done = ops.dispatch_draft(o["clerk"], draft.id, o["register"].id, [
        {"channel": "hand", "name": "ผู้อำนวยการ สพร."}])
    final, _ = ops.preview_pdf(o["clerk"], draft.id)
    text = pdftotext(final)
    assert f"ตช {done['dispatch'].number_text}" in text.replace("ที่ ", "")
    checks = verify(final)
    assert len(checks) == 1 and checks[0]["intact"] and checks[0]["valid"]


def test_an_order_is_numbered_in_its_own_yearly_series(office):
    from saraban import thaidate
    from saraban.drafts import operations as ops

    o = office
    draft = ops.create_draft(o["drafter"], {
        "kind": "order", "fields": {"subject": "แต่งตั้งคณะทำงานพัฒนาระบบสารบรรณอิเล็กทรอนิกส์",
                                    "effective": "วันที่ ๑ มกราคม ๒๕๗๐"},
        "body": "เพื่อให้การพัฒนาระบบเป็นไปด้วยความเรียบร้อย จึงแต่งตั้งคณะทำงาน"})
    ops.submit_draft(o["drafter"], draft.id, [o["signer"].id])
    ops.sign_draft(o["signer"], draft.id)
    for register, kind in ((o["register"], draft), (o["orders"], None)):
        if kind is not None:  # an order is not numbered in the ordinary series
            with pytest.raises(OperationError, match="ทะเบียนคำสั่ง"):
                ops.dispatch_draft(o["clerk"], draft.id, register.id,
                                   [{"channel": "transfer", "unit_id": o["other"].id}])
    done = ops.dispatch_draft(o["clerk"], draft.id, o["orders"].id,
                              [{"channel": "transfer", "unit_id": o["other"].id}])
    year = thaidate.to_thai_digits(thaidate.today().year + 543)
    assert done["dispatch"].number_text == f"๑/{year}"
    text = pdftotext(ops.preview_pdf(o["clerk"], draft.id)[0])
    assert f"ที่ ๑/{year}" in text and "คำสั่งสำนักงานตำรวจแห่งชาติ" in text
    other = _draft(o)  # and a letter is not numbered in the orders' register
    ops.submit_draft(o["drafter"], other.id, [o["signer"].id])
    ops.sign_draft(o["signer"], other.id)
    with pytest.raises(OperationError, match="ใช้ออกเลขคำสั่งเท่านั้น"):
        ops.dispatch_draft(o["clerk"], other.id, o["orders"].id,
                           [{"channel": "transfer", "unit_id": o["other"].id}])


def test_a_units_default_review_line(office, db_session):
    from saraban.drafts import operations as ops

    o = office
    admin = make_user(db_session, units=[o["unit"]], role="admin")
    with pytest.raises(OperationError) as error:  # only the unit's administrators
        ops.set_default_line(o["drafter"], o["unit"].id, [o["signer"].id])
    assert error.value.status == 404
    ops.set_default_line(admin, o["unit"].id, [o["first"].id, o["signer"].id])
    draft = _draft(o)
    ops.submit_draft(o["drafter"], draft.id, None)  # none chosen: the unit's line
    assert [(s.user_id, s.role) for s in draft.steps] == [(o["first"].id, "review"),
                                                          (o["signer"].id, "sign")]
    ops.set_default_line(admin, o["unit"].id, [])
    other = _draft(o)
    with pytest.raises(OperationError, match="ผู้ลงนาม"):
        ops.submit_draft(o["drafter"], other.id, None)


def test_the_numbered_letter_is_the_one_original_and_holds_the_signed_one(office, db_session):
    from saraban.documents.files import read
    from saraban.documents.models import DocumentFile
    from saraban.drafts import operations as ops

    o = office
    draft = _draft(o)
    ops.submit_draft(o["drafter"], draft.id, [o["signer"].id])
    ops.sign_draft(o["signer"], draft.id)
    signed, _ = ops.preview_pdf(o["drafter"], draft.id)
    ops.dispatch_draft(o["clerk"], draft.id, o["register"].id,
                       [{"channel": "exchange", "peer": o["peer"].code}])
    originals = db_session.query(DocumentFile).filter_by(document_id=draft.document_id,
                                                         role="original").all()
    assert len(originals) == 1
    numbered = read(originals[0].file)
    assert numbered.startswith(signed) and len(numbered) > len(signed)  # an update after it


def test_a_letter_sent_by_email_goes_to_the_mail_outbox(office, db_session):
    from email import message_from_bytes, policy

    from saraban.delivery.operations import deliveries_of
    from saraban.documents.files import read
    from saraban.drafts import operations as ops
    from saraban.mail.outbox_models import OutgoingMail
    from saraban.units.models import Agency

    o = office
    tag = uuid.uuid4().hex[:4]
    dga = Agency(code=f"DGA{tag}", short_name=f"สพร{tag}", name_th="สำนักงานพัฒนารัฐบาลดิจิทัล",
                 email="saraban@dga.or.th")
    db_session.add(dga)
    db_session.flush()
    draft = _draft(o)
    ops.submit_draft(o["drafter"], draft.id, [o["signer"].id])
    ops.sign_draft(o["signer"], draft.id)
    with pytest.raises(OperationError, match="ไปรษณีย์อิเล็กทรอนิกส์"):
        ops.dispatch_draft(o["clerk"], draft.id, o["register"].id,
                           [{"channel": "email", "email": "not an address"}])
    done = ops.dispatch_draft(o["clerk"], draft.id, o["register"].id,
                              [{"channel": "email", "agency_id": dga.id}])
    delivery = done["deliveries"][0]
    assert delivery.label == "สำนักงานพัฒนารัฐบาลดิจิทัล" and delivery.status == "queued"
    mail = db_session.get(OutgoingMail, delivery.message_ref)
    assert mail.to_address == "saraban@dga.or.th" and mail.status == "queued"
    message = message_from_bytes(read(mail.file), policy=policy.default)
    assert done["dispatch"].number_text in str(message["Subject"])
    pdfs = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdfs and pdftotext(pdfs[0].get_content()).count(done["dispatch"].number_text)
    states = deliveries_of([done["dispatch"].id])[done["dispatch"].id]
    assert states[0].outbox_state == "queued"
