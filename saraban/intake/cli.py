"""``saraban intake work``: the reader of scanned letters, outside the requests."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

intake_cli = AppGroup("intake", help="หนังสือกระดาษที่สแกนเข้า (paper in: OCR of scans)")


def read_pending(limit: int | None = None) -> tuple[int, int]:
    """Read the drafts waiting, each in a unit of work of its own; a reading that fails is
    noted on its draft in one of its own; gives (read, failed)."""
    from saraban.extensions import db
    from saraban.intake.models import IntakeDraft
    from saraban.intake.operations import claim_next, note_failure, read_draft
    from saraban.transaction import unit_of_work

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
        finally:
            db.session.expire_all()  # the next letter's reading starts from the database
    return read, failed


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
