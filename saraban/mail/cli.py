"""``saraban mail fetch [--once]``: the saraban@ mailbox read over IMAP, outside the
requests, looping like the outbox worker; the server down is said, then tried again."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

mail_cli = AppGroup("mail", help="กล่องจดหมาย saraban@ (the saraban@ mailbox)")


@mail_cli.command("fetch")
@click.option("--once", is_flag=True, help="take what waits now, then stop")
@click.option("--interval", default=60.0, show_default=True, help="seconds between passes")
def fetch_command(once: bool, interval: float):
    """Take the new messages of SARABAN_MAIL_IMAP_URL, each moved to SARABAN_MAIL_DONE_FOLDER
    once taken."""
    from saraban.mail.receiving import fetch_once

    while True:
        report = fetch_once()
        if report.fetched or report.moved or report.error or once:
            click.echo(report.summary(), err=not report.ok)
        if once:
            if not report.ok:
                sys.exit(1)
            return
        time.sleep(interval)
