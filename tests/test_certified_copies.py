"""Certified copies (สำเนาถูกต้อง): certified by a named officer, numbered, circulated, linked."""

from __future__ import annotations

from sqlalchemy import func, select

from saraban.documents.models import Document, DocumentFile
from saraban.registers.models import Dispatch, Register, RegisterCounter
from saraban.routing.models import CertifiedCopy
from saraban.units.models import Unit
from tests.conftest import csrf_token_from


def _ids(db_session):
    memo = db_session.scalar(select(Document.id).where(Document.source_key == "rtp-0033.12-5052"))
    register = db_session.scalar(select(Register.id).join(Register.unit).where(
        Unit.short_name == "สทส.", Register.kind == "dispatch", Register.code == "main"))
    units = dict(db_session.execute(select(Unit.short_name, Unit.id)).all())
    return memo, register, units


def _body(register, units, **extra):
    return {"register_id": register, "certifier_name": "พ.ต.ต. สมชาย ตัวอย่าง",
            "certifier_position": "สว.ฝอ.สทส.", "to": [units["ฝอ.สงป."], units["ฝทง.สงป."]],
            "purpose": "inform", "purpose_text": "เพื่อโปรดทราบ ตามบันทึกสั่งการ ตร.", **extra}


def test_a_certified_copy_is_numbered_circulated_and_linked(client, bearer, db_session):
    memo, register, units = _ids(db_session)
    clerk = bearer("demo-clerk")
    made = client.post(f"/api/v1/documents/{memo}/certified-copies", headers=clerk,
                       json=_body(register, units))
    assert made.status_code == 201, made.json
    body = made.json
    assert body["number"].startswith("๐๐๓๓.๑๒/") and body["source_id"] == memo
    assert body["certifier"] == "(พ.ต.ต. สมชาย ตัวอย่าง)\nสว.ฝอ.สทส."
    assert sorted(t["to_unit_id"] for t in body["transfers"]) == sorted(
        [units["ฝอ.สงป."], units["ฝทง.สงป."]])
    copy = db_session.get(Document, body["copy_id"])
    assert copy.subject.endswith("(สำเนาถูกต้อง)") and copy.references[0].target_id == memo
    assert db_session.scalar(select(Dispatch.number_text).where(
        Dispatch.document_id == copy.id)) == body["number"]
    link = db_session.scalar(select(CertifiedCopy).where(CertifiedCopy.copy_id == copy.id))
    assert link.source_id == memo
    # its remarks carry a code that /verify confirms, naming the certifier
    code = copy.remarks.split("รหัสตรวจสอบสำเนา ")[1].split()[0]
    html = client.application.test_client().get(f"/verify/{code}").get_data(as_text=True)
    assert "สำเนาถูกต้อง" in html and "พ.ต.ต. สมชาย ตัวอย่าง" in html
    # the original's history shows the copy; the destination finds it in its inbox
    history = client.get(f"/api/v1/documents/{memo}/history", headers=clerk).json["events"]
    assert any(e["kind"] == "certified_copy" and e["number"] == body["number"] for e in history)
    # the clerk who keeps ฝอ.สงป.'s register receives its copy; staff of สงป. take in
    # only the copy for ฝทง.สงป., which keeps no register
    from tests.conftest import make_user

    make_user(db_session, "clerk-budget", units=[db_session.get(Unit, units["ฝอ.สงป."])],
              role="clerk")
    db_session.commit()
    waiting = client.get("/api/v1/transfers/inbox", headers=bearer("clerk-budget")).json["items"]
    assert body["copy_id"] in {t["document_id"] for t in waiting}
    staff = client.get("/api/v1/transfers/inbox", headers=bearer("demo-staff")).json["items"]
    assert [t["to_unit_id"] for t in staff if t["document_id"] == body["copy_id"]] == [
        units["ฝทง.สงป."]]


