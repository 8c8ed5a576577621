"""HermiT consistency checks (owlready2) on the real ontology with small fixtures.

tests/fixtures/quality/_base.ttl is the consistent baseline; reasoning/*.consistent.ttl add
constructs that must stay consistent, reasoning/*.inconsistent.ttl add one contradiction each.
"""

from __future__ import annotations

import shutil
from functools import lru_cache
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal
from rdflib.namespace import RDFS, XSD

from app.quality.reasoning import (
    ReasonerUnavailable,
    ReasoningResult,
    check_consistency,
    check_consistency_graph,
    explain_inconsistency,
    prepare_for_hermit,
)
from app.quality.validation import load_ontology
from tests.support.project import FIXTURES, ROOT

QUALITY = FIXTURES / "quality"
REASONING = QUALITY / "reasoning"

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")


@lru_cache(maxsize=1)
def ontology() -> rdflib.Graph:
    return load_ontology(ROOT / "ontology")


def fixture_text(*paths: Path) -> str:
    parts = [(QUALITY / "_prefixes.ttl").read_text(encoding="utf-8")]
    parts += [p.read_text(encoding="utf-8") for p in paths]
    return "\n".join(parts)


def fixture_graph(*paths: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(data=fixture_text(*paths), format="turtle")


def reason(*paths: Path) -> ReasoningResult:
    return check_consistency_graph(fixture_graph(QUALITY / "_base.ttl", *paths), ontology())


def test_ontology_alone_is_consistent_with_no_unsatisfiable_class() -> None:
    result = check_consistency_graph(rdflib.Graph(), ontology())
    assert result.consistent, result.message
    assert result.unsatisfiable == []
    assert result.reasoner == "HermiT"


def test_base_fixture_is_consistent() -> None:
    result = reason()
    assert result.consistent, result.message
    assert result.unsatisfiable == []
    assert result.individuals >= 30
    assert result.seconds > 0
    assert "gYear" in result.message and "date" in result.message  # the conversions are reported


@pytest.mark.parametrize("path", sorted(REASONING.glob("*.consistent.ttl")), ids=lambda p: p.stem)
def test_consistent_fixtures(path: Path) -> None:
    result = reason(path)
    assert result.consistent, result.message


@pytest.mark.parametrize("path", sorted(REASONING.glob("*.inconsistent.ttl")), ids=lambda p: p.stem)
def test_inconsistent_fixtures(path: Path) -> None:
    result = reason(path)
    assert not result.consistent
    assert "inconsistent" in result.message


def test_disjoint_plan_and_resolution_is_explained() -> None:
    result = reason(REASONING / "plan-and-resolution.inconsistent.ttl")
    assert not result.consistent
    assert any(
        "doc/tu-tinh-a/2020/190-kh-tu is both" in e and "pol:Plan" in e and "pol:Resolution" in e
        for e in result.explanations
    ), result.explanations


def test_task_as_issuer_is_explained() -> None:
    result = reason(REASONING / "task-as-issuer.inconsistent.ttl")
    assert not result.consistent
    assert any(
        "task/tham-muu" in e and "pol:Task" in e and "range pol:Agency" in e for e in result.explanations
    ), result.explanations


def test_ill_typed_literal_is_named() -> None:
    result = reason(REASONING / "ill-typed-year.inconsistent.ttl")
    assert "Ill-typed literals" in result.message and "năm 2025" in result.message


def test_explanation_is_empty_for_a_consistent_graph() -> None:
    g = fixture_graph(QUALITY / "_base.ttl")
    for t in ontology():
        g.add(t)
    assert explain_inconsistency(g) == []


def test_prepare_for_hermit_leaves_no_unsupported_datatype() -> None:
    g = fixture_graph(QUALITY / "_base.ttl")
    for t in ontology():
        g.add(t)
    prepared, counts, bad = prepare_for_hermit(g)
    assert counts["gYear"] > 0 and counts["date"] > 0 and counts["ranges"] >= 4 and bad == []
    for _s, p, o in prepared:
        assert not (isinstance(o, Literal) and o.datatype in (XSD.gYear, XSD.date))
        assert not (p == RDFS.range and o in (XSD.gYear, XSD.date))
    assert len(prepared) == len(g)
    assert (None, None, Literal("2020-08-12T00:00:00", datatype=XSD.dateTime)) in prepared
    assert (None, None, Literal(2025)) in prepared


def test_java_missing_raises_reasoner_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    import owlready2

    monkeypatch.setattr(owlready2, "JAVA_EXE", "/nonexistent/bin/java")
    with pytest.raises(ReasonerUnavailable, match="Java"):
        check_consistency_graph(rdflib.Graph(), ontology())


def test_check_consistency_on_a_store(tmp_path: Path) -> None:
    from app.core.config import Settings
    from app.store.policy_store import PolicyStore

    data = tmp_path / "data"
    data.mkdir()
    (data / "fixture.ttl").write_text(
        fixture_text(QUALITY / "_base.ttl", REASONING / "task-as-issuer.inconsistent.ttl"), encoding="utf-8"
    )
    settings = Settings(root=tmp_path, ontology_dir=ROOT / "ontology", data_dir=data)
    with PolicyStore.open() as store:
        store.load_project(settings)
        result = check_consistency(store, settings)
    assert not result.consistent
    assert result.to_json()["reasoner"] == "HermiT"
