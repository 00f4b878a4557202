"""``saraban signing``: the agency's CA, and the signing certificates it issues."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from saraban.cli import fail as _fail

signing_cli = AppGroup("signing", help="ใบรับรองสำหรับลงนามอิเล็กทรอนิกส์ (signing certificates)")


def _top_unit_name() -> str | None:
    from sqlalchemy import select

    from saraban.extensions import db
    from saraban.units.models import Unit

    return db.session.scalar(select(Unit.name_th).where(Unit.parent_id.is_(None))
                             .order_by(Unit.id).limit(1))


@signing_cli.command("init-ca")
@click.option("--name", help="the CA's name (by default the top unit's Thai name)")
@click.option("--force", is_flag=True, help="replace an existing CA (what it issued is then "
              "no longer trusted)")
def init_ca_command(name: str | None, force: bool):
    """Make the agency's CA: an EC P-256 key (kept encrypted, mode 0600) and its
    self-signed certificate; print the certificate's SHA-256 fingerprint (last line)."""
    from saraban.signing import ca
    from saraban.validation import OperationError

    name = name or _top_unit_name()
    if not name:
        raise click.UsageError("ยังไม่มีหน่วยงาน: ระบุ --name (no unit yet: give --name)")
    try:
        cert = ca.init_ca(name, overwrite=force)
    except OperationError as error:
        _fail(error)
    click.echo(f"สร้างผู้ออกใบรับรอง {ca.common_name(cert)} แล้ว เก็บที่ {ca.ca_dir()}")
    click.echo(ca.fingerprint(cert))


@signing_cli.command("issue")
@click.argument("username")
@click.option("--registry", is_flag=True, help="the registry's numbering key")
def issue_command(username: str, registry: bool):
    """Issue a signing certificate to USERNAME; print its fingerprint (last line)."""
    from sqlalchemy import select

    from saraban.accounts.models import User
    from saraban.extensions import db
    from saraban.signing import ca
    from saraban.transaction import unit_of_work
    from saraban.validation import OperationError

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"ไม่พบผู้ใช้ {username!r} (no such user)")
    try:
        with unit_of_work("a signing certificate issued"):
            row = ca.issue(user, registry=registry)
    except OperationError as error:
        _fail(error)
    kind = "กุญแจออกเลขทะเบียน" if registry else "ใบรับรองสำหรับลงนาม"
    click.echo(f"ออก{kind}ให้ {row.subject} แล้ว")
    click.echo(row.fingerprint)


@signing_cli.command("list")
def list_command():
    """List the signing certificates: fingerprint, state, kind, holder, subject, expiry."""
    from sqlalchemy import select

    from saraban import thaidate
    from saraban.extensions import db
    from saraban.signing.models import SigningCertificate

    now = thaidate.now()
    for row in db.session.scalars(select(SigningCertificate).order_by(SigningCertificate.id)):
        if row.revoked_at is not None:
            state = "เพิกถอน"
        elif row.is_current(now):
            state = "ใช้งาน"
        else:
            state = "หมดอายุ"
        kind = "registry" if row.registry_key else row.source.value
        holder = row.user.username if row.user is not None else "-"
        click.echo(f"{row.fingerprint}\t{state}\t{kind}\t{holder}\t{row.subject}\t"
                   f"{row.not_after.date().isoformat()}")


@signing_cli.command("revoke")
@click.argument("fingerprint")
def revoke_command(fingerprint: str):
    """Revoke the certificate of FINGERPRINT (SHA-256, as ``list`` prints it)."""
    from saraban.signing.operations import revoke
    from saraban.transaction import unit_of_work
    from saraban.validation import OperationError

    try:
        with unit_of_work("a signing certificate revoked"):
            row = revoke(fingerprint.strip())
    except OperationError as error:
        _fail(error)
    click.echo(f"เพิกถอนใบรับรองของ {row.subject} แล้ว")
