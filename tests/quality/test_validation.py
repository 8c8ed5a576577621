"""SHACL shapes and violation queries, rule by rule, on the fixtures of tests/fixtures/quality.

Each rule (a targeted shape of shapes/ or a queries/*-violation.rq) has a pass and a fail
fixture. A fixture is validated as _prefixes.ttl + _base.ttl + the fixture with the real
ontology/, shapes/ and queries/ (never the shipped data):

- fail: the findings of the rule are exactly the focus nodes its "# expect:" lines list, each
  with the severity its "# severity:" line gives;
- pass: no finding of any rule at all (so a pass fixture also guards against false positives
  of every other rule).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF, SH

from app.quality.validation import (
    SHAPES_NS,
    Finding,
    ValidationReport,
    load_ontology,
    load_shapes,
    rule_ids,
    validate,
    validate_graph,
    violation_query_paths,
)
from tests.support.project import FIXTURES, ROOT

QUALITY = FIXTURES / "quality"
BASE_IRI = "https://w3id.org/policykg/id/"
SHAPES_DIR = ROOT / "shapes"
QUERIES_DIR = ROOT / "queries"
ONTOLOGY_DIR = ROOT / "ontology"


# ---------------------------------------------------------------------------
# Loading (cached: the shapes, ontology and queries are read once per session)
# ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def shapes() -> rdflib.Graph:
    return load_shapes(SHAPES_DIR)


@lru_cache(maxsize=1)
def ontology() -> rdflib.Graph:
    return load_ontology(ONTOLOGY_DIR)


def queries() -> list[Path]:
    return violation_query_paths(QUERIES_DIR)


@lru_cache(maxsize=1)
def rules() -> dict[str, str]:
    return rule_ids(shapes(), queries())


def fixture_text(*names: str) -> str:
    parts = [(QUALITY / "_prefixes.ttl").read_text(encoding="utf-8")]
    parts += [(QUALITY / name).read_text(encoding="utf-8") for name in names]
    return "\n".join(parts)


def fixture_graph(*names: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    graph.parse(data=fixture_text(*names), format="turtle")
    return graph


def run(*names: str) -> ValidationReport:
    return validate_graph(fixture_graph(*names), shapes(), queries(), ont_graph=ontology())


def header(name: str) -> tuple[str | None, set[str]]:
    severity, expected = None, set()
    for line in (QUALITY / name).read_text(encoding="utf-8").splitlines():
        m = re.match(r"#\s*(severity|expect):\s*(\S+)", line)
        if not m:
            continue
        if m.group(1) == "severity":
            severity = m.group(2)
        else:
            iri = m.group(2)
            expected.add(iri if "://" in iri else BASE_IRI + iri)
    return severity, expected


def fixture_rules() -> list[str]:
    return sorted(
        {p.name.split(".")[0] for p in QUALITY.glob("*.ttl") if not p.name.startswith("_")}
    )


def describe(findings: list[Finding]) -> str:
    return "\n".join(f"  {f.severity} {f.rule} {f.focus} :: {f.message}" for f in findings) or "  (none)"


# ---------------------------------------------------------------------------
# Coverage: every rule has its pair of fixtures, every fixture names a rule
# ---------------------------------------------------------------------------


def test_every_rule_has_a_pass_and_a_fail_fixture() -> None:
    missing = [
        f"{rule}.{kind}.ttl"
        for rule in rules()
        for kind in ("pass", "fail")
        if not (QUALITY / f"{rule}.{kind}.ttl").is_file()
    ]
    assert not missing, f"rules without fixtures: {missing}"


def test_every_fixture_belongs_to_a_rule() -> None:
    orphans = sorted(set(fixture_rules()) - set(rules()))
    assert not orphans, f"fixtures of no rule: {orphans}"


def test_rule_ids_and_severities() -> None:
    r = rules()
    # the consistency rules of the brief, with their severities
    assert r["implements-date-order"] == "Warning"
    assert r["notation-grammar"] == "Warning"
    assert r["notation-type-mismatch"] == "Warning"
    assert r["issuer-code-mismatch"] == "Warning"
    assert "implements-cycle" not in r  # a cycle is a hard error, not a warning: see below
    assert r["conflicting-targets"] == "Warning"
    assert r["chain-without-national-root"] == "Warning"
    assert r["task-group-without-agency"] == "Info"
    assert r["date-not-stated"] == r["name-as-stated"] == "Info"
    assert not "task-group-without-agency".endswith("-violation")
    for name in ("implements-cycle-violation", "dangling-reference-violation", "duplicate-notation-same-issuer-violation"):
        assert r[name] == "Violation"
    # all completeness shapes are violations
    completeness = rdflib.Graph().parse(SHAPES_DIR / "completeness.ttl")
    for shape in completeness.subjects(SH.targetClass, None):
        assert rules()[str(shape)[len(SHAPES_NS):]] == "Violation"


def test_every_shape_has_a_vietnamese_and_an_english_message() -> None:
    g = shapes()
    lacking = []
    holders = set(g.subjects(SH.message, None))
    # every shape or SPARQL constraint that reports: named shapes, nested property shapes, constraints
    reporting = set(g.subjects(SH.path, None)) | set(g.subjects(SH.select, None))
    reporting |= set(g.subjects(SH["or"], None))
    for node in reporting:
        if node == rdflib.URIRef(SHAPES_NS + "IsDraft") or node in _or_members(g):
            continue  # members of sh:or report through the shape holding the sh:or
        langs = {m.language for m in g.objects(node, SH.message)}
        if node not in holders or not {"vi", "en"} <= langs:
            lacking.append(str(node))
    assert not lacking, f"shapes without @vi and @en messages: {lacking}"


def test_shapes_are_valid_shacl() -> None:
    """pySHACL's meta-SHACL check (SHACL-SHACL) raises when a shapes graph is malformed."""
    import pyshacl

    pyshacl.validate(rdflib.Graph(), shacl_graph=shapes(), meta_shacl=True, advanced=True)


