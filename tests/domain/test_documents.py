"""The document browser (app.domain.documents) and source records (app.domain.sources) over a small fresh store.

The store holds the real ontology and vocabularies and a handful of documents written here: a
national resolution, a Government resolution carrying it out, two plans of province A and one of
its district, a decision and a draft of province C. Every expected value follows from that data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import Settings
from app.core.errors import ParameterError, UnknownEntity
from app.domain.documents import DocumentQuery, browse, document_detail, document_table, filtered_rows, find_document
from app.domain.sources import source_records
from app.store.policy_store import PolicyStore
from tests.support.project import POLID, ROOT

DOC = POLID + "doc/"
N1, N2 = DOC + "bo-chinh-tri/2019/52-nq-tw", DOC + "chinh-phu/2020/50-nq-cp"
A1, A2, A3 = DOC + "tu-tinh-a/2020/190-kh-tu", DOC + "ubnd-tinh-a/2021/45-kh-ubnd", DOC + "ubnd-huyen-b/2022/12-kh-ubnd"
C1, C2 = DOC + "ubnd-tinh-c/2021/7-qd-ubnd", DOC + "ubnd-tinh-c/draft/ke-hoach-x"

DATA = """
@base <https://w3id.org/policykg/id/> .
@prefix pol: <https://w3id.org/policykg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix pav: <http://purl.org/pav/> .
@prefix level: <https://w3id.org/policykg/id/level/> .

