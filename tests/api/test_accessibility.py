"""axe-core in headless chromium over each of our pages: no serious or critical WCAG 2 A/AA violation.

axe-core is vendored for the tests only (tests/support/vendor/axe.min.js, from npm by `make
vendor`); it is injected into each page once the page has drawn, with every request off
127.0.0.1 blocked. PAGES is the one table of pages: a page added to the service gets a row.
Rows of pages other engineers are building skip while the route is not there (404), naming the
owner; a row failing only on another owner's issue is a strict xfail saying what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.browser import local_page, screenshot_path
from tests.support.project import ROOT

AXE = ROOT / "tests" / "support" / "vendor" / "axe.min.js"
WCAG2 = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SEVERE = ("serious", "critical")


@dataclass(frozen=True)
class Page:
    """A page of ours: where it is, what shows it has drawn, who builds it, and a known failure."""

    path: str
    drawn: str = "main, body"
    owner: str = "apidocs"
    xfail: str | None = None


PAGES = [
    Page("/", "#search", owner="explorer"),
    Page("/?root=57-NQ/TW", "#graph-panel", owner="explorer"),
    Page("/?root=57-NQ/TW&view=documents", "#graph-panel", owner="explorer"),
    Page("/sparql", ".CodeMirror"),
    Page("/curate", "#text", owner="curation"),
    Page("/docs", ".opblock"),
    Page("/redoc", ".api-content h2"),
    Page("/ontology", "main"),
    Page("/id/agency/quang-tri/so-khcn", "main", owner="linked data"),
    Page("/id/doc/bo-chinh-tri/2024/57-nq-tw", "main", owner="linked data"),
    Page("/id/agency/nowhere/none", "main", owner="linked data"),  # the 404 page
    Page("/documents", owner="documents"),
    Page("/cascade?document=57-NQ/TW", owner="cascade"),
    Page("/deadlines", owner="cascade"),
]


def _params() -> list[Any]:
    return [
        pytest.param(page, id=page.path, marks=[pytest.mark.xfail(reason=page.xfail, strict=True)] if page.xfail else [])
        for page in PAGES
    ]


def severe_violations(tab: Any) -> list[str]:
    """axe's serious and critical WCAG 2 A/AA violations on the page, one line per rule with its first nodes."""
    tab.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = tab.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations
             .map((v) => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' '))}))""",
        WCAG2,
    )
    return [f"{v['impact']} {v['id']}: {v['nodes']}" for v in found if v["impact"] in SEVERE]


@pytest.mark.parametrize("page", _params())
def test_no_serious_or_critical_wcag_violation(shipped_server: str, chromium: Any, page: Page) -> None:
    with local_page(chromium, viewport={"width": 1400, "height": 1000}) as (tab, outside):
        response = tab.goto(shipped_server + page.path)
        assert response is not None
        if response.status == 404 and page.owner != "linked data":
            pytest.skip(f"{page.path} is not on this branch yet (the {page.owner} part builds it)")
        tab.locator(page.drawn).first.wait_for(timeout=20000)
        tab.wait_for_load_state("networkidle")
        problems = severe_violations(tab)
        tab.screenshot(path=str(screenshot_path(f"axe{page.path.split('?')[0].replace('/', '-') or '-root'}.png")))
    assert outside == []
    assert problems == [], f"{page.path}: {problems}"


def test_the_query_pages_plus_button_still_opens_a_tab(shipped_server: str, chromium: Any) -> None:
    """The "+" that the page moves out of YASGUI's tab list (a tablist holds tabs only) still adds a tab."""
    with local_page(chromium, viewport={"width": 1400, "height": 1000}) as (tab, outside):
        tab.goto(shipped_server + "/sparql")
        tab.locator(".CodeMirror").first.wait_for(timeout=20000)
        tabs = tab.locator(".tabsList [role=tab]")
        before = tabs.count()
        assert tab.locator(".tabsList button.addTab").count() == 0
        tab.get_by_role("button", name="Add a new tab").click()
        tab.wait_for_function(f"document.querySelectorAll('.tabsList [role=tab]').length > {before}")
        assert tabs.count() == before + 1
        assert severe_violations(tab) == []
    assert outside == []
