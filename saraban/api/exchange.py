"""Letters to and from other agencies in the JSON API."""

from __future__ import annotations

from flask import g, jsonify, request

from saraban import thaidate
from saraban.api.blueprint import bp, token_required
from saraban.api.body import read_body
from saraban.api.contract import describe
from saraban.api.errors import ApiError
from saraban.api.schemas import exchange as s
from saraban.exchange.ecms.models import Direction as EcmsDirection
from saraban.exchange.ecms.models import EcmsMessage, EcmsOrganization
from saraban.exchange.models import ExchangeMessage


def message_json(m: ExchangeMessage) -> dict:
    def local(value):
        return thaidate.isoformat(value)

    return {"id": m.id, "message_id": m.message_id, "direction": m.direction.value,
            "kind": m.kind, "peer": m.peer.code, "document_id": m.document_id,
            "status": m.status.value, "attempts": m.attempts, "last_error": m.last_error,
            "delivered_at": local(m.delivered_at), "accept_id": m.accept_id,
            "accepted_at": local(m.accepted_at), "reason": m.reason,
            "created_at": local(m.created_at),
            # an arrival that matches a letter already received (sender, number, date)
            "duplicate_of": None if m.duplicate_of is None else {
                "receipt_id": m.duplicate_of.id, "number": m.duplicate_of.number,
                "year": m.duplicate_of.year,
                "received_at": local(m.duplicate_of.received_at)}}


def ecms_json(m: EcmsMessage, names: dict[str, str] | None = None) -> dict:
    """One e-CMS message; ``names``: organisation names already read for a list (else the
    directory is asked for this one)."""
    from saraban.exchange.ecms.desk import organization_names

    if names is None:
        names = organization_names([m.counterpart_id])
    out = m.direction == EcmsDirection.OUT
    return {"id": m.id, "direction": m.direction.value, "operation": m.operation,
            "document_id": m.document_id, "letter_id": m.letter_id,
            "correspondence_date": (m.correspondence_date.isoformat()
                                    if m.correspondence_date else None),
            "subject": m.subject,
            "to": m.counterpart_id if out else None,
            "sender": None if out else m.counterpart_id,
            "counterpart_name": names.get(m.counterpart_id),
            "state": m.state.value, "process_id": m.process_id, "accept_id": m.accept_id,
            "accept_date": m.accept_date, "letter_message_id": m.letter_message_id,
            "attempts": m.attempts or 0, "last_error": m.last_error,
            "signature_status": m.signature_status.value if m.signature_status else None,
            "signature_trusted": m.signature_trusted,
            "signature_reason": m.signature_reason,
            "created_at": thaidate.isoformat(m.created_at),
            "sent_at": thaidate.isoformat(m.sent_at),
            "pulled_at": thaidate.isoformat(m.pulled_at),
            "updated_at": thaidate.isoformat(m.updated_at)}


def _through_ecms(to) -> bool:
    return isinstance(to, str) and to.strip().lower().startswith("ecms:")


@bp.post("/documents/<int:document_id>/exchange")
@token_required
@describe("exchangeSend", "Queue a numbered document for another agency: to another Saraban "
          "installation (saraban-exchange/1, a signed letter in the outbox: the answer is its "
          "message), or with to = ecms:<10-digit organisation ID> through the government's "
          "e-CMS (the answer is the e-CMS message, state queued). Its history then shows "
          "queued, sent or delivered, received and accepted with accept_id (the receiver's "
          "เลขรับ), or rejected", body=s.Send, answer=s.Sent,
          status=201, errors=(400, 403, 404, 409))
def exchange_send(document_id: int):
    to = read_body(s.Send).get("to")
    if _through_ecms(to):
        from saraban.exchange.ecms.sending import queue_letter

        return jsonify(ecms_json(queue_letter(g.api_user, document_id, to))), 201
    from saraban.exchange.sending import exchange_document

    row = exchange_document(g.api_user, document_id, to)
    return jsonify(message_json(row)), 201


@bp.post("/exchange/messages/<int:row_id>/resend")
@token_required
@describe("exchangeResend", "Withdraw a rejected or failed letter and send it again as a "
          "new message", answer=s.Message, status=201, errors=(403, 404, 409))
def exchange_resend(row_id: int):
    from saraban.exchange.sending import resend

    row = resend(g.api_user, row_id)
    return jsonify(message_json(row)), 201


@bp.get("/exchange/arrivals")
@token_required
@describe("exchangeArrivals", "Letters from other agencies waiting for a clerk (when not "
          "registered automatically); a classified one only for the cleared clerks it is named "
          "to", answer=s.Messages)
def exchange_arrivals():
    from saraban.exchange.receiving import arrivals

    return jsonify(items=[message_json(m) for m in arrivals(g.api_user)])


