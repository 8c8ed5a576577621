"""Virtuoso as the remote engine: its dataset translated into the one policykg relies on.

policykg's dataset has a real, writable default graph (the set-union of the named graphs plus the
derived graph, written by ``PolicyStore.derive``) beside the named graphs. Virtuoso has no separate
default graph: a query without ``FROM`` reads every graph at once, as a bag (a triple two sources
state matches twice), and it adds graphs of its own (``virtrdf#`` and others). So on Virtuoso:

- the default graph is the named graph ``UNION_GRAPH``; each request is prefixed with
  ``DEFINE input:default-graph-uri <UNION_GRAPH>`` (Virtuoso's pragma), which makes it the graph a
  query without ``FROM`` reads and the graph an update writes and reads when it names none
  (``INSERT { ?s ?p ?o }``, ``CLEAR DEFAULT``, ``ADD <a> TO DEFAULT``). A query with its own
  ``FROM`` or a protocol dataset keeps it: Virtuoso would merge the pragma's graph into it.
- ``UNION_GRAPH`` and Virtuoso's own graphs (``HIDDEN_GRAPHS``) are no named graphs: every
  ``GRAPH ?var { … }`` pattern gets ``FILTER(?var NOT IN (…))`` after it. Virtuoso's
  ``input:named-graph-exclude`` pragma would hide them from the default graph too, so it cannot serve.
  Update templates are left as they are; ``DELETE WHERE { P }`` becomes ``DELETE { P } WHERE { P' }``.
- ``INSERT DATA`` with blank nodes is refused by Virtuoso 7.2 ("not allowed in a constant clause"):
  it is sent as the equivalent ``INSERT { … } WHERE { }``.
- ``DROP ALL`` / ``CLEAR ALL`` / ``… NAMED`` do nothing on Virtuoso (it answers 200): the caller
  lists the graphs and each becomes a ``DROP SILENT GRAPH`` / ``CLEAR SILENT GRAPH`` of its own.
- Answers: a blank node comes back as ``nodeID://b10000``, which no results parser accepts: the
  prefix is cut. Virtuoso picks the answer's format by the first type of ``Accept`` it can write
  (a CONSTRUCT can come back as a result set), so the types asked for follow the query form.

The rewriting reads tokens (``app.sparql.tokens``), never decides about safety, and a token misread
here can only make Virtuoso's parser refuse the request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import pyoxigraph as ox

from app.core.namespaces import GRAPH_BASE
from app.sparql.tokens import Token, group_end, operations, tokens, where_group_start
from app.sparql.values import term

__all__ = [
    "HIDDEN_GRAPHS",
    "UNION_GRAPH",
    "accept_for",
    "is_virtuoso",
    "readable_results",
    "translate_query",
    "translate_update",
]

#: Where the union default graph lives on Virtuoso.
UNION_GRAPH = GRAPH_BASE + "union"

#: Graphs of Virtuoso itself, present in a fresh database (quad-map metadata, the LDP vocabulary,
#: the service description of the default host): no policy data, so no named graphs of the dataset.
SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://localuriqaserver/sparql",
)

#: What ``GRAPH ?var`` never matches on Virtuoso.
HIDDEN_GRAPHS = (UNION_GRAPH, *SYSTEM_GRAPHS)

_HIDDEN = ", ".join(f"<{g}>" for g in HIDDEN_GRAPHS)

_SOLUTIONS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.8"

# Virtuoso's JSON and XML results name a blank node ``nodeID://b…``; a label must be a plain name.
_BNODE_JSON = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')
_BNODE_XML = re.compile(rb"<bnode>nodeID://")


def is_virtuoso(server_header: str | None) -> bool:
    """True when an HTTP ``Server`` header is Virtuoso's (``Virtuoso/07.20.3229 (Linux) …``)."""
    return (server_header or "").lower().startswith("virtuoso")


