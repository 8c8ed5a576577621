"""POST /api/ingest and DELETE /api/sources/{name} over HTTP, on the shipped data: token, errors, and what sees it.

Writes need a token: these apps are built with ``update_token`` set (off as shipped, as for /sparql updates).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from app.store.policy_store import PolicyStore
from tests.support.curation import DEPARTMENT, DOC_57, PLAN, dump, plan_draft
from tests.support.quality import quality_report

TOKEN = "ingest-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
TRIG = {"Content-Type": "application/trig", **AUTH}
NAME = "ha-tinh-12-kh-tu"


@pytest.fixture
def writable(shipped_settings: Settings) -> Iterator[TestClient]:
    """The shipped data in a fresh in-memory store, updates on with a token (a non-default setting)."""
    with TestClient(create_app(shipped_settings.model_copy(update={"update_token": TOKEN}))) as client:
        yield client


def _store(client: TestClient) -> PolicyStore:
    store = client.app.state.store  # type: ignore[attr-defined]
    assert isinstance(store, PolicyStore)
    return store


def _post(client: TestClient, body: str | bytes, headers: dict[str, str] = TRIG, **params: str) -> object:
    return client.post("/api/ingest", params={"source": NAME, **params}, content=body, headers=headers)


def test_an_ingest_without_the_token_is_forbidden_like_an_update(
    writable: TestClient, shipped_client: TestClient
) -> None:
    before = dump(_store(writable))
    for headers in ({"Content-Type": "application/trig"},
                    {"Content-Type": "application/trig", "Authorization": "Bearer wrong"}):
        answer = writable.post("/api/ingest", params={"source": NAME}, content=plan_draft(NAME), headers=headers)
        assert answer.status_code == 403 and "Bearer" in answer.json()["detail"]
    assert writable.delete(f"/api/sources/{NAME}").status_code == 403
    # As shipped (no token configured) ingests are off, as updates are.
    off = shipped_client.post("/api/ingest", params={"source": NAME}, content=plan_draft(NAME), headers=TRIG)
    assert off.status_code == 403 and "disabled" in off.json()["detail"]
    assert dump(_store(writable)) == before


def test_an_ingested_plan_is_seen_by_lineage_responsibility_and_the_sources_list_without_a_restart(
    writable: TestClient,
) -> None:
    assert writable.get("/api/lineage", params={"document": "12-KH/TU"}).status_code == 404
    answer = _post(writable, plan_draft(NAME), curator="Curator A")
    assert answer.status_code == 201, answer.text  # type: ignore[attr-defined]
    body = answer.json()  # type: ignore[attr-defined]
    assert body["committed"] and body["log_entry"] and body["validated_triples"] > body["quads"]
    up = writable.get("/api/lineage", params={"document": PLAN}).json()
    assert DOC_57 in {a["iri"] for a in up["ancestors"]}
    down = writable.get("/api/lineage", params={"document": "57-NQ/TW"}).json()
    assert PLAN in {d["iri"] for d in down["descendants"]}
    who = writable.get("/api/responsible", params={"q": "trung tâm dữ liệu khoa học Hồng Lĩnh"}).json()
    assert who["results"][0]["agency"]["iri"] == DEPARTMENT
    sources = writable.get("/api/sources").json()
    assert NAME in sources["sources"] and sources["log"][-1]["curator"] == "Curator A"
    # A SPARQL query answered from a worker sees it too (the workers were replaced after the write).
    found = writable.get("/sparql", params={"query": f"ASK {{ <{PLAN}> ?p ?o }}"},
                         headers={"Accept": "application/sparql-results+json"})
    assert found.json()["boolean"] is True


def test_a_plan_dated_before_what_it_implements_shows_up_in_the_quality_report(writable: TestClient) -> None:
    def dated_early(report: dict[str, object]) -> list[dict[str, object]]:
        findings = report["findings"]
        assert isinstance(findings, list)
        return [f for f in findings if f["rule"] == "implements-date-order" and f["focus"]["iri"] == PLAN]

    assert not dated_early(quality_report(writable).json())
    # 57-NQ/TW was issued on 2024-12-22: a plan carrying it out cannot be older.
    answer = _post(writable, plan_draft(NAME, date="2024-06-01"))
    assert answer.status_code == 201 and answer.json()["committed"]  # type: ignore[attr-defined]
    warned = [w for w in answer.json()["warnings"] if w["rule"] == "implements-date-order"]  # type: ignore[attr-defined]
    assert warned and warned[0]["focus"] == PLAN
    deadline = time.monotonic() + 120
    while not (found := dated_early(quality_report(writable).json())):
        assert time.monotonic() < deadline, "the quality report never reflected the ingest"
        time.sleep(0.2)
    assert "57-NQ/TW" in found[0]["message"]


@pytest.mark.parametrize(
    ("body", "headers", "status", "words"),
    [
        (b"", TRIG, 422, "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00", TRIG, 422, "binary"),
        (b"\x00\x01\x02", {"Content-Type": "text/plain", **AUTH}, 422, "binary"),
        (b"x" * (5 * 1024 * 1024), {"Content-Type": "text/plain", **AUTH}, 413, "limit"),
        (b'<a> <b> "c', TRIG, 400, "line 1"),
        (b"<x> <y> <z> .", {"Content-Type": "application/pdf", **AUTH}, 415, "Content-Type"),
        (b"<x> <y> <z> .", AUTH, 415, "Content-Type"),
    ],
    ids=["empty", "binary", "binary-text", "5-MB", "invalid-trig", "pdf", "no-content-type"],
)
def test_bad_input_is_a_clear_4xx_and_the_store_unchanged(
    writable: TestClient, body: bytes, headers: dict[str, str], status: int, words: str
) -> None:
    before = dump(_store(writable))
    answer = _post(writable, body, headers)
    assert answer.status_code == status, answer.text  # type: ignore[attr-defined]
    assert words in answer.json()["detail"]  # type: ignore[attr-defined]
    assert dump(_store(writable)) == before


def test_invalid_trig_gives_its_line_and_column_in_the_body(writable: TestClient) -> None:
    draft = plan_draft(NAME).replace('pol:notation "12-KH/TU"', "").replace('skos:notation "12-KH/TU" ;', "skos:notation ;")
    line = next(i for i, text in enumerate(draft.splitlines(), 1) if "skos:notation ;" in text)
    body = _post(writable, draft).json()  # type: ignore[attr-defined]
    assert body["line"] == line and body["column"] is not None


def test_a_shape_violation_is_a_422_that_says_what_and_where_and_writes_nothing(writable: TestClient) -> None:
    before = dump(_store(writable))
    draft = plan_draft(NAME).replace("pol:leadAgency aght:so-khcn", "pol:leadAgency area:vn")
    answer = _post(writable, draft)
    assert answer.status_code == 422  # type: ignore[attr-defined]
    body = answer.json()  # type: ignore[attr-defined]
    assert not body["committed"] and body["log_entry"] is None
    lead = next(v for v in body["violations"] if v["path"] == "pol:leadAgency")
    assert lead["focus"] == PLAN + "/task/1" and lead["line"] and lead["value"].endswith("/area/vn")
    assert dump(_store(writable)) == before


def test_an_existing_source_is_a_409_until_replace_is_asked(writable: TestClient) -> None:
    assert _post(writable, plan_draft(NAME)).status_code == 201  # type: ignore[attr-defined]
    before = dump(_store(writable))
    conflict = _post(writable, plan_draft(NAME, task_word="Kỳ Anh"))
    assert conflict.status_code == 409 and "replace" in conflict.json()["detail"]  # type: ignore[attr-defined]
    assert dump(_store(writable)) == before
    replaced = _post(writable, plan_draft(NAME, task_word="Kỳ Anh"), replace="true")
    assert replaced.status_code == 200 and replaced.json()["replaced"]  # type: ignore[attr-defined]
    who = writable.get("/api/responsible", params={"q": "trung tâm dữ liệu khoa học Kỳ Anh"}).json()
    assert who["results"][0]["agency"]["iri"] == DEPARTMENT


def test_retract_removes_the_source_and_an_unknown_one_is_a_404(writable: TestClient) -> None:
    assert _post(writable, plan_draft(NAME)).status_code == 201  # type: ignore[attr-defined]
    gone = writable.delete(f"/api/sources/{NAME}", headers=AUTH)
    assert gone.status_code == 200 and gone.json()["quads"] > 0
    assert writable.get("/api/lineage", params={"document": PLAN}).status_code == 404
    before = dump(_store(writable))
    again = writable.delete(f"/api/sources/{NAME}", headers=AUTH)
    assert again.status_code == 404 and NAME in again.json()["detail"]
    assert dump(_store(writable)) == before
    assert [e["action"] for e in writable.get("/api/sources").json()["log"]] == ["ingest", "retract"]


def test_a_raw_text_is_extracted_and_ingested_under_its_province(writable: TestClient) -> None:
    text = "TỈNH ỦY HÀ TĨNH\nSố 12-KH/TU\n\nKẾ HOẠCH\nThực hiện Nghị quyết 57-NQ/TW của Bộ Chính trị.\n"
    answer = _post(writable, text.encode(), {"Content-Type": "text/plain; charset=utf-8", **AUTH},
                   province="Hà Tĩnh", url="https://example.org/ha-tinh")
    assert answer.status_code == 201, answer.text  # type: ignore[attr-defined]
    assert "area:ha-tinh" in answer.json()["draft"]  # type: ignore[attr-defined]


def test_a_raw_text_that_does_not_say_which_document_it_is_is_refused_as_drafted(writable: TestClient) -> None:
    """The draft cannot invent the text's own type: the report names the missing type, nothing is written."""
    before = dump(_store(writable))
    text = "Tỉnh ủy Hà Tĩnh đã họp, quán triệt Nghị quyết 57-NQ/TW."
    answer = _post(writable, text.encode(), {"Content-Type": "text/plain; charset=utf-8", **AUTH}, province="Hà Tĩnh")
    assert answer.status_code == 422, answer.text  # type: ignore[attr-defined]
    assert {v["rule"] for v in answer.json()["violations"]} >= {"document-type"}  # type: ignore[attr-defined]
    assert "check: the text names no header" in answer.json()["draft"]  # type: ignore[attr-defined]
    assert dump(_store(writable)) == before


