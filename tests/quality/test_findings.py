"""Maintained findings (app.quality.findings): incremental upkeep equals a full validation, persistence, one document."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.config import Settings
from app.core.namespaces import DCTERMS, POL, RDF, RDFS, SKOS
from app.quality.findings import Findings, Rules, load_rules, validate_document
from app.quality.validation import Finding
from app.store.policy_store import PolicyStore
from tests.support.project import FIXTURES, ROOT

QUALITY = FIXTURES / "quality"
ID = "https://w3id.org/policykg/id/"
FIXTURES_USED = ("_base.ttl", "task-owner.fail.ttl", "document-type.fail.ttl", "conflicting-targets.fail.ttl",
                 "dangling-reference-violation.fail.ttl", "label.fail.ttl")


def _key(f: Finding) -> tuple[object, ...]:
    return (f.severity, f.rule, f.focus, f.path, f.value, f.message, f.message_vi)


def _keys(findings: Findings) -> list[tuple[object, ...]]:
    return sorted({_key(f) for f in findings.all()}, key=repr)


@lru_cache(maxsize=1)
def _rules() -> Rules:
    return load_rules(Settings(root=ROOT, store=None))


def _project(tmp_path: Path, *names: str) -> Settings:
    data = tmp_path / "data"
    data.mkdir(parents=True, exist_ok=True)
    text = "\n".join((QUALITY / n).read_text(encoding="utf-8") for n in ("_prefixes.ttl", *names))
    (data / "fixture.ttl").write_text(text, encoding="utf-8")
    return Settings(root=ROOT, data_dir=data, store=None)


def _union(store: PolicyStore) -> set[ox.Triple]:
    return {q.triple for q in store.raw.quads_for_pattern(None, None, None, ox.DefaultGraph())}


def _touched(before: set[ox.Triple], after: set[ox.Triple]) -> frozenset[str]:
    """What ``changes_since`` reports for a write: the IRIs of the changed triples' subjects and objects."""
    out = set()
    for t in before ^ after:
        for term in (t.subject, t.object):
            if isinstance(term, ox.NamedNode):
                out.add(term.value)
    return frozenset(out)


@pytest.fixture(scope="module")
def fixture_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PolicyStore, Settings]]:
    """One in-memory store of the fixtures for all examples (reloaded after an example that wrote)."""
    project = _project(tmp_path_factory.mktemp("findings"), *FIXTURES_USED)
    with PolicyStore.open() as store:
        store.load_project(project)
        yield store, project


# Small writes: predicates the shapes read, subjects and objects from the fixtures.
_NODES = [ID + p for p in (
    "doc/tu-tinh-a/2020/190-kh-tu", "doc/bo-chinh-tri/2019/52-nq-tw", "doc/ubnd-tinh-a/2020/3917-ubnd", "doc/tu-tinh-a/2020/190-kh-tu/target/digital-economy-share-grdp-2025",
    "doc/tu-tinh-a/2020/190-kh-tu/task-group/1", "doc/tu-tinh-a/2020/190-kh-tu/task-group/1/task/1",
    "agency/tinh-a/tinh-uy", "agency/vn/bo-chinh-tri", "area/tinh-a", "source/test-a", "document-type/kh",
    "status/draft", "status/issued", "indicator/digital-economy-share-grdp",
)]
_PREDICATES = [str(p) for p in (
    RDF.type, POL.hasTask, POL.hasTaskGroup, POL.documentType, POL.status, POL.jurisdiction, POL.implements,
    POL.issuedBy, POL.source, POL.leadAgency, POL.measures, SKOS.notation, RDFS.label,
)]
_CLASSES = [str(c) for c in (POL.Plan, POL.Task, POL.TaskGroup, POL.Agency, POL.Target, POL.SourceArticle)]

_writes = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete"]),
        st.sampled_from(_NODES),
        st.sampled_from(_PREDICATES),
        st.one_of(st.sampled_from(_NODES + _CLASSES), st.sampled_from(["190-KH/TU", "x", "Kế hoạch"])),
    ),
    min_size=1,
    max_size=4,
)


