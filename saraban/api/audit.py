"""The audit trail in the JSON API, for administrators."""

from __future__ import annotations

from flask import Response, g, jsonify, request

from saraban import thaidate
from saraban.api.blueprint import bp, token_required
from saraban.api.contract import Binary, describe
from saraban.api.schemas import audit as s
from saraban.audit.listing import AuditQuery, audit_csv, audit_events
from saraban.permissions import can_verify_audit
from saraban.validation import OperationError


@bp.get("/audit-events")
@token_required
@describe("auditEvents", "The audit trail, newest first, 100 a page (administrators; an "
          "administrator of units reads their events). The details of an event about a secret "
          "document the reader may not read are masked ('masked': true)",
          answer=s.AuditEvents, query=s.AuditEventsQuery, errors=(400, 403))
def audit_events_list():
    query = AuditQuery.read(request.args)
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdecimal() and len(raw) < 7 and int(raw) > 0 else 1
    rows, total = audit_events(g.api_user, query, limit=100, offset=(page - 1) * 100)
    return jsonify(total=total, items=[{
        "id": r.event.id, "occurred_at": thaidate.isoformat(r.event.occurred_at),
        "user": r.username, "remote_addr": r.event.remote_addr, "action": r.event.action,
        "object_type": r.event.object_type, "object_id": r.event.object_id,
        "document_id": r.event.document_id, "unit_id": r.event.unit_id,
        "details": r.details, "masked": r.masked, "prev_hash": r.event.prev_hash,
        "hash": r.event.hash,
    } for r in rows])


@bp.get("/audit-events/export.csv")
@token_required
@describe("auditExport", "The filtered audit trail as CSV (UTF-8 with BOM; bom=0 "
          "without); the export is itself audited", answer=Binary("text/csv"),
          query=s.AuditExportQuery, errors=(400, 403, 413))
def audit_events_export():
    content = audit_csv(g.api_user, AuditQuery.read(request.args),
                        bom=request.args.get("bom") != "0")
    return Response(content, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="audit.csv"'})


@bp.get("/audit/verify")
@token_required
@describe("auditVerify", "Walk the hash chain and check its head's MAC (administrators who "
          "see everything); anchor=HASH also proves nothing before that head changed; "
          "records=1 also recomputes every record's digest and names the rows that do not "
          "match", answer=s.Verification, query=s.VerifyQuery, errors=(403,))
def audit_verify():
    from saraban.audit.chain import verify_all, verify_chain

    if not can_verify_audit(g.api_user):
        raise OperationError("เฉพาะผู้ดูแลระบบที่เห็นทั้งระบบเท่านั้น",
                             "Only administrators who see everything.", status=403)
    anchor = request.args.get("anchor") or None
    if request.args.get("records") not in ("1", "true"):
        report, records = verify_chain(anchor=anchor), None
    else:  # every record's digest too: seconds per 100,000 rows (bench_audit_verify.py)
        report, records = verify_all(anchor=anchor)
    answer = dict(ok=report.ok, events=report.events, head=report.head,
                  bad_event_id=report.bad_event_id, problem=report.problem_en or None,
                  problem_th=report.problem_th or None,
                  anchor_event_id=report.anchor_event_id)
    if records is not None:
        answer["ok"] = report.ok and records.ok
        answer["records"] = {
            "ok": records.ok, "rows": records.rows, "unaudited": records.unaudited,
            "problems": [{"record": p.key, "problem": p.problem}
                         for p in records.problems[:100]]}
    return jsonify(answer)
