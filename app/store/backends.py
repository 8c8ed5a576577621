"""Where the triples live: the embedded pyoxigraph store (memory or disk) or a remote SPARQL 1.1 engine.

``PolicyStore`` and the ``/sparql`` endpoint talk to one ``Backend``; both implementations answer
queries with pyoxigraph result objects (a remote engine's answer is parsed into them), so callers
never care which one they hold. A backend raises the domain errors of ``app.errors`` and lets
pyoxigraph's own ``SyntaxError`` / ``OSError`` through only where ``PolicyStore`` already
translates them (loading and lazily iterated results).
"""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pyoxigraph as ox

from app.core.errors import QueryError, QuerySyntaxError, QueryTimeout, StoreError
from app.sparql.engine import Dataset, GraphAnswer, QueryAnswer, Term
from app.sparql.syntax import explain
from app.sparql.tokens import add_using
from app.sparql.values import batches, bind, term, values_rows
from app.store import virtuoso

if TYPE_CHECKING:
    import httpx

__all__ = ["EmbeddedBackend", "RemoteBackend", "remote_urls", "union_update"]

def union_update(*, rebuild: bool = False, graph: str | None = None, exclude: Iterable[str] = ()) -> str:
    """The SPARQL update that copies named-graph triples (of ``graph`` alone if given, none of
    ``exclude``) into the default graph.

    ``rebuild`` empties the default graph first, so what left the named graphs leaves it too.
    """
    source = term(graph) if graph is not None else "?g"
    skip = "".join(f" FILTER(?g != {term(name)})" for name in exclude) if graph is None else ""
    copy = f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH {source} {{ ?s ?p ?o }}{skip} }}"
    return f"CLEAR DEFAULT ; {copy}" if rebuild else copy

# Four terms a row: a smaller batch than the one-term lists of values.VALUES_BATCH.
_TRIPLES_BATCH = 256


def _nameable(triple: ox.Triple) -> bool:
    # Blank nodes (labels local to one answer) and quoted triples cannot be written into a query.
    return all(isinstance(t, ox.NamedNode | ox.Literal) for t in triple)


_ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
_QUAD_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
_ANY_QUAD = "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