def test_the_copy_carries_the_originals_file_without_storing_it_twice(
        client, bearer, db_session):
    memo, register, units = _ids(db_session)
    clerk = bearer("demo-clerk")
    import io

    from saraban.pdf.stamp import stamp_pdf

    pdf = stamp_pdf("ต้นฉบับ", 1, None)  # any real one-page PDF
    sent = client.post(f"/api/v1/documents/{memo}/files", headers=clerk,
                       data={"file": (io.BytesIO(pdf), "memo.pdf")},
                       content_type="multipart/form-data")
    assert sent.status_code == 201, sent.json
    made = client.post(f"/api/v1/documents/{memo}/certified-copies", headers=clerk,
                       json=_body(register, units, to=[]))
    assert made.status_code == 201, made.json
    files = db_session.scalars(select(DocumentFile).where(
        DocumentFile.document_id == made.json["copy_id"])).all()
    originals = db_session.scalars(select(DocumentFile).where(
        DocumentFile.document_id == memo)).all()
    assert [f.role.value for f in files] == ["certified"]
    stamped = [f.file_id for f in originals if f.role.value == "stamped"]
    assert files[0].file_id == (stamped or [originals[0].file_id])[0]
    assert made.json["transfers"] == []


def test_refusals_save_nothing_and_give_no_number(client, bearer, db_session):
    memo, register, units = _ids(db_session)
    clerk = bearer("demo-clerk")

    def state():
        return (db_session.scalar(select(func.count()).select_from(Document)),
                db_session.scalar(select(func.coalesce(func.sum(RegisterCounter.last_number), 0))
                                  .where(RegisterCounter.register_id == register)))

    before = state()
    cases = [
        (_body(register, units, certifier_name=""), 400, "ชื่อผู้รับรองสำเนา"),
        (_body(register, units, to=[999_999]), 404, "ไม่พบหน่วยปลายทาง"),
        (_body(register, units, due_date="๓๒ ธ.ค. ๖๙"), 400, "กำหนดเสร็จ"),
        (_body(units["ฝอ.สงป."], units), 400, "ทะเบียนหนังสือส่ง"),
        (_body("x", units), 400, "ทะเบียนหนังสือส่ง"),
    ]
    for body, status, thai in cases:
        answer = client.post(f"/api/v1/documents/{memo}/certified-copies", headers=clerk,
                             json=body)
        assert answer.status_code == status, (body, answer.json)
        assert thai in answer.json["error"]["message_th"], answer.json
    assert state() == before
    assert client.post("/api/v1/documents/999999/certified-copies", headers=clerk,
                       json=_body(register, units)).status_code == 404


def test_top_secret_is_not_copied_electronically(client, bearer, db_session):
    from tests.conftest import make_document, name_reader

    _, register, units = _ids(db_session)
    doc = make_document(db_session, subject="ลับที่สุด", secrecy=3,
                        origin_unit_id=units["สทส."])
    name_reader(db_session, doc, "demo-admin")
    db_session.commit()
    answer = client.post(f"/api/v1/documents/{doc.id}/certified-copies",
                         headers=bearer("demo-admin"), json=_body(register, units))
    assert answer.status_code == 409 and "ลับที่สุด" in answer.json["error"]["message_th"]


def test_the_page_form_makes_a_copy_and_opens_it(login, db_session):
    memo, register, units = _ids(db_session)
    client = login("demo-clerk")
    page = client.get(f"/documents/{memo}").get_data(as_text=True)
    assert "ทำสำเนาถูกต้องและเวียน" in page
    answer = client.post(f"/documents/{memo}/certified-copies", data={
        "csrf_token": csrf_token_from(page), "register_id": str(register),
        "certifier_name": "พ.ต.ต. สมชาย ตัวอย่าง", "certifier_position": "สว.ฝอ.สทส.",
        "to": [str(units["ฝอ.สงป."])], "purpose": "inform"}, follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert "ทำสำเนาถูกต้องแล้ว ที่ ๐๐๓๓.๑๒/" in text and "(สำเนาถูกต้อง)" in text
