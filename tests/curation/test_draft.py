"""The draft of an extraction: TriG in its one graph, in the shapes of CONVENTIONS.md, passing the checks."""

from __future__ import annotations

from dataclasses import replace

import pyoxigraph as ox
import pytest

from app.core.config import Settings
from app.core.errors import InvalidInput
from app.curation.draft import Provenance, Vocabulary, draft_trig, resolve_province
from app.curation.gazetteer import Gazetteer
from app.curation.ingest import ingest
from app.curation.summary import (
    RELATION_KINDS,
    AgencyRef,
    DocumentRef,
    Extraction,
    IssuerRef,
    Relation,
    Responsibility,
    SelfDocument,
    TargetRef,
)
from app.domain.lineage import lineage
from app.domain.responsibility import find_responsible
from app.search.index import SearchIndex
from app.store.policy_store import PolicyStore
from tests.support.curation import DOC_57

POL = "https://w3id.org/policykg/ontology#"
POLID = "https://w3id.org/policykg/id/"
NAME = "ha-tinh-plan"
GRAPH = f"https://w3id.org/policykg/graph/source/{NAME}"
TEXT = (
    "KẾ HOẠCH số 12-KH/TU ngày 10/3/2025 của Tỉnh ủy Hà Tĩnh thực hiện Nghị quyết số 57-NQ/TW. "
    "Sở Khoa học và Công nghệ chủ trì, phối hợp với Sở Tài chính xây dựng sàn giao dịch công nghệ, "
    "hoàn thành trong quý II/2025. Phấn đấu đến năm 2030 kinh tế số đạt tối thiểu 30% GRDP."
)


def _span(words: str) -> tuple[int, int]:
    start = TEXT.index(words)
    return start, start + len(words)


@pytest.fixture(scope="module")
def shipped(shipped_store: PolicyStore) -> tuple[Gazetteer, Vocabulary]:
    return Gazetteer.from_store(shipped_store), Vocabulary.from_store(shipped_store)


def _extraction(gazetteer: Gazetteer, *, relations: tuple[Relation, ...] | None = None) -> Extraction:
    known = next(d for d in gazetteer.documents if d.notation == "57-NQ/TW")
    issuer = IssuerRef("Tỉnh ủy Hà Tĩnh")
    return Extraction(
        text=TEXT,
        self_document=SelfDocument("12-KH/TU", "KH", issuer, "2025-03-10"),
        documents=(
            DocumentRef("12-KH/TU", "KH", issuer, "2025-03-10", "Thực hiện Nghị quyết 57-NQ/TW", None, False,
                        (_span("12-KH/TU"),)),
            DocumentRef("57-NQ/TW", "NQ", IssuerRef("Bộ Chính trị", known.issuer), known.date, None, known.iri, True,
                        (_span("57-NQ/TW"),)),
        ),
        relations=relations if relations is not None else (
            Relation("self", "57-NQ/TW", "implements", _span("thực hiện Nghị quyết số 57-NQ/TW")),
        ),
        responsibilities=(
            Responsibility(AgencyRef("Sở Khoa học và Công nghệ", None, True), "lead",
                           "xây dựng sàn giao dịch công nghệ", "sàn giao dịch công nghệ", "2025-06",
                           _span("Sở Khoa học và Công nghệ chủ trì")),
            Responsibility(AgencyRef("Sở Tài chính", None, True), "coordinate",
                           "xây dựng sàn giao dịch công nghệ", None, None, _span("phối hợp với Sở Tài chính")),
        ),
        targets=(
            TargetRef("tỷ trọng kinh tế số trong GRDP", POLID + "indicator/digital-economy-share-grdp", 30.0, None,
                      "%", "at_least", 2030, _span("tối thiểu 30% GRDP")),
        ),
    )


def _draft(shipped: tuple[Gazetteer, Vocabulary], extraction: Extraction | None = None) -> str:
    gazetteer, vocabulary = shipped
    return draft_trig(
        extraction or _extraction(gazetteer),
        Provenance(NAME, "ha-tinh.txt", None, "curator", "2026-12-01T10:00:00+00:00", "https://example.org/kh12"),
        gazetteer=gazetteer, vocabulary=vocabulary, province=resolve_province(gazetteer, "Hà Tĩnh"),
    )