def _or_members(g: rdflib.Graph) -> set[rdflib.term.Node]:
    members = set()
    for head in g.objects(None, SH["or"]):
        while head and head != RDF.nil:
            members.add(g.value(head, RDF.first))
            head = g.value(head, RDF.rest)
    return members


def test_violation_queries_have_headers() -> None:
    for path in queries():
        text = path.read_text(encoding="utf-8")
        assert re.search(r"^# title: \S", text, re.MULTILINE), path.name
        assert re.search(r"^# description: \S", text, re.MULTILINE), path.name
        assert re.search(r"^# severity: Violation$", text, re.MULTILINE), path.name
        assert "# param:" not in text, path.name
        assert re.search(r"SELECT\s+(DISTINCT\s+)?\?focus\s+\?message", text), path.name


# ---------------------------------------------------------------------------
# The base is clean; each rule fires on its fail fixture and nowhere on its pass fixture
# ---------------------------------------------------------------------------


def test_base_fixture_has_no_finding() -> None:
    report = run("_base.ttl")
    assert report.findings == [], describe(report.findings)
    assert report.conforms


@pytest.mark.parametrize("rule", fixture_rules())
def test_fail_fixture_fires_the_rule(rule: str) -> None:
    name = f"{rule}.fail.ttl"
    severity, expected = header(name)
    assert severity in ("Violation", "Warning", "Info"), f"{name}: no '# severity:' line"
    assert expected, f"{name}: no '# expect:' line"
    assert rules()[rule] == severity, f"{rule} is declared {rules()[rule]}, fixture expects {severity}"

    report = run("_base.ttl", name)
    found = report.of_rule(rule)
    assert {f.focus for f in found} == expected, (
        f"{rule}: focus nodes differ\nexpected: {sorted(expected)}\nfound:\n{describe(found)}"
    )
    assert {f.severity for f in found} == {severity}
    assert report.conforms is (severity != "Violation" and not any(
        f.severity == "Violation" for f in report.findings))
    for f in found:
        assert f.message and "{?" not in f.message and "{$" not in f.message, f.message
        if f.source and f.source.startswith(SHAPES_NS):
            assert f.message_vi and "{?" not in f.message_vi, f"{rule}: no Vietnamese message"
            assert f.message != f.message_vi


