"""``saraban ecms``: this agency's e-CMS node (SARABAN_ECMS_NODE_URL, SARABAN_ECMS_ORG_ID).

``saraban ecms sync-codes`` fetches the directory, the ministries and the secret, speed and
MIME codes and stores them with their time (saraban/exchange/ecms/codes.py);
``saraban ecms map secrecy 1 002`` maps one of our levels to a node code; ``saraban ecms work
[--once]`` runs the worker (saraban/exchange/ecms/worker.py).
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from saraban.cli import fail as _fail

ecms_cli = AppGroup("ecms", help="รับส่งหนังสือผ่านระบบ e-CMS ของ สพร. (DGA e-CMS)")


def client_from_config():
    """The client for this agency's own node, from the settings; refused when unset."""
    from saraban.exchange.ecms.client import EcmsClient
    from saraban.exchange.ecms.messages import EcmsError

    url = current_app.config.get("ECMS_NODE_URL")
    org = current_app.config.get("ECMS_ORG_ID")
    if not url or not org:
        _fail(EcmsError("ยังไม่ได้ตั้งค่า SARABAN_ECMS_NODE_URL และ SARABAN_ECMS_ORG_ID",
                        "Set SARABAN_ECMS_NODE_URL and SARABAN_ECMS_ORG_ID first."))
    try:
        return EcmsClient(url, org)
    except EcmsError as error:
        _fail(error)


@ecms_cli.command("sync-codes")
@with_appcontext
def sync_codes_command():
    """Fetch the directory, ministries and secret/speed/MIME codes from our node and store
    them (each list replaced whole; nothing changes if the node refuses any)."""
    from saraban.exchange.ecms.codes import LABELS, LISTS, sync_codes
    from saraban.exchange.ecms.messages import EcmsError
    from saraban.validation import OperationError

    client = client_from_config()
    try:
        report = sync_codes(client)
    except (EcmsError, OperationError) as error:
        _fail(error)
    for name in LISTS:
        click.echo(f"{LABELS[name]}: {report.counts[name]}")
        for item in report.skipped.get(name, ()):
            click.echo(f"  ข้าม (skipped) {item}")


@ecms_cli.command("map")
@click.argument("kind", type=click.Choice(["secrecy", "urgency"]))
@click.argument("level", type=click.IntRange(0, 3))
@click.argument("code")
@with_appcontext
def map_command(kind: str, level: int, code: str):
    """Send our KIND level LEVEL (0-3) as the node's CODE (from sync-codes)."""
    from saraban.exchange.ecms.codes import map_level
    from saraban.transaction import unit_of_work
    from saraban.validation import OperationError

    try:
        with unit_of_work("e-CMS level mapping"):
            map_level(None, kind, level, code)
    except OperationError as error:
        _fail(error)
    click.echo(f"{kind} {level} → {code}")


@ecms_cli.command("work")
@click.option("--once", is_flag=True, help="One round, then stop (for cron or a timer).")
@click.option("--interval", type=click.FloatRange(min=1.0), default=30.0, show_default=True,
              help="Seconds between rounds.")
@with_appcontext
def work_command(once: bool, interval: float):
    """Push the e-CMS outbox and pull what our node has queued (saraban/exchange/ecms/worker.py)."""
    import time

    from saraban.exchange.ecms.worker import work_once

    client = client_from_config()
    while True:
        report = work_once(client)
        click.echo(report.summary())
        for error in report.errors:
            click.echo(f"  {error}", err=True)
        if once:
            return
        time.sleep(interval)
