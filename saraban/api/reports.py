"""Reports in the JSON API: where documents wait."""

from __future__ import annotations

from flask import g, jsonify, request

from saraban.api.blueprint import bp, token_required
from saraban.api.contract import describe
from saraban.api.errors import ApiError
from saraban.api.schemas import reports as s
from saraban.permissions import can_read_pendency
from saraban.reports.operations import AGES, pendency
from saraban.reports.views import read_period


@bp.get("/reports/pendency")
@token_required
@describe("pendencyReport", "Where documents wait: per unit the caller commands or "
          "administers and month of receipt, received, acted on, average and 90th-percentile "
          "time to act, and what still waits by age", answer=s.Pendency, query=s.PendencyQuery,
          errors=(400, 403))
def reports_pendency():
    if not can_read_pendency(g.api_user):
        raise ApiError(403, "Only commanders and administrators see this report.",
                       "รายงานนี้สำหรับผู้บังคับบัญชาและผู้ดูแลระบบ")
    start, end = read_period(request.args)
    rows = pendency(g.api_user, start, end)
    return jsonify(date_from=start.isoformat(), date_to=end.isoformat(),
                   ages=[label for _, label in AGES], items=[{
                       "unit": r.unit.short_name, "unit_id": r.unit.id, "year": r.year,
                       "month": r.month, "received": r.received, "acted": r.acted,
                       "average_seconds": _seconds(r.average), "p90_seconds": _seconds(r.p90),
                       "acted_day_only": r.acted_day_only, "average_days": r.average_days,
                       "waiting_by_age": r.waiting} for r in rows])


def _seconds(value) -> int | None:
    return None if value is None else round(value.total_seconds())