@pytest.mark.parametrize("rule", fixture_rules())
def test_pass_fixture_has_no_finding(rule: str) -> None:
    report = run("_base.ttl", f"{rule}.pass.ttl")
    assert report.of_rule(rule) == [], describe(report.of_rule(rule))
    assert report.findings == [], f"{rule}.pass.ttl trips other rules:\n{describe(report.findings)}"


# ---------------------------------------------------------------------------
# Details of particular rules
# ---------------------------------------------------------------------------


def test_bare_number_fires_notation_grammar() -> None:
    report = run("_base.ttl", "notation-grammar.fail.ttl")
    [bare] = [f for f in report.of_rule("notation-grammar") if f.focus.endswith("/178")]
    assert bare.value == "178" and bare.path == "skos:notation"
    assert '"178"' in bare.message and "Party" in bare.message
    assert bare.focus_notation == "178" and bare.focus_label == "Kế hoạch 178"


def test_conflicting_targets_name_the_other_document() -> None:
    report = run("_base.ttl", "conflicting-targets.fail.ttl")
    base_target = BASE_IRI + "doc/tu-tinh-a/2020/190-kh-tu/target/digital-economy-share-grdp-2025"
    messages = [f.message for f in report.of_rule("conflicting-targets") if f.focus == base_target]
    # the base target conflicts with both other plans' targets (a value, then a unit)
    assert any("47/KH-UBND" in m and "30.0" in m for m in messages), messages
    assert any("48/KH-UBND" in m and "%/năm" in m for m in messages), messages
    others = [f for f in report.of_rule("conflicting-targets") if f.focus != base_target]
    assert all("190-KH/TU" in f.message or "KH-UBND" in f.message for f in others)


def test_issuer_code_mismatch_names_both_codes() -> None:
    report = run("_base.ttl", "issuer-code-mismatch.fail.ttl")
    by_focus = {f.focus.rsplit("/", 1)[1]: f for f in report.of_rule("issuer-code-mismatch")}
    assert '"TW"' in by_focus["02-nq-tw"].message and '"TU"' in by_focus["02-nq-tw"].message
    # the town committee has its own code ThU: it does not inherit the province's TU
    assert '"ThU"' in by_focus["43-ctr-tu"].message
    assert by_focus["43-ctr-tu"].path == "pol:issuedBy"


def test_date_order_names_the_later_document() -> None:
    report = run("_base.ttl", "implements-date-order.fail.ttl")
    msgs = {f.focus.rsplit("/", 1)[1]: f.message for f in report.of_rule("implements-date-order")}
    assert "52-NQ/TW (2019-09-27)" in msgs["12-kh-tu"]
    assert "190-KH/TU (2020-08-12)" in msgs["05-kh-ubnd"]


def test_implements_cycle_is_reported_once_as_a_violation() -> None:
    report = run("_base.ttl", "implements-cycle-violation.fail.ttl")
    cycle_findings = [f for f in report.findings if "cycle" in f.rule]
    assert cycle_findings and {f.severity for f in cycle_findings} == {"Violation"}
    assert {f.rule for f in cycle_findings} == {"implements-cycle-violation"}
    assert not report.conforms


def test_warnings_alone_still_conform() -> None:
    report = run("_base.ttl", "notation-grammar.fail.ttl")
    assert report.counts()["Warning"] > 0 and report.counts()["Violation"] == 0
    assert report.conforms


def test_nested_property_shape_reports_under_its_named_shape() -> None:
    report = run("_base.ttl", "document-issue-date.fail.ttl")
    paths = {f.focus.rsplit("/", 1)[1]: f.path for f in report.of_rule("document-issue-date")}
    assert paths["191-kh-tu"] is None  # sh:or at node level
    assert paths["192-kh-tu"] == paths["193-kh-tu"] == "pol:issueDate"  # nested property shape


def test_inverse_paths_are_rendered() -> None:
    report = run("_base.ttl", "task-owner.fail.ttl")
    assert {f.path for f in report.of_rule("task-owner")} == {"^pol:hasTask"}


