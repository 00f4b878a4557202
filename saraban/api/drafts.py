"""Outgoing letters in the JSON API: draft, edit, versions, submit, review, sign, dispatch,
the letter's PDF, and the post's tracking number."""

from __future__ import annotations

from flask import g, jsonify

from saraban import thaidate
from saraban.api.blueprint import bp, token_required
from saraban.api.body import read_body
from saraban.api.contract import Binary, describe
from saraban.api.schemas import drafts as s
from saraban.delivery.operations import set_tracking
from saraban.drafts import operations as ops
from saraban.drafts.models import Draft


def draft_json(d: Draft) -> dict:
    return {
        "id": d.id, "kind": d.kind, "unit_id": d.unit_id, "subject": d.subject,
        "fields": d.fields, "body": d.body, "secrecy": d.secrecy, "urgency": d.urgency,
        "status": d.status, "version": d.version, "parallel": d.parallel,
        "reply_to_id": d.reply_to_id, "document_id": d.document_id,
        "capacity_text": d.capacity_text, "return_note": d.return_note,
        "signed_at": thaidate.isoformat(d.signed_at),
        "steps": [{"user_id": st.user_id, "name": st.user.display_name, "role": st.role,
                   "status": st.status, "round": st.round, "note": st.note,
                   "acted_at": thaidate.isoformat(st.acted_at)} for st in d.steps],
    }


def delivery_json(d) -> dict:
    return {"id": d.id, "channel": d.channel, "label": d.label, "address": d.address,
            "tracking": d.tracking, "status": d.status}


@bp.post("/drafts")
@token_required
@describe("createDraft", "Draft a letter on one of the regulation's forms (version 1)",
          body=s.DraftCreate, answer=s.Draft, status=201, errors=(400, 403, 404, 503))
def drafts_create():
    return jsonify(draft_json(ops.create_draft(g.api_user, read_body(s.DraftCreate)))), 201


@bp.get("/drafts")
@token_required
@describe("drafts", "Drafts waiting for the caller's initials or signature, his own, and "
          "signed letters waiting for their number in the units he numbers for",
          answer=s.Drafts)
def drafts_list():
    found = ops.drafts_for(g.api_user)
    return jsonify({key: [draft_json(d) for d in found[key]]
                    for key in ("waiting", "mine", "to_number")})


@bp.get("/drafts/<int:draft_id>")
@token_required
@describe("draft", "One draft with its review line", answer=s.Draft, errors=(404,))
def drafts_get(draft_id: int):
    return jsonify(draft_json(ops.get_draft(g.api_user, draft_id)))


@bp.patch("/drafts/<int:draft_id>")
@token_required
@describe("updateDraft", "Edit a draft (its drafter while it is with him, a reviewer while "
          "it is on his desk): a change is a new version; a signed letter answers 409",
          body=s.DraftUpdate, answer=s.Draft, errors=(400, 403, 404, 409, 503))
def drafts_update(draft_id: int):
    return jsonify(draft_json(ops.update_draft(g.api_user, draft_id,
                                               read_body(s.DraftUpdate))))


@bp.get("/drafts/<int:draft_id>/versions")
@token_required
@describe("draftVersions", "Every version, newest first: who, when, and the difference from "
          "the one before, word by word", answer=s.Versions, errors=(404,))
def drafts_versions(draft_id: int):
    items = [{"number": v["number"],
              "author": v["author"].display_name if v["author"] else None,
              "created_at": thaidate.isoformat(v["created_at"]), "fields": v["fields"],
              "body": v["body"], "changes": v["changes"]}
             for v in ops.versions(g.api_user, draft_id)]
    return jsonify(items=items)


@bp.post("/drafts/<int:draft_id>/submit")
@token_required
@describe("submitDraft", "Send the draft up its review line (the signer last; parallel: "
          "เวียนตรวจ)", body=s.Submit, answer=s.Draft, errors=(400, 403, 404, 409, 503))
def drafts_submit(draft_id: int):
    data = read_body(s.Submit, optional=True)
    return jsonify(draft_json(ops.submit_draft(g.api_user, draft_id, data.get("review_line"),
                                               parallel=bool(data.get("parallel")))))


@bp.post("/drafts/<int:draft_id>/review")
@token_required
@describe("reviewDraft", "Initial the draft (ลงชื่อย่อกำกับ: it moves on) or return it to "
          "the drafter with a note", body=s.Review, answer=s.Draft,
          errors=(400, 403, 404, 409, 503))
def drafts_review(draft_id: int):
    data = read_body(s.Review)
    return jsonify(draft_json(ops.review_draft(g.api_user, draft_id, data.get("action"),
                                               data.get("note"))))


@bp.post("/drafts/<int:draft_id>/sign")
@token_required
@describe("signDraft", "Sign the letter (PAdES) in the caller's own or an acting capacity: "
          "it becomes an outgoing document and cannot change", body=s.Sign, answer=s.Draft,
          errors=(400, 403, 404, 409, 503))
def drafts_sign(draft_id: int):
    data = read_body(s.Sign, optional=True)
    return jsonify(draft_json(ops.sign_draft(g.api_user, draft_id, data.get("capacity"))))


@bp.post("/drafts/<int:draft_id>/dispatch")
@token_required
@describe("dispatchDraft", "Number the signed letter in a dispatch register (the number and "
          "date filled into the signed PDF, signed by the registry) and send it to each "
          "destination by its channel", body=s.Dispatch, answer=s.Dispatched,
          errors=(400, 403, 404, 409, 503))
def drafts_dispatch(draft_id: int):
    data = read_body(s.Dispatch)
    done = ops.dispatch_draft(g.api_user, draft_id, data.get("register_id"),
                              data.get("destinations"))
    return jsonify(draft=draft_json(done["draft"]), number=done["dispatch"].number_text,
                   document_id=done["dispatch"].document_id,
                   deliveries=[delivery_json(d) for d in done["deliveries"]])


@bp.get("/drafts/<int:draft_id>/letter.pdf")
@token_required
@describe("draftLetter", "The letter as it stands: the draft printed now, or the signed "
          "(and numbered) PDF", answer=Binary("application/pdf"), errors=(404,))
def drafts_letter(draft_id: int):
    from saraban.pdf import pdf_response

    pdf, name = ops.preview_pdf(g.api_user, draft_id)
    return pdf_response(pdf, name)


@bp.post("/deliveries/<int:delivery_id>/tracking")
@token_required
@describe("setTracking", "The post's tracking number of a letter sent by registered mail "
          "or EMS (its check digit verified)", body=s.Tracking, answer=s.Delivery,
          errors=(400, 403, 404, 409, 503))
def deliveries_tracking(delivery_id: int):
    data = read_body(s.Tracking)
    return jsonify(delivery_json(set_tracking(g.api_user, delivery_id, data.get("tracking"))))


@bp.put("/units/<int:unit_id>/review-line")
@token_required
@describe("setUnitReviewLine", "A unit's default review line for its drafts (its "
          "administrators): the reviewers in order, the signer last", body=s.ReviewLine,
          answer=s.UnitReviewLine, errors=(400, 403, 404, 503))
def units_review_line(unit_id: int):
    data = read_body(s.ReviewLine)
    unit = ops.set_default_line(g.api_user, unit_id, data.get("review_line"))
    return jsonify(unit_id=unit.id, review_line=unit.review_line or [])
