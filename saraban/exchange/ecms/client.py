"""The HTTP client for this agency's own e-CMS node (SOAP 1.1 over HTTP POST).

The saraban talks only to its own node (SPEC.md §2.2): every request goes to ``node_url``; an
outbound letter names the destination node in ``wsa:To`` only. Transport as both clients do it:
POST, ``Content-Type: text/xml; charset=utf-8``, UTF-8 body, and no ``SOAPAction`` header
(neither client sends one; SOAP 1.1 would want one, so ``soap_action`` can be set if a node ever
asks). Errors come back as ``ErrorDetail`` with HTTP 200: every answer goes through the codec,
which raises ``EcmsRemoteError`` for them, whatever the status.

Retries: a request that never reached the node (the connection failed) may be sent again, any
kind. After the request was sent, only reads are retried (pull, lists, codes, status, time).
Sending a letter or a notifier, deleting and withdrawing are never retried blindly: a timeout
raises ``EcmsTimeout(outcome_unknown=True)`` and the caller checks ``outbound_status`` (or the
next pull) before anything is sent again.

No database and no worker: ``record`` (optional) receives every exchange, raw bytes and SHA-256,
for the outbox to keep as evidence.
"""

from __future__ import annotations

import hashlib
import http.client
import ssl
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from . import codec
from .messages import (
    DEPARTMENT_ID,
    Addressing,
    CodeEntry,
    DeleteResponse,
    EcmsError,
    EcmsRemoteError,
    EcmsValueError,
    InboundItem,
    Letter,
    LetterKey,
    MimeCode,
    Ministry,
    Notifier,
    Organization,
    OutboundResponse,
    OutboundStatus,
    SpecialRequest,
    TimeCheck,
    WithdrawResponse,
)

CONTENT_TYPE = "text/xml; charset=utf-8"


class EcmsTransportError(EcmsError):
    """The node could not be reached, or answered with something that is not an e-CMS
    message (an HTTP error page, too many bytes)."""

    def __init__(self, message_th: str, message_en: str, *, status: int | None = None):
        super().__init__(message_th, message_en)
        self.status = status


class EcmsTimeout(EcmsTransportError):
    """No answer in time. ``outcome_unknown``: the request was sent and may have been carried
    out (a letter may be queued at the destination): check before sending it again."""

    def __init__(self, operation: str, seconds: float, *, outcome_unknown: bool):
        th = f"ระบบ e-CMS ไม่ตอบ {operation} ภายใน {seconds:g} วินาที"
        en = f"The e-CMS node did not answer {operation} within {seconds:g} s"
        if outcome_unknown:
            th += " ไม่ทราบว่าดำเนินการแล้วหรือไม่ ให้ตรวจสถานะก่อนส่งซ้ำ"
            en += "; it may have been carried out: check its status before sending again"
        super().__init__(th, en + ".")
        self.outcome_unknown = outcome_unknown


@dataclass(frozen=True)
class Call:
    """One exchange with the node, as evidence: what was sent and what came back."""

    operation: str
    url: str
    request: bytes
    response: bytes | None
    status: int | None
    seconds: float
    error: str = ""

    @property
    def request_sha256(self) -> str:
        return hashlib.sha256(self.request).hexdigest()

    @property
    def response_sha256(self) -> str | None:
        return hashlib.sha256(self.response).hexdigest() if self.response is not None else None


class _NotSent(Exception):
    """The connection failed before the request went out: safe to try again."""


