"""POST /api/extract, GET /api/extract/agencies and POST /api/extract/draft on the shipped data.

Where a test checks only the HTTP translation (what the body may be, how the summary is carried,
which context reaches the extractor) it replaces the extractor with a double that says so, because
the readers of app/curation land module by module; the tests marked "real extractor" run the real
``app.curation.extract.extract`` and compare the answer with it.
"""

from __future__ import annotations

import json
import threading
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api import create_app
from app.api.routers import extract as router
from app.core.config import Settings
from app.curation.extract import ExtractionContext, extract
from app.curation.gazetteer import Gazetteer
from app.curation.summary import Extraction
from tests.support.browser import assert_local_assets
from tests.support.extraction import SAMPLE, populated
from tests.support.project import POLID, ROOT

REAL_TEXTS = ROOT.parent / "shared" / "real-texts"
AREA = POLID + "area/"
class ExtractorDouble:
    """Stands in for ``extract`` in tests of the HTTP translation only: records its calls, answers ``populated``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, ExtractionContext]] = []

    def __call__(self, text: str, context: ExtractionContext | None = None) -> Extraction:
        assert context is not None
        self.calls.append((text, context))
        return populated(unicodedata.normalize("NFC", text)) if text == SAMPLE else Extraction(text, None)


@pytest.fixture
def double(monkeypatch: pytest.MonkeyPatch) -> ExtractorDouble:
    fake = ExtractorDouble()
    monkeypatch.setattr(router, "extract", fake)
    return fake


def post_text(client: TestClient, body: bytes | str, content_type: str = "text/plain", query: str = "") -> Any:
    data = body.encode() if isinstance(body, str) else body
    return client.post(f"/api/extract{query}", content=data, headers={"content-type": content_type})


# ------------------------------------------------------------------------------------ the real extractor
def test_real_extractor_answers_its_own_summary_in_nfc(shipped_client: TestClient, shipped_store: Any) -> None:
    """Real extractor: the answer is extract()'s own summary, over NFC text, whatever form was sent."""
    decomposed = unicodedata.normalize("NFD", SAMPLE)
    response = post_text(shipped_client, decomposed, "text/plain; charset=utf-8", "?province=quang-tri")
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["text"] == unicodedata.normalize("NFC", SAMPLE)
    context = ExtractionContext(Gazetteer.from_store(shipped_store), AREA + "quang-tri", None)
    assert answer == extract(decomposed, context).as_json()


def read_real(name: str) -> str:
    path = REAL_TEXTS / name
    if not path.is_file():
        pytest.skip(f"the real passages are not at {REAL_TEXTS} (../shared/real-texts beside the repository)")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["01_nq03cp_header.txt", "07_daknong_stttt_kh_muctieu.txt",
                                  "12_qd2083ubnd_baclieu_noisy.txt"])
def test_real_extractor_on_real_passages_spans_index_the_text(shipped_client: TestClient, name: str) -> None:
    """Real extractor, real passages: every item's span is words of the answered text."""
    response = post_text(shipped_client, read_real(name), "text/markdown")
    assert response.status_code == 200, response.text
    answer = response.json()
    text = answer["text"]
    assert text == unicodedata.normalize("NFC", text) and text.strip()
    spans = [s for d in answer["documents"] for s in d["spans"]]
    spans += [item["span"] for kind in ("relations", "responsibilities", "targets") for item in answer[kind]]
    for start, end in spans:
        assert 0 <= start < end <= len(text) and text[start:end].strip()


def test_real_extractor_finds_the_documents_a_text_names(shipped_client: TestClient) -> None:
    """Real extractor: the numbers of the text come back as documents, at their words, 52-NQ/TW known."""
    answer = post_text(shipped_client, SAMPLE, query="?province=quang-tri").json()
    found = {d["notation"]: d for d in answer["documents"]}
    assert "52-NQ/TW" in found and found["52-NQ/TW"]["known"]
    assert all("52-NQ/TW" in answer["text"][s:e] for s, e in found["52-NQ/TW"]["spans"])
    assert {"from": "self", "to": "52-NQ/TW", "kind": "basedOn"}.items() <= answer["relations"][0].items()


# ------------------------------------------------------------------------------------ the HTTP translation
def test_summary_shape_every_item_carries_its_span(shipped_client: TestClient, double: ExtractorDouble) -> None:
    """Double: the summary goes out field for field (`self`, `from`), and each span gives the item's words."""
    response = post_text(shipped_client, SAMPLE)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    answer = response.json()
    assert answer == populated(SAMPLE).as_json()
    text = answer["text"]
    assert text[slice(*answer["documents"][0]["spans"][0])] == "Nghị quyết số 52-NQ/TW"
    assert answer["relations"][0]["from"] == "self" and text[slice(*answer["relations"][0]["span"])].startswith("Căn cứ")
    assert text[slice(*answer["responsibilities"][0]["span"])] == "Sở Khoa học và Công nghệ chủ trì"
    assert text[slice(*answer["targets"][0]["span"])].endswith("30% GRDP")


