"""GET /api/duties: an agency's tasks by document and task group; ambiguous and unknown names."""

from __future__ import annotations

from fastapi.testclient import TestClient

SKHCN_QT = "https://w3id.org/policykg/id/agency/quang-tri/so-khcn"
SKHCN_TH = "https://w3id.org/policykg/id/agency/thanh-hoa/so-khcn"


def test_duties_by_name_without_accents(shipped_client: TestClient) -> None:
    response = shipped_client.get("/api/duties", params={"agency": "so khcn quang tri"})
    assert response.status_code == 200
    body = response.json()
    assert body["agency"] == {"iri": SKHCN_QT, "label": "Sở Khoa học và Công nghệ tỉnh Quảng Trị"}
    assert body["task_count"] == sum(len(g["tasks"]) for d in body["documents"] for g in d["groups"])
    assert body["task_count"] >= 26
    plan = next(d for d in body["documents"] if d["document"]["label"].startswith("Dự thảo Kế hoạch của UBND tỉnh Quảng Trị"))
    group4 = next(g for g in plan["groups"] if g["ordinal"] == 4)
    assert "đổi mới sáng tạo" in group4["group"]["label"]
    assert {t["role"] for t in group4["tasks"]} == {"lead", "advise", "assigned", "coordinate"}
    assert "47/KH-UBND" in {d["notation"] for d in body["drafted"]}


def test_same_answer_by_iri(shipped_client: TestClient) -> None:
    by_name = shipped_client.get("/api/duties", params={"agency": "Sở KH&CN Thanh Hóa"}).json()
    by_iri = shipped_client.get("/api/duties", params={"agency": SKHCN_TH}).json()
    assert by_name == by_iri and by_iri["agency"]["iri"] == SKHCN_TH


def test_ambiguous_name_is_409_with_candidates(shipped_client: TestClient) -> None:
    response = shipped_client.get("/api/duties", params={"agency": "Sở KH&CN"})
    assert response.status_code == 409
    body = response.json()
    assert {c["iri"] for c in body["candidates"]} == {SKHCN_QT, SKHCN_TH}
    assert all(set(c) == {"iri", "label", "kind", "area", "area_label"} for c in body["candidates"])
    assert {c["area_label"] for c in body["candidates"]} == {"Tỉnh Quảng Trị", "Tỉnh Thanh Hóa"}


def test_unknown_name_is_404_with_suggestions(shipped_client: TestClient) -> None:
    response = shipped_client.get("/api/duties", params={"agency": "polid:agency/quang-tri/so-khcnn"})
    assert response.status_code == 404
    body = response.json()
    assert body["suggestions"][0]["iri"] == SKHCN_QT and "did you mean" in body["detail"]
    assert shipped_client.get("/api/duties", params={"agency": "  "}).status_code == 422
