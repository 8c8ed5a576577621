"""Every competency question of shared/cq/examples.json answered through the HTTP API."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from app.core.text import fold
from tests.support.project import ROOT

CQ_FILE = ROOT.parent / "shared" / "cq" / "examples.json"
CQ = json.loads(CQ_FILE.read_text(encoding="utf-8")) if CQ_FILE.is_file() else {"responsible": [], "lineage": []}
pytestmark = pytest.mark.skipif(not CQ_FILE.is_file(), reason="shared/cq is not beside the checkout")


def agency_name(key: str) -> str:
    return fold(CQ["agencies"][key])


@pytest.mark.parametrize("case", CQ["responsible"], ids=lambda c: c["q"])
def test_responsible(shipped_client: TestClient, case: dict) -> None:
    response = shipped_client.get("/api/responsible", params={"q": case["q"], "limit": case["within"]})
    assert response.status_code == 200
    results = response.json()["results"][: case["within"]]
    roles = set(case.get("expect_role", []))
    hits = [r for r in results if fold(r["agency"]["label"]) == agency_name(case["expect_agency"])]
    assert hits, [r["agency"]["label"] for r in results]
    if roles:
        assert any(r["role"] in roles for r in hits), [(r["agency"]["label"], r["role"]) for r in results]


@pytest.mark.parametrize("case", CQ["lineage"], ids=lambda c: c["document"])
def test_lineage(shipped_client: TestClient, case: dict) -> None:
    response = shipped_client.get("/api/lineage", params={"document": case["document"]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["document"]["notation"] == case["document"]
    if "ancestors_have" in case:
        assert set(case["ancestors_have"]) <= {a["notation"] for a in body["ancestors"]}
    if "descendants_have_issuer" in case:
        issuers = {fold(d["issuer_label"] or "") for d in body["descendants"]}
        assert agency_name(case["descendants_have_issuer"]) in issuers


def test_lineage_unknown_number_says_did_you_mean(shipped_client: TestClient) -> None:
    response = shipped_client.get("/api/lineage", params={"document": "190-KH/TX"})
    assert response.status_code == 404
    body = response.json()
    assert "did you mean" in body["detail"] and "190-KH/TU" in body["detail"]
    assert body["suggestions"][0]["notation"] == "190-KH/TU"


@pytest.mark.parametrize("document", ["   ", "\x00", "x" * 2500])
def test_lineage_blank_or_huge_reference_is_422(shipped_client: TestClient, document: str) -> None:
    response = shipped_client.get("/api/lineage", params={"document": document})
    assert response.status_code == 422
    assert "document" in response.json()["detail"]
