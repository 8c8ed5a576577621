"""The document browser /documents and a document page in headless chromium (tests/support/browser.py), on the shipped data.

Every request off 127.0.0.1 is aborted and recorded, and the tests assert there were none.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from tests.support.browser import screenshot_path

TABLE = """() => [...document.querySelectorAll('#rows tr')].map((tr) => [...tr.children].map((td) => td.textContent.trim()))"""


def test_filtered_to_one_province_and_type_the_table_matches_its_csv_download(
    page: tuple[Any, list[str]], shipped_server: str
) -> None:
    tab, outside = page
    tab.goto(f"{shipped_server}/documents")
    tab.locator("#rows tr").first.wait_for(timeout=15000)
    assert tab.locator("html").get_attribute("lang") == "vi"
    assert tab.locator("#head th").first.text_content().strip() == "Số hiệu"
    tab.check("#f-province-quang-tri")
    tab.wait_for_function("() => new URL(location.href).searchParams.get('province') === 'quang-tri'")
    tab.locator("#f-type-kh").wait_for()
    tab.check("#f-type-kh")
    tab.wait_for_function("() => new URL(location.href).searchParams.get('type') === 'kh'")
    tab.wait_for_function("() => document.querySelector('#f-type-kh').checked && !document.querySelector('#summary').textContent.includes('…')")
    shown = tab.evaluate(TABLE)
    assert shown and all(row[5] != "" for row in shown)
    counts = tab.locator("label[for='f-province-quang-tri'] .count").text_content()
    assert int(counts) == len(shown)  # the facet counts what it selects
    assert all(row[2] == "Kế hoạch" for row in shown)  # every status and type in Vietnamese
    assert {row[7] for row in shown} <= {"Đã ban hành", "Dự thảo"}

    with tab.expect_download() as info:
        tab.click("#csv-link")
    download = info.value
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert [r["notation"] or "(chưa có số)" for r in table] == [row[0] for row in shown]
    assert [r["issuer"] for r in table] == [row[3] for row in shown]
    assert [r["date"] for r in table] == [row[4] for row in shown]
    assert all(r["province"] == "Tỉnh Quảng Trị" and r["type"] == "Kế hoạch" for r in table)

    # Sorting by a header keeps the filters, and the URL is the view: opening it again shows the same rows.
    tab.click("#head button[data-sort='notation']")
    tab.wait_for_function("() => new URL(location.href).searchParams.get('sort') === 'notation'")
    tab.wait_for_function("() => document.querySelector('#head th[aria-sort=ascending]') !== null")
    sorted_rows = tab.evaluate(TABLE)
    shared = tab.url
    tab.screenshot(path=str(screenshot_path("documents-quang-tri-kh.png")), full_page=True)
    tab.goto(shared)
    tab.wait_for_function("() => document.querySelector('#head th[aria-sort=ascending]') !== null")
    assert tab.evaluate(TABLE) == sorted_rows
    assert outside == []


def test_english_toggle_translates_labels_and_statuses(page: tuple[Any, list[str]], shipped_server: str) -> None:
    tab, outside = page
    tab.goto(f"{shipped_server}/documents?province=quang-tri")
    tab.locator("#rows tr").first.wait_for(timeout=15000)
    tab.click("#lang-toggle")
    tab.wait_for_function("() => document.documentElement.lang === 'en' && document.querySelector('#head th').textContent.startsWith('Number')")
    tab.wait_for_function("() => [...document.querySelectorAll('#rows tr td:nth-child(8)')].every((td) => ['Issued', 'Draft'].includes(td.textContent))")
    assert "lang=en" in tab.url
    assert outside == []


def test_a_document_page_shows_its_cascade_targets_and_checkable_sources(page: tuple[Any, list[str]], shipped_server: str) -> None:
    tab, outside = page
    tab.goto(f"{shipped_server}/documents/bo-chinh-tri/2024/57-nq-tw")
    tab.locator("#cascade h4").first.wait_for(timeout=15000)
    assert "57-NQ/TW" in tab.locator("#doc-title").text_content()
    provinces = tab.locator("#cascade h4").all_text_contents()
    assert "Toàn quốc" in provinces and "Tỉnh Quảng Trị" in provinces
    assert tab.locator("#objectives li").count() > 0
    targets = tab.locator("#objectives").text_content()
    assert "tối thiểu" in targets and "at-least" not in targets  # comparators in the page's language
    links = tab.locator("#sources a").evaluate_all("(nodes) => nodes.map((n) => n.href)")
    assert any(link.startswith("https://github.com/thetrungdtt/VNMasterplan/") for link in links)
    assert "không rõ" in tab.locator("#sources").text_content()  # a publication date no source gives
    tab.screenshot(path=str(screenshot_path("document-57-nq-tw.png")), full_page=True)
    assert outside == []
