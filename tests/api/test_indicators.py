"""GET /api/indicators: indicators with their targets."""

from __future__ import annotations

from fastapi.testclient import TestClient

TARGET_KEYS = {"iri", "value", "unit", "year", "comparator", "jurisdiction", "document"}


def test_indicator_targets_shape(shipped_client: TestClient) -> None:
    response = shipped_client.get("/api/indicators", params={"q": "kinh te so GRDP"})
    assert response.status_code == 200
    indicators = response.json()["indicators"]
    first = indicators[0]
    assert first["iri"].endswith("/indicator/digital-economy-share-grdp")
    assert first["label"] == "Tỷ trọng kinh tế số trong GRDP"
    for target in first["targets"]:
        assert set(target) == TARGET_KEYS
        assert set(target["jurisdiction"]) == {"iri", "label"}
        assert set(target["document"]) == {"iri", "notation", "label"}
    quang_tri_2030 = {
        (t["document"]["notation"], t["value"], t["comparator"])
        for t in first["targets"]
        if t["year"] == 2030 and t["jurisdiction"]["label"] == "Tỉnh Quảng Trị"
    }
    assert {("47/KH-UBND", 20.0, "at-least"), ("190-KH/TU", 30.0, "about")} <= quang_tri_2030


def test_bad_input(shipped_client: TestClient) -> None:
    assert shipped_client.get("/api/indicators", params={"q": " "}).status_code == 422
    assert shipped_client.get("/api/indicators").status_code == 422
    response = shipped_client.get("/api/indicators", params={"q": "Привет мир"})
    assert response.status_code == 200 and response.json()["indicators"] == []