# ---------------------------------------------------------------------------
# Report formats
# ---------------------------------------------------------------------------


def test_report_formats() -> None:
    report = run("_base.ttl", "notation-grammar.fail.ttl", "has-source.fail.ttl")
    data = report.to_json()
    json.dumps(data, ensure_ascii=False)
    assert data["conforms"] is False
    assert data["counts"]["Violation"] == 3 and data["counts"]["Warning"] == 4
    assert {"severity", "rule", "message", "message_vi", "focus", "focus_label", "focus_notation",
            "path", "value"} <= set(data["findings"][0])

    text = report.to_text()
    assert "does NOT conform" in text
    assert text.index("== Violation (3) ==") < text.index("== Warning (4) ==")
    assert "[notation-grammar] 178 <https://w3id.org/policykg/id/doc/tu-tinh-a/178>" in text

    g = rdflib.Graph().parse(data=report.to_turtle(), format="turtle")
    [rep] = list(g.subjects(RDF.type, SH.ValidationReport))
    assert g.value(rep, SH.conforms).toPython() is False
    results = list(g.objects(rep, SH.result))
    assert len(results) == len(report.findings)
    severities = {g.value(r, SH.resultSeverity) for r in results}
    assert severities == {SH.Violation, SH.Warning}
    grammar = [r for r in results if g.value(r, SH.sourceShape) == rdflib.URIRef(SHAPES_NS + "notation-grammar")]
    assert len(grammar) == 4
    assert {m.language for m in g.objects(grammar[0], SH.resultMessage)} == {"en", "vi"}


# ---------------------------------------------------------------------------
# Through a real PolicyStore (oxigraph), as the CLI and the API call it
# ---------------------------------------------------------------------------


def _project(tmp_path: Path, *fixtures: str):
    from app.core.config import Settings

    data = tmp_path / "data"
    data.mkdir(parents=True)
    (data / "fixture.ttl").write_text(fixture_text(*fixtures), encoding="utf-8")
    return Settings(
        root=tmp_path, ontology_dir=ONTOLOGY_DIR, shapes_dir=SHAPES_DIR, queries_dir=QUERIES_DIR, data_dir=data
    )


def test_validate_a_store(tmp_path: Path) -> None:
    from app.store.policy_store import PolicyStore

    settings = _project(tmp_path, "_base.ttl", "implements-cycle-violation.fail.ttl", "notation-grammar.fail.ttl")
    with PolicyStore.open() as store:
        store.load_project(settings)
        report = validate(store, settings)
    direct = run("_base.ttl", "implements-cycle-violation.fail.ttl", "notation-grammar.fail.ttl")
    def as_set(r: object) -> set[tuple[object, ...]]:
        return {(f.severity, f.rule, f.focus, f.value) for f in r.findings}
    assert as_set(report) == as_set(direct)
    assert not report.conforms


@pytest.mark.parametrize("path", violation_query_paths(QUERIES_DIR), ids=lambda p: p.stem)
def test_violation_queries_agree_on_oxigraph(tmp_path: Path, path: Path) -> None:
    """The catalogue runs *-violation.rq on oxigraph: same rows there as with rdflib."""
    from app.store.policy_store import PolicyStore

    _severity, expected = header(f"{path.stem}.fail.ttl")
    for kind, want in (("fail", expected), ("pass", set())):
        settings = _project(tmp_path / kind, "_base.ttl", f"{path.stem}.{kind}.ttl")
        with PolicyStore.open() as store:
            store.load_project(settings)
            rows = store.select(path.read_text(encoding="utf-8"))
        assert {str(r["focus"].value) for r in rows} == want, (kind, rows)
        assert all(r["message"] is not None and r["message"].value for r in rows)


def test_quality_checks_take_their_settings_from_the_caller() -> None:
    """validation and reasoning read only the settings they are given (the CLI's or the app's),
    never the process-wide ones, and print nothing themselves: the CLI is their one front end."""
    import inspect

    from app.quality import reasoning, validation

    for module in (validation, reasoning):
        source = inspect.getsource(module)
        assert "get_settings" not in source and "print(" not in source, module.__name__
        assert not hasattr(module, "main"), module.__name__
