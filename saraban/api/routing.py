"""Moving documents in the JSON API: forward or circulate, inbox, accept, recall, return."""

from __future__ import annotations

from flask import g, jsonify
from sqlalchemy import select

from saraban import thaidate
from saraban.api import ApiError, bp, token_required
from saraban.api.registers import _json_body, receipt_json
from saraban.copies.operations import issue_certified_copy
from saraban.documents.access import visible_document
from saraban.extensions import db
from saraban.routing.models import Transfer
from saraban.routing.operations import (
    accept_transfer,
    acknowledge_return,
    inbox,
    name_reader_of,
    readers_of,
    recall_transfer,
    return_transfer,
    returned_to,
    send_transfers,
)


def transfer_json(t: Transfer) -> dict:
    def local(value):
        return thaidate.isoformat(value)

    return {
        "id": t.id, "document_id": t.document_id, "kind": t.kind.value,
        "purpose": t.purpose.value, "purpose_text": t.purpose_text,
        "from_unit_id": t.from_unit_id, "to_unit_id": t.to_unit_id, "status": t.status.value,
        "sent_at": local(t.sent_at), "accepted_at": local(t.accepted_at),
        "due_date": t.due_date.isoformat() if t.due_date else None,
        "return_reason": t.return_reason, "returned_at": local(t.returned_at),
        "recalled_at": local(t.recalled_at), "return_seen_at": local(t.return_seen_at),
    }


@bp.post("/documents/<int:document_id>/transfers")
@token_required
def transfers_create(document_id: int):
    data = _json_body()
    to = data.get("to")
    made = send_transfers(
        g.api_user, document_id, [to] if isinstance(to, int) else to,
        purpose=data.get("purpose") or "inform", purpose_text=data.get("purpose_text"),
        due_date=data.get("due_date"), from_unit_id=data.get("from_unit"),
        note=data.get("note"), propose=data.get("kind") == "propose",
        to_user_id=data.get("to_user"),
    )
    db.session.commit()
    return jsonify(items=[transfer_json(t) for t in made]), 201


@bp.get("/transfers/inbox")
@token_required
def transfers_inbox():
    from saraban.documents.access import record_views
    from saraban.extensions import db

    transfers = inbox(g.api_user)
    if record_views(g.api_user, [t.document for t in transfers], "inbox"):
        db.session.commit()
    return jsonify(items=[
        {**transfer_json(t), "document": {"number": t.document.number,
                                          "subject": t.document.subject},
         "from_unit": t.from_unit.short_name if t.from_unit else None}
        for t in transfers
    ])


@bp.get("/transfers/returned")
@token_required
def transfers_returned():
    return jsonify(items=[
        {**transfer_json(t), "document": {"number": t.document.number,
                                          "subject": t.document.subject},
         "from_unit": t.from_unit.short_name if t.from_unit else None}
        for t in returned_to(g.api_user)
    ])


@bp.post("/transfers/<int:transfer_id>/acknowledge")
@token_required
def transfers_acknowledge(transfer_id: int):
    transfer = acknowledge_return(g.api_user, transfer_id)
    db.session.commit()
    return jsonify(transfer_json(transfer))


@bp.post("/transfers/<int:transfer_id>/accept")
@token_required
def transfers_accept(transfer_id: int):
    from saraban.registers.models import Receipt

    data = _json_body()
    register_id = data.get("register_id")
    if register_id is not None and (isinstance(register_id, bool)
                                    or not isinstance(register_id, int)):
        register_id = -1  # refused below as an unknown register
    transfer = accept_transfer(g.api_user, transfer_id, register_id)
    db.session.commit()
    receipt = db.session.get(Receipt, transfer.receipt_id) if transfer.receipt_id else None
    return jsonify(transfer=transfer_json(transfer),
                   receipt=receipt_json(receipt) if receipt is not None else None)


@bp.post("/transfers/<int:transfer_id>/recall")
@token_required
def transfers_recall(transfer_id: int):
    transfer = recall_transfer(g.api_user, transfer_id)
    db.session.commit()
    return jsonify(transfer_json(transfer))


@bp.post("/transfers/<int:transfer_id>/return")
@token_required
def transfers_return(transfer_id: int):
    transfer = return_transfer(g.api_user, transfer_id, _json_body().get("reason"))
    db.session.commit()
    return jsonify(transfer_json(transfer))


@bp.post("/documents/<int:document_id>/certified-copies")
@token_required
def certified_copies_create(document_id: int):
    certified = issue_certified_copy(g.api_user, document_id, _json_body())
    db.session.commit()
    copy = certified.copy
    transfers = db.session.scalars(
        select(Transfer).where(Transfer.document_id == copy.id).order_by(Transfer.id)).all()
    return jsonify(id=certified.id, source_id=document_id, copy_id=copy.id,
                   number=copy.number, date=copy.doc_date.isoformat(),
                   certifier=certified.certifier_text,
                   transfers=[transfer_json(t) for t in transfers]), 201


def _readers_json(document) -> list[dict]:
    return [{"user_id": person.id, "name": person.display_name,
             "named_at": at.astimezone(thaidate.BANGKOK).isoformat()}
            for person, at in readers_of(document)]


@bp.get("/documents/<int:document_id>/readers")
@token_required
def readers_list(document_id: int):
    document = visible_document(g.api_user, document_id)
    if document is None:
        raise ApiError(404, "No such document.", "ไม่พบหนังสือนี้")
    return jsonify(secrecy=document.secrecy, items=_readers_json(document))


@bp.post("/documents/<int:document_id>/readers")
@token_required
def readers_add(document_id: int):
    data = _json_body()
    name_reader_of(g.api_user, document_id, data.get("user"))
    db.session.commit()
    document = visible_document(g.api_user, document_id)
    return jsonify(secrecy=document.secrecy, items=_readers_json(document)), 201