def test_openapi_documents_the_summary(shipped_client: TestClient) -> None:
    schema = shipped_client.get("/openapi.json").json()
    operation = schema["paths"]["/api/extract"]["post"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/ExtractionOut"}
    assert {"413", "415", "422"} <= set(operation["responses"])
    assert {"text/plain", "text/markdown", "text/html", "application/json", "multipart/form-data"} <= set(
        operation["requestBody"]["content"])
    components = schema["components"]["schemas"]
    # The documented fields are the summary's, at every level.
    summary = populated(SAMPLE).as_json()
    assert set(components["ExtractionOut"]["properties"]) == set(summary)
    for kind, model in [("documents", "DocumentRefOut"), ("relations", "RelationOut"),
                        ("responsibilities", "ExtractedResponsibilityOut"), ("targets", "TargetRefOut")]:
        assert set(components[model]["properties"]) == set(summary[kind][0]), kind
    assert set(components["SelfDocumentOut"]["properties"]) == set(summary["self"])
    assert set(components["AgencyRefOut"]["properties"]) == set(summary["responsibilities"][0]["agency"])
    draft = schema["paths"]["/api/extract/draft"]["post"]
    assert draft["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ExtractionOut"}


@pytest.mark.parametrize(("media", "body"), [
    ("text/plain", SAMPLE.encode()),
    ("text/markdown; charset=UTF-8", SAMPLE.encode()),
    ("text/html", SAMPLE.encode()),
    ("text/plain; charset=utf-16", SAMPLE.encode("utf-16")),
    ("text/plain", b"\xef\xbb\xbf" + SAMPLE.encode()),  # a byte-order mark is not text
    ("application/json", json.dumps({"text": SAMPLE}).encode()),
    ("application/x-www-form-urlencoded", b"text=" + SAMPLE.encode().replace(b" ", b"+")),
])
def test_every_accepted_body_carries_the_text(shipped_client: TestClient, double: ExtractorDouble, media: str,
                                              body: bytes) -> None:
    """Double: each body form reaches the extractor as the same text."""
    response = post_text(shipped_client, body, media)
    assert response.status_code == 200, response.text
    assert [text for text, _ in double.calls] == [SAMPLE]


def test_multipart_upload_with_province_and_source(shipped_client: TestClient, double: ExtractorDouble) -> None:
    """Double: an uploaded file is the text; the form's province and source reach the context."""
    response = shipped_client.post(
        "/api/extract", files={"file": ("ke-hoach.md", SAMPLE.encode(), "text/markdown")},
        data={"province": "Tỉnh Quảng Trị", "source": "qt-kh-1"},
    )
    assert response.status_code == 200, response.text
    [(text, context)] = double.calls
    assert text == SAMPLE and context.province == AREA + "quang-tri" and context.source == "qt-kh-1"


@pytest.mark.parametrize(("given", "expected"), [
    ("quang-tri", "quang-tri"),
    ("Quảng Trị", "quang-tri"),
    ("Tỉnh Thanh Hóa", "thanh-hoa"),
    (AREA + "thanh-hoa", "thanh-hoa"),
    ("ha-tinh", "ha-tinh"),  # not in the graph yet: minted as the conventions say
    ("tỉnh Hà Tĩnh", "ha-tinh"),
    ("quang-tri/dong-ha", "quang-tri/dong-ha"),
])
def test_province_reaches_the_extractor_as_an_area_iri(shipped_client: TestClient, double: ExtractorDouble,
                                                       given: str, expected: str) -> None:
    """Double: the province (key, name or IRI) is resolved against the gazetteer's areas."""
    response = shipped_client.post("/api/extract", params={"province": given, "source": "s1"}, content=SAMPLE.encode(),
                                   headers={"content-type": "text/plain"})
    assert response.status_code == 200, response.text
    [(_, context)] = double.calls
    assert context.province == AREA + expected and context.source == "s1"


def test_gazetteer_is_read_once_per_generation(client: TestClient, double: ExtractorDouble) -> None:
    """Double: requests share one gazetteer until the data changes; an update's new agency is seen after it."""
    for _ in range(2):
        assert post_text(client, SAMPLE).status_code == 200
    first, second = (context.gazetteer for _, context in double.calls)
    assert first is second and first.agencies
    store = client.app.state.store  # type: ignore[attr-defined]
    new_agency = POLID + "agency/ha-tinh/so-khcn"
    store.update(f"""INSERT DATA {{ GRAPH <https://w3id.org/policykg/graph/source/test> {{
        <{new_agency}> a <https://w3id.org/policykg/ontology#Agency> ;
            <http://www.w3.org/2000/01/rdf-schema#label> "Sở Khoa học và Công nghệ tỉnh Hà Tĩnh"@vi }} }}""")
    assert post_text(client, SAMPLE).status_code == 200
    third = double.calls[-1][1].gazetteer
    assert third is not first and new_agency in {a.iri for a in third.agencies}


def test_extraction_runs_off_the_event_loop(shipped_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Double: while an extraction is running, another request is answered (the loop is not held)."""
    started, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def slow(text: str, context: ExtractionContext | None = None) -> Extraction:
        started.set()
        # Released only once /health has been answered; a held event loop would never answer it.
        outcome["released"] = release.wait(timeout=20)
        return Extraction(text, None)

    monkeypatch.setattr(router, "extract", slow)
    worker = threading.Thread(target=lambda: outcome.setdefault("response", post_text(shipped_client, SAMPLE)))
    worker.start()
    assert started.wait(timeout=20)
    health = shipped_client.get("/health")
    release.set()
    worker.join(timeout=30)
    assert health.status_code == 200
    assert outcome["released"] is True and outcome["response"].status_code == 200


# ------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize(("media", "body", "status", "needle"), [
    ("text/plain", b"", 422, "the text is empty"),
    ("text/plain", b" \n\t ", 422, "only whitespace"),
    ("text/plain", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", 422, "PDF"),
    ("text/markdown", b"PK\x03\x04\x14\x00\x06\x00", 422, "zip archive"),
    ("text/plain", b"\x89PNG\r\n\x1a\n\x00\x00", 422, "PNG"),
    ("text/plain", b"K\xe1 ho\x00\x00ch\x00", 422, "binary"),
    ("text/plain", "Kê hoach so 47".encode("cp1258"), 422, "not valid UTF-8: byte 0xea at offset 1"),
    ("text/plain; charset=klingon", b"abc", 422, "charset 'klingon'"),
    ("application/pdf", b"%PDF-1.7", 415, "not 'application/pdf'"),
    ("application/octet-stream", b"abc", 415, "text/plain"),
    ("application/x-www-form-urlencoded", SAMPLE.encode(), 415, "text= field"),
    ("application/json", b'{"text": "abc"', 422, "JSON body is malformed"),
    ("application/json", b'["abc"]', 422, "must be an object"),
    ("application/json", b'{"txt": "abc"}', 422, "unknown field 'txt'"),
    ("application/json", b'{"province": "quang-tri"}', 422, 'no "text"'),
    ("application/json", b'{"text": 12}', 422, "'text' must be a string"),
    ("application/json", b'{"text": "   "}', 422, "only whitespace"),
    ("multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Disposition: form-data; name=\"province\"\r\n\r\nqt\r\n"
                                          b"--xyz--\r\n", 422, 'neither a "file" nor a "text"'),
])
def test_bad_bodies_are_4xx_naming_the_problem(shipped_client: TestClient, media: str, body: bytes, status: int,
                                               needle: str) -> None:
    """Real extractor (never reached): each refusal says what is wrong."""
    response = post_text(shipped_client, body, media)
    assert response.status_code == status, response.text
    assert needle in response.json()["detail"]


def test_binary_upload_is_refused_naming_the_file(shipped_client: TestClient) -> None:
    response = shipped_client.post("/api/extract", files={"file": ("plan.pdf", b"%PDF-1.4\n...", "application/pdf")})
    assert response.status_code == 422
    assert "'plan.pdf' is a PDF file" in response.json()["detail"]


def test_province_in_query_and_body_must_agree(shipped_client: TestClient) -> None:
    response = post_text(shipped_client, json.dumps({"text": SAMPLE, "province": "ha-tinh"}), "application/json",
                         "?province=quang-tri")
    assert response.status_code == 422 and "province is given twice" in response.json()["detail"]


@pytest.mark.parametrize("province", ["http://example.org/area/x", AREA, "---", "  ..  "])
def test_a_province_that_names_no_area_is_422(shipped_client: TestClient, province: str) -> None:
    response = shipped_client.post("/api/extract", params={"province": province}, content=SAMPLE.encode(),
                                   headers={"content-type": "text/plain"})
    assert response.status_code == 422 and "province" in response.json()["detail"]


def test_a_body_over_the_limit_is_413_declared_or_streamed(shipped_client: TestClient, shipped_settings: Settings) -> None:
    """As shipped (POLICYKG_EXTRACT_MAX_BYTES = 5 MiB): one byte more is refused, the limit itself is read."""
    limit = shipped_settings.extract_max_bytes
    assert limit == 5 * 1_048_576
    declared = post_text(shipped_client, b"a" * (limit + 1))
    assert declared.status_code == 413 and str(limit) in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the reader counts what arrives
        for _ in range(6):
            yield b"b" * 1_048_576

    streamed = shipped_client.post("/api/extract", content=chunks(), headers={"content-type": "text/plain"})
    assert streamed.status_code == 413 and "passes the limit" in streamed.json()["detail"]


def test_a_text_at_the_limit_is_read(shipped_client: TestClient, double: ExtractorDouble, shipped_settings: Settings) -> None:
    """Double: exactly the limit is accepted (the bound is on bytes, not a guess)."""
    unit = "Kế hoạch. ".encode()
    body = unit * (shipped_settings.extract_max_bytes // len(unit))
    body += b" " * (shipped_settings.extract_max_bytes - len(body))
    assert post_text(shipped_client, body).status_code == 200


# ------------------------------------------------------------------------------------ agency candidates
def test_agency_candidates_prefer_the_province(shipped_client: TestClient) -> None:
    answer = shipped_client.get("/api/extract/agencies",
                                params={"label": "Sở Khoa học và Công nghệ", "province": "thanh-hoa"})
    assert answer.status_code == 200
    iris = [c["iri"] for c in answer.json()]
    assert iris[:2] == [POLID + "agency/thanh-hoa/so-khcn", POLID + "agency/quang-tri/so-khcn"]
    other = shipped_client.get("/api/extract/agencies",
                               params={"label": "Sở Khoa học và Công nghệ", "province": "quang-tri"}).json()
    assert other[0]["iri"] == POLID + "agency/quang-tri/so-khcn"
    assert other[0]["label"] == "Sở Khoa học và Công nghệ tỉnh Quảng Trị"


def test_agency_candidates_by_abbreviation_and_none_for_nonsense(shipped_client: TestClient) -> None:
    abbreviated = shipped_client.get("/api/extract/agencies", params={"label": "Sở KH&CN Quảng Trị"}).json()
    assert abbreviated[0]["iri"] == POLID + "agency/quang-tri/so-khcn"
    assert shipped_client.get("/api/extract/agencies", params={"label": "zzz qqq"}).json() == []
    assert shipped_client.get("/api/extract/agencies", params={"label": ""}).status_code == 422


# ------------------------------------------------------------------------------------ reviewed summary → draft
def test_draft_refuses_a_bad_summary_naming_the_field(shipped_client: TestClient) -> None:
    summary = populated(SAMPLE).as_json()
    summary["responsibilities"][0]["role"] = "boss"
    response = shipped_client.post("/api/extract/draft", params={"source": "qt-kh-1"}, json=summary)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("responsibilities[0].role: must be one of lead")
    assert body["errors"][0]["loc"] == ["body", "responsibilities", 0, "role"]


@pytest.mark.parametrize(("body", "media", "status"), [
    (b"not json", "application/json", 422),
    (b'"a string"', "application/json", 422),
    (b"{}", "application/json", 422),
    (SAMPLE.encode(), "text/plain", 415),
])
def test_draft_refuses_what_is_no_summary(shipped_client: TestClient, body: bytes, media: str, status: int) -> None:
    response = shipped_client.post("/api/extract/draft?source=qt-kh-1", content=body, headers={"content-type": media})
    assert response.status_code == status, response.text


def test_draft_needs_a_source(shipped_client: TestClient) -> None:
    response = shipped_client.post("/api/extract/draft", json=populated(SAMPLE).as_json())
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["query", "source"]


def test_draft_of_a_reviewed_summary_is_trig_of_the_source_graph(shipped_client: TestClient) -> None:
    import pyoxigraph as ox

    summary = populated(SAMPLE).as_json()
    summary["targets"][0]["value"] = 35.0  # a reviewer's correction
    response = shipped_client.post("/api/extract/draft", params={"source": "qt-kh-1", "province": "quang-tri"},
                                   json=summary)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/trig")
    quads = list(ox.parse(response.text.encode(), ox.RdfFormat.TRIG))
    assert quads and {q.graph_name.value for q in quads} == {"https://w3id.org/policykg/graph/source/qt-kh-1"}
    assert any(isinstance(q.object, ox.Literal) and q.object.value in ("35", "35.0", "35.0E0") for q in quads)


def test_the_page_is_served_with_local_assets_only(shipped_client: TestClient) -> None:
    page = assert_local_assets(shipped_client, "/curate")
    assert '<script src="/static/curate/curate.js">' in page


@pytest.fixture(scope="module")
def small_limit_client() -> Iterator[TestClient]:
    """A non-default setting (POLICYKG_EXTRACT_MAX_BYTES=64) to test the bound on a multipart upload cheaply."""
    with TestClient(create_app(Settings(root=ROOT, extract_max_bytes=64))) as client:
        yield client


def test_an_upload_over_the_limit_is_413(small_limit_client: TestClient) -> None:
    response = small_limit_client.post("/api/extract", files={"file": ("big.txt", b"x" * 200, "text/plain")})
    assert response.status_code == 413
