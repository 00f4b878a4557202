"""``saraban ecms sync-codes`` against the fake e-CMS (tests/ecms_node.py), on both databases.

The fake node is a STAND-IN for DGA's service, written by us: its lists are our guesses
(SPEC.md §5), so these tests show that what a node answers is stored whole, replaced whole and
never half-written, not what DGA's lists hold.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from saraban.exchange.ecms import codec
from saraban.exchange.ecms.client import EcmsClient
from saraban.exchange.ecms.codes import code_tables, directory, map_level, sync_codes
from saraban.exchange.ecms.messages import (
    CodeEntry,
    EcmsRemoteError,
    ErrorDetail,
    MimeCode,
    Organization,
)
from saraban.exchange.ecms.models import (
    CodeList,
    EcmsCode,
    EcmsLevelMap,
    EcmsMimeCode,
    EcmsMinistry,
    EcmsOrganization,
)
from saraban.validation import OperationError
from tests.ecms_node import (
    MIME_CODES,
    MINISTRIES,
    ORG_1,
    ORG_2,
    SECRET_CODES,
    SPEED_CODES,
    FakeEcms,
)


class Node(FakeEcms):
    """The fake node, with lists a test can change and operations it can make refuse."""

    def __init__(self):
        super().__init__()
        self.refuse: dict[str, ErrorDetail] = {}
        self.secret = list(SECRET_CODES)
        self.mime = list(MIME_CODES)
        self.extra_orgs: list[Organization] = []

    def _dispatch(self, organization, request):
        if request.operation in self.refuse:
            return codec.build_error(self.refuse[request.operation])
        if request.operation == "GetSecretCodes":
            return codec.build_codes("SecretCodes", self.secret)
        if request.operation == "GetMimeCodes":
            return codec.build_mime_codes(self.mime)
        if request.operation == "GetOrganizationList":
            return codec.build_organization_list([*self._directory(), *self.extra_orgs])
        return super()._dispatch(organization, request)


@pytest.fixture()
def node():
    fake = Node().start()
    yield fake
    fake.stop()


def _client(node) -> EcmsClient:
    return EcmsClient(node.url(ORG_1), ORG_1, read_timeout=5.0, retry_pause=0.0)


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _state(session) -> dict:
    return {
        "orgs": sorted(session.scalars(select(EcmsOrganization.organization_id)).all()),
        "ministries": _count(session, EcmsMinistry),
        "secret": sorted(session.scalars(select(EcmsCode.value).where(
            EcmsCode.list_name == CodeList.SECRET)).all()),
        "speed": _count(session, EcmsCode) - len(session.scalars(select(EcmsCode.value).where(
            EcmsCode.list_name == CodeList.SECRET)).all()),
        "mime": sorted(session.scalars(select(EcmsMimeCode.extension)).all()),
    }


def test_sync_stores_every_list_with_its_fetch_time(node, db_session):
    report = sync_codes(_client(node))
    assert report.counts == {"organizations": 2, "ministries": len(MINISTRIES),
                             "secret": len(SECRET_CODES), "speed": len(SPEED_CODES),
                             "mime": len(MIME_CODES)}
    assert directory() == {ORG_1: "หน่วยงานทดสอบ ๑", ORG_2: "หน่วยงานทดสอบ ๒"}
    org = db_session.scalar(select(EcmsOrganization).where(
        EcmsOrganization.organization_id == ORG_2))
    assert org.ecms_url == node.url(ORG_2) and org.ministry_id == "00"
    assert org.fetched_at is not None and org.fetched_at.tzinfo is not None
    tables = code_tables()
    assert tables.secret_codes["004"] == "ลับที่สุด"
    assert tables.speed_codes["002"] == "ด่วน"
    assert tables.mime_types == {"pdf": "application/pdf", "png": "image/png",
                                 "jpg": "image/jpeg", "txt": "text/plain"}
    assert tables.secrecy_map == {}  # fetching maps nothing: the administrator does
    operations = [op for org_, op, _ in node.received if org_ == ORG_1]
    assert set(operations) == {"GetOrganizationList", "GetMinistryOrganizationList",
                               "GetSecretCodes", "GetSpeedCodes", "GetMimeCodes"}


def test_a_second_sync_replaces_each_list_whole(node, db_session):
    sync_codes(_client(node))
    first = db_session.scalar(select(EcmsCode.fetched_at).limit(1))
    node.secret = [CodeEntry("001", "ปกติ"), CodeEntry("009", "ลับเฉพาะบุคคล")]
    node.mime = [MimeCode("pdf", "application/pdf")]
    node.extra_orgs = [Organization("2500400000", "สำนักงาน กปร.", "", "")]
    report = sync_codes(_client(node))
    assert report.counts["secret"] == 2 and report.counts["mime"] == 1
    state = _state(db_session)
    assert state["secret"] == ["001", "009"]  # 002-004 are gone, not kept beside
    assert state["mime"] == ["pdf"]
    assert state["orgs"] == [ORG_1, ORG_2, "2500400000"]
    assert state["speed"] == len(SPEED_CODES)  # the other list is untouched by the change
    assert db_session.scalar(select(EcmsCode.fetched_at).limit(1)) >= first


def test_an_error_detail_on_any_list_leaves_every_stored_list_as_it_was(node, db_session):
    sync_codes(_client(node))
    before = _state(db_session)
    node.secret = [CodeEntry("001", "ปกติ")]  # would change, if it were written
    node.refuse["GetMimeCodes"] = ErrorDetail("E-999", "ระบบขัดข้อง")  # the last list fetched
    with pytest.raises(EcmsRemoteError) as caught:
        sync_codes(_client(node))
    assert caught.value.detail.code == "E-999"
    assert _state(db_session) == before


def test_nothing_is_stored_when_the_node_refuses_the_first_time(node, db_session):
    node.refuse["GetSpeedCodes"] = ErrorDetail("E-1", "unavailable")
    with pytest.raises(EcmsRemoteError):
        sync_codes(_client(node))
    assert _state(db_session) == {"orgs": [], "ministries": 0, "secret": [], "speed": 0,
                                  "mime": []}


def test_an_empty_list_from_the_node_changes_nothing(node, db_session):
    sync_codes(_client(node))
    before = _state(db_session)
    node.secret = []
    with pytest.raises(OperationError) as caught:
        sync_codes(_client(node))
    assert "empty secret" in caught.value.message_en
    assert _state(db_session) == before


def test_bad_and_repeated_items_are_left_out_and_reported(node, db_session):
    node.extra_orgs = [Organization("12345", "สั้นเกิน", "", ""),
                       Organization(ORG_2, "ซ้ำ", "", "")]
    node.secret = [*SECRET_CODES, CodeEntry("001", "ซ้ำ")]
    report = sync_codes(_client(node))
    assert report.counts["organizations"] == 2 and report.counts["secret"] == 4
    assert any("12345" in s for s in report.skipped["organizations"])
    assert any(ORG_2 in s for s in report.skipped["organizations"])
    assert directory()[ORG_2] == "หน่วยงานทดสอบ ๒"  # the first one kept
    assert code_tables().secret_codes["001"] == "ปกติ"


def test_the_command_prints_the_counts(node, app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "ECMS_NODE_URL", node.url(ORG_1))
    monkeypatch.setitem(app.config, "ECMS_ORG_ID", ORG_1)
    result = app.test_cli_runner().invoke(args=["ecms", "sync-codes"])
    assert result.exit_code == 0, result.output
    assert "หน่วยงาน (directory): 2" in result.output
    assert f"ชั้นความลับ (secret codes): {len(SECRET_CODES)}" in result.output
    assert f"ชนิดไฟล์ (MIME codes): {len(MIME_CODES)}" in result.output
    assert _count(db_session, EcmsOrganization) == 2


def test_the_command_says_what_the_node_refused(node, app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "ECMS_NODE_URL", node.url(ORG_1))
    monkeypatch.setitem(app.config, "ECMS_ORG_ID", ORG_1)
    node.refuse["GetOrganizationList"] = ErrorDetail("E-AUTH", "not registered")
    result = app.test_cli_runner().invoke(args=["ecms", "sync-codes"])
    assert result.exit_code == 1
    assert "E-AUTH not registered" in result.output
    assert _count(db_session, EcmsOrganization) == 0


def test_the_command_needs_the_settings(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "ECMS_NODE_URL", None)
    monkeypatch.setitem(app.config, "ECMS_ORG_ID", None)
    result = app.test_cli_runner().invoke(args=["ecms", "sync-codes"])
    assert result.exit_code == 1
    assert "SARABAN_ECMS_NODE_URL" in result.output


def test_the_org_id_setting_must_be_ten_digits(monkeypatch, tmp_path):
    from saraban.config import ConfigError, load_config

    monkeypatch.setenv("SARABAN_ECMS_ORG_ID", "003150001")
    with pytest.raises(ConfigError, match="10-digit"):
        load_config(str(tmp_path), {"ENV": "testing", "SECRET_KEY": "x"})
    monkeypatch.setenv("SARABAN_ECMS_ORG_ID", "๐๐๓๑๕๐๐๐๐๑")  # Thai digits are not the ID
    with pytest.raises(ConfigError):
        load_config(str(tmp_path), {"ENV": "testing", "SECRET_KEY": "x"})
    monkeypatch.setenv("SARABAN_ECMS_ORG_ID", ORG_1)
    monkeypatch.setenv("SARABAN_ECMS_NODE_URL", "http://127.0.0.1:1/ecms-ws01/service2")
    config = load_config(str(tmp_path), {"ENV": "testing", "SECRET_KEY": "x"})
    assert config["ECMS_ORG_ID"] == ORG_1
    assert config["ECMS_NODE_URL"].endswith("/ecms-ws01/service2")


def test_an_administrator_maps_levels_to_listed_codes_only(node, db_session):
    sync_codes(_client(node))
    map_level(None, "secrecy", 0, "001")
    map_level(None, "secrecy", 1, "002")
    map_level(None, "urgency", 3, "004")
    assert code_tables().secrecy_map == {0: "001", 1: "002"}
    assert code_tables().urgency_map == {3: "004"}
    with pytest.raises(OperationError, match="ไม่มีรหัส"):
        map_level(None, "secrecy", 2, "777")  # the node does not list it
    with pytest.raises(OperationError) as caught:
        map_level(None, "secrecy", 2, "002")  # already ลับ's: would read back as two levels
    assert "already mapped to level 1" in caught.value.message_en
    map_level(None, "secrecy", 1, "003")  # moved: one row per level
    assert code_tables().secrecy_map == {0: "001", 1: "003"}
    assert _count(db_session, EcmsLevelMap) == 3


def _pdf() -> bytes:
    """A real one-page PDF (what leaves goes through the active-content filter)."""
    import datetime as dt

    from saraban.pdf.stamp import stamp_pdf

    return stamp_pdf("สำนักงานพัฒนารัฐบาลดิจิทัล", 4099,
                     dt.datetime(2019, 11, 1, 3, 0, tzinfo=dt.UTC))


def test_a_stored_document_goes_through_the_node_and_reads_back_at_the_other_end(
        node, app, db_session, monkeypatch):
    """Synced codes + the administrator's mapping + our stored files → the node → the other
    organisation's pull → the fields its saraban registers."""
    import datetime as dt

    from saraban.documents.files import store
    from saraban.documents.models import DocumentFile, Enclosure, FileRole
    from saraban.exchange.ecms.mapping import EcmsRefusal, arriving_letter
    from saraban.exchange.ecms.outgoing import letter_for
    from tests.conftest import make_document

    monkeypatch.setitem(app.config, "ECMS_ORG_ID", ORG_1)
    sync_codes(_client(node))
    for level, code in enumerate(("001", "002", "003", "004")):
        map_level(None, "secrecy", level, code)
        map_level(None, "urgency", level, code)
    pdf, png = _pdf(), b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    document = make_document(db_session, subject="ขอเชิญประชุม", number="ที่ ทก ๐๐๐๑/๒๕๖๙",
                             doc_date=dt.date(2026, 12, 3), addressee="หัวหน้าสำนักงาน",
                             urgency=1)
    document.files.append(DocumentFile(file_id=store(pdf, "application/pdf").id,
                                       role=FileRole.ORIGINAL, filename="หนังสือ.pdf"))
    document.enclosures.append(Enclosure(position=0, description="แผนผัง ๑ แผ่น",
                                         file=store(png, "image/png")))
    db_session.flush()

    letter = letter_for(document, ORG_2)
    assert (letter.secret_code, letter.speed_code) == ("001", "002")
    assert letter.main_letter.mime_code == "application/pdf"
    assert letter.main_letter.content.startswith(b"%PDF")
    assert letter.attachments[0].content == png
    sent = _client(node).send_letter(letter, to_url=node.url(ORG_2))
    assert sent.process_id

    item = EcmsClient(node.url(ORG_2), ORG_2, retry_pause=0.0).pull()
    arrival = arriving_letter(item.letter, our_id=ORG_2, tables=code_tables(),
                              directory=directory())
    assert arrival.document["number"] == "ทก ๐๐๐๑/๒๕๖๙"
    assert arrival.document["sender"] == "หน่วยงานทดสอบ ๑"
    assert arrival.document["urgency"] == 1 and arrival.document["addressee"] == "หัวหน้าสำนักงาน"
    assert arrival.enclosures == "แผนผัง ๑ แผ่น"
    assert [f.filename for f in arrival.files] == ["เอกสารหลัก.pdf", "เอกสารแนบ1.png"]

    monkeypatch.setitem(app.config, "ECMS_ORG_ID", None)
    with pytest.raises(EcmsRefusal, match="SARABAN_ECMS_ORG_ID"):
        letter_for(document, ORG_2)
