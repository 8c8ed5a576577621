"""Keep the public SPARQL endpoint inside its store: no SSRF, no local file reads.

A query or update can make an engine reach outside its data: ``SERVICE`` calls another endpoint,
``LOAD`` fetches a document, and ``FROM`` / ``FROM NAMED`` / ``USING`` / ``WITH`` and the
protocol's graph parameters name graphs, which some engines dereference (rdflib reads
``FROM <file:///…>``; Oxigraph runs ``SERVICE`` and ``LOAD`` over HTTP). Each such reference must
name a graph of the store or fall under an operator-configured allow-list of IRI prefixes.

References are found by parsing the text with rdflib's SPARQL parser (parse only, nothing is
evaluated). Parsing costs milliseconds, so a text in which none of the keywords occurs even as a
substring, before or after ``\\u`` unescaping, skips it: such a text cannot contain the keywords.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from app.backends import Dataset
from app.errors import DefaultGraphWrite, ProtocolError, QueryRefused, QuerySyntaxError

__all__ = [
    "AllowList",
    "Reference",
    "check",
    "check_update",
    "dataset_references",
    "default_graph_writes",
    "references",
]

ReferenceKind = Literal[
    "SERVICE", "LOAD", "FROM", "FROM NAMED", "USING", "USING NAMED", "WITH",
    "default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri",
]
_OUTBOUND: frozenset[str] = frozenset({"SERVICE", "LOAD"})
_KEYWORDS = re.compile(r"service|from|load|using|with", re.IGNORECASE)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True, slots=True)
class Reference:
    """A place outside the query's own patterns that an operation names; ``iri`` None for a variable."""

    kind: ReferenceKind
    iri: str | None

    def describe(self) -> str:
        """How the user wrote it, e.g. ``SERVICE <http://…>``."""
        target = f"<{self.iri}>" if self.iri is not None else "a variable"
        return f"{self.kind} {target}" if self.kind.isupper() else f"{self.kind}={self.iri}"


@dataclass(frozen=True, slots=True)
class AllowList:
    """IRI prefixes the operator allows outside the store (``POLICYKG_ALLOWED_REMOTE``)."""

    prefixes: tuple[str, ...] = ()

    @classmethod
    def of(cls, entries: Iterable[str]) -> AllowList:
        """Normalise entries: a bare ``scheme://host[:port]`` gets a ``/`` so it cannot match ``host.evil``."""
        prefixes = []
        for entry in entries:
            entry = entry.strip()
            if entry and urlsplit(entry).netloc and not urlsplit(entry).path:
                entry += "/"
            if entry:
                prefixes.append(entry)
        return cls(tuple(prefixes))

    def allows(self, iri: str) -> bool:
        """True when ``iri`` starts with one of the prefixes."""
        return any(iri.startswith(prefix) for prefix in self.prefixes)


