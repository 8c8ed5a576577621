"""The policykg RDF store: a thin, typed wrapper around a backend (``app.backends``): an embedded
``pyoxigraph.Store`` in memory or on disk, or a remote SPARQL 1.1 engine.

Every query runs with the default graph as the union of all named graphs (each source article
is its own graph, but questions are about the whole graph) and with the project prefixes.
Values are bound through pyoxigraph ``substitutions`` so user text never becomes SPARQL text.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import math
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias, TypeVar

import pyoxigraph as ox

from app.core.errors import ParameterError, QueryError, QuerySyntaxError, QueryTimeout, StoreError, StoreLoadError
from app.core.namespaces import (
    CANDIDATES_GRAPH,
    CHANGED_GRAPH,
    DATA_QUADS,
    DERIVED_GRAPH,
    GRAPH_BASE,
    GRAPH_COUNTS,
    ONTOLOGY_GRAPH,
    PREFIXES,
    SERVICE_GRAPHS,
    STATE_GRAPH,
)
from app.sparql.engine import Backend, Dataset, GraphAnswer
from app.sparql.tokens import add_using, expand_prefixed_names, last_operation_end
from app.sparql.values import VALUES_BATCH
from app.store import directory as store_directory
from app.store.backends import EmbeddedBackend, RemoteBackend, union_update
from app.store.derived import load_derived, save_derived
from app.store.load_record import (
    RECORD_QUERY,
    Condition,
    LoadRecord,
    StoreCondition,
    completion_steps,
    count_steps,
    derivation_steps,
    fingerprint,
    judge,
    pending_steps,
    update_steps,
)
from app.store.upkeep import (
    FocusedRule,
    capture,
    changed_iris_query,
    clear_steps,
    derived_foci_query,
    focused_rules,
    iris,
    rederive_steps,
)

if TYPE_CHECKING:
    import rdflib

    from app.core.config import Settings

Term: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
PyValue: TypeAlias = str | int | float | bool | dt.date | dt.datetime | None
JsonValue: TypeAlias = str | int | float | bool | None
_T = TypeVar("_T")

_XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGER_TYPES = frozenset(
    _XSD + t
    for t in (
        "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
        "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort",
        "unsignedByte",
    )
)
_FLOAT_TYPES = frozenset(_XSD + t for t in ("decimal", "double", "float"))

_TRIPLE_FORMATS: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
}
_QUAD_FORMATS: dict[str, ox.RdfFormat] = {
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
}
# pyoxigraph puts the position in the message as well as in lineno/offset; we print it once.
_POSITION_PREFIX = re.compile(r"^Parser error (?:at|between) line \d+ column \d+(?: and line \d+ column \d+)?: ")
_PROJECTION_ERROR = re.compile(r"does not contains? variable \?(\w+) in its SELECT projection")


def rdf_format(path: Path, fmt: ox.RdfFormat | None = None) -> ox.RdfFormat:
    """The RDF format of a file: ``fmt`` if given, else by its extension (StoreLoadError if unknown)."""
    suffix = Path(path).suffix.lower()
    found = fmt or _TRIPLE_FORMATS.get(suffix) or _QUAD_FORMATS.get(suffix)
    if found is None:
        raise StoreLoadError(Path(path), f"unsupported file type {suffix!r}")
    return found


def _read(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise StoreLoadError(path, f"cannot read: {exc.strerror or exc}") from exc


@contextmanager
def _load_errors(path: Path) -> Iterator[None]:
    """Report a parser's or a store's failure on ``path`` as a StoreLoadError, with line and column."""
    try:
        yield
    except SyntaxError as exc:
        message = _POSITION_PREFIX.sub("", exc.msg or str(exc))
        raise StoreLoadError(path, message, exc.lineno, exc.offset) from exc
    except (ValueError, OSError) as exc:
        raise StoreLoadError(path, str(exc)) from exc


def parse_file(path: Path, fmt: ox.RdfFormat | None = None, *, graph: str | None = None) -> list[ox.Quad]:
    """Every quad of an RDF file, parsed whole before anything is written (triples go into ``graph``)."""
    fmt = rdf_format(path, fmt)
    data = _read(path)
    target = ox.NamedNode(graph) if graph is not None else None
    with _load_errors(path):
        quads = list(ox.parse(data, fmt))
    if target is None:
        return quads
    return [q if not isinstance(q.graph_name, ox.DefaultGraph) else ox.Quad(q.subject, q.predicate, q.object, target)
            for q in quads]


_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
_DATA_QUAD_COUNT = f"SELECT (COUNT(*) AS ?n) WHERE {{ {DATA_QUADS} }}"
_CLASS_COUNTS = "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class"


def _as_count(value: object) -> int:
    return int(value) if isinstance(value, int | float) else 0


def term_text(term: Term) -> str:
    """The lexical text of a term: IRI, blank node id, literal value, or N-Triples for a quoted triple."""
    return str(term) if isinstance(term, ox.Triple) else term.value


def to_python(term: Term | None) -> PyValue:
    """Convert an RDF term to a plain Python value (IRIs and strings as str, numbers, dates)."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    datatype = term.datatype.value
    value = term.value
    # A lexical form outside the datatype's space is kept as text rather than failing the query.
    try:
        if datatype in _INTEGER_TYPES:
            return int(value)
        if datatype in _FLOAT_TYPES:
            return float(value)
        if datatype == _XSD + "boolean":
            return value in ("true", "1")
        if datatype == _XSD + "date":
            return dt.date.fromisoformat(value)
        if datatype == _XSD + "dateTime":
            return dt.datetime.fromisoformat(value)
        if datatype == _XSD + "gYear" and value.isdigit():
            return int(value)
    except ValueError:
        return value
    return value


def to_json_value(term: Term | None) -> JsonValue:
    """Convert an RDF term to a JSON-ready value (dates as ISO 8601 text)."""
    value = to_python(term)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@dataclass(frozen=True, slots=True)
