"""The commander's desk in the JSON API: proposals, endorsements, orders, delegations."""

from __future__ import annotations

from flask import g, jsonify, request

from saraban import thaidate
from saraban.api.blueprint import bp, token_required
from saraban.api.body import read_body
from saraban.api.contract import Binary, describe
from saraban.api.schemas import endorsements as s
from saraban.documents.access import record_views
from saraban.endorsements.capacity import (
    capacities_for,
    create_delegation,
    delete_delegation,
    end_delegation,
    list_delegations,
)
from saraban.endorsements.models import Endorsement, EndorsementStatus, Order
from saraban.endorsements.operations import (
    circular_citation,
    complete_order,
    delete_draft,
    draft_endorsement,
    endorsements_of,
    get_endorsement,
    orders_given,
    proposals_for,
    sign_endorsement,
    signature_block,
    tasks_for,
    update_draft,
)
from saraban.permissions import is_overdue
from saraban.units.models import DELEGATION_ABBR, Delegation
from saraban.validation import OperationError


def _local(value):
    return thaidate.isoformat(value)


def _iso(day):
    return day.isoformat() if day else None


def order_json(o: Order, today=None) -> dict:
    return {
        "id": o.id, "endorsement_id": o.endorsement_id, "to_unit_id": o.to_unit_id,
        "to_unit": o.to_unit.short_name if o.to_unit else None, "to_user_id": o.to_user_id,
        "instruction": o.instruction, "due_date": _iso(o.due_date), "status": o.status.value,
        "overdue": is_overdue(o, today), "transfer_id": o.transfer_id,
        "done_at": _local(o.done_at), "done_note": o.done_note,
    }


def endorsement_json(e: Endorsement) -> dict:
    today = thaidate.today()
    signed = e.status == EndorsementStatus.SIGNED
    return {
        "id": e.id, "document_id": e.document_id, "status": e.status.value,
        "unit_id": e.unit_id, "unit": e.unit.short_name if e.unit else None,
        "lines": [x.text for x in e.lines],
        "signer": {"id": e.signer_id, "name": e.signer.display_name},
        "capacity": {"position_id": e.position_id, "delegation_id": e.delegation_id,
                     "acting_kind": e.acting_kind.value if e.acting_kind else None,
                     "acting_position_id": e.acting_position_id},
        "signature_text": e.signature_text,
        "signature_block": signature_block(e),
        "signed_at": _local(e.signed_at), "corrects_id": e.corrects_id,
        "circular_citation": circular_citation(e) if signed else None,
        "orders": [order_json(o, today) for o in e.orders],
    }


def delegation_json(d: Delegation) -> dict:
    return {"id": d.id, "person_id": d.person_id, "person": d.person.display_name,
            "position_id": d.position_id, "position": d.position.title,
            "kind": d.kind.value, "kind_th": DELEGATION_ABBR[d.kind],
            "start_date": _iso(d.start_date), "end_date": _iso(d.end_date),
            "authority": d.authority, "in_force": d.in_force(thaidate.today())}


@bp.get("/proposals")
@token_required
@describe("proposals", "The commander's inbox: documents proposed (เสนอ) to the units he "
          "endorses for, most urgent and newest first; waiting=1 for those not endorsed yet",
          answer=s.Proposals, query=s.ProposalsQuery)
def proposals_list():
    waiting = request.args.get("waiting") in ("1", "true")
    proposals = proposals_for(g.api_user, limit=200, waiting_only=waiting)
    record_views(g.api_user, [p.transfer.document for p in proposals], "desk")
    return jsonify(items=[
        {"transfer_id": p.transfer.id, "document_id": p.transfer.document_id,
         "number": p.transfer.document.number, "subject": p.transfer.document.subject,
         "urgency": p.transfer.document.urgency, "to_unit": p.transfer.to_unit.short_name,
         "from_unit": p.transfer.from_unit.short_name if p.transfer.from_unit else None,
         "sent_at": _local(p.transfer.sent_at), "endorsed": p.endorsed}
        for p in proposals])


@bp.get("/capacities")
@token_required
@describe("capacities", "The capacities the caller may sign in today: his positions, and "
          "each delegation in force (ปรท., รรท., ทำการแทน, รักษาการแทน)", answer=s.Capacities)
def capacities_list():
    person = g.api_user.person
    return jsonify(items=[
        {"key": c.key, "signature_text": c.text,
         "delegation_id": c.delegation.id if c.delegation else None}
        for c in capacities_for(person, thaidate.today())])


@bp.get("/documents/<int:document_id>/endorsements")
@token_required
@describe("endorsements", "Signed endorsements in order, and the caller's own drafts",
          answer=s.Endorsements, errors=(404,))
def endorsements_list(document_id: int):
    from saraban.documents.access import visible_document

    document = visible_document(g.api_user, document_id)
    if document is None:
        raise OperationError("ไม่พบหนังสือนี้", "No such document.", status=404)
    items = [endorsement_json(e) for e in endorsements_of(g.api_user, document)]
    record_views(g.api_user, [document], "endorsements")
    return jsonify(items=items)


@bp.post("/documents/<int:document_id>/endorsements")
@token_required
@describe("draftEndorsement", "A draft endorsement by the commander the document was "
          "proposed to (or his acting deputy); \"sign\": true signs it at once. Send an "
          "Idempotency-Key header to make a retry harmless", body=s.EndorsementCreate,
          answer=s.Endorsement, status=201, errors=(400, 403, 404, 409, 503))
def endorsements_create(document_id: int):
    data = read_body(s.EndorsementCreate)
    endorsement = draft_endorsement(g.api_user, document_id, data,
                                    request.headers.get("Idempotency-Key"))
    if data.get("sign") is True and endorsement.status == EndorsementStatus.DRAFT:
        endorsement = sign_endorsement(g.api_user, endorsement.id)
    return jsonify(endorsement_json(endorsement)), 201


