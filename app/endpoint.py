"""The public SPARQL endpoint as a service: check, run and serialise queries and updates.

Queries run in killable worker processes (``app.worker``) with the safety check (``app.safety``)
and the serialisation (``app.results``, in pyoxigraph's writers) inside the worker too: only the
finished bytes cross the pipe, and parsing a huge or pathological query is bounded by the same
time limit as running it. Updates need the configured bearer token,
write named graphs only (the default graph is their union, rebuilt after each update with the
derived graph) and run in this process, on the store the rest of the API reads; workers are
then recycled.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

import pyoxigraph as ox

from app.backends import Backend, Dataset, QueryAnswer
from app.config import Settings
from app.errors import NotAcceptable, UpdateForbidden
from app.protocol import (
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    ResultFormat,
    SparqlRequest,
    negotiate,
)
from app.results import Serialized, serialize_answer, serialize_graph
from app.safety import AllowList, check, check_update, dataset_references, references
from app.store import PolicyStore
from app.worker import WorkerPool

__all__ = ["QueryJob", "SparqlEndpoint", "answer_query"]

_SD = "http://www.w3.org/ns/sparql-service-description#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_VOID_TRIPLES = ox.NamedNode("http://rdfs.org/ns/void#triples")
_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


@dataclass(frozen=True, slots=True)
class QueryJob:
    """A query as sent to a worker process (picklable)."""

    text: str
    dataset: Dataset
    base_iri: str
    accept: str | None
    formats: tuple[str, ...]
    max_results: int
    allowed: AllowList


def answer_query(backend: Backend, job: QueryJob) -> Serialized:
    """Check a query against the allow-list, run it and serialise the answer (in a worker)."""
    found = dataset_references(job.dataset, update=False)
    found += references(job.text, update=False, base_iri=job.base_iri)
    check(found, job.allowed, lambda: set(backend.named_graphs()))

    def run() -> QueryAnswer:
        return backend.query(job.text, base_iri=job.base_iri, dataset=job.dataset or None)

    return serialize_answer(run, job.accept, job.formats, job.max_results)


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(_SD + name)


class SparqlEndpoint:
    """The SPARQL 1.1 Protocol service over a ``PolicyStore`` (embedded or remote)."""

    def __init__(self, store: PolicyStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.allowed = AllowList.of(settings.allowed_remote)
        self._pool: WorkerPool[QueryJob, Serialized] = WorkerPool(
            store.backend.for_worker, answer_query, settings.query_workers
        )

    def close(self) -> None:
        """Stop the worker processes."""
        self._pool.close()

    def worker_pids(self) -> list[int]:
        """Process ids of the live query workers."""
        return self._pool.pids()

    def _job(self, request: SparqlRequest, accept: str | None, base_iri: str) -> QueryJob:
        # Refuse before running anything when no result form at all could be sent back.
        try:
            negotiate("solutions", accept, request.formats)
        except NotAcceptable:
            negotiate("graph", accept, request.formats)
        return QueryJob(
            text=request.text or "",
            dataset=request.dataset,
            base_iri=base_iri,
            accept=accept,
            formats=request.formats,
            max_results=self.settings.max_results,
            allowed=self.allowed,
        )

    def query(self, request: SparqlRequest, accept: str | None, base_iri: str) -> Serialized:
        """Answer a query within ``query_timeout`` seconds (QueryTimeout past it)."""
        return self._pool.run(self._job(request, accept, base_iri), self.settings.query_timeout)

    async def query_async(self, request: SparqlRequest, accept: str | None, base_iri: str) -> Serialized:
        """``query`` for an event loop: the loop waits for the worker, no thread is held."""
        return await self._pool.run_async(self._job(request, accept, base_iri), self.settings.query_timeout)

    def authorise(self, authorization: str | None) -> None:
        """Raise UpdateForbidden unless updates are enabled and the bearer token matches."""
        token = self.settings.update_token
        if not token:
            raise UpdateForbidden("updates are disabled on this endpoint (no POLICYKG_UPDATE_TOKEN is configured)")
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise UpdateForbidden("an update needs the header 'Authorization: Bearer <update token>'")

    def update(self, request: SparqlRequest, authorization: str | None, base_iri: str) -> None:
        """Authorise, check and run an update; workers answer later queries with the new data."""
        self.authorise(authorization)
        text = request.text or ""
        check_update(
            text, base_iri=base_iri, using=request.using, allowed=self.allowed,
            store_graphs=lambda: set(self.store.graph_names()),
        )
        with self._pool.paused():
            self.store.update(text, base_iri=base_iri, using=request.using or None)
        if self.store.backend.kind != "remote":
            self._pool.recycle()

    def description(self, fmt: ResultFormat, endpoint_url: str) -> Serialized:
        """The SPARQL 1.1 Service Description of this endpoint, in an RDF format."""
        service = ox.NamedNode(endpoint_url)
        dataset = ox.NamedNode(endpoint_url + "#dataset")
        default_graph = ox.BlankNode()
        triples = [
            ox.Triple(service, _RDF_TYPE, _sd("Service")),
            ox.Triple(service, _sd("endpoint"), service),
            ox.Triple(service, _TITLE, ox.Literal("policykg SPARQL endpoint", language="en")),
            ox.Triple(service, _TITLE, ox.Literal("Điểm truy vấn SPARQL của policykg", language="vi")),
            ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
            ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
            ox.Triple(service, _sd("defaultEntailmentRegime"),
                      ox.NamedNode("http://www.w3.org/ns/entailment/Simple")),
            ox.Triple(service, _sd("defaultDataset"), dataset),
            ox.Triple(dataset, _RDF_TYPE, _sd("Dataset")),
            ox.Triple(dataset, _sd("defaultGraph"), default_graph),
            ox.Triple(default_graph, _RDF_TYPE, _sd("Graph")),
            ox.Triple(default_graph, _VOID_TRIPLES, ox.Literal(str(self.store.triple_count()), datatype=_XSD_INTEGER)),
        ]
        if self.settings.update_token:
            triples.append(ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Update")))
        if self.allowed.prefixes:
            triples.append(ox.Triple(service, _sd("feature"), _sd("BasicFederatedQuery")))
        for result_format in SOLUTION_FORMATS + GRAPH_FORMATS:
            triples.append(ox.Triple(service, _sd("resultFormat"), ox.NamedNode(result_format.iri)))
        for name in self.store.graph_names():
            graph = ox.BlankNode()
            triples += [
                ox.Triple(dataset, _sd("namedGraph"), graph),
                ox.Triple(graph, _RDF_TYPE, _sd("NamedGraph")),
                ox.Triple(graph, _sd("name"), ox.NamedNode(name)),
            ]
        return Serialized(serialize_graph(triples, fmt), fmt.media_type, len(triples))
