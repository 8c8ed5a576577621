"""The explorer's cascade view over a national graph, in headless chromium (other hosts blocked).

The graph is the shipped data plus the synthetic national graph of bench/generate_national.py
(34 provinces, 22 documents each), where many provinces carry out 57-NQ/TW: the cascade view
of 57-NQ/TW must draw the resolution at the top, the Government's programme below it, and each
province's documents in the provincial row, with every issuer in the row of what it issued.
"""

from __future__ import annotations

import itertools
import json
import shutil
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.api import create_app
from app.core.config import Settings
from bench.generate_national import generate
from tests.support.browser import screenshot_path
from tests.support.live import serve

ROOT = Path(__file__).resolve().parents[2]
CASCADE = "/?root=57-NQ/TW&view=documents&direction=down"
# Everything the assertions read from cytoscape's model, area boxes left out.
MODEL = """() => {
  const cy = window.cy;
  const nodes = cy.nodes().filter((n) => n.data('kind') !== 'group').map((n) => ({
    id: n.id(), iri: n.data('iri') || n.id(), kind: n.data('kind'), notation: n.data('notation') || null,
    label: n.data('label'), level: n.data('level') || null, area: n.data('jurisdiction') || null, row: n.data('row'),
    y: n.position('y'), height: n.height(), display: n.data('display'), tasks: n.data('tasks'), agencies: n.data('agencies'),
  }));
  const edges = cy.edges().map((e) => ({ relation: e.data('relation'), source: e.source().id(), target: e.target().id() }));
  const font = parseFloat(cy.nodes('[kind = "document"]').first().style('font-size'));
  return { nodes, edges, zoom: cy.zoom(), font };
}"""


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over data/ and a small synthetic national graph beside it."""
    data = tmp_path_factory.mktemp("national") / "data"
    shutil.copytree(ROOT / "data", data)
    with (data / "national.nq").open("w", encoding="utf-8") as out:
        out.writelines(generate(0.02, 3, documents=22, complete=True))
    # Loading ~100k quads takes 20 s or more on a busy machine.
    with serve(create_app(Settings(root=ROOT, data_dir=data, store=None)), start_timeout=180) as url:
        yield url


def _served_view(base_url: str) -> dict[str, Any]:
    query = urllib.parse.urlencode({"format": "cytoscape", "root": "57-NQ/TW", "direction": "down", "view": "documents"})
    with urllib.request.urlopen(f"{base_url}/api/export?{query}") as response:
        return dict(json.loads(response.read()))


def _open_cascade(tab: Any, base_url: str) -> dict[str, Any]:
    tab.goto(base_url + CASCADE)
    tab.wait_for_function("document.body.dataset.graphReady", timeout=30000)
    return dict(tab.evaluate(MODEL))


def test_cascade_of_57_draws_its_provinces_in_rows(base_url: str, page: tuple[Any, list[str]]) -> None:
    tab, outside = page
    model = _open_cascade(tab, base_url)
    nodes = model["nodes"]
    by_id = {n["id"]: n for n in nodes}
    documents = [n for n in nodes if n["kind"] == "document"]
    assert {n["kind"] for n in nodes} == {"document", "agency"}  # tasks and agencies are folded away

    # Every province the server says carries out 57-NQ/TW is drawn, and there are many.
    served = [n["data"] for n in _served_view(base_url)["elements"]["nodes"]]
    provinces = {n["jurisdiction"] for n in served if n["kind"] == "document" and n.get("level") == "provincial"}
    assert len(provinces) >= 10 and "Tỉnh Quảng Trị" in provinces
    assert {n["area"] for n in documents if n["level"] == "provincial"} == provinces
    assert {n["iri"] for n in nodes} == {n["id"] for n in served}

    # The resolution alone on top, the Government's programmes in the next row, provinces below.
    (root,) = [n for n in documents if n["notation"] == "57-NQ/TW"]
    assert root["row"] == 0 and root["y"] == min(n["y"] for n in nodes)
    assert [n["notation"] for n in documents if n["row"] == 0] == ["57-NQ/TW"]
    programmes = [n for n in documents if (n["notation"] or "").endswith("/NQ-CP")]
    assert programmes and all(n["row"] == 1 for n in programmes)
    assert {n["row"] for n in documents if n["level"] == "provincial"} == {2}

    # Rows are bands that do not overlap, and no issuer edge leaves its row.
    bands: dict[int, tuple[float, float]] = {}
    for n in nodes:
        top, bottom = n["y"] - n["height"] / 2, n["y"] + n["height"] / 2
        low, high = bands.get(n["row"], (top, bottom))
        bands[n["row"]] = (min(low, top), max(high, bottom))
    ordered = [bands[r] for r in sorted(bands)]
    assert all(upper[1] < lower[0] for upper, lower in itertools.pairwise(ordered))
    issuer_edges = [e for e in model["edges"] if e["relation"] == "issuedBy"]
    assert len(issuer_edges) == len(documents) - sum(1 for n in served if n["kind"] == "document" and not n.get("issuer"))
    assert all(by_id[e["source"]]["row"] == by_id[e["target"]]["row"] for e in issuer_edges)

    # Each document shows its counts, and the first view is zoomed so labels can be read.
    for n in documents:
        assert f"{n['tasks']} nhiệm vụ · {n['agencies']} cơ quan" in n["display"]
    assert model["zoom"] * model["font"] >= 11 - 1e-6
    assert "Tầng văn bản của 57-NQ/TW" in tab.inner_text("#message")
    tab.screenshot(path=str(screenshot_path("explorer-cascade-57.png")))
    tab.click("#fit")
    tab.screenshot(path=str(screenshot_path("explorer-cascade-57-fit.png")))
    assert outside == []


def test_cascade_document_opens_from_the_table_by_keyboard(base_url: str, page: tuple[Any, list[str]]) -> None:
    tab, outside = page
    model = _open_cascade(tab, base_url)
    busy = max((n for n in model["nodes"] if n["kind"] == "document"), key=lambda n: (n["tasks"], n["agencies"]))
    assert busy["tasks"] > 0
    tab.focus("#graph-table summary")
    tab.keyboard.press("Enter")
    button = tab.locator(f'#graph-table tr[data-id="{busy["id"]}"] th button')
    button.focus()
    tab.keyboard.press("Enter")
    tab.wait_for_selector("#details:not([hidden])")
    assert tab.evaluate("document.activeElement.id") == "details"
    assert tab.inner_text("#details h3") == busy["label"]
    tab.click("#details .show-tasks")
    tab.wait_for_selector("#details .task-list")
    assert tab.locator("#details .task-list > li").count() == busy["tasks"]
    agencies = tab.evaluate("new Set([...document.querySelectorAll('#details .task-list ul a')].map((a) => a.getAttribute('href'))).size")
    assert agencies == busy["agencies"]
    tab.screenshot(path=str(screenshot_path("explorer-cascade-opened.png")))
    assert outside == []


def test_hover_shows_the_full_label(base_url: str, page: tuple[Any, list[str]]) -> None:
    tab, outside = page
    _open_cascade(tab, base_url)
    at = tab.evaluate("""() => {
      const node = window.cy.nodes('[notation = "57-NQ/TW"]').first();
      const box = document.querySelector('#graph-canvas').getBoundingClientRect();
      const p = node.renderedPosition();
      return { x: box.left + p.x, y: box.top + p.y, label: node.data('label'), display: node.data('display') };
    }""")
    assert at["label"] not in at["display"]  # the drawn label is shortened …
    tab.mouse.move(at["x"], at["y"])
    tab.wait_for_selector("#tooltip:not([hidden])")
    assert at["label"] in tab.inner_text("#tooltip")  # … the tooltip has it whole
    assert outside == []


def test_language_toggle_translates_counts_statuses_and_table(base_url: str, page: tuple[Any, list[str]]) -> None:
    tab, outside = page
    _open_cascade(tab, base_url)
    # A function returning nothing: Playwright would otherwise serialise the whole collection.
    tab.evaluate("() => { window.cy.nodes('[notation = \"57-NQ/TW\"]').first().emit('tap'); }")
    details = tab.inner_text("#details")
    assert "Tình trạng\nĐã ban hành" in details and "issued" not in details.lower().replace("đã ban hành", "")
    tab.click("#lang-toggle")
    assert tab.evaluate("document.documentElement.lang") == "en"
    displays = tab.evaluate("window.cy.nodes('[kind = \"document\"]').map((n) => n.data('display'))")
    assert all(" task" in d and " agenc" in d and "nhiệm vụ" not in d for d in displays)
    details = tab.inner_text("#details")
    assert "Status\nIssued" in details and "Level\nNational" in details
    headers = tab.evaluate("[...document.querySelectorAll('#graph-table thead th')].map((th) => th.textContent)")
    assert headers[:3] == ["Number", "Name", "Kind"] and "Tasks" in headers
    assert "Cascade of 57-NQ/TW" in tab.inner_text("#message")
    tab.screenshot(path=str(screenshot_path("explorer-cascade-english.png")))
    tab.click("#lang-toggle")
    assert "Tình trạng\nĐã ban hành" in tab.inner_text("#details")
    assert outside == []
