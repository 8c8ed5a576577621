"""``policykg restore FILE``: a dump put back is the dump (rdflib isomorphism, blank nodes and named
graphs included), a bad file changes nothing, and a restore replaces what the store held."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from app.cli.commands import app
from app.core.config import Settings
from app.store.policy_store import PolicyStore
from app.store.restore import restore
from tests.support.project import FIXTURE_TRIPLES, PROJECT, ROOT

runner = CliRunner()
SHIPPED = {"POLICYKG_ROOT": str(ROOT)}
_RDFLIB_FORMATS = {"trig": "trig", "nq": "nquads"}


def cli(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env=env or SHIPPED)


def dump(store: str, out: Path, fmt: str = "trig", env: dict[str, str] | None = None) -> Path:
    result = cli("--store", store, "dump", "--format", fmt, "--out", str(out), env=env)
    assert result.exit_code == 0, result.output
    return out


def as_graph(path: Path, fmt: str = "trig") -> rdflib.Graph:
    """The quads of a dump as one graph whose predicates also name the quad's graph: isomorphism of
    two of these is isomorphism of the datasets, with a blank node shared across graphs kept one."""
    dataset = rdflib.Dataset()
    dataset.parse(path, format=_RDFLIB_FORMATS[fmt])
    graph = rdflib.Graph()
    for s, p, o, g in dataset.quads((None, None, None, None)):
        name = getattr(g, "identifier", g)
        graph.add((s, rdflib.URIRef(f"{p}#in-graph={name}"), o))
    return graph


def shipped_with_an_update(store: str) -> Settings:
    """Load the shipped project into ``store`` and add a triple (with a blank node) no dump of it has."""
    settings = Settings(root=ROOT, store=store)
    with PolicyStore.from_settings(settings) as opened:
        opened.load_project(settings)
        opened.update("INSERT DATA { GRAPH <https://example.org/g> { [] <https://example.org/p> 1 } }")
    return settings


def blank_node_triples(graph: rdflib.Graph) -> int:
    return sum(1 for s, _, o in graph if isinstance(s, rdflib.BNode) or isinstance(o, rdflib.BNode))


@pytest.mark.parametrize("fmt", ["trig", "nq"])
def test_a_dump_restored_into_a_fresh_store_dumps_the_same(tmp_path: Path, fmt: str) -> None:
    first = dump(str(tmp_path / "a"), tmp_path / f"first.{fmt}", fmt)
    result = cli("--store", str(tmp_path / "b"), "restore", str(first))
    assert result.exit_code == 0, result.output
    second = dump(str(tmp_path / "b"), tmp_path / f"second.{fmt}", fmt)
    before, after = as_graph(first, fmt), as_graph(second, fmt)
    assert blank_node_triples(before) > 0  # the shipped ontology has blank nodes: the hard part is tested
    assert len(after) == len(before)
    assert isomorphic(before, after)


def test_a_restore_over_a_store_with_other_data_replaces_it(tmp_path: Path) -> None:
    """No blank-node triple twice, nothing of the store's earlier content (an update included) left."""
    first = dump(str(tmp_path / "a"), tmp_path / "first.trig")
    shipped_with_an_update(str(tmp_path / "b"))
    assert cli("--store", str(tmp_path / "b"), "restore", str(first)).exit_code == 0
    assert isomorphic(as_graph(dump(str(tmp_path / "b"), tmp_path / "second.trig")), as_graph(first))
    # Restoring the store's own dump over it changes nothing either.
    assert cli("--store", str(tmp_path / "b"), "restore", str(first)).exit_code == 0
    assert isomorphic(as_graph(dump(str(tmp_path / "b"), tmp_path / "third.trig")), as_graph(first))


def test_a_corrupted_dump_is_refused_with_its_position_and_changes_nothing(tmp_path: Path) -> None:
    store = str(tmp_path / "b")
    before = dump(store, tmp_path / "before.trig").read_bytes()
    lines = before.decode("utf-8").splitlines(keepends=True)
    middle = len(lines) // 2
    lines.insert(middle, '  <https://example.org/s> <https://example.org/p> "unterminated .\n')
    corrupted = tmp_path / "corrupted.trig"
    corrupted.write_text("".join(lines), encoding="utf-8")
    result = cli("--store", store, "restore", str(corrupted))
    assert result.exit_code == 2
    assert f"corrupted.trig:{middle + 1}:" in result.stderr and "Traceback" not in result.output
    assert dump(store, tmp_path / "after.trig").read_bytes() == before


def test_a_restored_store_is_kept_by_the_next_start(tmp_path: Path) -> None:
    """The store records that it was restored: a start with other project files does not rebuild it."""
    shipped = dump(str(tmp_path / "a"), tmp_path / "shipped.trig")
    assert cli("--store", str(tmp_path / "b"), "restore", str(shipped)).exit_code == 0
    settings = Settings(root=PROJECT, store=str(tmp_path / "b"))
    with PolicyStore.from_settings(settings) as store:
        assert store.load_project(settings) is False
        assert store.load_record().source == "restore"
        assert store.triple_count() > FIXTURE_TRIPLES * 10


def test_restore_needs_a_persistent_store(tmp_path: Path) -> None:
    shipped = dump(str(tmp_path / "a"), tmp_path / "shipped.trig")
    result = cli("restore", str(shipped))
    assert result.exit_code == 2 and "--store" in result.stderr


def test_an_interrupted_swap_is_finished_when_decided_and_dropped_when_not(tmp_path: Path) -> None:
    target = tmp_path / "store"
    fixture = Settings(root=PROJECT, store=str(target))
    with PolicyStore.from_settings(fixture) as store:
        store.load_project(fixture)
    # A crash while the replacement was being built: the old store stays, the partial one goes.
    built = tmp_path / "store.restore-partial"
    with PolicyStore.open(built) as partial:
        partial.raw.update("INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/a> <https://example.org/p> 1 } }")
    with PolicyStore.open(target) as store:
        assert store.triple_count() == FIXTURE_TRIPLES
    assert not built.exists()
    # A crash after the replacement was built and flushed: the next open swaps it in.
    shipped = Settings(root=ROOT, store=str(tmp_path / "shipped"))
    with PolicyStore.from_settings(shipped) as store:
        store.load_project(shipped)
        count = store.triple_count()
    (tmp_path / "shipped").rename(tmp_path / "store.restore-ready")
    with PolicyStore.open(target) as store:
        assert store.triple_count() == count
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_a_remote_engine_is_restored_in_one_request(tmp_path: Path, fresh_remote_url: str) -> None:
    first = dump(str(tmp_path / "a"), tmp_path / "first.trig")
    settings = shipped_with_an_update(fresh_remote_url)
    restore(settings, first)
    assert isomorphic(as_graph(dump(fresh_remote_url, tmp_path / "second.trig")), as_graph(first))
    with PolicyStore.from_settings(settings) as store:
        assert store.load_project(settings) is False  # kept by the next start
        assert store.load_record().source == "restore"
