"""GET /api/documents (facets, filters, sort, paging, JSON and CSV), GET /api/documents/{key}, the pages,
GET /api/sources' records, and the ingest filling where a source can be checked — on the shipped data."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.core.config import Settings
from tests.support.curation import plan_draft

TOKEN = "documents-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def documents(client: TestClient, **params: object) -> dict:  # type: ignore[type-arg]
    answer = client.get("/api/documents", params=params)  # type: ignore[arg-type]
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def facet(body: dict, name: str) -> dict[str, int]:  # type: ignore[type-arg]
    return {v["key"]: v["count"] for f in body["facets"] if f["name"] == name for v in f["values"]}


def parse_csv(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_every_document_is_listed_with_its_columns(shipped_client: TestClient) -> None:
    body = documents(shipped_client, limit=1000)
    stats = shipped_client.get("/api/stats").json()
    assert body["total"] == len(body["rows"]) == stats["documents"]  # the same count as /api/stats
    [plan] = [r for r in body["rows"] if r["notation"] == "190-KH/TU"]
    assert plan["type"]["label"] == "Kế hoạch" and plan["issuer"]["key"] == "quang-tri/tinh-uy"
    assert (plan["date"], plan["year"], plan["province"]["key"], plan["level"]["key"]) == ("2020-08-12", 2020, "quang-tri", "provincial")
    assert plan["status"]["label"] == "Đã ban hành" and [i["notation"] for i in plan["implements"]] == ["52-NQ/TW"]
    assert plan["page"] == "/documents/tu-quang-tri/2020/190-kh-tu"
    carried = [r for r in body["rows"] if any(i["iri"] == plan["iri"] for i in r["implements"])]
    assert plan["implemented_by"] == len(carried) > 0
    english = documents(shipped_client, limit=1000, lang="en")
    assert {r["status"]["label"] for r in english["rows"]} == {"Issued", "Draft"}


def test_one_province_and_one_type_with_facets_that_match_what_they_select(shipped_client: TestClient) -> None:
    body = documents(shipped_client, province="quang-tri", type="kh", limit=1000)
    assert body["total"] == len(body["rows"]) > 0
    assert all(r["province"]["key"] == "quang-tri" and r["type"]["key"] == "kh" for r in body["rows"])
    # The province facet is counted with the type filter only: each count is what choosing it shows.
    for key, count in facet(body, "province").items():
        assert documents(shipped_client, province=key, type="kh")["total"] == count, key
    for key, count in facet(body, "year").items():
        assert documents(shipped_client, province="quang-tri", type="kh", year=key)["total"] == count, key
    # Several values of one filter: any of them.
    both = documents(shipped_client, province=["quang-tri", "dak-nong"], limit=1000)
    alone = [documents(shipped_client, province=p)["total"] for p in ("quang-tri", "dak-nong")]
    assert both["total"] == sum(alone)
    assert documents(shipped_client, province="quang-tri,dak-nong")["total"] == sum(alone)


def test_free_text_finds_a_number_as_a_person_types_it(shipped_client: TestClient) -> None:
    found = documents(shipped_client, q="190-KH/TU", limit=1000)["rows"]
    assert "190-KH/TU" in [r["notation"] for r in found]
    # The others name it in their title (the letter and the draft plan that carry it out).
    assert all("190-KH/TU" in (r["notation"] or "") or "190-KH/TU" in (r["title"] or "") for r in found)
    assert documents(shipped_client, q="190 kh tu")["total"] == len(found)
    folded = documents(shipped_client, q="chuyen doi so")
    accented = documents(shipped_client, q="chuyển đổi số")
    assert folded["total"] == accented["total"] > 0


def test_sort_and_paging_walk_the_same_view(shipped_client: TestClient) -> None:
    whole = documents(shipped_client, sort="date", order="asc", limit=1000)["rows"]
    dates = [r["date"] for r in whole if r["date"]]
    assert dates == sorted(dates) and all(r["date"] is None for r in whole[len(dates):])
    down = [r["date"] for r in documents(shipped_client, sort="date", order="desc", limit=1000)["rows"] if r["date"]]
    assert down == sorted(dates, reverse=True)
    pages = [documents(shipped_client, sort="date", order="asc", limit=7, page=p) for p in range(1, 20)]
    walked = [r["iri"] for p in pages for r in p["rows"]]
    assert walked == [r["iri"] for r in whole]
    assert pages[0]["pages"] == -(-len(whole) // 7) and pages[0]["links"]["prev"] is None
    second = shipped_client.get(pages[0]["links"]["next"]).json()
    assert [r["iri"] for r in second["rows"]] == walked[7:14]


def test_csv_is_the_whole_filtered_view_in_the_same_order(shipped_client: TestClient) -> None:
    view = {"province": "quang-tri", "sort": "notation", "order": "asc"}
    rows = documents(shipped_client, **view, limit=1000)["rows"]
    answer = shipped_client.get("/api/documents", params={**view, "limit": 2, "format": "csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM: spreadsheets read Vietnamese
    assert "attachment" in answer.headers["content-disposition"]
    table = parse_csv(answer.content)
    assert [r["iri"] for r in table] == [r["iri"] for r in rows]  # every row of the view, not one page
    assert [r["notation"] for r in table] == [r["notation"] or "" for r in rows]
    assert [r["issuer"] for r in table] == [(r["issuer"] or {}).get("label", "") for r in rows]
    by_accept = shipped_client.get("/api/documents", params=view, headers={"Accept": "text/csv"})
    assert by_accept.status_code == 200 and parse_csv(by_accept.content) == table


@pytest.mark.parametrize(("params", "named"), [
    ({"sort": "colour"}, "sort"),
    ({"order": "sideways"}, "order"),
    ({"limit": 0}, "limit"),
    ({"limit": 5000}, "limit"),
    ({"page": 0}, "page"),
    ({"format": "xlsx"}, "format"),
])
def test_bad_parameters_are_a_4xx_naming_the_problem(shipped_client: TestClient, params: dict, named: str) -> None:  # type: ignore[type-arg]
    answer = shipped_client.get("/api/documents", params=params)
    assert answer.status_code in (400, 406, 422), answer.text  # 406: a format the route does not offer
    assert named in answer.text and "Traceback" not in answer.text


@pytest.mark.parametrize(("params", "named"), [({"province": "atlantis"}, "province"), ({"type": "xyz"}, "type"),
                                               ({"year": "1066"}, "year"), ({"issuer": "Tinh uy Quang Tr"}, "issuer")])
def test_a_filter_value_no_document_has_is_a_404_with_the_closest_values(
    shipped_client: TestClient, params: dict, named: str  # type: ignore[type-arg]
) -> None:
    answer = shipped_client.get("/api/documents", params=params)
    assert answer.status_code == 404 and answer.json()["detail"].startswith(f"no {named} matches")
    if named == "issuer":  # one letter short of the Provincial Party Committee's name
        assert answer.json()["suggestions"][0]["iri"].endswith("/agency/quang-tri/tinh-uy")


def test_a_page_wins_over_an_offset(shipped_client: TestClient) -> None:
    assert documents(shipped_client, limit=5, page=2, offset=0)["rows"] == documents(shipped_client, limit=5, offset=5)["rows"]


def test_a_format_nothing_carries_is_a_406(shipped_client: TestClient) -> None:
    answer = shipped_client.get("/api/documents", headers={"Accept": "image/png"})
    assert answer.status_code == 406 and answer.json()["formats"] == {"json": "application/json", "csv": "text/csv"}


def test_a_document_page_has_its_cascade_by_province_and_its_sources(shipped_client: TestClient) -> None:
    answer = shipped_client.get("/api/documents/bo-chinh-tri/2024/57-nq-tw")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["document"]["notation"] == "57-NQ/TW"
    groups = {(g["province"] or {}).get("key"): [d["notation"] for d in g["documents"]] for g in body["cascade"]}
    assert "03/NQ-CP" in groups["vn"] and "47/KH-UBND" in groups["quang-tri"]
    lineage = shipped_client.get("/api/lineage", params={"document": "57-NQ/TW"}).json()
    assert sum(len(g["documents"]) for g in body["cascade"]) == len(lineage["descendants"])
    assert body["objectives"] and body["objectives"][0]["targets"]
    sources = {s["name"]: s for s in body["sources"]}
    real = sources["real_05_nq57_muctieu_2030"]
    assert real["url"].startswith("https://github.com/thetrungdtt/VNMasterplan/")
    assert real["published"] is None and "issued" in real["not_stated"] and "issued" in real["unknown"]
    # By number too, through the resolver; an unknown key is a 404, not a 500.
    assert shipped_client.get("/api/documents/57-NQ/TW").json()["document"]["iri"] == body["document"]["iri"]
    missing = shipped_client.get("/api/documents/nowhere/2099/1-kh")
    assert missing.status_code == 404 and "nowhere" in missing.json()["detail"]


def test_a_plan_lists_its_task_groups_and_each_agencys_tasks_by_role(shipped_client: TestClient) -> None:
    body = shipped_client.get("/api/documents/chinh-phu/2025/03-nq-cp").json()
    tasks = [t for g in body["task_groups"] for t in g["tasks"]]
    assert tasks and any(a["role"] == "lead" for t in tasks for a in t["agencies"])
    for duty in body["by_agency"]:
        for iri in duty["tasks"]:
            [task] = [t for t in tasks if t["iri"] == iri]
            assert {"key": duty["agency"]["key"], "role": duty["role"]} in [
                {"key": a["agency"]["key"], "role": a["role"]} for a in task["agencies"]]


def test_the_sources_list_shows_where_each_source_can_be_checked(shipped_client: TestClient) -> None:
    records = {r["name"]: r for r in shipped_client.get("/api/sources").json()["records"]}
    assert records["real_12_qd2083ubnd_baclieu_noisy"]["publisher"] == "thuvienphapluat.vn"
    assert records["003_49feb49425ef9bbd"]["publisher"] == "Báo Quảng Trị"
    assert records["003_49feb49425ef9bbd"]["url"] is None and "landingPage" in records["003_49feb49425ef9bbd"]["not_stated"]
    assert all(r["url"] for name, r in records.items() if name.startswith("real_"))


def test_the_pages_are_served_from_this_server(shipped_client: TestClient) -> None:
    for path in ("/documents", "/documents/tu-quang-tri/2020/190-kh-tu"):
        page = shipped_client.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "/static/shared/page.js" in page.text and "https://" not in page.text.replace("https://w3id.org", "")


@pytest.fixture
def writable(shipped_settings: Settings) -> Iterator[TestClient]:
    """The shipped data in a fresh in-memory store, updates on with a token (a non-default setting)."""
    with TestClient(create_app(shipped_settings.model_copy(update={"update_token": TOKEN}))) as client:
        yield client


def test_an_ingest_records_where_its_source_can_be_checked(writable: TestClient) -> None:
    name = "ha-tinh-12-kh-tu"
    answer = writable.post("/api/ingest", content=plan_draft(name), headers={"Content-Type": "application/trig", **AUTH},
                           params={"source": name, "url": "https://example.org/ha-tinh/12", "publisher": "Báo Hà Tĩnh",
                                   "published": "2025-03-02", "retrieved": "unknown"})
    assert answer.status_code == 201, answer.text
    [record] = [r for r in writable.get("/api/sources").json()["records"] if r["name"] == name]
    assert (record["url"], record["publisher"], record["published"], record["retrieved"]) == (
        "https://example.org/ha-tinh/12", "Báo Hà Tĩnh", "2025-03-02", None)
    assert record["not_stated"] == ["retrievedOn"]
    assert not [w for w in answer.json()["warnings"] if w["rule"] == "source-record-checkable"]


def test_an_ingest_with_a_date_that_is_no_date_is_refused_and_writes_nothing(writable: TestClient) -> None:
    name = "ha-tinh-12-kh-tu"
    answer = writable.post("/api/ingest", content=plan_draft(name), headers={"Content-Type": "application/trig", **AUTH},
                           params={"source": name, "published": "2025-02-30"})
    assert answer.status_code == 422 and "published" in answer.json()["detail"]
    assert name not in writable.get("/api/sources").json()["sources"]
