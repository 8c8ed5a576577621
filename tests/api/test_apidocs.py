"""/docs (Swagger UI) and /redoc (ReDoc) work offline: every file they load is on this server.

The pages run in headless chromium with every request off 127.0.0.1 aborted and recorded
(tests/support/browser.py ``local_page``); both must render the API's operations from
/openapi.json, by the summaries the schema gives them.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.browser import assert_local_assets, local_page, screenshot_path

# Where each page shows an operation's summary once it has read the schema.
PAGES = {
    "/docs": ".opblock-summary-description",
    "/redoc": ".api-content h2",
}


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
    shipped_client: TestClient, shipped_server: str, chromium: Any, path: str
) -> None:
    expected = summaries(shipped_client)
    assert len(expected) > 10
    with local_page(chromium, viewport={"width": 1400, "height": 1000}) as (tab, outside):
        tab.goto(shipped_server + path)
        shown = tab.locator(PAGES[path])
        shown.first.wait_for(timeout=20000)
        texts = {text.strip() for text in shown.all_inner_texts()}
        missing = [summary for summary in expected if summary not in texts]
        assert missing == [], f"{path} does not show {missing}"
        assert shown.filter(has_text="Run a named query").first.is_visible()
        tab.screenshot(path=str(screenshot_path(f"apidocs{path.replace('/', '-')}.png")), full_page=False)
    assert outside == [], f"{path} asked other hosts for {outside}"
