"""``saraban list-tokens USERNAME``, ``saraban revoke-token PREFIX`` and
``saraban disable-totp USERNAME`` (for a user who lost both his phone and his recovery
codes)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


def _user(username: str):
    from sqlalchemy import select

    from saraban.accounts.models import User
    from saraban.extensions import db

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"ไม่พบผู้ใช้ {username!r} (no such user)")
    return user


def _when(value) -> str:
    from saraban.thaidate import BANGKOK

    return value.astimezone(BANGKOK).strftime("%Y-%m-%d %H:%M") if value else "-"


@click.command("list-tokens")
@click.argument("username")
@with_appcontext
def list_tokens_command(username: str):
    """List USERNAME's API tokens: prefix, name, created, last used, revoked (Bangkok time)."""
    from saraban.accounts.operations import tokens_of

    tokens = tokens_of(_user(username))
    if not tokens:
        click.echo(f"{username} ไม่มีโทเค็น API (no API tokens)")
        return
    click.echo(f"{'prefix':12} {'name':20} {'created':16}  {'last used':16}  status")
    for t in tokens:
        status = f"revoked {_when(t.revoked_at)}" if t.revoked_at else "active"
        click.echo(f"{t.prefix:12} {t.name[:20]:20} {_when(t.created_at):16}  "
                   f"{_when(t.last_used_at):16}  {status}")


@click.command("revoke-token")
@click.argument("prefix")
@click.option("--user", "username", help="only this user's tokens (when a prefix is shared)")
@with_appcontext
def revoke_token_command(prefix: str, username: str | None):
    """Revoke the API token that starts with PREFIX (the first 10 characters, as
    list-tokens shows them; a whole token works too). Its next request answers 401."""
    from saraban.accounts.operations import revoke_token, tokens_with_prefix
    from saraban.transaction import unit_of_work

    prefix = prefix.strip()[:10]
    active = [t for t in tokens_with_prefix(prefix, username) if t.revoked_at is None]
    if not active:
        raise click.ClickException(
            f"ไม่พบโทเค็นที่ยังใช้งานได้ซึ่งขึ้นต้นด้วย {prefix!r} (no active token with this prefix)")
    if len(active) > 1:
        owners = ", ".join(sorted({t.user.username for t in active}))
        raise click.ClickException(
            f"มีโทเค็น {len(active)} รายการขึ้นต้นด้วย {prefix!r} (ของ {owners}) ระบุ --user "
            "(several tokens share this prefix: give --user)")
    token = active[0]
    with unit_of_work("the token revoked"):
        revoke_token(token)
    click.echo(f"ยกเลิกโทเค็น {token.prefix} ({token.name}) ของ {token.user.username} แล้ว "
               "(token revoked)")


@click.command("disable-totp")
@click.argument("username")
@with_appcontext
def disable_totp_command(username: str):
    """Turn off USERNAME's TOTP second factor and delete his recovery codes (he may set it
    up again; if his role requires it, he must before doing anything else)."""
    from saraban.accounts.operations import disable_totp
    from saraban.transaction import unit_of_work
    from saraban.validation import OperationError

    user = _user(username)
    try:
        with unit_of_work("TOTP turned off"):
            disable_totp(user, console=True)
    except OperationError as error:
        raise click.ClickException(f"{error.message_th} ({error.message_en})") from None
    click.echo(f"ปิดการยืนยันตัวตนสองขั้นตอนของ {username} แล้ว (TOTP turned off)")


commands = (list_tokens_command, revoke_token_command, disable_totp_command)
