"""Settings and columns that were documented or shown but did nothing: SARABAN_FONT_PATH
(the PDFs' font) and ApiToken.last_used_at (written when a token authenticates)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from saraban.pdf import FONT_DIR

RENAMES = {"Sarabun-Regular.ttf": (b"Sarabun-Regular", b"Testfnt-Regular"),
           "Sarabun-Bold.ttf": (b"Sarabun-Bold", b"Testfnt-Bold")}


def _renamed_font(source: str, target: Path) -> Path:
    """A copy of a bundled font whose PostScript name is changed (same length, so the
    tables stay where they are): a PDF made with it names that font."""
    old, new = RENAMES[source]
    data = (FONT_DIR / source).read_bytes()
    data = data.replace(old, new).replace(old.decode().encode("utf-16-be"),
                                          new.decode().encode("utf-16-be"))
    target.write_bytes(data)
    return target


@pytest.fixture()
def font_setting(app):
    from saraban.pdf import register_fonts

    before = app.config.get("FONT_PATH")
    yield app.config
    app.config["FONT_PATH"] = before
    with app.app_context():
        register_fonts()


def _register_pdf(app) -> bytes:
    from saraban.pdf.register import RegisterRow, register_pdf

    with app.app_context():
        row = RegisterRow(number="๑", doc_number="ศธ ๐๐๐๑/๑", doc_date="๑ ม.ค. ๒๕๖๙",
                          sender="โรงเรียน", addressee="ผู้อำนวยการ", subject="ทดสอบแบบอักษร",
                          action="", remarks="")
        return register_pdf("ทะเบียนหนังสือรับ", "ทดสอบ", [row])


def test_font_path_names_the_pdf_font_and_the_bold_beside_it(app, font_setting, tmp_path):
    font_setting["FONT_PATH"] = str(_renamed_font("Sarabun-Regular.ttf",
                                                  tmp_path / "Agency-Regular.ttf"))
    _renamed_font("Sarabun-Bold.ttf", tmp_path / "Agency-Bold.ttf")
    pdf = _register_pdf(app)
    assert b"+Testfnt-Regular" in pdf and b"+Testfnt-Bold" in pdf
    assert b"Sarabun" not in pdf


def test_font_path_without_a_bold_draws_bold_with_the_regular(app, font_setting, tmp_path):
    font_setting["FONT_PATH"] = str(_renamed_font("Sarabun-Regular.ttf",
                                                  tmp_path / "THAgency.ttf"))
    pdf = _register_pdf(app)
    assert b"+Testfnt-Regular" in pdf and b"Sarabun" not in pdf


def test_default_font_is_the_bundled_sarabun(app):
    pdf = _register_pdf(app)
    assert b"+Sarabun-Regular" in pdf and b"+Sarabun-Bold" in pdf


@pytest.mark.parametrize("kind", ["missing", "not a font"])
def test_bad_font_path_stops_the_start_with_a_clear_message(tmp_path, kind):
    from saraban import create_app
    from saraban.config import ConfigError

    path = tmp_path / "THSarabunNew.ttf"
    if kind == "not a font":
        path.write_text("ไม่ใช่แบบอักษร")
    with pytest.raises(ConfigError, match="SARABAN_FONT_PATH") as raised:
        create_app({"ENV": "testing", "SECRET_KEY": "x" * 32, "FONT_PATH": str(path),
                    "DATA_DIR": str(tmp_path / "data"),
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    assert str(path) in str(raised.value)


def test_token_use_is_written_at_most_once_a_minute(client, db_session, bearer):
    from saraban.accounts.models import ApiToken
    from saraban.db import utcnow

    headers = bearer("demo-admin")
    prefix = headers["Authorization"].split()[1][:10]

    def last_used():
        db_session.expire_all()
        return db_session.scalar(select(ApiToken.last_used_at)
                                 .where(ApiToken.prefix == prefix))

    assert last_used() is None
    assert client.get("/api/v1/units", headers=headers).status_code == 200
    first = last_used()
    assert first is not None and abs(utcnow() - first) < dt.timedelta(minutes=1)
    assert client.get("/api/v1/units", headers=headers).status_code == 200
    assert last_used() == first  # within the minute: not written again
    token = db_session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    token.last_used_at = first - dt.timedelta(minutes=2)
    db_session.commit()
    assert client.get("/api/v1/units", headers=headers).status_code == 200
    assert last_used() > first - dt.timedelta(seconds=1)
    assert client.get("/api/v1/units", headers={"Authorization": "Bearer sb_wrong"}
                      ).status_code == 401
