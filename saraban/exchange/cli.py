"""``saraban exchange``: this agency's identity, its peers, and the outbox worker."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from saraban.cli import fail as _fail

exchange_cli = AppGroup("exchange", help="รับส่งหนังสือกับหน่วยงานอื่น (exchange between agencies)")
peer_cli = AppGroup("peer", help="หน่วยงานที่รับส่งหนังสือกัน (peers)")
exchange_cli.add_command(peer_cli)


@exchange_cli.command("init")
@click.option("--code", required=True, help="agency code, e.g. RTP")
@click.option("--name", required=True, help="agency name, e.g. สำนักงานตำรวจแห่งชาติ")
@click.option("--force", is_flag=True, help="replace an existing identity (peers must re-key)")
def init_command(code: str, name: str, force: bool):
    """Create this installation's agency identity and Ed25519 key pair; print the public
    key (last line) for the peers to register."""
    from saraban.exchange import protocol
    from saraban.exchange.peers import exchange_dir

    try:
        identity = protocol.create_identity(exchange_dir(), code, name, overwrite=force)
    except protocol.ExchangeError as error:
        _fail(error)
    click.echo(f"ตัวตนของหน่วยงาน {identity.code} ({identity.name}); กุญแจลับเก็บที่ "
               f"{exchange_dir()} (สิทธิ์ 0600). กุญแจสาธารณะ:")
    click.echo(identity.public_key)


@exchange_cli.command("identity")
def identity_command():
    """Print this installation's agency code, name and public key."""
    from saraban.exchange.peers import ExchangeError, our_identity

    try:
        identity = our_identity()
    except ExchangeError as error:
        _fail(error)
    click.echo(f"{identity.code}\t{identity.name}")
    click.echo(identity.public_key)


@peer_cli.command("add")
@click.argument("code")
@click.argument("url")
@click.argument("public_key")
@click.option("--name", help="the agency's name")
def peer_add(code: str, url: str, public_key: str, name: str | None):
    """Register another agency's installation: its code, address and public key."""
    from saraban.exchange import protocol
    from saraban.exchange.peers import ExchangeError, add_peer
    from saraban.transaction import unit_of_work

    try:
        with unit_of_work("a peer added"):
            peer = add_peer(code, url, public_key, name)
    except (ExchangeError, protocol.ExchangeError) as error:
        _fail(error)
    click.echo(f"เพิ่มหน่วยงาน {peer.code} ที่ {peer.url} แล้ว")


@peer_cli.command("list")
def peer_list():
    """List the peers."""
    from sqlalchemy import select

    from saraban.exchange.models import Peer
    from saraban.extensions import db

    for peer in db.session.scalars(select(Peer).order_by(Peer.code)):
        state = "ใช้งาน" if peer.active else "ปิด"
        click.echo(f"{peer.code}\t{state}\t{peer.url}\t{peer.public_key}\t{peer.name}")


def _change(code: str, **changes):
    from saraban.exchange import protocol
    from saraban.exchange.peers import ExchangeError, set_peer
    from saraban.transaction import unit_of_work

    try:
        with unit_of_work("a peer changed"):
            peer = set_peer(code, **changes)
    except (ExchangeError, protocol.ExchangeError) as error:
        _fail(error)
    return peer


@peer_cli.command("disable")
@click.argument("code")
def peer_disable(code: str):
    """Stop exchanging with a peer (its messages are refused)."""
    _change(code, active=False)
    click.echo(f"ปิดการรับส่งกับ {code.upper()} แล้ว")


@peer_cli.command("enable")
@click.argument("code")
def peer_enable(code: str):
    """Exchange with a disabled peer again."""
    _change(code, active=True)
    click.echo(f"เปิดการรับส่งกับ {code.upper()} แล้ว")


@peer_cli.command("rekey")
@click.argument("code")
@click.argument("public_key")
def peer_rekey(code: str, public_key: str):
    """Replace a peer's public key (after it ran ``exchange init --force``)."""
    _change(code, public_key=public_key)
    click.echo(f"เปลี่ยนกุญแจสาธารณะของ {code.upper()} แล้ว")


@exchange_cli.command("work")
@click.option("--once", is_flag=True, help="one pass over what is due, then stop")
@click.option("--interval", default=2.0, show_default=True, help="seconds between passes")
def work_command(once: bool, interval: float):
    """Deliver the outbox: retry with a growing pause while a peer is down. Each message
    is a unit of work of its own (saraban/exchange/outbox.py)."""
    from saraban.exchange.outbox import work_once
    from saraban.extensions import db

    while True:
        report = work_once()
        db.session.remove()
        if report.sent or report.failed or once:
            click.echo(f"ส่งแล้ว {report.sent} รอส่งใหม่ {report.retried} ไม่สำเร็จ "
                       f"{report.failed} (sent {report.sent}, retrying {report.retried}, "
                       f"failed {report.failed})")
        if once:
            return
        time.sleep(interval)
