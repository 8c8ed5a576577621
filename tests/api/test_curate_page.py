"""The review page /curate in headless chromium (tests/support/browser.py), on the shipped data.

The extractor's readers land module by module (issue #13), so the page tests put a double in
place of ``extract`` that answers one item of every kind (tests/support/extraction.py) at the
words of whatever text was pasted: what is tested is the page (highlights at the spans, review,
the summary it sends back), then the draft and POST /api/ingest. Every request off 127.0.0.1 is aborted and
recorded, and the tests assert there were none (the page must work offline).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest

from app.api import create_app
from app.api.routers import extract as router
from app.core.config import Settings
from app.curation.extract import ExtractionContext
from app.curation.summary import Extraction
from tests.support.browser import browser_page, local_page, screenshot_path
from tests.support.extraction import SAMPLE, populated
from tests.support.live import serve

# Characters outside the BMP count one in Python and two in JavaScript: the page must convert spans.
TEXT = "𝐊𝐇 " + SAMPLE
TOKEN = "curate-test-token"
SOURCE = "qt-kh-curate"


def double(text: str, context: ExtractionContext | None = None) -> Extraction:
    """Stands in for the extractor: one item of every kind, at the words of the text it was given."""
    return populated(unicodedata.normalize("NFC", text))


@pytest.fixture(scope="module")
def base_url(shipped_settings: Settings) -> Iterator[str]:
    """A real server over the shipped data; an update token is set (not the default) for the ingest step."""
    settings = shipped_settings.model_copy(update={"update_token": TOKEN})
    with serve(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with browser_page() as first:
        yield first.context.browser


@pytest.fixture
def page(browser: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, list[str]]]:
    """A fresh page whose requests off 127.0.0.1 are aborted and listed; the extractor is the double."""
    monkeypatch.setattr(router, "extract", double)
    with local_page(browser, viewport={"width": 1400, "height": 1000}) as opened:
        yield opened


HIGHLIGHTED = """(id) => [...document.querySelectorAll('#doc-text .hl')]
  .filter((n) => n.dataset.items.split(' ').includes(id)).map((n) => n.textContent).join('')"""


def extract_sample(tab: Any, base_url: str, query: str = "") -> None:
    tab.goto(f"{base_url}/curate{query}")
    tab.fill("#text", TEXT)
    tab.fill("#province", "quang-tri")
    tab.click("#extract")
    tab.locator("#review-panel:not([hidden])").wait_for(timeout=15000)


def review(tab: Any) -> None:
    """Reject the responsibility; correct the target (value, comparator, year)."""
    tab.check("#decision-responsibilities-0-reject")
    tab.check("#decision-targets-0-correct")
    tab.fill("#field-targets-0-value", "35,5")
    tab.locator("#field-targets-0-value").blur()
    tab.select_option("#field-targets-0-comparator", "at_least")
    tab.fill("#field-targets-0-year", "2030")
    tab.locator("#field-targets-0-year").blur()


def test_paste_highlight_reject_correct_and_send_the_reviewed_summary(base_url: str, page: tuple[Any, list[str]]) -> None:
    tab, outside = page
    extract_sample(tab, base_url)
    # Each item is highlighted at its own words, each kind in its own colour.
    assert tab.evaluate(HIGHLIGHTED, "documents-0") == "Nghị quyết số 52-NQ/TW"
    assert tab.evaluate(HIGHLIGHTED, "responsibilities-0") == "Sở Khoa học và Công nghệ chủ trì"
    assert tab.evaluate(HIGHLIGHTED, "targets-0") == "kinh tế số đạt khoảng 30% GRDP"
    assert tab.evaluate(HIGHLIGHTED, "relations-0") == "Căn cứ Nghị quyết số 52-NQ/TW"
    colours = tab.evaluate("""() => Object.fromEntries(['documents', 'responsibilities', 'targets'].map((k) =>
        [k, getComputedStyle(document.querySelector('#doc-text .hl.k-' + k + ':not(.k-documents)')
             || document.querySelector('#doc-text .hl.k-' + k)).backgroundColor]))""")
    assert len(set(colours.values())) == 3, colours
    # Clicking a highlight focuses its item.
    tab.locator("#doc-text .hl.k-targets").first.click()
    assert tab.evaluate("document.activeElement.id") == "item-targets-0"

    review(tab)
    assert tab.evaluate(HIGHLIGHTED, "responsibilities-0") == ""  # a rejected item is no longer highlighted
    assert tab.get_attribute("#item-responsibilities-0", "data-decision") == "reject"
    assert "35.5" in tab.inner_text("#title-targets-0")

    tab.fill("#source", SOURCE)
    with tab.expect_request(lambda r: "/api/extract/draft" in r.url) as sent:
        tab.click("#build-draft")
    summary = json.loads(sent.value.post_data)
    assert summary["responsibilities"] == []
    assert summary["targets"][0] | {"value": 35.5, "comparator": "at_least", "year": 2030} == summary["targets"][0]
    assert [d["notation"] for d in summary["documents"]] == ["52-NQ/TW"] and len(summary["relations"]) == 1
    assert summary["text"] == unicodedata.normalize("NFC", TEXT)
    assert f"source={SOURCE}" in sent.value.url and "province=quang-tri" in sent.value.url
    # The server's answer is shown, whatever it is (a draft, or why there is none).
    tab.wait_for_function("document.getElementById('draft-status').textContent.length > 0", timeout=15000)
    tab.screenshot(path=str(screenshot_path("curate-review.png")), full_page=True)
    assert outside == []


def test_rejecting_a_document_drops_its_relations(base_url: str, page: tuple[Any, list[str]]) -> None:
    tab, _ = page
    extract_sample(tab, base_url)
    tab.check("#decision-documents-0-reject")
    summary = tab.evaluate("window.policykgCurate.reviewed()")
    assert summary["documents"] == [] and summary["relations"] == []
    # A corrected number carries its relations along.
    tab.check("#decision-documents-0-correct")
    tab.fill("#field-documents-0-notation", "57-NQ/TW")
    tab.locator("#field-documents-0-notation").blur()
    summary = tab.evaluate("window.policykgCurate.reviewed()")
    assert summary["relations"][0]["to"] == "57-NQ/TW" and "57-NQ/TW" in tab.inner_text("#title-relations-0")


def test_agency_match_offers_the_gazetteers_candidates(base_url: str, page: tuple[Any, list[str]]) -> None:
    tab, _ = page
    extract_sample(tab, base_url)
    tab.check("#decision-responsibilities-0-correct")
    options = tab.locator("#field-responsibilities-0-agencyMatch option")
    tab.wait_for_function("document.querySelectorAll('#field-responsibilities-0-agencyMatch option').length > 2",
                          timeout=15000)
    values = options.evaluate_all("(nodes) => nodes.map((n) => n.value)")
    so_khcn = "https://w3id.org/policykg/id/agency/quang-tri/so-khcn"
    assert values[0] == "" and values[1] == so_khcn  # keep it new, then the province's own first
    tab.select_option("#field-responsibilities-0-agencyMatch", "")
    agency = tab.evaluate("window.policykgCurate.reviewed()")["responsibilities"][0]["agency"]
    assert agency["new"] is True
    tab.select_option("#field-responsibilities-0-agencyMatch", so_khcn)
    agency = tab.evaluate("window.policykgCurate.reviewed()")["responsibilities"][0]["agency"]
    assert agency == {"label": "Sở Khoa học và Công nghệ", "iri": so_khcn, "new": False}


def test_every_control_is_labelled_and_the_review_works_from_the_keyboard(base_url: str,
                                                                          page: tuple[Any, list[str]]) -> None:
    tab, _ = page
    tab.goto(f"{base_url}/curate")
    tab.focus("#text")
    tab.keyboard.insert_text(TEXT)
    tab.focus("#extract")
    tab.keyboard.press("Enter")
    tab.locator("#review-panel:not([hidden])").wait_for(timeout=15000)
    unlabelled = tab.evaluate("""() => [...document.querySelectorAll('input, select, textarea, button')].filter((n) =>
        !(n.labels && n.labels.length) && !n.getAttribute('aria-label') && !n.textContent.trim()).map((n) => n.id || n.outerHTML)""")
    assert unlabelled == []
    # Radios move with the arrow keys; "show in the text" is a button.
    tab.focus("#decision-targets-0-accept")
    tab.keyboard.press("ArrowRight")
    tab.keyboard.press("ArrowRight")
    assert tab.get_attribute("#item-targets-0", "data-decision") == "reject"
    tab.focus("#item-documents-0 button.show")
    tab.keyboard.press("Enter")
    assert "documents-0" in tab.get_attribute("#doc-text .hl.focus", "data-items")


def test_the_page_speaks_vietnamese_and_english(base_url: str, page: tuple[Any, list[str]]) -> None:
    tab, _ = page
    extract_sample(tab, base_url)
    assert tab.inner_text("#review-title") == "2. Duyệt từng mục" and tab.evaluate("document.documentElement.lang") == "vi"
    assert "Văn bản" in tab.inner_text("#heading-documents")
    tab.click("#lang-toggle")
    assert tab.inner_text("#review-title") == "2. Review each item"
    assert tab.evaluate("document.documentElement.lang") == "en" and "lang=en" in tab.url
    assert "Documents" in tab.inner_text("#heading-documents")
    assert tab.inner_text("label[for=decision-targets-0-reject]").strip() == "Reject"
    tab.goto(f"{base_url}/curate?lang=en")
    assert tab.inner_text("#extract") == "Extract"


def test_refusals_are_shown(base_url: str, page: tuple[Any, list[str]]) -> None:
    tab, _ = page
    tab.goto(f"{base_url}/curate")
    tab.set_input_files("#file", files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 ..."}])
    tab.click("#extract")
    tab.wait_for_function("document.getElementById('status').classList.contains('error')", timeout=15000)
    assert "PDF" in tab.inner_text("#status") and tab.locator("#review-panel").is_hidden()


def test_the_reviewed_draft_is_ingested(base_url: str, page: tuple[Any, list[str]]) -> None:
    import httpx

    tab, _ = page
    extract_sample(tab, base_url)
    review(tab)
    tab.fill("#source", SOURCE)
    tab.click("#build-draft")
    tab.wait_for_function("document.getElementById('draft').value.length > 0", timeout=15000)
    draft = tab.input_value("#draft")
    assert f"polg:source/{SOURCE}" in draft or f"graph/source/{SOURCE}" in draft
    tab.fill("#token", TOKEN)
    tab.click("#ingest")
    tab.wait_for_function("document.getElementById('ingest-status').textContent.length > 0 && "
                          "!document.getElementById('ingest-status').textContent.endsWith('…')", timeout=30000)
    assert not tab.evaluate("document.getElementById('ingest-status').classList.contains('error')"), \
        tab.inner_text("#ingest-status")
    ask = f"ASK {{ GRAPH <https://w3id.org/policykg/graph/source/{SOURCE}> {{ ?s ?p ?o }} }}"
    answer = httpx.get(f"{base_url}/sparql", params={"query": ask}, headers={"Accept": "application/sparql-results+json"})
    assert answer.json()["boolean"] is True
