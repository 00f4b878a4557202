"""What the browser tests share: Debian's Chromium driven by Playwright, screenshots, login.

Never downloads a browser: Playwright runs the system's ``chromium`` (apt-get install
chromium). Without it the browser tests skip, or fail when ``CI`` is set.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

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
