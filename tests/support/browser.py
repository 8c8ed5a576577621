"""Headless Debian chromium driven by Playwright, for page tests.

Playwright cannot download its own browsers here, so it drives /usr/bin/chromium (installed by
.ci/run). Off CI a missing chromium skips the page tests with a message; on CI it is an error.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

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


@contextmanager
def local_page(browser: Any, **context_options: Any) -> Iterator[tuple[Any, list[str]]]:
    """A fresh page whose requests off 127.0.0.1 are aborted and listed; a script error on it fails the test."""
    outside: list[str] = []
    errors: list[str] = []
    context = browser.new_context(**context_options)
    try:
        opened = context.new_page()

        def guard(route: Any) -> None:
            if urlparse(route.request.url).hostname != "127.0.0.1":
                outside.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        opened.route("**/*", guard)
        opened.on("pageerror", lambda error: errors.append(str(error)))
        yield opened, outside
    finally:
        context.close()
    assert errors == [], errors


def assert_local_assets(client: Any, path: str) -> str:
    """The page at ``path`` is HTML whose every src/href is on this server (and answers); its text."""
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    references = re.findall(r'(?:src|href)="([^"]*)"', response.text)
    assert references and all(ref.startswith(("/", "data:")) for ref in references), references
    for ref in references:
        if ref.startswith("/static/"):
            assert client.get(ref).status_code == 200, ref
    return str(response.text)
