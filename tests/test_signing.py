"""PAdES signatures (saraban/signing): the agency's CA, a commander's certification
signature on a letter, the registry filling the number and date and adding its approval
signature, checked by pyhanko's validator and by poppler's pdfsig."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import text

from tests.conftest import make_user


@pytest.fixture()
def ca(app, db_session):
    from saraban.signing import ca as agency_ca

    if not agency_ca.has_ca():
        agency_ca.init_ca("สำนักงานทดสอบ")
    return agency_ca.ca_certificate()


def test_issue_keeps_the_key_encrypted(ca, db_session):
    from saraban.documents import filecrypt
    from saraban.signing import ca as agency_ca

    user = make_user(db_session, display_name="พล.ต.ต. สมชาย ใจดี")
    row = agency_ca.issue(user)
    assert row.subject == "พล.ต.ต. สมชาย ใจดี"
    assert row.source == "agency_ca" and not row.registry_key
    key_der = filecrypt.decrypt(row.key_blob, row.fingerprint)
    serialization.load_der_private_key(key_der, None)  # it is the key
    stored = db_session.execute(
        text("SELECT * FROM signing_certificate WHERE id = :id"), {"id": row.id}).one()
    raw = b"".join(bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
                   for v in stored)
    assert key_der not in raw
    assert key_der[-32:] not in raw  # not even the tail (the raw private scalar's part)