def accept_for(query: str) -> str:
    """The ``Accept`` header for ``query``: RDF for CONSTRUCT and DESCRIBE, results otherwise."""
    for token in tokens(query):
        if token.is_keyword("CONSTRUCT", "DESCRIBE"):
            return _GRAPH_ACCEPT
        if token.is_keyword("SELECT", "ASK"):
            break
    return _SOLUTIONS_ACCEPT


def readable_results(content: bytes) -> bytes:
    """A JSON or XML results document of Virtuoso with its blank-node labels made parseable."""
    return _BNODE_XML.sub(b"<bnode>", _BNODE_JSON.sub(rb"\1", content))


def _hidden_filter(variable: str) -> str:
    return f" FILTER({variable} NOT IN ({_HIDDEN}))"


def _hide_graphs(text: str) -> str:
    """``text`` (a pattern, no template in it) with the hidden graphs filtered out of each ``GRAPH ?var``."""
    return _apply(text, _graph_edits(list(tokens(text)), 0, None))


def _graph_edits(toks: Sequence[Token], start: int, stop: int | None) -> list[tuple[int, int, str]]:
    """The filters to insert after each ``GRAPH ?var { … }`` among ``toks[start:stop]``."""
    edits: list[tuple[int, int, str]] = []
    end = len(toks) if stop is None else stop
    for i in range(start, end - 2):
        if toks[i].is_keyword("GRAPH") and toks[i + 1].kind == "var" and toks[i + 2].text == "{":
            close = group_end(toks, i + 2)
            edits.append((toks[close].end, toks[close].end, _hidden_filter(toks[i + 1].text)))
    return edits


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    for begin, finish, replacement in sorted(edits, reverse=True):
        text = text[:begin] + replacement + text[finish:]
    return text


def _wrap_where(text: str, graph: str) -> str:
    """``text`` (a query) with its top-level WHERE group read in ``graph`` (``CONSTRUCT WHERE`` expanded)."""
    offset = where_group_start(text)
    toks = list(tokens(text))
    construct = next((i for i, t in enumerate(toks) if t.is_keyword("CONSTRUCT")), None)
    if construct is not None and construct + 2 < len(toks) and toks[construct + 1].is_keyword("WHERE"):
        close = group_end(toks, construct + 2)
        pattern = text[toks[construct + 2].start : toks[close].end]
        return f"{text[: toks[construct].end]} {pattern} WHERE {{ GRAPH {term(graph)} {pattern} }}{text[toks[close].end :]}"
    opening = next((i for i, t in enumerate(toks) if t.end == offset), None)
    if opening is None:
        return text
    close = group_end(toks, opening)
    inner = text[toks[opening].end : toks[close].start]
    return f"{text[:offset]} GRAPH {term(graph)} {{{inner}}} {text[toks[close].start :]}"


def translate_query(query: str, *, own_dataset: bool) -> str:
    """``query`` as Virtuoso must read it to answer over policykg's dataset.

    ``own_dataset``: the protocol names the dataset (default-graph-uri / named-graph-uri), which
    then replaces the union default graph, as it does on the other engines.
    """
    toks = list(tokens(query))
    text = _apply(query, _graph_edits(toks, 0, None))
    if own_dataset or any(t.is_keyword("FROM") for t in toks):
        return text
    return _wrap_where(text, UNION_GRAPH)


def _quads_edits(toks: Sequence[Token], opening: int, close: int, graph: str) -> list[tuple[int, int, str]]:
    """Edits putting the triples of a template (``{ … }`` at ``opening``) outside any GRAPH block into ``graph``."""
    edits: list[tuple[int, int, str]] = []
    segment: list[Token] = []

    def flush() -> None:
        while segment and segment[0].text == ".":
            segment.pop(0)
        if segment:
            edits.append((segment[0].start, segment[0].start, f"GRAPH {term(graph)} {{ "))
            edits.append((segment[-1].end, segment[-1].end, " }"))
        segment.clear()

    i = opening + 1
    while i < close:
        if toks[i].is_keyword("GRAPH") and i + 2 < close and toks[i + 2].text == "{":
            flush()
            i = group_end(toks, i + 2) + 1
            continue
        segment.append(toks[i])
        i += 1
    flush()
    return edits


