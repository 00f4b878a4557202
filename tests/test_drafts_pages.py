"""Outgoing letters through the pages, as the people do it: the drafter types on the form,
a reviewer edits and initials, the signer signs, the clerk numbers and sends; refusals come
back as Thai messages with nothing saved; a hidden draft is a 404."""

from __future__ import annotations

import re

from saraban.extensions import db
from tests.conftest import csrf_token_from, log_in
from tests.pdftools import pdftotext
from tests.test_drafts import office  # noqa: F401 - the fixture


def _as(app, user):
    """A browser of its own for ``user`` (each request in a context of its own, as in a
    real server: see IsolatedClient)."""
    from tests.conftest import IsolatedClient

    client = IsolatedClient(app, app.response_class, use_cookies=True)
    return log_in(client, user.username)


def _post(client, url: str, data: dict, page: str | None = None):
    token = csrf_token_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_the_journey_through_the_pages(app, office, db_session):  # noqa: F811
    from saraban.drafts.models import Draft

    o = office
    drafter = _as(app, o["drafter"])
    form = drafter.get("/drafts/new?kind=external").get_data(as_text=True)
    assert "หนังสือภายนอก" in form and 'name="f-subject"' in form
    # an empty subject is refused in Thai and nothing is saved
    before = db_session.query(Draft).count()
    refused = _post(drafter, "/drafts/new?kind=external", {"f-subject": "", "body": "ข้อความ"},
                    "/drafts/new?kind=external")
    assert refused.status_code == 200 and "กรุณากรอกเรื่อง" in refused.get_data(as_text=True)
    assert db_session.query(Draft).count() == before
    made = _post(drafter, "/drafts/new?kind=external", {
        "f-subject": "ขอเชิญประชุมคณะทำงาน", "f-to": "ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล",
        "body": "ด้วยสำนักงานจะจัดประชุม\nจึงเรียนมาเพื่อโปรดพิจารณา", "urgency": "1"},
        "/drafts/new?kind=external")
    assert made.status_code == 302
    draft_url = made.headers["Location"]
    draft_id = int(re.search(r"/drafts/(\d+)", draft_url)[1])
    page = drafter.get(draft_url).get_data(as_text=True)
    assert "เสนอร่าง" in page and o["signer"].display_name in page
    pdf = drafter.get(f"/drafts/{draft_id}/letter.pdf")
    assert pdf.mimetype == "application/pdf" and "ขอเชิญประชุมคณะทำงาน" in pdftotext(pdf.data)
    done = _post(drafter, f"/drafts/{draft_id}/submit", {
        "reviewer": [str(o["first"].id)], "signer": str(o["signer"].id)}, draft_url)
    assert done.status_code == 302
    assert "เสนอร่างแล้ว" in drafter.get(draft_url).get_data(as_text=True)
    # someone not on the line gets the 404 page, the same as for a draft that is not there
    outsider = _as(app, o["outsider"])
    assert outsider.get(draft_url).status_code == 404
    assert outsider.get(f"/drafts/{draft_id}/letter.pdf").status_code == 404
    assert outsider.get("/drafts/999999").status_code == 404
    # the reviewer sees it waiting, edits it (version 2 with its difference) and initials
    first = _as(app, o["first"])
    desk = first.get("/drafts").get_data(as_text=True)
    assert "ขอเชิญประชุมคณะทำงาน" in desk
    assert re.search(r'class="badge"[^>]*>๑<', first.get("/").get_data(as_text=True))
    _post(first, f"/drafts/{draft_id}/edit", {
        "f-subject": "ขอเชิญประชุมคณะทำงานพัฒนาระบบ", "f-to": "ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล",
        "body": "ด้วยสำนักงานจะจัดประชุม\nจึงเรียนมาเพื่อโปรดพิจารณา", "urgency": "1",
        "version": "1"}, draft_url)
    page = first.get(draft_url).get_data(as_text=True)
    assert "<ins>พัฒนา</ins>" in page or "<ins>พัฒนาระบบ</ins>" in page
    stale = _post(first, f"/drafts/{draft_id}/edit", {"f-subject": "อีกครั้ง", "version": "1"},
                  draft_url)
    assert stale.status_code == 302
    assert "มีผู้แก้ไขไปแล้ว" in first.get(draft_url).get_data(as_text=True)
    _post(first, f"/drafts/{draft_id}/review", {"action": "initial"}, draft_url)
    # the signer signs in his acting capacity
    signer = _as(app, o["signer"])
    page = signer.get(draft_url).get_data(as_text=True)
    assert "ปรท.ผบช.สทส." in page and 'name="capacity"' in page
    key = re.findall(r'name="capacity" value="([^"]+)"', page)[-1]
    assert _post(signer, f"/drafts/{draft_id}/sign", {"capacity": key}, draft_url
                 ).status_code == 302
    db_session.expire_all()
    draft = db.session.get(Draft, draft_id)
    assert draft.status == "signed" and "ปรท." in draft.capacity_text
    # the clerk numbers and sends: a bad tracking number first costs nothing
    clerk = _as(app, o["clerk"])
    page = clerk.get(draft_url).get_data(as_text=True)
    assert "ออกเลขและส่ง" in page
    bad = _post(clerk, f"/drafts/{draft_id}/dispatch", {
        "register_id": str(o["register"].id), "rows": "2",
        "d0-channel": "post_registered", "d0-name": "ผู้รับ", "d0-address": "ที่อยู่",
        "d0-tracking": "EF123456784TH"}, draft_url)
    assert bad.status_code == 302 and bad.headers["Location"].endswith("#dispatch")
    assert "ตัวเลขตรวจสอบ" in clerk.get(draft_url).get_data(as_text=True)
    sent = _post(clerk, f"/drafts/{draft_id}/dispatch", {
        "register_id": str(o["register"].id), "rows": "2",
        "d0-channel": "transfer", "d0-unit_id": str(o["other"].id),
        "d1-channel": "post_registered", "d1-name": "ผู้อำนวยการ สพร.",
        "d1-address": "๑๐๘ ถนนรางน้ำ\nกรุงเทพฯ ๑๐๔๐๐"}, draft_url)
    assert sent.status_code == 302 and "/documents/" in sent.headers["Location"]
    page = clerk.get(sent.headers["Location"]).get_data(as_text=True)
    assert "ออกเลขแล้ว ที่ ๐๐๓๓.๑๒/" in page
    db_session.expire_all()
    assert db.session.get(Draft, draft_id).status == "dispatched"


