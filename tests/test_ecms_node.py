"""The e-CMS client and codec against a fake two-node e-CMS (tests/ecms_node.py).

The fake node is a STAND-IN for DGA's service, written by us: it runs the sequences (routing,
queues, ProcessIDs, notifier echo, delete, withdraw, code lists, ErrorDetail), it is not
evidence of what DGA's nodes do. Message shapes are checked against the examples in
tests/test_ecms_codec.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import urllib.parse

import pytest

from saraban.exchange.ecms import codec, signature
from saraban.exchange.ecms.client import EcmsClient, EcmsTimeout, EcmsTransportError
from saraban.exchange.ecms.messages import (
    Attachment,
    EcmsRemoteError,
    EcmsValueError,
    Letter,
    LetterKey,
    Notifier,
    Party,
)
from saraban.thaidate import BANGKOK
from tests.ecms_node import ORG_1, ORG_2, FakeEcms

PDF = b"%PDF-1.4\n% a letter\n"
DAY = dt.date(2026, 12, 3)


@pytest.fixture()
def node():
    fake = FakeEcms().start()
    yield fake
    fake.stop()


def client(node: FakeEcms, organization: str, **kwargs) -> EcmsClient:
    kwargs.setdefault("read_timeout", 5.0)
    kwargs.setdefault("retry_pause", 0.0)
    return EcmsClient(node.url(organization), organization, **kwargs)


def letter(number: str = "ทดสอบ 0001/1", *, receiver: str = ORG_2, sender: str = ORG_1,
           secret_code: str = "001", files: tuple[Attachment, ...] = ()) -> Letter:
    return Letter(
        letter_id=number, date=DAY, subject="ขอเชิญประชุม", secret_code=secret_code,
        speed_code="002",
        sender=Party("สมชาย", "ใจดี", "ผู้อำนวยการ", sender),
        receiver=Party("สมหญิง", "รักงาน", "หัวหน้าสำนักงาน", receiver),
        main_letter=Attachment("application/pdf", PDF), attachments=files,
        send_date=dt.datetime(2026, 12, 3, 9, 30, tzinfo=BANGKOK), enclosures="-")


def answer(kind: str, sent: Letter, accept_id: str | None = None) -> Notifier:
    return Notifier(kind, sent.letter_id, sent.date, sent.subject, accept_id=accept_id)


def key(sent: Letter) -> LetterKey:
    return LetterKey(sent.letter_id, sent.date, sent.sender.department_id,
                     sent.receiver.department_id)


def test_a_letter_from_org_1_reaches_org_2s_queue_only(node):
    one, two = client(node, ORG_1), client(node, ORG_2)
    sent = letter(files=(Attachment("image/png", b"\x89PNG enclosure"),))
    response = one.send_letter(sent, to_url=node.url(ORG_2))
    assert response.process_id
    assert one.pull() is None
    item = two.pull()
    assert item.process_id != response.process_id
    assert item.letter.letter_id == sent.letter_id and item.letter.subject == sent.subject
    assert item.letter.sender.department_id == ORG_1
    assert item.letter.main_letter.content == PDF
    assert item.letter.attachments == sent.attachments


def test_a_pulled_item_stays_until_deleted(node):
    one, two = client(node, ORG_1), client(node, ORG_2)
    one.send_letter(letter())
    first = two.pull()
    again = two.pull()  # a crash after the pull, before the delete: it comes back
    assert again.process_id == first.process_id and again.raw == first.raw
    deleted = two.delete(first.process_id)
    assert deleted.process_id == first.process_id
    assert two.pull() is None
    with pytest.raises(EcmsRemoteError) as caught:
        two.delete(first.process_id)
    assert caught.value.detail.code == "E-NOTFOUND"


def test_notifiers_come_back_to_the_sender_with_accept_department(node):
    """mil-doc's SendDoc flow: letter, Receive, Accept with AcceptID, each pulled and deleted."""
    one, two = client(node, ORG_1), client(node, ORG_2)
    sent = letter()
    one.send_letter(sent)
    two.delete(two.pull().process_id)
    for kind, accept_id in (("ReceiveLetterNotifier", None), ("AcceptLetterNotifier", "๑๒/๒๕๖๙")):
        echoed = two.send_notifier(answer(kind, sent, accept_id), to_url=node.url(ORG_1))
        assert echoed.notifier.kind == kind and echoed.notifier.accept_department == ORG_2
        item = one.pull()
        notice = item.notifier
        assert (notice.kind, notice.letter_id, notice.date) == (kind, sent.letter_id, DAY)
        assert notice.accept_id == accept_id and notice.accept_department == ORG_2
        assert notice.accept_date_parsed is not None
        one.delete(item.process_id)
    assert one.pull() is None and two.pull() is None
    (status,) = one.outbound_status()
    assert (status.letter_id, status.process_status) == (sent.letter_id, "AcceptLetterNotifier")


