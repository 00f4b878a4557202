"""The ``saraban`` console command, built on Flask's CLI.

``saraban db upgrade``, ``saraban run``, ``saraban serve``, ``saraban load-samples``,
``saraban create-token USERNAME``, ``saraban mail fetch [--once]``.
"""

from __future__ import annotations

import os
import sys

import click
from flask.cli import FlaskGroup, with_appcontext


def fail(error) -> None:
    """Stop a command with a refusal's Thai message, then its English one, on stderr."""
    click.echo(getattr(error, "message_th", str(error)), err=True)
    en = getattr(error, "message_en", None)
    if en:
        click.echo(en, err=True)
    sys.exit(1)


def _create_app():
    from saraban import create_app
    from saraban.config import ConfigError

    try:
        return create_app()
    except ConfigError as error:
        raise click.ClickException(str(error)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, load_dotenv=False, set_debug_flag=False)
def main():
    """Saraban — ระบบสารบรรณอิเล็กทรอนิกส์."""


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=lambda: min(2 * (os.cpu_count() or 1) + 1, 8),
              type=int, help="gunicorn worker processes (default 2 × cores + 1, at most 8)")
def serve(host: str, port: int, workers: int):
    """Serve the application with gunicorn (production)."""
    from gunicorn.app.base import BaseApplication

    from saraban import create_app

    class _Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 60)

        def load(self):
            return create_app()

    create_app()  # fail here, once, on bad settings rather than in every worker
    _Server().run()


@click.command("load-samples")
@click.option("--quiet", is_flag=True)
@with_appcontext
def load_samples_command(quiet: bool):
    """Load the seed chain from sample_docs/ (idempotent: a second run changes nothing)."""
    from saraban.samples.loader import load_samples

    report = load_samples(progress=not quiet)
    if report.created_documents:
        click.echo(f"โหลดหนังสือตัวอย่าง {report.created_documents} ฉบับ")
    else:
        click.echo("ข้อมูลตัวอย่างครบแล้ว ไม่มีการเปลี่ยนแปลง (sample data already loaded)")
    if report.new_logins:
        click.echo("\nบัญชีทดลองใช้ (demo logins):")
        for username, password in report.new_logins:
            click.echo(f"  {username:16} {password}")
        click.echo(f"(เก็บไว้ที่ {report.logins_file} ด้วย)")
    elif not quiet:
        _print_demo_logins()


def _print_demo_logins() -> None:
    from saraban.samples.loader import logins_path

    path = logins_path()
    if path.exists():
        click.echo(path.read_text(encoding="utf-8").rstrip())
    else:
        click.echo("ยังไม่มีบัญชีทดลองใช้: run `saraban load-samples` first")


@click.command("demo-logins")
@with_appcontext
def demo_logins_command():
    """Print the demo logins written at first start, if the file is still there."""
    _print_demo_logins()


@click.command("create-token")
@click.argument("username")
@click.option("--name", default="cli", help="what the token is for")
@with_appcontext
def create_token_command(username: str, name: str):
    """Create an API token for USERNAME; the token is printed on the last line."""
    from sqlalchemy import select

    from saraban.accounts.models import User
    from saraban.accounts.operations import create_token
    from saraban.extensions import db
    from saraban.transaction import unit_of_work

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"ไม่พบผู้ใช้ {username!r} (no such user)")
    with unit_of_work("the new token"):
        token = create_token(user, name)
    click.echo(f"API token for {username} (shown once, keep it safe):")
    click.echo(token)


def register_cli(app) -> None:
    """Add the project's commands to ``app.cli`` (so the ``saraban`` group lists them)."""
    from saraban.accounts.cli import commands as account_commands
    from saraban.audit.cli import audit_cli
    from saraban.backup.cli import backup_command, restore_command
    from saraban.documents.cli import files_cli
    from saraban.exchange.cli import exchange_cli
    from saraban.exchange.ecms.cli import ecms_cli
    from saraban.intake.cli import intake_cli
    from saraban.mail.cli import mail_cli
    from saraban.mail.send_cli import mail_send_command
    from saraban.notify.cli import notify_cli
    from saraban.registers.cli import open_register_command
    from saraban.search.cli import search_cli
    from saraban.signing.cli import signing_cli

    for command in (serve, load_samples_command, demo_logins_command, create_token_command,
                    search_cli, audit_cli, backup_command, restore_command, exchange_cli, ecms_cli,
                    open_register_command, files_cli, intake_cli, mail_cli, mail_send_command,
                    signing_cli, notify_cli,
                    *account_commands):
        app.cli.add_command(command)


if __name__ == "__main__":
    main()
