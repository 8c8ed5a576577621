"""Acceptance checks on the curated graph that ships in data/: what a researcher relies on."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.core.config import Settings
from app.core.text import fold
from app.endpoint.catalog import load_catalog, run_named
from app.quality.reasoning import check_consistency
from app.quality.validation import validate
from app.store.policy_store import PolicyStore

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SOURCES = SHARED / "sources"
CQ = SHARED / "cq" / "examples.json"
POL = "https://w3id.org/policykg/ontology#"
PREFIXES = f"""
PREFIX pol: <{POL}>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""

# Party form 52-NQ/TW, State form 47/KH-UBND, letters 3917/UBND (as they stand in the articles).
NUMBER = re.compile(r"\b\d+-[A-ZĐ][A-Za-zĐ]*/[A-ZĐ]+\b|\b\d+/[A-ZĐ][A-Za-zĐ]*(?:-[A-ZĐ]+)+\b|\b\d+/UBND\b")


@pytest.fixture(scope="module")
def shipped() -> Iterator[PolicyStore]:
    """The real ontology and data, loaded once into a fresh in-memory store."""
    settings = Settings(root=ROOT, store=None)
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        yield store


def notations(store: PolicyStore) -> set[str]:
    """Every document number in the graph."""
    rows = store.select_python(PREFIXES + "SELECT DISTINCT ?n { ?d skos:notation ?n . ?d pol:documentType ?t }")
    return {row["n"] for row in rows}


def doc_by_notation(store: PolicyStore, notation: str) -> str:
    """The single document with this number (the curated data has no clash among these)."""
    rows = store.select_python(PREFIXES + f"SELECT ?d {{ ?d skos:notation {json.dumps(notation)} ; pol:documentType ?t }}")
    assert len(rows) == 1, f"{notation}: {rows}"
    return rows[0]["d"]


def ancestors(store: PolicyStore, doc: str) -> set[str]:
    """Notations of every document reached upwards."""
    rows = store.select_python(PREFIXES + f"SELECT DISTINCT ?n {{ <{doc}> (pol:implements|pol:basedOn)+ ?a . ?a skos:notation ?n }}")
    return {row["n"] for row in rows}


@pytest.mark.skipif(not SOURCES.is_dir(), reason="shared/sources is not beside the checkout")
def test_every_number_stated_in_the_articles_is_a_document() -> None:
    """SELECT DISTINCT ?n { ?d skos:notation ?n } covers every number the sources state."""
    settings = Settings(root=ROOT, store=None)
    with PolicyStore.from_settings(settings) as store:
        store.load_project(settings)
        stated = set()
        for path in SOURCES.glob("*.txt"):
            stated |= set(NUMBER.findall(path.read_text(encoding="utf-8")))
        assert len(stated) >= 11
        missing = stated - notations(store)
        assert not missing, f"numbers in the articles but not in the graph: {sorted(missing)}"


def test_document_identity_is_issuer_plus_number(shipped: PolicyStore) -> None:
    """Each document IRI names its issuer's key, so equal numbers in two provinces cannot merge."""
    rows = shipped.select_python(PREFIXES + "SELECT ?d ?n { ?d skos:notation ?n ; pol:documentType ?t }")
    assert len(rows) >= 12
    for row in rows:
        slug = re.sub(r"[^a-z0-9]+", "-", fold(row["n"])).strip("-")
        assert row["d"].endswith("/" + slug), row


def test_more_than_fifteen_documents_in_two_provinces(shipped: PolicyStore) -> None:
    rows = shipped.select_python(
        PREFIXES + "SELECT ?d ?area { ?d pol:documentType ?t ; pol:jurisdiction ?area }"
    )
    docs = {row["d"] for row in rows}
    assert len(docs) > 15
    areas = {row["area"].rsplit("/", 1)[-1] for row in rows}
    assert {"quang-tri", "thanh-hoa", "vn"} <= areas


