"""The twelve real passages (issue 13) as reviewed sources in data/: what a user relies on finding.

The passages themselves stay outside the project, in ../shared/real-texts/; tests that compare the
graph with their text skip when that folder is absent. The rest query the shipped graph only.
"""

from __future__ import annotations

import json
import re

import pytest

from app.core.config import Settings
from app.domain.lineage import ancestors
from app.quality.validation import ValidationReport, validate
from app.store.policy_store import PolicyStore
from tests.support.project import ROOT

REAL_TEXTS = ROOT.parent / "shared" / "real-texts"
needs_texts = pytest.mark.skipif(not REAL_TEXTS.is_dir(), reason="../shared/real-texts is not beside the checkout")
DATA = ROOT / "data" / "sources"
ID = "https://w3id.org/policykg/id/"
DOC = ID + "doc/"
GRAPH = "https://w3id.org/policykg/graph/source/"
N03, N57 = DOC + "chinh-phu/2025/03-nq-cp", DOC + "bo-chinh-tri/2024/57-nq-tw"
Q773 = DOC + "ttg/2018/773-qd-ttg"
PREFIXES = """
PREFIX pol: <https://w3id.org/policykg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""
# Party 57-NQ/TW, 3260-KH/ĐĐQH15; normative 109/2022/NĐ-CP; State 03/NQ-CP, 04/TTr-BKHCN-BTTTT; letters 83/BKHCN-BTTTT-VP.
NUMBER = re.compile(
    r"\b\d+-[A-ZĐ][A-Za-zĐ]*/[A-ZĐ][A-Za-zĐ]*\d*\b"
    r"|\b\d+/\d{4}/[A-ZĐ][A-Za-zĐ]*-[A-ZĐ][A-Za-zĐ]*\d*\b"
    r"|\b\d+/[A-ZĐ][A-Za-zĐ]*(?:-[A-ZĐ][A-Za-zĐ]*\d*)+\b"
)
REAL_SOURCES = sorted(p.stem for p in DATA.glob("real_*.trig"))


def rows(store: PolicyStore, query: str) -> list[dict[str, object]]:
    return store.select_python(PREFIXES + query)


def label(store: PolicyStore, iri: str) -> str:
    [row] = rows(store, f'SELECT ?l {{ <{iri}> rdfs:label ?l FILTER(LANG(?l) = "vi") }}')
    return str(row["l"])


def doc_by_notation(store: PolicyStore, notation: str) -> str:
    found = rows(store, f"SELECT ?d {{ ?d skos:notation {json.dumps(notation)} ; pol:documentType ?t }}")
    assert len(found) == 1, (notation, found)
    return str(found[0]["d"])


def roles_of(store: PolicyStore, task: str) -> dict[str, set[str]]:
    """Role notation → Vietnamese labels of the agencies in that role on the task."""
    found = rows(store, f"""SELECT ?role ?label {{ ?r pol:roleProperty ?p ; skos:notation ?role .
        <{task}> ?p ?agency . ?agency rdfs:label ?label FILTER(LANG(?label) = "vi") }}""")
    out: dict[str, set[str]] = {}
    for row in found:
        out.setdefault(str(row["role"]), set()).add(str(row["label"]))
    return out


def text(name: str) -> str:
    return (REAL_TEXTS / name).read_text(encoding="utf-8")


def test_one_source_per_passage() -> None:
    """Twelve passages, twelve named graphs: a passage is what a curator ingests or retracts."""
    assert len(REAL_SOURCES) == 12


@needs_texts
def test_every_number_in_the_real_passages_is_a_document(shipped_store: PolicyStore) -> None:
    stated: set[str] = set()
    for path in REAL_TEXTS.glob("*.txt"):
        stated |= set(NUMBER.findall(path.read_text(encoding="utf-8")))
    assert {"3260-KH/ĐĐQH15", "109/2022/NĐ-CP", "83/BKHCN-BTTTT-VP", "2083/QĐ-UBND"} <= stated
    known = {str(r["n"]) for r in rows(shipped_store, "SELECT ?n { ?d skos:notation ?n ; pol:documentType ?t }")}
    assert not stated - known, f"numbers in the passages but not in the graph: {sorted(stated - known)}"


@needs_texts
def test_each_source_record_names_its_passage_and_where_it_comes_from(shipped_store: PolicyStore) -> None:
    found = rows(shipped_store, """SELECT ?s ?file ?from ?url ?part { ?s a pol:SourceArticle ; pol:sourceFile ?file ;
        dcterms:source ?from ; dcterms:isPartOf ?part ; dcterms:language "vi" ; dcterms:spatial ?area .
        OPTIONAL { ?s prov:wasDerivedFrom ?url } FILTER(STRSTARTS(STR(?s), "https://w3id.org/policykg/id/source/real_")) }""")
    assert sorted(str(r["s"]).rsplit("/", 1)[-1] for r in found) == REAL_SOURCES
    readme = text("README.md")
    for row in found:
        assert (REAL_TEXTS / str(row["file"])).is_file(), row
        repo, _, rest = str(row["from"]).partition(" : ")
        commit = rest.rsplit(" @ ", 1)[-1]
        assert repo in readme and commit[:8] in readme, row  # what the README says the passage comes from
        if row["url"] is not None:
            assert str(row["url"]).startswith(f"https://github.com/{repo}/blob/{commit}/"), row
        assert rows(shipped_store, f"SELECT ?t {{ <{row['part']}> pol:documentType ?t }}"), row  # the document it is a passage of


@pytest.mark.parametrize("name", REAL_SOURCES)
def test_everything_a_passage_states_names_that_passage(shipped_store: PolicyStore, name: str) -> None:
    """Each document, task, target, objective and task group of a passage's graph cites the passage."""
    found = rows(shipped_store, f"""SELECT ?x {{ GRAPH <{GRAPH}{name}> {{ ?x a ?class }}
        VALUES ?k {{ pol:PolicyDocument pol:Task pol:Target pol:Objective pol:TaskGroup }}
        ?class rdfs:subClassOf* ?k .
        FILTER NOT EXISTS {{ GRAPH <{GRAPH}{name}> {{ ?x pol:source <{ID}source/{name}> }} }} }}""")
    assert found == []
    assert rows(shipped_store, f"SELECT ?x {{ GRAPH <{GRAPH}{name}> {{ ?x pol:source ?s }} }} LIMIT 1")