def _write(store: PolicyStore, op: str, s: str, p: str, o: str) -> None:
    obj = f"<{o}>" if o.startswith("http") else ox.Literal(o, language="vi" if p == str(RDFS.label) else None)
    graph = f"<{ID}graph/test-writes>"
    if op == "insert":
        store.update(f"INSERT DATA {{ GRAPH {graph} {{ <{s}> <{p}> {obj} }} }}")
    else:
        # A delete removes the triple from whichever source graph states it.
        store.update(f"DELETE WHERE {{ GRAPH ?g {{ <{s}> <{p}> {obj} }} }}")


@settings(max_examples=12, deadline=None)
@given(writes=_writes)
def test_incremental_findings_equal_full_findings(fixture_store: tuple[PolicyStore, Settings], writes: list) -> None:
    """After random small writes, findings updated from the touched IRIs equal a full validation."""
    store, project = fixture_store
    rules = _rules()
    maintained = Findings.full(store, rules)
    try:
        for op, s, p, o in writes:
            before = _union(store)
            _write(store, op, s, p, o)
            maintained.update(store, rules, _touched(before, _union(store)))
            assert _keys(maintained) == _keys(Findings.full(store, rules)), (op, s, p, o)
    finally:
        store.load_project(project, reload=True)  # back to the fixtures for the next example


def test_update_revalidates_only_what_the_write_touched(tmp_path: Path) -> None:
    """A finding about a node the write did not touch is kept as it was, not recomputed."""
    settings = _project(tmp_path, "_base.ttl", "label.fail.ttl", "source-article-title.fail.ttl")
    with PolicyStore.open() as store:
        store.load_project(settings)
        rules = _rules()
        maintained = Findings.full(store, rules)
        label = next(f for f in maintained.all() if f.rule == "label")
        title = next(f for f in maintained.all() if f.rule == "source-article-title")
        store.update(f'INSERT DATA {{ GRAPH <{ID}graph/w> {{ <{title.focus}> <{DCTERMS.title}> "B"@vi }} }}')
        before = copy.deepcopy(maintained)
        maintained.update(store, rules, frozenset({title.focus}))
        assert label in maintained.all() and any(f is label for f in maintained.all())  # the same object: kept
        assert not any(f.rule == "source-article-title" for f in maintained.all())
        assert len(maintained.all()) < len(before.all())


def test_findings_persist_at_their_stamp(tmp_path: Path) -> None:
    settings = _project(tmp_path, "_base.ttl", "label.fail.ttl")
    with PolicyStore.open() as store:
        store.load_project(settings)
        findings = Findings.full(store, _rules())
        path = tmp_path / "derived" / "quality.json"
        findings.save(path)
        again = Findings.load(path, store.stamp, store.current_generation())
        assert again is not None and _keys(again) == _keys(findings) and _keys(findings)
        assert Findings.load(path, "another-stamp", 0) is None


def test_validate_one_new_document(tmp_path: Path) -> None:
    """A new plan missing its type and issuer is reported, and nothing about the rest of the store."""
    settings = _project(tmp_path, "_base.ttl", "label.fail.ttl")
    new = tmp_path / "new.ttl"
    new.write_text(
        (QUALITY / "_prefixes.ttl").read_text(encoding="utf-8")
        + """
<doc/tu-tinh-a/2026/1-kh-tu> a pol:Plan ; rdfs:label "Kế hoạch 1-KH/TU"@vi ; skos:notation "1-KH/TU" ;
    pol:issueDate "2026-01-02"^^xsd:date ; pol:jurisdiction <area/tinh-a> ; pol:source <source/test-a> ;
    pol:implements <doc/bo-chinh-tri/2019/52-nq-tw> ; pol:status status:issued .
""",
        encoding="utf-8",
    )
    with PolicyStore.open() as store:
        store.load_project(settings)
        report = validate_document(store, _rules(), new)
        assert not report.conforms
        assert {f.focus for f in report.findings} == {ID + "doc/tu-tinh-a/2026/1-kh-tu"}
        assert {"document-type", "document-issuer"} <= {f.rule for f in report.findings}
        # The same file merged into the store gives the same findings about it.
        store.load_file(new, graph=ID + "graph/new")
        store.derive()
        full = Findings.full(store, _rules())
        about = {_key(f) for f in full.all() if f.focus == ID + "doc/tu-tinh-a/2026/1-kh-tu"}
        assert {_key(f) for f in report.findings} == about
