"""The console command: create-token prints the token on its last line; settings."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from saraban.accounts.models import ApiToken, User


def test_create_token_prints_it_last(app, db_session):
    result = app.test_cli_runner().invoke(args=["create-token", "demo-clerk"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("sb_") and len(token) > 30
    row = db_session.scalar(
        select(ApiToken).where(ApiToken.token_hash == ApiToken.hash_token(token))
    )
    assert row.user.username == "demo-clerk"


def test_create_token_unknown_user(app, db_session):
    result = app.test_cli_runner().invoke(args=["create-token", "nobody"])
    assert result.exit_code != 0
    assert "nobody" in result.output


def test_token_is_stored_hashed(app, db_session):
    result = app.test_cli_runner().invoke(args=["create-token", "demo-staff"])
    token = result.output.strip().splitlines()[-1]
    stored = db_session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored


def test_secret_key_required_outside_development(monkeypatch, tmp_path):
    from saraban import create_app
    from saraban.config import ConfigError

    monkeypatch.delenv("SARABAN_SECRET_KEY", raising=False)
    monkeypatch.setenv("SARABAN_ENV", "production")
    with pytest.raises(ConfigError, match="SARABAN_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                    "DATA_DIR": str(tmp_path)})


def test_passwords_are_scrypt(db_session):
    user = db_session.scalar(select(User).where(User.username == "demo-admin"))
    assert user.password_hash.startswith("scrypt:")
