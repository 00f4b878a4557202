"""``saraban audit``: check the audit trail's hash chain, and print its head to anchor it."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

audit_cli = AppGroup("audit", help="บันทึกการตรวจสอบ (audit trail)")


@audit_cli.command("verify")
@click.option("--anchor", help="a head hash written down earlier: prove nothing before it "
              "changed")
def verify_command(anchor: str | None):
    """Walk the hash chain; exit 0 when intact, 1 naming the first event that does not
    match."""
    from saraban.audit.chain import verify_chain
    from saraban.thaidate import to_thai_digits

    report = verify_chain(anchor=(anchor or "").strip().lower() or None)
    if report.ok:
        click.echo(f"สายบันทึกการตรวจสอบสมบูรณ์: {to_thai_digits(f'{report.events:,}')} เหตุการณ์")
        if report.anchor_event_id is not None:
            click.echo(f"ค่าที่ยึดไว้คือเหตุการณ์ที่ {to_thai_digits(report.anchor_event_id)}: "
                       "ไม่มีสิ่งใดก่อนหน้านั้นถูกเปลี่ยน")
        click.echo(f"audit chain intact: {report.events} events, head {report.head}")
        return
    where = (f"เหตุการณ์ที่ {to_thai_digits(report.bad_event_id)}"
             if report.bad_event_id is not None else "ค่าที่ยึดไว้")
    click.echo(f"สายบันทึกการตรวจสอบเสียหายที่{where}: {report.problem_th}", err=True)
    click.echo(f"audit chain {report.message_en}", err=True)
    sys.exit(1)


@audit_cli.command("anchor")
def anchor_command():
    """Print the chain's current head hash with its time, to write down or send away."""
    from saraban.audit.chain import anchor_now
    from saraban.thaidate import format_datetime

    head, event_id, at = anchor_now()
    when = format_datetime(at) if at else "-"
    click.echo(f"หัวสายบันทึกการตรวจสอบ ณ เหตุการณ์ที่ {event_id or 0} เวลา {when}")
    click.echo(f"{head} {event_id or 0} {at.isoformat() if at else '-'}")
