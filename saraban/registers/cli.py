"""``saraban open-register``: continue a paper register's year at the number its book reached."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("open-register",
               short_help="เปิดทะเบียนต่อจากเลขในสมุดทะเบียนกระดาษ (continue a paper register)")
@click.argument("register_id", type=int)
@click.argument("year")
@click.argument("last_number")
@click.option("--as", "username", required=True,
              help="the administrator who does it (recorded in the audit trail)")
@with_appcontext
def open_register_command(register_id: int, year: str, last_number: str, username: str):
    """Open YEAR (BE or CE) of register REGISTER_ID so that live numbering goes on after
    LAST_NUMBER, the last number of the paper book; paper stamps of that year entered
    afterwards must be at or below it."""
    from sqlalchemy import select

    from saraban.accounts.models import User
    from saraban.extensions import db
    from saraban.registers.operations import open_year
    from saraban.thaidate import to_thai_digits
    from saraban.transaction import unit_of_work
    from saraban.validation import OperationError

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"ไม่พบผู้ใช้ {username!r} (no such user)")
    try:
        with unit_of_work("the year opened"):
            counter = open_year(user, register_id, year, last_number)
    except OperationError as error:  # (rolled back by the unit of work)
        raise click.ClickException(f"{error.message_th} ({error.message_en})") from None
    click.echo(f"เปิดทะเบียน {register_id} ปี พ.ศ. {to_thai_digits(counter.year + 543)} "
               f"ต่อจากเลข {to_thai_digits(counter.paper_last_number)} "
               f"(next number {counter.last_number + 1})")
