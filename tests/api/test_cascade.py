"""GET /api/cascade and GET /api/deadlines: JSON, CSV read back, and the 404/409/422 of bad names and parameters."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from tests.support.cascade import AREA, DOC_9, IND, SO_A, cascade_settings


@pytest.fixture(scope="module")
def cascade_client() -> Iterator[TestClient]:
    with TestClient(create_app(cascade_settings())) as client:
        yield client


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_cascade_json_has_each_province_with_its_flags(cascade_client: TestClient) -> None:
    response = cascade_client.get("/api/cascade", params={"document": "9-NQ/TW"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["document"]["iri"] == DOC_9
    assert {r["area"]["label"]: r["flags"] for r in body["provinces"]} == {
        "Tỉnh A": ["lower"], "Tỉnh B": ["none"], "Tỉnh C": ["none", "contradiction"], "Tỉnh D": [],
    }
    columns = [c["iri"] for c in body["indicators"]]
    row_a = body["provinces"][0]
    share_x = row_a["cells"][columns.index(IND + "share-x")]
    assert [(t["value"], t["comparator"], t["year"], t["versus_national"]) for t in share_x["targets"]] == [(20.0, "at-least", 2030, "weaker")]
    assert body["flag_count"] == 8
    assert response.headers["vary"] == "Accept"


@pytest.mark.parametrize("how", [{"params": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}])
def test_cascade_csv_reads_back_as_the_json_says(cascade_client: TestClient, how: dict[str, dict[str, str]]) -> None:
    response = cascade_client.get("/api/cascade", params={"document": DOC_9, **how.get("params", {})}, headers=how.get("headers"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="cascade-9-NQ-TW.csv"' in response.headers["content-disposition"]
    rows = read_csv(response.text)
    flagged = {(r["province_iri"], r["indicator_iri"], r["flags"]) for r in rows if r["flags"]}
    body = cascade_client.get("/api/cascade", params={"document": DOC_9}).json()
    columns = [c["iri"] for c in body["indicators"]]
    expected = {
        (row["area"]["iri"], columns[i], " ".join(c["flags"])) for row in body["provinces"] for i, c in enumerate(row["cells"]) if c["flags"]
    }
    assert flagged == expected
    assert any(r["province_iri"] == AREA + "tinh-c" and r["value"] == "40" for r in rows)


def test_cascade_bad_names_and_parameters(cascade_client: TestClient) -> None:
    unknown = cascade_client.get("/api/cascade", params={"document": "9-NQ/TX"})
    assert unknown.status_code == 404
    assert "9-NQ/TX" in unknown.json()["detail"]
    assert [s["iri"] for s in unknown.json()["suggestions"]] == [DOC_9]
    assert cascade_client.get("/api/cascade").status_code == 422
    blank = cascade_client.get("/api/cascade", params={"document": "   "})
    assert blank.status_code == 422 and "document" in blank.json()["detail"]
    refused = cascade_client.get("/api/cascade", params={"document": DOC_9, "format": "xlsx"})
    assert refused.status_code == 406 and set(refused.json()["formats"]) == {"json", "csv"}


def test_deadlines_json_and_csv(cascade_client: TestClient) -> None:
    params = {"agency": SO_A, "from": "2025", "to": "2025", "today": "2025-07-01"}
    body = cascade_client.get("/api/deadlines", params=params).json()
    assert [(d["deadline"], d["precision"], d["status"]) for d in body["duties"]] == [
        ("2025-03-15", "day", "done"), ("2025-06", "month", "overdue"), ("2025", "year", "due"),
    ]
    assert (body["start"], body["end"], body["today"], body["overdue_count"], body["without_deadline"]) == (
        "2025-01-01", "2025-12-31", "2025-07-01", 1, 1,
    )
    rows = read_csv(cascade_client.get("/api/deadlines", params={**params, "format": "csv"}).text)
    assert [(r["due"], r["status"], r["reported_by"]) for r in rows] == [
        ("2025-03-15", "done", "5/BC-SA"), ("2025-06-30", "overdue", ""), ("2025-12-31", "due", ""),
    ]
    overdue = cascade_client.get("/api/deadlines", params={"province": "Tỉnh A", "overdue": "true", "today": "2025-07-01"}).json()
    assert [d["due"] for d in overdue["duties"]] == ["2025-06-30"]


@pytest.mark.parametrize(
    ("params", "status", "needle"),
    [
        ({}, 422, "agency or a province"),
        ({"agency": SO_A, "province": "Tỉnh A"}, 422, "one of the two"),
        ({"agency": "Sở A"}, 409, "Sở A"),
        ({"agency": "Sở Không Có"}, 404, "Sở Không Có"),
        ({"province": "Tỉnh Z"}, 404, "Tỉnh Z"),
        ({"province": "Tỉnh A", "from": "2025-13"}, 422, "from"),
        ({"province": "Tỉnh A", "from": "giữa năm"}, 422, "from"),
        ({"province": "Tỉnh A", "from": "2025-12", "to": "2025-01"}, 422, "after it ends"),
        ({"province": "Tỉnh A", "today": "2025"}, 422, "today"),
        ({"province": "Tỉnh A", "overdue": "maybe"}, 422, "overdue"),
    ],
)
def test_deadlines_bad_names_and_parameters(cascade_client: TestClient, params: dict[str, str], status: int, needle: str) -> None:
    response = cascade_client.get("/api/deadlines", params=params)
    assert response.status_code == status, response.text
    body = response.json()
    assert needle in body["detail"] or any(needle in str(e.get("loc")) for e in body.get("errors", []))


def test_both_routes_are_in_openapi_with_their_models(cascade_client: TestClient) -> None:
    spec = cascade_client.get("/openapi.json").json()
    for path, model in (("/api/cascade", "CascadeResponse"), ("/api/deadlines", "DeadlinesResponse")):
        content = spec["paths"][path]["get"]["responses"]["200"]["content"]
        assert content["application/json"]["schema"]["$ref"].endswith(model)
        assert "text/csv" in content
    assert "CellOut" in spec["components"]["schemas"]


def test_the_pages_are_served(cascade_client: TestClient) -> None:
    for path in ("/cascade", "/deadlines"):
        page = cascade_client.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert '<html lang="vi">' in page.text and "/static/shared/page.js" in page.text
