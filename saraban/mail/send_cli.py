"""``saraban mail-send [--once]``: the mail outbox worker (saraban/mail/sending.py)."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext


@click.command("mail-send")
@click.option("--once", is_flag=True, help="one pass over what is due, then stop")
@click.option("--interval", default=5.0, show_default=True, help="seconds between passes")
@with_appcontext
def mail_send_command(once: bool, interval: float):
    """Send the mail outbox through SARABAN_MAIL_SMTP_URL, retrying with a growing pause
    while the server is down. Each message is a unit of work of its own."""
    from saraban.extensions import db
    from saraban.mail.sending import send_once
    from saraban.mail.smtp import SmtpSettingsError

    while True:
        try:
            report = send_once()
        except SmtpSettingsError as error:
            raise click.ClickException(str(error)) from None
        finally:
            db.session.remove()
        if report.sent or report.failed or once:
            click.echo(f"ส่งแล้ว {report.sent} รอส่งใหม่ {report.retried} ไม่สำเร็จ "
                       f"{report.failed} (sent {report.sent}, retrying {report.retried}, "
                       f"failed {report.failed})")
        if once:
            return
        time.sleep(interval)
