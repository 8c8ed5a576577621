"""The public SPARQL endpoint as a service: check, run and serialise queries and updates.

Every text a client sends is first put in canonical form and its nesting bounded
(``app.safety.prepare``: linear regular expressions, no parser), here in the server; from then on
the canonical text is what is checked and what runs. Every parse and evaluation of it happens in
a killable worker process (``app.worker``) that has no network and a memory cap: queries are
checked, run and serialised there (only the finished bytes cross the pipe); an update is checked
there and parsed and tried by Oxigraph on an empty store, so a text that crashes a parser costs a
worker, not the server. Only then does the update run here, on the store the rest of the API
reads, on a thread with a large stack (far more than the worker that just parsed it had); it
needs the configured bearer token and writes named graphs only (the default graph is their
union, rebuilt after each update with the derived graph); workers are then recycled (over an
in-memory store, before the write too, so no idle fork keeps copies of the pages it rewrites).

Answers are kept for the next identical query while the data stays as it was
(``app.endpoint.result_cache``): a repeated query is answered without a worker, identical
queries that arrive together share one worker's run, and every update empties the cache.
"""

from __future__ import annotations

import asyncio
import hmac
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, TypeVar

import pyoxigraph as ox

from app.core import sandbox
from app.core.config import Settings
from app.core.errors import NotAcceptable, QueryError, QuerySyntaxError, StoreError, UpdateForbidden
from app.core.media import GRAPH_FORMATS, SOLUTION_FORMATS, MediaFormat, negotiate
from app.endpoint.result_cache import CacheKey, ResultCache, cacheable
from app.sparql.engine import Backend, Dataset, QueryAnswer
from app.sparql.protocol import SparqlRequest
from app.sparql.results import Serialized, serialize_answer, serialize_graph
from app.sparql.safety import AllowList, check_query, check_update, prepare, warm_parsers
from app.sparql.tokens import QueryForm, query_form
from app.sparql.worker import Limits, WorkerPool
from app.store.backends import EmbeddedBackend
from app.store.policy_store import PolicyStore

__all__ = [
    "QueryJob",
    "QueryOutcome",
    "SparqlEndpoint",
    "UpdateCheck",
    "answer_query",
    "denies_network",
    "etag_matches",
    "run_job",
]

_T = TypeVar("_T")
# The stack of the thread that runs updates in the server: far above the 8 MiB a worker parses
# and tries the same text with, so what a worker survived cannot overflow here (virtual memory:
# only the pages used are committed).
_UPDATE_STACK = 512 * 1024 * 1024
# Seconds after the endpoint is built before rdflib's grammars are built (see SparqlEndpoint).
_PARSERS_AFTER_START = 1.0

# Query strings of GET requests remembered with the cache key they make, at most this many and
# this long: a repeated GET is looked up without parsing the request or canonicalising its text.
_KNOWN_GETS = 1024
_KNOWN_GET_CHARS = 8192

_SD = "http://www.w3.org/ns/sparql-service-description#"
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_VOID_TRIPLES = ox.NamedNode("http://rdfs.org/ns/void#triples")
_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


@dataclass(frozen=True, slots=True)
class QueryJob:
    """A query as sent to a worker process (picklable)."""

    text: str  # canonical (app.safety.canonical)
    dataset: Dataset
    base_iri: str
    accept: str | None
    formats: tuple[str, ...]
    max_results: int
    allowed: AllowList
    max_bytes: int


@dataclass(frozen=True, slots=True)
class QueryOutcome:
    """An answer and how it was had: from the cache or a worker, its age and entity tag.

    ``result`` is None when the client's copy (If-None-Match) is the current answer.
    ``cache`` is None for a query that is never cached (RAND, NOW, SERVICE …, or the cache is off).
    """

    result: Serialized | None
    cache: Literal["hit", "miss"] | None
    age: int = 0
    etag: str | None = None


# What each query form answers with, as a 406 names it.
_ANSWERS: dict[QueryForm, tuple[Literal["solutions", "graph"], str]] = {
    "SELECT": ("solutions", "the solutions of a SELECT query"),
    "ASK": ("solutions", "the boolean of an ASK query"),
    "CONSTRUCT": ("graph", "the RDF graph of a CONSTRUCT query"),
    "DESCRIBE": ("graph", "the RDF graph of a DESCRIBE query"),
}


