"""Incremental upkeep of the search index and the number table: after any sequence of small writes,
the maintained state answers exactly as one built afresh from the store (app.search.index,
app.domain.lineage)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.errors import UnknownDocument
from app.domain.lineage import NumberTable, number_table, refreshed_numbers
from app.domain.names import resolve_document
from app.search.index import SearchIndex
from app.store.policy_store import PolicyStore
from tests.support.search_index import answers

POL = "https://w3id.org/policykg/ontology#"
ID = "https://w3id.org/policykg/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
GRAPHS = ("https://w3id.org/policykg/graph/source/one", "https://w3id.org/policykg/graph/source/two")

TASKS = [f"{ID}doc/d1/task/{n}" for n in (1, 2, 3)] + [f"{ID}doc/d2/task-group/1/task/1"]
GROUPS = [f"{ID}doc/d1/task-group/1", f"{ID}doc/d2/task-group/1"]
MEETINGS = [f"{ID}meeting/m1"]
DOCUMENTS = [f"{ID}doc/d1", f"{ID}doc/d2", f"{ID}doc/d3"]
AGENCIES = [f"{ID}agency/a/{name}" for name in ("so-khcn", "ubnd", "tinh-uy")]
INDICATORS = [f"{ID}indicator/digital-economy"]
SOURCES = [f"{ID}source/s1"]

# The frame every state starts from: the role vocabulary and the document classes, which the
# index reads everything through (a change to them rebuilds in full, tested separately).
BASE = f"""
<{ID}role/lead> <{POL}roleProperty> <{POL}leadAgency> ; <{SKOS}notation> "lead" .
<{ID}role/coord> <{POL}roleProperty> <{POL}coordinatingAgency> ; <{SKOS}notation> "coordinate" .
<{POL}Plan> <{RDFS}subClassOf> <{POL}PolicyDocument> .
"""


def _literal(text: str, lang: str | None = None) -> ox.Literal:
    return ox.Literal(text, language=lang) if lang else ox.Literal(text)


def _pool() -> list[ox.Triple]:
    """Every triple a random write may add or remove: labels, notations, role links, structure, types."""
    n = ox.NamedNode
    out: list[ox.Triple] = []

    def add(s: str, p: str, o: ox.NamedNode | ox.Literal) -> None:
        out.append(ox.Triple(n(s), n(p), o))

    for kind, iris in (
        ("Task", TASKS),
        ("TaskGroup", GROUPS),
        ("Meeting", MEETINGS),
        ("Plan", DOCUMENTS),
        ("Agency", AGENCIES),
        ("Indicator", INDICATORS),
        ("SourceArticle", SOURCES),
    ):
        for iri in iris:
            add(iri, RDF_TYPE, n(POL + kind))
    words = ["đổi mới sáng tạo", "chuyển đổi số", "khoa học công nghệ", "kinh tế số"]
    for i, task in enumerate(TASKS):
        add(task, RDFS + "label", _literal(f"Nhiệm vụ {words[i % len(words)]}", "vi"))
        add(task, RDFS + "label", _literal(f"Task on digital {i}", "en"))
        add(task, POL + "concerns", n(DOCUMENTS[i % len(DOCUMENTS)]))
        add(task, POL + "source", n(SOURCES[0]))
        add(task, POL + "assignedAt", n(MEETINGS[0]))
        for agency in AGENCIES[:2]:
            add(task, POL + "leadAgency", n(agency))
            add(task, POL + "coordinatingAgency", n(agency))
    for holder in [*GROUPS, *DOCUMENTS[:2], *MEETINGS]:
        for task in TASKS[::2]:
            add(holder, POL + "hasTask", n(task))
    for group in GROUPS:
        add(group, RDFS + "label", _literal("Nhóm nhiệm vụ chuyển đổi số", "vi"))
        add(group, POL + "ordinal", ox.Literal("1", datatype=n("http://www.w3.org/2001/XMLSchema#integer")))
    for doc, number in zip(DOCUMENTS, ("190-KH/TU", "47/KH-UBND", "190-KH/TU"), strict=True):
        add(doc, SKOS + "notation", _literal(number))
        add(doc, RDFS + "label", _literal(f"Kế hoạch {number} về chuyển đổi số", "vi"))
        add(doc, POL + "title", _literal("Chương trình kinh tế số", "vi"))
        add(doc, POL + "issuedBy", n(AGENCIES[2]))
        add(doc, POL + "draftedBy", n(AGENCIES[0]))
        add(doc, POL + "hasTaskGroup", n(GROUPS[0]))
        add(doc, POL + "issueDate", ox.Literal("2020-08-12", datatype=n("http://www.w3.org/2001/XMLSchema#date")))
    add(DOCUMENTS[2], SKOS + "notation", _literal("52-NQ/TW"))
    add(MEETINGS[0], RDFS + "label", _literal("Hội nghị Tỉnh ủy về kinh tế số", "vi"))
    add(MEETINGS[0], POL + "discusses", n(DOCUMENTS[1]))
    for agency, name in zip(AGENCIES, ("Sở Khoa học và Công nghệ", "UBND tỉnh", "Tỉnh ủy"), strict=True):
        add(agency, RDFS + "label", _literal(name, "vi"))
        add(agency, RDFS + "label", _literal(f"{name} (en)", "en"))
        add(agency, SKOS + "altLabel", _literal("Sở KH&CN"))
        add(agency, POL + "statedAs", _literal("Sở Khoa học và Công nghiệp"))
    add(INDICATORS[0], RDFS + "label", _literal("Tỷ trọng kinh tế số", "vi"))
    add(INDICATORS[0], SKOS + "altLabel", _literal("kinh tế số"))
    add(INDICATORS[0], SKOS + "definition", _literal("Phần kinh tế số trong GRDP"))
    add(SOURCES[0], DCTERMS + "title", _literal("Bài báo về chuyển đổi số", "vi"))
    return out


POOL = _pool()

# One write: insert or delete one triple of the pool in one of two named graphs.
writes = st.lists(st.tuples(st.booleans(), st.sampled_from(range(len(POOL))), st.sampled_from(GRAPHS)), max_size=12)


def _write(store: PolicyStore, insert: bool, triple: ox.Triple, graph: str) -> frozenset[str]:
    """Run the write through SPARQL Update; the IRIs it touched (subjects and objects), as the store logs them."""
    verb = "INSERT" if insert else "DELETE"
    store.update(f"{verb} DATA {{ GRAPH <{graph}> {{ {triple.subject} {triple.predicate} {triple.object} }} }}")
    return frozenset(term.value for term in (triple.subject, triple.object) if isinstance(term, ox.NamedNode))


def _answers(index: SearchIndex) -> dict[str, Any]:
    return answers(index, AGENCIES)


def _numbers(table: NumberTable) -> dict[str, list[str]]:
    return {key: sorted(iris) for key, iris in table.by_number.items()}


@pytest.fixture
def fresh_store() -> Iterator[PolicyStore]:
    """An in-memory store holding the base frame and half of the pool, without a project's rules."""
    with PolicyStore.open() as store:
        half = " ".join(f"{t.subject} {t.predicate} {t.object} ." for t in POOL[::2])
        store.update(f"INSERT DATA {{ GRAPH <{GRAPHS[0]}> {{ {BASE} {half} }} }}")
        yield store


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=writes)
def test_incremental_upkeep_answers_as_a_fresh_build(fresh_store: PolicyStore, steps: list[tuple[bool, int, str]]) -> None:
    """After random inserts and deletes, the index and number table updated from the touched IRIs only
    hold the same records and find the same entries, with the same payloads, as fresh ones."""
    store = fresh_store
    index = SearchIndex.build(store)
    table = number_table(store, store.current_generation(), store.stamp, frozenset())
    table = refreshed_numbers(store, table)  # the classes as read, so the next steps go incrementally
    try:
        for insert, which, graph in steps:
            touched = _write(store, insert, POOL[which], graph)
            updated = index.refreshed(store, touched)
            # The update is a new index: a request still holding the old one is not changed under it.
            assert updated is not index or not touched
            index = updated
            table = refreshed_numbers(store, table, sorted(touched))
            assert _answers(index) == _answers(SearchIndex.build(store))
            whole = number_table(store, store.current_generation(), store.stamp, table.classes)
            assert _numbers(table) == _numbers(whole)
    finally:
        # Undo this example's writes for the next one (the fixture is made once per test).
        store.update(f"DROP SILENT GRAPH <{GRAPHS[1]}>")
        store.update(f"CLEAR GRAPH <{GRAPHS[0]}>")
        half = " ".join(f"{t.subject} {t.predicate} {t.object} ." for t in POOL[::2])
        store.update(f"INSERT DATA {{ GRAPH <{GRAPHS[0]}> {{ {BASE} {half} }} }}")