#: Triples per INSERT template: Virtuoso compiles a template to SQL and refuses one past 10,000 lines.
TEMPLATE_TRIPLES = 200


def _insert_with_blank_nodes(data: str, graph: str) -> str | None:
    """``INSERT DATA { data }`` as operations Virtuoso runs: triples without blank nodes as one
    INSERT DATA, the others as templates of at most ``TEMPLATE_TRIPLES`` triples, each holding
    every triple of the blank nodes it names (so a node stays one node). None when ``data`` is
    not plain TriG (prefixed names of the request's prologue): it is then sent as one template."""
    try:
        quads = ox.parse(data.encode(), ox.RdfFormat.TRIG)
        parsed = list(quads)
    except (SyntaxError, ValueError):
        return None
    # Blank nodes that share a triple are one component: union-find over their labels.
    parent: dict[str, str] = {}

    def root(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    plain: list[ox.Quad] = []
    blank: list[tuple[str, ox.Quad]] = []
    for quad in parsed:
        labels = [t.value for t in (quad.subject, quad.object) if isinstance(t, ox.BlankNode)]
        if not labels:
            plain.append(quad)
            continue
        for other in labels[1:]:
            parent[root(other)] = root(labels[0])
        blank.append((labels[0], quad))
    components: dict[str, list[ox.Quad]] = {}
    for label, quad in blank:
        components.setdefault(root(label), []).append(quad)
    chunks: list[list[ox.Quad]] = [[]]
    for members in components.values():
        if chunks[-1] and len(chunks[-1]) + len(members) > TEMPLATE_TRIPLES:
            chunks.append([])
        chunks[-1].extend(members)
    operations = [f"INSERT DATA {{ {_quads_text(plain, graph)} }}"] if plain else []
    operations += [f"INSERT {{ {_quads_text(chunk, graph)} }} WHERE {{ }}" for chunk in chunks if chunk]
    return " ;\n".join(operations)


def _quads_text(quads: Sequence[ox.Quad], graph: str) -> str:
    """``GRAPH <g> { … }`` blocks of the quads, those of the default graph in ``graph``."""
    by_graph: dict[str, list[ox.Triple]] = {}
    for quad in quads:
        name = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else graph
        by_graph.setdefault(name, []).append(quad.triple)
    return " ".join(
        f"GRAPH {term(name)} {{ {(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b'').decode()} }}"
        for name, triples in by_graph.items()
    )


def _operation(text: str, graphs: Callable[[], list[str]]) -> str:
    """One update operation translated (see ``translate_update``)."""
    toks = list(tokens(text))
    i = 0
    while i < len(toks) and toks[i].is_keyword("BASE", "PREFIX"):
        i += 2 if toks[i].is_keyword("BASE") else 3
    if i >= len(toks):
        return text
    edits: list[tuple[int, int, str]] = []
    graph = UNION_GRAPH
    if toks[i].is_keyword("WITH") and i + 1 < len(toks) and toks[i + 1].kind == "iri":
        # WITH would also empty the named graphs for Virtuoso: the graph is written out instead.
        graph = toks[i + 1].text[1:-1]
        edits.append((toks[i].start, toks[i + 1].end, ""))
        i += 2
    head = toks[i] if i < len(toks) else None
    if head is None:
        return text
    after = toks[i + 1] if i + 1 < len(toks) else None
    if head.is_keyword("DROP", "CLEAR") and after is not None:
        target = toks[i + 2] if after.is_keyword("SILENT") and i + 2 < len(toks) else after
        if target.is_keyword("ALL", "NAMED"):
            names = graphs() + ([UNION_GRAPH] if target.is_keyword("ALL") else [])
            verb = head.text.upper()
            # No graph to drop: an operation that does nothing keeps the request's ';' valid.
            each = " ;\n".join(f"{verb} SILENT GRAPH {term(g)}" for g in names) or "INSERT DATA { }"
            return _apply(text, [*edits, (head.start, target.end, each)])
    if head.is_keyword("DROP", "CLEAR") and after is not None and after.is_keyword("GRAPH"):
        # Virtuoso knows only graphs made by CREATE GRAPH: any other, even one holding triples,
        # "has not been explicitly created" and cannot be dropped unless SILENT.
        edits.append((head.end, head.end, " SILENT"))
    if head.is_keyword("DROP", "CLEAR", "ADD", "COPY", "MOVE"):
        edits += [(t.start, t.end, f"GRAPH {term(UNION_GRAPH)}") for t in toks[i:] if t.is_keyword("DEFAULT")]
        return _apply(text, edits)
    if not head.is_keyword("INSERT", "DELETE") or after is None:
        return _apply(text, edits)
    if after.is_keyword("DATA") and i + 2 < len(toks):
        close = group_end(toks, i + 2)
        edits += _quads_edits(toks, i + 2, close, graph)
        blank = any(t.text.startswith("_:") or t.text == "[" for t in toks[i + 2 : close])
        if head.is_keyword("INSERT") and blank:
            inner = text[toks[i + 2].end : toks[close].start]
            split = _insert_with_blank_nodes(inner, graph)
            if split is not None:
                return _apply(text, [*edits, (head.start, toks[close].end, split)])
            # A template's blank nodes are fresh per solution, and there is one: as INSERT DATA.
            edits += [(after.start, after.end, ""), (toks[close].end, toks[close].end, " WHERE { }")]
        return _apply(text, edits)
    if head.is_keyword("DELETE") and after.is_keyword("WHERE") and i + 2 < len(toks):
        close = group_end(toks, i + 2)
        pattern = text[toks[i + 2].start : toks[close].end]
        template = _apply(pattern, [(a - toks[i + 2].start, b - toks[i + 2].start, r) for a, b, r in _quads_edits(toks, i + 2, close, graph)])
        where = f"{{ GRAPH {term(graph)} {_hide_graphs(pattern)} }}"
        return _apply(text, [*edits, (after.start, toks[close].end, f"{template} WHERE {where}")])
    # DELETE { … } INSERT { … } USING … WHERE { … }: the templates, then the pattern.
    j = i
    using = False
    while j < len(toks):
        if toks[j].is_keyword("INSERT", "DELETE") and j + 1 < len(toks) and toks[j + 1].text == "{":
            close = group_end(toks, j + 1)
            edits += _quads_edits(toks, j + 1, close, graph)
            j = close + 1
            continue
        if toks[j].is_keyword("USING"):
            using = True
        if toks[j].is_keyword("WHERE") and j + 1 < len(toks) and toks[j + 1].text == "{":
            close = group_end(toks, j + 1)
            edits += _graph_edits(toks, j + 1, close + 1)
            if not using:
                edits += [
                    (toks[j + 1].end, toks[j + 1].end, f" GRAPH {term(graph)} {{"),
                    (toks[close].start, toks[close].start, "} "),
                ]
            break
        j += 1
    return _apply(text, edits)


def translate_update(update: str, graphs: Callable[[], list[str]]) -> str:
    """``update`` as Virtuoso must run it on policykg's dataset; ``graphs()`` lists the named
    graphs (without the hidden ones), asked only for a ``DROP``/``CLEAR`` of ``ALL`` or ``NAMED``.

    The default graph of each operation (the union, or its ``WITH`` graph) is written out: every
    WHERE group is read inside ``GRAPH <it> { … }`` (Virtuoso's ``GRAPH`` nests, an inner
    ``GRAPH`` switching graphs as SPARQL says), and each template's triples outside ``GRAPH``
    blocks go into ``GRAPH <it>``. Virtuoso's own ways of naming a default graph (``FROM``,
    ``WITH``, ``default-graph-uri``, ``DEFINE input:default-graph-uri``) all leave ``GRAPH <g>``
    reading nothing.
    """
    # The prologue of the request (BASE, PREFIX) opens its first operation and holds for all.
    parts = [_operation(update[op[0].start : op[-1].end], graphs) for op in operations(update)]
    return " ;\n".join(parts)
