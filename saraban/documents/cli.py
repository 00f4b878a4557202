"""``saraban files ...``: the keys of secret documents' files."""

from __future__ import annotations

import click
from flask.cli import AppGroup

files_cli = AppGroup("files", help="Stored files: the keys of secret documents' files.")


@files_cli.command("rotate-key")
@click.option("--drop-old", is_flag=True,
              help="delete the old keys afterwards (backups made before become unreadable)")
def rotate_key_command(drop_old: bool):
    """Make a new key-encryption key and wrap every encrypted file's key with it; files
    of secret documents still kept in clear are encrypted."""
    from saraban.documents.filecrypt import FileKeyError, keys_dir
    from saraban.documents.files import StorageError, rotate_file_key
    from saraban.transaction import unit_of_work

    try:
        with unit_of_work("the key rotation's audit event"):
            done = rotate_file_key(drop_old=drop_old)
    except (FileKeyError, StorageError) as error:
        raise click.ClickException(f"เปลี่ยนกุญแจไม่สำเร็จ (key rotation failed): {error}") from None
    click.echo(f"กุญแจใหม่ {done['key']} ใน {keys_dir()} (new key)")
    click.echo(f"ห่อกุญแจไฟล์ใหม่ {done['rewrapped']} ไฟล์, เข้ารหัสเพิ่ม {done['encrypted']} ไฟล์ "
               f"(rewrapped {done['rewrapped']}, newly encrypted {done['encrypted']})")
    if done["dropped"]:
        click.echo(f"ลบกุญแจเก่า {done['dropped']} ชุด (old keys dropped)")
    else:
        click.echo("กุญแจเก่ายังเก็บไว้สำหรับข้อมูลสำรองชุดก่อน (old keys kept for older backups)")
