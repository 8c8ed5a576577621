"""Ingest and retract one source: a reviewed draft (TriG) or a raw text, checked, then committed all or nothing.

``ingest`` reads the input (bounded, UTF-8, not binary, not empty), drafts it when it is raw text
(``extract`` over a gazetteer of the store, then ``draft_trig``), parses the TriG (an error names
line and column), puts every literal in NFC, refuses any quad outside ``polg:source/{name}`` and
any statement about the ontology or a graph, completes the source record's provenance, validates
the new graph with the neighbourhood it touches (``app.quality.findings.validate_quads``) and, when
no Violation is found, replaces the graph in **one** ``store.update``: the store's incremental
upkeep then keeps the union, the rules' graph and the change log in step, so lineage, search,
quality and exports see the source without a restart. On a Violation nothing is written and the
report lists each one with its resource, property, value and the draft's line.

The log of every ingest and retract is the named graph ``polg:curation-log`` (PROV-O activities),
written by the same update as the change it records: the log cannot say an ingest happened that
the store does not hold, or miss one it does, and it survives a restart, a dump and a restore
with the data (a file beside the store would not be in the dumps, nor be written atomically with them).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox

from app.core.config import Settings, get_settings
from app.core.errors import (
    DraftOutsideGraph,
    DraftSyntaxError,
    InvalidInput,
    PayloadTooLarge,
    SourceExists,
    UnknownSource,
    clip,
)
from app.core.namespaces import DCAT, DCTERMS, GRAPH_BASE, ONTOLOGY_GRAPH, PAV, POL, POLID, PROV, RDF, RDFS, XSD
from app.core.text import nfc
from app.curation.draft import (
    Provenance,
    Vocabulary,
    draft_trig,
    resolve_province,
    source_graph,
    source_iri,
    text_sha256,
)
from app.curation.extract import ExtractionContext, extract
from app.curation.gazetteer import Gazetteer
from app.quality.findings import Rules, load_rules, validate_quads
from app.quality.validation import Finding
from app.store.policy_store import PolicyStore, term_text

__all__ = [
    "LOG_GRAPH",
    "UNKNOWN",
    "Checkable",
    "IngestReport",
    "LogEntry",
    "Problem",
    "RetractReport",
    "curation_log",
    "ingest",
    "read_input",
    "retract",
    "source_names",
]

#: The named graph of the curation log: one prov:Activity per ingest, replace and retract.
LOG_GRAPH = GRAPH_BASE + "curation-log"
_SOURCE_GRAPHS = GRAPH_BASE + "source/"
# Ingests and retracts of this process, one at a time: the existence check, the validation against
# the neighbourhood and the write must see the same store.
_WRITES = threading.Lock()
# Control characters that do not occur in text (NUL … BS, VT, SO … US, DEL): a file of them is binary.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_PREFIX = re.compile(r"(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_BASE = re.compile(r"(?:@base|BASE)\s*<([^>]*)>", re.IGNORECASE)
_PARSER_POSITION = re.compile(r"^Parser error (?:at|between) line [^:]*: ")

_A = ox.NamedNode(str(RDF.type))
_REPLACED_BY_INGEST = (str(DCTERMS.creator), str(PROV.generatedAtTime))
#: What an ingest option says when the source gives no such field: recorded as ``pol:notStated``.
UNKNOWN = "unknown"
_DATE_FORMS = ((re.compile(r"^\d{4}$"), "gYear"), (re.compile(r"^\d{4}-\d{2}$"), "gYearMonth"),
               (re.compile(r"^\d{4}-\d{2}-\d{2}$"), "date"),
               (re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$"), "dateTime"))


@dataclass(frozen=True, slots=True)
class Checkable:
    """Where a source can be checked, as the ingest's input gives it: each field a value, ``UNKNOWN``
    (the source states none: recorded as ``pol:notStated``) or None (not given: the draft's own, if any)."""

    url: str | None = None
    publisher: str | None = None
    published: str | None = None
    retrieved: str | None = None


def _date(option: str, text: str) -> ox.Literal:
    """``text`` as an xsd:gYear, gYearMonth, date or dateTime literal; InvalidInput naming ``option`` otherwise."""
    for form, datatype in _DATE_FORMS:
        if not form.match(text):
            continue
        try:
            if datatype in ("date", "dateTime"):
                dt.date.fromisoformat(text[:10])
            elif datatype == "gYearMonth" and not 1 <= int(text[5:7]) <= 12:
                break
        except ValueError:
            break
        return ox.Literal(text, datatype=ox.NamedNode(str(XSD[datatype])))
    raise InvalidInput(f"{option}: {text!r:.60} is no date (give YYYY, YYYY-MM, YYYY-MM-DD or an ISO date-time, "
                       f"or {UNKNOWN!r} when the source states none)")


def _checkable_statements(check: Checkable) -> tuple[set[str], list[tuple[str, ox.NamedNode | ox.Literal]]]:
    """The record's properties the input sets (they replace the draft's) and the statements to add."""
    replaced: set[str] = set()
    add: list[tuple[str, ox.NamedNode | ox.Literal]] = []
    given = (("landingPage", str(DCAT.landingPage), check.url), ("publisher", str(POL.publisher), check.publisher),
             ("issued", str(DCTERMS.issued), check.published), ("retrievedOn", str(PAV.retrievedOn), check.retrieved))
    for field_name, predicate, value in given:
        if value is None:
            continue
        replaced.add(predicate)
        if value.strip().lower() == UNKNOWN:
            add.append((str(POL.notStated), ox.Literal(field_name)))
        elif field_name == "landingPage":
            add.append((predicate, ox.NamedNode(value)))
        elif field_name == "publisher":
            add.append((predicate, ox.Literal(nfc(value.strip()))))
        else:
            add.append((predicate, _date("published" if field_name == "issued" else "retrieved", value.strip())))
    return replaced, add


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about the draft: what is wrong, on which resource and property, and on which line."""

    severity: str
    rule: str
    message: str
    message_vi: str | None
    focus: str
    focus_label: str | None
    path: str | None
    value: str | None
    line: int | None

    def as_text(self) -> str:
        """One line: where (line, resource, property) and what."""
        where = f"line {self.line}: " if self.line is not None else ""
        name = self.focus_label or self.focus
        prop = f" {self.path}" if self.path else ""
        value = f" = {clip(self.value, 80)}" if self.value else ""
        return f"{where}{self.severity} {self.rule} on {clip(name, 80)}{prop}{value}: {self.message}"


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What an ingest did (``committed``) or why it wrote nothing (``violations``)."""

    source: str
    graph: str
    committed: bool
    replaced: bool
    quads: int
    violations: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    #: Seconds the neighbourhood validation took, and how many triples it validated.
    validation_seconds: float
    validated_triples: int
    #: The TriG that was checked (the raw text's draft, or the draft as given).
    draft: str
    log_entry: str | None


@dataclass(frozen=True, slots=True)
class RetractReport:
    """A source removed: its graph, how many quads it held, the log entry."""

    source: str
    graph: str
    quads: int
    log_entry: str


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the curation log."""

    iri: str
    action: str
    source: str
    curator: str | None
    time: str | None
    sha256: str | None
    quads: int | None


# ------------------------------------------------------------------------------------ input


def read_input(content: str | bytes, limit: int) -> str:
    """The input as NFC text: InvalidInput when empty, binary or not UTF-8; PayloadTooLarge past ``limit`` bytes."""
    size = len(content) if isinstance(content, bytes) else len(content.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise PayloadTooLarge(f"the input has {size} bytes; the limit is {limit} (POLICYKG_INGEST_MAX_BYTES)")
    if isinstance(content, bytes):
        if b"\x00" in content:
            raise InvalidInput("the input is binary (it holds NUL bytes): give a text or a TriG draft in UTF-8")
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"the input is not UTF-8 text (byte {exc.start} cannot be decoded)") from exc
    else:
        text = content
    controls = len(_CONTROL.findall(text[:65536]))
    if controls > 8:
        raise InvalidInput(f"the input is binary ({controls} control characters in its first 64 KB)")
    if not text.strip():
        raise InvalidInput("the input is empty: give the text of a document or a TriG draft")
    return nfc(text)


def _parse(trig: str, graph: str) -> list[ox.Quad]:
    """The draft's quads, all in ``graph``, literals in NFC; errors with line and column."""
    try:
        parsed = list(ox.parse(trig.encode("utf-8"), ox.RdfFormat.TRIG))
    except SyntaxError as exc:
        raise DraftSyntaxError(_PARSER_POSITION.sub("", exc.msg or str(exc)), exc.lineno, exc.offset) from exc
    except ValueError as exc:
        raise DraftSyntaxError(str(exc)) from exc
    target = ox.NamedNode(graph)
    others = sorted({str(q.graph_name) for q in parsed if q.graph_name not in (target, ox.DefaultGraph())})
    if others:
        raise DraftOutsideGraph(
            f"the draft writes outside its graph <{graph}>: {', '.join(clip(g, 120) for g in others[:5])}"
            " (a source holds one named graph; put every statement in it)"
        )
    quads = [ox.Quad(q.subject, q.predicate, _nfc(q.object), target) for q in parsed]
    protected = sorted({
        q.subject.value for q in quads
        if isinstance(q.subject, ox.NamedNode)
        and (q.subject.value.startswith((str(POL), ONTOLOGY_GRAPH, GRAPH_BASE)))
    })
    if protected:
        raise DraftOutsideGraph(
            "a draft states facts about policy, not about the ontology or the graphs: "
            + ", ".join(f"<{clip(s, 120)}>" for s in protected[:5])
        )
    if not quads:
        raise InvalidInput("the draft states nothing (no triple in it)")
    return quads


def _nfc(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple:
    if not isinstance(term, ox.Literal):
        return term
    value = nfc(term.value)
    if value == term.value:
        return term
    if term.language:
        return ox.Literal(value, language=term.language)
    return ox.Literal(value, datatype=term.datatype)


# ------------------------------------------------------------------------------------ provenance


def _complete_record(
    quads: list[ox.Quad], name: str, graph: str, *, sha256: str, file_name: str, curator: str, time: str,
    check: Checkable, province: str | None,
) -> list[ox.Quad]:
    """The quads with the source record's provenance filled in: defaults where the draft says nothing,
    who ingested it when, and where to check it (address, publisher, dates) as the ingest states them."""
    record, g = ox.NamedNode(source_iri(name)), ox.NamedNode(graph)
    url = check.url if check.url and check.url.strip().lower() != UNKNOWN else None
    checked, checkable = _checkable_statements(check)
    replaced = set(_REPLACED_BY_INGEST) | ({str(DCTERMS.source)} if url else set()) | checked
    # A field the input now gives is no longer "not stated" (and one it calls unknown is stated again below).
    marks = {ox.Literal(f) for f, value in zip(
        ("landingPage", "publisher", "issued", "retrievedOn"),
        (check.url, check.publisher, check.published, check.retrieved), strict=True) if value is not None}
    kept = [q for q in quads if not (q.subject == record and (
        q.predicate.value in replaced or (q.predicate.value == str(POL.notStated) and q.object in marks)))]
    stated = {q.predicate.value for q in kept if q.subject == record}
    add: list[tuple[str, ox.NamedNode | ox.Literal]] = []
    types = {term_text(q.object) for q in kept if q.subject == record and q.predicate == _A}
    if not types:
        add.append((str(RDF.type), ox.NamedNode(str(POL.CuratedText))))
    if str(POL.SourceArticle) not in types:
        # Stated, not only entailed: the search, VoID and resource pages ask for pol:SourceArticle without inference.
        add.append((str(RDF.type), ox.NamedNode(str(POL.SourceArticle))))
    defaults: dict[str, ox.NamedNode | ox.Literal] = {
        str(DCTERMS["title"]): ox.Literal(f"Nguồn {name}", language="vi"),
        str(POL.sourceFile): ox.Literal(file_name),
        str(POL.textSha256): ox.Literal(sha256),
        str(DCTERMS.language): ox.Literal("vi"),
    }
    add += [(p, v) for p, v in defaults.items() if p not in stated]
    if province is not None and str(DCTERMS.spatial) not in stated:
        add.append((str(DCTERMS.spatial), ox.NamedNode(province)))
    if url:
        add.append((str(DCTERMS.source), ox.NamedNode(url)))
    add += checkable
    add.append((str(DCTERMS.creator), ox.Literal(curator)))
    add.append((str(PROV.generatedAtTime), ox.Literal(time, datatype=ox.NamedNode(str(XSD.dateTime)))))
    return kept + [ox.Quad(record, ox.NamedNode(p), v, g) for p, v in add]


def _log_triples(action: str, name: str, *, curator: str, time: str, sha256: str | None, quads: int) -> tuple[str, list[ox.Triple]]:
    entry = ox.NamedNode(f"{POLID}curation/{uuid.uuid4().hex}")
    graph = ox.NamedNode(source_graph(name))
    link = PROV.invalidated if action == "retract" else PROV.generated
    triples = [
        ox.Triple(entry, _A, ox.NamedNode(str(PROV.Activity))),
        ox.Triple(entry, ox.NamedNode(str(RDFS.label)), ox.Literal(f"{action} of source {name}", language="en")),
        ox.Triple(entry, ox.NamedNode(str(DCTERMS.type)), ox.Literal(action)),
        ox.Triple(entry, ox.NamedNode(str(link)), graph),
        ox.Triple(entry, ox.NamedNode(str(PROV.used)), ox.NamedNode(source_iri(name))),
        ox.Triple(entry, ox.NamedNode(str(DCTERMS.creator)), ox.Literal(curator)),
        ox.Triple(entry, ox.NamedNode(str(PROV.startedAtTime)), ox.Literal(time, datatype=ox.NamedNode(str(XSD.dateTime)))),
        ox.Triple(entry, ox.NamedNode(str(DCTERMS.extent)), ox.Literal(str(quads), datatype=ox.NamedNode(str(XSD.integer)))),
    ]
    if action == "replace":
        triples.append(ox.Triple(entry, ox.NamedNode(str(PROV.invalidated)), graph))
    if sha256:
        triples.append(ox.Triple(entry, ox.NamedNode(str(POL.textSha256)), ox.Literal(sha256)))
    return entry.value, triples


def _ntriples(triples: Iterable[ox.Triple]) -> str:
    return (ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


# ------------------------------------------------------------------------------------ where


def _spellings(trig: str, iri: str) -> list[str]:
    """How ``iri`` can be written in ``trig``: in full, against its @base, with one of its prefixes."""
    found = [f"<{iri}>"]
    base = _BASE.search(trig)
    if base is not None and iri.startswith(base.group(1)):
        found.append(f"<{iri.removeprefix(base.group(1))}>")
    for match in _PREFIX.finditer(trig):
        namespace = match.group(2)
        if iri.startswith(namespace) and namespace:
            found.append(f"{match.group(1) or ''}:{iri.removeprefix(namespace)}")
    return found


def _line_of(trig: str, iri: str) -> int | None:
    """The first line of ``trig`` that names ``iri`` as the first term of a statement (else anywhere)."""
    spellings = _spellings(trig, iri)
    lines = trig.splitlines()
    for wanted_start in (True, False):
        for number, line in enumerate(lines, 1):
            stripped = line.strip()
            for spelling in spellings:
                at = stripped.find(spelling)
                if at < 0 or (wanted_start and at != 0):
                    continue
                after = stripped[at + len(spelling) : at + len(spelling) + 1]
                if spelling.startswith("<") or after in ("", " ", ";", ",", ".", "\t"):
                    return number
    return None


def _problems(trig: str, findings: Iterable[Finding]) -> list[Problem]:
    return [
        Problem(f.severity, f.rule, f.message, f.message_vi, f.focus, f.focus_label, f.path, f.value,
                _line_of(trig, f.focus) if not f.focus.startswith("_:") else None)
        for f in findings
    ]


# ------------------------------------------------------------------------------------ ingest


@lru_cache(maxsize=4)
def _rules(shapes: Path, queries: Path, ontology: Path) -> Rules:
    return load_rules(Settings(shapes_dir=shapes, queries_dir=queries, ontology_dir=ontology))


def _exists(store: PolicyStore, graph: str) -> bool:
    return store.ask(f"ASK {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}")


def ingest(
    store: PolicyStore,
    content: str | bytes,
    name: str,
    *,
    raw: bool = False,
    province: str | None = None,
    url: str | None = None,
    curator: str | None = None,
    replace: bool = False,
    file_name: str | None = None,
    settings: Settings | None = None,
    commit: Callable[[str], None] | None = None,
    publisher: str | None = None,
    published: str | None = None,
    retrieved: str | None = None,
) -> IngestReport:
    """Validate ``content`` (a TriG draft, or a raw text when ``raw``) as source ``name`` and commit it all or nothing.

    ``province``: IRI, key or name of the area (a new province is proposed by the draft of a raw text);
    ``commit``: what runs the one update (default ``store.update``; the server pauses its workers around it).
    ``url``, ``publisher``, ``published``, ``retrieved``: where a reader checks the source (dcat:landingPage,
    pol:publisher, dcterms:issued, pav:retrievedOn); ``"unknown"`` records that the source states none.
    """
    settings = settings or get_settings()
    graph = source_graph(name)
    curator = nfc(curator.strip()) if curator and curator.strip() else settings.curator
    if url is not None:
        url = url.strip() or None
    check = Checkable(url, *(v if v is None or v.strip() else None for v in (publisher, published, retrieved)))
    _checkable_statements(check)  # a bad date is refused before anything is read
    if url is not None and url.lower() == UNKNOWN:
        url = None
    if url is not None:
        try:
            ox.NamedNode(url)
        except ValueError as exc:
            raise InvalidInput(f"the original address {url!r:.120} is not an absolute IRI") from exc
    text = read_input(content, settings.ingest_max_bytes)
    sha256 = text_sha256(text)
    time = _now()
    rules = _rules(settings.shapes_dir, settings.queries_dir, settings.ontology_dir)
    with _WRITES:
        exists = _exists(store, graph)
        if exists and not replace:
            raise SourceExists(name)
        # Read only when needed: at a million quads the gazetteer takes seconds to read.
        gazetteer = Gazetteer.from_store(store) if raw or province else Gazetteer()
        area = resolve_province(gazetteer, province)
        if raw:
            extraction = extract(text, ExtractionContext(gazetteer, area.iri if area else None, name))
            trig = extraction.draft or draft_trig(
                extraction,
                Provenance(name, file_name or f"{name}.txt", sha256, curator, time, url),
                gazetteer=gazetteer, vocabulary=Vocabulary.from_store(store), province=area,
            )
        else:
            trig = text
        quads = _complete_record(
            _parse(trig, graph), name, graph, sha256=sha256,
            file_name=file_name or f"{name}{'.txt' if raw else '.trig'}", curator=curator, time=time,
            check=check, province=area.iri if area else None,
        )
        report = validate_quads(store, rules, quads, replacing=graph if exists else None)
        problems = _problems(trig, report.findings)
        violations = tuple(p for p in problems if p.severity == "Violation")
        warnings = tuple(p for p in problems if p.severity != "Violation")
        entry = None
        if not violations:
            action = "replace" if exists else "ingest"
            entry, log = _log_triples(action, name, curator=curator, time=time, sha256=sha256, quads=len(quads))
            data = _ntriples(q.triple for q in quads)
            steps = [f"DROP SILENT GRAPH {ox.NamedNode(graph)}"] if exists else []
            steps.append(
                f"INSERT DATA {{ GRAPH {ox.NamedNode(graph)} {{\n{data}}}\n"
                f"GRAPH {ox.NamedNode(LOG_GRAPH)} {{\n{_ntriples(log)}}} }}"
            )
            (commit or store.update)(" ;\n".join(steps))
    return IngestReport(
        source=name, graph=graph, committed=not violations, replaced=exists and not violations,
        quads=len(quads), violations=violations, warnings=warnings,
        validation_seconds=report.seconds, validated_triples=report.triples, draft=trig, log_entry=entry,
    )


def retract(
    store: PolicyStore,
    name: str,
    *,
    curator: str | None = None,
    settings: Settings | None = None,
    commit: Callable[[str], None] | None = None,
) -> RetractReport:
    """Remove source ``name`` (its named graph) in one update that also logs it; UnknownSource if absent."""
    settings = settings or get_settings()
    graph = source_graph(name)
    curator = nfc(curator.strip()) if curator and curator.strip() else settings.curator
    with _WRITES:
        count = store.count(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {ox.NamedNode(graph)} {{ ?s ?p ?o }} }}")
        if not count:
            raise UnknownSource(name)
        entry, log = _log_triples("retract", name, curator=curator, time=_now(), sha256=None, quads=count)
        (commit or store.update)(
            f"DROP GRAPH {ox.NamedNode(graph)} ;\nINSERT DATA {{ GRAPH {ox.NamedNode(LOG_GRAPH)} {{\n{_ntriples(log)}}} }}"
        )
    return RetractReport(source=name, graph=graph, quads=count, log_entry=entry)


_LOG_QUERY = f"""
SELECT ?e ?action ?graph ?curator ?time ?sha ?quads WHERE {{
  GRAPH <{LOG_GRAPH}> {{
    ?e a prov:Activity ; dcterms:type ?action ; prov:startedAtTime ?time .
    {{ ?e prov:generated ?graph }} UNION {{ ?e prov:invalidated ?graph FILTER NOT EXISTS {{ ?e prov:generated ?x }} }}
    OPTIONAL {{ ?e dcterms:creator ?curator }}
    OPTIONAL {{ ?e pol:textSha256 ?sha }}
    OPTIONAL {{ ?e dcterms:extent ?quads }}
  }}
}} ORDER BY ?time ?e"""


def curation_log(store: PolicyStore) -> list[LogEntry]:
    """Every ingest, replace and retract the store records, oldest first."""
    out: list[LogEntry] = []
    for row in store.select(_LOG_QUERY):
        e, action, graph = row["e"], row["action"], row["graph"]
        if e is None or action is None or graph is None:
            continue
        quads = row["quads"]
        out.append(LogEntry(
            iri=term_text(e), action=term_text(action),
            source=term_text(graph).removeprefix(_SOURCE_GRAPHS),
            curator=term_text(row["curator"]) if row["curator"] is not None else None,
            time=term_text(row["time"]) if row["time"] is not None else None,
            sha256=term_text(row["sha"]) if row["sha"] is not None else None,
            quads=int(term_text(quads)) if quads is not None else None,
        ))
    return out


def source_names(store: PolicyStore) -> list[str]:
    """The names of the sources the store holds (``polg:source/{name}`` graphs)."""
    return sorted(g.removeprefix(_SOURCE_GRAPHS) for g in store.graph_names() if g.startswith(_SOURCE_GRAPHS))