def test_lineage_of_every_provincial_document_reaches_a_national_resolution(shipped: PolicyStore) -> None:
    """Each provincial document that the sources tie to a higher text reaches a national one.

    Documents whose sources name no higher text (Kế hoạch 178, Resolution 02, 3690/KH-UBND, the
    congress resolution) are not linked by invention: the quality report lists them instead.
    """
    rows = shipped.select_python(
        PREFIXES
        + """
        SELECT ?d (SAMPLE(?n) AS ?notation) (COUNT(?national) AS ?roots) WHERE {
          ?d pol:documentType ?t ; pol:jurisdiction ?area ; (pol:implements|pol:basedOn) ?parent .
          ?area pol:level ?level . FILTER(?level != <https://w3id.org/policykg/id/level/national>)
          OPTIONAL { ?d skos:notation ?n }
          OPTIONAL { ?d (pol:implements|pol:basedOn)+ ?national .
                     ?national pol:issuedBy/pol:level <https://w3id.org/policykg/id/level/national> }
        } GROUP BY ?d
        """
    )
    assert len(rows) >= 7
    # 41-CTr/TU → 02-NQ/TW and 570/QĐ-UBND → 09/NQ-TU (Đắk Nông): their sources name no parent
    # of the provincial resolution
    chains_to_provincial_roots = {"41-CTr/TU", "570/QĐ-UBND"}
    for row in rows:
        if row["notation"] in chains_to_provincial_roots:
            continue
        assert row["roots"] > 0, f"{row['d']} does not reach a national resolution"


@pytest.mark.parametrize(
    ("notation", "national"),
    [("190-KH/TU", "52-NQ/TW"), ("3917/UBND", "52-NQ/TW"), ("50/NQ-CP", "52-NQ/TW"), ("03/NQ-CP", "57-NQ/TW"),
     ("144-CTHĐ/TU", "57-NQ/TW"), ("47/KH-UBND", "57-NQ/TW"), ("41-CTr/TU", "02-NQ/TW")],
)
def test_cascades_the_articles_state(shipped: PolicyStore, notation: str, national: str) -> None:
    assert national in ancestors(shipped, doc_by_notation(shipped, notation))


@pytest.mark.skipif(not CQ.is_file(), reason="shared/cq is not beside the checkout")
def test_competency_lineage_examples(shipped: PolicyStore) -> None:
    """The lineage questions of shared/cq/examples.json."""
    cq = json.loads(CQ.read_text(encoding="utf-8"))
    agencies = {key: fold(label) for key, label in cq["agencies"].items()}
    for case in cq["lineage"]:
        doc = doc_by_notation(shipped, case["document"])
        if "ancestors_have" in case:
            assert set(case["ancestors_have"]) <= ancestors(shipped, doc), case
        if "descendants_have_issuer" in case:
            rows = shipped.select_python(
                PREFIXES + f"""SELECT DISTINCT ?label {{ ?x (pol:implements|pol:basedOn)+ <{doc}> ;
                   pol:issuedBy ?issuer . ?issuer rdfs:label ?label FILTER(LANG(?label) = "vi") }}"""
            )
            assert agencies[case["descendants_have_issuer"]] in {fold(r["label"]) for r in rows}, case


@pytest.mark.skipif(not SOURCES.is_dir(), reason="shared/sources is not beside the checkout")
def test_every_department_duty_has_its_task_group_and_role(shipped: PolicyStore) -> None:
    """Source 004 lists the department's duties under six task groups; each is in the graph with a role."""
    text = (SOURCES / "004_1813b2d7934d17d9.txt").read_text(encoding="utf-8")
    paragraphs = re.findall(r"^Đ[ốổ]i với nhiệm vụ, giải pháp", text, re.MULTILINE)
    rows = shipped.select_python(
        PREFIXES
        + """
        SELECT ?task ?ordinal ?role WHERE {
          GRAPH <https://w3id.org/policykg/graph/source/004_1813b2d7934d17d9> { ?task a pol:Task }
          ?group pol:hasTask ?task ; pol:ordinal ?ordinal .
          ?task ?property <https://w3id.org/policykg/id/agency/quang-tri/so-khcn> .
          ?roleConcept pol:roleProperty ?property ; skos:notation ?role .
        }"""
    )
    tasks = {row["task"] for row in rows}
    assert len(tasks) >= 25
    assert len({row["ordinal"] for row in rows}) == len(paragraphs) == 6
    assert {row["role"] for row in rows} == {"lead", "coordinate", "advise", "assigned"}
    everything = shipped.select_python(
        PREFIXES + "SELECT ?task { GRAPH <https://w3id.org/policykg/graph/source/004_1813b2d7934d17d9> { ?task a pol:Task } }"
    )
    assert {row["task"] for row in everything} == tasks, "a duty of source 004 lacks its task group or role"


def test_quang_tri_plan_has_eight_task_groups_the_fourth_on_innovation(shipped: PolicyStore) -> None:
    doc = doc_by_notation(shipped, "190-KH/TU")
    rows = shipped.select_python(
        PREFIXES + f"""SELECT ?ordinal ?label {{ ?plan pol:implements <{doc}> ; pol:hasTaskGroup ?g .
            ?g pol:ordinal ?ordinal ; rdfs:label ?label FILTER(LANG(?label) = "vi") }}"""
    )
    assert sorted(row["ordinal"] for row in rows) == list(range(1, 9))
    fourth = next(row["label"] for row in rows if row["ordinal"] == 4)
    assert "doi moi sang tao" in fold(fourth)


