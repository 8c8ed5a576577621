"""GET /api/responsible: the contract the explorer and clients rely on, and bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from tests.search.test_index import NASTY
from tests.support.project import ROOT

RESULT_KEYS = {"agency", "role", "task", "document", "lineage", "sources", "score"}
ROLES = {"lead", "coordinate", "advise", "assigned", "draft"}
SKHCN_QT = "https://w3id.org/policykg/id/agency/quang-tri/so-khcn"


def test_contract_shape(shipped_client: TestClient) -> None:
    response = shipped_client.get("/api/responsible", params={"q": "trung tâm đổi mới sáng tạo", "limit": 5})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"query", "results"} and body["query"] == "trung tâm đổi mới sáng tạo"
    assert 0 < len(body["results"]) <= 5
    for result in body["results"]:
        assert set(result) == RESULT_KEYS
        assert set(result["agency"]) == {"iri", "label"} and set(result["task"]) == {"iri", "label"}
        assert set(result["document"]) == {"iri", "notation", "label"}
        assert result["role"] in ROLES and isinstance(result["score"], float)
        assert all({"iri", "notation", "label", "issuer", "date"} <= set(step) for step in result["lineage"])
        assert all(set(source) == {"iri", "title"} for source in result["sources"])
        assert result["lineage"][0]["iri"] == result["document"]["iri"]
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores, reverse=True)
    assert body["results"][0]["agency"]["iri"] == SKHCN_QT


def test_lineage_reaches_the_national_resolution(shipped_client: TestClient) -> None:
    body = shipped_client.get("/api/responsible", params={"q": "ho tro truy xuat nguon goc ma vach"}).json()
    chain = body["results"][0]["lineage"]
    assert [step["depth"] for step in chain] == [0, 1, 2]
    assert chain[0]["notation"] is None and chain[0]["label"].startswith("Dự thảo")  # a draft has no number
    assert (chain[-1]["notation"], chain[-1]["date"]) == ("52-NQ/TW", "2019-09-27")


def test_abbreviations_and_accents_give_the_same_answer(shipped_client: TestClient) -> None:
    def top(q: str) -> list[tuple[str, str]]:
        results = shipped_client.get("/api/responsible", params={"q": q, "limit": 3}).json()["results"]
        return [(r["task"]["iri"], r["agency"]["iri"]) for r in results]

    assert top("Sở KH&CN tham mưu chính sách huy động nguồn lực cho ĐMST") == top(
        "so khoa hoc va cong nghe tham muu chinh sach huy dong nguon luc cho doi moi sang tao"
    )


@pytest.mark.parametrize("q", ["", "   ", "\t\n", "\x00", "\u200b"])
def test_empty_question_is_422_with_a_message(shipped_client: TestClient, q: str) -> None:
    response = shipped_client.get("/api/responsible", params={"q": q})
    assert response.status_code == 422
    assert "empty" in response.json()["detail"]


def test_missing_and_too_long_questions(shipped_client: TestClient) -> None:
    assert shipped_client.get("/api/responsible").status_code == 422
    response = shipped_client.get("/api/responsible", params={"q": "đổi mới " * 300})
    assert response.status_code == 422 and "limit" in response.json()["detail"]
    assert shipped_client.get("/api/responsible", params={"q": "x", "limit": 0}).status_code == 422
    assert shipped_client.get("/api/responsible", params={"q": "x", "limit": 1000}).status_code == 422


ENDPOINTS = [
    ("/api/responsible", "q"),
    ("/api/duties", "agency"),
    ("/api/indicators", "q"),
    ("/api/lineage", "document"),
]


@pytest.mark.parametrize(("path", "param"), ENDPOINTS)
def test_nasty_strings_never_crash_the_service(shipped_client: TestClient, path: str, param: str) -> None:
    for text in [*NASTY, "x" * 2500, "Sở KH&CN" + "\x00" * 10]:
        response = shipped_client.get(path, params={param: text})
        assert response.status_code in (200, 404, 409, 422), (text[:40], response.status_code, response.text[:200])
        assert isinstance(response.json(), dict)
        if response.status_code != 200:
            assert isinstance(response.json()["detail"], str | list)


def test_the_index_is_rebuilt_when_the_store_reloads(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    settings = Settings(root=ROOT, data_dir=data, store=None)
    question = {"q": "đài quan sát thiên văn"}
    with TestClient(create_app(settings)) as client:
        before = client.get("/api/responsible", params=question).json()["results"]
        assert not any(r["task"]["iri"].endswith("/task/dai-quan-sat") for r in before)
        (data / "extra.trig").write_text(EXTRA, encoding="utf-8")
        client.app.state.store.load_project(settings, reload=True)  # type: ignore[attr-defined]
        results = client.get("/api/responsible", params=question).json()["results"]
        assert results[0]["task"]["iri"].endswith("/task/dai-quan-sat")
        assert (results[0]["agency"]["iri"], results[0]["role"]) == (SKHCN_QT, "lead")


EXTRA = """
@prefix pol: <https://w3id.org/policykg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/policykg/graph/source/extra> {
  <https://w3id.org/policykg/id/doc/tu-quang-tri/2020/190-kh-tu/task/dai-quan-sat> a pol:Task ;
      rdfs:label "Xây dựng đài quan sát thiên văn"@vi ;
      pol:leadAgency <https://w3id.org/policykg/id/agency/quang-tri/so-khcn> .
  <https://w3id.org/policykg/id/doc/tu-quang-tri/2020/190-kh-tu>
      pol:hasTask <https://w3id.org/policykg/id/doc/tu-quang-tri/2020/190-kh-tu/task/dai-quan-sat> .
}
"""


# ---------------------------------------------------------------------------------------- kept answers

TOKEN = "responsible-cache-token"
NEW_TASK = "https://w3id.org/policykg/id/doc/cache-test/task/1"


def test_a_repeated_question_is_answered_from_the_cache_as_computed(shipped_settings: Settings) -> None:
    settings = shipped_settings
    # The second app has the cache off (non-default: POLICYKG_RESULT_CACHE_BYTES=0).
    with TestClient(create_app(settings)) as client, TestClient(
        create_app(settings.model_copy(update={"result_cache_bytes": 0}))
    ) as uncached:
        for q, limit in [("trung tâm đổi mới sáng tạo", 5), ("trung tâm đổi mới sáng tạo", 2), ("KH&CN", 10)]:
            params = {"q": q, "limit": limit}
            first, second = (client.get("/api/responsible", params=params) for _ in range(2))
            computed = uncached.get("/api/responsible", params=params)
            assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
            assert first.content == second.content == computed.content
            assert second.headers["content-type"] == computed.headers["content-type"] == "application/json"
            assert len(second.json()["results"]) <= limit and second.json()["query"] == q


def test_after_an_update_the_kept_answer_is_not_given(shipped_settings: Settings) -> None:
    settings = shipped_settings  # with updates enabled (non-default) below
    question = {"q": "kiểm thử bộ nhớ đệm zyxwv"}
    update = (
        "PREFIX pol: <https://w3id.org/policykg/ontology#> "
        "INSERT DATA { GRAPH <https://w3id.org/policykg/graph/source/cache-test> { "
        f"<{NEW_TASK}> a pol:Task ; <http://www.w3.org/2000/01/rdf-schema#label> \"Kiểm thử bộ nhớ đệm zyxwv\"@vi ; "
        f"pol:leadAgency <{SKHCN_QT}> }} }}"
    )
    with TestClient(create_app(settings.model_copy(update={"update_token": TOKEN}))) as client:
        before = [client.get("/api/responsible", params=question) for _ in range(2)]
        assert before[1].headers["x-cache"] == "hit"
        assert NEW_TASK not in {r["task"]["iri"] for r in before[1].json()["results"]}
        written = client.post("/sparql", data={"update": update}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert written.status_code == 204, written.text
        after = client.get("/api/responsible", params=question)
        assert after.headers["x-cache"] == "miss"
        assert after.json()["results"][0]["task"]["iri"] == NEW_TASK


@pytest.mark.parametrize(
    ("q", "agency"),
    [("học bổng khoa học cơ bản công nghệ chiến lược", "agency/vn/bo-gddt"),
     ("bí mật công nghệ giải mã công nghệ tiên tiến", "agency/vn/bo-khcn")],
)
def test_a_ministry_answers_for_a_task_of_03_nq_cp(shipped_client: TestClient, q: str, agency: str) -> None:
    """A task of the Government's 57-NQ/TW programme (Annex II of 03/NQ-CP) names its lead ministry."""
    body = shipped_client.get("/api/responsible", params={"q": q}).json()
    top = body["results"][0]
    assert top["agency"]["iri"] == "https://w3id.org/policykg/id/" + agency and top["role"] == "lead"
    assert top["document"]["notation"] == "03/NQ-CP"
    assert [step["notation"] for step in top["lineage"]][-1] == "57-NQ/TW"
