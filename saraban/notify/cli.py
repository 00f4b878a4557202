"""``saraban notify run [--once] [--interval S]``: the notices by e-mail, queued in the mail
outbox (sent by ``saraban mail-send``), outside the requests."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from saraban.notify import models  # noqa: F401  (notify_state on the metadata)

notify_cli = AppGroup("notify", help="แจ้งเตือนทางอีเมล (notices by e-mail)")


@notify_cli.command("run")
@click.option("--once", is_flag=True, help="one pass over the users, then stop")
@click.option("--interval", default=300.0, show_default=True, help="seconds between passes")
def run_command(once: bool, interval: float):
    """Queue a mail for each user with something new waiting (notify=immediate), and the
    day's digest (notify=digest) once SARABAN_NOTIFY_DIGEST_HOUR has come in Bangkok."""
    from saraban.notify.sending import NotifySettingError, notify_once

    while True:
        try:
            report = notify_once()
        except NotifySettingError as error:
            raise click.ClickException(str(error)) from None
        if report.queued or once:
            click.echo(report.summary())
        if once:
            return
        time.sleep(interval)
