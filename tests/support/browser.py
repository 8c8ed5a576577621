"""Headless Debian chromium driven by Playwright, for page tests.

Playwright cannot download its own browsers here, so it drives /usr/bin/chromium (installed by
.ci/run). Off CI a missing chromium skips the page tests with a message; on CI it is an error.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("POLICYKG_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
# Without the background-networking flags chromium keeps calling Google's hosts, which this
# machine's closed network refuses.
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-quic", "--no-first-run"]


def require_chromium() -> None:
    """Skip (locally) or fail (on CI) when chromium or Playwright is missing."""
    missing = []
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        missing.append(f"chromium at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package")
    if missing:
        message = "browser tests need " + " and ".join(missing) + " (.ci/run installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@contextmanager
def browser_page(**context_options: Any) -> Iterator[Any]:
    """A fresh Playwright page in headless chromium."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            context = browser.new_context(**context_options)
            yield context.new_page()
        finally:
            browser.close()


def screenshot_path(name: str) -> Path:
    """Where a test saves a screenshot (kept as a CI artefact under var/test-artifacts)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
