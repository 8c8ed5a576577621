"""The SPARQL query page: YASGUI at /sparql for browsers, preloaded with the named queries."""

from __future__ import annotations

import json
import re

import httpx
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from app.endpoint.catalog import load_catalog
from app.endpoint.examples import examples
from tests.support.browser import browser_page, screenshot_path
from tests.support.live import serve

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def page_config(html: str) -> dict[str, object]:
    match = re.search(r'<script id="sparql-config" type="application/json">(.*?)</script>', html, re.DOTALL)
    assert match is not None
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_a_browser_gets_the_page_pointed_at_this_endpoint(shipped_client: TestClient) -> None:
    response = shipped_client.get("/sparql", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "/static/vendor/yasgui.min.js" in html and "/static/vendor/yasgui.min.css" in html
    assert "Truy vấn SPARQL" in html and "SPARQL query" in html
    # No script, style or font from another host.
    assert not re.search(r'(src|href)="(https?:)?//(?!testserver)', html)
    config = page_config(html)
    assert config["endpoint"] == "http://testserver/sparql"
    catalog = load_catalog(Settings().queries_dir)
    assert [e["name"] for e in config["examples"]] == [e.name for e in examples(catalog)]  # type: ignore[union-attr]
    assert shipped_client.get("/static/vendor/yasgui.min.js").status_code == 200


def test_every_example_runs_as_written_and_bound_ones_find_rows(shipped_client: TestClient) -> None:
    catalog = load_catalog(Settings().queries_dir)
    offered = examples(catalog)
    assert offered and any(e.bound for e in offered)
    for example in offered:
        response = shipped_client.post("/sparql", data={"query": example.text})
        assert response.status_code == 200, (example.name, response.text)
        rows = response.json()["results"]["bindings"]
        if example.is_rule:
            assert rows == [], example.name  # rules find nothing on the shipped data
        elif example.bound:
            assert rows, f"{example.name} with its example values found nothing"
            assert all("VALUES" in example.text and f"?{name}" in example.text for name in example.bound)


def test_the_page_runs_a_query_in_chromium() -> None:
    app = create_app(Settings())
    example = next(e for e in examples(load_catalog(Settings().queries_dir)) if e.name == "agency-duties")
    with serve(app) as base, browser_page(viewport={"width": 1400, "height": 1000}) as page:
        elsewhere: list[str] = []
        page.on("request", lambda r: elsewhere.append(r.url)
                if r.url.startswith(("http:", "https:")) and not r.url.startswith(base) else None)
        expected = len(httpx.post(f"{base}/sparql", data={"query": example.text}).json()["results"]["bindings"])
        page.goto(f"{base}/sparql")
        page.wait_for_selector(".yasqe .CodeMirror")
        page.get_by_role("button", name=example.title).click()
        page.locator(".tabPanel.active .yasqe_queryButton").click()
        rows = page.locator(".tabPanel.active .yasr tbody tr")
        rows.first.wait_for(timeout=20_000)
        assert 0 < expected <= 50  # one page of the results table
        assert rows.count() == expected and rows.first.is_visible()
        page.screenshot(path=str(screenshot_path("sparql-query-page.png")))
        assert elsewhere == []
