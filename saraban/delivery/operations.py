"""Sending a numbered letter to each destination by its channel (flush, never commit).

``check_destinations`` reads what the clerk chose before anything is numbered (so that a
mistyped tracking number or an unknown peer costs no number); ``send_to_destinations`` then
hands the letter to each channel in the same transaction as its number: a transfer to a
unit, the exchange and e-CMS outboxes (sent by their workers, retried, never twice), and a
post or hand delivery that waits for its tracking number or the receiver's signature.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from saraban.accounts.models import User
from saraban.audit.operations import record
from saraban.db import begin_write, utcnow
from saraban.delivery.models import (
    CHANNEL_NAMES,
    STATUS_NAMES,
    Channel,
    Delivery,
    DeliveryStatus,
)
from saraban.extensions import db
from saraban.validation import OperationError, clean_text, is_row_id

MAX_DESTINATIONS = 200
_S10 = re.compile(r"^([A-Z]{2})(\d{8})(\d)([A-Z]{2})$")
_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


class DeliveryError(OperationError):
    """A refusal about a destination."""


def s10_check_digit(serial: str) -> int:
    """The UPU S10 check digit of an 8-digit serial (the post's EX 1234 5678 5 TH)."""
    total = sum(int(d) * w for d, w in zip(serial, _WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def read_tracking(value, field: str = "tracking") -> str | None:
    """A tracking number as the post prints it (spaces and case forgiven), its check digit
    verified: a typo is refused instead of sent to the wrong parcel."""
    text = clean_text(value, field, "เลขพัสดุ", max_length=40)
    if not text:
        return None
    flat = re.sub(r"[\s-]", "", text).upper()
    match = _S10.match(flat)
    if not match:
        raise DeliveryError("เลขพัสดุต้องเป็นตัวอักษร ๒ ตัว ตัวเลข ๙ หลัก และตัวอักษร ๒ ตัว "
                            "เช่น EF123456785TH",
                            "A tracking number is 2 letters, 9 digits and 2 letters "
                            "(EF123456785TH).", field=field)
    if s10_check_digit(match[2]) != int(match[3]):
        raise DeliveryError("เลขพัสดุไม่ถูกต้อง (ตัวเลขตรวจสอบไม่ตรง) กรุณาตรวจสอบอีกครั้ง",
                            "The tracking number's check digit is wrong.", field=field)
    return flat


def _refuse(i: int, th: str, en: str, status: int = 400) -> DeliveryError:
    return DeliveryError(f"ปลายทางที่ {i + 1}: {th}", f"Destination {i + 1}: {en}",
                         status=status, field="destinations")


def check_destinations(user: User, draft, destinations) -> list[dict]:
    """The destinations as they will be sent, each {channel, label, ...}; refused as a
    whole, before any number is taken, when one of them cannot be used."""
    from saraban.exchange.models import Peer
    from saraban.units.models import Unit

    if not isinstance(destinations, list) or not destinations:
        raise DeliveryError("กรุณาเลือกปลายทางอย่างน้อยหนึ่งแห่ง",
                            "'destinations' must list at least one destination.",
                            field="destinations")
    if len(destinations) > MAX_DESTINATIONS:
        raise DeliveryError(f"ส่งได้ครั้งละไม่เกิน {MAX_DESTINATIONS} ปลายทาง",
                            f"At most {MAX_DESTINATIONS} destinations.", field="destinations")
    planned, seen = [], set()
    for i, item in enumerate(destinations):
        if not isinstance(item, dict):
            raise _refuse(i, "ข้อมูลไม่ถูกต้อง", "must be an object.")
        try:
            channel = Channel(item.get("channel"))
        except ValueError:
            raise _refuse(i, "กรุณาเลือกช่องทางการส่ง", "'channel' must be one of "
                          + ", ".join(c.value for c in Channel) + ".") from None
        row = {"channel": channel.value, "label": "", "to_unit_id": None, "peer_code": None,
               "address": None, "tracking": None}
        if channel == Channel.TRANSFER:
            unit_id = item.get("unit_id")
            unit = db.session.get(Unit, int(unit_id)) if is_row_id(unit_id) else None
            if unit is None or not unit.is_active:
                raise _refuse(i, "ไม่พบหน่วยปลายทาง", "no such unit.", 404)
            if unit.id == draft.unit_id:
                raise _refuse(i, "ส่งถึงหน่วยเจ้าของเรื่องเองไม่ได้", "that is the letter's own "
                              "unit.")
            row.update(to_unit_id=unit.id, label=unit.short_name)
        elif channel == Channel.EXCHANGE:
            code = item.get("peer")
            code = code.strip().upper() if isinstance(code, str) and code.isprintable() else ""
            peer = db.session.scalar(select(Peer).where(Peer.code == code, Peer.active))
            if peer is None:
                raise _refuse(i, "ไม่พบหน่วยงานปลายทางที่รับส่งหนังสือกันได้",
                              f"no active peer '{code}'.", 404)
            row.update(peer_code=peer.code, label=peer.name)
        elif channel == Channel.ECMS:
            from saraban.exchange.ecms.models import EcmsOrganization

            org_id = str(item.get("organization") or "").strip()
            org = db.session.scalar(select(EcmsOrganization).where(
                EcmsOrganization.organization_id == org_id)) if org_id.isdigit() else None
            if org is None:
                raise _refuse(i, "ไม่พบหน่วยงานในทะเบียนหน่วยงานของ e-CMS",
                              "no such organisation in the e-CMS directory.", 404)
            row.update(peer_code=org.organization_id, label=org.th_name)
        elif channel == Channel.EMAIL:
            row.update(_email_destination(i, item, draft))
        else:
            name = clean_text(item.get("name"), "name", "ชื่อผู้รับ", max_length=300,
                              required=True)
            address = clean_text(item.get("address"), "address", "ที่อยู่", max_length=1000,
                                 multiline=True, required=channel != Channel.HAND)
            tracking = read_tracking(item.get("tracking")) if channel in (
                Channel.POST_REGISTERED, Channel.POST_EMS) else None
            row.update(label=name, address=address, tracking=tracking)
        key = (row["channel"], row["to_unit_id"], row["peer_code"], row["label"])
        if key in seen:
            raise _refuse(i, "ปลายทางนี้ซ้ำกับปลายทางก่อนหน้า", "the same destination twice.")
        seen.add(key)
        planned.append(row)
    return planned


def _email_destination(i: int, item: dict, draft) -> dict:
    """An agency's saraban@ address: the one kept on the agency (``agency_id``), or typed
    (``email``). A secret letter does not go by e-mail."""
    from saraban.units.models import Agency

    if draft.secrecy:
        raise _refuse(i, "หนังสือลับไม่ส่งทางไปรษณีย์อิเล็กทรอนิกส์",
                      "secret letters are not sent by e-mail.", 409)
    agency = db.session.get(Agency, int(item["agency_id"])) if is_row_id(
        item.get("agency_id")) else None
    address = (agency.email if agency else None) or clean_text(
        item.get("email"), "email", "ไปรษณีย์อิเล็กทรอนิกส์", max_length=255)
    if not address or not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
        raise _refuse(i, "กรุณาระบุที่อยู่ไปรษณีย์อิเล็กทรอนิกส์ของหน่วยงานปลายทาง เช่น "
                      "saraban@agency.go.th", "an e-mail address is needed "
                      "(saraban@agency.go.th).")
    label = agency.name_th if agency else address
    return {"label": label, "address": address}


def send_to_destinations(user: User, draft, dispatch, planned: list[dict]) -> list[Delivery]:
    """Hand the numbered letter to each planned destination (see check_destinations)."""
    from saraban.exchange.ecms.sending import queue_letter
    from saraban.exchange.sending import exchange_document
    from saraban.routing.operations import send_transfers

    begin_write(db.session)
    now = utcnow().replace(microsecond=0)
    document_id = dispatch.document_id
    made = []
    units = [row["to_unit_id"] for row in planned if row["channel"] == Channel.TRANSFER]
    transfers = {}
    if units:
        sent = send_transfers(user, document_id, units, purpose="inform",
                              from_unit_id=draft.unit_id)
        transfers = {t.to_unit_id: t for t in sent}
    for position, row in enumerate(planned):
        delivery = Delivery(dispatch_id=dispatch.id, document_id=document_id,
                            position=position, channel=row["channel"], label=row["label"],
                            address=row["address"], to_unit_id=row["to_unit_id"],
                            peer_code=row["peer_code"], tracking=row["tracking"],
                            status=DeliveryStatus.QUEUED, created_at=now,
                            created_by_id=user.id)
        channel = Channel(row["channel"])
        if channel == Channel.TRANSFER:
            transfer = transfers.get(row["to_unit_id"])
            delivery.transfer_id = transfer.id if transfer else None
            delivery.status, delivery.sent_at = DeliveryStatus.SENT, now
        elif channel == Channel.EXCHANGE:
            delivery.message_ref = exchange_document(user, document_id, row["peer_code"]).id
        elif channel == Channel.ECMS:
            delivery.message_ref = queue_letter(user, document_id,
                                                f"ecms:{row['peer_code']}").id
        elif channel == Channel.EMAIL:
            delivery.message_ref = _queue_email(dispatch, row["address"]).id
        elif row["tracking"]:
            delivery.status, delivery.sent_at = DeliveryStatus.SENT, now
        db.session.add(delivery)
        made.append(delivery)
    db.session.flush()
    return made


def _queue_email(dispatch, address: str):
    """The numbered letter in the mail outbox (sent by ``saraban mail-send``, never twice)."""
    from saraban.documents.models import Document
    from saraban.mail.messages import letter_message
    from saraban.mail.outbox_models import MailKind
    from saraban.mail.sending import queue_mail

    db.session.flush()
    document = db.session.get(Document, dispatch.document_id)
    db.session.refresh(document, ["files"])
    return queue_mail(letter_message(document, address), kind=MailKind.LETTER,
                      document_id=document.id)


def _delivery_for_clerk(user: User, delivery_id) -> Delivery:
    from saraban.documents.access import document_for_clerk

    delivery = db.session.get(Delivery, int(delivery_id)) if is_row_id(delivery_id) else None
    if delivery is None:
        raise DeliveryError("ไม่พบรายการส่ง", "No such delivery.", status=404)
    document_for_clerk(user, delivery.document_id, "บันทึกการส่ง", "record a delivery")
    return delivery


def set_tracking(user: User, delivery_id, tracking) -> Delivery:
    """The post's tracking number of a registered or EMS letter: it is then sent."""
    delivery = _delivery_for_clerk(user, delivery_id)
    if delivery.channel not in (Channel.POST_REGISTERED, Channel.POST_EMS):
        raise DeliveryError("เลขพัสดุใช้กับการส่งทางไปรษณีย์เท่านั้น",
                            "Only a letter sent by post has a tracking number.", status=409)
    number = read_tracking(tracking)
    if number is None:
        raise DeliveryError("กรุณากรอกเลขพัสดุ", "'tracking' is required.", field="tracking")
    begin_write(db.session)
    delivery.tracking = number
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = delivery.sent_at or utcnow().replace(microsecond=0)
    db.session.flush()
    record("delivery.tracking", user=user, obj=delivery, document_id=delivery.document_id,
           details={"tracking": number, "channel": delivery.channel})
    return delivery


def deliveries_of(dispatch_ids: list[int]) -> dict[int, list[Delivery]]:
    """Each dispatch's deliveries, the outboxes' states read in (one query for the
    deliveries and one for each outbox they went through). An e-mail's state is its outgoing
    mail's, or ``confirmed`` once the recipient's confirmation came (``confirmed_at``, the
    ``their_receipt_number`` it names), or ``bounced`` by a bounce (``failure_reason``)."""
    from saraban.exchange.ecms.models import EcmsMessage
    from saraban.exchange.models import ExchangeMessage

    if not dispatch_ids:
        return {}
    rows = list(db.session.scalars(select(Delivery).where(Delivery.dispatch_id.in_(
        dispatch_ids)).order_by(Delivery.dispatch_id, Delivery.position)))
    outboxes = {Channel.EXCHANGE: (ExchangeMessage.id, ExchangeMessage.status),
                Channel.ECMS: (EcmsMessage.id, EcmsMessage.state)}
    states = {}
    for channel, (key, state) in outboxes.items():
        refs = [r.message_ref for r in rows if r.channel == channel and r.message_ref]
        if refs:
            states.update({(channel, i): str(getattr(s, "value", s)) for i, s in
                           db.session.execute(select(key, state).where(key.in_(refs)))})
    refs = [r.message_ref for r in rows if r.channel == Channel.EMAIL and r.message_ref]
    answers = _email_states(refs) if refs else {}
    states.update({(Channel.EMAIL, i): a["state"] for i, a in answers.items()})
    out: dict[int, list[Delivery]] = {}
    for row in rows:
        row.outbox_state = states.get((row.channel, row.message_ref))
        answer = answers.get(row.message_ref, {}) if row.channel == Channel.EMAIL else {}
        row.confirmed_at = answer.get("confirmed_at")
        row.their_receipt_number = answer.get("receipt_number")
        row.failure_reason = answer.get("reason")
        out.setdefault(row.dispatch_id, []).append(row)
    return out


def _email_states(mail_ids: list[int]) -> dict[int, dict]:
    """The outgoing mails' states with the answers that came to them, in one query: the
    first confirmation makes it ``confirmed`` (a bounce after it does not undo it: the
    recipient had it), else a bounce ``bounced`` with its reason, else the mail's status
    (a permanent refusal at sending, ``failed``, with its error)."""
    from sqlalchemy import and_

    from saraban.mail.models import ArrivalKind, MailArrival
    from saraban.mail.outbox_models import OutgoingMail

    found: dict[int, dict] = {}
    for mail_id, status, error, kind, received_at, number, reason in db.session.execute(
            select(OutgoingMail.id, OutgoingMail.status, OutgoingMail.last_error,
                   MailArrival.kind, MailArrival.received_at, MailArrival.receipt_number,
                   MailArrival.bounce_reason)
            .outerjoin(MailArrival, and_(
                MailArrival.outgoing_mail_id == OutgoingMail.id,
                MailArrival.kind.in_([ArrivalKind.CONFIRMATION, ArrivalKind.LETTER,
                                      ArrivalKind.BOUNCE])))
            .where(OutgoingMail.id.in_(mail_ids))
            .order_by(OutgoingMail.id, MailArrival.received_at, MailArrival.id)):
        status = str(getattr(status, "value", status))
        seen = found.setdefault(mail_id, {"state": status, "reason": error if
                                          status == "failed" else None})
        if seen["state"] == "confirmed":
            continue
        if kind in (ArrivalKind.CONFIRMATION, ArrivalKind.LETTER):  # a reply letter says so too
            seen.update(state="confirmed", confirmed_at=received_at, receipt_number=number,
                        reason=None)
        elif kind == ArrivalKind.BOUNCE and seen["state"] != "bounced":
            seen.update(state="bounced", reason=reason or "ส่งไม่ถึงผู้รับ (ไม่ระบุเหตุผล)")
    return found


def channel_name(channel: str) -> str:
    try:
        return CHANNEL_NAMES[Channel(channel)]
    except ValueError:
        return channel


# what the clerk sees and prints of a dispatched letter's destinations --------------------

POST_CHANNELS = (Channel.POST_REGISTERED, Channel.POST_EMS)
PAPER_CHANNELS = (*POST_CHANNELS, Channel.HAND)  # a letter on paper: a slip, an envelope
SECRET_SUBJECT = "หนังสือชั้นลับ"

# the outboxes' own states (saraban/exchange/models.py MessageStatus, saraban/exchange/ecms/
# models.py MessageState) as a delivery's: waiting, handed over, received there, or not
_OUTBOX_STATUS = {
    Channel.EXCHANGE: {
        "queued": DeliveryStatus.QUEUED, "delivered": DeliveryStatus.RECEIVED,
        "accepted": DeliveryStatus.RECEIVED, "rejected": DeliveryStatus.FAILED,
        "invalid": DeliveryStatus.FAILED, "failed": DeliveryStatus.FAILED,
        "withdrawn": DeliveryStatus.FAILED},
    Channel.ECMS: {
        "queued": DeliveryStatus.QUEUED, "sent": DeliveryStatus.SENT,
        "unknown": DeliveryStatus.SENT, "received": DeliveryStatus.RECEIVED,
        "accepted": DeliveryStatus.RECEIVED, "rejected": DeliveryStatus.FAILED,
        "invalid": DeliveryStatus.FAILED, "failed": DeliveryStatus.FAILED,
        "withdrawn": DeliveryStatus.FAILED},
    Channel.EMAIL: {  # saraban/mail/outbox_models.py MailStatus, and the answers (deliveries_of)
        "queued": DeliveryStatus.QUEUED, "sent": DeliveryStatus.SENT,
        "failed": DeliveryStatus.FAILED, "confirmed": DeliveryStatus.RECEIVED,
        "bounced": DeliveryStatus.FAILED},
}
CONFIRMED_BY_RECIPIENT = "ผู้รับยืนยันการรับแล้ว"


def shown_status(delivery: Delivery) -> DeliveryStatus:
    """How a delivery stands: an exchange or e-CMS one by its outbox row's state (read in by
    ``deliveries_of``), any other by its own status."""
    outbox = getattr(delivery, "outbox_state", None)
    table = _OUTBOX_STATUS.get(delivery.channel)
    if table is not None and outbox is not None:
        return table.get(outbox, DeliveryStatus.SENT)
    try:
        return DeliveryStatus(delivery.status)
    except ValueError:
        return DeliveryStatus.QUEUED


def status_name(delivery: Delivery) -> str:
    """The Thai name of how it stands (รอส่ง, ส่งแล้ว, ปลายทางรับแล้ว, ส่งไม่สำเร็จ; an e-mail
    the recipient answered: ผู้รับยืนยันการรับแล้ว)."""
    if delivery.channel == Channel.EMAIL and getattr(delivery, "outbox_state", None) == \
            "confirmed":
        return CONFIRMED_BY_RECIPIENT
    return STATUS_NAMES[shown_status(delivery)]


def dispatch_for_clerk(user: User, dispatch_id):
    """A dispatch of a register the user keeps, whose letter he may read, and its deliveries
    (the outboxes' states read in); 404 otherwise, the same whether it exists or not."""
    from sqlalchemy.orm import joinedload

    from saraban.documents.access import HiddenDocument, document_for_clerk
    from saraban.permissions import keeper_unit_ids
    from saraban.registers.models import Dispatch, Register

    dispatch = db.session.scalar(
        select(Dispatch).where(Dispatch.id == int(dispatch_id))
        .options(joinedload(Dispatch.register).joinedload(Register.unit))
    ) if is_row_id(dispatch_id) else None
    if dispatch is None or dispatch.register.unit_id not in keeper_unit_ids(user):
        raise HiddenDocument("ไม่พบเลขทะเบียนส่งนี้", "No such dispatch.")
    document_for_clerk(user, dispatch.document_id, "ดูการส่งหนังสือ",
                       "see a letter's deliveries")
    return dispatch, deliveries_of([dispatch.id]).get(dispatch.id, [])


def _secrecy_th(level: int) -> str:
    from saraban.i18n import LABELS

    return LABELS["secrecy"][str(level)][0] if level else ""


def _item(dispatch, document, delivery: Delivery, unit, head: dict | None = None):
    from saraban.pdf.delivery import Item
    from saraban.thaidate import BANGKOK, format_date

    day = document.doc_date or dispatch.dispatched_at.astimezone(BANGKOK).date()
    sender = ()
    if head is not None:
        sender = (head["unit_name"], *(n for n in [head["agency_name"]]
                                       if n and n != head["unit_name"]),
                  *head["address_lines"])
    return Item(number=dispatch.number_text, date_text=format_date(day, "long"),
                subject=SECRET_SUBJECT if document.secrecy else (document.subject or ""),
                from_text=unit.name_th, to_text=delivery.label,
                address_lines=[ln.strip() for ln in (delivery.address or "").splitlines()
                               if ln.strip()],
                channel_text=channel_name(delivery.channel), tracking=delivery.tracking,
                sender_lines=tuple(sender), secrecy_text=_secrecy_th(document.secrecy))


def _paper(user: User, dispatch_id, channels, delivery_id=None):
    """The dispatch and the items for its deliveries on paper by ``channels`` (one when
    ``delivery_id`` names it); 404 when there is none."""
    from saraban.units.letterhead import letterhead_for

    dispatch, deliveries = dispatch_for_clerk(user, dispatch_id)
    chosen = [d for d in deliveries if d.channel in channels
              and (delivery_id is None or str(d.id) == str(delivery_id))]
    if not chosen:
        raise DeliveryError("ไม่มีรายการส่งทางไปรษณีย์หรือส่งด้วยมือของหนังสือนี้",
                            "This letter has no delivery by post or by hand to print.",
                            status=404)
    unit = dispatch.register.unit
    head = letterhead_for(unit)
    return dispatch, [_item(dispatch, dispatch.document, d, unit, head) for d in chosen]


def _shown(user: User, dispatch) -> None:
    """A secret letter's paper printed is a view of it (written last, after the PDF)."""
    from saraban.documents.access import record_views

    record_views(user, [dispatch.document], "delivery")


def _file_part(dispatch) -> str:
    from saraban.thaidate import to_arabic_digits

    return "".join(c if c.isalnum() and c.isascii() or c in ".-" else "-"
                   for c in to_arabic_digits(dispatch.number_text))


def slip(user: User, dispatch_id, delivery_id=None) -> tuple[bytes, str]:
    """ใบส่งหนังสือ for each of the letter's deliveries on paper (or the one named)."""
    from saraban.pdf.delivery import slip_pdf

    dispatch, items = _paper(user, dispatch_id, PAPER_CHANNELS, delivery_id)
    pdf = slip_pdf(items, unit_name=dispatch.register.unit.name_th)
    _shown(user, dispatch)
    return pdf, f"slip-{_file_part(dispatch)}.pdf"


def envelopes(user: User, dispatch_id, size: str = "dl") -> tuple[bytes, str]:
    """Envelopes (``dl``) or an A4 sheet of address labels (``label``) for the letter's
    deliveries on paper; a secret letter's carry its secrecy mark, never its subject."""
    from saraban.pdf.delivery import envelope_pdf

    size = size or "dl"
    if size not in ("dl", "label"):
        raise DeliveryError("ขนาดซองไม่ถูกต้อง (dl หรือ label)", "'size' must be dl or label.",
                            field="size")
    dispatch, items = _paper(user, dispatch_id, PAPER_CHANNELS)
    for item in items:
        if item.secrecy_text:
            item.subject = ""
    name = "envelope" if size == "dl" else "labels"
    pdf = envelope_pdf(items, size=size)
    _shown(user, dispatch)
    return pdf, f"{name}-{_file_part(dispatch)}.pdf"


def _printed_at() -> str:
    from saraban import thaidate

    now = thaidate.now().astimezone(thaidate.BANGKOK)
    return f"พิมพ์เมื่อ {thaidate.format_date(now)} {thaidate.format_time(now)}"


def dispatch_book(user: User, dispatch_id) -> tuple[bytes, str]:
    """The สมุดส่งหนังสือ lines of one letter's deliveries by hand."""
    from saraban.pdf.delivery import book_pdf

    dispatch, items = _paper(user, dispatch_id, (Channel.HAND,))
    pdf = book_pdf(items, unit_name=dispatch.register.unit.name_th, printed_at=_printed_at())
    _shown(user, dispatch)
    return pdf, f"book-{_file_part(dispatch)}.pdf"


def day_book(user: User, day) -> tuple[bytes, str]:
    """The สมุดส่งหนังสือ of a day (Bangkok): the deliveries by hand of the letters numbered
    that day in the registers of the units the user keeps (filtered in SQL, one query); a
    secret letter's subject is not printed."""
    import datetime as dt

    from saraban.documents.models import Document
    from saraban.pdf.delivery import book_pdf
    from saraban.permissions import keeper_unit_ids
    from saraban.registers.models import Dispatch, EntryStatus, Register
    from saraban.thaidate import BANGKOK, format_date
    from saraban.units.models import Unit
    from saraban.validation import read_date

    day = read_date(day, "date", "วันที่", required=True) if not isinstance(day, dt.date) \
        else day
    units = keeper_unit_ids(user)
    if not units:
        raise DeliveryError("เฉพาะเจ้าหน้าที่สารบรรณจึงพิมพ์สมุดส่งหนังสือได้",
                            "Only clerks may print the delivery book.", status=403)
    start = dt.datetime.combine(day, dt.time(), BANGKOK)
    rows = db.session.execute(
        select(Delivery, Dispatch, Document, Unit)
        .join(Dispatch, Delivery.dispatch_id == Dispatch.id)
        .join(Register, Dispatch.register_id == Register.id)
        .join(Unit, Register.unit_id == Unit.id)
        .join(Document, Delivery.document_id == Document.id)
        .where(Register.unit_id.in_(units), Delivery.channel == Channel.HAND,
               Dispatch.status == EntryStatus.ACTIVE,
               Dispatch.dispatched_at >= start,
               Dispatch.dispatched_at < start + dt.timedelta(days=1))
        .order_by(Unit.id, Dispatch.number, Delivery.position)).all()
    items = [_item(dispatch, document, delivery, unit)
             for delivery, dispatch, document, unit in rows]
    names = list(dict.fromkeys(unit.short_name for *_, unit in rows))
    if not names:
        names = list(db.session.scalars(select(Unit.short_name).where(Unit.id.in_(units))
                                        .order_by(Unit.id)))
    title = " ".join(names) + f" วันที่ {format_date(day, 'long')}"
    return (book_pdf(items, unit_name=title, printed_at=_printed_at()),
            f"book-{day.isoformat()}.pdf")
