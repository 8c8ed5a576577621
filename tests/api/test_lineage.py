"""GET /api/lineage."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.project import DOC_12, DOC_45, DOC_52, DOC_HT_190, DOC_QT_190

ITEM_KEYS = {"iri", "notation", "label", "type", "issuer", "date", "depth"}


def test_lineage_by_notation(client: TestClient) -> None:
    response = client.get("/api/lineage", params={"document": "12/KH-SKHCN"})
    assert response.status_code == 200
    body = response.json()
    assert body["document"]["iri"] == DOC_12 and body["document"]["depth"] == 0
    assert {a["iri"]: a["depth"] for a in body["ancestors"]} == {DOC_45: 1, DOC_QT_190: 2, DOC_52: 2}
    assert body["descendants"] == []
    assert set(body["ancestors"][0]) >= ITEM_KEYS


def test_ambiguous_notation_is_409_with_both_candidates(client: TestClient) -> None:
    response = client.get("/api/lineage", params={"document": "190-KH/TU"})
    assert response.status_code == 409
    body = response.json()
    assert "190-KH/TU" in body["detail"]
    assert {c["iri"] for c in body["candidates"]} == {DOC_QT_190, DOC_HT_190}


def test_issuer_disambiguates(client: TestClient) -> None:
    response = client.get("/api/lineage", params={"document": "190-KH/TU", "issuer": "Hà Tĩnh"})
    assert response.status_code == 200
    body = response.json()
    assert body["document"]["iri"] == DOC_HT_190
    assert [a["iri"] for a in body["ancestors"]] == [DOC_52]


def test_unknown_document_is_404_with_suggestions(client: TestClient) -> None:
    response = client.get("/api/lineage", params={"document": "52-NQ/TX"})
    assert response.status_code == 404
    body = response.json()
    assert "52-NQ/TX" in body["detail"]
    assert DOC_52 in {s["iri"] for s in body["suggestions"]}


def test_by_iri_and_bad_input(client: TestClient) -> None:
    assert client.get("/api/lineage", params={"document": DOC_45}).status_code == 200
    assert client.get("/api/lineage").status_code == 422
    assert client.get("/api/lineage", params={"document": DOC_45, "max_depth": 0}).status_code == 422
    assert client.get("/api/lineage", params={"document": "http://x/a b"}).status_code == 404