NGHE_AN = """TỈNH ỦY NGHỆ AN
Số 15-KH/TU
Nghệ An, ngày 14 tháng 3 năm 2025

KẾ HOẠCH
Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển khoa học,
công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia

Để triển khai Kế hoạch này, Ủy ban nhân dân tỉnh ban hành Kế hoạch số 120/KH-UBND ngày 02/4/2025
thực hiện Kế hoạch số 15-KH/TU của Tỉnh ủy.

Sở Khoa học và Công nghệ chủ trì, phối hợp với các sở, ngành liên quan xây dựng sàn giao dịch công nghệ
của tỉnh, hoàn thành trong năm 2025.
"""


def test_a_raw_text_of_a_new_province_links_its_plans_to_57_nq_tw_and_its_department(writable: TestClient) -> None:
    """Acceptance (issue #13): a raw text about a province not yet in the graph, ingested as drafted."""
    answer = _post(writable, NGHE_AN.encode(), {"Content-Type": "text/plain", **AUTH}, province="Nghệ An")
    assert answer.status_code == 201, answer.text  # type: ignore[attr-defined]
    up = writable.get("/api/lineage", params={"document": "120/KH-UBND"})
    assert up.status_code == 200, up.text
    ancestors = {a["notation"] for a in up.json()["ancestors"]}
    assert {"15-KH/TU", "57-NQ/TW"} <= ancestors
    who = writable.get("/api/responsible", params={"q": "sàn giao dịch công nghệ"}).json()["results"]
    leads = [r["agency"] for r in who if r["role"] == "lead"]
    assert any(a["iri"].startswith("https://w3id.org/policykg/id/agency/nghe-an/")
               and "Khoa học và Công nghệ" in a["label"] for a in leads), leads