@pytest.mark.parametrize(
    ("indicator", "area", "year", "value", "comparator"),
    [
        ("smart-school-pilot-share", "thanh-hoa", 2025, 20, "at-least"),
        ("broadband-commune-coverage", "quang-tri", 2025, 100, "exactly"),
        ("digital-economy-share-grdp", "quang-tri", 2025, 20, "about"),
        ("labour-productivity-growth", "thanh-hoa", 2025, 7.5, "exactly"),
        ("online-public-service-use", "quang-tri", 2030, 80, "over"),
    ],
)
def test_targets_are_data(shipped: PolicyStore, indicator: str, area: str, year: int, value: float, comparator: str) -> None:
    rows = shipped.select_python(
        PREFIXES
        + f"""SELECT ?value ?cmp ?year {{ ?t pol:measures <https://w3id.org/policykg/id/indicator/{indicator}> ;
              pol:jurisdiction <https://w3id.org/policykg/id/area/{area}> ; pol:targetValue ?value ;
              pol:targetYear ?year ; pol:comparator/skos:notation ?cmp . ?o pol:hasTarget ?t . ?d pol:hasObjective ?o }}"""
    )
    assert any(float(r["value"]) == value and r["cmp"] == comparator and str(r["year"]).startswith(str(year)) for r in rows), rows


def test_politburo_issued_52_on_27_september_2019(shipped: PolicyStore) -> None:
    rows = shipped.select_python(
        PREFIXES + """SELECT ?date ?issuer { ?d skos:notation "52-NQ/TW" ; pol:issueDate ?date ;
            pol:issuedBy/rdfs:label ?issuer FILTER(LANG(?issuer) = "vi") }"""
    )
    assert {(str(r["date"]), r["issuer"]) for r in rows} == {("2019-09-27", "Bộ Chính trị")}


def test_every_resource_is_traceable_to_a_source(shipped: PolicyStore) -> None:
    """Documents, tasks, targets, objectives, task groups and agencies all name a source article that exists."""
    rows = shipped.select_python(
        PREFIXES
        + """SELECT ?x WHERE {
          VALUES ?class { pol:PolicyDocument pol:Task pol:Target pol:Objective pol:TaskGroup pol:Agency pol:Meeting }
          ?x a/rdfs:subClassOf* ?class .
          FILTER NOT EXISTS { ?x pol:source ?s . ?s a pol:SourceArticle }
        }"""
    )
    assert rows == []


def test_every_statement_sits_in_a_named_graph(shipped: PolicyStore) -> None:
    """Provenance by named graph: the data files put nothing in the default graph except the union copy."""
    rows = shipped.select_python(
        PREFIXES + "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), 'https://w3id.org/policykg/graph/source/')) }"
    )
    assert rows[0]["n"] > 500


def test_text_is_nfc(shipped: PolicyStore) -> None:
    import unicodedata

    rows = shipped.select_python("SELECT ?o { GRAPH ?g { ?s ?p ?o } FILTER(ISLITERAL(?o)) }")
    bad = [r["o"] for r in rows if isinstance(r["o"], str) and unicodedata.normalize("NFC", r["o"]) != r["o"]]
    assert bad == []


# --- Named queries, validation and reasoning on the shipped data ------------------------------

CATALOG = load_catalog(ROOT / "queries")


@pytest.mark.parametrize("name", sorted(n for n in CATALOG if not n.endswith("-violation")))
def test_every_named_query_answers_on_the_shipped_data(shipped: PolicyStore, name: str) -> None:
    """Each named query, run with the example values of its header, gives rows."""
    query = CATALOG[name]
    assert {p.name for p in query.params if p.required} <= set(query.examples), f"{name}: add # example: lines"
    result = run_named(shipped, query, query.examples)
    assert result.rows, f"{name} returned nothing with {query.examples}"


@pytest.mark.parametrize("name", sorted(n for n in CATALOG if n.endswith("-violation")))
def test_violation_queries_find_nothing_on_the_shipped_data(shipped: PolicyStore, name: str) -> None:
    assert run_named(shipped, CATALOG[name], {}).rows == []


