"""A TestClient on an app built over the fixture project (its lifespan opens and loads the store); chromium pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from tests.support.browser import browser_page, local_page


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client whose app has loaded tests/fixtures/project into an in-memory store."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def shipped_client(shipped_settings: Settings) -> Iterator[TestClient]:
    """A client whose app has loaded the shipped ontology and data (once for the session)."""
    with TestClient(create_app(shipped_settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def shipped_server(shipped_settings: Settings) -> Iterator[str]:
    """The base URL of a live server over the shipped data, for the module (browser tests)."""
    from tests.support.live import serve

    with serve(create_app(shipped_settings)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless chromium for a module of page tests (each test gets its own context)."""
    with browser_page() as first:
        yield first.context.browser


@pytest.fixture(scope="module")
def chromium(browser: Any) -> Any:
    """The module's chromium, by the name the accessibility and API-docs tests use (``local_page``)."""
    return browser


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    """A fresh 1400×900 chromium page whose requests off 127.0.0.1 are aborted and listed."""
    with local_page(browser, viewport={"width": 1400, "height": 900}, accept_downloads=True) as opened:
        yield opened