def test_every_answer_of_the_ingest_routes_is_the_one_the_schema_documents(writable: TestClient) -> None:
    import schemathesis

    spec = writable.app.openapi()  # type: ignore[attr-defined]
    operation = schemathesis.openapi.from_dict(spec)["/api/ingest"]["POST"]
    violated = _post(writable, plan_draft(NAME).replace("pol:leadAgency aght:so-khcn", "pol:leadAgency area:vn"))
    missing = writable.post("/api/ingest", content=plan_draft(NAME), headers=TRIG)  # no ?source
    invalid = _post(writable, b'<a> <b> "c')
    committed = _post(writable, plan_draft(NAME))
    for answer, status in ((violated, 422), (missing, 422), (invalid, 400), (committed, 201)):
        assert answer.status_code == status  # type: ignore[attr-defined]
        assert isinstance(answer.json()["detail"], str)  # type: ignore[attr-defined]
        operation.validate_response(answer)
    gone = writable.delete(f"/api/sources/{NAME}", headers=AUTH)
    schemathesis.openapi.from_dict(spec)["/api/sources/{name}"]["DELETE"].validate_response(gone)


def test_ingest_replace_and_retract_over_a_remote_oxigraph(shipped_settings: Settings, fresh_oxigraph_url: str) -> None:
    """The same ingest, replace and retract with the data in an Oxigraph server (the app loads the project into it)."""
    remote = shipped_settings.model_copy(update={"store": fresh_oxigraph_url, "update_token": TOKEN})
    with TestClient(create_app(remote)) as client:
        assert _post(client, plan_draft(NAME, tasks=2)).status_code == 201  # type: ignore[attr-defined]
        up = client.get("/api/lineage", params={"document": PLAN}).json()
        assert DOC_57 in {a["iri"] for a in up["ancestors"]}
        replaced = _post(client, plan_draft(NAME, tasks=1, task_word="Kỳ Anh"), replace="true")
        assert replaced.status_code == 200, replaced.text  # type: ignore[attr-defined]
        found = client.get("/sparql", params={"query": f"ASK {{ <{PLAN}/task/2> ?p ?o }}"},
                           headers={"Accept": "application/sparql-results+json"})
        assert found.json()["boolean"] is False
        assert client.delete(f"/api/sources/{NAME}", headers=AUTH).status_code == 200
        assert client.get("/api/lineage", params={"document": PLAN}).status_code == 404
        assert [e["action"] for e in client.get("/api/sources").json()["log"]] == ["ingest", "replace", "retract"]