def test_unknown_receiver_is_an_error_detail_and_nothing_is_queued(node):
    one = client(node, ORG_1)
    with pytest.raises(EcmsRemoteError) as caught:
        one.send_letter(letter(receiver="0099900000"))
    assert caught.value.detail.code == "E-RECEIVER"
    assert "0099900000" in caught.value.detail.description
    assert all(not queue for queue in node.queues.values())


def test_the_client_refuses_a_letter_not_from_its_own_organisation(node):
    with pytest.raises(EcmsValueError):
        client(node, ORG_2).send_letter(letter(sender=ORG_1))
    assert node.received == []


def test_a_node_refuses_a_sender_that_is_not_its_organisation(node):
    # bypass the client's own check: post org 1's letter to org 2's node
    body = codec.build_letter(letter(sender=ORG_1))
    with pytest.raises(EcmsRemoteError) as caught:
        codec.parse_outbound_response(post(node.url(ORG_2), body)[1])
    assert caught.value.detail.code == "E-SENDER"


def test_rejected_then_withdrawn_then_sent_again(node):
    """mil-doc's SendRejectDoc: Reject, then the sender withdraws and can send again."""
    one, two = client(node, ORG_1), client(node, ORG_2)
    sent = letter()
    one.send_letter(sent)
    with pytest.raises(EcmsRemoteError) as caught:
        one.send_letter(sent)  # the same letter twice while it is live
    assert caught.value.detail.code == "E-DUPLICATE"
    two.delete(two.pull().process_id)
    two.send_notifier(answer("RejectLetterNotifier", sent))
    item = one.pull()
    assert item.notifier.kind == "RejectLetterNotifier"
    one.delete(item.process_id)
    withdrawn = one.withdraw(key(sent))
    assert withdrawn.letter_id == sent.letter_id
    one.send_letter(sent)
    assert two.pull().letter.letter_id == sent.letter_id


def test_withdrawing_before_the_pull_takes_it_off_the_receivers_queue(node):
    one, two = client(node, ORG_1), client(node, ORG_2)
    sent = letter()
    one.send_letter(sent)
    one.withdraw(key(sent))
    assert two.pull() is None
    with pytest.raises(EcmsRemoteError):
        client(node, ORG_2).withdraw(key(sent))  # only the sender may, and it is gone


def test_invalid_letter_and_invalid_accept_id(node):
    """mil-doc's SendInvalidDoc and SendInvalidAcceptDoc."""
    one, two = client(node, ORG_1), client(node, ORG_2)
    sent = letter()
    one.send_letter(sent)
    two.delete(two.pull().process_id)
    two.send_notifier(answer("AcceptLetterNotifier", sent, "๗/๒๕๖๙"))
    one.delete(one.pull().process_id)
    one.send_notifier(answer("InvalidAcceptIDNotifier", sent, "๗/๒๕๖๙"))
    item = two.pull()
    assert item.notifier.kind == "InvalidAcceptIDNotifier" and item.notifier.accept_id == "๗/๒๕๖๙"
    two.delete(item.process_id)
    second = letter("ทดสอบ 0001/2")
    one.send_letter(second)
    two.delete(two.pull().process_id)
    two.send_notifier(answer("InvalidLetterNotifier", second))
    assert one.pull().notifier.kind == "InvalidLetterNotifier"


def test_a_notifier_for_no_letter_is_refused(node):
    with pytest.raises(EcmsRemoteError) as caught:
        client(node, ORG_2).send_notifier(answer("ReceiveLetterNotifier", letter("ไม่มี 1/1")))
    assert caught.value.detail.code == "E-LETTER"


def test_special_request_queues_the_letter_again(node):
    one, two = client(node, ORG_1), client(node, ORG_2)
    sent = letter()
    one.send_letter(sent)
    two.delete(two.pull().process_id)
    again = two.special("GovernmentDocument", key(sent))
    assert again.letter.letter_id == sent.letter_id
    assert two.pull().process_id == again.process_id


def test_code_lists_directory_and_time(node):
    one = client(node, ORG_1)
    directory = {o.organization_id: o for o in one.organizations()}
    assert set(directory) == {ORG_1, ORG_2}
    assert directory[ORG_2].ecms_url == node.url(ORG_2)
    assert [c.value for c in one.secret_codes()][:2] == ["001", "002"]
    assert "ด่วน" in {c.description for c in one.speed_codes()}
    assert ("pdf", "application/pdf") in {(m.extension, m.content_type)
                                          for m in one.mime_codes()}
    assert [m.ministry_id for m in one.ministries()] == ["00", "01"]
    skew = abs(one.time_check().parsed.replace(tzinfo=BANGKOK) - dt.datetime.now(BANGKOK))
    assert skew < dt.timedelta(minutes=1)


