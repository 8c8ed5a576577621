"""/docs (Swagger UI) and /redoc (ReDoc) work offline: every file they load is on this server.

The pages run in headless chromium with every request off 127.0.0.1 aborted and recorded
(tests/support/browser.py ``local_page``); both must render the API's operations from
/openapi.json, by the summaries the schema gives them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from tests.support.browser import assert_local_assets, browser_page, local_page, screenshot_path
from tests.support.live import serve

# Where each page shows an operation's summary once it has read the schema.
PAGES = {
    "/docs": ".opblock-summary-description",
    "/redoc": ".api-content h2",
}


@pytest.fixture(scope="module")
def base_url(shipped_settings: Settings) -> Iterator[str]:
    with serve(create_app(shipped_settings)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with browser_page() as first:
        yield first.context.browser


def summaries(client: TestClient) -> list[str]:
    """The summary of every operation in the served OpenAPI schema."""
    schema = client.get("/openapi.json").json()
    return sorted({op["summary"] for ops in schema["paths"].values() for op in ops.values()})


@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_references_only_local_files(shipped_client: TestClient, path: str) -> None:
    html = assert_local_assets(shipped_client, path)
    assert "fonts.googleapis" not in html and "cdn." not in html


@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_renders_every_operation_offline(
    shipped_client: TestClient, base_url: str, browser: Any, path: str
) -> None:
    expected = summaries(shipped_client)
    assert len(expected) > 10
    with local_page(browser, viewport={"width": 1400, "height": 1000}) as (tab, outside):
        tab.goto(base_url + path)
        shown = tab.locator(PAGES[path])
        shown.first.wait_for(timeout=20000)
        texts = {text.strip() for text in shown.all_inner_texts()}
        missing = [summary for summary in expected if summary not in texts]
        assert missing == [], f"{path} does not show {missing}"
        assert shown.filter(has_text="Run a named query").first.is_visible()
        tab.screenshot(path=str(screenshot_path(f"apidocs{path.replace('/', '-')}.png")), full_page=False)
    assert outside == [], f"{path} asked other hosts for {outside}"
