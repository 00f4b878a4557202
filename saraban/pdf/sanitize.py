"""Active content out of every PDF the saraban serves or makes.

A scan may arrive carrying JavaScript, an action run on opening, a program to launch,
embedded files, rich media or an XFA form. The original is kept untouched as the evidence
file; every copy shown, stamped or sent on is made without them: the catalog's
/OpenAction and /AA, the /JavaScript and /EmbeddedFiles name trees, XFA, every /AA and
/JS, actions that run code, launch, submit, import or play something, and annotations
that carry files or media. What is left (pages, their text and images, links to pages
and web addresses) reads as before.
"""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

# Keys whose values are code, run on an event, or files and media carried inside.
_DROP_KEYS = frozenset({"/OpenAction", "/AA", "/JS", "/JavaScript", "/EmbeddedFiles",
                        "/EmbeddedFile", "/EF", "/AF", "/RichMedia", "/RichMediaContent",
                        "/RichMediaSettings", "/XFA", "/URIActionsDisabled"})
# Actions that run, launch, send, load or play something.
_BAD_ACTIONS = frozenset({"/JavaScript", "/Launch", "/ImportData", "/SubmitForm",
                          "/ResetForm", "/RichMediaExecute", "/GoToE", "/Rendition",
                          "/Movie", "/Sound", "/GoTo3DView", "/Hide", "/Trans"})
# Annotations that carry a file, media or 3-D content.
_BAD_ANNOTATIONS = frozenset({"/FileAttachment", "/RichMedia", "/Screen", "/Movie",
                              "/Sound", "/3D"})

ACTIVE_MARKERS = (b"/JavaScript", b"/JS", b"/OpenAction", b"/AA", b"/Launch",
                  b"/EmbeddedFile", b"/RichMedia", b"/XFA")


class SanitizeError(ValueError):
    """The PDF could not be read to take its active content out."""


def _is_bad_annotation(value) -> bool:
    target = value.get_object() if isinstance(value, IndirectObject) else value
    return isinstance(target, DictionaryObject) and target.get("/Subtype") in _BAD_ANNOTATIONS


def strip_writer(writer: PdfWriter) -> int:
    """Take the active content out of ``writer`` in place; gives how many things went."""
    removed = 0
    pending: list = [writer._root_object, writer._info] + list(getattr(writer, "_objects", []))
    seen: set[int] = set()
    while pending:
        item = pending.pop()
        if item is None:
            continue
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        elif id(item) in seen:
            continue
        else:
            seen.add(id(item))
        if isinstance(item, DictionaryObject):  # streams are dictionaries too
            for name in [k for k in item if k in _DROP_KEYS]:
                del item[name]
                removed += 1
            if item.get("/S") in _BAD_ACTIONS:
                for name in list(item):
                    if name not in ("/Type", "/Next"):
                        del item[name]
                item[NameObject("/S")] = NameObject("/GoTo")  # a harmless action
                item[NameObject("/D")] = ArrayObject()
                removed += 1
            annotations = item.get("/Annots")
            if annotations is not None:
                annotations = annotations.get_object()
                if isinstance(annotations, ArrayObject):
                    kept = [a for a in annotations if not _is_bad_annotation(a)]
                    if len(kept) != len(annotations):
                        removed += len(annotations) - len(kept)
                        annotations[:] = kept
            pending.extend(item.values())
        elif isinstance(item, ArrayObject):
            pending.extend(item)
    return removed


def strip_active(data: bytes) -> bytes:
    """A copy of the PDF ``data`` without active content (the same bytes when it had
    none to take out). SanitizeError when it cannot be read."""
    from pypdf.errors import PyPdfError

    try:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        if strip_writer(writer) == 0:
            return data
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError,
            RecursionError) as error:
        raise SanitizeError(str(error)) from error
