"""Paper in through the JSON API: scans into the queue (read outside the request), a
draft's status and fields, and its registration."""

from __future__ import annotations

from flask import g, jsonify, request

from saraban.api.blueprint import bp, token_required
from saraban.api.body import read_body
from saraban.api.contract import describe
from saraban.api.registers import receipt_json
from saraban.api.schemas import intake as s
from saraban.api.schemas.registers import Receipt
from saraban.intake import operations as ops
from saraban.intake.models import IntakeDraft
from saraban.transaction import commit_early


def intake_json(d: IntakeDraft) -> dict:
    return {"id": d.id, "batch_id": d.batch_id, "status": d.status, "filename": d.filename,
            "pages": d.pages, "pages_read": d.pages_read, "fields": d.fields or {},
            "stamps": d.stamps or [], "stamp_place": d.stamp_place,
            "document_id": d.document_id, "receipt_id": d.receipt_id}


@bp.post("/intake/scans")
@token_required
@describe("intakeScans", "Scans (multipart `files`, one or many; `split`=1 cuts a PDF of "
          "many letters at blank or separator pages) into the intake queue; each letter is "
          "read by OCR outside the request", body=s.Scans, answer=s.Accepted, status=202,
          multipart=True, errors=(400, 403, 413, 503))
def intake_scans():
    files = [(f.filename, f.read()) for f in request.files.getlist("files") if f]
    batch = ops.accept_scans(g.api_user, files, unit_id=request.form.get("unit_id") or None,
                             split=request.form.get("split") in ("1", "true"))
    return jsonify(batch_id=batch.id, drafts=[d.id for d in batch.drafts]), 202


@bp.get("/intake/drafts/<int:draft_id>")
@token_required
@describe("intakeDraft", "A scanned letter's reading: its status and each field's value, "
          "confidence and box on the page", answer=s.IntakeDraft, errors=(404,))
def intake_draft(draft_id: int):
    return jsonify(intake_json(ops.get_intake(g.api_user, draft_id)))


@bp.post("/intake/drafts/<int:draft_id>/register")
@token_required
@describe("intakeRegister", "Register the letter with the confirmed fields in a receipt "
          "register (the same rules and answers as a receipt typed by hand); its scan is "
          "kept stamped at its place", body=s.IntakeRegister, answer=Receipt, status=201,
          errors=(400, 403, 404, 409, 503))
def intake_register(draft_id: int):
    data = read_body(s.IntakeRegister)
    register_id = data.get("register_id")
    receipt = ops.register_intake(g.api_user, draft_id, register_id, data.get("fields"),
                                  stamp_place=data.get("stamp_place"),
                                  confirm_duplicate=bool(data.get("confirm_duplicate")))
    commit_early("the receipt number is given before the scan is stamped and kept")
    ops.keep_scan(g.api_user, draft_id)
    return jsonify(receipt_json(receipt)), 201
