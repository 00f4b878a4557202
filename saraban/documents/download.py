"""A stored file as an HTTP answer, the same for the document page and the API.

A leaf module (Flask only), so that the pages need not import the API package for it.
"""

from __future__ import annotations

from flask import Response


def file_response(f, data: bytes, media_type: str | None = None) -> Response:
    """``data`` of the DocumentFile ``f``, served as what the content is (``media_type``,
    else the stored file's), never as HTML; downloaded, not rendered, unless a PDF, and
    sandboxed either way, so that a hostile upload cannot run in the site's origin."""
    media_type = media_type or f.file.media_type
    disposition = "inline" if media_type == "application/pdf" else "attachment"
    return Response(data, mimetype=media_type, headers={
        "Content-Disposition": f'{disposition}; filename="file-{f.id}"',
        "Content-Security-Policy": "sandbox"})
