"""The sending side's pages and paper: a dispatched letter's destinations (channel, how each
stands, the post's tracking number typed or scanned), its ใบส่งหนังสือ, envelopes, labels and
สมุดส่งหนังสือ, the day's book, the dispatch register's column, and the API's answers."""

from __future__ import annotations

import datetime as dt
import types
import uuid

import pytest
from sqlalchemy import select

from saraban import thaidate
from tests.conftest import (
    csrf_token_from,
    exchange_identity,
    log_in,
    make_document,
    make_unit,
    make_user,
    name_reader,
)
from tests.pdftools import pdftotext
from tests.querycount import count_queries

ADDRESS = "๑๐๘ ถนนรางน้ำ แขวงถนนพญาไท\nเขตราชเทวี กรุงเทพฯ ๑๐๔๐๐"


@pytest.fixture()
def office(app, db_session):
    """A unit with a dispatch register, its clerk (cleared for secrets), a staff member, a
    clerk of another unit, and an outside peer."""
    from saraban.exchange.models import Peer
    from saraban.registers.models import Register

    exchange_identity()
    tag = uuid.uuid4().hex[:6]
    top = make_unit(db_session, f"ตร{tag}", name_th="สำนักงานตำรวจแห่งชาติ", letter_code="ตช",
                    address="อาคาร ๑ ถนนพระรามที่ ๑\nเขตปทุมวัน กรุงเทพมหานคร ๑๐๓๓๐")
    unit = make_unit(db_session, f"สทส{tag}", parent=top, name_th="สำนักงานเทคโนโลยีสารสนเทศ",
                     doc_code="0033.12")
    other = make_unit(db_session, f"สงป{tag}", parent=top, name_th="สำนักงานงบประมาณ",
                      doc_code="0010.011")
    people = {
        "clerk": make_user(db_session, f"c-{tag}", units=[unit], role="clerk",
                           display_name="สารบรรณ", clearance=2),
        "staff": make_user(db_session, f"s-{tag}", units=[unit], display_name="เจ้าหน้าที่"),
        "outsider": make_user(db_session, f"o-{tag}", units=[other], role="clerk",
                              display_name="สารบรรณหน่วยอื่น", clearance=2),
    }
    register = Register(unit=unit, kind="dispatch", code=f"s-{tag}", name="ทะเบียนส่งทดสอบ")
    peer = Peer(code=f"P{tag}".upper(), name="หน่วยงานภายนอกทดสอบ", url="http://127.0.0.1:9",
                public_key="A" * 43 + "=")
    db_session.add_all([register, peer])
    db_session.flush()
    return {"unit": unit, "other": other, "register": register, "peer": peer, **people}


def as_user(app, user):
    """A client of its own, logged in as ``user``."""
    return log_in(app.test_client(), user.username)


def send(o, db_session, subject="ขอเชิญประชุมคณะทำงาน", destinations=None, secrecy=0):
    """A letter of the unit numbered in its dispatch register and sent (committed): the
    dispatch and its deliveries."""
    from saraban.delivery.operations import check_destinations, send_to_destinations
    from saraban.registers.operations import issue_dispatch

    clerk = o["clerk"]
    document = make_document(db_session, subject, origin_unit_id=o["unit"].id,
                             doc_date=dt.date.today(), secrecy=secrecy,
                             addressee="ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล")
    if secrecy:
        name_reader(db_session, document, clerk)
    destinations = destinations if destinations is not None else [
        {"channel": "transfer", "unit_id": o["other"].id},
        {"channel": "exchange", "peer": o["peer"].code},
        {"channel": "post_registered", "name": "ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล",
         "address": ADDRESS},
        {"channel": "hand", "name": "ผู้อำนวยการกองคลัง", "address": "ชั้น ๓ อาคาร ๑"}]
    draft = types.SimpleNamespace(unit_id=o["unit"].id)
    planned = check_destinations(clerk, draft, destinations)
    dispatch = issue_dispatch(clerk, o["register"].id, document.id,
                              "; ".join(d["label"] for d in planned))
    deliveries = send_to_destinations(clerk, draft, dispatch, planned)
    db_session.commit()
    return dispatch, deliveries


def test_the_clerk_sees_each_destination_and_how_it_stands(client, office, db_session):
    dispatch, deliveries = send(office, db_session)
    web = log_in(client, office["clerk"].username)
    page = web.get(f"/dispatches/{dispatch.id}/deliveries").get_data(as_text=True)
    assert dispatch.number_text in page and "ขอเชิญประชุมคณะทำงาน" in page
    for words in ("ส่งในระบบ", "สารบรรณถึงสารบรรณ", "ไปรษณีย์ลงทะเบียน", "ส่งด้วยมือ",
                  "รอส่ง", "ส่งแล้ว", "หน่วยงานภายนอกทดสอบ", "ผู้อำนวยการกองคลัง"):
        assert words in page, words
    assert f'action="/deliveries/{deliveries[2].id}/tracking"' in page
    assert f'action="/deliveries/{deliveries[3].id}/tracking"' not in page  # by hand: none
    assert "ใบส่งหนังสือ" in page and "ซองจดหมาย DL" in page and "ป้ายจ่าหน้า" in page
    assert "สมุดส่งหนังสือ" in page


