"""The e-CMS letter for one of our documents, from what the database and the data folder hold:
the impure half of mapping.py (which stays pure), for the send page, the API and the worker.

The letter's file is the document's first file in the order the saraban-exchange/1 sender uses
(the original, then a scan, a stamped copy, a certified copy); the enclosures' files follow in
the enclosures' order. What leaves carries no active content (``served_copy``), and its media
type is the one the content showed when it was stored.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app

from saraban.db import utcnow
from saraban.documents.models import Document, FileRole
from saraban.exchange.ecms.codes import code_tables
from saraban.exchange.ecms.mapping import EcmsRefusal, OutgoingFile, outgoing_letter
from saraban.exchange.ecms.messages import Letter

FILE_ORDER = (FileRole.ORIGINAL, FileRole.SCAN, FileRole.STAMPED, FileRole.CERTIFIED)


def outgoing_files(document: Document) -> tuple[OutgoingFile | None, list[OutgoingFile]]:
    """The letter's own file (None when it has none) and its enclosures' files."""
    from saraban.documents.files import served_copy

    def out(stored, name: str) -> OutgoingFile:
        content, media_type = served_copy(stored)
        return OutgoingFile(content, media_type, name)

    files = sorted(document.files, key=lambda f: (FILE_ORDER.index(f.role), f.id))
    main = out(files[0].file, files[0].filename) if files else None
    enclosures = [out(e.file, e.description[:100]) for e in document.enclosures
                  if e.file is not None]
    return main, enclosures


def our_organization_id() -> str:
    """``SARABAN_ECMS_ORG_ID``; refused while it is not set."""
    org = current_app.config.get("ECMS_ORG_ID")
    if not org:
        raise EcmsRefusal("ยังไม่ได้ตั้งค่ารหัสหน่วยงาน e-CMS (SARABAN_ECMS_ORG_ID)",
                          "This installation has no e-CMS organisation ID "
                          "(SARABAN_ECMS_ORG_ID).", status=409)
    return org


def letter_for(document: Document, receiver_id: str, *,
               send_date: dt.datetime | None = None) -> Letter:
    """The ``Letter`` to send ``document`` to ``receiver_id`` through e-CMS, or an
    ``EcmsRefusal`` saying why it cannot go."""
    main, enclosures = outgoing_files(document)
    return outgoing_letter(document, sender_id=our_organization_id(), receiver_id=receiver_id,
                           tables=code_tables(), main=main, enclosure_files=enclosures,
                           send_date=send_date or utcnow().replace(microsecond=0))
