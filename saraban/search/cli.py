"""``saraban search``: rebuild and check the search index."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

search_cli = AppGroup("search", help="ดัชนีค้นหา (search index)")


@search_cli.command("reindex")
@click.option("--batch", default=500, show_default=True, help="documents per transaction")
@click.option("--quiet", is_flag=True, help="no progress bar")
def reindex_command(batch: int, quiet: bool):
    """Rebuild the search text of every document."""
    from saraban.db import begin_write
    from saraban.documents.models import Document
    from saraban.extensions import db
    from saraban.search.index import reindex
    from saraban.search.operations import database_can_index_thai
    from saraban.transaction import unit_of_work

    ok, message = database_can_index_thai()
    if not ok:
        click.echo(message, err=True)
    ids = list(db.session.scalars(select(Document.id).order_by(Document.id)))
    done = 0
    hidden = quiet or not sys.stdout.isatty()  # a bar on a terminal, not in a log
    with click.progressbar(length=len(ids), label="สร้างดัชนีค้นหา", hidden=hidden) as bar:
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            with unit_of_work("one batch of the index"):
                begin_write(db.session)
                done += reindex(db.session, chunk)
            bar.update(len(chunk))
    click.echo(f"ดัชนีค้นหาครบ {done} ฉบับ (indexed {done} documents)")
    if not ok:
        raise SystemExit(1)


@search_cli.command("check")
def check_command():
    """Say whether the database can index Thai and whether every document is indexed."""
    from saraban.extensions import db
    from saraban.search.index import count_missing
    from saraban.search.operations import database_can_index_thai

    ok, message = database_can_index_thai()
    missing = count_missing(db.session)
    if not ok:
        click.echo(message, err=True)
    if missing:
        click.echo(f"หนังสือ {missing} ฉบับยังไม่อยู่ในดัชนี ให้สั่ง saraban search reindex "
                   f"({missing} documents are not indexed)", err=True)
    if ok and not missing:
        click.echo("ดัชนีค้นหาพร้อมใช้ (the search index is complete)")
    raise SystemExit(0 if ok and not missing else 1)