def test_an_outsider_and_staff_get_404(app, client, office, db_session):
    dispatch, deliveries = send(office, db_session)
    for user in (office["outsider"], office["staff"]):
        web = as_user(app, user)
        for what in ("deliveries", "slip.pdf", "envelope.pdf", "book.pdf"):
            path = f"/dispatches/{dispatch.id}/{what}"
            assert web.get(path).status_code == 404, (user, path)
    assert log_in(client, office["clerk"].username).get(
        "/dispatches/999999999/deliveries").status_code == 404


def test_the_tracking_number_typed_or_scanned(client, office, db_session):
    from saraban.delivery.models import Delivery

    dispatch, deliveries = send(office, db_session)
    post = deliveries[2]
    web = log_in(client, office["clerk"].username)
    page = web.get(f"/dispatches/{dispatch.id}/deliveries").get_data(as_text=True)
    token = csrf_token_from(page)
    # a wrong check digit: the Thai message beside the field, what was typed kept, no save
    bad = web.post(f"/deliveries/{post.id}/tracking",
                   data={"tracking": "EF123456784TH", "csrf_token": token})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "ตัวเลขตรวจสอบไม่ตรง" in html and 'value="EF123456784TH"' in html
    assert 'aria-invalid="true"' in html and f'aria-describedby="tracking-{post.id}-error"' in html
    db_session.expire_all()
    assert db_session.get(Delivery, post.id).tracking is None
    # without the CSRF token: refused, nothing saved
    refused = web.post(f"/deliveries/{post.id}/tracking", data={"tracking": "EF123456785TH"})
    assert refused.status_code == 400
    db_session.expire_all()
    assert db_session.get(Delivery, post.id).tracking is None
    # a scanner types it as printed, spaces and all
    done = web.post(f"/deliveries/{post.id}/tracking",
                    data={"tracking": "ef 1234 5678 5 th", "csrf_token": token})
    assert done.status_code == 302
    db_session.expire_all()
    saved = db_session.get(Delivery, post.id)
    assert saved.tracking == "EF123456785TH" and saved.status == "sent"
    page = web.get(f"/dispatches/{dispatch.id}/deliveries").get_data(as_text=True)
    assert 'value="EF123456785TH"' in page
    # a delivery by hand has no tracking number
    hand = web.post(f"/deliveries/{deliveries[3].id}/tracking",
                    data={"tracking": "EF123456785TH", "csrf_token": token})
    assert hand.status_code == 409 and "ไปรษณีย์เท่านั้น" in hand.get_data(as_text=True)


