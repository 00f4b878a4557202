"""Units of the organisation, outside agencies, people, positions and delegations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from saraban.db import Base, StrEnum, TimestampMixin, enum_column


class Unit(TimestampMixin, Base):
    """An office in the organisation's tree: ตร. > สทส. > บก.อก.สทส. > ฝอ.๒ บก.อก.สทส."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    short_name: Mapped[str] = mapped_column(String(80), unique=True)
    name_th: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str | None] = mapped_column(String(255))
    # เลขประจำของเจ้าของเรื่อง, e.g. ๐๐๓๓.๑๒, kept in Arabic digits and shown in Thai.
    doc_code: Mapped[str | None] = mapped_column(String(40))
    # the unit's default review line for outgoing letters: user ids, the signer last
    review_line: Mapped[list | None] = mapped_column(JSON)
    # The name the unit's receipt stamp carries, where it differs from the short name.
    stamp_name: Mapped[str | None] = mapped_column(String(120))
    # The letterhead (หัวหนังสือ): the agency's letter code that precedes doc_code in ที่
    # ("ตช" in "ที่ ตช ๐๐๓๓.๑๒/๕๐๕๒"), set on the agency's top unit and inherited below it;
    # the address, likewise inherited; and the unit's own telephone, fax and e-mail, printed
    # under ส่วนราชการเจ้าของเรื่อง.
    letter_code: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(Text)
    telephone: Mapped[str | None] = mapped_column(String(80))
    fax: Mapped[str | None] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(255))
    keeps_registers: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Unit]] = relationship(back_populates="parent", order_by="Unit.id")

    __table_args__ = (
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
    )

    def __repr__(self) -> str:
        return f"<Unit {self.short_name}>"


class Agency(TimestampMixin, Base):
    """An outside organisation (สพร.), possibly a peer saraban for the exchange."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    short_name: Mapped[str] = mapped_column(String(80))
    name_th: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str | None] = mapped_column(String(255))
    # The e-CMS party codes (กระทรวง / กรม), where known.
    ministry_code: Mapped[str | None] = mapped_column(String(20))
    department_code: Mapped[str | None] = mapped_column(String(20))
    # Where a letter to the agency goes: its address for the post, its saraban@ e-mail.
    address: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(255))


CIVIL_TITLES = frozenset({"นาย", "นาง", "นางสาว"})


class Person(TimestampMixin, Base):
    """A signer or officer: rank or title, first and last name."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    rank: Mapped[str | None] = mapped_column(String(40))  # พล.ต.ต., นาง
    first_name: Mapped[str] = mapped_column(String(120))
    last_name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(255))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)

    agency: Mapped[Agency | None] = relationship()
    holdings: Mapped[list[PositionHolding]] = relationship(back_populates="person")

    __table_args__ = (Index("ix_person_name", "first_name", "last_name"),)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def display_name(self) -> str:
        return f"{self.rank} {self.full_name}" if self.rank else self.full_name

    @property
    def signature_name(self) -> str:
        """The name under a signature: a rank stands above the bracketed name (พล.ต.ต. /
        (กฤษฎา สุรเชษฐพงษ์)); a title goes inside the brackets ((นางไอรดา เหลืองวิไล))."""
        if self.rank and self.rank in CIVIL_TITLES:
            return f"({self.rank}{self.full_name})"
        if self.rank:
            return f"{self.rank}\n({self.full_name})"
        return f"({self.full_name})"


class Position(TimestampMixin, Base):
    """A post that people hold and sign for: ผบช.สทส., ผู้ช่วย ผบ.ตร."""

    __tablename__ = "position"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))  # as signed: ผู้ช่วย ผบ.ตร.
    full_title: Mapped[str | None] = mapped_column(String(255))
    is_head: Mapped[bool] = mapped_column(Boolean, default=False)

    unit: Mapped[Unit | None] = relationship()
    agency: Mapped[Agency | None] = relationship()

    __table_args__ = (
        CheckConstraint("unit_id IS NULL OR agency_id IS NULL", name="one_owner"),
    )


class PositionHolding(Base):
    """A person holding a position over a period."""

    __tablename__ = "position_holding"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("position.id"), index=True)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(back_populates="holdings")
    position: Mapped[Position] = relationship()

    __table_args__ = (
        CheckConstraint(
            "end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="period"
        ),
    )


class DelegationKind(StrEnum):
    """How a person acts for a position; decides how the signature line reads."""

    ON_BEHALF = "on_behalf"  # ปฏิบัติราชการแทน (ปรท.)
    ACTING = "acting"  # รักษาราชการแทน (รรท.)
    DOING_FOR = "doing_for"  # ทำการแทน
    CARETAKER = "caretaker"  # รักษาการแทน (public organisations, e.g. สพร.)


DELEGATION_ABBR = {
    DelegationKind.ON_BEHALF: "ปรท.",
    DelegationKind.ACTING: "รรท.",
    DelegationKind.DOING_FOR: "ทำการแทน",
    DelegationKind.CARETAKER: "รักษาการแทน",
}
DELEGATION_LABEL = {
    DelegationKind.ON_BEHALF: "ปฏิบัติราชการแทน",
    DelegationKind.ACTING: "รักษาราชการแทน",
    DelegationKind.DOING_FOR: "ทำการแทน",
    DelegationKind.CARETAKER: "รักษาการแทน",
}


class Delegation(TimestampMixin, Base):
    """A person acting for a position over a period (by an order, คำสั่ง)."""

    __tablename__ = "delegation"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("position.id"), index=True)
    kind: Mapped[DelegationKind] = enum_column(DelegationKind, "kind")
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    authority: Mapped[str | None] = mapped_column(Text)  # the order that grants it

    person: Mapped[Person] = relationship()
    position: Mapped[Position] = relationship()

    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="period"),
    )

    def in_force(self, on: dt.date) -> bool:
        return self.start_date <= on and (self.end_date is None or on <= self.end_date)
