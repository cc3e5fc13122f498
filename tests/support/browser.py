"""Headless Debian Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.requirements import need

CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium tries to reach Google services on a closed network at start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium_page() -> Iterator[Any]:
    """A fresh page in a fresh headless Chromium; closed afterwards."""
    need(Path(CHROMIUM).exists(), "Chromium (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            # An office screen: what `make screenshots` shows in the docs.
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            yield page
        finally:
            browser.close()


def browser_login(page: Any, base_url: str, username: str, password: str) -> None:
    """Sign in through the real form, as a person would."""
    page.goto(base_url.rstrip("/") + "/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(base_url.rstrip("/") + "/")


def snapshot(page: Any, name: str) -> None:
    """Save the page as docs/screenshots/<name>.png when `make screenshots` asks for it
    (TNDE_SCREENSHOTS names the folder); otherwise nothing."""
    folder = os.environ.get("TNDE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
