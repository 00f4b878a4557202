"""XML-DSig on e-CMS arrivals, end to end: two Saraban installations and the fake node.

The node is tests/ecms_node.py, a STAND-IN for DGA's service written by us (it keeps a letter's
``rsm:GovernmentDocument`` as received, signature and all, and hands it on): it proves nothing
about what DGA's nodes sign or how. What these tests show is our side of it: installation one,
with SARABAN_ECMS_SIGN=1, signs ``#Letter`` just before the letter goes; installation two
verifies every letter it pulls, records what it found on the arrival (absent / valid /
invalid, the algorithms, trusted, the signer), registers a valid one as before, and holds an
invalid one (a copy tampered with in the node's queue, a signer it does not trust, SHA-1 where
it is not allowed) for a clerk, unregistered and unanswered, with a Thai warning.

The installations and the node are tests/test_ecms_flows.py's (a pair per database).
"""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import select

from saraban.exchange.ecms import codec
from saraban.exchange.ecms.models import Direction, EcmsMessage, MessageState, SignatureStatus
from tests import test_ecms_flows as flows
from tests.ecms_node import ORG_2
from tests.test_ecms_flows import (
    _arrived,
    _clerk,
    _messages,
    _new_document,
    _queue,
    _receipts,
    _sent,
)
from tests.test_ecms_signature import ID_ATTR, XMLSEC1, make_identity

# the installations and the node of tests/test_ecms_flows.py (module fixtures: a pair here)
pair, fake_node, node = flows.pair, flows.fake_node, flows.node

RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"


