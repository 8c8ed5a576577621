"""Incremental upkeep (app.store.upkeep via PolicyStore.update): after any sequence of updates, the
union default graph, the rules' graph and the kept triple count are what a full rebuild gives, and
the store's change log names every IRI whose triples changed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.config import Settings
from app.core.namespaces import DERIVED_GRAPH, ONTOLOGY_GRAPH, SERVICE_GRAPHS
from app.store.policy_store import PolicyStore
from app.store.upkeep import capture
from tests.support.project import ROOT

POL = "https://w3id.org/policykg/ontology#"
ID = "https://w3id.org/policykg/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SRC = "https://w3id.org/policykg/graph/source/"
GRAPHS = [SRC + "000_5cc84be3d7069e89", SRC + "002_8125fe66fe96e0f5", SRC + "new-a", SRC + "new-b"]
ROLES = [POL + "leadAgency", POL + "coordinatingAgency", POL + "advisingAgency"]


def _shipped() -> Settings:
    return Settings(root=ROOT, store=None)


def _fresh() -> PolicyStore:
    store = PolicyStore.from_settings(_shipped())
    store.load_project(_shipped())
    return store


def _terms(store: PolicyStore, query: str) -> list[str]:
    return sorted({row["x"].value for row in store.select(query) if isinstance(row["x"], ox.NamedNode)})


# The vocabulary updates draw from: real tasks, agencies and sources of the shipped data, and new ones.
_BASE = _fresh()
TASKS = [*_terms(_BASE, "SELECT ?x WHERE { ?x a pol:Task }")[:12], ID + "task/new-1", ID + "task/new-2"]
AGENCIES = [*_terms(_BASE, "SELECT ?x WHERE { ?x a pol:Agency }")[:10], ID + "agency/new"]
SOURCES = _terms(_BASE, "SELECT ?x WHERE { ?t pol:source ?x }")[:3]


def _snapshot(store: PolicyStore) -> tuple[frozenset[ox.Quad], frozenset[ox.Quad]]:
    raw = store.raw
    default = frozenset(raw.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    derived = frozenset(raw.quads_for_pattern(None, None, None, ox.NamedNode(DERIVED_GRAPH)))
    return default, derived


def _t(s: str, p: str, o: str | ox.Literal) -> str:
    obj = o if isinstance(o, ox.Literal) else ox.NamedNode(o)
    return f"{ox.NamedNode(s)} {ox.NamedNode(p)} {obj}"


# -- operations of SPARQL Update, each as its text --------------------------------------------

triple = st.one_of(
    st.builds(_t, st.sampled_from(TASKS), st.sampled_from(ROLES), st.sampled_from(AGENCIES)),
    st.builds(lambda t: _t(t, RDF_TYPE, POL + "Task"), st.sampled_from(TASKS)),
    st.builds(lambda a: _t(a, RDF_TYPE, POL + "Agency"), st.sampled_from(AGENCIES)),
    st.builds(lambda t, s: _t(t, POL + "source", s), st.sampled_from(TASKS), st.sampled_from(SOURCES)),
    st.builds(lambda t, n: _t(t, LABEL, ox.Literal(f"nhiệm vụ {n}", language="vi")), st.sampled_from(TASKS), st.integers(0, 2)),
)
graph = st.sampled_from(GRAPHS).map(lambda g: str(ox.NamedNode(g)))
block = st.lists(st.tuples(graph, triple), min_size=1, max_size=4).map(
    lambda items: " ".join(f"GRAPH {g} {{ {t} }}" for g, t in items)
)
task = st.sampled_from(TASKS).map(lambda t: str(ox.NamedNode(t)))
agency = st.sampled_from(AGENCIES).map(lambda a: str(ox.NamedNode(a)))
role = st.sampled_from(ROLES).map(lambda r: str(ox.NamedNode(r)))

operation = st.one_of(
    block.map(lambda b: f"INSERT DATA {{ {b} }}"),
    block.map(lambda b: f"DELETE DATA {{ {b} }}"),
    # Move a task's duties from one role to another, in whichever graph states them.
    st.builds(
        lambda t, r1, r2: f"DELETE {{ GRAPH ?g {{ {t} {r1} ?a }} }} INSERT {{ GRAPH ?g {{ {t} {r2} ?a }} }} "
        f"WHERE {{ GRAPH ?g {{ {t} {r1} ?a }} }}",
        task, role, role,
    ),
    # Prefixed names and a template without GRAPH under WITH.
    st.builds(
        lambda g, t, a: f"WITH {g} INSERT {{ {t} pol:leadAgency ?a . ?a a pol:Agency }} "
        f"WHERE {{ BIND({a} AS ?a) }}",
        graph, task, agency,
    ),
    st.builds(lambda a: f"DELETE WHERE {{ GRAPH ?g {{ {a} a <{POL}Agency> }} }}", agency),
    st.builds(lambda t: f"DELETE {{ GRAPH ?g {{ {t} ?p ?o }} }} WHERE {{ GRAPH ?g {{ {t} ?p ?o }} }}", task),
    graph.map(lambda g: f"CLEAR SILENT GRAPH {g}"),
    graph.map(lambda g: f"DROP SILENT GRAPH {g}"),
    st.builds(lambda k, a, b: f"{k} SILENT GRAPH {a} TO GRAPH {b}", st.sampled_from(["ADD", "COPY", "MOVE"]), graph, graph),
    # The rules read the roles of the ontology: changing them changes what is derived.
    role.map(lambda r: f"DELETE DATA {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?x }} }}".replace("?x", f"<{ID}role/lead> <{POL}roleProperty> {r}")),
    # Blank nodes of INSERT DATA are new nodes, the same in the union as in their graph.
    st.builds(lambda g, t: f"INSERT DATA {{ GRAPH {g} {{ {t} <{POL}hasTarget> _:b . _:b <{LABEL}> \"mục tiêu\" }} }}", graph, task),
)
# Oxigraph reads a prologue only at the start of a request, and a blank node label in one operation.
request = st.lists(operation, min_size=1, max_size=3).map(
    lambda ops: f"PREFIX pol: <{POL}>\n" + " ;\n".join(op.replace("_:b", f"_:b{i}") for i, op in enumerate(ops))
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(request, min_size=1, max_size=4))
def test_incremental_upkeep_equals_a_full_rebuild(requests: list[str]) -> None:
    store = _fresh()
    for text in requests:
        before = _snapshot(store)
        generation = store.current_generation()
        store.update(text)
        after = _snapshot(store)
        touched = store.changes_since(generation)
        # The change log names every subject and object of what entered or left the union.
        if touched is not None:
            changed = {t.value for q in before[0] ^ after[0] for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)}
            assert changed <= touched, text
        assert store.load_record().union_triples == store.triple_count(), text
    incremental = _snapshot(store)
    store.derive()
    assert _snapshot(store) == incremental
    # Nothing of the upkeep's bookkeeping outlives the update.
    assert not {g for g in store.backend.named_graphs() if g in SERVICE_GRAPHS[1:]}


@pytest.mark.parametrize(
    "text",
    [
        f"INSERT DATA {{ GRAPH <{SRC}x> {{ <urn:a> <urn:b> <urn:c> }} }}",
        f"DELETE DATA {{ GRAPH <{SRC}x> {{ <urn:a> <urn:b> <urn:c> }} }}",
        "DELETE { GRAPH ?g { ?s <urn:b> ?o } } WHERE { GRAPH ?g { ?s <urn:b> ?o } }",
        "DELETE WHERE { GRAPH ?g { ?s <urn:b> ?o } }",
        f"PREFIX x: <urn:> CLEAR GRAPH <{SRC}x> ; DROP SILENT GRAPH x:y ; COPY <{SRC}x> TO <{SRC}y>",
        "CREATE SILENT GRAPH <urn:g>",
    ],
)
def test_the_update_forms_curators_send_are_incremental(text: str) -> None:
    assert capture(text) is not None


@pytest.mark.parametrize("text", ["CLEAR ALL", "DROP NAMED", f"COPY DEFAULT TO <{SRC}x>", "PREFIX x: <urn:>"])
def test_other_forms_fall_back_to_a_full_rebuild(text: str) -> None:
    assert capture(text) is None
    store = _fresh()
    generation = store.current_generation()
    store.update(text)
    assert store.changes_since(generation) is None
    assert store.load_record().union_triples == store.triple_count()


def test_an_update_logs_what_it_touched_and_nothing_else() -> None:
    store = _fresh()
    generation = store.current_generation()
    task, agency = TASKS[0], ID + "agency/brand-new"
    store.update(
        f"INSERT DATA {{ GRAPH <{SRC}new-a> {{ <{agency}> a <{POL}Agency> . <{task}> <{POL}leadAgency> <{agency}> }} }}"
    )
    touched = store.changes_since(generation)
    assert touched is not None and {task, agency} <= touched
    # The rule derived the new participation, under the task's IRI, and the log says so.
    assert any(t.startswith(task + "/responsibility/lead/") for t in touched)
    assert store.ask(f"ASK {{ <{task}> pol:hasResponsibility ?r . ?r pol:agent <{agency}> }}")
    assert store.changes_since(store.current_generation()) == frozenset()


def test_a_reload_is_a_full_change() -> None:
    store = _fresh()
    generation = store.current_generation()
    store.load_project(_shipped(), reload=True)
    assert store.changes_since(generation) is None


def test_an_update_interrupted_before_its_derivation_is_re_derived_at_start(tmp_path: Path) -> None:
    settings_ = Settings(root=ROOT, store=str(tmp_path / "store"))
    task = TASKS[0]
    with PolicyStore.from_settings(settings_) as store:
        store.load_project(settings_)
        expected = None
        store.update(f"INSERT DATA {{ GRAPH <{SRC}new-a> {{ <{task}> <{POL}leadAgency> <{AGENCIES[0]}> }} }}")
        expected = _snapshot(store)
        # As if the process died after the user's request: the derivation is marked pending again
        # and what the rules derived for the task is gone.
        store.backend.update(
            f"INSERT DATA {{ GRAPH <{SERVICE_GRAPHS[0]}> {{ <{SERVICE_GRAPHS[0]}> <{POL}derivationPending> true }} }} ; "
            f"DELETE WHERE {{ GRAPH <{DERIVED_GRAPH}> {{ <{task}> ?p ?o }} }} ; "
            # and the scratch graph of what the update changed, which its last step drops
            f"INSERT DATA {{ GRAPH <{SERVICE_GRAPHS[2]}> {{ <{task}> <{POL}leadAgency> <{AGENCIES[0]}> }} }}"
        )
    with PolicyStore.from_settings(settings_) as store:
        assert store.condition(settings_).condition == "underived"
        store.load_project(settings_)
        assert _snapshot(store) == expected
        assert not store.load_record().pending
        assert not set(SERVICE_GRAPHS[1:]) & set(store.backend.named_graphs())


@pytest.fixture(autouse=True, scope="module")
def _close_base() -> Iterator[None]:
    yield
    _BASE.close()
