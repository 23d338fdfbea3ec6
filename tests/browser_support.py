"""Shared by the browser tests: Debian's Chromium through Playwright, or a clear skip.

CI sets REQUIRE_BROWSER=1: there a missing Chromium fails instead of skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def browser(monkeypatch):
    require_chromium()
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # test makes between page actions are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
            chromium.close()
        finally:
            # While Playwright's loop runs in this thread, Django keeps the thread's
            # connections apart from its usual ones (asgiref's Local: per context when
            # a loop is running). Those the test opened meanwhile would outlive the
            # block, unseen and never closed, and the test database could not be
            # dropped at the end of the run ("being accessed by other users"): closed
            # while still seen, even when closing the browser fails.
            connections.close_all()