def test_new_agencies_name_a_real_passage(shipped_store: PolicyStore) -> None:
    found = rows(shipped_store, """SELECT ?a { ?a a pol:Agency
        FILTER(STRSTARTS(STR(?a), "https://w3id.org/policykg/id/agency/dak-nong/") || STRSTARTS(STR(?a), "https://w3id.org/policykg/id/agency/bac-lieu/")
               || ?a IN (<https://w3id.org/policykg/id/agency/vn/bo-khcn>, <https://w3id.org/policykg/id/agency/vn/bo-quoc-phong>))
        FILTER NOT EXISTS { ?a pol:source ?s FILTER(STRSTARTS(STR(?s), "https://w3id.org/policykg/id/source/real_")) } }""")
    assert found == []
    ministries = rows(shipped_store, """SELECT ?a { ?a a pol:Agency ; rdfs:label ?l FILTER(LANG(?l) = "vi" && STRSTARTS(?l, "Bộ "))
        FILTER(STRSTARTS(STR(?a), "https://w3id.org/policykg/id/agency/vn/")) }""")
    assert len(ministries) >= 12


# --- 03/NQ-CP: the task table -----------------------------------------------------------------

def nq03_task(store: PolicyStore, row: int) -> str:
    found = rows(store, f"""SELECT ?t {{ {{ <{N03}> pol:hasTask ?t }} UNION {{ <{N03}> pol:hasTaskGroup/pol:hasTask ?t }}
        ?t pol:ordinal {row} }}""")
    assert len(found) == 1, (row, found)
    return str(found[0]["t"])


