"""OWL 2 DL consistency check of ontology + data with HermiT (through owlready2).

``check_consistency(store, settings)`` reasons over the union of all graphs of a store plus the
ontology files; ``check_consistency_graph(graph)`` over any rdflib graph (the tests use it).

The graph is written to a temporary N-Triples file (owlready2 reads RDF/XML, OWL/XML and
N-Triples, not Turtle), loaded into a fresh owlready2 ``World`` and handed to HermiT with
``sync_reasoner``. An inconsistency is a result (``consistent=False``), not an exception.

Before reasoning, :func:`prepare_for_hermit` rewrites what HermiT cannot read, keeping the
meaning the checks need (see ``CONVERSIONS``):

* ``xsd:gYear`` is not in the OWL 2 datatype map, and HermiT refuses it ("HermiT supports all
  and only the datatypes of the OWL 2 datatype map"). Years become ``xsd:integer`` (literals
  and ``rdfs:range xsd:gYear`` alike), so a property with a year range still rejects a
  non-year value.
* ``xsd:date`` is not in the map either. Dates become ``xsd:dateTime`` at midnight (literals
  and ranges), so ``pol:issueDate`` stays functional: two different dates on one document
  are still inconsistent.
* An ill-typed literal of those types (``"2020-13-45"^^xsd:date``) cannot be converted; it is
  kept as a plain string, which the converted range then rejects (it is inconsistent in
  OWL 2 too), and the literal is listed in the message.
* HermiT is also told to ignore any other datatype outside the map (``xsd:gYearMonth``,
  ``xsd:duration``...) instead of aborting; the SHACL shapes check datatypes.

Nothing else is changed: the ontology is OWL 2 DL as written (punning of pol:documentClass /
pol:roleProperty values, annotation properties declared, skos:notation a datatype property).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from app.core.errors import ReasonerError, ReasonerUnavailable
from app.core.namespaces import compact
from app.quality.validation import load_ontology
from app.store.policy_store import PolicyStore, rdflib_graph_of

if TYPE_CHECKING:
    from app.core.config import Settings

__all__ = [
    "CONVERSIONS",
    "ReasonerError",
    "ReasonerUnavailable",
    "ReasoningResult",
    "check_consistency",
    "check_consistency_graph",
    "explain_inconsistency",
    "prepare_for_hermit",
]

CONVERSIONS = {
    "gYear": "xsd:gYear literals and ranges → xsd:integer (gYear is not in the OWL 2 datatype map)",
    "date": "xsd:date literals and ranges → xsd:dateTime at 00:00:00 (date is not in the OWL 2 datatype map)",
    "other-datatypes": "any other datatype outside the OWL 2 datatype map is ignored by HermiT (--ignoreUnsupportedDatatypes)",
}


@dataclass
class ReasoningResult:
    consistent: bool
    reasoner: str = "HermiT"
    message: str = ""
    unsatisfiable: list[str] = field(default_factory=list)
    individuals: int = 0
    seconds: float = 0.0
    triples: int = 0
    explanations: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data


# ---------------------------------------------------------------------------
# Conversion for HermiT
# ---------------------------------------------------------------------------


def _convert_literal(lit: Literal) -> tuple[Literal, bool]:
    """(converted literal, ok). ok is False for an ill-typed literal kept as a plain string."""
    text = str(lit)
    if lit.datatype == XSD.gYear:
        core = text.removeprefix("-")
        if core.isdigit() and len(core) >= 4:
            return Literal(int(text), datatype=XSD.integer), True
        return Literal(text), False
    if lit.datatype == XSD.date:
        try:
            day = date.fromisoformat(text[:10])
        except ValueError:
            return Literal(text), False
        tz = text[10:]  # "", "Z" or "+07:00"
        return Literal(f"{day.isoformat()}T00:00:00{tz}", datatype=XSD.dateTime), True
    return lit, True


def prepare_for_hermit(graph: rdflib.Graph) -> tuple[rdflib.Graph, dict[str, int], list[str]]:
    """A copy of ``graph`` that HermiT accepts, with counts of conversions and ill-typed literals."""
    out = rdflib.Graph()
    counts: dict[str, int] = defaultdict(int)
    bad: list[str] = []
    range_map: dict[rdflib.term.Node, URIRef] = {XSD.gYear: XSD.integer, XSD.date: XSD.dateTime}
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype in (XSD.gYear, XSD.date):
            kind = "gYear" if o.datatype == XSD.gYear else "date"
            o2, ok = _convert_literal(o)
            if ok:
                counts[kind] += 1
            else:
                counts["ill-typed"] += 1
                bad.append(f"{s} {p} {o.n3()}")
            o = o2
        elif (p == RDFS.range and o in range_map) or (p == OWL.onDatatype and o in range_map):
            o = range_map[o]
            counts["ranges"] += 1
        out.add((s, p, o))
    return out, dict(counts), bad


# ---------------------------------------------------------------------------
# Reasoning
# ---------------------------------------------------------------------------


def _java_available() -> str:
    import owlready2

    java = getattr(owlready2, "JAVA_EXE", "java") or "java"
    found = shutil.which(java) or (java if os.path.isfile(java) and os.access(java, os.X_OK) else None)
    if not found:
        raise ReasonerUnavailable(
            f"HermiT needs a Java runtime (Java 8 or later) but {java!r} was not found on PATH. "
            "Install one (e.g. apt-get install openjdk-17-jre-headless) or point owlready2.JAVA_EXE at it."
        )
    return found


def _count_individuals(graph: rdflib.Graph) -> int:
    """Named resources typed with a class that is not an OWL/RDFS/RDF meta class."""
    meta = (str(OWL), str(RDFS), str(RDF))
    return len(
        {
            s
            for s, o in graph.subject_objects(RDF.type)
            if isinstance(s, URIRef) and not str(o).startswith(meta)
        }
    )


def check_consistency_graph(graph: rdflib.Graph, ontology: rdflib.Graph | None = None) -> ReasoningResult:
    """Run HermiT on ``graph`` (plus ``ontology`` when given) and say whether it is consistent."""
    from owlready2 import (
        OwlReadyInconsistentOntologyError,
        OwlReadyJavaError,
        World,
        sync_reasoner,
    )

    started = time.perf_counter()
    _java_available()
    source = graph
    if ontology is not None:
        source = rdflib.Graph()
        for t in graph:
            source.add(t)
        for t in ontology:
            source.add(t)
    prepared, counts, bad = prepare_for_hermit(source)
    individuals = _count_individuals(source)

    fd, tmp_name = tempfile.mkstemp(prefix="policykg-hermit-", suffix=".nt")
    os.close(fd)
    tmp = Path(tmp_name)
    world = World()
    try:
        prepared.serialize(destination=str(tmp), format="nt", encoding="utf-8")
        try:
            world.get_ontology(tmp.as_uri()).load()
        except Exception as exc:  # owlready2 parse errors
            raise ReasonerError(f"owlready2 could not load the graph: {exc}") from exc
        notes = _notes(counts, bad)
        try:
            sync_reasoner(world, infer_property_values=False, debug=0, ignore_unsupported_datatypes=True)
        except OwlReadyInconsistentOntologyError:
            explanations = explain_inconsistency(source)
            msg = "The ontology and data are inconsistent."
            if explanations:
                msg += " Likely cause: " + explanations[0]
            return ReasoningResult(
                consistent=False,
                message=msg + notes,
                individuals=individuals,
                seconds=time.perf_counter() - started,
                triples=len(source),
                explanations=explanations,
            )
        except FileNotFoundError as exc:
            raise ReasonerUnavailable(f"Java could not be started for HermiT: {exc}") from exc
        except OwlReadyJavaError as exc:
            raise ReasonerError(str(exc)) from exc
        unsatisfiable = sorted(
            str(c.iri) for c in world.inconsistent_classes() if str(getattr(c, "iri", "")) != str(OWL.Nothing)
        )
        if unsatisfiable:
            msg = f"Consistent, but {len(unsatisfiable)} class(es) can have no member."
        else:
            msg = "The ontology and data are consistent."
        return ReasoningResult(
            consistent=True,
            message=msg + notes,
            unsatisfiable=unsatisfiable,
            individuals=individuals,
            seconds=time.perf_counter() - started,
            triples=len(source),
        )
    finally:
        with contextlib.suppress(Exception):  # best effort: the world is thrown away anyway
            world.close()
        tmp.unlink(missing_ok=True)


def _notes(counts: dict[str, int], bad: list[str]) -> str:
    parts = []
    if counts.get("gYear") or counts.get("date"):
        parts.append(
            f" (converted for HermiT: {counts.get('gYear', 0)} gYear → integer, "
            f"{counts.get('date', 0)} date → dateTime literals)"
        )
    if bad:
        parts.append(f" Ill-typed literals: {'; '.join(bad[:5])}{' …' if len(bad) > 5 else ''}.")
    return "".join(parts)


def check_consistency(store: PolicyStore | rdflib.Graph, settings: Settings) -> ReasoningResult:
    """HermiT on the union of all graphs of ``store`` plus the ontology files of ``settings.ontology_dir``."""
    return check_consistency_graph(rdflib_graph_of(store), load_ontology(Path(settings.ontology_dir)))


# ---------------------------------------------------------------------------
# A cheap explanation (HermiT says only "inconsistent")
# ---------------------------------------------------------------------------


def _list_items(graph: rdflib.Graph, head: rdflib.term.Node | None) -> list[rdflib.term.Node]:
    items: list[rdflib.term.Node] = []
    while head and head != RDF.nil:
        first = graph.value(head, RDF.first)
        if first is None:
            break
        items.append(first)
        head = graph.value(head, RDF.rest)
    return items


def _short(term: rdflib.term.Node) -> str:
    return compact(str(term))


def explain_inconsistency(graph: rdflib.Graph, limit: int = 20) -> list[str]:
    """Individuals that fall in two disjoint named classes, by asserted types, domains and ranges.

    Not a reasoner: it follows rdfs:subClassOf, rdfs:subPropertyOf, rdfs:domain and rdfs:range
    only, which covers the usual causes (a Plan typed also as a Resolution, a Task used as an
    issuer). It returns nothing when the cause lies elsewhere.
    """
    superclasses: dict[rdflib.term.Node, set[rdflib.term.Node]] = defaultdict(set)
    for c, d in graph.subject_objects(RDFS.subClassOf):
        if isinstance(d, URIRef):
            superclasses[c].add(d)

    def up(c: rdflib.term.Node) -> set[rdflib.term.Node]:
        seen, todo = {c}, [c]
        while todo:
            for d in superclasses.get(todo.pop(), ()):
                if d not in seen:
                    seen.add(d)
                    todo.append(d)
        return seen

    superprops: dict[rdflib.term.Node, set[rdflib.term.Node]] = defaultdict(set)
    for p, q in graph.subject_objects(RDFS.subPropertyOf):
        superprops[p].add(q)

    def props_up(p: rdflib.term.Node) -> set[rdflib.term.Node]:
        seen, todo = {p}, [p]
        while todo:
            for q in superprops.get(todo.pop(), ()):
                if q not in seen:
                    seen.add(q)
                    todo.append(q)
        return seen

    domains = {p: set(graph.objects(p, RDFS.domain)) for p in set(graph.subjects(RDFS.domain, None))}
    ranges = {p: set(graph.objects(p, RDFS.range)) for p in set(graph.subjects(RDFS.range, None))}

    why: dict[rdflib.term.Node, dict[rdflib.term.Node, str]] = defaultdict(dict)
    for s, c in graph.subject_objects(RDF.type):
        if isinstance(s, URIRef) and isinstance(c, URIRef) and not str(c).startswith(str(OWL)):
            for sup in up(c):
                why[s].setdefault(sup, f"typed {_short(c)}")
    for s, p, o in graph:
        if p == RDF.type:
            continue
        for q in props_up(p):
            for d in domains.get(q, ()):
                if isinstance(s, URIRef):
                    for sup in up(d):
                        why[s].setdefault(sup, f"subject of {_short(p)} (domain {_short(d)})")
            if isinstance(o, URIRef):
                for r in ranges.get(q, ()):
                    for sup in up(r):
                        why[o].setdefault(sup, f"object of {_short(p)} (range {_short(r)})")

    disjoint_pairs: set[frozenset[rdflib.term.Node]] = set()
    for a, b in graph.subject_objects(OWL.disjointWith):
        disjoint_pairs.add(frozenset((a, b)))
    for node in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = _list_items(graph, graph.value(node, OWL.members))
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                disjoint_pairs.add(frozenset((a, b)))

    out: list[str] = []
    for ind, classes in why.items():
        for pair in disjoint_pairs:
            a, b = tuple(pair)
            if a in classes and b in classes:
                out.append(
                    f"{_short(ind)} is both {_short(a)} ({classes[a]}) and {_short(b)} ({classes[b]}), "
                    "which are disjoint."
                )
                if len(out) >= limit:
                    return out
    return sorted(out)