def _unescape(text: str) -> str:
    """Apply SPARQL's ``\\u`` / ``\\U`` code point escapes once, as rdflib's parser does."""
    def char(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF else match.group(0)

    return _ESCAPE.sub(char, text)


def may_reference(text: str) -> bool:
    """False only when no reference keyword can occur in ``text`` (escaped or not)."""
    return bool(_KEYWORDS.search(text) or _KEYWORDS.search(_unescape(text)))


def _parse(text: str, update: bool) -> object:
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        return parseUpdate(text) if update else parseQuery(text)
    except ParseException as exc:
        what = "update" if update else "query"
        raise QuerySyntaxError(
            f"the {what} cannot be parsed for the endpoint's safety check: {exc.msg} "
            f"at line {exc.lineno}, column {exc.col}"
        ) from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise QuerySyntaxError(f"the query cannot be parsed for the endpoint's safety check: {exc}") from None


def _walk(node: object, resolve: Callable[[object], str | None]) -> Iterator[Reference]:
    """Every SERVICE, LOAD, dataset, USING and WITH reference below a parse-tree node."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        name = node.name
        if name == "DatasetClause":
            kind: ReferenceKind = "FROM NAMED" if "named" in node else "FROM"
            yield Reference(kind, resolve(node["named"] if "named" in node else node["default"]))
        elif name == "UsingClause":
            kind = "USING NAMED" if "named" in node else "USING"
            yield Reference(kind, resolve(node["named"] if "named" in node else node["default"]))
        elif name == "ServiceGraphPattern":
            yield Reference("SERVICE", resolve(node["term"]))
        elif name == "Load":
            yield Reference("LOAD", resolve(node["iri"]))
        elif name == "Modify" and "withClause" in node:
            yield Reference("WITH", resolve(node["withClause"]))
        # dict.values: CompValue's own accessors run rdflib's evaluation hooks (and .get misreads keys).
        for child in dict.values(node):
            yield from _walk(child, resolve)
    elif isinstance(node, ParseResults | list | tuple):
        for item in node:
            yield from _walk(item, resolve)


def _resolver(prologue: object) -> Callable[[object], str | None]:
    from rdflib import URIRef, Variable

    def resolve(term: object) -> str | None:
        if isinstance(term, Variable):
            return None
        try:
            iri = prologue.absolutize(term)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 - rdflib raises a bare Exception for an unknown prefix
            raise QuerySyntaxError(f"cannot resolve {term}: {exc}") from None
        if not isinstance(iri, URIRef):
            raise QuerySyntaxError(f"expected an IRI, found {term}")
        return str(iri)

    return resolve


def references(text: str, *, update: bool, base_iri: str | None) -> list[Reference]:
    """The references of a query (``update`` False) or update, found by parsing it."""
    if not may_reference(text):
        return []
    return _references(_parse(text, update), update=update, base_iri=base_iri)


def _references(parsed: object, *, update: bool, base_iri: str | None) -> list[Reference]:
    from rdflib.plugins.sparql.algebra import translatePrologue

    found: list[Reference] = []
    if update:
        prologue = None
        for part, request in zip(parsed.prologue, parsed.request, strict=False):  # type: ignore[attr-defined]
            prologue = translatePrologue(part, base_iri, None, prologue)
            found += _walk(request, _resolver(prologue))
    else:
        prologue = translatePrologue(parsed[0], base_iri)  # type: ignore[index]
        found += _walk(parsed[1], _resolver(prologue))  # type: ignore[index]
    return found


def _default_triples(quads: object) -> bool:
    """True when an update's quad block has triples outside any ``GRAPH`` (they go to the default graph)."""
    return isinstance(quads, dict) and bool(dict.get(quads, "triples"))


def default_graph_writes(text: str) -> list[str]:
    """The operations of an update that would write the default graph, as a user would name them.

    On this endpoint the default graph is the union of the named graphs (one per source), rebuilt
    after every update, so a triple must be written to a named graph: its source. ``CLEAR ALL`` and
    ``DROP ALL`` are fine (they empty the named graphs too); ``COPY DEFAULT TO <g>`` only reads it.
    """
    return _default_graph_writes(_parse(text, update=True))


def _default_graph_writes(parsed: object) -> list[str]:
    found: list[str] = []
    for request in parsed.request:  # type: ignore[attr-defined]
        name = request.name
        if name in ("InsertData", "DeleteData", "DeleteWhere"):
            if _default_triples(dict.get(request, "quads")):
                found.append({"InsertData": "INSERT DATA", "DeleteData": "DELETE DATA"}.get(name, "DELETE WHERE"))
        elif name == "Modify" and "withClause" not in request:
            for clause, label in (("delete", "DELETE"), ("insert", "INSERT")):
                part = dict.get(request, clause)
                if part is not None and _default_triples(dict.get(part, "quads")):
                    found.append(f"{label} {{ … }} without GRAPH or WITH")
        elif name in ("Clear", "Drop") and dict.get(request, "graphiri") == "DEFAULT":
            found.append(f"{name.upper()} DEFAULT")
        elif name == "Load" and "graphiri" not in request:
            found.append("LOAD without INTO GRAPH")
        elif name in ("Add", "Move", "Copy"):
            source, target = dict.get(request, "graph")  # type: ignore[misc]
            if target == "DEFAULT" or (name == "Move" and source == "DEFAULT"):
                found.append(f"{name.upper()} … DEFAULT")
    return found


def check_update(
    text: str, *, base_iri: str | None, using: Dataset, allowed: AllowList, store_graphs: Callable[[], set[str]]
) -> None:
    """Everything an update must pass before it runs, from one parse of it.

    Its references and the protocol's using-graph parameters stay in the store or the allow-list
    (QueryRefused); those parameters are not combined with USING or WITH (ProtocolError); and
    nothing is written to the default graph (DefaultGraphWrite).
    """
    parsed = _parse(text, update=True)
    found = _references(parsed, update=True, base_iri=base_iri)
    if using and any(r.kind in ("USING", "USING NAMED", "WITH") for r in found):
        raise ProtocolError("using-graph-uri / using-named-graph-uri cannot be combined with USING or WITH in the update")
    check(dataset_references(using, update=True) + found, allowed, store_graphs)
    writes = _default_graph_writes(parsed)
    if writes:
        raise DefaultGraphWrite(
            "the default graph of this endpoint is the union of the named graphs (one per source) and "
            "cannot be written; write into a named graph with GRAPH <…> { … } or WITH <…> "
            f"(refused: {', '.join(dict.fromkeys(writes))})"
        )


def dataset_references(dataset: Dataset, *, update: bool) -> list[Reference]:
    """The graphs a request's protocol parameters name."""
    default: ReferenceKind = "using-graph-uri" if update else "default-graph-uri"
    named: ReferenceKind = "using-named-graph-uri" if update else "named-graph-uri"
    return [Reference(default, g) for g in dataset.default_graphs] + [
        Reference(named, g) for g in dataset.named_graphs
    ]


def check(found: Iterable[Reference], allowed: AllowList, store_graphs: Callable[[], set[str]]) -> None:
    """Raise QueryRefused for the first reference outside the store and the allow-list.

    ``store_graphs`` is called at most once, and only when a graph reference needs it.
    """
    graphs: set[str] | None = None
    for ref in found:
        if ref.iri is None:
            raise QueryRefused(f"{ref.describe()} is refused: the endpoint must know where a {ref.kind} goes")
        if allowed.allows(ref.iri):
            continue
        if ref.kind in _OUTBOUND:
            raise QueryRefused(
                f"{ref.describe()} is refused: this endpoint reaches no other service or document "
                "unless its IRI is on the allow-list (POLICYKG_ALLOWED_REMOTE)"
            )
        if graphs is None:
            graphs = store_graphs()
        if ref.iri not in graphs:
            raise QueryRefused(
                f"{ref.describe()} is refused: it is not a graph of this store and not on the allow-list "
                "(POLICYKG_ALLOWED_REMOTE)"
            )
