"""The pages /cascade and /deadlines in headless chromium (tests/support/browser.py), over the shipped data.

Every request off 127.0.0.1 is aborted and recorded, and the tests assert there were none.
"""

from __future__ import annotations

from typing import Any

from tests.support.browser import screenshot_path


def test_the_cascade_of_57_shows_each_provinces_targets(page: tuple[Any, list[str]], shipped_server: str) -> None:
    tab, outside = page
    tab.goto(f"{shipped_server}/cascade?document=57-NQ/TW")
    table = tab.locator("#cascade-table")
    table.locator("tbody tr").first.wait_for()
    api = tab.request.get(f"{shipped_server}/api/cascade?document=57-NQ/TW").json()
    # One row per province of the answer, each with its documents and its targets as text.
    rows = table.locator("tbody tr")
    assert rows.count() == len(api["provinces"]) >= 1
    headers = [h.inner_text() for h in table.locator("thead th").all()]
    assert headers[0] == "Tỉnh, thành phố"
    digital = next(h for h in headers if h.startswith("Tỷ trọng kinh tế số trong GRDP"))
    assert "Cả nước: ít nhất 30 % (2030)" in digital
    column = headers.index(digital)
    for index, province in enumerate(api["provinces"]):
        row = rows.nth(index)
        assert row.locator("th").inner_text().startswith(province["area"]["label"])
        cells = row.locator("td")
        for position, cell in enumerate(province["cells"]):
            text = cells.nth(position).inner_text()
            for target in cell["targets"]:
                assert f"({target['year']})" in text and (target["document_notation"] or "") in text
            # Flags are words on the page, not only a colour.
            assert ("Chưa đặt chỉ tiêu" in text) == ("none" in cell["flags"])
            assert ("Thấp hơn cả nước" in text) == ("lower" in cell["flags"])
    quang_tri = rows.filter(has_text="Tỉnh Quảng Trị").locator("td").nth(column - 1).inner_text()
    assert "ít nhất 20 % (2030)" in quang_tri and "47/KH-UBND" in quang_tri and "Thấp hơn cả nước" in quang_tri
    tab.screenshot(path=str(screenshot_path("cascade-57-nq-tw.png")), full_page=True)
    # English on the toggle, the same table.
    tab.get_by_role("button", name="English").click()
    assert tab.locator("thead th").first.inner_text() == "Province"
    assert "Lower than national" in tab.locator("#cascade-table").inner_text()
    assert tab.evaluate("document.documentElement.lang") == "en"
    assert tab.get_attribute("#csv-link", "href").endswith("format=csv")
    assert outside == []


def test_an_unknown_document_says_so_with_suggestions(page: tuple[Any, list[str]], shipped_server: str) -> None:
    tab, outside = page
    tab.goto(f"{shipped_server}/cascade?document=57-NQ/TX")
    status = tab.locator("#status")
    status.filter(has_text="57-NQ/TX").wait_for()
    assert "57-NQ/TW" in status.inner_text()
    assert tab.locator("#result").is_hidden()
    assert outside == []


def test_the_deadlines_page_lists_the_overdue_duties(page: tuple[Any, list[str]], shipped_server: str) -> None:
    tab, outside = page
    tab.goto(f"{shipped_server}/deadlines?province=vn&from=2025&to=2025&today=2025-07-01")
    rows = tab.locator("#deadlines-table tbody tr")
    rows.first.wait_for()
    api = tab.request.get(f"{shipped_server}/api/deadlines?province=vn&from=2025&to=2025&today=2025-07-01").json()
    assert rows.count() == len(api["duties"])
    overdue = [d for d in api["duties"] if d["status"] == "overdue"]
    assert tab.locator("#deadlines-table tbody tr", has_text="Quá hạn").count() == len(overdue) > 0
    tab.screenshot(path=str(screenshot_path("deadlines-vn-2025.png")), full_page=True)
    assert outside == []
