"""Loads the seed chain from ``sample_docs/`` into the database.

Idempotent: units, people and registers are matched by their natural keys, documents by
their ``source_key``; a document already loaded is left as it is, with everything on it.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import click
import yaml
from flask import current_app
from sqlalchemy import select

from saraban import PROJECT_ROOT
from saraban.accounts.models import Membership, Role, User
from saraban.audit.operations import record
from saraban.copies.models import CertifiedCopy
from saraban.documents.history import bangkok_midnight
from saraban.documents.models import (
    Document,
    DocumentKind,
    DocumentReference,
    DocumentStatus,
    Enclosure,
    ReferenceRelation,
)
from saraban.documents.operations import clean_number, normalize_number
from saraban.endorsements.models import Endorsement, EndorsementLine, EndorsementStatus
from saraban.extensions import db
from saraban.registers.models import Dispatch, EntryMode, Receipt, Register, RegisterKind
from saraban.routing.models import Purpose, Transfer, TransferKind, TransferStatus
from saraban.thaidate import BANGKOK, parse_date, parse_time, to_arabic_digits
from saraban.units.models import (
    Agency,
    Delegation,
    DelegationKind,
    Person,
    Position,
    PositionHolding,
    Unit,
)

SAMPLE_DIR = PROJECT_ROOT / "sample_docs"


@dataclass
class LoadReport:
    created_documents: int = 0
    new_logins: list[tuple[str, str]] = field(default_factory=list)
    logins_file: Path | None = None


def logins_path() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "demo-logins.txt"


class _Loader:
    def __init__(self, sample_dir: Path):
        self.dir = sample_dir
        self.units: dict[str, Unit] = {}
        self.agencies: dict[str, Agency] = {}
        self.people: dict[str, Person] = {}
        self.positions: dict[str, Position] = {}
        self.documents: dict[str, Document] = {}
        self.s = db.session

    # -- organisation -------------------------------------------------------------------
    def organisation(self, data: dict) -> None:
        for a in data.get("agencies", []):
            agency = self.s.scalar(select(Agency).where(Agency.code == a["code"]))
            if agency is None:
                agency = Agency(**a)
                self.s.add(agency)
            self.agencies[a["code"]] = agency
        for u in data.get("units", []):
            self._unit(u, None)
        for p in data.get("people", []):
            person = self.s.scalar(
                select(Person).where(
                    Person.first_name == p["first_name"], Person.last_name == p["last_name"]
                )
            )
            if person is None:
                person = Person(
                    rank=p.get("rank"),
                    first_name=p["first_name"],
                    last_name=p["last_name"],
                    agency=self.agencies.get(p.get("agency")),
                )
                self.s.add(person)
            self.people[p["key"]] = person
        self.s.flush()
        for p in data.get("positions", []):
            unit = self.units.get(p.get("unit"))
            agency = self.agencies.get(p.get("agency"))
            owner = Position.unit_id == unit.id if unit else Position.agency_id == agency.id
            position = self.s.scalar(
                select(Position).where(Position.title == p["title"], owner)
            )
            if position is None:
                position = Position(
                    unit=unit,
                    agency=agency,
                    title=p["title"],
                    full_title=p.get("full_title"),
                    is_head=p.get("is_head", False),
                )
                self.s.add(position)
                for key in p.get("holders", []):
                    self.s.add(PositionHolding(person=self.people[key], position=position))
            self.positions[p["key"]] = position
        self.s.flush()
        for d in data.get("delegations", []):
            person, position = self.people[d["person"]], self.positions[d["position"]]
            start = parse_date(d["start"])
            exists = self.s.scalar(
                select(Delegation).where(
                    Delegation.person_id == person.id,
                    Delegation.position_id == position.id,
                    Delegation.start_date == start,
                )
            )
            if exists is None:
                self.s.add(
                    Delegation(
                        person=person,
                        position=position,
                        kind=DelegationKind(d["kind"]),
                        start_date=start,
                        end_date=parse_date(d["end"]) if d.get("end") else None,
                        authority=d.get("authority"),
                    )
                )
        for r in data.get("registers", []):
            self._register(r, create=True)
        self.s.flush()

    def _unit(self, data: dict, parent: Unit | None) -> None:
        unit = self.s.scalar(select(Unit).where(Unit.short_name == data["short_name"]))
        if unit is None:
            unit = Unit(
                parent=parent,
                short_name=data["short_name"],
                name_th=data["name_th"],
                name_en=data.get("name_en"),
                doc_code=data.get("doc_code"),
                stamp_name=data.get("stamp_name"),
                letter_code=data.get("letter_code"),
                address=(data.get("address") or "").strip() or None,
                keeps_registers=data.get("keeps_registers", False),
            )
            self.s.add(unit)
        self.units[unit.short_name] = unit
        for child in data.get("children", []):
            self._unit(child, unit)

    def _register(self, ref: dict, create: bool = False) -> Register:
        unit = self.units[ref["unit"]]
        kind = RegisterKind(ref["kind"])
        register = self.s.scalar(
            select(Register).where(
                Register.unit_id == unit.id, Register.kind == kind, Register.code == ref["code"]
            )
        )
        if register is None:
            if not create:
                raise ValueError(f"no register {ref}")
            register = Register(
                unit=unit,
                kind=kind,
                code=ref["code"],
                name=ref["name"],
                is_secret=ref.get("is_secret", False),
                series=ref.get("series", ""),
                for_orders=ref.get("for_orders", False),
            )
            self.s.add(register)
        return register

    # -- users --------------------------------------------------------------------------
    def users(self, data: dict, report: LoadReport) -> None:
        for u in data.get("users", []):
            if self.s.scalar(select(User.id).where(User.username == u["username"])):
                continue
            password = secrets.token_urlsafe(9)
            user = User(
                username=u["username"],
                display_name=u["display_name"],
                person=self.people.get(u.get("person")),
                sees_all=u.get("sees_all", False),
                is_sysadmin=u.get("is_sysadmin", False),
                clearance=u.get("clearance", 0),
            )
            user.set_password(password)
            for m in u.get("memberships", []):
                user.memberships.append(
                    Membership(
                        unit=self.units[m["unit"]],
                        role=Role(m["role"]),
                        with_subunits=m.get("with_subunits", False),
                    )
                )
            self.s.add(user)
            report.new_logins.append((u["username"], password))

    def signing_certificates(self) -> None:
        """A demo CA for the agency, and a signing certificate for each demo account that
        is a person (one who can sign): so that a letter can be signed in the demo."""
        from saraban.signing import ca
        from saraban.signing.operations import has_certificate

        self.s.flush()
        if not ca.has_ca():
            ca.init_ca("สำนักงานตำรวจแห่งชาติ (ทดลอง)")
        for user in self.s.scalars(select(User).where(User.person_id.is_not(None),
                                                      User.username.like("demo-%"))):
            if not has_certificate(user):
                ca.issue(user)

    def drafts(self, data: dict) -> None:
        """Drafts in review, made and sent up their line by the operations themselves."""
        from saraban.drafts.models import Draft
        from saraban.drafts.operations import create_draft, submit_draft

        self.s.flush()
        for d in data.get("drafts", []):
            author = self.s.scalar(select(User).where(User.username == d["by"]))
            subject = d["fields"]["subject"]
            if author is None or self.s.scalar(select(Draft.id).where(
                    Draft.created_by_id == author.id, Draft.subject == subject)):
                continue
            draft = create_draft(author, {"kind": d["kind"], "fields": d["fields"],
                                          "body": d.get("body", ""),
                                          "unit_id": self.units[d["unit"]].id})
            line = [self.s.scalar(select(User.id).where(User.username == name))
                    for name in d.get("line", [])]
            if line:
                submit_draft(author, draft.id, line)

    # -- documents ----------------------------------------------------------------------
    def document(self, data: dict) -> bool:
        existing = self.s.scalar(select(Document).where(Document.source_key == data["key"]))
        if existing is not None:
            self.documents[data["key"]] = existing
            return False
        doc = Document(
            source_key=data["key"],
            kind=DocumentKind(data["kind"]),
            number=clean_number(data.get("number")),
            number_norm=normalize_number(data.get("number")),
            doc_date=parse_date(data["date"]) if data.get("date") else None,
            subject=data["subject"],
            addressee=data.get("addressee"),
            sender_text=data.get("sender_text"),
            origin_unit=self.units.get(data.get("origin_unit")),
            origin_agency=self.agencies.get(data.get("origin_agency")),
            signer=self.people.get(data.get("signer")),
            signature_text=data.get("signature_text"),
            body=data.get("body"),
            remarks=data.get("remarks"),
            status=DocumentStatus.REGISTERED,
        )
        self.s.add(doc)
        for i, ref in enumerate(data.get("references", [])):
            doc.references.append(
                DocumentReference(
                    position=i,
                    relation=ReferenceRelation(ref["relation"]),
                    target=self.documents[ref["target"]] if ref.get("target") else None,
                    text=ref["text"],
                    note=ref.get("note"),
                )
            )
        for i, text in enumerate(data.get("enclosures", [])):
            doc.enclosures.append(Enclosure(position=i, description=text))
        self.s.flush()

        if "dispatch" in data:
            d = data["dispatch"]
            register = self._register(d["register"])
            day = parse_date(d["date"])
            number = int(to_arabic_digits(d["number"]))
            dispatch = Dispatch(
                register=register,
                document=doc,
                year=day.year,
                number=number,
                number_text=doc.number,
                dispatched_at=_at(day, d.get("time")),
                time_known=bool(d.get("time")),
                to_text=d.get("to_text"),
                mode=EntryMode.HISTORIC,
                source_text=d.get("ocr"),
            )
            dispatch.snapshot(doc)
            self.s.add(dispatch)
        for r in data.get("receipts", []):
            self._receipt(doc, r)
        for t in data.get("transfers", []):
            self.s.add(self._transfer(doc, t))
        for e in data.get("endorsements", []):
            self._endorsement(doc, e)
        if "certified_copy_of" in data:
            c = data["certified_copy_of"]
            self.s.add(
                CertifiedCopy(
                    source=self.documents[c["source"]],
                    copy=doc,
                    certified_by=self.people.get(c.get("certified_by")),
                    certifier_text=c.get("certifier_text"),
                    certified_on=parse_date(c["date"]),
                )
            )
        self.s.flush()
        record("document.import", obj=doc, document_id=doc.id, unit_id=doc.origin_unit_id,
               details={"source_key": doc.source_key, "number": doc.number})
        self.documents[data["key"]] = doc
        return True

    def _receipt(self, doc: Document, r: dict) -> None:
        register = self._register(r["register"])
        day = parse_date(r["date"])
        at = _at(day, r.get("time"))
        source = r.get("ocr")
        if r.get("correction"):
            source = f"{source}\n[แก้ไข] {r['correction']}"
        receipt = Receipt(
            register=register,
            document=doc,
            year=day.year,
            number=int(to_arabic_digits(r["number"])),
            received_at=at,
            time_known=bool(r.get("time")),
            mode=EntryMode.HISTORIC,
            source_text=source,
        )
        receipt.snapshot(doc)
        self.s.add(receipt)
        self.s.flush()
        came = r.get("came_by")
        if came:
            t = self._transfer(doc, {**came, "to_unit": register.unit.short_name})
            t.receipt_id = receipt.id
            t.status = TransferStatus.ACCEPTED
            t.accepted_at = at
            self.s.add(t)

    def _transfer(self, doc: Document, t: dict) -> Transfer:
        sent_day = parse_date(t["date"]) if t.get("date") else None
        return Transfer(
            document=doc,
            kind=TransferKind(t["kind"]),
            purpose=Purpose(t.get("purpose", "other")),
            purpose_text=t.get("purpose_text"),
            from_unit=self.units.get(t.get("from_unit")),
            from_agency=self.agencies.get(t.get("from_agency")),
            to_unit=self.units.get(t.get("to_unit")),
            to_text=t.get("to_text"),
            sent_at=_at(sent_day, t.get("time")) if sent_day else None,
            sent_time_known=bool(t.get("time")),
            status=TransferStatus.RECORDED,  # from paper: nothing waits on it
            note=t.get("note"),
        )

    def _endorsement(self, doc: Document, e: dict) -> None:
        day = parse_date(e["date"])
        acting = e.get("acting")
        signer = self.people[e["signer"]]
        delegation = None
        if acting:
            position = self.positions[acting["position"]]
            delegation = self.s.scalar(
                select(Delegation).where(
                    Delegation.person_id == signer.id,
                    Delegation.position_id == position.id,
                    Delegation.start_date <= day,
                    (Delegation.end_date.is_(None)) | (Delegation.end_date >= day),
                )
            )
            if delegation is None:
                raise ValueError(f"no delegation in force for {e['signer']} on {day}")
        source = e.get("ocr")
        if e.get("correction"):
            source = f"{source}\n[แก้ไข] {e['correction']}"
        endorsement = Endorsement(
            document=doc,
            unit=self.units.get(e.get("unit")),
            signer=signer,
            position=self.positions.get(e.get("position")),
            delegation=delegation,
            acting_kind=DelegationKind(acting["kind"]) if acting else None,
            acting_position=self.positions[acting["position"]] if acting else None,
            signature_text=e["signature_text"],
            status=EndorsementStatus.SIGNED,
            signed_at=_at(day, e.get("time")),
            time_known=bool(e.get("time")),
            source_text=source,
        )
        for i, text in enumerate(e["lines"]):
            endorsement.lines.append(EndorsementLine(position=i, text=text))
        self.s.add(endorsement)


def _at(day: dt.date, time_text: str | None) -> dt.datetime:
    if not time_text:
        return bangkok_midnight(day)
    return dt.datetime.combine(day, parse_time(time_text), tzinfo=BANGKOK)


def load_samples(sample_dir: Path | None = None, progress: bool = False) -> LoadReport:
    """Load the organisation and the documents: one unit of work, committed at the end (a
    sample that fails to load leaves nothing half-loaded)."""
    from saraban.transaction import unit_of_work

    sample_dir = sample_dir or SAMPLE_DIR
    report = LoadReport()
    loader = _Loader(sample_dir)
    with open(sample_dir / "organisation.yaml", encoding="utf-8") as fh:
        organisation = yaml.safe_load(fh)
    files = sorted((sample_dir / "documents").glob("*.yaml"))
    with unit_of_work("the samples"):
        loader.organisation(organisation)
        loader.users(organisation, report)
        loader.signing_certificates()
        with (
            open(os.devnull, "w") as devnull,
            click.progressbar(
                files, label="หนังสือตัวอย่าง", show_pos=True, file=None if progress else devnull
            ) as bar,
        ):
            for path in bar:
                with open(path, encoding="utf-8") as fh:
                    if loader.document(yaml.safe_load(fh)):
                        report.created_documents += 1
        loader.drafts(organisation)
    if report.new_logins:
        path = logins_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("บัญชีทดลองใช้ (demo logins)\n")
            for username, password in report.new_logins:
                fh.write(f"  {username:16} {password}\n")
        report.logins_file = path
    return report
