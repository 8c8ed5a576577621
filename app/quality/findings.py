"""Findings of the compiled shapes and the violation queries, kept per check and focus node.

``Findings.full(store)`` validates the whole store with the compiled checks (``app.quality.compiled``)
and the ``queries/*-violation.rq`` rules, all run by the store's engine (no rdflib copy); shapes the
compiler does not translate go to pySHACL. ``Findings.update(store, touched)`` revalidates after a
write: a local check (SHACL Core) only for the focus nodes the write touched and those whose
shapes read a touched node (reverse along the shapes' paths); a SHACL-SPARQL constraint or a
violation query, which may read anything, is rerun whole (one query each). ``validate_document``
checks one new file against the store without writing to it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import rdflib

from app.core.labels import best_label, label_of
from app.core.namespaces import ONTOLOGY_GRAPH, RDFS, SKOS, compact
from app.quality.compiled import Check, CompiledShapes, compile_shapes, subclass_closure
from app.quality.validation import (
    SEVERITIES,
    Finding,
    ValidationReport,
    _query_header,
    load_ontology,
    load_shapes,
    validate_graph,
    violation_query_paths,
)
from app.store.policy_store import PolicyStore, parse_file

if TYPE_CHECKING:
    from app.core.config import Settings

__all__ = ["Findings", "Rules", "load_rules", "validate_document", "validate_fast", "validate_quads"]

#: Above this many focus nodes to revalidate, a check is rerun whole (one query beats a huge VALUES).
INCREMENTAL_LIMIT = 20_000
_CHUNK = 2_000
_FORMAT = 1  # version of the persisted findings
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")


@dataclass(frozen=True)
class QueryRule:
    """A ``*-violation.rq`` rule: its text, severity and title."""

    name: str
    text: str
    severity: str
    title: str
    source: str


@dataclass(frozen=True)
class Rules:
    """What validation runs: the compiled checks, the violation queries, the shapes left to pySHACL."""

    compiled: CompiledShapes
    queries: tuple[QueryRule, ...]
    shapes: rdflib.Graph
    ontology_dir: Path

    @property
    def fallback(self) -> list[str]:
        """The shapes validated by pySHACL because the compiler does not translate them."""
        return sorted(self.compiled.unsupported)


def load_rules(settings: Settings) -> Rules:
    """Read and compile the shapes and violation queries of the directories ``settings`` names."""
    shapes = load_shapes(Path(settings.shapes_dir))
    queries = []
    for path in violation_query_paths(Path(settings.queries_dir)):
        text = path.read_text(encoding="utf-8")
        header = _query_header(text)
        severity = header.get("severity", "Violation")
        if severity not in SEVERITIES:
            raise ValueError(f"{path.name}: unknown severity {severity!r}")
        queries.append(QueryRule(path.stem, text, severity, header.get("title", path.stem), path.name))
    return Rules(compile_shapes(shapes), tuple(queries), shapes, Path(settings.ontology_dir))


# ---------------------------------------------------------------------------
# Running one check
# ---------------------------------------------------------------------------


def _text(term: ox.NamedNode | ox.BlankNode | ox.Literal | Any) -> str:
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term.value)


def _fill(template: str | None, fills: dict[str, str]) -> str | None:
    """A SHACL-SPARQL message with its {?var} placeholders filled, as pySHACL fills them."""
    if template is None:
        return None
    for var, val in fills.items():
        template = re.sub(f"{{[?$]{var}}}", val, template)
    return template


def _chunks(items: Iterable[str], size: int = _CHUNK) -> Iterator[list[str]]:
    # A blank node (or a relative IRI) cannot be named in VALUES: left out.
    named = (item for item in items if _ABSOLUTE_IRI.match(item))
    while batch := list(islice(named, size)):
        yield batch


_EDGES = (f"SELECT ?sub ?super WHERE {{ ?sub <{RDFS}subClassOf>|<{RDFS}subPropertyOf> ?super "
          f"FILTER (isIRI(?sub) && isIRI(?super)) }}")


def hierarchy_of(store: PolicyStore) -> dict[str, list[str]]:
    """Each class (property) of the store with its subclasses (subproperties), transitively."""
    return subclass_closure((_text(r["sub"]), _text(r["super"])) for r in store.select(_EDGES))


def run_check(
    store: PolicyStore, check: Check, focus: Iterable[str] | None = None, hierarchy: dict[str, list[str]] | None = None
) -> list[Finding]:
    """The findings of ``check`` on every focus node, or on those of ``focus``."""
    if hierarchy is None:
        hierarchy = hierarchy_of(store)
    texts = [check.text(hierarchy)] if focus is None else [check.text(hierarchy, b) for b in _chunks(focus)]
    out: list[Finding] = []
    for text in texts:
        for row in store.select(text):
            this = row["this"]
            assert this is not None
            value = row.get("value")
            path = check.path
            en, vi = check.messages
            if check.sparql:
                found_path = row.get("path")
                path = compact(found_path.value) if isinstance(found_path, ox.NamedNode) else None
                if value is None:
                    value = this  # a node shape's result repeats the focus node as its value
                fills = {k: _text(v) for k, v in row.items() if v is not None and k not in ("this", "path", "value")}
                fills["this"] = _text(this)
                if found_path is not None:
                    fills["path"] = _text(found_path)
                fills["value"] = _text(value)
                en, vi = _fill(en, fills), _fill(vi, fills)
                if value == this and path is None:
                    value = None
            out.append(Finding(
                severity=check.severity, rule=check.rule, message=en or check.rule, message_vi=vi,
                focus=_text(this), path=path, value=_text(value) if value is not None else None, source=check.source,
            ))
    return out


def _bound(text: str, focus: list[str]) -> str | None:
    """``text`` with ``?focus`` bound to ``focus`` by a VALUES block, when its form allows it."""
    if re.search(r"GROUP\s+BY|\{\s*SELECT|\bLIMIT\b|\bOFFSET\b", text, re.I):
        return None
    match = re.search(r"\bWHERE\s*\{", text, re.I)
    if match is None:
        return None
    values = " ".join(f"<{iri}>" for iri in focus)
    return f"{text[:match.end()]} VALUES ?focus {{ {values} }} {text[match.end():]}"


def run_query_rule(store: PolicyStore, rule: QueryRule, focus: Iterable[str] | None = None) -> list[Finding]:
    """The findings of a violation query on the whole store, or about the resources ``focus`` lists."""
    texts: list[str] = [rule.text]
    if focus is not None:
        bound = [_bound(rule.text, batch) for batch in _chunks(focus)]
        keep = set(focus)
        texts = [t for t in bound if t is not None] if all(t is not None for t in bound) else [rule.text]
    out = []
    for text in texts:
        for row in store.select(text):
            this = row.get("focus")
            if this is None:
                raise ValueError(f"{rule.source}: a violation query must project ?focus")
            if focus is not None and _text(this) not in keep:
                continue
            message, message_vi, path, value = (row.get(k) for k in ("message", "messageVi", "path", "value"))
            out.append(Finding(
                severity=rule.severity, rule=rule.name,
                message=_text(message) if message is not None else rule.title,
                message_vi=_text(message_vi) if message_vi is not None else None,
                focus=_text(this), path=compact(path.value) if isinstance(path, ox.NamedNode) else None,
                value=_text(value) if value is not None else None, source=rule.source,
            ))
    return out


def _fallback(store: PolicyStore, rules: Rules) -> list[Finding]:
    """pySHACL on the shapes the compiler does not translate (none of the shipped shapes)."""
    if not rules.compiled.unsupported:
        return []
    keep = rdflib.Graph()
    for shape in rules.compiled.unsupported:
        _copy_shape(rules.shapes, rdflib.URIRef(shape), keep, set())
    for t in rules.shapes.triples((None, rdflib.namespace.SH.declare, None)):
        _copy_shape(rules.shapes, t[0], keep, set())
    report = validate_graph(store.to_rdflib_graph(), keep, (), ont_graph=load_ontology(rules.ontology_dir))
    return report.findings


def _copy_shape(src: rdflib.Graph, node: rdflib.term.Node, dst: rdflib.Graph, seen: set[rdflib.term.Node]) -> None:
    """Copy ``node``'s description and the blank nodes and shapes it links to."""
    if node in seen:
        return
    seen.add(node)
    for p, o in src.predicate_objects(node):
        dst.add((node, p, o))
        if isinstance(o, rdflib.BNode) or (isinstance(o, rdflib.URIRef) and (o, None, None) in src):
            _copy_shape(src, o, dst, seen)


