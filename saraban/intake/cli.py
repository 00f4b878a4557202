"""``saraban intake work``: the reader of scanned letters, outside the requests."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

intake_cli = AppGroup("intake", help="หนังสือกระดาษที่สแกนเข้า (paper in: OCR of scans)")


def read_pending(limit: int | None = None) -> tuple[int, int]:
    """Read the drafts waiting, each in a unit of work of its own; a reading that fails is
    noted on its draft in one of its own; gives (read, failed). With
    SARABAN_MAIL_AUTO_REGISTER, the mailed letters waiting are first accepted in that
    user's name, and each one read in full is then registered (its scan kept after the
    number is committed, as a clerk's registration does)."""
    from saraban.extensions import db
    from saraban.intake.models import IntakeDraft
    from saraban.intake.operations import claim_next, note_failure, read_draft
    from saraban.transaction import unit_of_work

    auto_id = _accept_mail()
    read = failed = 0
    while limit is None or read + failed < limit:
        try:
            with unit_of_work("intake: read"):
                draft = claim_next()
                if draft is None:
                    break
                draft_id = draft.id
                read_draft(draft)
            read += 1
        except Exception as error:  # noqa: BLE001 - kept on the draft, then the next one
            failed += 1
            with unit_of_work("intake: a failed reading"):
                note_failure(db.session.get(IntakeDraft, draft_id), error)
            continue
        finally:
            db.session.expire_all()  # the next letter's reading starts from the database
        if auto_id is not None:
            _register_read(auto_id, draft_id)
    return read, failed


def _accept_mail() -> int | None:
    """The mailed letters waiting accepted by the SARABAN_MAIL_AUTO_REGISTER user, one unit
    of work each; gives his id, or None (unset, or he may not: logged)."""
    from flask import current_app

    from saraban.accounts.models import User
    from saraban.extensions import db
    from saraban.intake.operations import accept_arrival, auto_register_user, mail_to_accept
    from saraban.transaction import unit_of_work
    from saraban.validation import OperationError

    with unit_of_work():
        user = auto_register_user()
        if user is None:
            return None
        user_id, waiting = user.id, mail_to_accept(user)
    for arrival_id in waiting:
        try:
            with unit_of_work("intake: a mailed letter accepted by the reader"):
                accept_arrival(db.session.get(User, user_id), arrival_id)
        except OperationError as error:  # taken by a clerk meanwhile
            current_app.logger.info("mail arrival %s not accepted: %s", arrival_id, error)
        finally:
            db.session.expire_all()
    return user_id


def _register_read(user_id: int, draft_id: int) -> None:
    """A mailed letter just read, registered by the reader when read in full; a refusal
    leaves it ready for a clerk (logged)."""
    from flask import current_app

    from saraban.accounts.models import User
    from saraban.extensions import db
    from saraban.intake.operations import keep_scan, register_read
    from saraban.transaction import unit_of_work
    from saraban.validation import OperationError

    try:
        with unit_of_work("intake: registered by the reader"):
            receipt = register_read(db.session.get(User, user_id), draft_id)
        if receipt is not None:
            with unit_of_work("intake: the registered letter's scan kept"):
                keep_scan(db.session.get(User, user_id), draft_id)
    except OperationError as error:
        current_app.logger.warning("intake draft %s left for a clerk: %s", draft_id,
                                   error.message_for("en"))
    finally:
        db.session.expire_all()


@intake_cli.command("work")
@click.option("--once", is_flag=True, help="read what waits now, then stop")
@click.option("--interval", default=2.0, show_default=True, help="seconds between passes")
def work_command(once: bool, interval: float):
    """Read the scans waiting in the intake queue (Tesseract), one letter at a time."""
    from saraban.intake import ocr

    if not ocr.available():
        raise click.ClickException("ไม่พบ Tesseract พร้อมข้อมูลภาษาไทย (apt-get install tesseract-ocr "
                                   "tesseract-ocr-tha)")
    while True:
        read, failed = read_pending()
        if read or failed or once:
            click.echo(f"อ่านแล้ว {read} อ่านไม่ได้ {failed} (read {read}, failed {failed})")
        if once:
            return
        time.sleep(interval)
