"""The explorer page at / on the shipped data, in headless chromium (tests/support/browser.py).

Every request the page makes is routed through the test: one to a host other than 127.0.0.1
is aborted and recorded, and the tests assert there were none (the page must work offline).
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from tests.support.browser import assert_local_assets, screenshot_path
from tests.support.live import serve

STATIC = Path(__file__).resolve().parents[2] / "app" / "static" / "explorer"
SO_KHCN = "Sở Khoa học và Công nghệ tỉnh Quảng Trị"
# True once cytoscape has painted something: some pixel of one of its canvases is not transparent.
CANVAS_PAINTED = """() => [...document.querySelectorAll('#graph-canvas canvas')].some((c) => {
  if (!c.width || !c.height) return false;
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
  return false;
})"""
NOTATIONS = "window.cy.nodes().map((n) => n.data('notation')).filter(Boolean)"


@pytest.fixture(scope="module")
def base_url(shipped_settings: Settings) -> Iterator[str]:
    """A real uvicorn server over the shipped data, for the module."""
    with serve(create_app(shipped_settings)) as url:
        yield url


def _search(tab: Any, base_url: str, query: str) -> None:
    """Open the explorer and search for ``query`` as a person would (type, press the button)."""
    tab.goto(base_url + "/")
    tab.fill("#q", query)
    tab.click("#search button[type=submit]")


def test_page_and_its_assets_are_local(shipped_client: TestClient) -> None:
    assert_local_assets(shipped_client, "/")
    script = (STATIC / "explorer.js").read_text(encoding="utf-8")
    # The only absolute URLs in the script are identifiers, never fetched: the IRI namespace it
    # turns into local /id/ paths and the SVG namespace of the SVG download.
    assert set(re.findall(r"https?://[^\s\"'`]+", script)) == {
        "https://w3id.org/policykg/id/",
        "http://www.w3.org/2000/svg",
    }


def test_search_cards_then_lineage_graph(base_url: str, page: tuple[Any, list[str]]) -> None:
    tab, outside = page
    _search(tab, base_url, "trung tâm đổi mới sáng tạo")
    card = tab.locator(".card", has_text=SO_KHCN).first
    card.wait_for(timeout=15000)
    text = card.inner_text()
    # Role in Vietnamese and English, the task, the chain up to the national resolution, a source.
    assert re.search(r"(Tham mưu · Advise|Được giao thực hiện · Carry out|Chủ trì · Lead|Phối hợp · Coordinate)", text)
    assert "trung tâm đổi mới sáng tạo" in text.lower()
    assert "52-NQ/TW" in text and "190-KH/TU" in text
    assert card.locator(".meta a").count() >= 1
    card.locator("button.open").click()
    tab.wait_for_function("document.body.dataset.graphReady", timeout=15000)
    tab.wait_for_function(CANVAS_PAINTED, timeout=15000)
    notations = tab.evaluate(NOTATIONS)
    assert "190-KH/TU" in notations and "52-NQ/TW" in notations
    agencies = tab.evaluate("window.cy.nodes('[kind = \"agency\"]').map((n) => n.data('label'))")
    assert SO_KHCN in agencies
    # National at the top, departments at the bottom.
    y = tab.evaluate(
        """(department) => {
          const ys = (nodes) => nodes.map((n) => n.position('y'));
          return {
            national: Math.min(...ys(window.cy.nodes('[notation = "52-NQ/TW"]'))),
            plan: Math.min(...ys(window.cy.nodes('[notation = "190-KH/TU"]'))),
            department: Math.max(...ys(window.cy.nodes('[kind = "agency"]').filter((n) => n.data('label') === department))),
          };
        }""",
        SO_KHCN,
    )
    assert y["national"] < y["plan"] < y["department"]
    assert "root=" in tab.url
    tab.screenshot(path=str(screenshot_path("explorer-search-lineage.png")), full_page=True)
    assert outside == []


def test_root_in_the_url_downloads_and_language(base_url: str, page: tuple[Any, list[str]]) -> None:
    tab, outside = page
    tab.goto(base_url + "/?root=190-KH/TU&direction=up")
    tab.wait_for_function("document.body.dataset.graphReady", timeout=15000)
    tab.wait_for_function(CANVAS_PAINTED, timeout=15000)
    assert sorted(tab.evaluate(NOTATIONS)) == ["190-KH/TU", "52-NQ/TW"]
    assert "Dòng văn bản của 190-KH/TU" in tab.inner_text("#message")

    with tab.expect_download() as png:
        tab.click("#png")
    assert png.value.suggested_filename == "policykg-190-kh-tu-up-10.png"
    picture = Path(png.value.path()).read_bytes()
    assert picture.startswith(b"\x89PNG\r\n\x1a\n") and len(picture) > 10_000  # not a blank image
    with tab.expect_download() as svg:
        tab.click("#svg")
    document = ET.fromstring(Path(svg.value.path()).read_text(encoding="utf-8"))
    texts = " ".join(t for t in document.itertext())
    assert "190-KH/TU" in texts and "52-NQ/TW" in texts and "Tỉnh ủy Quảng Trị" in texts
    assert len(document.findall(".//{http://www.w3.org/2000/svg}g")) == tab.evaluate("window.cy.elements().length")

    tab.select_option("#export-format", "gexf")
    href = tab.get_attribute("#export-link", "href")
    assert href.startswith("/api/export?format=gexf&root=https%3A%2F%2Fw3id.org%2Fpolicykg%2Fid%2Fdoc%2Ftu-quang-tri")
    assert "direction=up" in href and "depth=10" in href

    edge_labels = "window.cy.edges('[relation = \"implements\"]').map((e) => e.data('display'))"
    assert tab.evaluate(edge_labels) == ["thực hiện"]
    tab.click("#lang-toggle")
    assert tab.evaluate(edge_labels) == ["implements"]
    assert "Lineage of 190-KH/TU" in tab.inner_text("#message")
    tab.screenshot(path=str(screenshot_path("explorer-root-english.png")))
    assert outside == []


def test_too_large_and_unknown_selections_show_a_message(base_url: str, page: tuple[Any, list[str]]) -> None:
    tab, outside = page
    tab.goto(base_url + "/?root=190-KH/TU&max=30")
    tab.wait_for_selector("#message.error", timeout=15000)
    assert "quá lớn" in tab.inner_text("#message") and "more than the limit of 30" in tab.inner_text("#message")
    # A narrower view of the same root is one click away: upwards (11 nodes + 11 edges) fits.
    tab.click("#message.error button:has-text('Chỉ xem chiều lên')")
    tab.wait_for_function("document.body.dataset.graphReady", timeout=15000)
    assert sorted(tab.evaluate(NOTATIONS)) == ["190-KH/TU", "52-NQ/TW"]
    tab.goto(base_url + "/?root=190-KH/TX")
    tab.wait_for_selector("#message.error button", timeout=15000)
    tab.click("#message.error button")
    tab.wait_for_function("document.body.dataset.graphReady", timeout=15000)
    assert "190-KH/TU" in tab.evaluate(NOTATIONS)
    assert outside == []


def test_a_document_number_in_search_gives_the_document(base_url: str, page: tuple[Any, list[str]]) -> None:
    tab, outside = page
    _search(tab, base_url, "190-KH/TU")
    box = tab.locator(".document-hit .document-card")
    box.wait_for(timeout=15000)
    assert box.count() == 1
    text = box.inner_text()
    assert "190-KH/TU" in text and "Tỉnh ủy Quảng Trị" in text and "Đã ban hành" in text and "issued" not in text
    box.locator("button.open-cascade").click()
    tab.wait_for_function("document.body.dataset.graphReady", timeout=15000)
    assert tab.input_value("#view") == "documents" and "view=documents" in tab.url
    kinds = tab.evaluate("[...new Set(window.cy.nodes().map((n) => n.data('kind')))].sort()")
    assert kinds == ["agency", "document", "group"]
    assert "190-KH/TU" in tab.evaluate(NOTATIONS) and "3917/UBND" in tab.evaluate(NOTATIONS)
    assert outside == []


def test_results_table_and_csv_beside_the_cards(base_url: str, page: tuple[Any, list[str]]) -> None:
    tab, outside = page
    _search(tab, base_url, "trung tâm đổi mới sáng tạo")
    tab.locator(".card", has_text=SO_KHCN).first.wait_for(timeout=15000)
    cards = tab.locator("#results .card").count()
    tab.click("#results-table")
    assert tab.get_attribute("#results-table", "aria-pressed") == "true"
    rows = tab.locator("#results table.results-table tbody tr")
    assert rows.count() == cards and tab.locator("#results .card").count() == 0
    assert SO_KHCN in rows.first.inner_text() or SO_KHCN in tab.inner_text("#results table")
    tab.screenshot(path=str(screenshot_path("explorer-results-table.png")))
    with tab.expect_download() as download:
        tab.click("#results-csv")
    assert download.value.suggested_filename == "policykg-results-trung-tam-doi-moi-sang-tao.csv"
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    read = list(csv.DictReader(io.StringIO(text)))
    assert len(read) == cards
    assert {"agency", "role", "task", "document", "chain", "sources", "document_iri"} <= set(read[0])
    assert any(row["agency"] == SO_KHCN for row in read)
    assert {row["role"] for row in read} <= {"lead", "coordinate", "advise", "assigned", "draft"}
    assert all(row["document_iri"].startswith("https://w3id.org/policykg/id/doc/") for row in read)
    # A table row's document opens its lineage, as a card does.
    rows.first.locator("button.link").click()
    tab.wait_for_function("document.body.dataset.graphReady", timeout=15000)
    assert outside == []


# WCAG 2 contrast of text against its background (1.4.3, AA: 4.5 for text under 18pt).
CONTRAST = """(selector) => [...document.querySelectorAll(selector)].map((node) => {
  const rgb = (text) => text.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let back = node;
  while (back && getComputedStyle(back).backgroundColor === 'rgba(0, 0, 0, 0)') back = back.parentElement;
  const [a, b] = [lum(rgb(getComputedStyle(node).color)), lum(rgb(getComputedStyle(back).backgroundColor))];
  return { text: node.textContent, ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), opacity: getComputedStyle(node).opacity };
})"""


def test_controls_are_labelled_and_role_badges_readable(base_url: str, page: tuple[Any, list[str]]) -> None:
    tab, outside = page
    tab.goto(base_url + "/?q=trung%20t%C3%A2m%20%C4%91%E1%BB%95i%20m%E1%BB%9Bi%20s%C3%A1ng%20t%E1%BA%A1o&root=190-KH/TU")
    tab.locator(".card").first.wait_for(timeout=15000)
    tab.wait_for_function("document.body.dataset.graphReady", timeout=15000)
    # An aria-label needs a role that takes one (axe: aria-prohibited-attr); the canvas is an image
    # described by the table of its nodes.
    unlabelled_roles = tab.evaluate("""[...document.querySelectorAll('[aria-label]')]
      .filter((n) => ['DIV', 'SPAN'].includes(n.tagName) && !n.getAttribute('role')).map((n) => n.id)""")
    assert unlabelled_roles == []
    assert tab.get_attribute("#graph-canvas", "role") == "img"
    assert tab.evaluate("document.getElementById(document.getElementById('graph-canvas').getAttribute('aria-describedby')).tagName") == "SUMMARY"
    # Every form control has a name.
    nameless = tab.evaluate("""[...document.querySelectorAll('select, input, button')]
      .filter((n) => !(n.labels && n.labels.length) && !n.getAttribute('aria-label') && !n.textContent.trim()).map((n) => n.id || n.outerHTML)""")
    assert nameless == []
    badges = tab.evaluate(CONTRAST, ".role, .role .other")
    assert badges and all(b["ratio"] >= 4.5 and b["opacity"] == "1" for b in badges), [b for b in badges if b["ratio"] < 4.5]
    assert outside == []
