"""GET /api/quality: the SHACL and consistency findings, named so people can read them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.support.quality import quality_report


def test_quality_names_what_the_sources_get_wrong(shipped_client: TestClient) -> None:
    response = quality_report(shipped_client)
    assert response.status_code == 200
    body = response.json()
    assert body["conforms"] is True
    for finding in body["findings"]:
        assert {"severity", "rule", "message", "focus"} <= set(finding)
        assert set(finding["focus"]) == {"iri", "label", "notation"}
        assert finding["focus"]["label"] and not finding["focus"]["label"].startswith("http")
    named = {(f["rule"], f["focus"]["notation"]) for f in body["findings"]}
    # 47/KH-UBND is dated 4/3/2024, before 57-NQ/TW, 03/NQ-CP and 144-CTHĐ/TU it carries out.
    assert ("implements-date-order", "47/KH-UBND") in named
    # A provincial resolution numbered like a central one.
    assert ("issuer-code-mismatch", "02-NQ/TW") in named
    # Two 2030 digital-economy targets for Quảng Trị: 20 % (47/KH-UBND) against 30 % (190-KH/TU).
    conflicts = {f["focus"]["label"] for f in body["findings"] if f["rule"] == "conflicting-targets"}
    assert {
        "Tỷ trọng kinh tế số trong GRDP, 2030 — 47/KH-UBND",
        "Tỷ trọng kinh tế số trong GRDP, 2030 — 190-KH/TU",
    } <= conflicts
    assert body["counts"]["Warning"] == sum(1 for f in body["findings"] if f["severity"] == "Warning")
    # Computed once per load: the second request is the same report.
    assert shipped_client.get("/api/quality").json() == body