def test_pages_refuse_a_post_without_its_csrf_token(app, office):  # noqa: F811
    client = _as(app, office["drafter"])
    response = client.post("/drafts/new?kind=memo", data={"f-subject": "ไม่มีโทเค็น"})
    assert response.status_code == 400


def test_the_reply_button_fills_the_form(app, office, db_session):  # noqa: F811
    import datetime as dt

    from tests.conftest import make_document

    received = make_document(db_session, subject="ขอความร่วมมือ", number="สพร ๒๕๖๒/ว๔๐๙๙",
                             doc_date=dt.date(2019, 11, 1), sender_text="สพร.",
                             origin_unit_id=office["unit"].id)
    client = _as(app, office["drafter"])
    page = client.get(f"/documents/{received.id}").get_data(as_text=True)
    assert f"reply_to={received.id}" in page
    form = client.get(f"/drafts/new?kind=external&reply_to={received.id}").get_data(as_text=True)
    assert "หนังสือสพร. ที่ สพร ๒๕๖๒/ว๔๐๙๙ ลงวันที่ ๑ พฤศจิกายน ๒๕๖๒" in form


def test_a_signer_imports_his_pkcs12_on_his_page(app, office, db_session):  # noqa: F811
    from saraban.signing.models import SigningCertificate
    from tests.test_signing import _pkcs12

    client = _as(app, office["first"])
    page = client.get("/account/signing").get_data(as_text=True)
    assert "ยังไม่มีใบรับรอง" in page
    token = csrf_token_from(page)
    import io

    bad = client.post("/account/signing", data={
        "csrf_token": token, "password": "ผิด",
        "file": (io.BytesIO(_pkcs12(b"right-password")), "me.p12")},
        content_type="multipart/form-data")
    assert bad.status_code == 302
    assert "รหัสผ่าน" in client.get("/account/signing").get_data(as_text=True)
    assert not db_session.query(SigningCertificate).filter_by(user_id=office["first"].id).count()
    good = client.post("/account/signing", data={
        "csrf_token": token, "password": "right-password",
        "file": (io.BytesIO(_pkcs12(b"right-password")), "me.p12")},
        content_type="multipart/form-data")
    assert good.status_code == 302
    page = client.get("/account/signing").get_data(as_text=True)
    assert "เก็บใบรับรองสำหรับลงนามแล้ว" in page and "ไฟล์ PKCS#12 ที่นำเข้า" in page


def test_the_drafts_pages_cost_the_same_queries_for_one_draft_as_for_eight(
        app, office, db_session):  # noqa: F811
    from saraban.drafts import operations as ops
    from tests.querycount import count_queries
    from tests.test_drafts import _draft

    o = office
    client = _as(app, o["signer"])

    def queries(path: str) -> int:
        with count_queries(db_session) as counted:
            assert client.get(path).status_code == 200
        return counted.count

    first = _draft(o)
    ops.submit_draft(o["drafter"], first.id, [o["first"].id, o["second"].id, o["signer"].id])
    one = queries("/drafts"), queries(f"/drafts/{first.id}")
    for _ in range(7):
        more = _draft(o)
        ops.submit_draft(o["drafter"], more.id, [o["signer"].id])
    for n in range(3):
        ops.update_draft(o["first"], first.id, {"body": f"แก้ไขครั้งที่ {n}"})
    assert queries("/drafts") == one[0]
    assert queries(f"/drafts/{first.id}") == one[1]