@pytest.mark.parametrize(
    ("row", "lead", "coordinating", "deliverable", "deadline"),
    [
        (1, {"Bộ Khoa học và Công nghệ"}, {"Ban Tuyên giáo Trung ương", "Đài Truyền hình Việt Nam", "Đài Tiếng nói Việt Nam",
                                           "Thông tấn xã Việt Nam", "Các bộ, ngành, địa phương"}, "Quyết định của Thủ tướng Chính phủ", "2025-06"),
        (2, {"Đài Truyền hình Việt Nam", "Đài Tiếng nói Việt Nam", "Thông tấn xã Việt Nam"}, {"Bộ Khoa học và Công nghệ"}, "Chương trình", None),
        (5, {"Bộ Nội vụ"}, {"Các bộ, ngành, địa phương"}, "Đề án", "2025-06"),
        (8, {"Bộ Khoa học và Công nghệ"}, set(), "Văn bản hướng dẫn", "2025-03"),
        (31, {"Bộ Giáo dục và Đào tạo"}, {"Bộ Nội vụ"}, "Nghị định của Chính phủ", "2027"),
        (32, {"Bộ Giáo dục và Đào tạo"}, {"Bộ Khoa học và Công nghệ"}, "Nghị định của Chính phủ", "2026"),
        (35, {"Bộ Tài chính"}, set(), "Nghị định của Chính phủ", "2025"),
        (36, {"Bộ Khoa học và Công nghệ"}, {"Bộ Tài chính", "Các bộ, ngành"}, "Quyết định của Thủ tướng Chính phủ", "2025"),
    ],
)
def test_nq03_tasks_have_their_ministries_result_and_deadline(
    shipped_store: PolicyStore, row: int, lead: set[str], coordinating: set[str], deliverable: str, deadline: str | None
) -> None:
    task = nq03_task(shipped_store, row)
    roles = roles_of(shipped_store, task)
    assert lead <= roles.get("lead", set()) and coordinating == roles.get("coordinate", set()), roles
    facts = rows(shipped_store, f"SELECT ?d ?by {{ OPTIONAL {{ <{task}> pol:deliverable ?d }} OPTIONAL {{ <{task}> pol:deadline ?by }} }}")
    assert [(str(f["d"]), None if f["by"] is None else str(f["by"])) for f in facts] == [(deliverable, deadline)]


@needs_texts
def test_every_row_of_the_task_table_is_a_task_with_a_lead(shipped_store: PolicyStore) -> None:
    numbers = [int(n) for name in ("02_nq03cp_pl2_tasks_1_9.txt", "03_nq03cp_pl2_tasks_31_37.txt")
               for n in re.findall(r"^\|\s*(\d+)\.", text(name), re.MULTILINE)]
    assert len(numbers) == 16
    for row in numbers:
        assert roles_of(shipped_store, nq03_task(shipped_store, row)).get("lead"), row


def test_amending_tasks_concern_the_decrees_they_amend(shipped_store: PolicyStore) -> None:
    found = rows(shipped_store, f"""SELECT ?n {{ <{N03}> pol:hasTask ?t . ?t pol:ordinal 35 ; pol:concerns ?d . ?d skos:notation ?n }}""")
    assert {str(r["n"]) for r in found} == {"79/2021/NĐ-CP", "97/2018/NĐ-CP"}


# --- 57-NQ/TW: 2030 targets, duties; 3260-KH/ĐĐQH15 -----------------------------------------------

@pytest.mark.parametrize(
    ("indicator", "value", "high", "comparator", "unit"),
    [
        ("tfp-contribution-growth", 55, None, "over", "%"),
        ("digital-economy-share-grdp", 30, None, "at-least", "%"),
        ("online-public-service-use", 80, None, "over", "%"),
        ("human-development-index", 0.7, None, "over", "index"),
        ("rd-spending-share-gdp", 2, None, "exactly", "%"),
        ("researchers-per-10000", 12, None, "exactly", "/10.000 dân"),
        ("ranked-st-organisations", 40, 50, "range", "count"),
        ("patent-growth", 16, 18, "range", "%/năm"),
    ],
)
def test_nq57_has_its_2030_targets(
    shipped_store: PolicyStore, indicator: str, value: float, high: float | None, comparator: str, unit: str
) -> None:
    found = rows(shipped_store, f"""SELECT ?v ?hi ?cmp ?unit {{ <{N57}> pol:hasObjective ?o . ?o pol:horizonYear ?y ; pol:hasTarget ?t .
        ?t pol:measures <{ID}indicator/{indicator}> ; pol:targetValue ?v ; pol:comparator/skos:notation ?cmp ;
           pol:unit/skos:notation ?unit ; pol:targetYear ?ty ; pol:jurisdiction <{ID}area/vn> .
        OPTIONAL {{ ?t pol:targetValueHigh ?hi }} FILTER(STR(?y) = "2030" && STR(?ty) = "2030") }}""")
    assert [(float(str(r["v"])), None if r["hi"] is None else float(str(r["hi"])), r["cmp"], r["unit"]) for r in found] == [
        (value, high, comparator, unit)]


