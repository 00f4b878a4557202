"""What waits for a user now, and the unit he acts for when he belongs to several."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask import session

from saraban.accounts.models import Role, User
from saraban.units.models import Unit

ACTING_KEY = "acting_unit"
COUNT_CAP = 100


def acting_units(user: User) -> list[Unit]:
    """The units the user belongs to directly, clerk units first (the order he acts in)."""
    clerk = [m.unit for m in user.memberships if m.role == Role.CLERK]
    return list(dict.fromkeys(clerk + [m.unit for m in user.memberships]))


def acting_unit(user: User) -> Unit | None:
    """The unit the user acts for: the one he chose this session, or his first."""
    units = acting_units(user)
    chosen = session.get(ACTING_KEY)
    return next((u for u in units if u.id == chosen), units[0] if units else None)


def choose_acting_unit(user: User, unit_id) -> Unit | None:
    """Act for ``unit_id`` from now on in this session; None when it is not his."""
    unit = next((u for u in acting_units(user) if str(u.id) == str(unit_id)), None)
    if unit is not None:
        session[ACTING_KEY] = unit.id
    return unit


@dataclass
class Waiting:
    """What waits for the user: counts, and the first few of each, most urgent first."""

    inbox: int = 0
    proposals: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    overdue: int = 0
    inbox_items: list = field(default_factory=list)
    returned: int = 0  # documents sent back to the user, not yet answered
    returned_items: list = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not (self.inbox or self.proposals or self.tasks or self.returned)


def waiting_for(user: User, today: dt.date) -> Waiting:
    """Documents waiting to be received by the units whose register he keeps, proposals
    waiting for his minute, the orders he or his units have to carry out, and what came
    back to him (a fixed number of queries). Each counts only what he can act on."""
    from saraban.endorsements.operations import proposals_for, tasks_for
    from saraban.permissions import is_overdue
    from saraban.routing.operations import inbox, inbox_count, returned_count, returned_to

    waiting = Waiting()
    waiting.inbox = inbox_count(user, COUNT_CAP)  # "more than 100" above the cap
    waiting.inbox_items = inbox(user, limit=5) if waiting.inbox else []
    waiting.proposals = [p.transfer for p in proposals_for(user, limit=50, waiting_only=True)]
    waiting.tasks = tasks_for(user, limit=50)
    waiting.overdue = sum(1 for order in waiting.tasks if is_overdue(order, today))
    waiting.returned = returned_count(user, COUNT_CAP)
    waiting.returned_items = returned_to(user, limit=20) if waiting.returned else []
    return waiting


MENU_CAP = 99


def menu_counts(user: User) -> dict[str, int]:
    """The menu's counts of what waits for the user: the inbox of the units whose register
    he keeps, the proposals waiting for his minute, the drafts waiting for his initials or
    signature. Counted only over what he may read (a secret document he may not read is
    not even counted); each no further than MENU_CAP + 1. Three small queries at most."""
    from saraban.drafts.operations import waiting_count
    from saraban.endorsements.operations import proposals_waiting_count
    from saraban.permissions import can_register, has_desk
    from saraban.routing.operations import inbox_count

    return {
        "inbox": inbox_count(user, MENU_CAP) if can_register(user) else 0,
        "desk": proposals_waiting_count(user, MENU_CAP) if has_desk(user) else 0,
        "drafts": waiting_count(user),
    }


def pendency_bars(user: User, today: dt.date) -> list[dict]:
    """For a manager: per unit, how many documents received in the last 90 days still wait,
    by age, as widths for a bar chart (largest unit = 100)."""
    from saraban.permissions import can_read_pendency
    from saraban.reports.operations import AGES, pendency

    if not can_read_pendency(user):
        return []
    rows = pendency(user, today - dt.timedelta(days=90), today)
    per_unit: dict[int, dict] = {}
    for row in rows:
        bar = per_unit.setdefault(row.unit.id, {"unit": row.unit, "ages": [0] * len(AGES)})
        bar["ages"] = [a + b for a, b in zip(bar["ages"], row.waiting, strict=True)]
    bars = sorted((b for b in per_unit.values() if sum(b["ages"])),
                  key=lambda b: -sum(b["ages"]))[:12]
    widest = max((sum(b["ages"]) for b in bars), default=0) or 1
    for bar in bars:
        bar["total"] = sum(bar["ages"])
        bar["widths"] = [round(100 * n / widest, 1) for n in bar["ages"]]
    return bars
