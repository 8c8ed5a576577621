"""A TestClient on an app built over the fixture project (its lifespan opens and loads the store)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings


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
def chromium() -> Iterator[object]:
    """One headless chromium for the module; each test opens its own context (``local_page``)."""
    from tests.support.browser import browser_page

    with browser_page() as first:
        yield first.context.browser
