"""A fake e-CMS for tests: a STAND-IN for DGA's service, not the service, and not an oracle.

DGA's e-CMS nodes cannot be reached from here (and need registration). This small WSGI app
(werkzeug, on loopback) plays one node per organisation, all in one process, so that the codec and
the client can run the flows mil-doc ran against DGA's test nodes dev.scp1 / dev.scp2 (SPEC.md
§4.6) with organisations ``0031500001`` and ``0031500002``. What it does is what SPEC.md says or
infers a node does; where SPEC.md knows nothing (the error codes, the ProcessID and
ProcessStatus formats, what a special re-request answers) the choices here are ours and prove
nothing about DGA. The message shapes are checked against the examples (tests/test_ecms_codec.py),
not against this.

- ``POST /<organisation ID>/ecms-ws01/service2`` is that organisation's own node: the path says
  who is calling, as a real agency's node knows its agency.
- Per-organisation queues. A pulled item stays queued until ``CorrespondenceLetterDeleteRequest``
  (so a crash between pull and delete pulls it again).
- Letters are routed by ``ReceiverParty/DepartmentOrganization/ID`` and queued as received (the
  ``rsm:GovernmentDocument`` element is kept, signature and all). ``wsa:To`` is not checked.
- Notifiers are echoed with ``AcceptDate`` and ``AcceptDepartment/Code`` and routed to the other
  side of the letter they name (LetterID + CorrespondenceDate; no message id exists).
- Withdraw (``CorrespondenceDeleteGovernmentDocumentRequest``) lets the same letter be sent again.
- Code lists, the directory (each organisation's ``ECMS-URL`` is its path here), outbound
  status, time check.
- Bad requests get an ``ErrorDetail`` with HTTP 200, as the clients expect.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import threading
import time
from dataclasses import dataclass, field

from lxml import etree
from werkzeug.serving import make_server
from werkzeug.wrappers import Request as HttpRequest
from werkzeug.wrappers import Response

from saraban.exchange.ecms import codec
from saraban.exchange.ecms.messages import (
    CodeEntry,
    EcmsError,
    ErrorDetail,
    InboundItem,
    Letter,
    LetterKey,
    MimeCode,
    Ministry,
    Notifier,
    Organization,
    OutboundStatus,
    SpecialRequest,
)

ORG_1, ORG_2 = "0031500001", "0031500002"
BANGKOK = dt.timezone(dt.timedelta(hours=7))
SECRET_CODES = (CodeEntry("001", "ปกติ"), CodeEntry("002", "ลับ"), CodeEntry("003", "ลับมาก"),
                CodeEntry("004", "ลับที่สุด"))  # GUESS tables (SPEC.md §5.1), ours
SPEED_CODES = (CodeEntry("001", "ปกติ"), CodeEntry("002", "ด่วน"), CodeEntry("003", "ด่วนมาก"),
               CodeEntry("004", "ด่วนที่สุด"))
MIME_CODES = (MimeCode("pdf", "application/pdf"), MimeCode("png", "image/png"),
              MimeCode("jpg", "image/jpeg"), MimeCode("txt", "text/plain"))
MINISTRIES = (Ministry("00", "ไม่ระบุ"), Ministry("01", "สำนักนายกรัฐมนตรี"))


@dataclass
class QueuedItem:
    process_id: str
    process_time: str
    notifier: Notifier | None = None
    document: etree._Element | None = None  # a letter, kept as received

    def response(self) -> bytes:
        item = InboundItem(self.process_id, self.process_time, notifier=self.notifier)
        document = copy.deepcopy(self.document) if self.document is not None else None
        return codec.build_inbound_response(item, document=document)


@dataclass
class SentLetter:
    letter: Letter
    process_id: str
    document: etree._Element
    status: str = "Sent"  # ProcessStatus values are unknown; these are ours
    withdrawn: bool = False
    notifiers: dict[str, Notifier] = field(default_factory=dict)

    @property
    def key(self) -> LetterKey:
        return LetterKey(self.letter.letter_id, self.letter.date,
                         self.letter.sender.department_id, self.letter.receiver.department_id)


class Refused(Exception):
    def __init__(self, code: str, description: str):
        super().__init__(description)
        self.detail = ErrorDetail(code, description)


class FakeEcms:
    """The fake e-CMS: ``organizations`` maps a 10-digit ID to its Thai name."""

    def __init__(self, organizations: dict[str, str] | None = None, *,
                 max_request_bytes: int = codec.MAX_MESSAGE_BYTES):
        self.names = organizations or {ORG_1: "หน่วยงานทดสอบ ๑", ORG_2: "หน่วยงานทดสอบ ๒"}
        self.max_request_bytes = max_request_bytes
        self.queues: dict[str, list[QueuedItem]] = {org: [] for org in self.names}
        self.sent: list[SentLetter] = []
        self.received: list[tuple[str, str, dict[str, str]]] = []  # (org, operation, headers)
        self.delay: dict[str, float] = {}  # operation -> seconds to sleep before answering
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = None
        self._thread = None
        self.base = "http://127.0.0.1:0"

    # --- running ---------------------------------------------------------------------------

    def start(self) -> FakeEcms:
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None

    def url(self, organization_id: str) -> str:
        return f"{self.base}/{organization_id}/ecms-ws01/service2"

    # --- HTTP ------------------------------------------------------------------------------

    def wsgi(self, environ, start_response):
        request = HttpRequest(environ)
        parts = request.path.strip("/").split("/")
        if len(parts) != 3 or parts[1:] != ["ecms-ws01", "service2"] or parts[0] not in self.names:
            return Response("no such node", status=404)(environ, start_response)
        if request.method != "POST":
            return Response("POST only", status=405)(environ, start_response)
        organization = parts[0]
        length = request.content_length or 0
        if length > self.max_request_bytes:
            body = codec.build_error(ErrorDetail("E-SIZE", "request too large"))
        else:
            body = self.handle(organization, request.get_data(), dict(request.headers))
        return Response(body, status=200, content_type="text/xml; charset=utf-8")(
            environ, start_response)

    def handle(self, organization: str, data: bytes, headers: dict[str, str]) -> bytes:
        try:
            parsed = codec.parse_request(data, max_bytes=self.max_request_bytes)
        except EcmsError as error:
            return codec.build_error(ErrorDetail("E-REQUEST", error.message_en))
        wait = self.delay.pop(parsed.operation, 0.0)
        with self._lock:
            self.received.append((organization, parsed.operation, headers))
            try:
                answer = self._dispatch(organization, parsed)
            except Refused as refusal:
                answer = codec.build_error(refusal.detail)
        if wait:
            time.sleep(wait)  # carried out, then slow to answer: the client cannot know
        return answer

    # --- the node --------------------------------------------------------------------------

    def _now(self) -> str:
        return f"{dt.datetime.now(BANGKOK):%Y-%m-%dT%H:%M:%S}"

    def _process_id(self) -> str:
        return f"{dt.datetime.now(BANGKOK):%Y%m%d%H%M%S}-{next(self._ids):06d}"

    def _directory(self) -> list[Organization]:
        return [Organization(org, name, "", self.url(org)) for org, name in self.names.items()]

    def _dispatch(self, organization: str, request) -> bytes:
        operation, payload = request.operation, request.payload
        if operation == "CorrespondenceLetterOutboundRequest":
            if isinstance(payload, Letter):
                return self._letter(organization, payload, request.raw)
            return self._notifier(organization, payload)
        if operation == "CorrespondenceLetterInboundRequest":
            queue = self.queues[organization]
            return queue[0].response() if queue else codec.build_inbound_response(None)
        if operation == "CorrespondenceLetterDeleteRequest":
            queue = self.queues[organization]
            for index, item in enumerate(queue):
                if item.process_id == payload:
                    del queue[index]
                    return codec.build_delete_response(payload, self._now())
            raise Refused("E-NOTFOUND", f"no queued item {payload}")
        if operation == "CorrespondenceDeleteGovernmentDocumentRequest":
            return self._withdraw(organization, payload)
        if operation == "CorrespondenceLetterInboundSpecialRequest":
            return self._special(organization, payload)
        if operation == "GetOrganizationList":
            return codec.build_organization_list(self._directory())
        if operation == "GetMinistryOrganizationList":
            return codec.build_ministry_list(MINISTRIES)
        if operation == "GetSecretCodes":
            return codec.build_codes("SecretCodes", SECRET_CODES)
        if operation == "GetSpeedCodes":
            return codec.build_codes("SpeedCodes", SPEED_CODES)
        if operation == "GetMimeCodes":
            return codec.build_mime_codes(MIME_CODES)
        if operation == "OutboundStatusRequest":
            return codec.build_outbound_status(
                OutboundStatus(s.process_id, s.letter.letter_id, s.status)
                for s in self.sent if s.letter.sender.department_id == organization)
        if operation == "TimeCheckRequest":
            return codec.build_time_check(self._now())
        raise Refused("E-OPERATION", f"unsupported operation {operation}")

    def _letter(self, organization: str, letter: Letter, raw: bytes) -> bytes:
        if letter.sender.department_id != organization:
            raise Refused("E-SENDER", f"sender {letter.sender.department_id} is not "
                                      f"{organization}, the organisation of this node")
        receiver = letter.receiver.department_id
        if receiver not in self.names:
            raise Refused("E-RECEIVER", f"unknown receiver {receiver}")
        if letter.secret_code not in {c.value for c in SECRET_CODES}:
            raise Refused("E-SECRETCODE", f"unknown SecretCode {letter.secret_code}")
        if letter.speed_code not in {c.value for c in SPEED_CODES}:
            raise Refused("E-SPEEDCODE", f"unknown SpeedCode {letter.speed_code}")
        allowed = {m.content_type for m in MIME_CODES}
        for attachment in (letter.main_letter, *letter.attachments):
            if attachment.mime_code not in allowed:
                raise Refused("E-MIMECODE", f"unknown mimeCode {attachment.mime_code}")
        sent = SentLetter(letter, self._process_id(), self._document(raw))
        if any(s.key == sent.key and not s.withdrawn for s in self.sent):
            raise Refused("E-DUPLICATE", f"letter {letter.letter_id} of {letter.date} already "
                                         f"sent to {receiver}")
        self.sent.append(sent)
        self.queues[receiver].append(QueuedItem(self._process_id(), self._now(),
                                                document=sent.document))
        return codec.build_outbound_response(sent.process_id, self._now(), echo_document=True)

    @staticmethod
    def _document(raw: bytes) -> etree._Element:
        root = codec.parse_xml(raw)
        return next(root.iter(f"{{{codec.RSM}}}GovernmentDocument"))

    def _find(self, letter_id: str, date: dt.date, *, receiver: str | None = None,
              sender: str | None = None) -> SentLetter:
        for sent in reversed(self.sent):
            if (sent.letter.letter_id == letter_id and sent.letter.date == date
                    and not sent.withdrawn
                    and (receiver is None or sent.letter.receiver.department_id == receiver)
                    and (sender is None or sent.letter.sender.department_id == sender)):
                return sent
        raise Refused("E-LETTER", f"no letter {letter_id} of {date} for this organisation")

    def _notifier(self, organization: str, notifier: Notifier) -> bytes:
        if notifier.kind == "InvalidAcceptIDNotifier":  # the original sender tells the receiver
            sent = self._find(notifier.letter_id, notifier.date, sender=organization)
            destination = sent.letter.receiver.department_id
        else:
            sent = self._find(notifier.letter_id, notifier.date, receiver=organization)
            destination = sent.letter.sender.department_id
        echoed = Notifier(notifier.kind, notifier.letter_id, notifier.date, notifier.subject,
                          accept_id=notifier.accept_id, accept_date=self._now(),
                          accept_department=sent.letter.receiver.department_id)
        sent.notifiers[notifier.kind] = echoed
        sent.status = notifier.kind
        self.queues[destination].append(QueuedItem(self._process_id(), self._now(),
                                                   notifier=echoed))
        return codec.build_outbound_response(self._process_id(), self._now(), notifier=echoed)

    def _withdraw(self, organization: str, key: LetterKey) -> bytes:
        if key.sender_department != organization:
            raise Refused("E-SENDER", "only the sender may withdraw a letter")
        sent = self._find(key.letter_id, key.date, sender=organization,
                          receiver=key.accept_department)
        sent.withdrawn = True
        sent.status = "Withdrawn"
        queue = self.queues[key.accept_department]
        queue[:] = [item for item in queue if item.document is not sent.document]
        return codec.build_withdraw_response(key.letter_id, self._now(), self._process_id())

    def _special(self, organization: str, special: SpecialRequest) -> bytes:
        key = special.key
        sent = self._find(key.letter_id, key.date, sender=key.sender_department,
                          receiver=key.accept_department)
        if special.kind == "GovernmentDocument":
            if organization != key.accept_department:
                raise Refused("E-LETTER", "only the receiver may ask for a letter again")
            item = QueuedItem(self._process_id(), self._now(), document=sent.document)
        else:
            notifier = sent.notifiers.get(special.kind)
            wanted_by = (key.accept_department if special.kind == "InvalidAcceptIDNotifier"
                         else key.sender_department)
            if notifier is None or organization != wanted_by:
                raise Refused("E-LETTER", f"no {special.kind} for this organisation")
            item = QueuedItem(self._process_id(), self._now(), notifier=notifier)
        self.queues[organization].append(item)
        return item.response()
