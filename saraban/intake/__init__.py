"""Paper coming in: scanned letters read by OCR (ocr, fields), stamped in blank space and
split into letters (layout), queued as intake drafts a clerk registers (operations)."""