def test_an_agency_renamed_reindexes_the_tasks_that_carry_its_name(fresh_store: PolicyStore) -> None:
    """The tasks' entries hold their agencies' names: renaming the agency alone finds its tasks by the new name."""
    store = fresh_store
    store.update(
        f"INSERT DATA {{ GRAPH <{GRAPHS[0]}> {{ <{TASKS[0]}> a <{POL}Task> ; <{RDFS}label> \"Nhiệm vụ\"@vi ; "
        f"<{POL}leadAgency> <{AGENCIES[0]}> }} }}"
    )
    index = SearchIndex.build(store)
    question = index.prepare("Quỹ Bảo lãnh Tín dụng")
    assert TASKS[0] not in {hit.iri for hit in index.tasks.search(question, 50)}
    touched = _write(store, True, ox.Triple(ox.NamedNode(AGENCIES[0]), ox.NamedNode(RDFS + "label"), _literal("Quỹ Bảo lãnh Tín dụng", "vi")), GRAPHS[0])
    index = index.refreshed(store, touched)
    assert TASKS[0] in {hit.iri for hit in index.tasks.search(question, 50)}


def test_without_a_change_log_the_index_is_built_again(fresh_store: PolicyStore) -> None:
    """When the store cannot say what a write touched (``changes_since`` is None), the whole index is rebuilt."""
    store = fresh_store
    index = SearchIndex.build(store)
    assert index.refreshed(store) is index  # nothing written: the same index
    task = ox.Triple(ox.NamedNode(TASKS[1]), ox.NamedNode(RDF_TYPE), ox.NamedNode(POL + "Task"))
    _write(store, True, task, GRAPHS[0])
    _write(store, True, ox.Triple(task.subject, ox.NamedNode(RDFS + "label"), _literal("Nhiệm vụ kinh tế biển", "vi")), GRAPHS[0])
    log = store.changes_since(index.generation)
    updated = index.refreshed(store)
    assert updated.generation == store.current_generation()
    assert _answers(updated) == _answers(SearchIndex.build(store))
    assert TASKS[1] in {hit.iri for hit in updated.tasks.search(updated.prepare("kinh tế biển"), 10)}
    if log is None:
        # Not to be confused with the incremental path: a fresh build has no shared tantivy index.
        assert updated.tasks._index is not index.tasks._index