def test_nq57_names_who_carries_it_out(shipped_store: PolicyStore) -> None:
    found = rows(shipped_store, f"""SELECT ?t {{ <{N57}> pol:hasTask ?t }}""")
    assert len(found) == 7
    duties = {str(r["t"]).rsplit("/", 1)[-1]: roles_of(shipped_store, str(r["t"])) for r in found}
    assert duties["to-chuc-thuc-hien-2"] == {"assigned": {"Đảng đoàn Quốc hội"}}
    assert duties["to-chuc-thuc-hien-5"]["lead"] == {"Ban Tuyên giáo Trung ương"}
    assert duties["to-chuc-thuc-hien-6"] == {"lead": {"Ban Kinh tế Trung ương"}, "coordinate": {"Văn phòng Trung ương Đảng"}}


def test_kh3260_reaches_57_through_the_lineage(shipped_store: PolicyStore) -> None:
    plan = doc_by_notation(shipped_store, "3260-KH/ĐĐQH15")
    up = ancestors(shipped_store, plan)
    assert [(a.notation, a.depth, a.issuer_label) for a in up] == [("57-NQ/TW", 1, "Bộ Chính trị")]
    assert label(shipped_store, up[0].issuer or "") == "Bộ Chính trị"


def test_nq03_is_based_on_the_laws_and_follows_the_ministries_submission(shipped_store: PolicyStore) -> None:
    based = rows(shipped_store, f"SELECT ?d {{ <{N03}> pol:basedOn ?d }}")
    assert len(based) == 3
    cited = rows(shipped_store, f"SELECT ?n {{ <{N03}> pol:cites ?d . ?d skos:notation ?n }}")
    assert {str(r["n"]) for r in cited} == {"04/TTr-BKHCN-BTTTT", "83/BKHCN-BTTTT-VP"}
    issuers = rows(shipped_store, """SELECT ?l { ?d skos:notation "04/TTr-BKHCN-BTTTT" ; pol:issuedBy ?a .
        ?a rdfs:label ?l FILTER(LANG(?l) = "vi") }""")
    assert {str(r["l"]) for r in issuers} == {"Bộ Khoa học và Công nghệ", "Bộ Thông tin và Truyền thông"}


# --- Đắk Nông ------------------------------------------------------------------------------------

def test_dak_nong_plan_duties(shipped_store: PolicyStore) -> None:
    found = rows(shipped_store, """SELECT ?t { ?plan pol:issuedBy <https://w3id.org/policykg/id/agency/dak-nong/so-tttt> ;
        pol:hasTask ?t }""")
    duties = {str(r["t"]).rsplit("/", 1)[-1]: roles_of(shipped_store, str(r["t"])) for r in found}
    assert len(duties) == 8
    department = "Sở Thông tin và Truyền thông tỉnh Đắk Nông"
    assert department in duties["so-tttt-chu-tri"]["lead"]
    assert duties["so-tttt-tham-muu-quy-hoach"]["advise"] == {department}
    assert duties["cac-so-ho-tro-ha-tang"]["lead"] == {"Sở Giao thông Vận tải tỉnh Đắk Nông", "Sở Xây dựng tỉnh Đắk Nông",
                                                        "Sở Công Thương tỉnh Đắk Nông", "Công ty Điện lực Đắk Nông"}
    assert department in duties["cac-so-ho-tro-ha-tang"]["coordinate"]


def test_dak_nong_targets_and_lineage(shipped_store: PolicyStore) -> None:
    found = rows(shipped_store, """SELECT ?v { ?plan pol:issuedBy <https://w3id.org/policykg/id/agency/dak-nong/so-tttt> ;
        pol:hasObjective/pol:hasTarget ?t . ?t pol:measures <https://w3id.org/policykg/id/indicator/mobile-4g-download-speed> ;
        pol:targetValue ?v ; pol:unit/skos:notation "Mbit/s" ; pol:jurisdiction <https://w3id.org/policykg/id/area/dak-nong> }""")
    assert [float(str(r["v"])) for r in found] == [40.0]
    [plan] = rows(shipped_store, """SELECT ?p { ?p pol:issuedBy <https://w3id.org/policykg/id/agency/dak-nong/so-tttt> ; pol:hasObjective ?o }""")
    up = {a.notation for a in ancestors(shipped_store, str(plan["p"]))}
    assert {"1110/QĐ-BTTTT", "570/QĐ-UBND", "09/NQ-TU"} <= up


# --- 773/QĐ-TTg -------------------------------------------------------------------------------------

