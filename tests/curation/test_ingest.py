"""Ingest and retract of one source on the shipped data: all or nothing, validated, logged, seen at once."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from app.core.config import Settings
from app.core.errors import (
    DraftOutsideGraph,
    DraftSyntaxError,
    InvalidInput,
    PayloadTooLarge,
    SourceExists,
    UnknownSource,
)
from app.curation.ingest import LOG_GRAPH, curation_log, ingest, retract, source_names
from app.domain.lineage import lineage
from app.domain.responsibility import find_responsible
from app.quality.findings import load_rules, validate_fast
from app.search.index import SearchIndex
from app.store.policy_store import PolicyStore
from tests.support.curation import AREA, DEPARTMENT, DOC_57, PLAN, plan_draft, unchanged
from tests.support.project import ROOT

NAME = "ha-tinh-12-kh-tu"
GRAPH = f"https://w3id.org/policykg/graph/source/{NAME}"


@pytest.fixture
def store(shipped_settings: Settings) -> Iterator[PolicyStore]:
    """The shipped data in a fresh in-memory store (these tests write)."""
    with PolicyStore.from_settings(shipped_settings) as opened:
        opened.load_project(shipped_settings)
        yield opened


def _graph(store: PolicyStore, graph: str = GRAPH) -> set[ox.Triple]:
    return {q.triple for q in store.backend.graph_quads(graph)}


def test_a_reviewed_draft_is_committed_into_its_graph_with_provenance_and_a_log_entry(
    store: PolicyStore, shipped_settings: Settings
) -> None:
    report = ingest(store, plan_draft(NAME), NAME, curator="Nguyễn Văn A", url="https://example.org/ha-tinh/12",
                    settings=shipped_settings)
    assert report.committed and not report.violations and not report.replaced
    stated = _graph(store)
    assert len(stated) == report.quads and ox.Triple(ox.NamedNode(PLAN), ox.NamedNode(
        "https://w3id.org/policykg/ontology#implements"), ox.NamedNode(DOC_57)) in stated
    record = {(t.predicate.value, t.object.value) for t in stated
              if t.subject == ox.NamedNode("https://w3id.org/policykg/id/source/" + NAME)}
    assert ("http://purl.org/dc/terms/creator", "Nguyễn Văn A") in record
    assert ("http://purl.org/dc/terms/source", "https://example.org/ha-tinh/12") in record
    assert {p for p, _ in record} >= {"http://www.w3.org/ns/prov#generatedAtTime",
                                      "https://w3id.org/policykg/ontology#textSha256"}
    # The union holds the new facts (the incremental upkeep ran with the write).
    assert store.ask(f"ASK {{ <{PLAN}> <https://w3id.org/policykg/ontology#implements> <{DOC_57}> }}")
    [entry] = curation_log(store)
    assert (entry.action, entry.source, entry.curator, entry.quads) == ("ingest", NAME, "Nguyễn Văn A", report.quads)
    assert NAME in source_names(store)


def test_after_an_ingest_lineage_responsibility_and_search_see_the_new_source(
    store: PolicyStore, shipped_settings: Settings
) -> None:
    index = SearchIndex.build(store)
    ingest(store, plan_draft(NAME), NAME, settings=shipped_settings)
    up = lineage(store, PLAN, 20)
    assert DOC_57 in {a.iri for a in up.ancestors}
    refreshed = index.refreshed(store)  # what the API does on the next request: only the touched IRIs
    answer = find_responsible(refreshed, store, "trung tâm dữ liệu khoa học Hồng Lĩnh")
    assert answer.results and answer.results[0].agency.iri == DEPARTMENT
    assert {r.role for r in answer.results if r.agency.iri == DEPARTMENT} == {"lead"}


@pytest.mark.parametrize(
    ("content", "error", "words"),
    [
        ("", InvalidInput, "empty"),
        ("  \n\t ", InvalidInput, "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", InvalidInput, "binary"),
        (b"caf\xe9 au lait", InvalidInput, "UTF-8"),
        (bytes(range(1, 32)) * 40, InvalidInput, "binary"),
        ("x" * (5 * 1024 * 1024), PayloadTooLarge, "limit"),
    ],
    ids=["empty", "blank", "binary", "latin-1", "control-characters", "5-MB"],
)
def test_bad_input_is_refused_with_a_clear_message_and_the_store_unchanged(
    store: PolicyStore, shipped_settings: Settings, content: str | bytes, error: type[Exception], words: str
) -> None:
    with unchanged(store):
        for raw in (False, True):
            with pytest.raises(error, match=words):
                ingest(store, content, NAME, raw=raw, settings=shipped_settings)


def test_invalid_trig_is_reported_with_its_line_and_column(store: PolicyStore, shipped_settings: Settings) -> None:
    lines = plan_draft(NAME).splitlines()
    at = next(i for i, line in enumerate(lines) if "pol:issuedBy" in line)
    lines[at] = lines[at].replace("pol:issuedBy aght:tinh-uy ;", 'pol:issuedBy "unclosed ;')

    with unchanged(store):
        with pytest.raises(DraftSyntaxError) as caught:
            ingest(store, "\n".join(lines), NAME, settings=shipped_settings)
        assert caught.value.line is not None and caught.value.line >= at + 1
        assert caught.value.column is not None
        assert f"line {caught.value.line}" in str(caught.value)


def test_a_draft_that_breaks_a_shape_writes_nothing_and_says_what_and_where(
    store: PolicyStore, shipped_settings: Settings
) -> None:
    # The lead agency is an area, not an agency: only the neighbourhood (the store's type of area:vn) shows it.
    draft = plan_draft(NAME).replace("pol:leadAgency aght:so-khcn", "pol:leadAgency area:vn")
    draft = draft.replace('    pol:issueDate "2025-03-10"^^xsd:date ;', "")
    draft = draft.replace('pol:issuedBy aght:tinh-uy ; pol:issueDate "2025-03-10"^^xsd:date ;', "pol:issuedBy aght:tinh-uy ;")
    lines = draft.splitlines()
    plan_line = next(i for i, line in enumerate(lines, 1) if line.strip().startswith("<tinh-uy-ha-tinh/2025/12-kh-tu> a"))
    task_line = next(i for i, line in enumerate(lines, 1) if line.strip().startswith("<tinh-uy-ha-tinh/2025/12-kh-tu/task/1>"))

    with unchanged(store):
        report = ingest(store, draft, NAME, settings=shipped_settings)
        assert not report.committed and report.log_entry is None
        found = {(v.rule, v.focus, v.line) for v in report.violations}
        assert ("document-issue-date", PLAN, plan_line) in found
        assert ("task-responsible-agency", PLAN + "/task/1", task_line) in found
        lead = next(v for v in report.violations if v.path == "pol:leadAgency")
        assert lead.value == "https://w3id.org/policykg/id/area/vn" and "pol:Agency" in lead.message


def test_the_neighbourhood_finds_what_a_full_validation_of_the_loaded_draft_finds(
    store: PolicyStore, shipped_settings: Settings
) -> None:
    """The same violations, resource for resource, as validating the whole store with the draft in it."""
    draft = plan_draft(NAME).replace("pol:leadAgency aght:so-khcn", "pol:leadAgency area:vn")
    draft = draft.replace('pol:issueDate "2025-03-10"^^xsd:date', 'pol:issueDate "2025-03"^^xsd:date')
    report = ingest(store, draft, NAME, settings=shipped_settings)
    assert not report.committed
    loaded = PolicyStore.open()
    loaded.raw.extend(store.backend.quads())
    loaded.rules_dir = shipped_settings.ontology_dir / "rules"
    loaded.update(f"INSERT DATA {{ GRAPH <{GRAPH}> {{ {_nt(draft)} }} }}")
    full = validate_fast(loaded, load_rules(shipped_settings))
    subjects = {q.subject.value for q in ox.parse(draft.encode(), ox.RdfFormat.TRIG) if isinstance(q.subject, ox.NamedNode)}
    expected = {(f.rule, f.focus, f.path, f.value) for f in full.findings if f.severity == "Violation" and f.focus in subjects}
    assert expected and {(v.rule, v.focus, v.path, v.value) for v in report.violations} == expected


def _nt(trig: str) -> str:
    return (ox.serialize([q.triple for q in ox.parse(trig.encode(), ox.RdfFormat.TRIG)], format=ox.RdfFormat.N_TRIPLES) or b"").decode()


def test_an_existing_source_needs_replace_and_is_then_replaced_in_one_step(
    store: PolicyStore, shipped_settings: Settings
) -> None:
    ingest(store, plan_draft(NAME, tasks=2), NAME, settings=shipped_settings)
    with unchanged(store), pytest.raises(SourceExists):
        ingest(store, plan_draft(NAME), NAME, settings=shipped_settings)
    report = ingest(store, plan_draft(NAME, tasks=1, task_word="Kỳ Anh"), NAME, replace=True, settings=shipped_settings)
    assert report.committed and report.replaced
    labels = {t.object.value for t in _graph(store) if t.predicate.value.endswith("#label")}
    assert any("Kỳ Anh" in label for label in labels) and not any("Hồng Lĩnh" in label for label in labels)
    # The old second task is gone from the union too (no other graph stated it).
    assert not store.ask(f"ASK {{ <{PLAN}/task/2> ?p ?o }}")
    assert [e.action for e in curation_log(store)] == ["ingest", "replace"]


def test_a_shipped_source_name_is_an_existing_source(store: PolicyStore, shipped_settings: Settings) -> None:
    name = "000_5cc84be3d7069e89"
    with unchanged(store), pytest.raises(SourceExists):
        ingest(store, plan_draft(name), name, settings=shipped_settings)


def test_retract_removes_one_source_and_logs_it(store: PolicyStore, shipped_settings: Settings) -> None:
    ingest(store, plan_draft(NAME), NAME, settings=shipped_settings)
    report = retract(store, NAME, curator="B", settings=shipped_settings)
    assert report.quads > 0 and not _graph(store)
    assert not store.ask(f"ASK {{ <{PLAN}> ?p ?o }}")
    # What other sources state stays: 57-NQ/TW is still there.
    assert store.ask(f"ASK {{ <{DOC_57}> a ?c }}")
    assert [(e.action, e.curator) for e in curation_log(store)][-1] == ("retract", "B")


def test_retracting_an_unknown_source_is_a_clear_error_and_changes_nothing(
    store: PolicyStore, shipped_settings: Settings
) -> None:
    with unchanged(store), pytest.raises(UnknownSource, match="no source 'nothing-here'"):
        retract(store, "nothing-here", settings=shipped_settings)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ("} <https://w3id.org/policykg/graph/reference> { <https://w3id.org/policykg/id/area/vn> rdfs:label \"X\"@vi .",
         "outside its graph"),
        ("pol:Plan rdfs:subClassOf pol:Agency .", "not about the ontology"),
    ],
    ids=["another-graph", "the-ontology"],
)
def test_a_draft_cannot_write_outside_its_graph(
    store: PolicyStore, shipped_settings: Settings, extra: str, words: str
) -> None:
    with unchanged(store), pytest.raises(DraftOutsideGraph, match=words):
        ingest(store, plan_draft(NAME, extra=extra), NAME, settings=shipped_settings)


@pytest.mark.parametrize("name", ["", "Has Spaces", "../escape", "x" * 101, "ÁÂ"])
def test_a_bad_source_name_is_refused(store: PolicyStore, shipped_settings: Settings, name: str) -> None:
    with unchanged(store), pytest.raises(InvalidInput):
        ingest(store, plan_draft("x"), name, settings=shipped_settings)


def test_every_literal_is_stored_in_nfc(store: PolicyStore, shipped_settings: Settings) -> None:
    decomposed = unicodedata.normalize("NFD", plan_draft(NAME))
    assert decomposed != plan_draft(NAME)
    assert ingest(store, decomposed.encode("utf-8"), NAME, settings=shipped_settings).committed
    literals = [t.object.value for t in _graph(store) if isinstance(t.object, ox.Literal)]
    assert "Tỉnh Hà Tĩnh" in literals
    assert all(unicodedata.is_normalized("NFC", value) for value in literals)


def test_the_source_and_its_log_survive_a_restart_of_a_disk_store(tmp_path: Path) -> None:
    settings = Settings(root=ROOT, store=str(tmp_path / "store"))
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        ingest(store, plan_draft(NAME), NAME, settings=settings)
    with PolicyStore.from_settings(settings) as store:
        assert not store.load_project(settings)  # kept as it is: an update was made since the load
        assert store.ask(f"ASK {{ <{PLAN}> a <https://w3id.org/policykg/ontology#Plan> }}")
        assert [e.action for e in curation_log(store)] == ["ingest"]
        assert store.ask(f"ASK {{ GRAPH <{LOG_GRAPH}> {{ ?e ?p ?o }} }}")


def test_a_raw_text_is_drafted_and_ingested_with_its_province(store: PolicyStore, shipped_settings: Settings) -> None:
    text = "KẾ HOẠCH thực hiện Nghị quyết số 57-NQ/TW của Bộ Chính trị. Sở Khoa học và Công nghệ chủ trì."
    report = ingest(store, text, "ha-tinh-raw", raw=True, province="Hà Tĩnh", settings=shipped_settings)
    assert report.committed, [v.as_text() for v in report.violations]
    assert "<https://w3id.org/policykg/graph/source/ha-tinh-raw>" in report.draft
    record = "https://w3id.org/policykg/id/source/ha-tinh-raw"
    assert store.ask(f"ASK {{ <{record}> <http://purl.org/dc/terms/spatial> <{AREA}> }}")


def test_the_record_of_an_ingested_source_is_a_source_article_for_queries_without_inference(
    store: PolicyStore, shipped_settings: Settings
) -> None:
    ingest(store, plan_draft(NAME), NAME, settings=shipped_settings)
    record = f"https://w3id.org/policykg/id/source/{NAME}"
    assert store.ask(f"ASK {{ <{record}> a pol:SourceArticle , pol:CuratedText }}")
    refreshed = SearchIndex.build(store)
    answer = find_responsible(refreshed, store, "trung tâm dữ liệu khoa học Hồng Lĩnh")
    assert ("Kế hoạch 12-KH/TU của Tỉnh ủy Hà Tĩnh", record) in {(s.title, s.iri) for s in answer.results[0].sources}