class QueryResult:
    """The solutions of a SELECT query: column names in projection order and one dict per row."""

    columns: list[str]
    rows: list[dict[str, Term | None]] = field(default_factory=list)
    truncated: bool = False

    def python_rows(self) -> list[dict[str, PyValue]]:
        """Rows with plain Python values."""
        return [{c: to_python(row.get(c)) for c in self.columns} for row in self.rows]

    def json_rows(self) -> list[dict[str, JsonValue]]:
        """Rows with JSON-ready values."""
        return [{c: to_json_value(row.get(c)) for c in self.columns} for row in self.rows]


@dataclass(frozen=True, slots=True)
class Change:
    """What one write to the store changed, for the caches derived from the data.

    ``terms``: the IRIs of the subjects and objects of every triple the write added or removed
    (named graphs and the derived graph), or None when the write was a full load or rebuild and
    everything derived must be recomputed.
    """

    generation: int
    terms: frozenset[str] | None


#: How many writes the store remembers for ``changes_since``; a consumer further behind rebuilds.
CHANGE_LOG_SIZE = 256
#: A file changed this recently is hashed at every start until it is older (see ``files_fingerprint``).
RACY_SECONDS = 2


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What a full rebuild of the derived state found: sizes, and whether it changed anything."""

    union_triples: int
    derived_triples: int
    #: True when the union or the rules' graph differed from what incremental upkeep had kept.
    changed: bool


@dataclass(frozen=True, slots=True)
class Sizes:
    """How much the store holds: distinct triples of the union default graph, and named graphs."""

    triples: int
    graphs: int


class PolicyStore:
    """An RDF dataset of the project, in memory, on disk (RocksDB) or in a remote SPARQL engine."""

    def __init__(
        self,
        store: ox.Store | Backend,
        path: Path | None = None,
        *,
        timeout: float | None = None,
        max_results: int | None = None,
        change_check_seconds: float = 1.0,
    ) -> None:
        self._backend: Backend | None = EmbeddedBackend(store, path) if isinstance(store, ox.Store) else store
        self.path = path
        self.timeout = timeout
        self.max_results = max_results
        # Bumped by every load and clear made through this class, so caches built from the
        # data (the search index, the quality report) know when to rebuild.
        self.generation = 0
        #: SPARQL Update rules (``*.ru``) run after every load and update; set by ``load_project``.
        self.rules_dir: Path | None = None
        # The stamp of the derivation the caches reflect, and when the engine's was last read.
        self._stamp: str | None = None
        self._stamp_checked = -math.inf
        self._generation_lock = threading.Lock()
        #: On a remote engine, how often at most ``current_generation`` asks it for the stamp.
        self.change_check_seconds = change_check_seconds
        #: True once ``load_project`` (or a restore) has made the data servable.
        self.loaded = False
        #: What the last ``load_project`` found and did (for ``/health``).
        self.state: StoreCondition | None = None
        # Values computed from the data (counts), each with the generation it was computed at.
        self._memo: dict[str, tuple[int, object]] = {}
        self._memo_lock = threading.Lock()
        self._memo_computing: dict[str, threading.Lock] = {}
        # The last writes, oldest first: what each changed (``changes_since``).
        self._changes: list[Change] = []

    # ------------------------------------------------------------------ opening and loading

    @classmethod
    def open(
        cls, path: Path | None = None, *, timeout: float | None = None, max_results: int | None = None
    ) -> PolicyStore:
        """Open an in-memory store (``path`` None) or an on-disk store in directory ``path``."""
        if path is None:
            return cls(ox.Store(), None, timeout=timeout, max_results=max_results)
        path = Path(path).expanduser()
        try:
            # A restore that a crash interrupted is finished or dropped before the store is opened.
            store_directory.recover(path)
            path.mkdir(parents=True, exist_ok=True)
            store = ox.Store(str(path))
        except OSError as exc:
            raise StoreError(
                f"cannot open the store at {path}: {exc} (is another policykg process using it?)"
            ) from exc
        return cls(store, path, timeout=timeout, max_results=max_results)

    @classmethod
    def open_remote(
        cls,
        query_url: str,
        update_url: str | None = None,
        graph_store_url: str | None = None,
        *,
        timeout: float | None = None,
        max_results: int | None = None,
        change_check_seconds: float = 1.0,
    ) -> PolicyStore:
        """Use a remote SPARQL 1.1 engine (query, update and Graph Store endpoints) as the store."""
        backend = RemoteBackend(query_url, update_url, graph_store_url, timeout=timeout)
        return cls(
            backend, None, timeout=timeout, max_results=max_results, change_check_seconds=change_check_seconds
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> PolicyStore:
        """Open the store the settings name, with their timeout and result limit."""
        if settings.store_is_remote:
            return cls.open_remote(
                settings.query_url or str(settings.store),
                settings.update_url,
                settings.graph_store_url,
                timeout=settings.query_timeout,
                max_results=settings.max_results,
                change_check_seconds=settings.change_check_seconds,
            )
        return cls.open(settings.store_path, timeout=settings.query_timeout, max_results=settings.max_results)

    @property
    def backend(self) -> Backend:
        """The backend holding the data (embedded pyoxigraph or a remote engine)."""
        if self._backend is None:
            raise StoreError("the store is closed")
        return self._backend

    @property
    def raw(self) -> ox.Store:
        """The underlying pyoxigraph store; a remote store has none."""
        backend = self.backend
        if not isinstance(backend, EmbeddedBackend):
            raise StoreError("the store is a remote SPARQL endpoint: there is no embedded pyoxigraph store")
        return backend.store

    @property
    def on_disk(self) -> bool:
        """True when the store persists in a directory."""
        return self.path is not None

    @property
    def persistent(self) -> bool:
        """True when the data outlives this process (on disk or in a remote engine)."""
        return self.backend.kind != "memory"

    def close(self) -> None:
        """Flush and release the store (and its RocksDB lock, so it can be reopened)."""
        if self._backend is not None:
            self._backend.flush()
            self._backend.close()
            # Dropping the only reference frees the Rust store, which releases the lock.
            self._backend = None

    def __enter__(self) -> PolicyStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def is_empty(self) -> bool:
        """True when the store holds no quad at all."""
        return self.backend.is_empty()

    def clear(self) -> None:
        """Remove every quad and named graph."""
        # The records first, in a transaction of their own: a crash in the middle of clearing a
        # large store then leaves a store a restart sees as an interrupted load, not as a complete one.
        self.backend.update(f"DROP SILENT GRAPH {ox.NamedNode(STATE_GRAPH)}")
        self.backend.clear()
        self._changed(None)

    @staticmethod
    def graph_for_file(path: Path, ontology_dir: Path | None = None) -> str:
        """The named graph a file's triples go into (in TriG or N-Quads: those outside any GRAPH block).

        Nothing is loaded into the default graph: it is the union of the named graphs, rebuilt
        after each load and update, and every triple keeps a graph naming its source.
        """
        if ontology_dir is not None and path.resolve().is_relative_to(ontology_dir.resolve()):
            return ONTOLOGY_GRAPH
        return GRAPH_BASE + path.stem

    def load_file(self, path: Path, *, graph: str | None = None) -> None:
        """Load one RDF file; triples go to ``graph`` (default: by file name), quads keep their graph."""
        path = Path(path)
        fmt = rdf_format(path)
        if graph is None:
            graph = self.graph_for_file(path)
        data = _read(path)
        with _load_errors(path):
            self.backend.load(data, fmt, graph)
        self._changed(None)

    def load_files(self, paths: Iterable[Path], *, ontology_dir: Path | None = None) -> int:
        """Load RDF files (ontology-dir Turtle into the ontology graph); return how many were loaded."""
        count = 0
        for path in paths:
            path = Path(path)
            self.load_file(path, graph=self.graph_for_file(path, ontology_dir))
            count += 1
        return count

    @staticmethod
    def project_files(settings: Settings) -> list[Path]:
        """The files ``load_project`` reads, in a stable order: ontology first, then data."""
        files: list[Path] = []
        if settings.ontology_dir.is_dir():
            files += sorted(settings.ontology_dir.rglob("*.ttl"))
        if settings.data_dir.is_dir():
            files += sorted(
                p for p in settings.data_dir.rglob("*") if p.is_file() and p.suffix.lower() in (".trig", ".ttl", ".nq")
            )
        return files

    @classmethod
    def project_fingerprint(cls, settings: Settings) -> str:
        """sha256 over the relative paths and bytes of the files ``load_project`` reads."""
        return fingerprint(cls._named_project_files(settings))

    @classmethod
    def _named_project_files(cls, settings: Settings) -> list[tuple[str, Path]]:
        named = []
        for path in cls.project_files(settings):
            root = settings.ontology_dir if path.is_relative_to(settings.ontology_dir) else settings.data_dir
            label = "ontology" if root == settings.ontology_dir else "data"
            named.append((f"{label}/{path.relative_to(root).as_posix()}", path))
        return named

    def files_fingerprint(self, settings: Settings) -> str:
        """``project_fingerprint``, read from beside an on-disk store when no file's size or mtime moved.

        Hashing a national graph's files costs 0.4 s per 100 MB at every restart. Like git's index,
        a file whose mtime is within ``RACY_SECONDS`` of the hashing is not trusted by its stat alone
        (it may change again within the same timestamp tick), so no shortcut is saved then.
        """
        named = self._named_project_files(settings)
        try:
            stats = [(name, path.stat()) for name, path in named]
        except OSError:
            return fingerprint(named)
        key = hashlib.sha256(
            repr([(name, st.st_size, st.st_mtime_ns, st.st_ino) for name, st in stats]).encode()
        ).hexdigest()
        found = load_derived(self.derived_dir, "project-files", key)
        if isinstance(found, str):
            return found
        digest = fingerprint(named)
        newest = max((st.st_mtime_ns for _, st in stats), default=0)
        # Only beside a store that keeps derived state already (a server's search index makes the
        # directory): a store used without a server gets no directory of its own for this.
        directory = self.derived_dir
        if directory is not None and directory.is_dir() and time.time_ns() - newest > RACY_SECONDS * 1_000_000_000:
            save_derived(directory, "project-files", key, digest)
        return digest

    @staticmethod
    def rules_fingerprint(rules_dir: Path | None) -> str | None:
        """sha256 over the rule files (None for a store used without its project's rules)."""
        if rules_dir is None:
            return None
        paths = sorted(Path(rules_dir).glob("*.ru")) if Path(rules_dir).is_dir() else []
        return fingerprint((p.name, p) for p in paths)

    def load_record(self) -> LoadRecord:
        """The store's record of its load and last derivation, read from the state graph (a few triples)."""
        rows = self.backend.query(RECORD_QUERY)
        return LoadRecord.from_triples((r["s"], r["p"], r["o"]) for r in rows)  # type: ignore[union-attr]

    def condition(self, settings: Settings) -> StoreCondition:
        """What a start finds in this store: empty, an interrupted load, files changed since, or complete."""
        rules_dir = settings.ontology_dir / "rules"
        return judge(
            self.load_record(),
            empty=self.is_empty(),
            files=self.files_fingerprint(settings),
            rules=self.rules_fingerprint(rules_dir),
        )

    def load_project(self, settings: Settings, *, reload: bool = False) -> bool:
        """Load the ontology and data of the project; return False when a persistent store was kept as is.

        A persistent store is kept when its load completed (``load_record``), re-derived when only the
        rules changed, and rebuilt from the files when its load was interrupted, or when the files changed
        and no update was made since; ``self.state`` says which, for ``/health``.
        """
        self.rules_dir = settings.ontology_dir / "rules"
        if self.persistent and not reload:
            state = self.condition(settings)
            if not state.needs_load:
                self.state = state
                if {CANDIDATES_GRAPH, CHANGED_GRAPH} & set(self.backend.named_graphs()):
                    # An update stopped before its upkeep dropped its scratch graphs: they record
                    # nothing a start needs (the derivation mark says whether to re-derive).
                    self.backend.update("\n;\n".join(clear_steps()))
                if state.condition in (Condition.rules_changed, Condition.underived):
                    self.derive()
                else:
                    # Caches will be built from the data as it is now: remember which derivation that is.
                    self._stamp = state.record.derivation
                self.loaded = True
                return False
        else:
            state = StoreCondition(Condition.empty, "loading the project", LoadRecord())
        files = self.project_files(settings)
        if state.condition is Condition.outdated:
            # The store is a finished load of older files: a broken new file must not cost it.
            for path in files:
                parse_file(path)
        if not self.is_empty():
            self.clear()
        completion = completion_steps(self.files_fingerprint(settings), "project")
        try:
            if isinstance(self.backend, EmbeddedBackend):
                self._bulk_load(files, settings.ontology_dir, completion)
            else:
                self.load_files(files, ontology_dir=settings.ontology_dir)
                # The record is written by the derivation's own request: present only if the load completed.
                self.derive(completion=completion)
        except StoreLoadError:
            if self.persistent:
                # A half-loaded persistent store would otherwise look loaded on the next start.
                self.clear()
            raise
        self.backend.flush()
        self.state = StoreCondition(Condition.complete, f"loaded ({state.reason})", self.load_record())
        self.loaded = True
        return True

    def _bulk_load(self, files: Sequence[Path], ontology_dir: Path, completion: list[str]) -> None:
        """Fill an empty embedded store with Oxigraph's bulk loader, then derive, recording the load last.

        A transaction per file and one for the whole union cost ten times ``oxigraph load`` at a
        million quads (and the memory of a transaction that size). The bulk loader writes without
        transactions, so nothing here is atomic: the load record, written by the last request,
        is what makes the store count as loaded, and a start that finds none rebuilds it.
        """
        backend = self.backend
        assert isinstance(backend, EmbeddedBackend)
        raw = backend.store
        for path in files:
            graph = ox.NamedNode(self.graph_for_file(path, ontology_dir))
            with _load_errors(path):
                # Each quad into its graph and into the union, in one pass over the file.
                backend.bulk_extend(_with_union(ox.parse(path=str(path), format=rdf_format(path)), graph))
        self._changed(None)
        stamp = uuid.uuid4().hex
        steps = count_steps() + derivation_steps(stamp, self.rules_fingerprint(self.rules_dir))
        rules = self._rules()
        focused = None if rules is None else focused_rules(rules.operations, rules.sources, rules.paths)
        if focused:
            # Evaluated as CONSTRUCT queries and written in bulk: a transaction the size of the
            # derived graph costs minutes on disk.
            derived = ox.NamedNode(DERIVED_GRAPH)
            for rule in focused:
                triples = list(raw.query(rule.construct()))  # type: ignore[arg-type]
                backend.bulk_extend(_with_union((ox.Quad(t.subject, t.predicate, t.object, derived) for t in triples), derived))
        elif rules is not None and rules.operations:
            steps = [*rules.operations, union_update(graph=DERIVED_GRAPH), *steps]
        self._send(steps + completion, stamp)

    def replace_content(self, quads: Sequence[ox.Quad], fingerprint_: str) -> None:
        """Replace every quad with ``quads`` (named graphs only), derive, and record a completed restore.

        On a remote engine all of it is one update request (one transaction in Oxigraph: readers see
        the old data or the new). An embedded store is cleared and filled first, then derived: a disk
        restore (``app.restore``) does this on a new store that it swaps in whole.
        """
        steps, stamp = self._derivation(self._rules())
        completion = completion_steps(fingerprint_, "restore")
        if isinstance(self.backend, RemoteBackend):
            by_graph: dict[str, list[ox.Triple]] = {}
            for quad in quads:
                by_graph.setdefault(str(quad.graph_name), []).append(quad.triple)
            # One INSERT DATA, so a blank node shared by two graphs stays one node.
            blocks = " ".join(
                f"GRAPH {graph} {{ {(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b'').decode()} }}"
                for graph, triples in by_graph.items()
            )
            self._send(["DROP ALL", f"INSERT DATA {{ {blocks} }}", *steps, *completion], stamp)
        else:
            self.clear()
            self.raw.extend(quads)
            self._send(steps + completion, stamp)
        self.backend.flush()
        self.state = StoreCondition(Condition.complete, "restored from a dump", self.load_record())
        self.loaded = True

    def _rules(self) -> Rules | None:
        """The rules of ``rules_dir``, read and checked now; None for a store used without its project."""
        return None if self.rules_dir is None else read_rules(self.rules_dir)

    def _derivation(self, rules: Rules | None) -> tuple[list[str], str]:
        """The operations that rebuild the union and the derived graph with ``rules``, and the stamp they record."""
        stamp = uuid.uuid4().hex
        # Without rules (a store used without its project) the derived graph is left as it is.
        if rules is None:
            return [
                union_update(rebuild=True, exclude=SERVICE_GRAPHS), *count_steps(), *derivation_steps(stamp, None)
            ], stamp
        derived = ox.NamedNode(DERIVED_GRAPH)
        steps = [
            f"DROP SILENT GRAPH {derived}",
            union_update(rebuild=True, exclude=SERVICE_GRAPHS),
            *rules.operations,
            union_update(graph=DERIVED_GRAPH),
            *count_steps(),
            # The derivation's record, outside the union; other replicas of a remote engine read
            # its identifier to learn that the data changed (``current_generation``).
            *derivation_steps(stamp, self.rules_fingerprint(self.rules_dir)),
        ]
        return steps, stamp

    def derive(self, *, completion: list[str] | None = None) -> None:
        """Rebuild what is derived from the named graphs: the union default graph and the rules' graph.

        Oxigraph's ``use_default_graph_as_union`` is a bag: a fact stated by two source articles
        would match twice and COUNTs would overcount. A real union default graph (a set, as Fuseki's
        unionDefaultGraph) keeps SPARQL answers right while each source keeps its named graph.
        Rules (``ontology/rules/*.ru``, in name order) read that union and write their own named
        graph, which then joins it. All of it is one SPARQL update request, run inside the engine:
        no round trip per triple, and one transaction in Oxigraph (embedded or server), so a reader
        on a disk store or another replica never sees the default graph emptied or half rebuilt.
        ``completion``: operations of the load record, sent in the same request.
        """
        steps, stamp = self._derivation(self._rules())
        self._send(steps + (completion or []), stamp)

    def _derived_digest(self) -> tuple[int, int, str]:
        """Triples of the union and of the rules' graph, and a digest of both that ignores order."""
        import hashlib

        counts, total = [0, 0], 0
        for index, graph in enumerate((None, DERIVED_GRAPH)):
            for quad in self.backend.graph_quads(graph):
                counts[index] += 1
                # Blank nodes have no stable label across rebuilds: they count, and hash alike.
                text = " ".join("_:" if isinstance(t, ox.BlankNode) else str(t) for t in quad.triple) + f" {index}"
                total = (total + int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest())) % (1 << 64)
        return counts[0], counts[1], f"{total:016x}"

    def rebuild(self) -> Rebuilt:
        """Re-derive the union and the rules' graph in full, and say whether incremental upkeep had drifted."""
        before = self._derived_digest()
        self.derive()
        after = self._derived_digest()
        return Rebuilt(after[0], after[1], changed=before != after)

    def _send(self, steps: list[str], stamp: str, *, base_iri: str | None = None) -> None:
        """Run ``steps`` as one request that ends in a full derivation recorded under ``stamp``."""
        # Line breaks around ';' so a rule ending in a comment cannot swallow the separator.
        self.backend.update("\n;\n".join(steps), base_iri=base_iri)
        self._changed(None, stamp=stamp)

    def _engine_stamp(self) -> str | None:
        """The identifier the last derivation recorded, read from the engine."""
        return self.load_record().derivation

    def current_generation(self) -> int:
        """The generation, first bumped if another service replica has changed a remote engine's data.

        Replicas over one engine each keep caches (search index, notation table, quality report);
        an update through one of them rewrites the derivation stamp, which the others read here,
        at most once per ``change_check_seconds``. An embedded store has one writer: this process.
        """
        if self.backend.kind != "remote" or self.rules_dir is None:
            return self.generation
        with self._generation_lock:
            now = time.monotonic()
            if now - self._stamp_checked >= self.change_check_seconds:
                self._stamp_checked = now
                stamp = self._engine_stamp()
                if stamp != self._stamp:
                    self._stamp = stamp
                    self._next_generation(None)  # another replica's write: what it touched is unknown
            return self.generation

    async def generation_async(self) -> int:
        """``current_generation`` for an event loop: over a remote engine it may ask the engine, so in a thread."""
        if self.backend.kind == "remote":
            return await asyncio.to_thread(self.current_generation)
        return self.current_generation()

    @property
    def stamp(self) -> str | None:
        """The identifier of the derivation the data is at (changes with every load and update).

        Derived state persisted beside the store (search index, findings) is trusted only when it
        was saved at this stamp.
        """
        return self._stamp

    @property
    def derived_dir(self) -> Path | None:
        """Where derived state of an on-disk store is persisted (beside it); None in memory or remote."""
        return None if self.path is None else self.path.with_name(self.path.name + ".derived")

    def _changed(self, terms: frozenset[str] | None, *, stamp: str | None = None) -> None:
        """After a write through this store: a new generation, logged with what the write touched
        (None: everything), and the derivation's new ``stamp`` when it wrote one."""
        with self._generation_lock:
            if stamp is not None:
                self._stamp = stamp
            self._next_generation(terms)

    def _next_generation(self, terms: frozenset[str] | None) -> None:
        """Bump the generation and log what changed (call with the generation lock held)."""
        self.generation += 1
        self._changes.append(Change(self.generation, terms))
        del self._changes[:-CHANGE_LOG_SIZE]

    def changes_since(self, generation: int) -> frozenset[str] | None:
        """The IRIs touched by the writes after ``generation``; None when the caller must rebuild.

        None when one of those writes was a full load or rebuild, when the log no longer reaches
        back to ``generation``, or when another replica changed a remote engine's data.
        """
        current = self.current_generation()
        if generation == current:
            return frozenset()
        with self._generation_lock:
            log = [c for c in self._changes if c.generation > generation]
        # Every generation between must be in the log, else a write went unrecorded.
        if len(log) != current - generation or any(c.terms is None for c in log):
            return None
        return frozenset().union(*(c.terms for c in log if c.terms is not None))

    def per_generation(self, key: str, compute: Callable[[], _T]) -> _T:
        """``compute()``, run once per generation of the data and kept under ``key`` until it changes.

        Counting a national graph takes seconds; its result only changes when the data does.
        """
        # Read before computing: an update racing the computation then makes the next call recompute.
        generation = self.current_generation()
        with self._memo_lock:
            kept = self._memo.get(key)
            # One computation per key at a time: the polls that arrive meanwhile wait for its result.
            computing = self._memo_computing.setdefault(key, threading.Lock())
        if kept is None or kept[0] != generation:
            with computing:
                with self._memo_lock:
                    kept = self._memo.get(key)
                if kept is None or kept[0] != generation:
                    kept = (generation, self._persisted(key, generation, compute))
                    with self._memo_lock:
                        self._memo[key] = kept
        return kept[1]  # type: ignore[return-value]  # each key is always given the same compute

    def _persisted(self, key: str, generation: int, compute: Callable[[], _T]) -> _T:
        """``compute()``, or what an on-disk store saved for it at this stamp (a restart then counts nothing)."""
        with self._generation_lock:
            # The stamp of ``generation``: after a write since, nothing is saved under a stamp it does not match.
            stamp = self._stamp if self.generation == generation else None
        name = f"memo-{key}"
        found = load_derived(self.derived_dir, name, stamp)
        if found is not None:
            return found  # type: ignore[no-any-return]  # saved by this same key's compute
        value = compute()
        if self.current_generation() == generation:
            save_derived(self.derived_dir, name, stamp, value)
        return value

    def sizes(self) -> Sizes:
        """Distinct triples and named graphs, counted once per generation (``/health``, the service description)."""
        return self.per_generation("sizes", self._sizes)

    def _sizes(self) -> Sizes:
        # The derivation keeps the union's size in the state graph: reading it is O(1).
        kept = self.load_record().union_triples
        return Sizes(self.triple_count() if kept is None else kept, len(self.graph_names()))

    # ------------------------------------------------------------------ querying

    def _execute(self, text: str, substitutions: dict[ox.Variable, Term]) -> object:
        try:
            return self.backend.query(text, prefixes=PREFIXES, substitutions=substitutions or None)
        except (QuerySyntaxError, QueryTimeout):
            raise
        except QueryError as exc:
            raise self._query_error(exc) from exc

    def update(self, text: str, *, base_iri: str | None = None, using: Dataset | None = None) -> None:
        """Run a SPARQL update on the named graphs, and keep the union and the derived graph with it.

        ``using``: the protocol's using-graph-uri / using-named-graph-uri. An update whose operations
        ``app.store.upkeep`` can capture (data, DELETE/INSERT … WHERE, graph operations on named
        graphs) updates the union and the rules' graph for what it touched alone; any other is sent
        with a full rebuild, as one request (one transaction in Oxigraph): a crash leaves either all
        of it or none. The upkeep and the rules carry no prologue (every IRI is written in full), so
        the user's PREFIX and BASE cannot change what they mean.
        """
        if using:
            text = add_using(text, using.default_graphs, using.named_graphs)
        rules = self._rules()
        focused = None if rules is None else focused_rules(rules.operations, rules.sources, rules.paths)
        # Virtuoso runs the operations of one request one by one, not as a transaction, and cannot
        # compute the kept count in a template: it gets the full rebuild in one request.
        virtuoso = isinstance(self.backend, RemoteBackend) and self.backend.virtuoso
        # What a previous update's upkeep left (it stopped half way) must not count as this one's.
        # No rules at all: the union alone is kept. A rule without a focus: only a full rebuild will do.
        incremental = rules is None or focused is not None
        captured = capture(text, clear_steps()) if incremental and not virtuoso else None
        if captured is None:
            self._update_in_full(text, base_iri, rules)
        else:
            self._update_incrementally(captured, base_iri, focused or [])
        self.backend.flush()

    def _update_in_full(self, text: str, base_iri: str | None, rules: Rules | None) -> None:
        """The user's update and a full rebuild of the union and the derived graph, in one request."""
        steps, stamp = self._derivation(rules)
        self._send([_followed_by(text, [*clear_steps(), *steps, *update_steps()])], stamp, base_iri=base_iri)

    def _update_incrementally(self, captured: str, base_iri: str | None, rules: list[FocusedRule]) -> None:
        """Run a captured update (``app.store.upkeep``), then re-derive the rules for what it touched.

        Two requests: the user's operations with the union's upkeep and a mark that the derivation
        is pending (one transaction), then the rules for the foci the change reaches with the new
        derivation record. A crash between the two leaves the mark, and the next start re-derives in
        full (``Condition.underived``). Caches are told what changed once both have run.
        """
        stamp = uuid.uuid4().hex
        self.backend.update(_followed_by(captured, [*pending_steps(), *update_steps()]), base_iri=base_iri)
        steps: list[str] = []
        if rules:
            foci = self._foci(rules, iris(row["t"] for row in self.select(changed_iris_query())))
            if foci:
                steps += rederive_steps(rules, foci)
        steps += derivation_steps(stamp, self.rules_fingerprint(self.rules_dir))
        self.backend.update("\n;\n".join(steps))
        terms = frozenset(term_text(t) for row in self.select(changed_iris_query()) if (t := row["t"]) is not None)
        self.backend.update("\n;\n".join(clear_steps()))
        self._changed(terms, stamp=stamp)

    def _foci(self, rules: list[FocusedRule], changed: list[ox.NamedNode]) -> list[str]:
        """The foci whose derivation the changed IRIs may alter: reached by a rule now, or derived before."""
        found: dict[str, None] = {}
        for start in range(0, len(changed), VALUES_BATCH):
            batch = changed[start : start + VALUES_BATCH]
            for rule in rules:
                for variable in rule.variables:
                    for row in self.select(rule.reached_query(variable, batch)):
                        value = row[rule.focus]
                        if isinstance(value, ox.NamedNode):
                            found[value.value] = None
            for row in self.select(derived_foci_query(batch)):
                for name in ("n", "f"):
                    value = row[name]
                    if isinstance(value, ox.NamedNode):
                        found[value.value] = None
        return list(found)

    def _run(self, query: str, bindings: Mapping[str, Term] | None) -> tuple[object, frozenset[str]]:
        """Run ``query``; return its result and the variables added to its projection (to hide)."""
        substitutions: dict[ox.Variable, Term] = {}
        for name, value in (bindings or {}).items():
            if not isinstance(value, (ox.NamedNode, ox.BlankNode, ox.Literal, ox.Triple)):
                raise ParameterError(f"binding for ?{name} must be an RDF term, not {type(value).__name__}")
            substitutions[ox.Variable(name.lstrip("?$"))] = value
        text, added = query, list[str]()
        while True:
            try:
                return self._execute(text, substitutions), frozenset(added)
            except ParameterError as exc:
                # pyoxigraph substitutes only projected variables, and a query author naturally
                # leaves a parameter out of SELECT: project it, and the caller hides the column.
                widened = _add_to_projection(text, exc.name) if exc.name and exc.name not in added else None
                if widened is None:
                    raise
                added.append(exc.name)  # type: ignore[arg-type]  # checked just above
                text = widened
            except QuerySyntaxError as exc:
                if added:  # the widened projection is invalid (an aggregate query): name the real cause
                    raise self._unprojected(added[0]) from exc
                raise

    @staticmethod
    def _unprojected(variable: str) -> ParameterError:
        return ParameterError(
            f"cannot bind ?{variable}: the query must project it (SELECT ?{variable} ... or SELECT *)",
            name=variable,
        )

    @staticmethod
    def _query_error(exc: Exception) -> QueryError:
        match = _PROJECTION_ERROR.search(str(exc))
        if match:
            return PolicyStore._unprojected(match.group(1))
        return QueryError(f"query failed: {exc}")

    def _iterate(self, results: Iterable[_T]) -> Iterator[_T]:
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        iterator = iter(results)
        while True:
            try:
                item = next(iterator)
            except StopIteration:
                return
            except (RuntimeError, ValueError) as exc:
                raise self._query_error(exc) from exc
            except OSError as exc:
                raise StoreError(f"store error while querying: {exc}") from exc
            # pyoxigraph cannot interrupt a running query, so the deadline is checked between rows.
            if deadline is not None and time.monotonic() > deadline:
                raise QueryTimeout(f"query exceeded the {self.timeout:g} s timeout")
            yield item

    def run_select(
        self, query: str, bindings: Mapping[str, Term] | None = None, *, limit: int | None = None
    ) -> QueryResult:
        """Run a SELECT query; keep at most ``limit`` rows and flag the result as truncated past it."""
        results, hidden = self._run(query, bindings)
        if not isinstance(results, ox.QuerySolutions):
            raise QueryError(f"expected a SELECT query, got {_kind(results)}")
        names = [v.value for v in results.variables]
        columns = [name for name in names if name not in hidden]
        # Unpacking a solution is ~10x faster than looking each variable up by name.
        positions = [(name, i) for i, name in enumerate(names) if name not in hidden]
        rows: list[dict[str, Term | None]] = []
        truncated = False
        for solution in self._iterate(results):
            if limit is not None and len(rows) >= limit:
                truncated = True
                break
            assert isinstance(solution, ox.QuerySolution)
            values = tuple(solution)
            rows.append({name: values[i] for name, i in positions})
        return QueryResult(columns=columns, rows=rows, truncated=truncated)

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[dict[str, Term | None]]:
        """Run a SELECT query; each row maps every projected variable to a term, None when unbound."""
        return self.run_select(query, bindings).rows

    def select_python(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[dict[str, PyValue]]:
        """Run a SELECT query and return rows of plain Python values."""
        return self.run_select(query, bindings).python_rows()

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        """Run an ASK query."""
        result, _ = self._run(query, bindings)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError(f"expected an ASK query, got {_kind(result)}")
        return bool(result)

    def construct_triples(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        """Run a CONSTRUCT or DESCRIBE query and return its triples as pyoxigraph terms.

        Far faster than ``construct`` on large results: rdflib's N-Triples parser reads ~10k
        triples a second (bench/export.py).
        """
        result, _ = self._run(query, bindings)
        if not isinstance(result, ox.QueryTriples | GraphAnswer):
            raise QueryError(f"expected a CONSTRUCT or DESCRIBE query, got {_kind(result)}")
        return list(self._iterate(result))

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> rdflib.Graph:
        """Run a CONSTRUCT or DESCRIBE query and return its triples as an rdflib graph."""
        import rdflib

        data = ox.serialize(self.construct_triples(query, bindings), format=ox.RdfFormat.N_TRIPLES) or b""
        graph = _bind(rdflib.Graph())
        graph.parse(data=data.decode("utf-8"), format="nt")
        return graph

    # ------------------------------------------------------------------ inspection and export

    def count(self, query: str, bindings: Mapping[str, Term] | None = None) -> int:
        """The ``?n`` of a one-row COUNT query; 0 when it has no row."""
        return self.counts(query, bindings).get("n", 0)

    def counts(self, query: str, bindings: Mapping[str, Term] | None = None) -> dict[str, int]:
        """Every count of a one-row COUNT query, by variable name (unbound or non-numeric: 0)."""
        rows = self.select_python(query, bindings)
        return {name: _as_count(value) for name, value in rows[0].items()} if rows else {}

    def grouped_counts(self, query: str, key: str) -> dict[str, int]:
        """The ``?n`` of each row of a grouped COUNT query, by the row's ``?key``, in row order."""
        return {str(r[key]): _as_count(r["n"]) for r in self.select_python(query)}

    def triple_count(self) -> int:
        """Number of distinct triples (the union default graph)."""
        return self.count(_TRIPLES)

    def data_quad_count(self) -> int:
        """Quads in the dataset's named graphs: what a TriG or N-Quads dump holds."""
        return self.count(_DATA_QUAD_COUNT)

    def graph_triple_counts(self) -> dict[str, int]:
        """Triples per named graph of the dataset, by graph IRI in order (the state graph left out)."""
        return self.grouped_counts(GRAPH_COUNTS, "g")

    def class_counts(self) -> dict[str, int]:
        """Distinct instances per class (as stated with ``rdf:type``, no subclass closure), by class IRI."""
        return self.grouped_counts(_CLASS_COUNTS, "class")

    def quad_count(self) -> int:
        """Number of quads in the store, the union copy included."""
        return self.backend.quad_count()

    def graph_names(self) -> list[str]:
        """IRIs of the dataset's named graphs, sorted (the service's state graph is not one of them)."""
        return sorted(g for g in self.backend.named_graphs() if g not in SERVICE_GRAPHS)

    def _data_quads(self) -> Iterator[ox.Quad]:
        """Every quad but those of the service's own graphs."""
        service = {ox.NamedNode(g) for g in SERVICE_GRAPHS}
        return (q for q in self.backend.quads() if q.graph_name not in service)

    def to_rdflib_dataset(self) -> rdflib.Dataset:
        """The whole dataset as an rdflib Dataset (named graphs kept)."""
        import rdflib

        # N-Quads is the fastest route: no prefixes to resolve, one line per quad.
        data = ox.serialize(self._data_quads(), format=ox.RdfFormat.N_QUADS) or b""
        dataset = rdflib.Dataset()
        _bind(dataset)
        dataset.parse(data=data.decode("utf-8"), format="nquads")
        return dataset

    def to_rdflib_graph(self) -> rdflib.Graph:
        """The union of all graphs as one rdflib Graph (for pySHACL and owlready2)."""
        import rdflib

        data = ox.serialize((q.triple for q in self._data_quads()), format=ox.RdfFormat.N_TRIPLES) or b""
        graph = _bind(rdflib.Graph())
        graph.parse(data=data.decode("utf-8"), format="nt")
        return graph


def _with_union(quads: Iterable[ox.Quad], graph: ox.NamedNode) -> Iterator[ox.Quad]:
    """Each quad (those of the default graph put in ``graph``), then its triple in the default graph."""
    default = ox.DefaultGraph()
    for quad in quads:
        if isinstance(quad.graph_name, ox.DefaultGraph):
            quad = ox.Quad(quad.subject, quad.predicate, quad.object, graph)
        yield quad
        yield ox.Quad(quad.subject, quad.predicate, quad.object, default)


def _followed_by(text: str, steps: list[str]) -> str:
    """``text`` (an update request) with ``steps`` run after its last operation, in the same request."""
    end = last_operation_end(text)
    tail = "\n;\n".join(steps)
    # A request of a prologue alone runs nothing: the steps then follow it directly. Else they
    # follow the last operation, cutting a trailing ';' that would leave '; ;' behind.
    return f"{text}\n{tail}" if end is None else f"{text[:end]}\n;\n{tail}"


_SELECT_MODIFIER = re.compile(r"\s+(DISTINCT|REDUCED)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Rules:
    """The SPARQL Update rules of a project: their PREFIX declarations merged, and their operations
    with every prefixed name written as a full IRI (no prologue: Oxigraph accepts none after ';')."""

    prefixes: dict[str, str]
    operations: list[str]
    #: Each rule's file and text as written (its header declares the rule's focus, for ``app.store.upkeep``).
    paths: list[Path] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


# A rule's leading comments and PREFIX declarations.
_PROLOGUE_ITEM = re.compile(r"\s*(?:#[^\n]*|PREFIX\s+(?P<name>[^\s:]*):\s*<(?P<iri>[^>]*)>|(?P<base>BASE\b))", re.IGNORECASE)


def read_rules(rules_dir: Path) -> Rules:
    """The rules (``*.ru``) of ``rules_dir`` in name order, each checked on its own.

    Each runs once on an empty in-memory store first, so a broken rule is reported with its file
    and position (StoreLoadError) before anything is written.
    """
    paths = sorted(Path(rules_dir).glob("*.ru")) if Path(rules_dir).is_dir() else []
    rules = Rules({}, [])
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
            ox.Store().update(text)
        except OSError as exc:
            raise StoreLoadError(path, f"cannot read the rule: {exc.strerror or exc}") from exc
        except (SyntaxError, RuntimeError, ValueError) as exc:
            raise StoreLoadError(path, f"rule failed: {exc}") from exc
        position = 0
        while (item := _PROLOGUE_ITEM.match(text, position)) is not None:
            if item["base"]:
                raise StoreLoadError(path, "a rule cannot declare BASE (it would apply to every rule); write full IRIs")
            if item["iri"] is not None:
                known = rules.prefixes.setdefault(item["name"], item["iri"])
                if known != item["iri"]:
                    raise StoreLoadError(
                        path, f"prefix {item['name']}: is <{item['iri']}> here but <{known}> in an earlier rule"
                    )
            position = item.end()
        operation = expand_prefixed_names(text[position:], rules.prefixes).rstrip().removesuffix(";")
        try:
            # Without its prologue: a prefixed name the expansion missed fails here, not in a derivation.
            ox.Store().update(operation)
        except (SyntaxError, RuntimeError, ValueError) as exc:
            raise StoreLoadError(path, f"rule failed once its prefixes were expanded: {exc}") from exc
        rules.operations.append(operation)
        rules.paths.append(path)
        rules.sources.append(text)
    return rules


def _add_to_projection(query: str, variable: str) -> str | None:
    """Return ``query`` with ``?variable`` added to its top-level SELECT clause, or None if not found.

    Only the prologue (comments, PREFIX/BASE IRIs) can precede the top-level SELECT, so a scan
    that skips comments, IRIs and strings finds it without a SPARQL parser.
    """
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch == "#":
            newline = query.find("\n", i)
            i = n if newline < 0 else newline + 1
        elif ch == "<":
            close = query.find(">", i)
            i = n if close < 0 else close + 1
        elif ch in "\"'":
            close = query.find(ch, i + 1)
            i = n if close < 0 else close + 1
        elif ch.isalpha():
            j = i
            while j < n and (query[j].isalnum() or query[j] in "_-:"):
                j += 1
            word = query[i:j]
            if word.upper() == "SELECT":
                modifier = _SELECT_MODIFIER.match(query, j)
                at = modifier.end() if modifier else j
                if query[at:].lstrip().startswith("*"):
                    return None  # SELECT * already projects every variable
                return f"{query[:at]} ?{variable}{query[at:]}"
            if word.upper() in ("ASK", "CONSTRUCT", "DESCRIBE", "WHERE"):
                return None
            i = j
        else:
            i += 1
    return None


def _kind(result: object) -> str:
    if isinstance(result, ox.QueryBoolean):
        return "an ASK query"
    if isinstance(result, ox.QueryTriples | GraphAnswer):
        return "a CONSTRUCT/DESCRIBE query"
    return "a SELECT query"


def _bind(graph: rdflib.Graph) -> rdflib.Graph:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    return graph


def rdflib_graph_of(source: object) -> rdflib.Graph:
    """``source`` itself when it is an rdflib Graph, else the union graph of a PolicyStore."""
    import rdflib

    if isinstance(source, rdflib.Graph):
        return source
    if hasattr(source, "to_rdflib_graph"):
        return source.to_rdflib_graph()  # type: ignore[no-any-return]
    raise TypeError(f"expected a PolicyStore or an rdflib.Graph, not {type(source).__name__}")