class EmbeddedBackend:
    """A pyoxigraph store in this process: in memory, or RocksDB in a directory."""

    def __init__(self, store: ox.Store, path: Path | None = None, *, read_only: bool = False) -> None:
        self.store = store
        self.path = path
        self.read_only = read_only
        self.kind: Literal["memory", "disk", "remote"] = "memory" if path is None else "disk"
        # On disk: the checkpoint the workers open, and the version of the data it holds (``prepare_workers``).
        self._view: Path | None = None
        self._view_version: object = None

    def query(
        self,
        text: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        substitutions: Mapping[ox.Variable, Term] | None = None,
        base_iri: str | None = None,
        dataset: Dataset | None = None,
    ) -> QueryAnswer:
        """Run a query on the store (see ``Backend.query``)."""
        graphs: dict[str, object] = {}
        if dataset:
            # A dataset named by the protocol is exactly those graphs: no named graph means none.
            graphs["default_graph"] = [ox.NamedNode(g) for g in dataset.default_graphs]
            graphs["named_graphs"] = [ox.NamedNode(g) for g in dataset.named_graphs]
        try:
            return self.store.query(
                text,
                prefixes=dict(prefixes) if prefixes else None,
                substitutions=dict(substitutions) if substitutions else None,
                base_iri=base_iri,
                **graphs,  # type: ignore[arg-type]
            )
        except SyntaxError as exc:
            raise QuerySyntaxError(explain(text, str(exc), declared=prefixes or ())) from exc
        except (RuntimeError, ValueError, TypeError) as exc:
            raise QueryError(str(exc)) from exc
        except OSError as exc:
            raise StoreError(f"store error while querying: {exc}") from exc

    def update(self, text: str, *, base_iri: str | None = None, using: Dataset | None = None) -> None:
        """Run an update on the store; ``using`` is written into the update as USING clauses."""
        if using:
            text = add_using(text, using.default_graphs, using.named_graphs)
        try:
            self.store.update(text, base_iri=base_iri)
        except SyntaxError as exc:
            raise QuerySyntaxError(explain(text, str(exc))) from exc
        except (RuntimeError, ValueError, TypeError) as exc:
            raise QueryError(f"update failed: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"store error while updating: {exc}") from exc

    def load(self, data: bytes, fmt: ox.RdfFormat, graph: str | None) -> None:
        """Load ``data`` in one transaction, so a bad file never leaves half of itself behind."""
        self.store.load(input=data, format=fmt, to_graph=ox.NamedNode(graph) if graph is not None else None)

    def bulk_extend(self, quads: Iterable[ox.Quad]) -> None:
        """Write ``quads`` with Oxigraph's bulk loader: fast, and not a transaction (a first load's)."""
        self.store.bulk_extend(quads)

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad of the store."""
        return iter(self.store)

    def graph_quads(self, graph: str | None) -> Iterator[ox.Quad]:
        """The quads of one graph, read lazily from the store."""
        name = ox.NamedNode(graph) if graph is not None else ox.DefaultGraph()
        return self.store.quads_for_pattern(None, None, None, name)

    def graphs_stating(self, triples: Sequence[ox.Triple]) -> list[frozenset[str]]:
        """For each triple, the named graphs holding it (one index lookup each)."""
        return [
            frozenset(
                q.graph_name.value
                for q in self.store.quads_for_pattern(t.subject, t.predicate, t.object)
                if isinstance(q.graph_name, ox.NamedNode)
            )
            for t in triples
        ]

    def named_graphs(self) -> list[str]:
        """IRIs of the named graphs (blank-node graph names left out)."""
        return [g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode)]

    def quad_count(self) -> int:
        """Number of quads."""
        return len(self.store)

    def is_empty(self) -> bool:
        """True when the store holds no quad."""
        return next(iter(self.store.quads_for_pattern(None, None, None, None)), None) is None

    def clear(self) -> None:
        """Remove every quad and named graph."""
        self.store.clear()

    def flush(self) -> None:
        """Flush an on-disk store's writes."""
        if self.path is not None and not self.read_only:
            self.store.flush()

    def close(self) -> None:
        """Remove the workers' checkpoints; the store object itself the owner drops."""
        if self._views is not None and not self.read_only:
            shutil.rmtree(self._views, ignore_errors=True)

    @property
    def _views(self) -> Path | None:
        return None if self.path is None else self.path.with_name(self.path.name + ".derived") / "worker-views"

    def prepare_workers(self, version: object, keep_seconds: float) -> None:
        """On disk: unless the last one holds ``version``, a checkpoint of the store (hard links, tens
        of milliseconds) for the workers to open; the one before it is removed after ``keep_seconds``.

        A read-only open of a directory that this process goes on writing is undefined: RocksDB's
        flushes and compactions delete files under the reader (a worker then fails with "No such
        file or directory"). A checkpoint never changes, and its links keep the files it needs.
        """
        views = self._views
        if views is None or self.read_only or (self._view is not None and self._view_version == version):
            return
        if self._view is None:
            shutil.rmtree(views, ignore_errors=True)  # left by a process that did not close
        views.mkdir(parents=True, exist_ok=True)
        view = views / uuid.uuid4().hex
        try:
            self.store.backup(str(view))
        except OSError as exc:
            raise StoreError(f"cannot checkpoint {self.path} for the query workers: {exc}") from exc
        old, self._view, self._view_version = self._view, view, version
        if old is not None:
            timer = threading.Timer(keep_seconds, shutil.rmtree, args=(old,), kwargs={"ignore_errors": True})
            timer.daemon = True
            timer.start()

    def for_worker(self) -> EmbeddedBackend:
        """In memory: this store, copied by fork. On disk: a read-only open of the workers'
        checkpoint (``prepare_workers``), else of the store's own directory."""
        if self.path is None:
            return self
        where = self._view or self.path
        try:
            return EmbeddedBackend(ox.Store.read_only(str(where)), self.path, read_only=True)
        except OSError as exc:
            raise StoreError(f"cannot open {where} read-only for a query worker: {exc}") from exc


def remote_urls(query_url: str, update_url: str | None, graph_store_url: str | None) -> tuple[str, str, str | None]:
    """Fill in the update and Graph Store URLs an engine with ``…/query`` endpoints uses (Oxigraph).

    An empty ``graph_store_url`` means the engine has none: data is then loaded with INSERT DATA.
    """
    base = query_url.rstrip("/")
    stem = base[: -len("/query")] if base.endswith("/query") else None
    update = update_url or (f"{stem}/update" if stem is not None else query_url)
    store = graph_store_url if graph_store_url is not None else (f"{stem}/store" if stem is not None else None)
    return query_url, update, store or None


class RemoteBackend:
    """A SPARQL 1.1 engine reached over HTTP: the Protocol for queries and updates, the Graph Store
    Protocol (or INSERT DATA) to load data.

    Virtuoso is recognised by its ``Server`` header (one ``ASK {}`` before the first request) and
    spoken to through ``app.store.virtuoso``, which maps policykg's union default graph onto a named
    graph of it; any other engine gets the requests as written.
    """

    kind: Literal["memory", "disk", "remote"] = "remote"

    # Parsed here into pyoxigraph objects; N-Triples first because it needs no prefix resolution.
    _ACCEPT = (
        "application/sparql-results+json, application/sparql-results+xml;q=0.9, "
        "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"
    )

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        graph_store_url: str | None = None,
        *,
        timeout: float | None = 30.0,
        virtuoso: bool | None = None,
    ) -> None:
        self.query_url, self.update_url, self.graph_store_url = remote_urls(query_url, update_url, graph_store_url)
        # Virtuoso serves its Graph Store beside /sparql; an explicit URL (or "" for none) is kept.
        self._graph_store_default = graph_store_url is None and self.graph_store_url is None
        self.timeout = timeout
        self._client: httpx.Client | None = None
        self._virtuoso = virtuoso

    @property
    def virtuoso(self) -> bool:
        """True when the engine is Virtuoso (asked once, by the ``Server`` header of an ``ASK {}``)."""
        if self._virtuoso is None:
            response = self._post(self.query_url, data={"query": "ASK {}"}, headers={"Accept": self._ACCEPT})
            self._virtuoso = virtuoso.is_virtuoso(response.headers.get("server"))
            if self._virtuoso and self._graph_store_default and self.query_url.rstrip("/").endswith("/sparql"):
                self.graph_store_url = self.query_url.rstrip("/") + "-graph-crud"
        return self._virtuoso

    @property
    def client(self) -> httpx.Client:
        """The HTTP client, created on first use (so a forked worker opens its own connections)."""
        if self._client is None:
            import httpx  # only a remote store needs it: 0.2 s off every start

            self._client = httpx.Client(timeout=httpx.Timeout(self.timeout, connect=10.0), follow_redirects=False)
        return self._client

    def _post(
        self,
        url: str,
        *,
        data: Mapping[str, object] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        import httpx

        try:
            response = self.client.post(url, data=data, content=content, headers=headers, params=params)
        except httpx.TimeoutException as exc:
            raise QueryTimeout(f"the remote SPARQL endpoint did not answer within {self.timeout:g} s") from exc
        except httpx.HTTPError as exc:
            raise StoreError(f"cannot reach the remote SPARQL endpoint {url}: {exc}") from exc
        if response.status_code >= 400:
            message = " ".join(response.text.split())[:2000] or response.reason_phrase
            if response.status_code == 400:
                raise QuerySyntaxError(f"the remote endpoint refused the request: {message}")
            if response.status_code in (408, 503, 504):
                raise QueryTimeout(f"the remote endpoint gave up ({response.status_code}): {message}")
            raise StoreError(f"the remote endpoint answered {response.status_code}: {message}")
        return response

    @staticmethod
    def _prologue(text: str, prefixes: Mapping[str, str] | None, base_iri: str | None) -> str:
        # On one line so the engine's error positions still match the caller's text (line-wise).
        head = "".join(f"PREFIX {p}: {term(ns)} " for p, ns in (prefixes or {}).items())
        if base_iri:
            head = f"BASE {term(base_iri)} " + head
        return head + text

    def query(
        self,
        text: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        substitutions: Mapping[ox.Variable, Term] | None = None,
        base_iri: str | None = None,
        dataset: Dataset | None = None,
    ) -> QueryAnswer:
        """Send a query with the SPARQL 1.1 Protocol and parse the answer."""
        query = bind(self._prologue(text, prefixes, base_iri), substitutions, inline=self.virtuoso)
        accept = self._ACCEPT
        if self.virtuoso:
            query = virtuoso.translate_query(query, own_dataset=bool(dataset))
            accept = virtuoso.accept_for(query)
        form: dict[str, object] = {"query": query}
        if dataset:
            form["default-graph-uri"] = list(dataset.default_graphs)
            form["named-graph-uri"] = list(dataset.named_graphs)
        response = self._post(self.query_url, data=form, headers={"Accept": accept})
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            results_format = ox.QueryResultsFormat.from_media_type(media_type)
            if results_format is not None:
                content = virtuoso.readable_results(response.content) if self.virtuoso else response.content
                return ox.parse_query_results(content, results_format)
            rdf_format = ox.RdfFormat.from_media_type(media_type)
            if rdf_format is not None:
                return GraphAnswer([q.triple for q in ox.parse(response.content, rdf_format)])
        except (SyntaxError, ValueError) as exc:
            raise StoreError(f"the remote endpoint sent an unreadable {media_type} answer: {exc}") from exc
        raise StoreError(f"the remote endpoint answered with an unexpected media type {media_type!r}")

    def update(self, text: str, *, base_iri: str | None = None, using: Dataset | None = None) -> None:
        """Send an update with the SPARQL 1.1 Protocol."""
        if self.virtuoso:
            if using:
                text = add_using(text, using.default_graphs, using.named_graphs)
            text = virtuoso.translate_update(self._prologue(text, None, base_iri), self.named_graphs)
            self._post(self.update_url, data={"update": text})
            return
        form: dict[str, object] = {"update": self._prologue(text, None, base_iri)}
        if using:
            form["using-graph-uri"] = list(using.default_graphs)
            form["using-named-graph-uri"] = list(using.named_graphs)
        self._post(self.update_url, data=form)

    def load(self, data: bytes, fmt: ox.RdfFormat, graph: str | None) -> None:
        """Parse locally (errors keep their line and column), then send each graph's triples."""
        by_graph: dict[str | None, list[ox.Triple]] = {}
        for quad in ox.parse(data, fmt):
            name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else graph
            by_graph.setdefault(name, []).append(quad.triple)
        for name, triples in by_graph.items():
            self._send(name, triples)

    def _send(self, graph: str | None, triples: Sequence[ox.Triple]) -> None:
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        if graph is None and self.virtuoso:
            graph = virtuoso.UNION_GRAPH
        if self.graph_store_url is not None:
            params = {"graph": graph} if graph is not None else {"default": ""}
            self._post(
                self.graph_store_url, content=body, params=params,
                headers={"Content-Type": "application/n-triples"},
            )
            return
        # Without a Graph Store endpoint, INSERT DATA carries the same N-Triples (all terms serialised
        # by pyoxigraph, so no text of the data can escape its term).
        block = body.decode("utf-8")
        inner = f"GRAPH {term(graph)} {{ {block} }}" if graph is not None else block
        self.update(f"INSERT DATA {{ {inner} }}")

    def _rows(self, text: str) -> Iterable[ox.QuerySolution]:
        answer = self.query(text)
        if not isinstance(answer, ox.QuerySolutions):
            raise StoreError("the remote endpoint did not answer a SELECT query with solutions")
        return answer

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad, fetched with one SELECT."""
        for row in self._rows(_ALL_QUADS):
            graph = row["g"]
            yield ox.Quad(row["s"], row["p"], row["o"], graph if graph is not None else ox.DefaultGraph())

    def graph_quads(self, graph: str | None) -> Iterator[ox.Quad]:
        """The quads of one graph, fetched with one SELECT (its answer is read whole)."""
        name = ox.NamedNode(graph) if graph is not None else ox.DefaultGraph()
        pattern = f"GRAPH {term(graph)} {{ ?s ?p ?o }}" if graph is not None else "?s ?p ?o"
        for row in self._rows(f"SELECT ?s ?p ?o WHERE {{ {pattern} }}"):
            yield ox.Quad(row["s"], row["p"], row["o"], name)

    def graphs_stating(self, triples: Sequence[ox.Triple]) -> list[frozenset[str]]:
        """For each triple, the named graphs holding it: one SELECT per 256 triples, bound by VALUES.

        A triple with a blank node (the engine's labels are per answer) or a quoted triple cannot be
        named in a query, so it gets no graph.
        """
        found: list[set[str]] = [set() for _ in triples]
        named = [i for i, t in enumerate(triples) if _nameable(t)]
        for batch in batches(named, _TRIPLES_BATCH):
            rows = values_rows(("i", "s", "p", "o"), [(i, *triples[i]) for i in batch])
            text = f"SELECT ?i ?g WHERE {{ {rows} GRAPH ?g {{ ?s ?p ?o }} }}"
            for row in self._rows(text):
                found[int(row["i"].value)].add(row["g"].value)
        return [frozenset(graphs) for graphs in found]

    def named_graphs(self) -> list[str]:
        """IRIs of the graphs that hold at least one triple."""
        return [row["g"].value for row in self._rows(_GRAPHS) if isinstance(row["g"], ox.NamedNode)]

    def quad_count(self) -> int:
        """Number of quads."""
        rows = list(self._rows(_QUAD_COUNT))
        return int(rows[0]["n"].value) if rows and rows[0]["n"] is not None else 0

    def is_empty(self) -> bool:
        """True when the engine holds no quad."""
        return not bool(self.query(_ANY_QUAD))

    def clear(self) -> None:
        """Drop every graph."""
        self.update("DROP ALL")

    def flush(self) -> None:
        """The engine persists on its own."""

    def close(self) -> None:
        """Close the HTTP connections."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def prepare_workers(self, version: object, keep_seconds: float) -> None:
        """Nothing: a remote engine serves every worker itself."""

    def for_worker(self) -> RemoteBackend:
        """A backend with the same URLs and its own connections."""
        return RemoteBackend(
            self.query_url, self.update_url, self.graph_store_url, timeout=self.timeout, virtuoso=self._virtuoso
        )
