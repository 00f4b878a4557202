"""Logins against a real gunicorn with four workers: the lockout holds under a burst, the
rate limit is one count for every worker (Redis, or the database without it), and behind a
proxy (SARABAN_PROXY_HOPS) each client address is counted on its own."""

from __future__ import annotations

import http.cookiejar
import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from saraban.accounts.operations import LOCK_AFTER
from saraban.accounts.views import LOGINS_PER_MINUTE
from tests.conftest import PG_URL, REDIS_URL, _PgDatabase
from tests.servers import start_server

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _backends():
    yield pytest.param(("sqlite", None), id="sqlite-database-limits")
    if PG_URL:
        yield pytest.param(("postgresql", REDIS_URL), id="postgresql-redis-limits"
                           if REDIS_URL else "postgresql-database-limits")


@pytest.fixture(scope="module", params=list(_backends()))
def live(request, tmp_path_factory):
    engine_name, redis_url = request.param
    pg = _PgDatabase(PG_URL) if engine_name == "postgresql" else None
    url = pg.create() if pg else None
    server = start_server(tmp_path_factory.mktemp("logins"), url, workers=4, settings={
        "SARABAN_PROXY_HOPS": "1", "SARABAN_REDIS_URL": redis_url})
    server.redis = redis_url
    try:
        yield server
    finally:
        server.stop()
        if pg:
            pg.drop()


class _Browser:
    """One visitor: his own cookies, behind the proxy at ``address``."""

    def __init__(self, base: str, address: str):
        self.base, self.address = base, address
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect)
        self.token = None

    def open_form(self) -> None:
        with self._open("/login") as page:
            self.token = _TOKEN.search(page.read().decode()).group(1)

    def login(self, username: str, password: str) -> tuple[int, str]:
        data = urllib.parse.urlencode({"username": username, "password": password,
                                       "csrf_token": self.token}).encode()
        try:
            with self._open("/login", data) as answer:
                return answer.status, answer.headers.get("Location", "")
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", "")

    def _open(self, path: str, data: bytes | None = None):
        request = urllib.request.Request(self.base + path, data=data,
                                         headers={"X-Forwarded-For": self.address})
        return self.opener.open(request, timeout=120)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _refusals(server, username: str) -> list[str]:
    engine = create_engine(server.env["SARABAN_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            user_id = conn.execute(text("SELECT id FROM user_account WHERE username = :u"),
                                   {"u": username}).scalar_one()
            rows = conn.execute(text(
                "SELECT details FROM audit_event WHERE action = 'login.failed' "
                "AND object_id = :id"), {"id": user_id}).scalars().all()
    finally:
        engine.dispose()
    return [(json.loads(r) if isinstance(r, str) else r)["reason"] for r in rows]


def test_a_burst_of_wrong_passwords_checks_no_more_than_the_lockout_allows(live):
    username = "demo-staff"
    browsers = [_Browser(live.base, f"10.1.0.{i}") for i in range(21)]
    for b in browsers:
        b.open_form()
    # Two bursts: five wrong passwords at once, then the other sixteen at once with the
    # right one among them. Within one burst the server counts in whatever order the
    # requests reach it, so a right password in the first five it counts may rightly log
    # in; after a burst of five wrong ones none may.
    first, second = range(LOCK_AFTER), range(LOCK_AFTER, len(browsers))

    def burst(indices):
        start = threading.Barrier(len(indices))

        def attempt(i: int):
            start.wait()
            right = i == 11  # the right password, sent 12th
            return browsers[i].login(username,
                                     live.logins[username] if right else f"ผิด-{i}-xxxx")

        with ThreadPoolExecutor(len(indices)) as pool:
            return list(pool.map(attempt, indices))

    answers = burst(first) + burst(second)
    checked = [r for r in _refusals(live, username) if r == "password"]
    print(f"burst of {len(browsers)}: {len(checked)} passwords checked, answers "
          f"{sorted(a[0] for a in answers)}")
    assert len(checked) <= LOCK_AFTER, (len(checked), answers)
    # the right password in the middle of the burst did not log in
    assert answers[11][0] != 302 or "/login" in answers[11][1], answers[11]
    assert not live.errors()


def test_the_login_limit_is_one_count_for_every_worker(live):
    """100 logins from one address in a minute: LOGINS_PER_MINUTE get an answer, whatever
    worker each one reaches; another address behind the same proxy still gets in."""
    browser = _Browser(live.base, "10.2.0.1")
    browser.open_form()

    def attempt(i: int):
        return browser.login("nobody-at-all", "ผิดแน่นอน-123")[0]

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(attempt, range(100)))
    answered = [c for c in codes if c != 429]
    print(f"100 logins, 4 workers: {len(answered)} answered, {codes.count(429)} refused")
    assert len(answered) <= LOGINS_PER_MINUTE, codes
    assert codes.count(429) >= 100 - LOGINS_PER_MINUTE
    other = _Browser(live.base, "10.2.0.2")
    other.open_form()
    assert other.login(username="demo-clerk", password=live.logins["demo-clerk"])[0] == 302
    assert not live.errors()


# -- the stores, in process -----------------------------------------------------------------

def test_the_database_store_counts_one_window_for_everyone(app, db_session):
    from limits import RateLimitItemPerMinute
    from limits.strategies import FixedWindowRateLimiter

    from saraban.ratelimit import DatabaseStorage

    limiter = FixedWindowRateLimiter(DatabaseStorage())
    item = RateLimitItemPerMinute(3)
    assert [limiter.hit(item, "probe", "10.9.9.9") for _ in range(4)] == [
        True, True, True, False]
    assert limiter.hit(item, "probe", "10.9.9.8")  # another address, its own count
    assert db_session.execute(text(
        "SELECT hits FROM rate_limit_counter WHERE key LIKE '%10.9.9.9%'")).scalar_one() == 4


def test_the_pages_count_in_redis_when_it_answers(app, db_session):
    if not app.config.get("REDIS_URL"):
        pytest.skip("no Redis answers here: the database store counts (tested above)")
    import redis

    from saraban.ratelimit import allow

    with app.test_request_context():
        assert [allow("probe:10.9.9.7", 2, 60) for _ in range(3)] == [True, True, False]
    prefix = app.config["RATELIMIT_STORAGE_OPTIONS"]["key_prefix"]
    keys = redis.Redis.from_url(app.config["REDIS_URL"]).keys(f"{prefix}:*10.9.9.7*")
    assert len(keys) == 1
