"""The records' life: retention, the yearly destruction list, loans of paper originals."""