@bp.post("/exchange/arrivals/<int:row_id>/accept")
@token_required
@describe("exchangeAccept", "Register an arrived letter; the sender gets an accept notice "
          "with the เลขรับ (AcceptID)", body=s.AcceptArrival, body_required=False,
          answer=s.Message, errors=(400, 403, 404, 409))
def exchange_accept(row_id: int):
    from saraban.exchange.receiving import accept_arrival

    register_id = read_body(s.AcceptArrival, optional=True).get("register_id")
    row = accept_arrival(g.api_user, row_id, register_id)
    return jsonify(message_json(row))


@bp.post("/exchange/arrivals/<int:row_id>/reject")
@token_required
@describe("exchangeReject", "Refuse an arrived letter with a reason (\"invalid\": true for an "
          "invalid letter); the sender is told", body=s.Reject, answer=s.Message,
          errors=(400, 403, 404, 409))
def exchange_reject(row_id: int):
    from saraban.exchange.receiving import reject_arrival

    data = read_body(s.Reject)
    row = reject_arrival(g.api_user, row_id, data.get("reason"),
                         "invalid" if data.get("invalid") is True else "reject")
    return jsonify(message_json(row))


# --- e-CMS -------------------------------------------------------------------------------

def _ecms_items(rows: list[EcmsMessage]) -> list[dict]:
    from saraban.exchange.ecms.desk import organization_names

    names = organization_names(m.counterpart_id for m in rows)
    return [ecms_json(m, names) for m in rows]


@bp.post("/ecms/messages/<int:message_id>/withdraw")
@token_required
@describe("ecmsWithdraw", "Withdraw a letter sent through e-CMS that the receiver rejected "
          "or reported invalid (CorrespondenceDeleteGovernmentDocumentRequest, queued): once "
          "the node has taken the withdrawal the letter is withdrawn and may be sent again "
          "with exchangeSend. The answer is the queued withdrawal", answer=s.EcmsMessage,
          status=201, errors=(403, 404, 409))
def ecms_withdraw(message_id: int):
    from saraban.exchange.ecms.sending import withdraw_letter

    return jsonify(ecms_json(withdraw_letter(g.api_user, message_id))), 201


@bp.get("/ecms/arrivals")
@token_required
@describe("ecmsArrivals", "Letters pulled from e-CMS waiting for a clerk of the central "
          "register's unit (when not registered automatically); a classified one only for "
          "the cleared clerks it is named to", answer=s.EcmsMessages)
def ecms_arrivals():
    from saraban.exchange.ecms.desk import arrivals

    return jsonify(items=_ecms_items(arrivals(g.api_user)))


@bp.post("/ecms/arrivals/<int:message_id>/accept")
@token_required
@describe("ecmsAccept", "Register a letter pulled from e-CMS in the central receipt register "
          "(or register_id); the sender is answered AcceptLetterNotifier with the เลขรับ",
          body=s.AcceptArrival, body_required=False, answer=s.EcmsMessage,
          errors=(400, 403, 404, 409))
def ecms_accept(message_id: int):
    from saraban.exchange.ecms.worker import accept_pending

    register_id = read_body(s.AcceptArrival, optional=True).get("register_id")
    return jsonify(ecms_json(accept_pending(g.api_user, message_id, register_id)))


@bp.post("/ecms/arrivals/<int:message_id>/reject")
@token_required
@describe("ecmsReject", "Refuse a letter pulled from e-CMS with a reason (\"invalid\": true "
          "for an invalid letter); the sender is answered RejectLetterNotifier or "
          "InvalidLetterNotifier", body=s.Reject, answer=s.EcmsMessage,
          errors=(400, 403, 404, 409))
def ecms_reject(message_id: int):
    from saraban.exchange.ecms.worker import refuse_pending

    data = read_body(s.Reject)
    row = refuse_pending(g.api_user, message_id, data.get("reason"),
                         "invalid" if data.get("invalid") is True else "reject")
    return jsonify(ecms_json(row))


def organization_json(o: EcmsOrganization) -> dict:
    return {"organization_id": o.organization_id, "th_name": o.th_name,
            "en_name": o.en_name, "ministry_id": o.ministry_id,
            "fetched_at": thaidate.isoformat(o.fetched_at)}


@bp.get("/ecms/organizations")
@token_required
@describe("ecmsOrganizations", "The e-CMS directory last fetched from our node, searched by "
          "name (q: part of the Thai or English name, or the start of the ID); at most 50, "
          "for choosing a destination (to = ecms:<organization_id>)",
          answer=s.EcmsOrganizations, query=s.OrganizationsQuery, errors=(400,))
def ecms_organizations():
    from saraban.exchange.ecms.desk import find_organizations

    q = request.args.get("q")
    if q is not None and len(q) > 100:
        raise ApiError(400, "'q' is longer than 100 characters.",
                       "คำค้นยาวเกิน ๑๐๐ ตัวอักษร", "q")
    return jsonify(items=[organization_json(o) for o in find_organizations(q)])
