"""Document pages: the list, one document with its routing history, and its matter."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from saraban import thaidate
from saraban.documents.access import record_views
from saraban.documents.history import (
    document_history,
    latest_locations,
    matter_chain,
    related_documents,
)
from saraban.documents.models import DocumentFile
from saraban.documents.operations import find_by_number, get_visible, list_documents
from saraban.endorsements.views import panel_for
from saraban.extensions import db
from saraban.registers.models import RegisterKind
from saraban.registers.operations import active_dispatch, may_number, usable_registers
from saraban.routing.operations import (
    cleared_people,
    mark_opened,
    readers_of,
    recallable_transfers,
)
from saraban.routing.views import destination_units

bp = Blueprint("documents", __name__, url_prefix="/documents")

PAGE_SIZE = 50
LIST_COUNT_CAP = 1000  # the plain list counts up to here ("more than 1,000")


def _page() -> int:
    raw = request.args.get("page", "1")
    return max(1, min(int(raw), 10_000)) if raw.isdecimal() and len(raw) < 7 else 1


@bp.route("/")
@login_required
def index():
    from saraban.search.operations import Query, search_documents
    from saraban.validation import OperationError

    number = (request.args.get("number") or "").strip()[:120]
    more = False
    page = _page()
    offset = (page - 1) * PAGE_SIZE
    try:
        query = Query.read(request.args)
    except OperationError as error:
        flash(error.message_for(), "error")
        query = Query()
    if number:
        items, total = find_by_number(current_user, number, limit=PAGE_SIZE, offset=offset)
    elif not query.empty:
        found = search_documents(current_user, query, limit=PAGE_SIZE, offset=offset)
        items, total, more = found.items, found.total, found.more
    else:
        cap = max(LIST_COUNT_CAP, offset + PAGE_SIZE)
        items, total = list_documents(current_user, limit=PAGE_SIZE, offset=offset, cap=cap)
        if total > cap:
            total, more = cap, True
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    page = render_template(
        "documents/index.html",
        documents=items,
        total=total,
        more=more,
        number=number,
        query=query,
        args=args,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        locations=latest_locations([d.id for d in items]),
        units=destination_units(),
    )
    record_views(current_user, items, "list")  # written last: see saraban/pages.py
    return page


@bp.route("/<int:document_id>")
@login_required
def show(document_id: int):
    document = get_visible(current_user, document_id)
    if document is None:
        abort(404)  # the same answer whether it does not exist or may not be seen
    # Opening marks the transfers waiting for the user's units as opened before the page
    # is read, as the page shows it (the history says "opened", they are no longer
    # recallable); it writes only at a unit's first opening. The views of secret documents
    # change nothing shown: they are written last (see saraban/pages.py).
    mark_opened(current_user, document.id)
    history = document_history(document)
    matter, links = matter_chain(current_user, document)
    visible_ids = {d.id for d in matter}  # related documents all belong to the matter
    related = [r for r in related_documents(document) if r.document.id in visible_ids]
    files = db.session.scalars(
        select(DocumentFile).where(DocumentFile.document_id == document.id)
        .options(joinedload(DocumentFile.file)).order_by(DocumentFile.id)
    ).all()
    registers = usable_registers(current_user)
    dispatch_registers = [r for r in registers if r.kind == RegisterKind.DISPATCH]
    numbering = {r.unit_id: may_number(document, r.unit) for r in dispatch_registers}
    page = render_template(
        "documents/show.html", document=document, history=history, related=related,
        matter=matter, matter_links=_links_by_source(matter, links), files=files,
        units=destination_units(),
        receipt_registers=[r for r in registers if r.kind == RegisterKind.RECEIPT],
        dispatch_registers=dispatch_registers,
        numbering_registers=[r for r in dispatch_registers if numbering[r.unit_id]],
        dispatch=active_dispatch(document.id) if registers else None,
        recallable=recallable_transfers(current_user, document.id),
        desk=panel_for(current_user, document), today=thaidate.today(),
        peers=_peers() if registers else [],
        **(_ecms(document.id) if registers else {"ecms_directory": [], "ecms_letters": []}),
        readers=readers_of(document) if document.secrecy else [],
        cleared=cleared_people(document.secrecy) if document.secrecy else [],
    )
    record_views(current_user, [document], "page")
    record_views(current_user, [d for d in matter if d.id != document.id], "chain")
    return page



def _peers():
    from saraban.exchange.models import Peer

    return db.session.scalars(select(Peer).where(Peer.active).order_by(Peer.name)).all()


def _ecms(document_id: int) -> dict:
    """The e-CMS directory to send to and the document's letters sent through e-CMS."""
    from saraban.exchange.ecms.pages import destinations, letters_of

    return {"ecms_directory": destinations(), "ecms_letters": letters_of(document_id)}


def _links_by_source(documents, links) -> dict[int, list[tuple[str, str]]]:
    """For each document of the matter: (relation, number of the document it points at)."""
    numbers = {d.id: d.number or "" for d in documents}
    out: dict[int, list[tuple[str, str]]] = {}
    for link in links:
        out.setdefault(link.source_id, []).append((link.relation, numbers[link.target_id]))
    return out


@bp.post("/<int:document_id>/edit")
@login_required
def edit(document_id: int):
    from saraban.documents.operations import EDITABLE, LOCKED_AFTER_DISPATCH, update_document
    from saraban.pages import run_operation

    locked = active_dispatch(document_id) is not None
    data = {key: request.form.get(key) for key in EDITABLE
            if key in request.form and not (locked and key in LOCKED_AFTER_DISPATCH)}
    run_operation(lambda: update_document(current_user, document_id, data),
                  gettext("บันทึกการแก้ไขแล้ว"))
    return redirect(url_for("documents.show", document_id=document_id) + "#clerk")


@bp.post("/<int:document_id>/files")
@login_required
def attach(document_id: int):
    from saraban.documents.files import attach_scan
    from saraban.pages import run_operation

    upload = request.files.get("file")
    made = run_operation(lambda: attach_scan(
        current_user, document_id, upload.filename if upload else None,
        upload.read() if upload else b""))
    if made is not None:
        flash(gettext("บันทึกไฟล์แล้ว พร้อมสำเนาที่ประทับตรารับ") if len(made) > 1
              else gettext("บันทึกไฟล์แล้ว"), "info")
    return redirect(url_for("documents.show", document_id=document_id) + "#files")


@bp.get("/<int:document_id>/files/<int:file_id>")
@login_required
def download_file(document_id: int, file_id: int):
    from saraban.documents.download import file_response
    from saraban.documents.files import served_copy, visible_file
    from saraban.validation import OperationError

    found = visible_file(current_user, document_id, file_id)
    if found is None:
        abort(404)
    try:
        data, media_type = served_copy(found.file)
    except OperationError as error:  # kept encrypted, and its key is missing
        return render_template("errors/error.html", code=error.status,
                               message=error.message_for()), error.status
    response = file_response(found, data, media_type)
    record_views(current_user, [found.document], "file", found.id)  # last: saraban/pages.py
    return response
