"""Derived state persisted beside an on-disk store: a restart reads it back instead of recomputing,
only at the stamp it was saved at, and a damaged or planted file is a miss (app.store.derived)."""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from app.core.config import Settings
from app.domain.names import resolve_document
from app.domain.stats import compute_stats
from app.search.index import SearchIndex
from app.store.derived import FORMAT, load_derived, save_derived
from app.store.policy_store import PolicyStore
from tests.support.project import PROJECT
from tests.support.search_index import answers

_NEW_TASK = """
PREFIX pol: <https://w3id.org/policykg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT DATA { GRAPH <https://w3id.org/policykg/graph/source/extra> {
  <https://w3id.org/policykg/id/doc/extra/task/1> a pol:Task ; rdfs:label "Nhiệm vụ kinh tế biển xanh"@vi .
} }"""


@pytest.fixture
def disk_settings(tmp_path: Path) -> Settings:
    """The fixture project on an on-disk store (not the default in-memory one)."""
    return Settings(root=PROJECT, store=str(tmp_path / "store"))


def _opened(settings: Settings) -> PolicyStore:
    store = PolicyStore.from_settings(settings)
    store.load_project(settings)
    return store


@pytest.fixture
def restarted(disk_settings: Settings) -> Iterator[tuple[SearchIndex, PolicyStore]]:
    """An index built on a first run of the store (and saved), and the store opened again."""
    first = _opened(disk_settings)
    built = SearchIndex.load_or_build(first)
    first.sizes()
    compute_stats(first)
    first.close()
    store = _opened(disk_settings)
    yield built, store
    store.close()


def test_a_restart_reads_the_index_back_instead_of_building_it(
    restarted: tuple[SearchIndex, PolicyStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second start finds the index saved at the store's stamp: the same answers, the store not read."""
    built, store = restarted

    def no_build(*_: object, **__: object) -> SearchIndex:
        raise AssertionError("the index was built again")

    monkeypatch.setattr(SearchIndex, "build", no_build)
    loaded = SearchIndex.load_or_build(store)
    assert loaded.stamp == store.stamp
    assert answers(loaded) == answers(built)


def test_after_an_update_the_saved_index_is_not_trusted(restarted: tuple[SearchIndex, PolicyStore]) -> None:
    """An update changes the stamp: the index saved before it is stale and the next start builds anew."""
    _, store = restarted
    store.update(_NEW_TASK)
    loaded = SearchIndex.load_or_build(store)
    assert "https://w3id.org/policykg/id/doc/extra/task/1" in loaded.task_records


def test_counts_are_not_recounted_after_a_restart(
    restarted: tuple[SearchIndex, PolicyStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """/health's and /api/stats' counts come back from disk at the same stamp; after an update the
    union's size is the one the update kept (``load_record``), still not counted."""
    _, store = restarted
    counted = []
    real = PolicyStore.triple_count

    def counting(self: PolicyStore) -> int:
        counted.append(1)
        return real(self)

    monkeypatch.setattr(PolicyStore, "triple_count", counting)
    before = store.sizes()
    assert compute_stats(store).triples == before.triples
    assert counted == []
    store.update(_NEW_TASK)
    assert store.sizes().triples == before.triples + 2 == real(store)
    assert counted == []


def test_the_number_table_survives_a_restart(disk_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Resolving a number after a restart reads the saved table, not every notation of the store."""
    first = _opened(disk_settings)
    expected = resolve_document(first, "190-KH/TU", "Tỉnh ủy Quảng Trị")
    first.close()
    store = _opened(disk_settings)
    try:
        import app.domain.lineage as lineage

        monkeypatch.setattr(lineage, "number_table", lambda *_: (_ for _ in ()).throw(AssertionError("table read again")))
        assert resolve_document(store, "190-KH/TU", "Tỉnh ủy Quảng Trị") == expected
    finally:
        store.close()


class _Planted:
    """A pickle that would create a directory when loaded by a plain unpickler."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.target),))


def test_a_planted_or_damaged_file_is_a_miss(tmp_path: Path) -> None:
    """Only the exact stamp reads; a file naming a function, or garbage, is ignored and runs nothing."""
    assert save_derived(tmp_path, "thing", "s1", {"a": [1, 2]})
    assert load_derived(tmp_path, "thing", "s1") == {"a": [1, 2]}
    assert load_derived(tmp_path, "thing", "s2") is None
    assert load_derived(None, "thing", "s1") is None
    target = tmp_path / "pwned"
    (tmp_path / "thing.pickle").write_bytes(pickle.dumps((FORMAT, "s1", _Planted(target))))
    assert load_derived(tmp_path, "thing", "s1") is None
    assert not target.exists()
    (tmp_path / "thing.pickle").write_bytes(b"\x80\x05garbage")
    assert load_derived(tmp_path, "thing", "s1") is None
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_restart_hashes_the_project_files_only_when_they_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 1 M quads hashing the files costs 0.4 s of every restart: a restart whose files kept their
    size and mtime reads the fingerprint saved beside the store; an edited file is hashed and seen."""
    import shutil

    from app.store import policy_store
    from app.store.load_record import Condition

    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    old = 1_600_000_000_000_000_000  # files older than the racy window, as a checkout a day old is
    for path in project.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(old, old))
    settings = Settings(root=project, store=str(tmp_path / "store"))
    first = _opened(settings)
    SearchIndex.load_or_build(first)  # as a server's start does: derived state is kept beside the store
    first.close()
    _opened(settings).close()  # the start after that saves the files' fingerprint with their stats

    hashed: list[int] = []
    real = policy_store.fingerprint

    def counting(files: Iterable[tuple[str, Path]]) -> str:
        files = list(files)
        if any(name.startswith("data/") for name, _ in files):  # not the rules' own fingerprint
            hashed.append(len(files))
        return real(files)

    monkeypatch.setattr(policy_store, "fingerprint", counting)
    with PolicyStore.from_settings(settings) as store:
        assert store.condition(settings).condition is Condition.complete
    assert hashed == []

    data = next((project / "data").rglob("*.trig"))
    data.write_text(data.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    with PolicyStore.from_settings(settings) as store:
        assert store.condition(settings).condition is Condition.outdated
    assert len(hashed) == 1