@bp.get("/endorsements/<int:endorsement_id>")
@token_required
@describe("endorsement", "One endorsement (a draft only for its writer)",
          answer=s.Endorsement, errors=(404,))
def endorsements_get(endorsement_id: int):
    endorsement = get_endorsement(g.api_user, endorsement_id)
    record_views(g.api_user, [endorsement.document], "endorsements")
    return jsonify(endorsement_json(endorsement))


@bp.patch("/endorsements/<int:endorsement_id>")
@token_required
@describe("updateEndorsement", "Change a draft; a signed endorsement answers 409",
          body=s.EndorsementUpdate, answer=s.Endorsement, errors=(400, 403, 404, 409))
def endorsements_update(endorsement_id: int):
    endorsement = update_draft(g.api_user, endorsement_id, read_body(s.EndorsementUpdate))
    return jsonify(endorsement_json(endorsement))


@bp.delete("/endorsements/<int:endorsement_id>")
@token_required
@describe("deleteEndorsement", "Delete a draft; a signed endorsement answers 409",
          status=204, errors=(403, 404, 409))
def endorsements_delete(endorsement_id: int):
    delete_draft(g.api_user, endorsement_id)
    return "", 204


@bp.post("/endorsements/<int:endorsement_id>/sign")
@token_required
@describe("signEndorsement", "Sign a draft: fixed from now on; the capacity must be in "
          "force today; each order becomes a task with a transfer of the document to its unit",
          answer=s.Endorsement, errors=(403, 404, 409, 503))
def endorsements_sign(endorsement_id: int):
    endorsement = sign_endorsement(g.api_user, endorsement_id)
    return jsonify(endorsement_json(endorsement))


@bp.get("/orders")
@token_required
@describe("orders", "Orders given to the caller or his units (given=1: those he gave "
          "and that are still open; done=1: with the finished ones), overdue marked. An order "
          "on a secret document is listed only to its named, cleared readers",
          answer=s.Tasks, query=s.OrdersQuery)
def orders_list():
    today = thaidate.today()
    if request.args.get("given") in ("1", "true"):
        orders = orders_given(g.api_user)
    else:
        orders = tasks_for(g.api_user, include_done=request.args.get("done") in ("1", "true"))
    record_views(g.api_user, [o.endorsement.document for o in orders], "orders")
    return jsonify(items=[{**order_json(o, today), "document_id": o.endorsement.document_id,
                           "subject": o.endorsement.document.subject} for o in orders])


@bp.post("/orders/<int:order_id>/complete")
@token_required
@describe("completeOrder", "The assignee reports the order done, with a note",
          body=s.OrderDone, answer=s.Order, errors=(400, 403, 404, 409))
def orders_complete(order_id: int):
    order = complete_order(g.api_user, order_id, read_body(s.OrderDone).get("note"))
    return jsonify(order_json(order))


@bp.get("/delegations")
@token_required
@describe("delegations", "All delegations (administrators) or the caller's own",
          answer=s.Delegations, query=s.DelegationsQuery, errors=(400,))
def delegations_list():
    on = request.args.get("on")
    day = None
    if on:
        from saraban.validation import read_date

        day = read_date(on, "on", "วันที่")
    return jsonify(items=[delegation_json(d) for d in list_delegations(g.api_user, day)])


@bp.post("/delegations")
@token_required
@describe("createDelegation", "Record that a person acts for a position over a period "
          "(administrators); kind may be written ปรท., พรท. (read as ปรท.), รรท.",
          body=s.DelegationCreate, answer=s.Delegation, status=201, errors=(400, 403, 404, 409))
def delegations_create():
    delegation = create_delegation(g.api_user, read_body(s.DelegationCreate))
    return jsonify(delegation_json(delegation)), 201


@bp.patch("/delegations/<int:delegation_id>")
@token_required
@describe("endDelegation", "Set its last day; never before an endorsement signed under "
          "it", body=s.DelegationEnd, answer=s.Delegation, errors=(400, 403, 404, 409))
def delegations_update(delegation_id: int):
    end_date = read_body(s.DelegationEnd).get("end_date")
    delegation = end_delegation(g.api_user, delegation_id, end_date)
    return jsonify(delegation_json(delegation))


@bp.delete("/delegations/<int:delegation_id>")
@token_required
@describe("deleteDelegation", "Remove one entered by mistake; one signed under answers "
          "409", status=204, errors=(403, 404, 409))
def delegations_delete(delegation_id: int):
    delete_delegation(g.api_user, delegation_id)
    return "", 204


@bp.get("/documents/<int:document_id>/endorsement-sheet.pdf")
@token_required
@describe("endorsementSheet", "ใบเกษียน: the endorsements as on paper, with room to sign "
          "by hand (the printing's verification code is recorded)",
          answer=Binary("application/pdf"), errors=(404,))
def endorsement_sheet_pdf(document_id: int):
    from saraban.endorsements.printing import endorsement_sheet
    from saraban.pdf import pdf_response

    pdf = endorsement_sheet(g.api_user, document_id)
    return pdf_response(pdf, f"endorsement-sheet-{document_id}.pdf")


@bp.get("/documents/<int:document_id>/routing-slip.pdf")
@token_required
@describe("routingSlip", "ใบปะหน้าเสนอ: the cover slip of the latest proposal",
          answer=Binary("application/pdf"), errors=(404,))
def routing_slip_pdf(document_id: int):
    from saraban.endorsements.printing import routing_slip
    from saraban.pdf import pdf_response

    pdf = routing_slip(g.api_user, document_id)
    return pdf_response(pdf, f"routing-slip-{document_id}.pdf")
