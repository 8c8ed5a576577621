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

from app.core.namespaces import GRAPH_BASE
from app.sparql.tokens import Token, tokens
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

_PRAGMA = f"DEFINE input:default-graph-uri <{UNION_GRAPH}> "
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


def _close(toks: Sequence[Token], open_index: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``open_index`` (the last token if it is unclosed)."""
    depth = 0
    for i in range(open_index, len(toks)):
        if toks[i].text == "{":
            depth += 1
        elif toks[i].text == "}":
            depth -= 1
            if depth == 0:
                return i
    return len(toks) - 1


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
            close = _close(toks, i + 2)
            edits.append((toks[close].end, toks[close].end, _hidden_filter(toks[i + 1].text)))
    return edits


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    for begin, finish, replacement in sorted(edits, reverse=True):
        text = text[:begin] + replacement + text[finish:]
    return text


def translate_query(query: str, *, own_dataset: bool) -> str:
    """``query`` as Virtuoso must read it to answer over policykg's dataset.

    ``own_dataset``: the protocol names the dataset (default-graph-uri / named-graph-uri), which
    then replaces the union default graph, as it does on the other engines.
    """
    toks = list(tokens(query))
    text = _apply(query, _graph_edits(toks, 0, None))
    has_from = any(t.is_keyword("FROM") for t in toks)
    return text if own_dataset or has_from else _PRAGMA + text


def translate_update(update: str, graphs: Callable[[], list[str]]) -> str:
    """``update`` as Virtuoso must run it on policykg's dataset; ``graphs()`` lists the named
    graphs (without the hidden ones), asked only for a ``DROP``/``CLEAR`` of ``ALL`` or ``NAMED``."""
    toks = list(tokens(update))
    edits: list[tuple[int, int, str]] = []
    depth = 0
    i = 0
    while i < len(toks):
        token = toks[i]
        after = toks[i + 1] if i + 1 < len(toks) else None
        if depth == 0 and after is not None and token.is_keyword("INSERT", "DELETE"):
            if after.is_keyword("DATA") and i + 2 < len(toks) and toks[i + 2].text == "{":
                close = _close(toks, i + 2)
                if token.is_keyword("INSERT"):
                    # A template's blank nodes are fresh per solution, and there is one: as INSERT DATA.
                    edits += [(after.start, after.end, ""), (toks[close].end, toks[close].end, " WHERE { }")]
                i = close + 1
                continue
            if token.is_keyword("DELETE") and after.is_keyword("WHERE") and i + 2 < len(toks):
                close = _close(toks, i + 2)
                pattern = update[toks[i + 2].start : toks[close].end]
                filtered = _hide_graphs(pattern)
                if filtered != pattern:
                    edits.append((after.start, toks[close].end, f"{pattern} WHERE {filtered}"))
                i = close + 1
                continue
            if after.text == "{":
                i = _close(toks, i + 1) + 1  # a template: it writes where its WHERE matched
                continue
        if depth == 0 and after is not None and token.is_keyword("DROP", "CLEAR"):
            silent = after.is_keyword("SILENT")
            target = toks[i + 2] if silent and i + 2 < len(toks) else after
            if target.is_keyword("ALL", "NAMED"):
                names = graphs() + ([UNION_GRAPH] if target.is_keyword("ALL") else [])
                verb = token.text.upper()
                # No graph to drop: an operation that does nothing keeps the request's ';' valid.
                each = " ;\n".join(f"{verb} SILENT GRAPH {term(g)}" for g in names) or "INSERT DATA { }"
                edits.append((token.start, target.end, each))
                i = toks.index(target) + 1
                continue
        if token.is_keyword("GRAPH") and after is not None and after.kind == "var" and i + 2 < len(toks) and toks[i + 2].text == "{":
            close = _close(toks, i + 2)
            edits.append((toks[close].end, toks[close].end, _hidden_filter(after.text)))
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        i += 1
    return _PRAGMA + _apply(update, edits)
