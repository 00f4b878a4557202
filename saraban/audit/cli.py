"""``saraban audit``: check the audit trail's hash chain and the records it speaks for,
print its head to anchor it, and seal an installation made before record digests."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

audit_cli = AppGroup("audit", help="บันทึกการตรวจสอบ (audit trail)")


@audit_cli.command("verify")
@click.option("--anchor", help="a head hash written down earlier: prove nothing before it "
              "changed")
def verify_command(anchor: str | None):
    """Walk the hash chain, check its head's MAC, then recompute every record's digest;
    exit 0 when all is intact, 1 naming the first event, or each row, that does not match."""
    from saraban.audit.chain import verify_all
    from saraban.thaidate import to_thai_digits

    started = time.perf_counter()
    report, records = verify_all(anchor=(anchor or "").strip().lower() or None)
    if not report.ok:
        where = (f"เหตุการณ์ที่ {to_thai_digits(report.bad_event_id)}"
                 if report.bad_event_id is not None else "ค่าที่ยึดไว้")
        click.echo(f"สายบันทึกการตรวจสอบเสียหายที่{where}: {report.problem_th}", err=True)
        click.echo(f"audit chain {report.message_en}", err=True)
        sys.exit(1)
    click.echo(f"สายบันทึกการตรวจสอบสมบูรณ์: {to_thai_digits(f'{report.events:,}')} เหตุการณ์")
    if report.anchor_event_id is not None:
        click.echo(f"ค่าที่ยึดไว้คือเหตุการณ์ที่ {to_thai_digits(report.anchor_event_id)}: "
                   "ไม่มีสิ่งใดก่อนหน้านั้นถูกเปลี่ยน")
    click.echo(f"audit chain intact: {report.events} events, head {report.head}")
    seconds = time.perf_counter() - started
    if records.ok:
        click.echo(f"ข้อมูลทุกแถวตรงกับบันทึกการตรวจสอบ: {to_thai_digits(f'{records.rows:,}')} แถว")
        click.echo(f"records intact: {records.rows} rows match their last audited state "
                   f"({seconds:.2f} s, reading the rows {records.read_seconds:.2f} s)")
        return
    tampered = [p for p in records.problems if p.problem != "unaudited"]
    if tampered:
        click.echo(f"ข้อมูลถูกแก้ไขนอกระบบ {to_thai_digits(len(tampered))} แถว: "
                   + ", ".join(p.key for p in tampered[:20]), err=True)
    if records.unaudited:
        click.echo(f"ข้อมูลที่ไม่มีในบันทึกการตรวจสอบเลย {to_thai_digits(records.unaudited)} แถว "
                   "(ทำก่อนมีค่าแฮชของข้อมูล หรือเพิ่มเข้าฐานข้อมูลโดยตรง): ตรวจแล้วสั่ง saraban audit seal",
                   err=True)
    click.echo(f"records do not match the audit chain ({records.total_problems} rows): "
               f"{records.named()}", err=True)
    click.echo(f"({records.rows} rows checked in {seconds:.2f} s)", err=True)
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


@audit_cli.command("seal")
def seal_command():
    """Once, after upgrading an installation made before record digests: give its head a
    MAC and write the digests of the rows never audited, in ``audit.seal`` events. Refused
    when the chain is broken or a row no longer matches its audited state (sealing would
    hide it)."""
    from saraban.audit.seal import SealRefused, seal

    try:
        done = seal()
    except SealRefused as refused:
        click.echo(refused.message_th, err=True)
        click.echo(refused.message_en, err=True)
        sys.exit(1)
    click.echo(f"ปิดผนึกแล้ว: ค่าแฮชของข้อมูล {done:,} แถว (sealed: {done} rows now audited)")
