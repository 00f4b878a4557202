"""Moving documents in the JSON API: forward or circulate, inbox, accept, recall, return,
certified copies, the named readers of a classified document."""

from __future__ import annotations

from flask import g, jsonify
from sqlalchemy import select

from saraban import thaidate
from saraban.api.blueprint import bp, token_required
from saraban.api.body import read_body
from saraban.api.contract import describe
from saraban.api.errors import ApiError
from saraban.api.registers import receipt_json
from saraban.api.schemas import routing as s
from saraban.copies.operations import issue_certified_copy
from saraban.documents.access import record_views, visible_document
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


def _waiting_json(t: Transfer) -> dict:
    return {**transfer_json(t), "document": {"number": t.document.number,
                                             "subject": t.document.subject},
            "from_unit": t.from_unit.short_name if t.from_unit else None}


@bp.post("/documents/<int:document_id>/transfers")
@token_required
@describe("sendTransfers", "Forward to one unit or circulate to many (each accepts it with "
          "its own receipt number)", body=s.TransferCreate, answer=s.Transfers, status=201,
          errors=(400, 403, 404, 409, 503))
def transfers_create(document_id: int):
    data = read_body(s.TransferCreate)
    to = data.get("to")
    made = send_transfers(
        g.api_user, document_id, [to] if isinstance(to, int) else to,
        purpose=data.get("purpose") or "inform", purpose_text=data.get("purpose_text"),
        due_date=data.get("due_date"), from_unit_id=data.get("from_unit"),
        note=data.get("note"), propose=data.get("kind") == "propose",
        to_user_id=data.get("to_user"),
    )
    return jsonify(items=[transfer_json(t) for t in made]), 201


@bp.get("/transfers/inbox")
@token_required
@describe("inbox", "What waits to be received in the units whose register the caller keeps, "
          "most urgent and oldest first (proposals wait on the commander's desk, GET "
          "/proposals)", answer=s.WaitingTransfers)
def transfers_inbox():
    transfers = inbox(g.api_user)
    record_views(g.api_user, [t.document for t in transfers], "inbox")
    return jsonify(items=[_waiting_json(t) for t in transfers])


@bp.get("/transfers/returned")
@token_required
@describe("returnedTransfers", "Documents sent back to the caller (or to the units he is "
          "clerk of) that he has not answered yet: acknowledge each, or send the document on "
          "again", answer=s.WaitingTransfers)
def transfers_returned():
    return jsonify(items=[_waiting_json(t) for t in returned_to(g.api_user)])


@bp.post("/transfers/<int:transfer_id>/acknowledge")
@token_required
@describe("acknowledgeReturn", "The sender has seen that a transfer came back: it stops "
          "waiting", answer=s.Transfer, errors=(403, 404, 409, 503))
def transfers_acknowledge(transfer_id: int):
    return jsonify(transfer_json(acknowledge_return(g.api_user, transfer_id)))


@bp.post("/transfers/<int:transfer_id>/accept")
@token_required
@describe("acceptTransfer", "Accept: the document gets this unit's receipt number (or keeps "
          "the one this unit already gave it, never a second)", body=s.AcceptBody,
          answer=s.Accepted, errors=(400, 403, 404, 409, 503))
def transfers_accept(transfer_id: int):
    from saraban.registers.models import Receipt

    register_id = read_body(s.AcceptBody).get("register_id")
    if register_id is not None and (isinstance(register_id, bool)
                                    or not isinstance(register_id, int)):
        register_id = -1  # refused by accept_transfer as an unknown register
    transfer = accept_transfer(g.api_user, transfer_id, register_id)
    receipt = db.session.get(Receipt, transfer.receipt_id) if transfer.receipt_id else None
    return jsonify(transfer=transfer_json(transfer),
                   receipt=receipt_json(receipt) if receipt is not None else None)


@bp.post("/transfers/<int:transfer_id>/recall")
@token_required
@describe("recallTransfer", "The sender pulls back a transfer not yet opened",
          answer=s.Transfer, errors=(403, 404, 409, 503))
def transfers_recall(transfer_id: int):
    return jsonify(transfer_json(recall_transfer(g.api_user, transfer_id)))


@bp.post("/transfers/<int:transfer_id>/return")
@token_required
@describe("returnTransfer", "The destination sends it back with a reason", body=s.ReturnBody,
          answer=s.Transfer, errors=(400, 403, 404, 409, 503))
def transfers_return(transfer_id: int):
    data = read_body(s.ReturnBody)
    return jsonify(transfer_json(return_transfer(g.api_user, transfer_id, data.get("reason"))))


@bp.post("/documents/<int:document_id>/certified-copies")
@token_required
@describe("issueCertifiedCopy", "A certified copy (สำเนาถูกต้อง) by a named officer, numbered "
          "in a dispatch register of the issuing unit and circulated to units",
          body=s.CertifiedCopyCreate, answer=s.CertifiedCopy, status=201,
          errors=(400, 403, 404, 409, 503))
def certified_copies_create(document_id: int):
    certified = issue_certified_copy(g.api_user, document_id, read_body(s.CertifiedCopyCreate))
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
@describe("listReaders", "Who is named to read a classified document (ลับ, ลับมาก)",
          answer=s.Readers, errors=(404,))
def readers_list(document_id: int):
    document = visible_document(g.api_user, document_id)
    if document is None:
        raise ApiError(404, "No such document.", "ไม่พบหนังสือนี้")
    return jsonify(secrecy=document.secrecy, items=_readers_json(document))


@bp.post("/documents/<int:document_id>/readers")
@token_required
@describe("nameReader", "A reader names another person, cleared for the level, to read it",
          body=s.ReaderCreate, answer=s.Readers, status=201, errors=(400, 403, 404, 409))
def readers_add(document_id: int):
    data = read_body(s.ReaderCreate)
    name_reader_of(g.api_user, document_id, data.get("user"))
    document = visible_document(g.api_user, document_id)
    return jsonify(secrecy=document.secrecy, items=_readers_json(document)), 201