def test_unknown_secret_code_and_mime_code_are_refused_by_the_node(node):
    one = client(node, ORG_1)
    with pytest.raises(EcmsRemoteError, match="SecretCode"):
        one.send_letter(letter(secret_code="9"))
    with pytest.raises(EcmsRemoteError, match="mimeCode"):
        one.send_letter(letter(files=(Attachment("application/x-msdownload", b"MZ"),)))


def post(url: str, body: bytes, headers: dict | None = None) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("POST", parts.path, body=body,
                           headers=headers or {"Content-Type": "text/xml"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("body", [b"not xml", b"<?xml version='1.0'?><a>", b"",
                                  codec.build_inbound_request().replace(
                                      b"CorrespondenceLetterInboundRequest", b"Nonsense")])
def test_bad_requests_get_error_detail_with_http_200(node, body):
    status, data = post(node.url(ORG_1), body)
    assert status == 200
    assert codec.parse_error(data).code == "E-REQUEST"


def test_transport_headers_as_the_clients_send_them(node):
    client(node, ORG_1).pull()
    client(node, ORG_1, soap_action='""').pull()
    (_, _, plain), (_, _, with_action) = node.received
    assert plain["Content-Type"] == "text/xml; charset=utf-8"
    assert "Soapaction" not in plain and "SOAPAction" not in plain
    assert with_action.get("Soapaction") == '""'


def test_a_letter_send_that_times_out_is_not_retried_and_is_known_by_status(node):
    one, two = client(node, ORG_1, read_timeout=0.5, retries=3), client(node, ORG_2)
    node.delay["CorrespondenceLetterOutboundRequest"] = 2.0
    with pytest.raises(EcmsTimeout) as caught:
        one.send_letter(letter())
    assert caught.value.outcome_unknown
    sends = [op for _, op, _ in node.received if op == "CorrespondenceLetterOutboundRequest"]
    assert len(sends) == 1  # sent once, not blindly again
    assert [s.letter_id for s in one.outbound_status()] == ["ทดสอบ 0001/1"]
    assert two.pull().letter is not None


def test_a_pull_that_times_out_is_retried(node):
    calls = []
    one = client(node, ORG_1, read_timeout=0.5, retries=1, record=calls.append)
    node.delay["CorrespondenceLetterInboundRequest"] = 2.0
    assert one.pull() is None
    assert [c.error for c in calls] == ["timeout", ""]
    assert calls[-1].response_sha256 and calls[-1].status == 200


def test_an_unreachable_node_is_a_transport_error(node):
    url = node.url(ORG_1)
    node.stop()
    with pytest.raises(EcmsTransportError, match="Cannot reach"):
        EcmsClient(url, ORG_1, retries=1, retry_pause=0.0, connect_timeout=2).pull()


def test_http_errors_without_error_detail_are_transport_errors(node):
    bad = EcmsClient(node.base + "/nowhere/ecms-ws01/service2", ORG_1, retries=0)
    with pytest.raises(EcmsTransportError) as caught:
        bad.pull()
    assert caught.value.status == 404


def test_oversize_request_and_response_are_refused(node):
    small = FakeEcms(max_request_bytes=10_000).start()
    try:
        big = (Attachment("application/pdf", b"%PDF" + b"x" * 20_000),)
        with pytest.raises(EcmsRemoteError) as caught:
            client(small, ORG_1).send_letter(letter(files=big))
        assert caught.value.detail.code == "E-SIZE"
    finally:
        small.stop()
    client(node, ORG_1).send_letter(letter(files=(Attachment("application/pdf",
                                                             b"%PDF" + b"y" * 20_000),)))
    with pytest.raises(EcmsTransportError, match="over 10,000 bytes"):
        client(node, ORG_2, max_response_bytes=10_000, retries=0).pull()
    with pytest.raises(EcmsValueError, match="larger than e-CMS can carry"):
        client(node, ORG_1, max_file_bytes=1000).send_letter(letter(files=big))


def test_a_signed_letter_crosses_the_node_intact(node, tmp_path):
    from tests.test_ecms_signature import make_identity

    key_path, cert_path = make_identity(tmp_path, "sender")
    signer = lambda body: signature.sign_letter(  # noqa: E731
        body, key_path.read_bytes(), cert_path.read_bytes())
    client(node, ORG_1, sign=signer).send_letter(letter())
    item = client(node, ORG_2).pull()
    assert item.letter.has_signature
    check = signature.verify_letter(item.raw, trusted_certificates=[cert_path.read_bytes()])
    assert (check.status, check.trusted) == ("valid", True)


def test_base64_files_of_one_megabyte_round_trip(node):
    content = base64.b64decode(base64.b64encode(bytes(range(256)) * 4096))  # 1 MiB
    one, two = client(node, ORG_1), client(node, ORG_2)
    one.send_letter(letter(files=(Attachment("application/pdf", content),)))
    assert two.pull().letter.attachments[0].content == content