_DESCRIBE = f"""SELECT ?f ?label ?notation WHERE {{
  {{ ?f <{RDFS}label> ?label }} UNION {{ ?f <{SKOS}notation> ?notation }} }}"""


def describe(store: PolicyStore, findings: list[Finding]) -> None:
    """Fill in the label and number of each finding's focus node (a few queries for all of them)."""
    labels: dict[str, list[Any]] = {}
    notations: dict[str, str] = {}
    for batch in _chunks({f.focus for f in findings}):
        values = " ".join(f"<{iri}>" for iri in batch)
        for row in store.select(_DESCRIBE.replace("WHERE {", f"WHERE {{ VALUES ?f {{ {values} }}", 1)):
            f = _text(row["f"])
            if row.get("label") is not None:
                labels.setdefault(f, []).append(label_of(row["label"]))
            if row.get("notation") is not None:
                notations.setdefault(f, _text(row["notation"]))
    for finding in findings:
        finding.focus_label = best_label(labels.get(finding.focus, ()))
        finding.focus_notation = notations.get(finding.focus)


# ---------------------------------------------------------------------------
# Maintained findings
# ---------------------------------------------------------------------------


@dataclass
class Findings:
    """Findings per check and focus node, with the store generation and stamp they reflect."""

    by_check: dict[str, dict[str, list[Finding]]] = field(default_factory=dict)
    generation: int = -1
    stamp: str | None = None
    seconds: float = 0.0
    triples: int = 0
    fallback: list[str] = field(default_factory=list)
    hierarchy: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def full(cls, store: PolicyStore, rules: Rules) -> Findings:
        """Validate the whole store."""
        started = time.perf_counter()
        generation, stamp = store.current_generation(), store.stamp
        hierarchy = hierarchy_of(store)
        out = cls(generation=generation, stamp=stamp, fallback=rules.fallback, hierarchy=hierarchy)
        for check in rules.compiled.checks:
            out._put(check.key, run_check(store, check, hierarchy=hierarchy))
        for rule in rules.queries:
            out._put(rule.name, run_query_rule(store, rule))
        out._put("pyshacl", _fallback(store, rules))
        out.triples = store.sizes().triples
        out.seconds = time.perf_counter() - started
        return out

    def _put(self, key: str, findings: list[Finding], replace: Iterable[str] | None = None) -> None:
        per_focus = self.by_check.setdefault(key, {})
        if replace is None:
            per_focus.clear()
        else:
            for focus in replace:
                per_focus.pop(focus, None)
        for f in findings:
            per_focus.setdefault(f.focus, []).append(f)

    def update(self, store: PolicyStore, rules: Rules, touched: frozenset[str]) -> None:
        """Revalidate what a write touching the IRIs ``touched`` may have changed."""
        started = time.perf_counter()
        generation, stamp = store.current_generation(), store.stamp
        hierarchy = hierarchy_of(store)
        if hierarchy != self.hierarchy:
            # The class hierarchy changed: which nodes are targets, and of what, may have changed anywhere.
            self.by_check = Findings.full(store, rules).by_check
            self.hierarchy = hierarchy
        elif touched:
            for check in rules.compiled.checks:
                affected = set(touched) | _reverse(store, check.reads, touched) if check.local else set()
                if not check.local or len(affected) > INCREMENTAL_LIMIT:
                    self._put(check.key, run_check(store, check, hierarchy=hierarchy))
                else:
                    self._put(check.key, run_check(store, check, affected, hierarchy), replace=affected)
            for rule in rules.queries:
                self._put(rule.name, run_query_rule(store, rule))
            self._put("pyshacl", _fallback(store, rules))
        self.generation, self.stamp = generation, stamp
        self.triples = store.sizes().triples
        self.seconds = time.perf_counter() - started

    def all(self) -> list[Finding]:
        """Every finding."""
        return [f for per_focus in self.by_check.values() for group in per_focus.values() for f in group]

    def report(self) -> ValidationReport:
        """The findings as a validation report."""
        return ValidationReport.from_findings(self.all(), seconds=self.seconds, triples=self.triples)

    # -- persistence ---------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the findings to ``path`` (atomically: a reader sees the old file or the new)."""
        data = {"format": _FORMAT, "stamp": self.stamp, "seconds": self.seconds, "triples": self.triples,
                "fallback": self.fallback, "hierarchy": self.hierarchy,
                "checks": {k: [asdict(f) for g in v.values() for f in g] for k, v in self.by_check.items()}}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, stamp: str | None, generation: int) -> Findings | None:
        """The findings saved at ``path`` if they were saved at ``stamp``; else None."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if stamp is None or data.get("format") != _FORMAT or data.get("stamp") != stamp:
            return None
        out = cls(generation=generation, stamp=stamp, seconds=data["seconds"], triples=data["triples"],
                  fallback=list(data.get("fallback", [])), hierarchy=dict(data.get("hierarchy", {})))
        for key, items in data["checks"].items():
            out._put(key, [Finding(**item) for item in items])
        return out


def _reverse(store: PolicyStore, reads: tuple[str, ...], touched: frozenset[str]) -> set[str]:
    """The nodes that reach a touched IRI along one of the paths ``reads``."""
    if not reads:
        return set()
    path = "|".join(reads)
    found: set[str] = set()
    for batch in _chunks(touched):
        values = " ".join(f"<{iri}>" for iri in batch)
        for row in store.select(f"SELECT DISTINCT ?this WHERE {{ VALUES ?x {{ {values} }} ?this {path} ?x }}"):
            found.add(_text(row["this"]))
            if len(found) > INCREMENTAL_LIMIT:
                return found
    return found


def validate_fast(store: PolicyStore, rules: Rules) -> ValidationReport:
    """Validate the whole store with the compiled checks and violation queries (names filled in)."""
    findings = Findings.full(store, rules)
    report = findings.report()
    describe(store, report.findings)
    return report


# ---------------------------------------------------------------------------
# One new document
# ---------------------------------------------------------------------------


def _neighbourhood(
    store: PolicyStore, quads: list[ox.Quad], without: str | None = None
) -> tuple[list[ox.Triple], set[str]]:
    """What the store says about a new file's resources, and those resources (its subjects).

    The triples of the store reachable from any IRI the file names (following links outward,
    any depth: the documents it implements, their tasks and agencies...), those pointing at the
    file's subjects, and the ontology graph. ``without``: a named graph the file replaces, whose
    triples no other graph states are left out (the store will no longer say them).
    """
    subjects = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)}
    named = subjects | {q.object.value for q in quads if isinstance(q.object, ox.NamedNode)}
    triples: list[ox.Triple] = []
    for batch in _chunks(named):
        values = " ".join(f"<{iri}>" for iri in batch)
        outward = (f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?start {{ {values} }} "
                   "?start (<urn:x>|!<urn:x>)* ?s . ?s ?p ?o }")
        triples += [ox.Triple(r["s"], r["p"], r["o"]) for r in store.select(outward)]  # type: ignore[arg-type]
    for batch in _chunks(subjects):
        values = " ".join(f"<{iri}>" for iri in batch)
        inward = f"SELECT ?s ?p ?o WHERE {{ VALUES ?o {{ {values} }} ?s ?p ?o }}"
        triples += [ox.Triple(r["s"], r["p"], r["o"]) for r in store.select(inward)]  # type: ignore[arg-type]
    ontology = f"SELECT ?s ?p ?o WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"
    triples += [ox.Triple(r["s"], r["p"], r["o"]) for r in store.select(ontology)]  # type: ignore[arg-type]
    if without is not None:
        graph = ox.NamedNode(without)
        old = {q.triple for q in store.backend.graph_quads(without)}
        # Kept when another named graph (a source, the rules' graph) states it too.
        also = (f"SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} "
                f"GRAPH ?h {{ ?s ?p ?o }} FILTER(?h != {graph}) }}")
        kept = {ox.Triple(r["s"], r["p"], r["o"]) for r in store.select(also)}  # type: ignore[arg-type]
        gone = old - kept
        triples = [t for t in triples if t not in gone]
    return triples, subjects


def validate_document(store: PolicyStore, rules: Rules, path: Path) -> ValidationReport:
    """Validate the file ``path`` merged with what the store says about its resources; only findings about it.

    The store is not written to: the file and the store's neighbourhood of its resources are
    validated in a scratch in-memory store. A rule comparing a resource of the file with an
    unrelated one (two documents sharing a number) sees only what that neighbourhood holds; the
    maintained findings after the file is loaded see everything.
    """
    return validate_quads(store, rules, parse_file(Path(path)))


def validate_quads(
    store: PolicyStore, rules: Rules, quads: list[ox.Quad], *, replacing: str | None = None
) -> ValidationReport:
    """``validate_document`` for quads already parsed; ``replacing``: the named graph they would replace."""
    started = time.perf_counter()
    triples, subjects = _neighbourhood(store, quads, replacing)
    scratch = PolicyStore.open()
    try:
        scratch.raw.extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
        scratch.raw.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in quads)
        findings: list[Finding] = []
        hierarchy = hierarchy_of(scratch)
        for check in rules.compiled.checks:
            findings += run_check(scratch, check, subjects, hierarchy)
        for rule in rules.queries:
            findings += run_query_rule(scratch, rule, subjects)
        findings += [f for f in _fallback(scratch, rules) if f.focus in subjects]
        report = ValidationReport.from_findings(findings, triples=len(scratch.raw))
        describe(scratch, report.findings)
    finally:
        scratch.close()
    report.seconds = time.perf_counter() - started
    return report
