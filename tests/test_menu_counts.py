"""The menu's counts of what waits (beside กล่องเข้า, เรื่องเสนอ and ร่างหนังสือ), on the
page and as JSON for the page to refresh them: counted over what the user may read only."""

from __future__ import annotations

import uuid

from saraban.extensions import db
from tests.conftest import log_in, make_document, make_unit, make_user
from tests.factories import make_register, make_transfer


def _client(app):
    from tests.conftest import IsolatedClient

    return IsolatedClient(app, app.response_class, use_cookies=True)


def test_the_menu_counts_what_waits_and_never_a_secret_one(app, db_session):
    from saraban.workspace.operations import menu_counts

    tag = uuid.uuid4().hex[:6]
    sender, receiver = make_unit(db_session, f"ส{tag}"), make_unit(db_session, f"ร{tag}")
    make_register(db_session, f"r{tag}", unit=receiver.short_name)
    make_register(db_session, f"s{tag}", unit=sender.short_name)
    clerk = make_user(db_session, f"c{tag}", units=[receiver], role="clerk")
    cleared = make_user(db_session, f"k{tag}", units=[receiver], role="clerk", clearance=1)
    origin = make_user(db_session, f"o{tag}", units=[sender], role="clerk", clearance=1)
    db_session.commit()
    assert menu_counts(clerk)["inbox"] == 0
    ordinary = make_document(db_session, "หนังสือธรรมดา", origin_unit_id=sender.id)
    make_transfer(db_session, ordinary, receiver, by=origin.username)
    secret = make_document(db_session, "หนังสือลับ", origin_unit_id=sender.id, secrecy=1,
                           created_by_id=origin.id)
    make_transfer(db_session, secret, receiver, by=origin.username, to_user_id=cleared.id)
    for user in (clerk, cleared):
        db.session.expire(user)
        user.__dict__.pop("_saraban_units", None)
    assert menu_counts(clerk)["inbox"] == 1  # the secret one is not even counted for him
    assert menu_counts(cleared)["inbox"] == 2
    client = log_in(_client(app), clerk.username)
    page = client.get("/").get_data(as_text=True)
    assert 'data-count="inbox">๑<' in page
    assert client.get("/counts.json").json == {"inbox": 1, "desk": 0, "drafts": 0}
    assert _client(app).get("/counts.json").status_code in (302, 401)
