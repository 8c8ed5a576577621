"""Quality checks of the graph: SHACL shapes (pySHACL) plus the ``*-violation.rq`` queries.

``validate(store, settings)`` checks the union of all graphs of a :class:`PolicyStore`;
``validate_graph(data, shapes, violation_queries, ont_graph=...)`` checks any rdflib graph
(used by the tests with small fixtures).

Rule ids are stable: the local name of the shape IRI (``polsh:notation-grammar`` →
``notation-grammar``; a nested blank-node shape reports under the nearest named shape
holding it) or the stem of the query file (``implements-cycle-violation``).

Severities: completeness shapes and violation queries are ``Violation``; consistency shapes
are ``Warning`` (suspicious facts recorded as the sources state them) or ``Info``. A report
conforms iff it holds no ``Violation``.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, SKOS
from rdflib.query import ResultRow

from app.core.labels import best_label, label_of
from app.core.namespaces import PREFIXES, compact, expand
from app.store.policy_store import PolicyStore, rdflib_graph_of

if TYPE_CHECKING:
    from app.core.config import Settings

SHAPES_NS = "https://w3id.org/policykg/shapes#"
SEVERITIES = ("Violation", "Warning", "Info")
_SEVERITY_IRI = {"Violation": SH.Violation, "Warning": SH.Warning, "Info": SH.Info}
_SHAPE_LINKS = (SH.property, SH.node, SH["or"], SH["and"], SH.xone, SH["not"],
                SH.qualifiedValueShape, RDF.first, RDF.rest)

__all__ = [
    "Finding",
    "ValidationReport",
    "load_data_files",
    "load_graph_dir",
    "load_ontology",
    "load_shapes",
    "rule_ids",
    "validate",
    "validate_graph",
    "violation_query_paths",
]


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------


@dataclass
class Finding:
    """One problem found on one resource."""

    severity: str  # "Violation" | "Warning" | "Info"
    rule: str  # shape local name or query stem
    message: str  # English message
    message_vi: str | None  # Vietnamese message (None for a query that gives none)
    focus: str  # IRI (or blank node id "_:x") of the resource at fault
    focus_label: str | None = None  # its rdfs:label, Vietnamese first
    focus_notation: str | None = None
    path: str | None = None  # compact property path, "^pol:hasTask" for an inverse path
    value: str | None = None
    source: str | None = None  # shape IRI or query file the finding comes from

    def sort_key(self) -> tuple[int, str, str, str]:
        return (SEVERITIES.index(self.severity), self.rule, self.focus, self.value or "")


@dataclass
class ValidationReport:
    """Findings of one validation run; conforms iff no Violation."""

    conforms: bool
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    triples: int = 0

    @classmethod
    def from_findings(cls, findings: Iterable[Finding], *, seconds: float = 0.0, triples: int = 0) -> ValidationReport:
        unique: dict[tuple[Any, ...], Finding] = {}
        for f in findings:
            unique.setdefault((f.severity, f.rule, f.focus, f.path, f.value, f.message), f)
        ordered = sorted(unique.values(), key=Finding.sort_key)
        conforms = not any(f.severity == "Violation" for f in ordered)
        return cls(conforms=conforms, findings=ordered, seconds=seconds, triples=triples)

    # -- views -------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        c = Counter(f.severity for f in self.findings)
        return {s: c.get(s, 0) for s in SEVERITIES}

    def by_rule(self) -> dict[str, int]:
        return dict(sorted(Counter(f.rule for f in self.findings).items()))

    def of_rule(self, rule: str) -> list[Finding]:
        return [f for f in self.findings if f.rule == rule]

    def to_json(self) -> dict[str, Any]:
        return {
            "conforms": self.conforms,
            "counts": self.counts(),
            "rules": self.by_rule(),
            "seconds": round(self.seconds, 3),
            "triples": self.triples,
            "findings": [asdict(f) for f in self.findings],
        }

    def to_text(self) -> str:
        counts = self.counts()
        head = "conforms" if self.conforms else "does NOT conform"
        lines = [
            (
                f"policykg validation: {head} — {counts['Violation']} violation(s), "
                f"{counts['Warning']} warning(s), {counts['Info']} info ({self.triples} triples, {self.seconds:.2f} s)"
            )
        ]
        for severity in SEVERITIES:
            group = [f for f in self.findings if f.severity == severity]
            if not group:
                continue
            lines.append("")
            lines.append(f"== {severity} ({len(group)}) ==")
            for f in group:
                name = f.focus_notation or f.focus_label
                where = f"{name} <{f.focus}>" if name else f"<{f.focus}>"
                lines.append(f"[{f.rule}] {where}")
                lines.append(f"    {f.message}")
                if f.message_vi:
                    lines.append(f"    {f.message_vi}")
                detail = []
                if f.path:
                    detail.append(f"path: {f.path}")
                if f.value:
                    detail.append(f"value: {f.value}")
                if detail:
                    lines.append("    " + "  ".join(detail))
        return "\n".join(lines) + "\n"

    def to_graph(self) -> rdflib.Graph:
        g = rdflib.Graph()
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns)
        g.bind("polsh", SHAPES_NS)
        report = BNode()
        g.add((report, RDF.type, SH.ValidationReport))
        g.add((report, SH.conforms, Literal(self.conforms)))
        for f in self.findings:
            r = BNode()
            g.add((report, SH.result, r))
            g.add((r, RDF.type, SH.ValidationResult))
            g.add((r, SH.resultSeverity, _SEVERITY_IRI[f.severity]))
            g.add((r, SH.focusNode, _term_from_str(f.focus)))
            shape = f.source if f.source and f.source.startswith(SHAPES_NS) else SHAPES_NS + f.rule
            g.add((r, SH.sourceShape, URIRef(shape)))
            if f.source and not f.source.startswith(SHAPES_NS):
                g.add((r, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
                g.add((r, RDFS.seeAlso, Literal(f.source)))
            g.add((r, SH.resultMessage, Literal(f.message, lang="en")))
            if f.message_vi:
                g.add((r, SH.resultMessage, Literal(f.message_vi, lang="vi")))
            if f.value is not None:
                g.add((r, SH.value, _term_from_str(f.value)))
            if f.path and ":" in f.path:
                if f.path.startswith("^"):
                    inverse = BNode()
                    g.add((inverse, SH.inversePath, URIRef(expand(f.path[1:]))))
                    g.add((r, SH.resultPath, inverse))
                else:
                    g.add((r, SH.resultPath, URIRef(expand(f.path))))
        return g

    def to_turtle(self) -> str:
        return self.to_graph().serialize(format="turtle")

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.to_text()


def _term_from_str(text: str) -> rdflib.term.Node:
    if text.startswith(("http://", "https://", "urn:", "file:")):
        return URIRef(text)
    if text.startswith("_:"):
        return BNode(text[2:])
    return Literal(text)


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------


def load_graph_dir(directory: Path, patterns: Sequence[str] = ("*.ttl",)) -> rdflib.Graph:
    """Parse every Turtle file under ``directory`` (recursively) into one graph."""
    graph = rdflib.Graph()
    directory = Path(directory)
    files = sorted({p for pattern in patterns for p in directory.rglob(pattern)})
    if not files:
        raise FileNotFoundError(f"no {', '.join(patterns)} file under {directory}")
    for path in files:
        graph.parse(path, format="turtle")
    return graph


def load_data_files(paths: Iterable[Path]) -> rdflib.Graph:
    """Parse Turtle / TriG / N-Triples / N-Quads files into one graph (the union of their graphs)."""
    graph = rdflib.Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    formats = {".ttl": "turtle", ".trig": "trig", ".nt": "nt", ".nq": "nquads"}
    for path in paths:
        path = Path(path)
        fmt = formats.get(path.suffix)
        if fmt is None:
            raise ValueError(f"unknown RDF file type: {path}")
        if fmt in ("trig", "nquads"):
            ds = rdflib.Dataset()
            ds.parse(path, format=fmt)
            for s, p, o, _g in ds.quads((None, None, None, None)):
                graph.add((s, p, o))
        else:
            graph.parse(path, format=fmt)
    return graph


def load_shapes(shapes_dir: Path) -> rdflib.Graph:
    """All SHACL shapes of ``shapes_dir`` as one graph."""
    return load_graph_dir(shapes_dir)


def load_ontology(ontology_dir: Path) -> rdflib.Graph:
    """The OWL ontology and SKOS schemes of ``ontology_dir`` as one graph."""
    return load_graph_dir(ontology_dir)


def violation_query_paths(queries_dir: Path) -> list[Path]:
    return sorted(Path(queries_dir).glob("*-violation.rq"))


def rule_ids(shapes: rdflib.Graph, violation_queries: Iterable[Path] = ()) -> dict[str, str]:
    """Every rule id with its declared severity: targeted named shapes, then violation queries."""
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
    rules: dict[str, str] = {}
    for pred in targets:
        for shape in shapes.subjects(pred, None):
            if isinstance(shape, URIRef) and str(shape).startswith(SHAPES_NS):
                sev = shapes.value(shape, SH.severity) or SH.Violation
                rules[str(shape)[len(SHAPES_NS):]] = _local(sev)
    for path in violation_queries:
        rules[Path(path).stem] = _query_header(Path(path).read_text(encoding="utf-8")).get("severity", "Violation")
    return dict(sorted(rules.items()))


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------


def validate_graph(
    data: rdflib.Graph,
    shapes: rdflib.Graph,
    violation_queries: Sequence[Path] = (),
    *,
    ont_graph: rdflib.Graph | None = None,
) -> ValidationReport:
    """Validate ``data`` against ``shapes`` and run every violation query over it.

    ``ont_graph`` (the ontology + SKOS schemes) is given to pySHACL, which mixes it into a copy
    of the data so that ``sh:targetClass``/``sh:class`` follow ``rdfs:subClassOf`` and the SPARQL
    constraints can read ``pol:documentClass``, ``rdfs:subPropertyOf``...; the violation queries
    run over the same union. When ``data`` already holds the ontology (a store's union graph),
    ``ont_graph`` may be left out.
    """
    import pyshacl

    started = time.perf_counter()
    # pySHACL copies only the OWL/RDFS axioms of ont_graph into the data ("inoculation"), not the
    # SKOS concepts (doctype:kh a pol:DocumentType, unit:percent, ...) that sh:class and the SPARQL
    # rules need: validate a private union of data and ontology, in place (no second copy).
    combined = _union(data, ont_graph)
    with _prepared_query_cache():
        _conforms, results, _text = pyshacl.validate(
            combined,
            shacl_graph=shapes,
            ont_graph=ont_graph,
            advanced=True,
            inference="none",
            inplace=True,
            abort_on_first=False,
            allow_warnings=True,
            allow_infos=True,
        )
        findings = list(_shacl_findings(results, shapes, combined))
        for path in violation_queries:
            findings.extend(_query_findings(Path(path), combined))
    return ValidationReport.from_findings(
        findings, seconds=time.perf_counter() - started, triples=len(combined)
    )


def validate(store: PolicyStore | rdflib.Graph, settings: Settings) -> ValidationReport:
    """Validate the union of all graphs of ``store`` with the shapes, violation queries and
    ontology of the directories ``settings`` names."""
    return validate_graph(
        rdflib_graph_of(store),
        load_shapes(Path(settings.shapes_dir)),
        violation_query_paths(Path(settings.queries_dir)),
        ont_graph=load_ontology(Path(settings.ontology_dir)),
    )


# ---------------------------------------------------------------------------
# Internals
# ---------------------------------------------------------------------------


def _union(data: rdflib.Graph, extra: rdflib.Graph | None) -> rdflib.Graph:
    """A fresh graph holding data + extra (never the caller's graph: pySHACL runs in place on it)."""
    g = rdflib.Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    for t in data:
        g.add(t)
    for t in extra if extra is not None else ():
        g.add(t)
    return g


_PREPARE_LOCK = threading.RLock()
_PREPARED: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_PREPARED_MAX = 256


@contextmanager
def _prepared_query_cache() -> Iterator[None]:
    """Parse each SPARQL text once while validating.

    pySHACL hands the text of a SHACL-SPARQL constraint to ``Graph.query`` once per focus node,
    and rdflib parses it every time (~0.1 s for the larger rules): that was nearly all the
    validation time. Within this context rdflib's SPARQL processor reuses the parsed and
    translated query of each text (what ``prepareQuery`` returns for reuse), kept in a small
    LRU cache across runs; outside it the processor is untouched. A lock keeps concurrent
    validations from interleaving the patch.
    """
    from rdflib.plugins.sparql import processor
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    with _PREPARE_LOCK:
        original = processor.SPARQLProcessor.query

        # rdflib's own parameter names, so callers passing them by keyword keep working.
        def query(self: Any, strOrQuery: Any, initBindings: Any = None, initNs: Any = None,  # noqa: N803
                  base: Any = None, DEBUG: bool = False) -> Any:  # noqa: N803
            if isinstance(strOrQuery, str):
                key = (strOrQuery, base, tuple(sorted((initNs or {}).items())))
                prepared = _PREPARED.get(key)
                if prepared is None:
                    prepared = translateQuery(parseQuery(strOrQuery), base, initNs or {})
                    _PREPARED[key] = prepared
                    if len(_PREPARED) > _PREPARED_MAX:
                        _PREPARED.popitem(last=False)
                else:
                    _PREPARED.move_to_end(key)
                strOrQuery = prepared  # noqa: N806
            return original(self, strOrQuery, initBindings, initNs, base, DEBUG)

        processor.SPARQLProcessor.query = query  # type: ignore[method-assign]
        try:
            yield
        finally:
            processor.SPARQLProcessor.query = original  # type: ignore[method-assign]


def _local(term: rdflib.term.Node) -> str:
    text = str(term)
    for sep in ("#", "/"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text


def _rule_of_shape(shape: rdflib.term.Node | None, shapes: rdflib.Graph) -> tuple[str, str | None]:
    """Rule id of a shape: its own local name if named, else that of the nearest named holder."""
    seen: set[rdflib.term.Node] = set()
    frontier = [shape] if shape is not None else []
    while frontier:
        node = frontier.pop(0)
        if node in seen:
            continue
        seen.add(node)
        if isinstance(node, URIRef):
            return _local(node), str(node)
        for link in _SHAPE_LINKS:
            frontier.extend(shapes.subjects(link, node))
    return "shape", None


def _lang_pick(literals: Iterable[rdflib.term.Node], lang: str | None) -> str | None:
    lits = [lit for lit in literals if isinstance(lit, Literal)]
    for lit in lits:
        if lit.language == lang:
            return str(lit)
    return None


def _describe(graph: rdflib.Graph, node: rdflib.term.Node | None) -> tuple[str | None, str | None]:
    label = best_label(label_of(o) for o in graph.objects(node, RDFS.label) if isinstance(o, Literal))
    notation = graph.value(node, SKOS.notation)
    return label, (str(notation) if notation is not None else None)


def _render_path(results: rdflib.Graph, path: rdflib.term.Node | None) -> str | None:
    if path is None:
        return None
    if isinstance(path, URIRef):
        return compact(str(path))
    inverse = results.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + (_render_path(results, inverse) or "?")
    return str(path)


def _render_term(term: rdflib.term.Node | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def _shacl_findings(results: rdflib.Graph, shapes: rdflib.Graph, data: rdflib.Graph) -> Iterable[Finding]:
    for r in results.subjects(RDF.type, SH.ValidationResult):
        focus = results.value(r, SH.focusNode)
        shape = results.value(r, SH.sourceShape)
        rule, source = _rule_of_shape(shape, shapes)
        severity = _local(results.value(r, SH.resultSeverity) or SH.Violation)
        messages = _with_languages(
            list(results.objects(r, SH.resultMessage)),
            _message_templates(shapes, results.value(r, SH.sourceConstraint), shape),
        )
        en = _lang_pick(messages, "en") or _lang_pick(messages, None) or (str(messages[0]) if messages else rule)
        vi = _lang_pick(messages, "vi")
        value = results.value(r, SH.value)
        if value == focus and results.value(r, SH.resultPath) is None:
            value = None  # node-level constraints repeat the focus as value
        label, notation = _describe(data, focus)
        yield Finding(
            severity=severity,
            rule=rule,
            message=en,
            message_vi=vi,
            focus=_render_term(focus) or "",
            focus_label=label,
            focus_notation=notation,
            path=_render_path(results, results.value(r, SH.resultPath)),
            value=_render_term(value),
            source=source,
        )


def _message_templates(
    shapes: rdflib.Graph, constraint: rdflib.term.Node | None, shape: rdflib.term.Node | None
) -> list[Literal]:
    """The sh:message literals a result's messages were made from (constraint's, else shape's)."""
    found: list[Literal] = []
    for node in (constraint, shape):
        if node is not None:
            found.extend(m for m in shapes.objects(node, SH.message) if isinstance(m, Literal))
        if found:
            break
    return found


def _with_languages(messages: list[rdflib.term.Node], templates: list[Literal]) -> list[rdflib.term.Node]:
    """Give back the language tag pySHACL drops when it fills {?var} placeholders in a message."""
    out: list[rdflib.term.Node] = []
    for m in messages:
        if isinstance(m, Literal) and m.language is None and m.datatype is None:
            for t in templates:
                if t.language is None:
                    continue
                parts = re.split(r"\{[?$][A-Za-z_][A-Za-z0-9_]*\}", str(t))
                pattern = "(?s)" + ".*?".join(re.escape(part) for part in parts)
                if re.fullmatch(pattern, str(m)):
                    m = Literal(str(m), lang=t.language)
                    break
        out.append(m)
    return out


def _query_header(text: str) -> dict[str, str]:
    header: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            if stripped:
                break
            continue
        key, sep, rest = stripped.lstrip("#").strip().partition(":")
        if sep and key.strip() in {"title", "description", "severity"}:
            header.setdefault(key.strip(), rest.strip())
    return header


def _query_findings(path: Path, graph: rdflib.Graph) -> Iterable[Finding]:
    text = path.read_text(encoding="utf-8")
    header = _query_header(text)
    severity = header.get("severity", "Violation")
    if severity not in SEVERITIES:
        raise ValueError(f"{path.name}: unknown severity {severity!r}")
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    for row in graph.query(prologue + text):
        assert isinstance(row, ResultRow)  # a SELECT: rows, not triples or a boolean
        d = row.asdict()
        focus = d.get("focus")
        if focus is None:
            raise ValueError(f"{path.name}: a violation query must project ?focus")
        label, notation = _describe(graph, focus)
        message = d.get("message")
        message_vi = d.get("messageVi")
        yield Finding(
            severity=severity,
            rule=path.stem,
            message=str(message) if message is not None else header.get("title", path.stem),
            message_vi=str(message_vi) if message_vi is not None else None,
            focus=_render_term(focus) or "",
            focus_label=label,
            focus_notation=notation,
            path=compact(str(d["path"])) if isinstance(d.get("path"), URIRef) else None,
            value=_render_term(d.get("value")),
            source=str(path.name),
        )