@pytest.fixture(scope="module")
def identities(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ecms-sig-keys")
    return {"one": make_identity(folder, "saraban-0031500001"),
            "stranger": make_identity(folder, "someone-else")}


@pytest.fixture()
def signing(pair, node, identities):
    """One signs what it sends with its key; two trusts one's certificate; SHA-1 is refused
    on both (each test changes what it needs). Put back to the defaults afterwards, for the
    other tests of the module's installations."""
    one, two = pair
    key, cert = identities["one"]
    one.app.config.update(ECMS_SIGN=True, ECMS_SIGN_KEY=str(key), ECMS_SIGN_CERT=str(cert),
                          ECMS_SIGN_ALGORITHM="rsa-sha256")
    two.app.config.update(ECMS_TRUSTED_CERTS=(str(cert),), ECMS_ALLOW_SHA1=False)
    yield one, two
    for side in pair:
        side.app.config.update(ECMS_SIGN=False, ECMS_SIGN_KEY=None, ECMS_SIGN_CERT=None,
                               ECMS_SIGN_ALGORITHM="rsa-sha256", ECMS_TRUSTED_CERTS=(),
                               ECMS_ALLOW_SHA1=False)


def _signature(side, message_id: int) -> dict:
    from saraban.extensions import db

    def read():
        m = db.session.get(EcmsMessage, message_id)
        return {"status": m.signature_status, "method": m.signature_method,
                "digest": m.signature_digest, "trusted": m.signature_trusted,
                "subject": m.signer_subject, "reason": m.signature_reason}

    return side.run(read)


def _answers(side, arrived: dict) -> list[tuple[str, MessageState]]:
    return [(m["operation"], m["state"]) for m in _messages(side, direction=Direction.OUT)
            if m["letter_message_id"] == arrived["id"]]


def _queued_letter(node, org: str) -> bytes:
    """What the node would hand ``org`` on its next pull, as bytes."""
    [item] = [i for i in node.queues[org] if i.document is not None]
    return item.response()


def _tamper_subject(node, org: str) -> None:
    """Someone with access to the node's queue changes the letter's subject."""
    [item] = [i for i in node.queues[org] if i.document is not None]
    subject = item.document.find(f"{{{codec.RAM}}}CorrespondenceLetter/{{{codec.RAM}}}Subject")
    subject.text = subject.text + " (แก้ไขแล้ว)"


def test_a_signed_letter_is_verified_trusted_and_registered(signing, node, tmp_path):
    one, two = signing
    document_id, number = _new_document(one)
    _queue(one, document_id)
    report = one.work(node)
    assert report.sent == 1, report.errors
    [sent] = _sent(one, number)
    assert _signature(one, sent["id"]) == {
        "status": None, "method": RSA_SHA256, "digest": "http://www.w3.org/2001/04/xmlenc#sha256",
        "trusted": None, "subject": "CN=saraban-0031500001", "reason": None}
    on_the_wire = _queued_letter(node, ORG_2)
    assert b"SignatureValue" in on_the_wire
    if XMLSEC1:  # and an independent implementation agrees, when it is installed
        path = tmp_path / "queued.xml"
        path.write_bytes(on_the_wire)
        done = subprocess.run([XMLSEC1, "--verify", "--trusted-pem",
                               one.app.config["ECMS_SIGN_CERT"], *ID_ATTR,
                               str(path)], capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr

    report = two.work(node)
    assert (report.registered, report.unverified, report.sent) == (1, 0, 2), report.errors
    [arrived] = _arrived(two, number)
    assert arrived["state"] == MessageState.REGISTERED and arrived["last_error"] is None
    assert _signature(two, arrived["id"]) == {
        "status": SignatureStatus.VALID, "method": RSA_SHA256,
        "digest": "http://www.w3.org/2001/04/xmlenc#sha256", "trusted": True,
        "subject": "CN=saraban-0031500001", "reason": None}
    assert len(_receipts(two, number)) == 1
    one.work(node)
    assert _sent(one, number)[0]["state"] == MessageState.ACCEPTED


def test_a_copy_tampered_with_in_the_queue_is_invalid_and_waits_unanswered(signing, node):
    one, two = signing
    document_id, number = _new_document(one)
    _queue(one, document_id)
    one.work(node)
    _tamper_subject(node, ORG_2)

    report = two.work(node)
    assert (report.registered, report.pending, report.unverified, report.sent) == (0, 1, 1, 0), \
        report.errors
    [arrived] = _arrived(two, number)
    assert arrived["state"] == MessageState.PENDING and arrived["deleted_at"] is not None
    assert "ลายมือชื่ออิเล็กทรอนิกส์ของหนังสือนี้ตรวจสอบไม่ผ่าน" in arrived["last_error"]
    assert "ไม่ลงทะเบียนรับโดยอัตโนมัติและยังไม่แจ้งผู้ส่ง" in arrived["last_error"]
    assert "(ลายมือชื่อไม่ผ่าน 1)" in report.summary()
    found = _signature(two, arrived["id"])
    assert found["status"] == SignatureStatus.INVALID and found["reason"]
    assert found["trusted"] is False and found["method"] == RSA_SHA256
    assert _receipts(two, number) == [] and _answers(two, arrived) == []  # not even Receive

    # the clerk checks with the sender and refuses it as not what was sent
    from saraban.exchange.ecms.worker import refuse_pending

    two.run(lambda: refuse_pending(_clerk("demo-admin"), arrived["id"],
                                   "ลายมือชื่อไม่ถูกต้อง เนื้อหาไม่ตรงกับที่ผู้ส่งส่งมา", "invalid"))
    assert two.work(node).sent == 1
    assert _answers(two, arrived) == [("InvalidLetterNotifier", MessageState.SENT)]
    assert _receipts(two, number) == []
    one.work(node)
    assert _sent(one, number)[0]["state"] == MessageState.INVALID


def test_a_tampered_letter_the_mapping_refuses_anyway_is_answered_as_before(signing, node):
    """Nothing of it can be registered (a plain-text file), signature or not: it is refused
    and answered Invalid as an unsigned one is, and the warning says the signature failed too."""
    one, two = signing
    document_id, number = _new_document(
        one, enclosures=(("บันทึก", "ข้อความธรรมดา".encode(), "text/plain"),))
    _queue(one, document_id)
    one.work(node)
    _tamper_subject(node, ORG_2)
    report = two.work(node)
    assert (report.refused, report.pending, report.unverified) == (1, 0, 0), report.errors
    [arrived] = _arrived(two, number)
    assert arrived["state"] == MessageState.REFUSED
    assert "ไฟล์" in arrived["last_error"] and "ตรวจสอบไม่ผ่าน" in arrived["last_error"]
    assert "ยังไม่แจ้งผู้ส่ง" not in arrived["last_error"]  # it was answered
    assert _signature(two, arrived["id"])["status"] == SignatureStatus.INVALID
    assert [op for op, _ in _answers(two, arrived)] == ["InvalidLetterNotifier"]


def test_a_signer_we_do_not_trust_waits_and_a_clerk_may_still_take_it(signing, node,
                                                                       identities):
    one, two = signing
    key, cert = identities["stranger"]
    one.app.config.update(ECMS_SIGN_KEY=str(key), ECMS_SIGN_CERT=str(cert))
    document_id, number = _new_document(one)
    _queue(one, document_id)
    one.work(node)
    report = two.work(node)
    assert (report.registered, report.unverified) == (0, 1), report.errors
    [arrived] = _arrived(two, number)
    found = _signature(two, arrived["id"])
    assert found["status"] == SignatureStatus.INVALID and "trusted" in found["reason"]
    assert arrived["state"] == MessageState.PENDING and _answers(two, arrived) == []

    # the clerk confirms with the sender by telephone and takes it: Receive, then Accept
    from saraban.exchange.ecms.worker import accept_pending

    two.run(lambda: accept_pending(_clerk("demo-admin"), arrived["id"]))
    assert two.work(node).sent == 2
    [(accept_id, _)] = _receipts(two, number)
    assert _answers(two, arrived) == [("ReceiveLetterNotifier", MessageState.SENT),
                                      ("AcceptLetterNotifier", MessageState.SENT)]
    one.work(node)
    [sent] = _sent(one, number)
    assert (sent["state"], sent["accept_id"]) == (MessageState.ACCEPTED, str(accept_id))


def test_sha1_is_accepted_only_where_the_setting_says_the_node_uses_it(signing, node):
    one, two = signing
    one.app.config.update(ECMS_SIGN_ALGORITHM="rsa-sha1", ECMS_ALLOW_SHA1=True)
    first, first_number = _new_document(one)
    _queue(one, first)
    one.work(node)
    report = two.work(node)  # two does not allow SHA-1
    assert (report.registered, report.unverified) == (0, 1), report.errors
    [arrived] = _arrived(two, first_number)
    assert "SHA-1" in arrived["last_error"] and "SARABAN_ECMS_ALLOW_SHA1" in arrived["last_error"]
    assert _signature(two, arrived["id"])["method"] == RSA_SHA1

    two.app.config["ECMS_ALLOW_SHA1"] = True
    second, second_number = _new_document(one)
    _queue(one, second)
    one.work(node)
    report = two.work(node)
    assert (report.registered, report.unverified) == (1, 0), report.errors
    [arrived] = _arrived(two, second_number)
    found = _signature(two, arrived["id"])
    assert (found["status"], found["method"], found["trusted"]) == (
        SignatureStatus.VALID, RSA_SHA1, True)


def test_an_unsigned_letter_is_recorded_absent_and_registered(pair, node):
    """Signing off (the default): the letter goes as both public clients send it, and the
    receiver records that it carried no signature and registers it."""
    one, two = pair
    document_id, number = _new_document(one)
    _queue(one, document_id)
    one.work(node)
    assert b"SignatureValue" not in _queued_letter(node, ORG_2)
    [sent] = _sent(one, number)
    assert _signature(one, sent["id"])["method"] is None
    assert two.work(node).registered == 1
    [arrived] = _arrived(two, number)
    assert _signature(two, arrived["id"]) == {
        "status": SignatureStatus.ABSENT, "method": None, "digest": None, "trusted": None,
        "subject": None, "reason": None}


def test_notifiers_are_not_checked(pair, node):
    """Only letters carry a ds:Signature here; a notifier's row says nothing about one."""
    from saraban.extensions import db

    one, two = pair
    document_id, _ = _new_document(one)
    _queue(one, document_id)
    one.work(node)
    two.work(node)
    one.work(node)
    statuses = one.run(lambda: set(db.session.scalars(select(EcmsMessage.signature_status).where(
        EcmsMessage.direction == Direction.IN, EcmsMessage.operation != "GovernmentDocument"))))
    assert statuses == {None}


# --- the settings ------------------------------------------------------------------------------

@pytest.mark.parametrize("env, message", [
    ({"SARABAN_ECMS_SIGN": "1"}, "SARABAN_ECMS_SIGN_KEY"),
    ({"SARABAN_ECMS_SIGN": "1", "SARABAN_ECMS_SIGN_KEY": "/nonexistent/k.pem",
      "SARABAN_ECMS_SIGN_CERT": "/nonexistent/c.pem"}, "no file"),
    ({"SARABAN_ECMS_SIGN_ALGORITHM": "rsa-sha1"}, "SARABAN_ECMS_ALLOW_SHA1=1"),
    ({"SARABAN_ECMS_SIGN_ALGORITHM": "rsa-md5"}, "rsa-sha256 or rsa-sha1"),
    ({"SARABAN_ECMS_TRUSTED_CERTS": "/nonexistent/node.pem"}, "SARABAN_ECMS_TRUSTED_CERTS"),
])
def test_a_signature_setting_that_cannot_work_stops_the_start(monkeypatch, tmp_path, env,
                                                              message):
    from saraban.config import ConfigError, load_config

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_config(str(tmp_path), {"SECRET_KEY": "x"})


def test_signing_is_off_and_sha1_refused_by_default(monkeypatch, tmp_path, identities):
    from saraban.config import load_config

    for name in ("SIGN", "SIGN_KEY", "SIGN_CERT", "SIGN_ALGORITHM", "TRUSTED_CERTS",
                 "ALLOW_SHA1"):
        monkeypatch.delenv(f"SARABAN_ECMS_{name}", raising=False)
    config = load_config(str(tmp_path), {"SECRET_KEY": "x"})
    assert (config["ECMS_SIGN"], config["ECMS_ALLOW_SHA1"], config["ECMS_TRUSTED_CERTS"]) == (
        False, False, ())
    key, cert = identities["one"]
    other = identities["stranger"][1]
    monkeypatch.setenv("SARABAN_ECMS_SIGN", "1")
    monkeypatch.setenv("SARABAN_ECMS_SIGN_KEY", str(key))
    monkeypatch.setenv("SARABAN_ECMS_SIGN_CERT", str(cert))
    monkeypatch.setenv("SARABAN_ECMS_TRUSTED_CERTS", f"{cert}, {other}")
    config = load_config(str(tmp_path), {"SECRET_KEY": "x"})
    assert config["ECMS_SIGN"] and config["ECMS_TRUSTED_CERTS"] == (str(cert), str(other))


def test_a_certificate_bundle_is_read_as_each_of_its_certificates(identities, tmp_path):
    from saraban.exchange.ecms.signature import read_certificates

    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(identities["one"][1].read_bytes() + identities["stranger"][1].read_bytes())
    assert len(read_certificates([str(bundle)])) == 2
    empty = tmp_path / "empty.pem"
    empty.write_bytes(b"-----BEGIN NOTHING-----\n-----END NOTHING-----\n")
    with pytest.raises(ValueError):
        read_certificates([str(empty)])