def _triples(trig: str) -> list[ox.Quad]:
    return list(ox.parse(trig.encode(), ox.RdfFormat.TRIG))


def _objects(quads: list[ox.Quad], subject: str, predicate: str) -> set[str]:
    return {q.object.value for q in quads if q.subject.value == subject and q.predicate.value == predicate}


def test_the_draft_is_one_named_graph_whose_every_resource_names_the_source(shipped: tuple[Gazetteer, Vocabulary]) -> None:
    quads = _triples(_draft(shipped))
    assert {q.graph_name.value for q in quads} == {GRAPH}
    record = POLID + "source/" + NAME
    described = {q.subject.value for q in quads} - {record}
    assert described and all(_objects(quads, s, POL + "source") == {record} for s in described)
    assert _objects(quads, record, "http://purl.org/dc/terms/source") == {"https://example.org/kh12"}
    assert _objects(quads, record, "http://purl.org/dc/terms/spatial") == {POLID + "area/ha-tinh"}
    assert _objects(quads, record, POL + "textSha256")


def test_the_self_document_carries_type_class_number_issuer_date_and_jurisdiction(
    shipped: tuple[Gazetteer, Vocabulary],
) -> None:
    quads = _triples(_draft(shipped))
    plan = POLID + "doc/tinh-uy-ha-tinh/2025/12-kh-tu"
    assert _objects(quads, plan, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type") == {POL + "Plan"}
    assert _objects(quads, plan, POL + "documentType") == {POLID + "document-type/kh"}
    assert _objects(quads, plan, "http://www.w3.org/2004/02/skos/core#notation") == {"12-KH/TU"}
    assert _objects(quads, plan, POL + "issueDate") == {"2025-03-10"}
    assert _objects(quads, plan, POL + "jurisdiction") == {POLID + "area/ha-tinh"}
    assert _objects(quads, plan, POL + "implements") == {DOC_57}
    # 57-NQ/TW is known: linked, never restated in the new graph.
    assert not [q for q in quads if q.subject.value == DOC_57]


def test_tasks_hang_under_the_document_with_each_role_deliverable_and_deadline(
    shipped: tuple[Gazetteer, Vocabulary],
) -> None:
    quads = _triples(_draft(shipped))
    plan = POLID + "doc/tinh-uy-ha-tinh/2025/12-kh-tu"
    [task] = _objects(quads, plan, POL + "hasTask")
    assert task.startswith(plan + "/task/")
    assert _objects(quads, task, POL + "leadAgency") == {POLID + "agency/ha-tinh/so-khoa-hoc-va-cong-nghe"}
    assert _objects(quads, task, POL + "coordinatingAgency") == {POLID + "agency/ha-tinh/so-tai-chinh"}
    assert _objects(quads, task, POL + "deliverable") == {"sàn giao dịch công nghệ"}
    [deadline] = [q.object for q in quads if q.subject.value == task and q.predicate.value == POL + "deadline"]
    assert isinstance(deadline, ox.Literal) and deadline.datatype.value.endswith("#gYearMonth")
    labels = _objects(quads, POLID + "agency/ha-tinh/so-khoa-hoc-va-cong-nghe", "http://www.w3.org/2000/01/rdf-schema#label")
    assert labels == {"Sở Khoa học và Công nghệ tỉnh Hà Tĩnh"}


def test_targets_carry_indicator_value_unit_comparator_year_and_area(shipped: tuple[Gazetteer, Vocabulary]) -> None:
    quads = _triples(_draft(shipped))
    [target] = {q.subject.value for q in quads if q.predicate.value == POL + "measures"}
    assert _objects(quads, target, POL + "targetValue") == {"30.0"}
    assert _objects(quads, target, POL + "unit") == {POLID + "unit/percent"}
    assert _objects(quads, target, POL + "comparator") == {POLID + "comparator/at-least"}
    assert _objects(quads, target, POL + "targetYear") == {"2030"}
    assert _objects(quads, target, POL + "jurisdiction") == {POLID + "area/ha-tinh"}


@pytest.mark.parametrize("kind", RELATION_KINDS)
def test_every_relation_kind_is_the_ontology_property_of_its_name(shipped: tuple[Gazetteer, Vocabulary], kind: str) -> None:
    gazetteer, _ = shipped
    relation = Relation("self", "57-NQ/TW", kind, _span("57-NQ/TW"))  # type: ignore[arg-type]
    quads = _triples(_draft(shipped, _extraction(gazetteer, relations=(relation,))))
    assert _objects(quads, POLID + "doc/tinh-uy-ha-tinh/2025/12-kh-tu", POL + kind) == {DOC_57}


def test_the_draft_is_readable_trig_with_prefixes_and_the_words_each_item_came_from(
    shipped: tuple[Gazetteer, Vocabulary],
) -> None:
    draft = _draft(shipped)
    assert "@prefix pol:" in draft and "@base <https://w3id.org/policykg/id/doc/>" in draft
    assert "# read from: «Sở Khoa học và Công nghệ chủ trì»" in draft
    assert "# proposed: not in the graph yet" in draft
    assert "<tinh-uy-ha-tinh/2025/12-kh-tu> a pol:Plan" in draft


def test_the_draft_of_a_new_province_passes_the_checks_and_its_plan_reaches_57_nq_tw(
    shipped_settings: Settings, shipped: tuple[Gazetteer, Vocabulary],
) -> None:
    with PolicyStore.from_settings(shipped_settings) as store:
        store.load_project(shipped_settings)
        report = ingest(store, _draft(shipped), NAME, settings=shipped_settings)
        assert report.committed, [v.as_text() for v in report.violations]
        plan = POLID + "doc/tinh-uy-ha-tinh/2025/12-kh-tu"
        assert DOC_57 in {a.iri for a in lineage(store, plan, 20).ancestors}
        answer = find_responsible(SearchIndex.build(store), store, "sàn giao dịch công nghệ")
        assert POLID + "agency/ha-tinh/so-khoa-hoc-va-cong-nghe" in {r.agency.iri for r in answer.results}


@pytest.mark.parametrize(
    ("value", "iri", "new"),
    [
        ("Quảng Trị", "area/quang-tri", False),
        ("tỉnh quang tri", "area/quang-tri", False),
        ("quang-tri", "area/quang-tri", False),
        (POLID + "area/thanh-hoa", "area/thanh-hoa", False),
        ("Hà Tĩnh", "area/ha-tinh", True),
        ("Tỉnh Cà Mau", "area/ca-mau", True),
    ],
)
def test_a_province_is_found_by_iri_key_or_name_or_proposed_as_new(
    shipped: tuple[Gazetteer, Vocabulary], value: str, iri: str, new: bool
) -> None:
    area = resolve_province(shipped[0], value)
    assert area is not None and (area.iri, area.new) == (POLID + iri, new)
    if new:
        assert area.label is not None and area.label.startswith("Tỉnh ")


def test_an_unknown_area_iri_is_refused(shipped: tuple[Gazetteer, Vocabulary]) -> None:
    with pytest.raises(InvalidInput, match="not in the graph"):
        resolve_province(shipped[0], POLID + "area/nowhere")



def test_two_targets_of_one_indicator_and_year_are_two_targets(shipped: tuple[Gazetteer, Vocabulary]) -> None:
    gazetteer, _ = shipped
    base = _extraction(gazetteer)
    second = TargetRef("tỷ trọng kinh tế số trong GRDP", POLID + "indicator/digital-economy-share-grdp", 35.0, None,
                       "%", "about", 2030, _span("30% GRDP"))
    quads = _triples(_draft(shipped, replace(base, targets=(*base.targets, second))))
    values = {q.object.value for q in quads if q.predicate.value == POL + "targetValue"}
    targets = {q.subject.value for q in quads if q.predicate.value == POL + "targetValue"}
    assert values == {"30.0", "35.0"} and len(targets) == 2

