"""The seed chain as data: what a fresh install shows, and loading twice changes nothing."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import func, select

from saraban.copies.models import CertifiedCopy
from saraban.documents.models import Document
from saraban.endorsements.models import Endorsement
from saraban.registers.models import Dispatch, Receipt
from saraban.routing.models import Transfer
from saraban.thaidate import BANGKOK, to_arabic_digits


def _doc(session, key):
    return session.scalar(select(Document).where(Document.source_key == key))


def _receipts(session, doc):
    rows = session.scalars(select(Receipt).where(Receipt.document_id == doc.id)).all()
    return {
        r.register.unit.short_name: (r.number, r.received_at.astimezone(BANGKOK), r.time_known)
        for r in rows
    }


def test_dga_letter_receipts_at_three_desks(db_session):
    letter = _doc(db_session, "dga-2562-w4099")
    assert letter.number == "สพร ๒๕๖๒/ว๔๐๙๙"
    assert letter.doc_date == dt.date(2019, 11, 1)
    assert letter.origin_agency.short_name == "สพร."
    got = _receipts(db_session, letter)
    assert got["ตร."][0] == 30987 and got["ตร."][2] is False  # time unreadable on the stamp
    assert got["ตร."][1].date() == dt.date(2019, 11, 11)
    assert got["สทส."][:2] == (4323, dt.datetime(2019, 11, 11, 14, 50, tzinfo=BANGKOK))
    # The OCR says พ.ค.; the true date is ๑๑ พ.ย. ๒๕๖๒.
    assert got["ฝอ.๒ บก.อก.สทส."][:2] == (8007, dt.datetime(2019, 11, 11, 15, 0, tzinfo=BANGKOK))


def test_memo_cites_letter_and_is_endorsed(db_session):
    memo = _doc(db_session, "rtp-0033.12-5052")
    letter = _doc(db_session, "dga-2562-w4099")
    assert memo.doc_date == dt.date(2019, 11, 22)
    assert letter.id in {r.target_id for r in memo.references}
    got = _receipts(db_session, memo)
    assert got["สง.ผู้ช่วย ผบ.ตร.(ปร ๓)"][:2] == (
        5063, dt.datetime(2019, 11, 25, 11, 25, tzinfo=BANGKOK)
    )
    dispatch = db_session.scalar(select(Dispatch).where(Dispatch.document_id == memo.id))
    assert (dispatch.year, dispatch.number) == (2019, 5052)
    endorsement = db_session.scalar(select(Endorsement).where(Endorsement.document_id == memo.id))
    assert [line.text for line in endorsement.lines] == [
        "ทราบตามข้อ ๒", "เห็นชอบตามที่เสนอในข้อ ๓"
    ]
    assert endorsement.signature_text == "ผู้ช่วย ผบ.ตร. ปรท.ผบ.ตร."
    assert endorsement.signed_at.astimezone(BANGKOK).date() == dt.date(2019, 11, 26)
    assert endorsement.delegation is not None
    assert endorsement.delegation.position.title == "ผบ.ตร."


def test_circulars_are_certified_copies_received_at_budget_office(db_session):
    memo = _doc(db_session, "rtp-0033.12-5052")
    copies = db_session.scalars(select(CertifiedCopy).where(CertifiedCopy.source_id == memo.id))
    numbers = sorted(c.copy.number for c in copies)
    assert numbers == ["๐๐๓๓.๑๒/๕๑๘๓", "๐๐๓๓.๑๒/๕๑๙๓"]
    circular = _doc(db_session, "rtp-0033.12-5193")
    got = _receipts(db_session, circular)
    assert got["ฝอ.สงป."][:2] == (553, dt.datetime(2019, 12, 20, 15, 55, tzinfo=BANGKOK))
    forwarding = _doc(db_session, "rtp-0010.011-1511")
    assert forwarding.doc_date == dt.date(2019, 12, 25)
    copy = db_session.scalar(select(CertifiedCopy).where(CertifiedCopy.copy_id == forwarding.id))
    assert copy.source_id == circular.id
    onward = db_session.scalars(
        select(Transfer).where(Transfer.document_id == forwarding.id)
    ).all()
    assert any("ประชาสัมพันธ์" in (t.purpose_text or "") for t in onward)
    assert {t.to_unit.short_name for t in onward if t.to_unit} == {"ฝอ.สงป.", "ฝทง.สงป."}


def test_ocr_is_kept_beside_corrected_values(db_session):
    memo = _doc(db_session, "rtp-0033.12-5052")
    receipt = db_session.scalar(select(Receipt).where(Receipt.document_id == memo.id))
    assert "มี.ย" in receipt.source_text and "แก้ไข" in receipt.source_text


# the seed's OCR text, in shared/ beside the checkout (or beside the worktrees' folder)
SEED = next((p / "shared" / "seed" for p in Path(__file__).resolve().parents[1:4]
             if (p / "shared" / "seed").is_dir()), Path("shared") / "seed")


def test_the_memo_keeps_what_its_paper_says(db_session):
    """Its body cites "ว๑๕๓๙ ลง ๑ พ.ย.๖๒" (its author's slip, not the OCR's); the link to
    ว๔๐๙๙ and the reason are on the reference, the body is not rewritten."""
    from saraban.documents.models import DocumentReference

    memo = _doc(db_session, "rtp-0033.12-5052")
    letter = _doc(db_session, "dga-2562-w4099")
    assert "มีหนังสือ ที่ สพร ๒๕๖๒/ว๑๕๓๙ ลง ๑ พ.ย.๖๒ เรื่อง แจ้งผล" in memo.body
    assert "ว๔๐๙๙" not in memo.body
    cites = db_session.scalar(select(DocumentReference).where(
        DocumentReference.document_id == memo.id, DocumentReference.target_id == letter.id))
    assert cites.text.startswith("หนังสือ สพร. ที่ สพร ๒๕๖๒/ว๑๕๓๙ ลง ๑ พ.ย.๖๒ เรื่อง แจ้งผล")
    assert "ว๔๐๙๙" in cites.note and "ว๑๕๓๙" in cites.note
    # every indicator the paper lists is there, in the paper's order, none cut short
    order = ["๒.๔", "๖.๑", "๓.๑", "๒.๒", "๒.๓", "๓.๒", "๓.๓", "๔.๑", "๔.๒", "๕.๒", "๖.๒", "๖.๓"]
    at = [memo.body.index(f"- ตัวชี้วัดย่อย {n} ") for n in order]
    assert at == sorted(at)
    assert "และการให้ประชาชนมีส่วนร่วมในกระบวนการตัดสินใจของหน่วยงาน" in memo.body
    assert "หน้า ๒" in memo.remarks  # the page missing from the seed is said, not papered over


def test_the_memo_body_is_the_seeds_text(db_session):
    """Each line of the body is on the paper (spacing aside): nothing rewritten."""
    import pytest

    if not SEED.is_dir():
        pytest.skip(f"the seed is not at {SEED}")
    paper = "".join("".join(p.read_text(encoding="utf-8").split()) for p in SEED.glob("*.txt"))
    memo = _doc(db_session, "rtp-0033.12-5052")
    for line in memo.body.splitlines():
        assert "".join(line.split()) in paper, line


def test_the_reference_shows_where_it_links_and_why(login, db_session):
    memo = _doc(db_session, "rtp-0033.12-5052")
    letter = _doc(db_session, "dga-2562-w4099")
    page = login("demo-admin").get(f"/documents/{memo.id}").get_data(as_text=True)
    assert "ที่ สพร ๒๕๖๒/ว๑๕๓๙ ลง ๑ พ.ย.๖๒" in page
    assert re.search(rf'href="/documents/{letter.id}">สพร ๒๕๖๒/ว๔๐๙๙</a>', page)
    assert "ผู้ทำบันทึกพิมพ์พลาด" in page


def test_no_credentials_or_mobile_numbers_in_sample_data():
    from saraban.samples.loader import SAMPLE_DIR

    text = "".join(p.read_text(encoding="utf-8") for p in SAMPLE_DIR.rglob("*.yaml"))
    assert "Username" not in text and "Password" not in text
    assert "dgsurvey" not in text
    # no Thai mobile number (0[689]x-xxx-xxxx), in Thai or Arabic digits, spaced or not
    flat = re.sub(r"[\s-]", "", to_arabic_digits(text))
    assert not re.search(r"(?<!\d)0[689]\d{8}(?!\d)", flat)


def _counts(session):
    from saraban import models

    return {
        name: session.scalar(select(func.count()).select_from(getattr(models, name)))
        for name in ("Document", "Receipt", "Dispatch", "Transfer", "Endorsement",
                     "CertifiedCopy", "Unit", "Person", "Delegation", "Register", "User")
    }


def test_loading_twice_changes_nothing(db_session):
    from saraban.samples.loader import load_samples

    before = _counts(db_session)
    report = load_samples()
    assert report.created_documents == 0 and report.new_logins == []
    assert _counts(db_session) == before