class EcmsClient:
    """This agency (``organization_id``, 10 digits) and its node (``node_url``)."""

    def __init__(self, node_url: str, organization_id: str, *,
                 connect_timeout: float = 10.0, read_timeout: float = 60.0,
                 retries: int = 1, retry_pause: float = 0.5,
                 ssl_context: ssl.SSLContext | None = None, soap_action: str | None = None,
                 max_response_bytes: int = codec.MAX_MESSAGE_BYTES,
                 max_file_bytes: int = codec.MAX_FILE_BYTES,
                 sign: Callable[[bytes], bytes] | None = None,
                 record: Callable[[Call], None] | None = None):
        parts = urllib.parse.urlsplit(node_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EcmsValueError(f"ที่อยู่ของ e-CMS {node_url!r} ไม่ถูกต้อง",
                                 f"The e-CMS node URL {node_url!r} is not an http(s) URL.")
        if not DEPARTMENT_ID.fullmatch(organization_id or ""):
            raise EcmsValueError(f"รหัสหน่วยงาน {organization_id!r} ต้องเป็นตัวเลข 10 หลัก",
                                 f"The organisation ID {organization_id!r} must be 10 digits.")
        self.node_url = node_url
        self.organization_id = organization_id
        self._parts = parts
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.retries = retries
        self.retry_pause = retry_pause
        self.ssl_context = ssl_context
        self.soap_action = soap_action
        self.max_response_bytes = max_response_bytes
        self.max_file_bytes = max_file_bytes
        self.sign = sign  # outbound signing: off unless the configuration gives a signer
        self.record = record

    # --- transport ---------------------------------------------------------------------------

    def _connection(self) -> http.client.HTTPConnection:
        host, port = self._parts.hostname, self._parts.port
        if self._parts.scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=self.connect_timeout,
                                               context=self.ssl_context)
        return http.client.HTTPConnection(host, port, timeout=self.connect_timeout)

    def _once(self, operation: str, body: bytes) -> tuple[int, bytes]:
        connection = self._connection()
        try:
            try:
                connection.connect()
            except OSError as error:
                raise _NotSent(str(error)) from error
            connection.sock.settimeout(self.read_timeout)
            path = self._parts.path or "/"
            if self._parts.query:
                path += "?" + self._parts.query
            headers = {"Content-Type": CONTENT_TYPE, "Content-Length": str(len(body))}
            if self.soap_action is not None:
                headers["SOAPAction"] = self.soap_action
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read(self.max_response_bytes + 1)
            return response.status, data
        finally:
            connection.close()

    def _post(self, operation: str, body: bytes, *, safe: bool) -> bytes:
        attempts = 1 + max(self.retries, 0)
        for attempt in range(attempts):
            started = time.monotonic()
            status = data = None
            try:
                status, data = self._once(operation, body)
            except _NotSent as error:
                self._record(operation, body, None, None, started, f"not sent: {error}")
                if attempt + 1 < attempts:
                    time.sleep(self.retry_pause)
                    continue
                raise EcmsTransportError(
                    f"ติดต่อระบบ e-CMS ที่ {self.node_url} ไม่ได้: {error}",
                    f"Cannot reach the e-CMS node at {self.node_url}: {error}") from error
            except TimeoutError as error:
                self._record(operation, body, None, None, started, "timeout")
                if safe and attempt + 1 < attempts:
                    time.sleep(self.retry_pause)
                    continue
                raise EcmsTimeout(operation, self.read_timeout,
                                  outcome_unknown=not safe) from error
            except (OSError, http.client.HTTPException) as error:
                self._record(operation, body, None, None, started, str(error))
                if safe and attempt + 1 < attempts:
                    time.sleep(self.retry_pause)
                    continue
                raise EcmsTransportError(
                    f"การติดต่อระบบ e-CMS ขาดระหว่าง {operation}: {error}",
                    f"The connection to the e-CMS node broke during {operation}: {error}"
                    + ("" if safe else "; it may have been carried out")) from error
            self._record(operation, body, data, status, started, "")
            return self._check(operation, status, data)
        raise AssertionError("unreachable")

    def _check(self, operation: str, status: int, data: bytes) -> bytes:
        if len(data) > self.max_response_bytes:
            raise EcmsTransportError(
                f"คำตอบของ e-CMS ต่อ {operation} ยาวเกิน {self.max_response_bytes:,} ไบต์",
                f"The e-CMS answer to {operation} is over {self.max_response_bytes:,} bytes.",
                status=status)
        if status != 200:
            # A SOAP Fault or an ErrorDetail says more than the status: raise that if it is one.
            try:
                detail = codec.parse_error(data, max_bytes=self.max_response_bytes)
            except EcmsError:
                detail = None
            if detail is not None:
                raise EcmsRemoteError(detail)
            raise EcmsTransportError(f"ระบบ e-CMS ตอบ {operation} ด้วย HTTP {status}",
                                     f"The e-CMS node answered {operation} with HTTP {status}.",
                                     status=status)
        return data

    def _record(self, operation, request, response, status, started, error) -> None:
        if self.record is not None:
            self.record(Call(operation=operation, url=self.node_url, request=request,
                             response=response, status=status,
                             seconds=time.monotonic() - started, error=error))

    def _addressing(self, to: str | None = None) -> Addressing:
        return Addressing(message_id=codec.new_message_id(), to=to or self.node_url)

    # --- operations --------------------------------------------------------------------------

    def send_letter(self, letter: Letter, *, to_url: str | None = None) -> OutboundResponse:
        """#1: queue a letter for its receiver. ``to_url`` is the destination's ECMS-URL (for
        ``wsa:To`` only). Never retried once sent; see ``EcmsTimeout``."""
        if letter.sender.department_id != self.organization_id:
            raise EcmsValueError(
                f"ผู้ส่ง {letter.sender.department_id} ไม่ใช่หน่วยงานนี้ ({self.organization_id})",
                f"The sender {letter.sender.department_id} is not this organisation "
                f"({self.organization_id}).")
        body = codec.build_letter(letter, self._addressing(to_url),
                                  max_file_bytes=self.max_file_bytes)
        if self.sign is not None:
            body = self.sign(body)
        return codec.parse_outbound_response(
            self._post("CorrespondenceLetterOutboundRequest", body, safe=False),
            max_bytes=self.max_response_bytes)

    def send_notifier(self, notifier: Notifier, *, to_url: str | None = None) -> OutboundResponse:
        """#3-#7: Receive / Accept (AcceptID = our เลขรับ) / Reject / Invalid / InvalidAcceptID."""
        body = codec.build_notifier(notifier, self._addressing(to_url))
        return codec.parse_outbound_response(
            self._post(notifier.kind, body, safe=False), max_bytes=self.max_response_bytes)

    def pull(self) -> InboundItem | None:
        """#2: the next queued item (it stays queued until ``delete``), or None."""
        body = codec.build_inbound_request(self._addressing())
        return codec.parse_inbound_response(
            self._post("CorrespondenceLetterInboundRequest", body, safe=True),
            max_bytes=self.max_response_bytes)

    def delete(self, process_id: str) -> DeleteResponse:
        """#8: take a pulled item off our queue (after it is stored and committed)."""
        body = codec.build_delete(process_id, self._addressing())
        return codec.parse_delete_response(
            self._post("CorrespondenceLetterDeleteRequest", body, safe=False),
            max_bytes=self.max_response_bytes)

    def withdraw(self, key: LetterKey) -> WithdrawResponse:
        """#9: delete a sent letter so that it can be sent again."""
        body = codec.build_withdraw(key, self._addressing())
        return codec.parse_withdraw_response(
            self._post("CorrespondenceDeleteGovernmentDocumentRequest", body, safe=False),
            max_bytes=self.max_response_bytes)

    def special(self, kind: str, key: LetterKey) -> InboundItem | None:
        """#10: ask for one item again (its response is quoted nowhere: read as a pull)."""
        body = codec.build_special_request(SpecialRequest(kind, key), self._addressing())
        return codec.parse_special_response(
            self._post("CorrespondenceLetterInboundSpecialRequest", body, safe=False),
            max_bytes=self.max_response_bytes)

    def _read(self, operation: str, build, parse):
        return parse(self._post(operation, build(self._addressing()), safe=True),
                     max_bytes=self.max_response_bytes)

    def organizations(self) -> tuple[Organization, ...]:
        return self._read("GetOrganizationList", codec.build_organization_list_request,
                          codec.parse_organization_list)

    def ministries(self) -> tuple[Ministry, ...]:
        return self._read("GetMinistryOrganizationList", codec.build_ministry_list_request,
                          codec.parse_ministry_list)

    def secret_codes(self) -> tuple[CodeEntry, ...]:
        return self._read("GetSecretCodes", codec.build_secret_codes_request,
                          codec.parse_secret_codes)

    def speed_codes(self) -> tuple[CodeEntry, ...]:
        return self._read("GetSpeedCodes", codec.build_speed_codes_request,
                          codec.parse_speed_codes)

    def mime_codes(self) -> tuple[MimeCode, ...]:
        return self._read("GetMimeCodes", codec.build_mime_codes_request, codec.parse_mime_codes)

    def outbound_status(self) -> tuple[OutboundStatus, ...]:
        return self._read("OutboundStatusRequest", codec.build_outbound_status_request,
                          codec.parse_outbound_status)

    def time_check(self) -> TimeCheck:
        return self._read("TimeCheckRequest", codec.build_time_check_request,
                          codec.parse_time_check)
