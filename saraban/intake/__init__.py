"""Paper intake: scanned letters read by OCR (saraban.intake.ocr) and their fields
(saraban.intake.fields)."""