@lru_cache(maxsize=256)
def _negotiated(accept: str | None, formats: tuple[str, ...]) -> tuple[str | None, str | None]:
    """The formats a solutions answer and a graph answer would be written in (None: neither fits)."""
    chosen: list[str | None] = []
    for kind in ("solutions", "graph"):
        try:
            chosen.append(negotiate(kind, accept, formats).name)
        except NotAcceptable:
            chosen.append(None)
    return chosen[0], chosen[1]


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (or is ``*``); weak tags compare by their value."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip().removeprefix("W/")
        if tag == "*" or tag == etag:
            return True
    return False


@dataclass(frozen=True, slots=True)
class UpdateCheck:
    """An update to check and parse in a worker before the server runs it (picklable)."""

    text: str  # canonical
    base_iri: str
    using: Dataset
    allowed: AllowList


def answer_query(backend: Backend, job: QueryJob) -> Serialized:
    """Check a query against the allow-list, run it and serialise the answer (in a worker)."""
    check_query(job.text, base_iri=job.base_iri, allowed=job.allowed)

    def run() -> QueryAnswer:
        return backend.query(job.text, base_iri=job.base_iri, dataset=job.dataset or None)

    return serialize_answer(run, job.accept, job.formats, job.max_results, job.max_bytes)


def vet_update(backend: Backend, job: UpdateCheck) -> None:
    """Check an update and have Oxigraph parse and try it (in a worker that is retired afterwards).

    Oxigraph parses only to run, so the update is tried: on the worker's own copy of an in-memory
    store (so a data-dependent blow-up meets the worker's time and memory limits, not the
    server's), else on an empty store. In a worker without network the trial goes first
    (Oxigraph fails fast where rdflib's parser may take seconds) and what it would fetch fails
    harmlessly; with network the safety check goes first.
    """
    if sandbox.network_denied():
        _try(backend, job)
        check_update(job.text, base_iri=job.base_iri, using=job.using, allowed=job.allowed)
    else:
        check_update(job.text, base_iri=job.base_iri, using=job.using, allowed=job.allowed)
        _try(backend, job)


def _try(backend: Backend, job: UpdateCheck) -> None:
    on = backend if backend.kind == "memory" else EmbeddedBackend(ox.Store())
    try:
        on.update(job.text, base_iri=job.base_iri, using=job.using or None)
    except QuerySyntaxError:
        raise
    except (QueryError, StoreError):
        pass  # a failure to evaluate (a LOAD without network, no data): the server's run reports it


def run_job(backend: Backend, job: QueryJob | UpdateCheck) -> Serialized | None:
    """What a worker of the endpoint does with a job."""
    if isinstance(job, UpdateCheck):
        vet_update(backend, job)
        return None
    return answer_query(backend, job)


def denies_network(settings: Settings, store: PolicyStore) -> bool:
    """Whether the processes that evaluate SPARQL over ``store`` deny themselves the network.

    They do unless evaluation must reach it: a remote engine is queried over the network, and an
    allow-listed SERVICE or LOAD needs it too (or the operator turned the sandbox off).
    """
    return settings.network_sandbox and store.backend.kind != "remote" and not AllowList.of(settings.allowed_remote).prefixes


