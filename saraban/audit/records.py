"""Digests of the records the audit trail speaks for, so that ``saraban audit verify``
proves the rows as well as the log.

Every record kind has one digest function: the SHA-256 of the canonical JSON of its kind,
its id and the fields listed here, read back from the database (so that what is written
at an event and what verify recomputes go through the same types on every engine). Each
audit event carries the digests of the records changed since the previous event of the
transaction (``record_digests: {"receipt:12": "..."}``; ``null`` for a row deleted),
and verify compares every row's digest with the last one the chain holds for it.

Nothing has to remember it: a session hook notes each new, changed (in a digested
field) or deleted row of these kinds at every flush; ``record()`` takes what was noted;
and a commit with changes noted after the last event writes a ``records.sync`` event for
them, so that no change escapes the chain. A change made with a bulk UPDATE (not through
the ORM) is not seen: none of the digested fields is changed that way.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from sqlalchemy import select

# kind -> (model path, the digested columns); every column unless named.
# Documents: what identifies and classifies them (the fields locked once numbered, the
# secrecy and the record-keeping ones), not the body. Users: what grants access.
_SPECS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "document": ("saraban.documents.models:Document",
                 ("kind", "number", "doc_date", "subject", "secrecy", "urgency", "status",
                  "origin_unit_id", "origin_agency_id", "signer_id", "signature_text",
                  "created_by_id", "retention_years", "keep_forever", "destroyed_at")),
    "receipt": ("saraban.registers.models:Receipt", None),
    "dispatch": ("saraban.registers.models:Dispatch", None),
    "transfer": ("saraban.routing.models:Transfer", None),
    "endorsement": ("saraban.endorsements.models:Endorsement", None),
    "endorsement_line": ("saraban.endorsements.models:EndorsementLine", None),
    "order": ("saraban.endorsements.models:Order", None),
    "certified_copy": ("saraban.copies.models:CertifiedCopy", None),
    "user": ("saraban.accounts.models:User",
             ("username", "password_hash", "clearance", "sees_all", "is_sysadmin", "active",
              "totp_enabled", "totp_secret", "person_id")),
    "membership": ("saraban.accounts.models:Membership", None),
    "api_token": ("saraban.accounts.models:ApiToken",
                  ("user_id", "token_hash", "prefix", "revoked_at")),
    # a named reader is what opens a secret document: a row planted by SQL must show
    "document_reader": ("saraban.documents.models:DocumentReader", None),
}


@dataclass(frozen=True)
class RecordKind:
    name: str
    model: type
    columns: tuple  # the Column objects digested, id first excluded

    @property
    def table(self):
        return self.model.__table__


_KINDS: dict[str, RecordKind] = {}
_BY_MODEL: dict[type, RecordKind] = {}


def kinds() -> dict[str, RecordKind]:
    if not _KINDS:
        import importlib

        for name, (where, names) in _SPECS.items():
            module, cls = where.split(":")
            model = getattr(importlib.import_module(module), cls)
            table = model.__table__
            columns = tuple(table.c[c] for c in names) if names else tuple(
                c for c in table.columns if c.name != "id")
            _KINDS[name] = RecordKind(name, model, columns)
        _BY_MODEL.update({kind.model: kind for kind in _KINDS.values()})
    return _KINDS


def kind_of(obj) -> RecordKind | None:
    kinds()
    return _BY_MODEL.get(type(obj))


_AS_IS = (str, int, bool, float, type(None))


def _plain(value):
    if type(value) in _AS_IS:  # noqa: E721  (the common case, first and fast)
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def digest(kind: str, row_id: int, values: Iterable) -> str:
    """The SHA-256 of a record's canonical JSON: its kind, id and digested fields."""
    raw = json.dumps([kind, row_id, [_plain(v) for v in values]], ensure_ascii=False,
                     sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def _select(kind: RecordKind):
    return select(kind.table.c.id, *kind.columns)


def current_digests(connection, kind: RecordKind, ids: Iterable[int] | None = None,
                    batch: int = 5000) -> Iterator[tuple[int, str]]:
    """``(id, digest)`` of the rows of one kind as they are now (all of them, or ``ids``)."""
    if ids is None:
        result = connection.execute(_select(kind).order_by(kind.table.c.id),
                                    execution_options={"yield_per": batch})
        try:
            for row in result:
                yield row[0], digest(kind.name, row[0], row[1:])
        finally:
            result.close()
        return
    ids = sorted(ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in connection.execute(_select(kind).where(kind.table.c.id.in_(chunk))):
            yield row[0], digest(kind.name, row[0], row[1:])


def digests_of(session, keys: Iterable[tuple[str, int]]) -> dict[str, str | None]:
    """``{"kind:id": digest}`` for the records named, read from the database now (a row
    that is no longer there: None, it was deleted)."""
    wanted: dict[str, set[int]] = {}
    for name, row_id in keys:
        wanted.setdefault(name, set()).add(row_id)
    out: dict[str, str | None] = {}
    connection = session.connection()
    for name in sorted(wanted):
        found = dict(current_digests(connection, kinds()[name], wanted[name]))
        for row_id in sorted(wanted[name]):
            out[f"{name}:{row_id}"] = found.get(row_id)
    return out


# -- noting the changed rows at every flush ---------------------------------------------

PENDING = "saraban_audit_records"


def _changed(obj, kind: RecordKind) -> bool:
    """Whether a digested field of ``obj`` changed in this flush."""
    from sqlalchemy import inspect

    state = inspect(obj)
    digested = set(kind.columns)
    return any(state.attrs[attr.key].history.has_changes()
               for attr in state.mapper.column_attrs if attr.columns[0] in digested)


def note_changes(session, flush_context) -> None:
    """After each flush: note the digested rows it added, changed or deleted."""
    noted = None
    # deleted: those named (session.deleted) and those the flush found (orphans, cascades)
    deleted = [state.obj() for state, (is_delete, list_only) in flush_context.states.items()
               if is_delete and not list_only]
    for obj in [*session.new, *deleted]:
        kind = kind_of(obj)
        if kind is not None and obj.id is not None:
            noted = noted if noted is not None else session.info.setdefault(PENDING, set())
            noted.add((kind.name, obj.id))
    for obj in session.dirty:
        kind = kind_of(obj)
        if kind is not None and obj.id is not None and _changed(obj, kind):
            noted = noted if noted is not None else session.info.setdefault(PENDING, set())
            noted.add((kind.name, obj.id))


def take_pending(session) -> dict[str, str | None] | None:
    """The digests of the rows noted since the last event (and forget them)."""
    noted = session.info.pop(PENDING, None)
    if not noted:
        return None
    return digests_of(session, noted)


def sync_before_commit(session) -> None:
    """A change noted after the transaction's last event gets an event of its own."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    if session.info.get(PENDING):
        from saraban.audit.operations import record_on

        record_on(session, "records.sync", details={"count": len(session.info[PENDING])})


def forget_on_rollback(session, previous_transaction) -> None:
    """After the outermost rollback: nothing noted was kept."""
    if not session.in_transaction():
        session.info.pop(PENDING, None)


# -- verifying the rows against the chain -----------------------------------------------

@dataclass
class RecordProblem:
    key: str  # "receipt:12"
    problem: str  # "changed", "deleted", "unaudited", "reappeared"


@dataclass
class RecordsReport:
    rows: int = 0
    checked: int = 0
    problems: list[RecordProblem] | None = None
    unaudited: int = 0
    seconds: float = 0.0
    read_seconds: float = 0.0  # of which reading the rows from the database
    total_problems: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def tampered(self) -> list[RecordProblem]:
        return [p for p in self.problems or () if p.problem != "unaudited"]

    def named(self, limit: int = 20) -> str:
        shown = ", ".join(f"{p.key} {p.problem}" for p in (self.problems or [])[:limit])
        more = len(self.problems or ()) - limit
        return shown + (f", ... ({more} more)" if more > 0 else "")


def verify_records(connection, expected: dict[str, str | None], batch: int = 5000,
                   keep: int = 1000) -> RecordsReport:
    """Recompute the digest of every row of every kind and compare it with the last one
    the chain holds (``expected``, consumed). Names each row changed since (``changed``),
    gone (``deleted``), back after its deletion (``reappeared``) or never audited at all
    (``unaudited``: made before record digests, or inserted behind saraban's back); at most
    ``keep`` rows are named, all are counted."""
    import time

    started = time.perf_counter()
    report = RecordsReport(problems=[])
    counted = 0

    def note(key: str, problem: str) -> None:
        nonlocal counted
        counted += 1
        if len(report.problems) < keep:
            report.problems.append(RecordProblem(key, problem))

    read = 0.0
    for name, kind in kinds().items():
        query = _select(kind).order_by(kind.table.c.id)
        tick = time.perf_counter()
        result = connection.execute(query, execution_options={"yield_per": batch})
        try:
            rows = result.partitions()
            while True:
                tick = time.perf_counter()
                part = next(rows, None)
                read += time.perf_counter() - tick
                if part is None:
                    break
                for row in part:
                    report.rows += 1
                    key = f"{name}:{row[0]}"
                    want = expected.pop(key, _ABSENT)
                    if want is _ABSENT:
                        report.unaudited += 1
                        note(key, "unaudited")
                        continue
                    report.checked += 1
                    if want is None:
                        note(key, "reappeared")
                    elif digest(name, row[0], row[1:]) != want:
                        note(key, "changed")
        finally:
            result.close()
    for key, want in expected.items():
        if want is not None and key.split(":", 1)[0] in _SPECS:
            note(key, "deleted")
    report.problems.sort(key=lambda p: (p.problem == "unaudited", p.key))
    report.seconds = time.perf_counter() - started
    report.read_seconds = read
    report.total_problems = counted
    return report


_ABSENT = object()