def test_the_paper_carries_number_addressee_and_tracking(client, office, db_session):
    dispatch, deliveries = send(office, db_session, destinations=[
        {"channel": "post_ems", "name": "ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล",
         "address": ADDRESS, "tracking": "EF123456785TH"},
        {"channel": "hand", "name": "ผู้อำนวยการกองคลัง", "address": "ชั้น ๓ อาคาร ๑"}])
    web = log_in(client, office["clerk"].username)
    base = f"/dispatches/{dispatch.id}"
    answer = web.get(f"{base}/slip.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = pdftotext(answer.data)
    assert dispatch.number_text in text and "ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล" in text
    assert "EF123456785TH" in text and "ผู้อำนวยการกองคลัง" in text
    one = pdftotext(web.get(f"{base}/slip.pdf?delivery={deliveries[1].id}").data)
    assert "ผู้อำนวยการกองคลัง" in one and "EF123456785TH" not in one
    for size in ("dl", "label"):
        text = pdftotext(web.get(f"{base}/envelope.pdf?size={size}").data).replace(" ", "")
        assert "ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล" in text and "EF123456785TH" in text
        assert "ถนนรางน้ำ" in text
    book = pdftotext(web.get(f"{base}/book.pdf").data)
    assert "ผู้อำนวยการกองคลัง" in book and dispatch.number_text in book
    assert "ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล" not in book  # by post: not in the book
    assert web.get(f"{base}/envelope.pdf?size=a3").status_code == 302  # refused, back


def test_a_secret_letter_s_paper(app, client, office, db_session):
    dispatch, _ = send(office, db_session, subject="แผนการตรวจค้นพื้นที่", secrecy=1,
                       destinations=[{"channel": "hand", "name": "ผู้บังคับการกองปราบปราม",
                                      "address": "ถนนพหลโยธิน"}])
    web = log_in(client, office["clerk"].username)
    envelope = pdftotext(web.get(f"/dispatches/{dispatch.id}/envelope.pdf").data)
    assert "ลับ" in envelope and "ผู้บังคับการกองปราบปราม" in envelope
    assert "แผนการตรวจค้น" not in envelope
    slip = pdftotext(web.get(f"/dispatches/{dispatch.id}/slip.pdf").data)
    assert "แผนการตรวจค้น" not in slip and "หนังสือชั้นลับ" in slip
    # a clerk of the unit without clearance may not read it: nothing of it at all
    uncleared = make_user(db_session, f"nc-{uuid.uuid4().hex[:6]}", units=[office["unit"]],
                          role="clerk")
    db_session.commit()
    other = as_user(app, uncleared)
    assert other.get(f"/dispatches/{dispatch.id}/deliveries").status_code == 404
    assert other.get(f"/dispatches/{dispatch.id}/envelope.pdf").status_code == 404
    book = pdftotext(other.get(f"/deliveries/book?date={thaidate.today().isoformat()}").data)
    assert "ผู้บังคับการกองปราบปราม" in book and "หนังสือชั้นลับ" in book
    assert "แผนการตรวจค้น" not in book


def test_the_day_s_book_holds_the_units_hand_deliveries(app, client, office, db_session):
    mine, _ = send(office, db_session, subject="หนังสือส่งด้วยมือ")
    web = log_in(client, office["clerk"].username)
    today = thaidate.today().isoformat()
    answer = web.get(f"/deliveries/book?date={today}")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    text = pdftotext(answer.data)
    assert mine.number_text in text and "ผู้อำนวยการกองคลัง" in text
    assert "หนังสือส่งด้วยมือ" in text
    assert "ผู้อำนวยการสำนักงานพัฒนารัฐบาลดิจิทัล" not in text  # by post
    yesterday = (thaidate.today() - dt.timedelta(days=1)).isoformat()
    assert mine.number_text not in pdftotext(web.get(f"/deliveries/book?date={yesterday}").data)
    other = as_user(app, office["outsider"])
    assert mine.number_text not in pdftotext(other.get(f"/deliveries/book?date={today}").data)
    assert as_user(app, office["staff"]).get(
        f"/deliveries/book?date={today}").status_code == 403


def test_the_dispatch_register_shows_each_destination_in_constant_queries(
        client, office, db_session):
    from saraban.delivery.models import Delivery
    from saraban.exchange.models import ExchangeMessage

    web = log_in(client, office["clerk"].username)
    path = f"/registers/{office['register'].id}"

    def count() -> tuple[int, str]:
        with count_queries(db_session) as queries:
            answer = web.get(path)
        assert answer.status_code == 200
        return queries.count, answer.get_data(as_text=True)

    first, _ = send(office, db_session, subject="เรื่องที่ ๑")
    one, page = count()
    assert "ไปรษณีย์ลงทะเบียน · <strong>รอส่ง</strong>" in page
    assert "ส่งในระบบ · <strong>ส่งแล้ว</strong>" in page
    assert f"/dispatches/{first.id}/deliveries" in page
    for i in range(19):
        send(office, db_session, subject=f"เรื่องที่ {i + 2}")
    twenty, page = count()
    assert twenty == one, (one, twenty)
    assert page.count("สารบรรณถึงสารบรรณ") == 20
    # the exchange's state is the outbox row's: acknowledged there, refused there
    exchange = db_session.scalars(select(Delivery).where(
        Delivery.dispatch_id == first.id, Delivery.channel == "exchange")).one()
    message = db_session.get(ExchangeMessage, exchange.message_ref)
    message.status = "delivered"
    db_session.commit()
    assert "สารบรรณถึงสารบรรณ · <strong>ปลายทางรับแล้ว</strong>" in count()[1]
    message.status = "rejected"
    db_session.commit()
    assert "สารบรรณถึงสารบรรณ · <strong>ส่งไม่สำเร็จ</strong>" in count()[1]


def test_the_api_answers_the_deliveries_and_their_paper(client, office, db_session):
    from saraban.accounts.operations import create_token

    dispatch, deliveries = send(office, db_session)
    headers = {"Authorization": f"Bearer {create_token(office['clerk'], 'test')}"}
    outsider = {"Authorization": f"Bearer {create_token(office['outsider'], 'test')}"}
    db_session.commit()
    base = f"/api/v1/dispatches/{dispatch.id}"
    answer = client.get(f"{base}/deliveries", headers=headers)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["number"] == dispatch.number_text
    assert [(d["channel"], d["status"]) for d in body["items"]] == [
        ("transfer", "sent"), ("exchange", "queued"), ("post_registered", "queued"),
        ("hand", "queued")]
    assert body["items"][1]["status_th"] == "รอส่ง" and body["items"][1]["outbox_state"]
    assert client.get(f"{base}/deliveries", headers=outsider).status_code == 404
    slip = client.get(f"{base}/slip.pdf", headers=headers)
    assert slip.mimetype == "application/pdf" and "ผู้อำนวยการกองคลัง" in pdftotext(slip.data)
    labels = client.get(f"{base}/envelope.pdf?size=label", headers=headers)
    assert "ถนนรางน้ำ" in pdftotext(labels.data)
    assert client.get(f"{base}/envelope.pdf?size=a3", headers=headers).status_code == 400
    assert client.get(f"{base}/slip.pdf", headers=outsider).status_code == 404
    book = client.get(f"/api/v1/deliveries/book.pdf?date={thaidate.today().isoformat()}",
                      headers=headers)
    assert book.status_code == 200 and dispatch.number_text in pdftotext(book.data)
    assert client.get("/api/v1/deliveries/book.pdf?date=nonsense",
                      headers=headers).status_code == 400