<https://w3id.org/policykg/graph/source/t> {
  <source/t> a pol:SourceArticle ; dcterms:title "Bài thử"@vi , "Test article"@en ;
      dcat:landingPage <https://example.org/bai-thu> ; pol:publisher "Báo Thử" ;
      dcterms:issued "2020-08-20"^^xsd:date ; pav:retrievedOn "2026-11-30"^^xsd:date .
  <source/u> a pol:SourceArticle ; dcterms:title "Bài không rõ nguồn"@vi ;
      pol:notStated "landingPage" , "issued" .

  <area/vn> rdfs:label "Việt Nam"@vi ; pol:level level:national .
  <area/tinh-a> rdfs:label "Tỉnh A"@vi , "Province A"@en ; pol:level level:provincial ; pol:partOfArea <area/vn> .
  <area/tinh-a/huyen-b> rdfs:label "Huyện B"@vi ; pol:level level:district ; pol:partOfArea <area/tinh-a> .
  <area/tinh-c> rdfs:label "Tỉnh C"@vi ; pol:level level:provincial ; pol:partOfArea <area/vn> .
  <agency/vn/bo-chinh-tri> rdfs:label "Bộ Chính trị"@vi .
  <agency/vn/chinh-phu> rdfs:label "Chính phủ"@vi , "Government"@en .
  <agency/tinh-a/tinh-uy> rdfs:label "Tỉnh ủy A"@vi .
  <agency/tinh-a/ubnd> rdfs:label "Ủy ban nhân dân tỉnh A"@vi .
  <agency/tinh-a/so-khcn> rdfs:label "Sở Khoa học và Công nghệ tỉnh A"@vi .
  <agency/tinh-a/huyen-b/ubnd> rdfs:label "Ủy ban nhân dân huyện B"@vi .
  <agency/tinh-c/ubnd> rdfs:label "Ủy ban nhân dân tỉnh C"@vi .

  <doc/bo-chinh-tri/2019/52-nq-tw> a pol:Resolution ; pol:documentType <document-type/nq> ; skos:notation "52-NQ/TW" ;
      pol:title "Nghị quyết về cách mạng công nghiệp lần thứ tư"@vi ; pol:issuedBy <agency/vn/bo-chinh-tri> ;
      pol:issueDate "2019-09-27"^^xsd:date ; pol:jurisdiction <area/vn> ; pol:status <status/issued> ; pol:source <source/t> .
  <doc/chinh-phu/2020/50-nq-cp> a pol:Resolution ; pol:documentType <document-type/nq> ; skos:notation "50/NQ-CP" ;
      pol:title "Chương trình hành động của Chính phủ"@vi ; pol:issuedBy <agency/vn/chinh-phu> ;
      pol:issueDate "2020-07-17"^^xsd:date ; pol:jurisdiction <area/vn> ; pol:status <status/issued> ;
      pol:implements <doc/bo-chinh-tri/2019/52-nq-tw> ; pol:source <source/t> .
  <doc/tu-tinh-a/2020/190-kh-tu> a pol:Plan ; pol:documentType <document-type/kh> ; skos:notation "190-KH/TU" ;
      pol:title "Kế hoạch chuyển đổi số tỉnh A"@vi , "Province A's digital transformation plan"@en ;
      pol:issuedBy <agency/tinh-a/tinh-uy> ; pol:issueDate "2020-08-12"^^xsd:date ; pol:jurisdiction <area/tinh-a> ;
      pol:status <status/issued> ; pol:implements <doc/bo-chinh-tri/2019/52-nq-tw> ;
      pol:hasObjective <doc/tu-tinh-a/2020/190-kh-tu/objective/2025> ;
      pol:hasTaskGroup <doc/tu-tinh-a/2020/190-kh-tu/task-group/1> ; pol:source <source/t> , <source/u> .
  <doc/tu-tinh-a/2020/190-kh-tu/objective/2025> a pol:Objective ; rdfs:label "Mục tiêu đến 2025"@vi ;
      pol:horizonYear "2025"^^xsd:gYear ; pol:hasTarget <doc/tu-tinh-a/2020/190-kh-tu/target/kinh-te-so-2025> .
  <doc/tu-tinh-a/2020/190-kh-tu/target/kinh-te-so-2025> a pol:Target ; pol:measures <indicator/kinh-te-so> ;
      pol:targetValue 20.0 ; pol:comparator <comparator/about> ; pol:targetYear "2025"^^xsd:gYear ;
      pol:jurisdiction <area/tinh-a> .
  <indicator/kinh-te-so> rdfs:label "Tỷ trọng kinh tế số trong GRDP"@vi .
  <doc/tu-tinh-a/2020/190-kh-tu/task-group/1> a pol:TaskGroup ; pol:ordinal 1 ; rdfs:label "Nâng cao nhận thức"@vi ;
      pol:hasTask <doc/tu-tinh-a/2020/190-kh-tu/task-group/1/task/1> .
  <doc/tu-tinh-a/2020/190-kh-tu/task-group/1/task/1> a pol:Task ; rdfs:label "Tuyên truyền về chuyển đổi số"@vi ;
      pol:leadAgency <agency/tinh-a/so-khcn> ; pol:coordinatingAgency <agency/tinh-a/huyen-b/ubnd> .
  <doc/ubnd-tinh-a/2021/45-kh-ubnd> a pol:Plan ; pol:documentType <document-type/kh> ; skos:notation "45/KH-UBND" ;
      pol:title "Kế hoạch triển khai của Ủy ban tỉnh A"@vi ; pol:issuedBy <agency/tinh-a/ubnd> ;
      pol:issueDate "2021-03-01"^^xsd:date ; pol:jurisdiction <area/tinh-a> ; pol:status <status/issued> ;
      pol:implements <doc/tu-tinh-a/2020/190-kh-tu> , <doc/chinh-phu/2020/50-nq-cp> ; pol:source <source/t> .
  <doc/ubnd-huyen-b/2022/12-kh-ubnd> a pol:Plan ; pol:documentType <document-type/kh> ; skos:notation "12/KH-UBND" ;
      pol:title "Kế hoạch của huyện B"@vi ; pol:issuedBy <agency/tinh-a/huyen-b/ubnd> ;
      pol:issueDate "2022-01-05"^^xsd:date ; pol:jurisdiction <area/tinh-a/huyen-b> ; pol:status <status/issued> ;
      pol:implements <doc/ubnd-tinh-a/2021/45-kh-ubnd> ; pol:source <source/t> .
  <doc/ubnd-tinh-c/2021/7-qd-ubnd> a pol:Decision ; pol:documentType <document-type/qd> ; skos:notation "7/QĐ-UBND" ;
      pol:title "Quyết định của tỉnh C"@vi ; pol:issuedBy <agency/tinh-c/ubnd> ;
      pol:issueDate "2021-06-30"^^xsd:date ; pol:jurisdiction <area/tinh-c> ; pol:status <status/issued> ;
      pol:implements <doc/chinh-phu/2020/50-nq-cp> ; pol:source <source/t> .
  <doc/ubnd-tinh-c/draft/ke-hoach-x> a pol:Plan ; pol:documentType <document-type/kh> ;
      pol:title "Dự thảo kế hoạch của tỉnh C"@vi ; pol:issuedBy <agency/tinh-c/ubnd> ;
      pol:jurisdiction <area/tinh-c> ; pol:status <status/draft> ; pol:source <source/t> .
}
"""


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PolicyStore]:
    """A fresh in-memory store: the real ontology and vocabularies, and the documents above."""
    root = tmp_path_factory.mktemp("documents")
    (root / "data" / "sources").mkdir(parents=True)
    (root / "data" / "sources" / "t.trig").write_text(DATA, encoding="utf-8")
    settings = Settings(root=root, store=None, ontology_dir=ROOT / "ontology")
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        yield store


def rows_of(store: PolicyStore, **filters: object) -> list[str]:
    rows, _ = filtered_rows(store, DocumentQuery(**filters))  # type: ignore[arg-type]
    return [r.iri for r in rows]


def test_every_document_is_one_row_with_its_facts(small: PolicyStore) -> None:
    table = document_table(small)
    assert sorted(r.iri for r in table.rows) == sorted([N1, N2, A1, A2, A3, C1, C2])
    row = table.by_iri[A2]
    assert (row.notation, row.key, row.date, row.year) == ("45/KH-UBND", "ubnd-tinh-a/2021/45-kh-ubnd", "2021-03-01", 2021)
    assert (row.type.key, row.type.label("vi"), row.type.label("en")) == ("kh", "Kế hoạch", "Plan")  # type: ignore[union-attr]
    assert (row.issuer.key, row.province.key, row.level.key) == ("tinh-a/ubnd", "tinh-a", "provincial")  # type: ignore[union-attr]
    assert (row.status.label("vi"), row.status.label("en")) == ("Đã ban hành", "Issued")  # type: ignore[union-attr]
    assert sorted((link.notation, link.iri) for link in row.implements) == [("190-KH/TU", A1), ("50/NQ-CP", N2)]
    assert row.implemented_by == 1  # the district plan
    assert table.by_iri[N2].implemented_by == 2 and table.by_iri[N1].implemented_by == 2
    # A district's document belongs to its province; a national one to the country.
    district = table.by_iri[A3]
    assert (district.jurisdiction.key, district.province.key, district.level.key) == ("tinh-a/huyen-b", "tinh-a", "district")  # type: ignore[union-attr]
    assert (table.by_iri[N1].province.key, table.by_iri[N1].level.key) == ("vn", "national")  # type: ignore[union-attr]
    draft = table.by_iri[C2]
    assert (draft.notation, draft.date, draft.year, draft.status.key) == (None, None, None, "draft")  # type: ignore[union-attr]


def test_facets_count_the_view_with_every_filter_but_their_own(small: PolicyStore) -> None:
    page = browse(small, DocumentQuery(type=("kh",)))
    facets = {f.name: {v.key: v.count for v in f.values} for f in page.facets}
    assert page.total == 4  # 190, 45, 12 and the draft
    assert facets["type"] == {"kh": 4, "nq": 2, "qd": 1}  # its own filter left out: what another type would add
    assert facets["province"] == {"tinh-a": 3, "tinh-c": 1}
    assert facets["level"] == {"provincial": 3, "district": 1}
    assert facets["year"] == {"2020": 1, "2021": 1, "2022": 1}  # the draft has no year
    assert [v.key for v in page.facets[3].values] == ["2022", "2021", "2020"]  # years latest first
    assert {v.key for f in page.facets for v in f.values if v.selected} == {"kh"}
    # Every count is what choosing that value shows.
    for facet in page.facets:
        for value in facet.values:
            query = DocumentQuery(**{"type": ("kh",), facet.name: (value.key,)})  # type: ignore[arg-type]
            assert browse(small, query).total == value.count, (facet.name, value.key)


def test_filters_take_several_values_and_names_as_well_as_keys(small: PolicyStore) -> None:
    assert sorted(rows_of(small, province=("tinh-a", "tinh-c"))) == sorted([A1, A2, A3, C1, C2])
    assert sorted(rows_of(small, province=("Tỉnh A",))) == sorted([A1, A2, A3])  # a label, accents and all
    assert rows_of(small, type=("QĐ",)) == [C1]  # a type's notation
    assert sorted(rows_of(small, level=("national",), year=("2019", "2020"))) == sorted([N1, N2])
    assert rows_of(small, issuer=(POLID + "agency/tinh-a/tinh-uy",)) == [A1]


def test_a_value_no_document_has_is_unknown_naming_the_facet_with_the_closest_values(small: PolicyStore) -> None:
    with pytest.raises(UnknownEntity, match=r"^no province matches 'tinh-z'") as raised:
        browse(small, DocumentQuery(province=("tinh-z",)))
    assert {s.iri for s in raised.value.suggestions} == {POLID + "area/tinh-a", POLID + "area/tinh-c"}
    with pytest.raises(ParameterError, match="sort"):
        browse(small, DocumentQuery(sort="colour"))


def test_free_text_on_number_and_title_folds_accents(small: PolicyStore) -> None:
    assert rows_of(small, q="chuyen doi so") == [A1]
    assert rows_of(small, q="CHUYỂN ĐỔI") == [A1]
    assert rows_of(small, q="190 KH TU") == [A1]
    assert rows_of(small, q="digital transformation") == [A1]  # the English title too
    assert sorted(rows_of(small, q="kế hoạch", province=("tinh-c",))) == [C2]


def test_sort_on_a_column_either_way_with_missing_values_last(small: PolicyStore) -> None:
    dated = [N1, N2, A1, A2, C1, A3]
    assert rows_of(small, sort="date", desc=False) == [*dated, C2]
    assert rows_of(small, sort="date", desc=True) == [*reversed(dated), C2]
    # Numbers in natural order: 7 before 12 before 45 before 190; the draft (no number) last.
    assert [document_table(small).by_iri[i].notation for i in rows_of(small, sort="notation", desc=False)] == [
        "7/QĐ-UBND", "12/KH-UBND", "45/KH-UBND", "50/NQ-CP", "52-NQ/TW", "190-KH/TU", None]
    # Ties keep the table order (by number) whichever way the column runs.
    assert rows_of(small, sort="implemented_by", desc=True)[:2] == [N2, N1]


def test_paging_cuts_the_sorted_view_and_keeps_its_total(small: PolicyStore) -> None:
    everything = rows_of(small, sort="notation", desc=False)
    pages = [browse(small, DocumentQuery(sort="notation", desc=False, limit=3, offset=o)) for o in (0, 3, 6)]
    assert [r.iri for p in pages for r in p.rows] == everything
    assert {p.total for p in pages} == {7} and [len(p.rows) for p in pages] == [3, 3, 1]
    with pytest.raises(ParameterError):
        browse(small, DocumentQuery(limit=0))


def test_the_table_is_read_once_per_generation_and_again_after_a_write(tmp_path: Path) -> None:
    root = tmp_path
    (root / "data" / "sources").mkdir(parents=True)
    (root / "data" / "sources" / "t.trig").write_text(DATA, encoding="utf-8")
    settings = Settings(root=root, store=None, ontology_dir=ROOT / "ontology")
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        first = document_table(store)
        assert document_table(store) is first  # no request rebuilds it
        new = DOC + "ubnd-tinh-c/2022/9-kh-ubnd"
        store.update(f"""INSERT DATA {{ GRAPH <https://w3id.org/policykg/graph/source/t> {{
            <{new}> a <https://w3id.org/policykg/ontology#Plan> ;
              <http://www.w3.org/2004/02/skos/core#notation> "9/KH-UBND" ;
              <https://w3id.org/policykg/ontology#implements> <{C1}> }} }}""")
        after = document_table(store)
        assert after is not first and new in after.by_iri
        assert after.by_iri[C1].implemented_by == 1


def test_a_document_page_has_its_cascade_by_province_objectives_tasks_and_sources(small: PolicyStore) -> None:
    assert find_document(small, "tu-tinh-a/2020/190-kh-tu") == A1
    assert find_document(small, "190-KH/TU") == A1  # a number goes through the project's resolver
    detail = document_detail(small, N1)
    cascade = {(g.province.key if g.province else None): [(row.iri, depth) for row, depth, _ in g.documents]
               for g in detail.cascade}
    assert cascade == {"vn": [(N2, 1)], "tinh-a": [(A1, 1), (A2, 2), (A3, 3)], "tinh-c": [(C1, 2)]}
    assert [g.province.key for g in detail.cascade] == ["vn", "tinh-a", "tinh-c"]  # type: ignore[union-attr]

    plan = document_detail(small, A1)
    [objective] = plan.objectives
    assert objective.horizon == 2025 and [(t.indicator.key, t.value, t.comparator, t.year) for t in objective.targets] == [  # type: ignore[union-attr]
        ("kinh-te-so", 20.0, "about", 2025)]
    [group] = plan.task_groups
    assert group.ordinal == 1 and group.label_vi == "Nâng cao nhận thức"
    [task] = group.tasks
    assert [(a.key, role) for a, role in task.agencies] == [("tinh-a/so-khcn", "lead"), ("tinh-a/huyen-b/ubnd", "coordinate")]
    assert sorted((a.agency.key, a.role, a.tasks) for a in plan.by_agency) == sorted([
        ("tinh-a/so-khcn", "lead", (task.iri,)), ("tinh-a/huyen-b/ubnd", "coordinate", (task.iri,))])
    assert [s.name for s in plan.sources] == ["t", "u"]


def test_source_records_say_where_to_check_and_what_is_unknown(small: PolicyStore) -> None:
    records = source_records(small)
    checked = records[POLID + "source/t"]
    assert (checked.url, checked.publisher, checked.published, checked.retrieved) == (
        "https://example.org/bai-thu", "Báo Thử", "2020-08-20", "2026-11-30")
    assert checked.unknown == () and checked.title_en == "Test article"
    bare = records[POLID + "source/u"]
    assert (bare.url, bare.publisher, bare.published, bare.retrieved) == (None, None, None, None)
    assert bare.unknown == ("landingPage", "publisher", "issued", "retrievedOn")
    assert bare.not_stated == ("issued", "landingPage")  # what the curator found the source does not give