@needs_texts
def test_every_ministry_of_773_has_its_duties(shipped_store: PolicyStore) -> None:
    headings = re.findall(r"^\d+\. (Bộ [^\n]+?)\s*$", text("11_qd773ttg_tochuc.txt"), re.MULTILINE)
    assert len(headings) == 6
    found = rows(shipped_store, f"""SELECT ?l (COUNT(DISTINCT ?t) AS ?n) {{ <{Q773}> pol:hasTask ?t .
        ?t ?p ?a . ?p rdfs:subPropertyOf+ pol:responsibleAgency . ?a rdfs:label ?l FILTER(LANG(?l) = "vi") }} GROUP BY ?l""")
    counts = {str(r["l"]): int(str(r["n"])) for r in found}
    for heading in headings:
        name = re.sub(r"\s+", " ", heading.replace("t ế", "tế"))
        assert counts.get(name, 0) >= 1, (name, counts)
    assert counts["Bộ Quốc phòng"] == 6 and counts["Bộ Y tế"] == 3


def test_773_carries_out_directive_14_and_sets_2020_targets(shipped_store: PolicyStore) -> None:
    assert {a.notation for a in ancestors(shipped_store, Q773)} >= {"14-CT/TW", "26/2005/PL-UBTVQH11"}
    found = rows(shipped_store, f"""SELECT ?y ?v {{ <{Q773}> pol:hasObjective/pol:hasTarget ?t .
        ?t pol:measures <{ID}indicator/meritorious-family-living-standard> ; pol:targetYear ?y ; pol:targetValue ?v }} ORDER BY ?y""")
    assert [(str(r["y"]), float(str(r["v"]))) for r in found] == [("2018", 99.0), ("2019", 99.5), ("2020", 100.0)]


def test_2083_replaces_the_two_earlier_decisions(shipped_store: PolicyStore) -> None:
    found = rows(shipped_store, """SELECT ?n { ?d skos:notation "2083/QĐ-UBND" ; pol:replaces/skos:notation ?n }""")
    assert {str(r["n"]) for r in found} == {"18/QĐ-UBND", "1209/QĐ-UBND"}


# --- What the passages get wrong, recorded as said and flagged -----------------------------------

@pytest.fixture(scope="module")
def report(shipped_store: PolicyStore) -> ValidationReport:
    return validate(shipped_store, Settings(root=ROOT, store=None))


def test_the_passages_conform_to_the_shapes(report: ValidationReport) -> None:
    assert report.conforms, [f.message for f in report.findings if f.severity == "Violation"]


def test_a_decision_dated_before_the_resolution_it_implements_is_flagged(report: ValidationReport) -> None:
    flagged = {(f.rule, f.focus_notation) for f in report.findings if f.severity == "Warning"}
    assert ("implements-date-order", "570/QĐ-UBND") in flagged  # 21/3/2021, before 09/NQ-TU of 1/11/2021


def test_two_issuers_for_one_decision_are_flagged(report: ValidationReport) -> None:
    flagged = [f for f in report.findings if f.rule == "nested-issuers"]
    assert [(f.severity, f.focus_notation) for f in flagged] == [("Warning", "18/QĐ-UBND")]


def test_the_blank_number_and_wrong_date_are_kept_and_listed(shipped_store: PolicyStore, report: ValidationReport) -> None:
    infos = {(f.rule, f.focus_notation, f.value) for f in report.findings if f.severity == "Info"}
    assert ("name-as-stated", "03/NQ-CP", "Nghị quyết số  /NQ-CP ngày 01 tháng 01 năm 2025") in infos
    dates = rows(shipped_store, f"SELECT ?d {{ <{N03}> pol:issueDate ?d }}")
    assert [str(r["d"]) for r in dates] == ["2025-01-09"]


def test_real_numbers_are_not_mistaken_for_malformed_ones(shipped_store: PolicyStore, report: ValidationReport) -> None:
    """Normative numbers (109/2022/NĐ-CP) and codes with the Assembly's term (ĐĐQH15) are valid forms."""
    real = {"109/2022/NĐ-CP", "3260-KH/ĐĐQH15", "26/2005/PL-UBTVQH11", "22/2013/QĐ-TTg", "83/BKHCN-BTTTT-VP"}
    assert all(doc_by_notation(shipped_store, n) for n in real)
    wrong = {f.focus_notation for f in report.findings if f.rule in {"notation-grammar", "issuer-code-mismatch", "notation-type-mismatch"}}
    assert not wrong & real

