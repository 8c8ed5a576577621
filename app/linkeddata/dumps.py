"""The dataset as a whole: dumps of every named graph, and its VoID description.

Dumps are written graph by graph in batches, so a large store streams in constant memory. The
quad dumps (TriG, N-Quads) hold the named graphs only: the default graph is the union of them,
materialised when the store loads, so it would repeat every triple; the Turtle dump is that union.
VoID counts come from SPARQL over the store, counted once per generation of its data, never hand-written.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO, TYPE_CHECKING

import pyoxigraph as ox

from app.core.media import N_QUADS, TRIG, TURTLE
from app.core.namespaces import DCTERMS, GRAPH_BASE, POL, POLID, PREFIXES, RDF, XSD
from app.sparql.engine import Backend
from app.store.policy_store import PolicyStore

if TYPE_CHECKING:
    import rdflib

VOID = "http://rdfs.org/ns/void#"
#: Where the VoID document lives under the w3id base; the dataset is its ``#dataset``.
DATASET_IRI = "https://w3id.org/policykg/void#dataset"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
_BATCH = 20_000
_SOURCE_GRAPHS = GRAPH_BASE + "source/"

_DISTINCT = """
SELECT (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?o) AS ?objects) (COUNT(DISTINCT ?p) AS ?properties)
WHERE { ?s ?p ?o }"""
_ENTITIES = (
    "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o . FILTER(isIRI(?s) && STRSTARTS(STR(?s), STR(polid:))) }"
)
_PROPERTIES = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p"


class DumpFormat(StrEnum):
    """Formats of the whole-dataset dump."""

    trig = "trig"
    nq = "nq"
    ttl = "ttl"


@dataclass(frozen=True, slots=True)
class Dump:
    """How one dump format is written and named."""

    format: DumpFormat
    media_type: str
    filename: str
    rdf_format: ox.RdfFormat
    quads: bool


DUMPS: dict[DumpFormat, Dump] = {
    DumpFormat.trig: Dump(DumpFormat.trig, TRIG.media_type, "policykg.trig", ox.RdfFormat.TRIG, True),
    DumpFormat.nq: Dump(DumpFormat.nq, N_QUADS.media_type, "policykg.nq", ox.RdfFormat.N_QUADS, True),
    DumpFormat.ttl: Dump(DumpFormat.ttl, TURTLE.media_type, "policykg.ttl", ox.RdfFormat.TURTLE, False),
}


def _batches(items: Iterable[ox.Quad], size: int = _BATCH) -> Iterator[list[ox.Quad]]:
    batch: list[ox.Quad] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _prefix_header() -> bytes:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items()).encode("utf-8")


def _without_prefixes(chunk: bytes) -> bytes:
    """A batch serialised with prefixes, minus its @prefix lines (the dump states them once, first).

    pyoxigraph writes every given prefix, one per line, before the first statement.
    """
    lines = chunk.split(b"\n", len(PREFIXES))
    if len(lines) <= len(PREFIXES) or not all(line.startswith(b"@prefix ") for line in lines[: len(PREFIXES)]):
        raise RuntimeError("unexpected serialiser output: the @prefix block is not where it should be")
    return lines[len(PREFIXES)]


def dump_chunks(store: PolicyStore, fmt: DumpFormat, batch_size: int = _BATCH) -> Generator[bytes, None, None]:
    """The dataset in ``fmt``, as successive byte chunks (one per batch of quads).

    The graphs are listed before the first chunk, so an unreachable remote engine is a StoreError
    an HTTP response can still report, instead of a stream broken in the middle. An embedded store
    is read lazily; a remote engine answers one SELECT per graph.
    """
    backend = store.backend
    spec = DUMPS[fmt]
    graphs: list[str | None] = [*store.graph_names()] if spec.quads else [None]
    return _chunks(backend, graphs, spec, batch_size)


def _chunks(
    backend: Backend, graphs: list[str | None], spec: Dump, batch_size: int
) -> Generator[bytes, None, None]:
    prefixed = spec.format is not DumpFormat.nq
    if prefixed:
        yield _prefix_header()
    sources: Iterable[Iterable[ox.Quad]] = (backend.graph_quads(graph) for graph in graphs)
    for quads in sources:
        for batch in _batches(quads, batch_size):
            items = batch if spec.quads else [q.triple for q in batch]
            # A named graph may span batches: TriG allows a graph block to be repeated, and the
            # blocks are merged when read; blank-node labels are the store's, so they stay shared.
            data = ox.serialize(items, format=spec.rdf_format, prefixes=PREFIXES if prefixed else None) or b""
            yield _without_prefixes(data) if prefixed else data


async def on_own_thread(chunks: Generator[bytes, None, None], buffer: int = 4) -> AsyncIterator[bytes]:
    """The chunks of a not yet started generator, read from start to close on one thread of its own.

    pyoxigraph's store iterators are bound to the thread that created them: advanced or dropped
    on another one they fail or leak ("QuadIter is unsendable, but is being dropped on another
    thread", its RocksDB snapshot never freed). A web server reads a plain iterator on whichever
    pool thread is free, chunk by chunk, so the dump runs here on a dedicated thread that also
    closes the generator (and so drops every store iterator it holds) when the dump ends, fails,
    or the client goes away. At most ``buffer`` chunks wait for a slow client.
    """
    loop = asyncio.get_running_loop()
    ready: asyncio.Queue[tuple[bool, bytes | BaseException | None]] = asyncio.Queue()
    room = threading.Semaphore(buffer)
    stop = threading.Event()

    def hand(done: bool, value: bytes | BaseException | None) -> None:
        try:
            loop.call_soon_threadsafe(ready.put_nowait, (done, value))
        except RuntimeError:  # the event loop is closed: nobody reads any more
            stop.set()

    def produce() -> None:
        try:
            for chunk in chunks:
                room.acquire()
                if stop.is_set():
                    return
                hand(False, chunk)
                if stop.is_set():  # the loop has closed: no reader will make room again
                    return
            hand(True, None)
        except BaseException as exc:  # noqa: BLE001 - handed to the reader, which raises it in the response
            hand(True, exc)
        finally:
            chunks.close()

    threading.Thread(target=produce, name="policykg-dump", daemon=True).start()
    try:
        while True:
            done, value = await ready.get()
            if isinstance(value, BaseException):
                raise value
            if done or value is None:
                return
            room.release()
            yield value
    finally:
        # Also on a client that disconnects: the producer wakes, sees the stop and closes its generator.
        stop.set()
        room.release()


def write_dump(store: PolicyStore, fmt: DumpFormat, out: IO[bytes]) -> int:
    """Write the dataset in ``fmt`` to ``out``; return the number of bytes written."""
    written = 0
    for chunk in dump_chunks(store, fmt):
        out.write(chunk)
        written += len(chunk)
    return written


@dataclass(frozen=True, slots=True)
class Subset:
    """A named graph of the dataset: one source article, the reference frame, or the ontology."""

    graph: str
    triples: int
    source: str | None = None


@dataclass(frozen=True, slots=True)
class DatasetStatistics:
    """What VoID says about the dataset, counted over the union default graph."""

    triples: int
    distinct_subjects: int
    distinct_objects: int
    properties: int
    entities: int
    classes: dict[str, int] = field(default_factory=dict)
    property_triples: dict[str, int] = field(default_factory=dict)
    subsets: tuple[Subset, ...] = ()


def dataset_statistics(store: PolicyStore) -> DatasetStatistics:
    """VoID's counts, computed once per generation of the store's data (``_count_statistics``)."""
    return store.per_generation("void", lambda: _count_statistics(store))


def _count_statistics(store: PolicyStore) -> DatasetStatistics:
    """Count triples, distinct subjects/objects, class and property partitions and graphs by SPARQL."""
    distinct = store.counts(_DISTINCT)
    records = {
        str(row["s"])
        for row in store.select_python("SELECT ?s WHERE { ?s a pol:SourceArticle }")
        if isinstance(row["s"], str)
    }
    subsets = []
    for graph, triples in store.graph_triple_counts().items():
        # polg:source/X holds what the article whose record is polid:source/X states (CONVENTIONS.md).
        record = (
            str(POLID) + "source/" + graph.removeprefix(_SOURCE_GRAPHS) if graph.startswith(_SOURCE_GRAPHS) else None
        )
        subsets.append(Subset(graph=graph, triples=triples, source=record if record in records else None))
    return DatasetStatistics(
        triples=store.triple_count(),
        distinct_subjects=distinct.get("subjects", 0),
        distinct_objects=distinct.get("objects", 0),
        properties=distinct.get("properties", 0),
        entities=store.count(_ENTITIES),
        classes=store.class_counts(),
        property_triples=store.grouped_counts(_PROPERTIES, "p"),
        subsets=tuple(subsets),
    )


def void_description(store: PolicyStore, base_url: str) -> rdflib.Graph:
    """The VoID description of the dataset; endpoint and dump URLs are absolute under ``base_url``."""
    import rdflib
    from rdflib import BNode, Literal, URIRef

    stats = dataset_statistics(store)
    void = rdflib.Namespace(VOID)
    dcterms = rdflib.Namespace(str(DCTERMS))
    base = base_url.rstrip("/")
    g = rdflib.Graph()
    g.bind("void", VOID)
    for prefix, namespace in PREFIXES.items():
        g.bind(prefix, namespace, override=True)
    ds = URIRef(DATASET_IRI)

    def count(value: int) -> Literal:
        return Literal(value, datatype=URIRef(str(XSD.integer)))

    g.add((ds, URIRef(str(RDF.type)), void.Dataset))
    g.add((ds, dcterms.title, Literal("policykg: đồ thị tri thức chính sách công Việt Nam", lang="vi")))
    g.add((ds, dcterms.title, Literal("policykg: a knowledge graph of Vietnamese public policy", lang="en")))
    g.add(
        (
            ds,
            dcterms.description,
            Literal(
                "Vietnamese policy documents from national resolutions to provincial plans, their objectives, "
                "task groups, tasks and numeric targets, and which agency leads, coordinates or advises on each "
                "task; every fact sits in the named graph of the source article that states it.",
                lang="en",
            ),
        )
    )
    g.add(
        (
            ds,
            dcterms.description,
            Literal(
                "Văn bản chính sách của Việt Nam từ nghị quyết trung ương đến kế hoạch cấp tỉnh, mục tiêu, nhóm "
                "nhiệm vụ, nhiệm vụ, chỉ tiêu và cơ quan chủ trì, phối hợp, tham mưu; mỗi dữ kiện nằm trong đồ thị "
                "có tên của bài viết nguồn.",
                lang="vi",
            ),
        )
    )
    g.add((ds, dcterms.license, URIRef(LICENSE)))
    g.add((ds, void.sparqlEndpoint, URIRef(base + "/sparql")))
    for spec in DUMPS.values():
        g.add((ds, void.dataDump, URIRef(f"{base}/download/{spec.filename}")))
    g.add((ds, void.uriSpace, Literal(str(POLID))))
    g.add((ds, void.vocabulary, URIRef(str(POL))))
    g.add((ds, void.triples, count(stats.triples)))
    g.add((ds, void.entities, count(stats.entities)))
    g.add((ds, void.distinctSubjects, count(stats.distinct_subjects)))
    g.add((ds, void.distinctObjects, count(stats.distinct_objects)))
    g.add((ds, void.properties, count(stats.properties)))
    g.add((ds, void.classes, count(len(stats.classes))))
    for class_iri, n in stats.classes.items():
        part = BNode()
        g.add((ds, void.classPartition, part))
        g.add((part, void["class"], URIRef(class_iri)))
        g.add((part, void.entities, count(n)))
    for property_iri, n in stats.property_triples.items():
        part = BNode()
        g.add((ds, void.propertyPartition, part))
        g.add((part, void.property, URIRef(property_iri)))
        g.add((part, void.triples, count(n)))
    for subset in stats.subsets:
        # The subset is named by its graph IRI, so a client can go from VoID to GRAPH <…> { } directly.
        node = URIRef(subset.graph)
        g.add((ds, void.subset, node))
        g.add((node, URIRef(str(RDF.type)), void.Dataset))
        g.add((node, void.triples, count(subset.triples)))
        if subset.source is not None:
            g.add((node, dcterms.source, URIRef(subset.source)))
    return g