def _on_big_stack(work: Callable[[], _T]) -> _T:
    """Run ``work`` on a fresh thread with a ``_UPDATE_STACK`` stack and return its result."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = exc

    previous = threading.stack_size(_UPDATE_STACK)
    try:
        thread = threading.Thread(target=target, name="policykg-update")
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")  # type: ignore[return-value]


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(_SD + name)


class SparqlEndpoint:
    """The SPARQL 1.1 Protocol service over a ``PolicyStore`` (embedded or remote)."""

    def __init__(self, store: PolicyStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.allowed = AllowList.of(settings.allowed_remote)
        limits = Limits(
            deny_network=denies_network(settings, store),
            memory_bytes=settings.worker_memory_mb * 1_048_576 if settings.worker_memory_mb else None,
        )
        # A worker of an older generation may still be answering for up to the query timeout.
        keep = settings.query_timeout + 10.0
        self._pool: WorkerPool[QueryJob | UpdateCheck, Serialized | None] = WorkerPool(
            store.backend.for_worker, run_job, settings.query_workers, limits=limits,
            # The data a new worker sees: the store's generation, and the pool's (bumped after each write).
            prepare=lambda generation: store.backend.prepare_workers((store.current_generation(), generation), keep),
        )
        # Every update's check parses with rdflib in a worker, and pyparsing builds its grammars on
        # the first parse (0.4 s of pure Python). Built once, shortly after the start (not during it:
        # it would hold the GIL against the imports a restart waits for), with forks held back
        # meanwhile, every worker inherits them; a server without updates never parses a query
        # with rdflib unless it names SERVICE or LOAD, so it skips this.
        self._parsers_warm = threading.Event()
        if settings.update_token:
            warm = threading.Timer(_PARSERS_AFTER_START, self._warm_parsers)
            warm.name, warm.daemon = "policykg-warm-parsers", True
            warm.start()
        else:
            self._parsers_warm.set()
        self.cache = ResultCache(settings.result_cache_bytes) if settings.result_cache_bytes else None
        # A sequence lock around writes: odd while an update is being applied and the workers
        # replaced. An answer is kept only if it stayed even and unchanged while it was computed,
        # so nothing computed by a worker that saw the old data is kept under the new state.
        self._writes = 0
        self._writes_lock = threading.Lock()
        # Identical queries in flight share one run (on the event loop: no lock needed).
        self._running: dict[tuple[tuple[int, int], CacheKey], asyncio.Future[Serialized]] = {}
        self._known_gets: OrderedDict[tuple[str, str | None, str], CacheKey] = OrderedDict()

    def _warm_parsers(self) -> None:
        try:
            with self._pool.paused():
                warm_parsers()
        finally:
            self._parsers_warm.set()

    def close(self) -> None:
        """Stop the worker processes."""
        self._pool.close()

    def worker_pids(self) -> list[int]:
        """Process ids of the live query workers."""
        return self._pool.pids()

    def _job(self, request: SparqlRequest, accept: str | None, base_iri: str) -> QueryJob:
        text = prepare(request.text or "", max_depth=self.settings.max_nesting)
        # Refuse before running anything when no format could carry this form's answer.
        form = query_form(text)
        if form is None:
            negotiate("query", accept, request.formats)
        else:
            kind, answer = _ANSWERS[form]
            negotiate(kind, accept, request.formats, answer=answer)
        return QueryJob(
            text=text,
            dataset=request.dataset,
            base_iri=base_iri,
            accept=accept,
            formats=request.formats,
            max_results=self.settings.max_results,
            allowed=self.allowed,
            max_bytes=self.settings.max_response_bytes,
        )

    def query(self, request: SparqlRequest, accept: str | None, base_iri: str) -> Serialized:
        """Answer a query within ``query_timeout`` seconds (QueryTimeout past it)."""
        answer = self._pool.run(self._job(request, accept, base_iri), self.settings.query_timeout)
        assert answer is not None
        return answer

    async def query_async(self, request: SparqlRequest, accept: str | None, base_iri: str) -> Serialized:
        """``query`` for an event loop: the loop waits for the worker, no thread is held."""
        answer = await self._pool.run_async(self._job(request, accept, base_iri), self.settings.query_timeout)
        assert answer is not None
        return answer

    async def _state(self) -> tuple[int, int]:
        return await self.store.generation_async(), self._pool.generation

    def _etag(self, key: CacheKey, writes: int) -> str | None:
        stamp = self.store.stamp
        # Mid-update the stamp may already name data the workers do not show yet: no tag then.
        return key.etag(stamp) if stamp and writes % 2 == 0 else None

    def kept_get(self, query_string: str, accept: str | None, base_iri: str) -> QueryOutcome | None:
        """The kept answer of a GET whose query string was seen before, with the same Accept; else None.

        The request is not parsed again: the same query string makes the same cache key.
        """
        if self.cache is None or self.store.backend.kind == "remote":
            return None  # a remote engine's state may need asking (``answer`` does, off the loop)
        key = self._known_gets.get((query_string, accept, base_iri))
        if key is None:
            return None
        found = self.cache.get((self.store.current_generation(), self._pool.generation), key)
        if found is None:
            return None
        return QueryOutcome(found.answer, "hit", found.age, self._etag(key, self._writes))

    def _know_get(self, query_string: str, accept: str | None, base_iri: str, key: CacheKey) -> None:
        if len(query_string) <= _KNOWN_GET_CHARS:
            self._known_gets[query_string, accept, base_iri] = key
            self._known_gets.move_to_end((query_string, accept, base_iri))
            while len(self._known_gets) > _KNOWN_GETS:
                self._known_gets.popitem(last=False)

    async def answer(
        self,
        request: SparqlRequest,
        accept: str | None,
        base_iri: str,
        *,
        if_none_match: str | None = None,
        refresh: bool = False,
        get_query: str | None = None,
    ) -> QueryOutcome:
        """``query_async`` through the result cache.

        ``if_none_match``: the entity tags the client holds; when one is the current answer's,
        the outcome has no result (304). ``refresh``: compute the answer anew (and keep it).
        ``get_query``: the query string of a GET, remembered for :meth:`kept_get`.
        """
        job = self._job(request, accept, base_iri)
        if self.cache is None or not cacheable(job.text):
            return QueryOutcome(await self.query_async(request, accept, base_iri), None)
        writes = self._writes
        state = await self._state()
        key = CacheKey(
            job.text, job.dataset, job.base_iri, _negotiated(job.accept, job.formats), job.max_results, job.max_bytes
        )
        if get_query is not None:
            self._know_get(get_query, accept, base_iri, key)
        etag = self._etag(key, writes)
        if etag is not None and etag_matches(if_none_match, etag):
            return QueryOutcome(None, "hit", 0, etag)
        if not refresh:
            found = self.cache.get(state, key)
            if found is not None:
                return QueryOutcome(found.answer, "hit", found.age, etag)
        running = None if refresh else self._running.get((state, key))
        if running is None:
            running = asyncio.ensure_future(self._run_and_keep(request, accept, base_iri, state, key, writes))
            self._running[state, key] = running
            running.add_done_callback(lambda done: self._finished((state, key), done))
        # Shielded: a client that goes away does not stop the run the others wait for.
        return QueryOutcome(await asyncio.shield(running), "miss", 0, etag)

    def _finished(self, key: tuple[tuple[int, int], CacheKey], done: asyncio.Future[Serialized]) -> None:
        if self._running.get(key) is done:
            del self._running[key]
        if not done.cancelled():
            done.exception()  # retrieved here too, in case every client waiting for it went away

    async def _run_and_keep(
        self,
        request: SparqlRequest,
        accept: str | None,
        base_iri: str,
        state: tuple[int, int],
        key: CacheKey,
        writes: int,
    ) -> Serialized:
        answer = await self.query_async(request, accept, base_iri)
        assert self.cache is not None
        if writes % 2 == 0 and self._writes == writes and (self.store.generation, self._pool.generation) == state:
            self.cache.put(state, key, answer)
        return answer

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
        text = prepare(request.text or "", max_depth=self.settings.max_nesting)
        if not self._parsers_warm.is_set():
            # A token given after the start (tests) or an update sent within the start's first second.
            with self._pool.paused():
                warm_parsers()
            self._parsers_warm.set()
        # The trial writes the worker's own copy of an in-memory store, so that worker serves nothing after it.
        self._pool.run(
            UpdateCheck(text, base_iri, request.using, self.allowed), self.settings.query_timeout,
            retire=self.store.backend.kind == "memory",
        )
        self.write(lambda: self.store.update(text, base_iri=base_iri, using=request.using or None))

    def write(self, apply: Callable[[], _T]) -> _T:
        """Run ``apply`` (a trusted write to the store) with the workers paused; later queries see its result.

        Used by ``update`` once the client's text is checked, and by the curation routes (ingest, retract).
        """

        def paused() -> _T:
            with self._pool.paused():
                if self.store.backend.kind == "memory":
                    # Idle workers are forks of the pages the write is about to rewrite: each would
                    # keep its own copy of every one of them (a national graph's rebuild doubled the
                    # memory per worker). Gone first, they copy nothing; busy ones leave when done.
                    self._pool.recycle(wait=True)
                return apply()

        with self._writes_lock:
            self._writes += 1
        try:
            result = _on_big_stack(paused)
            if self.store.backend.kind != "remote":
                self._pool.recycle()
                # The next query or update after a write would otherwise wait for a fork.
                self._pool.prespawn()
            return result
        finally:
            with self._writes_lock:
                self._writes += 1
            if self.cache is not None:
                self.cache.clear()

    def description(self, fmt: MediaFormat, endpoint_url: str) -> Serialized:
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
            ox.Triple(default_graph, _VOID_TRIPLES, ox.Literal(str(self.store.sizes().triples), datatype=_XSD_INTEGER)),
        ]
        if self.settings.update_token:
            triples.append(ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Update")))
        if self.allowed.prefixes:
            triples.append(ox.Triple(service, _sd("feature"), _sd("BasicFederatedQuery")))
        for result_format in SOLUTION_FORMATS + GRAPH_FORMATS:
            if result_format.iri is not None:
                triples.append(ox.Triple(service, _sd("resultFormat"), ox.NamedNode(result_format.iri)))
        for name in self.store.graph_names():
            graph = ox.BlankNode()
            triples += [
                ox.Triple(dataset, _sd("namedGraph"), graph),
                ox.Triple(graph, _RDF_TYPE, _sd("NamedGraph")),
                ox.Triple(graph, _sd("name"), ox.NamedNode(name)),
            ]
        return Serialized(serialize_graph(triples, fmt), fmt.media_type, len(triples))
