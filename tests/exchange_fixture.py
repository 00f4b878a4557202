"""Fixed saraban-exchange/1 messages, built from fixed keys, ids and clocks.

Ed25519 signatures are deterministic (RFC 8032), so the same inputs give the same bytes,
signature included. ``messages(protocol)`` takes the protocol module as an argument so the
very same inputs can be built by another version of the code: the fixture
``tests/data/exchange_messages.json`` was written by the protocol of main at b96940c
(the hand-written encoder, before the pydantic models):

    cd /tmp && PYTHONPATH=/work/main python /work/wt/envelope/tests/exchange_fixture.py \\
        > /work/wt/envelope/tests/data/exchange_messages.json

and tests/test_exchange_envelope.py checks that today's code builds byte-identical
messages from these inputs and verifies every one of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "data" / "exchange_messages.json"
NOW = dt.datetime(2024, 5, 1, 3, 4, 5, tzinfo=dt.UTC)
BANGKOK = dt.timezone(dt.timedelta(hours=7))
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
AGENCIES = {"SPR": "สำนักงานพัฒนารัฐบาลดิจิทัล", "RTP": "สำนักงานตำรวจแห่งชาติ"}
LETTER_ID = "6f1c6a39-79b5-4d5a-9d0e-6f2f5a3f6c11"


def identity(protocol, code: str):
    """The agency ``code`` with a key derived from its code: never a real key."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    seed = hashlib.sha256(b"saraban-exchange/1 test fixture " + code.encode()).digest()
    return protocol.Identity(code, AGENCIES[code], Ed25519PrivateKey.from_private_bytes(seed))


def _uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def messages(protocol) -> dict[str, dict]:
    """Every kind of message, with Thai text, Thai digits, optional parts left out and
    times in other zones; keyed by a name the test reports."""
    p = protocol
    spr, rtp = identity(p, "SPR"), identity(p, "RTP")
    full = p.Letter(
        number="สพร ๒๕๖๒/ว๔๐๙๙", date=dt.date(2019, 11, 26),
        subject="ขอเชิญประชุมคณะทำงานระบบสารบรรณอิเล็กทรอนิกส์", secrecy=0, urgency=2,
        sender=p.Party("SPR", AGENCIES["SPR"], "นายสมชาย ใจดี", "ผู้อำนวยการ"),
        receiver=p.Party("RTP", AGENCIES["RTP"], None, "ผู้บัญชาการตำรวจแห่งชาติ\nผ่าน รองผบ.ตร."),
        references=[p.Reference("ตช ๐๐๐๗.๓/๑๒๓", dt.date(2019, 10, 1), "การประชุม"),
                    p.Reference("หนังสือที่อ้างถึงโดยไม่มีวันที่")],
        enclosures=[p.Enclosure("กำหนดการประชุม", "agenda.pdf"), "แผนที่ (ฉบับกระดาษ)"],
        send_date=NOW - dt.timedelta(minutes=5),
        main_file=p.BinaryFile("letter.pdf", "application/pdf", PDF),
        attachment_files=[p.BinaryFile("agenda.pdf", "application/pdf", b"%PDF-1.4 agenda")],
        description="ตามที่ได้แจ้งไว้\n\tรายละเอียดตามสิ่งที่ส่งมาด้วย ๑ ฉบับ")
    bare = p.Letter(number="๑/๒๕๖๗", date=dt.date(2024, 2, 29), subject="แจ้งเพื่อทราบ",
                    secrecy=1, urgency=3, sender=p.Party("SPR"), receiver=p.Party("RTP"),
                    send_date=dt.datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=BANGKOK))
    later = NOW + dt.timedelta(hours=1)
    return {
        "letter": p.build_letter(spr, "RTP", full, now=NOW, message_id=LETTER_ID),
        "bare letter": p.build_letter(spr, "RTP", bare, now=NOW, message_id=_uuid(1)),
        "delivery": p.build_notice(rtp, "SPR", "delivery", LETTER_ID,
                                   {"ReceivedAt": NOW.isoformat()}, now=NOW,
                                   message_id=_uuid(2)),
        "delivery helper": p.build_notice(rtp, "SPR", "delivery", LETTER_ID,
                                          p.delivery_body(NOW), now=NOW, message_id=_uuid(3)),
        "accept": p.build_notice(rtp, "SPR", "accept", LETTER_ID, {
            "AcceptID": "๑๒๓", "AcceptDate": later.astimezone(BANGKOK).isoformat(),
            "RegisterName": "ทะเบียนหนังสือรับ เลขรับ ๑๒๓"}, now=later, message_id=_uuid(4)),
        "accept without register": p.build_notice(
            rtp, "SPR", "accept", LETTER_ID,
            {"AcceptID": "๑๒๔", "AcceptDate": "2024-05-01T04:04:05Z"}, now=later,
            message_id=_uuid(5)),
        "accept helper": p.build_notice(rtp, "SPR", "accept", LETTER_ID,
                                        p.accept_body("๑๒๕/๒๕๖๗", later), now=later,
                                        message_id=_uuid(6)),
        "reject": p.build_notice(rtp, "SPR", "reject", LETTER_ID, p.reason_body("ส่งผิดหน่วยงาน"),
                                 now=later, message_id=_uuid(7)),
        "invalid": p.build_notice(rtp, "SPR", "invalid", LETTER_ID, {
            "Reason": "ไฟล์ letter.pdf: เปิดไม่ได้ (file letter.pdf: cannot be opened)"},
            now=later, message_id=_uuid(8)),
    }


def payloads(protocol) -> dict[str, str]:
    """Each message as the outbox stores and sends it (``ExchangeMessage.payload``)."""
    return {name: json.dumps(message, ensure_ascii=False)
            for name, message in messages(protocol).items()}


if __name__ == "__main__":
    from saraban.exchange import protocol as _protocol

    print(json.dumps({"public_keys": {code: identity(_protocol, code).public_key
                                      for code in AGENCIES},
                      "payloads": payloads(_protocol)}, ensure_ascii=False, indent=1))
