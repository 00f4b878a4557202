"""``saraban backup PATH`` and ``saraban restore PATH``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

_PATH = click.Path(file_okay=False, path_type=Path)


def _line(verb_th: str, verb_en: str, summary) -> str:
    return (f"{verb_th} {summary.path}: {summary.tables} ตาราง {summary.rows:,} แถว "
            f"{summary.files:,} ไฟล์ {summary.bytes:,} ไบต์ {summary.seconds:.2f} วินาที "
            f"({verb_en}: {summary.tables} tables, {summary.rows:,} rows, "
            f"{summary.files:,} files, {summary.bytes:,} bytes, {summary.seconds:.2f} s)")


@click.command("backup", short_help="สำรองข้อมูลและไฟล์ (back up, while running)")
@click.argument("path", type=_PATH)
@with_appcontext
def backup_command(path: Path):
    """สำรองฐานข้อมูลและไฟล์ลงโฟลเดอร์ PATH (ใหม่หรือว่าง) ขณะระบบทำงาน (back up)."""
    from saraban.backup.backup import BackupError, backup
    from saraban.transaction import unit_of_work

    try:
        with unit_of_work("one backup"):  # reads in its own snapshot; writes nothing
            summary = backup(path)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(_line("สำรองข้อมูลแล้ว", "backed up", summary))


@click.command("restore", short_help="กู้คืนข้อมูลสำรอง (restore into an empty one)")
@click.argument("path", type=_PATH)
@click.option("--key-file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="the installation key of the installation that made the backup "
              "(its DATA_DIR/installation.key), when restoring on another machine")
@with_appcontext
def restore_command(path: Path, key_file: Path | None):
    """กู้คืนข้อมูลสำรองจาก PATH ลงในระบบที่ว่าง (restore into an empty installation)."""
    from saraban.backup.backup import BackupError
    from saraban.backup.restore import restore
    from saraban.transaction import unit_of_work

    try:
        with unit_of_work("one restore"):  # every row in one transaction, or none
            summary = restore(path, key_file=key_file)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(_line("กู้คืนข้อมูลแล้ว", "restored", summary))