def test_named_query_results_follow_the_sources(shipped: PolicyStore) -> None:
    """Spot-check answers against the articles: lineage up from 47/KH-UBND, duties of the department."""
    up = run_named(shipped, CATALOG["lineage-up"], CATALOG["lineage-up"].examples).python_rows()
    assert {r["notation"] for r in up if r["notation"]} == {"03/NQ-CP", "144-CTHĐ/TU", "57-NQ/TW"}
    # 03/NQ-CP is based on the Law on the Organisation of the Government and its 2019 amendment,
    # which passage 01 names without numbers
    assert {r["ancestor"].rsplit("/", 1)[-1] for r in up if not r["notation"]} == {
        "luat-to-chuc-chinh-phu", "luat-sua-doi-luat-to-chuc-chinh-phu-va-chinh-quyen-dia-phuong"}
    conflicts = run_named(shipped, CATALOG["conflicting-targets"], {}).python_rows()
    assert any({r["notationA"], r["notationB"]} == {"190-KH/TU", "47/KH-UBND"} for r in conflicts)
    no_agency = run_named(shipped, CATALOG["task-groups-without-agencies"], {}).python_rows()
    assert {r["notation"] for r in no_agency} >= {"47/KH-UBND"}


def test_shipped_data_conforms_and_flags_what_the_sources_get_wrong(shipped: PolicyStore) -> None:
    settings = Settings(root=ROOT, store=None)
    report = validate(shipped, settings)
    assert report.conforms, [f.message for f in report.findings if f.severity == "Violation"]
    flagged = {(f.rule, f.focus_notation) for f in report.findings if f.severity == "Warning"}
    assert ("implements-date-order", "47/KH-UBND") in flagged  # dated 4/3/2024, before 03/NQ-CP and 144
    assert ("issuer-code-mismatch", "02-NQ/TW") in flagged  # a provincial committee's number ending /TW
    assert ("issuer-code-mismatch", "41-CTr/TU") in flagged  # a town committee's number ending /TU
    assert ("notation-grammar", "178") in flagged  # "Kế hoạch 178" without its full number
    conflicts = [f for f in report.findings if f.rule == "conflicting-targets"]
    assert any("47/KH-UBND" in f.message for f in conflicts)
    infos = {(f.rule, f.focus_notation) for f in report.findings if f.severity == "Info"}
    assert ("date-not-stated", "50/NQ-CP") in infos


def test_shipped_data_is_consistent_under_hermit(shipped: PolicyStore) -> None:
    result = check_consistency(shipped, Settings(root=ROOT, store=None))
    assert result.consistent, result.message
    assert result.individuals > 100


def test_cpov_participations_mirror_the_direct_role_properties(shipped: PolicyStore) -> None:
    """The derived CPOV form states exactly the (task, agency, role) triples curators wrote directly."""
    direct = shipped.select_python(
        PREFIXES + """SELECT DISTINCT ?task ?agency ?role { ?r pol:roleProperty ?p ; skos:notation ?role .
                      ?task a pol:Task ; ?p ?agency }"""
    )
    qualified = shipped.select_python(
        PREFIXES + """SELECT DISTINCT ?task ?agency ?role { ?task pol:hasResponsibility ?x .
                      ?x a pol:Responsibility ; pol:agent ?agency ; pol:role/skos:notation ?role }"""
    )
    def as_set(rows: list[dict[str, object]]) -> set[tuple[object, ...]]:
        return {(r["task"], r["agency"], r["role"]) for r in rows}
    assert len(direct) > 30
    assert as_set(direct) == as_set(qualified)
    unsourced = shipped.select_python(
        PREFIXES + "SELECT ?x { ?x a pol:Responsibility FILTER NOT EXISTS { ?x pol:source ?s } }"
    )
    assert unsourced == []


@pytest.mark.parametrize("term", ["deliverable", "deadline"])
def test_a_task_s_deliverable_and_deadline_are_ontology_terms(shipped: PolicyStore, term: str) -> None:
    # What the extractor reads from a task table's "Kết quả" and "Thời gian hoàn thành" columns.
    rows = shipped.select_python(
        PREFIXES
        + f"""SELECT ?kind (lang(?label) AS ?ll) (lang(?definition) AS ?dl) WHERE {{
            pol:{term} a ?kind ; rdfs:domain pol:Task ; rdfs:label ?label ; skos:definition ?definition }}"""
    )
    assert {r["kind"] for r in rows} >= {"http://www.w3.org/2002/07/owl#DatatypeProperty"}
    assert {r["ll"] for r in rows} == {"vi", "en"} and {r["dl"] for r in rows} == {"vi", "en"}
