"""What the SPARQL layer needs from a store: the Backend protocol and the shapes of answers and datasets.

The store layer (``app.store.backends``) implements ``Backend`` over pyoxigraph or a remote engine;
the SPARQL machinery (workers, results, safety, protocol) only knows this interface.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeAlias

import pyoxigraph as ox

__all__ = ["Backend", "Dataset", "GraphAnswer", "QueryAnswer", "Term"]

Term: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True, slots=True)
class GraphAnswer:
    """The triples of a CONSTRUCT or DESCRIBE query answered by a remote engine."""

    triples: list[ox.Triple] = field(default_factory=list)

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self.triples)


QueryAnswer: TypeAlias = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | GraphAnswer


@dataclass(frozen=True, slots=True)
class Dataset:
    """An RDF dataset named by the protocol (default-graph-uri / named-graph-uri, or using-*)."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


class Backend(Protocol):
    """What ``PolicyStore`` and the SPARQL endpoint need from a store."""

    kind: Literal["memory", "disk", "remote"]

    def query(
        self,
        text: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        substitutions: Mapping[ox.Variable, Term] | None = None,
        base_iri: str | None = None,
        dataset: Dataset | None = None,
    ) -> QueryAnswer:
        """Run a SPARQL query; a protocol ``dataset`` replaces the query's own."""
        ...

    def update(self, text: str, *, base_iri: str | None = None, using: Dataset | None = None) -> None:
        """Run a SPARQL update; ``using`` is the protocol's using-graph-uri / using-named-graph-uri."""
        ...

    def load(self, data: bytes, fmt: ox.RdfFormat, graph: str | None) -> None:
        """Add RDF data; triples go to ``graph`` (None: the default graph), quads keep their graph."""
        ...

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad, the default graph's included."""
        ...

    def graph_quads(self, graph: str | None) -> Iterator[ox.Quad]:
        """The quads of one named graph (``graph`` None: of the default graph)."""
        ...

    def graphs_stating(self, triples: Sequence[ox.Triple]) -> list[frozenset[str]]:
        """For each triple, in order, the named graphs that hold it."""
        ...

    def named_graphs(self) -> list[str]:
        """IRIs of the named graphs."""
        ...

    def quad_count(self) -> int:
        """Number of quads."""
        ...

    def is_empty(self) -> bool:
        """True when there is no quad at all."""
        ...

    def clear(self) -> None:
        """Remove every quad and named graph."""
        ...

    def flush(self) -> None:
        """Make writes durable."""
        ...

    def close(self) -> None:
        """Release the store or the connection."""
        ...

    def for_worker(self) -> Backend:
        """The backend a forked worker process should use to answer read-only queries."""
        ...

    def prepare_workers(self, version: object, keep_seconds: float) -> None:
        """In the parent, before forking a worker: make what ``for_worker`` opens, for the data at ``version``.

        ``keep_seconds``: how long what older workers opened must stay readable (their last query).
        """
        ...
