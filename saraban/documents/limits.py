"""How long a document's fields may be: written once, read by the operations
(saraban/documents/operations.py), the API's models (saraban/api/schemas/documents.py)
and the pages' forms (saraban/registers/forms.py)."""

NUMBER = 120  # ที่ (after the word ที่ typed before it is taken off)
SUBJECT = 2000  # เรื่อง
SENDER = 500  # จาก
ADDRESSEE = 1000  # เรียน / ถึง
BODY = 200_000  # เนื้อความ
REMARKS = 5000  # หมายเหตุ
QUERY = 200  # a search's words
