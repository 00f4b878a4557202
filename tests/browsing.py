"""What the browser tests share: Debian's Chromium driven by Playwright, the server it
talks to, screenshots, login.

The fixtures here are the only way a test gets a browser or a live server for one
(``tests/conftest.py`` makes them available to every test file): ``browser`` is one Chromium
for the whole session, ``live_server`` one real server per test module (a fresh database
with the sample chain: the journeys change its data, so a module sees only its own
changes), ``shots`` saves screenshots.

Never downloads a browser: Playwright runs the system's ``chromium`` (apt-get install
chromium). Without it the browser tests skip, or fail when ``CI`` is set.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.servers import start_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def need_chromium() -> None:
    if CHROMIUM is None:
        message = "Chromium is not installed (apt-get install chromium): browser tests need it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def launch(playwright):
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
              "--disable-background-networking", "--disable-quic",
              "--disable-component-update", "--disable-sync"],
    )


DEMO_USERS = {"demo-clerk", "demo-commander", "demo-staff", "demo-admin", "demo-drafter",
              "demo-checker", "demo-deputy"}


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test; each test opens its own pages (and
    contexts) and closes them."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The real server as an office starts it (``db upgrade``, ``load-samples``, gunicorn
    on loopback) on a fresh SQLite file, for the tests of one module."""
    need_chromium()  # before the server: without a browser there is nothing to serve
    live = start_server(tmp_path_factory.mktemp("server"))
    assert set(live.logins) == DEMO_USERS
    yield live
    live.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """``shots(page, name)`` saves a full-page screenshot into ``screenshot_dir``."""
    folder = screenshot_dir(tmp_path_factory)

    def shot(page, name: str) -> None:
        page.screenshot(path=folder / f"{name}.png", full_page=True)
    return shot


def screenshot_dir(tmp_path_factory) -> Path:
    """``$SARABAN_SCREENSHOT_DIR`` when set, else a folder under pytest's temporary path."""
    folder = os.environ.get("SARABAN_SCREENSHOT_DIR")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {path}")
    return path


def login(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("ชื่อผู้ใช้").fill(username)
    page.get_by_label("รหัสผ่าน").fill(password)
    page.get_by_role("button", name="เข้าสู่ระบบ").click()
    page.wait_for_url(base + "/")