def test_a_changed_basis_rebuilds_in_full(fresh_store: PolicyStore) -> None:
    """A new document class changes what counts as a document everywhere: the update then reads everything."""
    store = fresh_store
    index = SearchIndex.build(store)
    doc = f"{ID}doc/letter/1"
    store.update(
        f"INSERT DATA {{ GRAPH <{GRAPHS[0]}> {{ <{doc}> a <{POL}Letter> ; <{SKOS}notation> \"3917/UBND\" . }} }}"
    )
    index = index.refreshed(store, {doc, POL + "Letter"})
    assert doc not in index.documents
    touched = _write(store, True, ox.Triple(ox.NamedNode(POL + "Letter"), ox.NamedNode(RDFS + "subClassOf"), ox.NamedNode(POL + "PolicyDocument")), GRAPHS[0])
    index = index.refreshed(store, touched)
    assert doc in index.documents
    assert _answers(index) == _answers(SearchIndex.build(store))


def test_lineage_answers_cached_on_the_index_follow_an_update(fresh_store: PolicyStore) -> None:
    """A chain remembered for a document is dropped when a write touches it, kept otherwise."""
    store = fresh_store
    index = SearchIndex.build(store)
    index.remember("lineage", DOCUMENTS[0], [])
    index.remember("lineage", DOCUMENTS[1], [])
    touched = _write(store, True, ox.Triple(ox.NamedNode(DOCUMENTS[0]), ox.NamedNode(POL + "implements"), ox.NamedNode(DOCUMENTS[2])), GRAPHS[0])
    index = index.refreshed(store, touched)
    assert index.cached_value("lineage", DOCUMENTS[0]) is None
    assert index.cached_value("lineage", DOCUMENTS[1]) == []


def test_a_number_added_by_an_update_resolves(fresh_store: PolicyStore) -> None:
    """The number table follows writes: a document given a new number resolves by it at once."""
    store = fresh_store
    with pytest.raises(UnknownDocument):
        resolve_document(store, "99/KH-UBND")
    store.update(f'INSERT DATA {{ GRAPH <{GRAPHS[0]}> {{ <{DOCUMENTS[1]}> <{SKOS}notation> "99/KH-UBND" }} }}')
    assert resolve_document(store, "99/KH-UBND") == DOCUMENTS[1]


def test_a_holder_typed_as_a_task_group_moves_its_tasks_under_it(fresh_store: PolicyStore) -> None:
    """Typing a holder a task group touches only the holder, yet changes what each of its tasks hangs under."""
    store = fresh_store
    group, task = f"{ID}doc/d9/task-group/1", f"{ID}doc/d9/task-group/1/task/1"
    store.update(f"INSERT DATA {{ GRAPH <{GRAPHS[0]}> {{ <{group}> <{POL}hasTask> <{task}> . <{task}> a <{POL}Task> }} }}")
    index = SearchIndex.build(store)
    assert index.task_records[task].holder == group
    touched = _write(store, True, ox.Triple(ox.NamedNode(group), ox.NamedNode(RDF_TYPE), ox.NamedNode(POL + "TaskGroup")), GRAPHS[0])
    index = index.refreshed(store, touched)
    assert (index.task_records[task].holder, index.task_records[task].group) == (None, group)
    assert _answers(index) == _answers(SearchIndex.build(store))
