"""Keep the public SPARQL endpoint inside its store: no SSRF, no local file reads.

A query or update can make an engine reach outside its data: ``SERVICE`` calls another endpoint
and ``LOAD`` fetches a document. Both must name an IRI under an operator-configured allow-list of
prefixes (``POLICYKG_ALLOWED_REMOTE``, empty by default), else they are refused. Graph names
(``FROM``, ``FROM NAMED``, ``USING``, ``WITH``, the protocol's graph parameters) are only names
here: neither pyoxigraph nor an Oxigraph server dereferences them, so a graph the store lacks is
an empty graph, as the SPARQL 1.1 Protocol tests expect.

This check reads the text; it is the second line of defence. The first holds by construction:
the processes that evaluate queries and updates call ``app.sandbox.deny_network`` and cannot open
an internet socket at all unless an allow-list is configured (see SECURITY.md).

**One text for every reader.** rdflib (which finds the references) and Oxigraph (which runs the
query) read SPARQL differently: rdflib applies ``\\u`` escapes to the whole text before parsing and
ends a ``#`` comment only at LF; Oxigraph ends it at CR too and applies ``\\u`` escapes only inside
strings and IRIs. A text can therefore look harmless to one and call out through the other. So the
endpoint never runs what the client sent: ``canonical`` rewrites it into a text on which both
agree — no CR outside strings, no ``\\u``/``\\U`` escape anywhere (decoded inside strings and IRIs,
a comment holding one dropped, one in code refused) — and that canonical text is what is checked
and what the engine runs, byte for byte. A third reading, a token scan of the canonical text with
Oxigraph's lexical rules, must find no more SERVICE or LOAD keywords than rdflib's parse did.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from app.core.errors import DefaultGraphWrite, ProtocolError, QueryRefused, QuerySyntaxError, QueryTooComplex
from app.sparql.engine import Dataset
from app.sparql.syntax import explain

__all__ = [
    "AllowList",
    "Reference",
    "canonical",
    "check",
    "check_query",
    "check_update",
    "default_graph_writes",
    "nesting_depth",
    "outbound_keywords",
    "prepare",
    "references",
]

ReferenceKind = Literal["SERVICE", "LOAD", "FROM", "FROM NAMED", "USING", "USING NAMED", "WITH"]
_OUTBOUND: frozenset[str] = frozenset({"SERVICE", "LOAD"})
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

# Lexical classes of SPARQL 1.1 (section 19.8) as Oxigraph reads them: a comment ends at CR or LF;
# an IRI may hold \u escapes; strings hold ECHAR and \u escapes.
_LEXEME = re.compile(
    r"""
      (?P<comment>(?<!\\)\#[^\n\r]*)
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
    | (?P<long>'''(?:'{0,2}(?:[^'\\]|\\.))*'''|\"\"\"(?:"{0,2}(?:[^"\\]|\\.))*\"\"\")
    | (?P<short>'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<code>[^#<'"]+|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_REESCAPE = {"\\": "\\\\", '"': '\\"', "'": "\\'", "\n": "\\n", "\r": "\\r"}
_KEYWORD = re.compile(r"(?<![\w:?$\\-])(service|load)(?![\w:-])", re.IGNORECASE)
_OPEN, _CLOSE = frozenset("{(["), frozenset("})]")


def _code_point(match: re.Match[str]) -> str:
    code = int(match.group(1) or match.group(2), 16)
    if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise QuerySyntaxError(f"{match.group(0)} is not a Unicode code point")
    return chr(code)


def _string_value(body: str) -> str:
    """The value of a string literal's body, its ECHAR and \\u escapes applied."""
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        escape = _ESCAPE.match(body, i)
        if escape:
            out.append(_code_point(escape))
            i = escape.end()
        elif i + 1 < len(body) and body[i + 1] in _ECHAR:
            out.append(_ECHAR[body[i + 1]])
            i += 2
        else:
            raise QuerySyntaxError(f"invalid escape {body[i:i + 2]!r} in a string")
    return "".join(out)


def _string(lexeme: str, quote_len: int) -> str:
    """A string literal rewritten with plain ECHAR escapes only (the value is unchanged)."""
    quote = lexeme[:quote_len]
    value = _string_value(lexeme[quote_len:-quote_len])
    if re.search(r"\\[uU]", value):
        # Written out, this value holds a '\\u' that rdflib would expand and Oxigraph would not.
        raise QueryRefused("a string whose value holds a backslash followed by 'u' or 'U' cannot be checked safely")
    return quote + "".join(_REESCAPE.get(c, c) for c in value) + quote


def _iri(lexeme: str) -> str:
    value = _ESCAPE.sub(_code_point, lexeme[1:-1])
    if re.search(r'[<>"{}|^`\\\x00-\x20]', value):
        raise QuerySyntaxError(f"the IRI {lexeme[:80]} holds an escaped character that an IRI cannot hold")
    return f"<{value}>"


def canonical(text: str) -> str:
    """``text`` rewritten so that rdflib and Oxigraph read the same tokens (see the module docstring).

    The meaning is kept: escapes inside strings and IRIs are decoded (strings re-escaped with
    ``\\n``, ``\\"`` …), CR outside strings becomes LF, a comment holding an escape becomes a space.
    """
    out: list[str] = []
    for match in _LEXEME.finditer(text):
        kind, lexeme = match.lastgroup, match.group()
        if kind == "comment":
            out.append(" " if _ESCAPE.search(lexeme) else lexeme)
        elif kind == "iri":
            out.append(_iri(lexeme) if "\\" in lexeme else lexeme)
        elif kind == "long":
            out.append(_string(lexeme, 3))
        elif kind == "short":
            out.append(_string(lexeme, 1) if "\\" in lexeme else lexeme)
        else:
            if _ESCAPE.search(lexeme):
                raise QuerySyntaxError(
                    "a \\u or \\U escape outside a string or an IRI: write the character itself"
                )
            out.append(lexeme.replace("\r\n", "\n").replace("\r", "\n"))
    result = "".join(out)
    # The invariants both parsers rely on, checked on the result rather than trusted.
    if _ESCAPE.search(result) or "\r" in _outside_strings(result):
        raise QueryRefused("the text cannot be put in a form that the safety check reads as the engine does")
    return result


def _outside_strings(text: str) -> str:
    return "".join(m.group() for m in _LEXEME.finditer(text) if m.lastgroup not in ("long", "short"))


def _code(text: str) -> Iterator[str]:
    """The parts of ``text`` that are neither strings, IRIs nor comments, as Oxigraph lexes them."""
    for match in _LEXEME.finditer(text):
        if match.lastgroup == "code":
            yield match.group()


def nesting_depth(text: str) -> int:
    """How deeply ``{ ( [`` nest in ``text`` (strings, IRIs and comments skipped)."""
    depth = deepest = 0
    for part in _code(text):
        for char in part:
            if char in _OPEN:
                depth += 1
                deepest = max(deepest, depth)
            elif char in _CLOSE:
                depth -= 1
    return deepest


def outbound_keywords(text: str) -> int:
    """How many SERVICE and LOAD keywords a token scan of ``text`` finds."""
    return sum(len(_KEYWORD.findall(part)) for part in _code(text))


def prepare(text: str, *, max_depth: int) -> str:
    """The canonical form of ``text``, refused with QueryTooComplex when nested past ``max_depth``.

    Cheap (linear regular expressions, no parser), so it runs in the server before any worker.
    """
    result = canonical(text)
    depth = nesting_depth(result)
    if depth > max_depth:
        raise QueryTooComplex(
            f"the text nests brackets {depth} deep; the limit is {max_depth} (POLICYKG_MAX_NESTING)"
        )
    return result


@dataclass(frozen=True, slots=True)
class Reference:
    """A place outside the query's own patterns that an operation names; ``iri`` None for a variable."""

    kind: ReferenceKind
    iri: str | None
    relative: bool = False

    def as_written(self) -> str:
        """How the user wrote it, e.g. ``SERVICE <http://…>``."""
        target = f"<{self.iri}>" if self.iri is not None else "a variable"
        return f"{self.kind} {target}"


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


def warm_parsers() -> None:
    """Have rdflib build its SPARQL grammars now, in the process that forks the query workers.

    pyparsing builds a grammar on its first parse (0.4 s here); a worker forked after that inherits
    it, so the check of an update no longer costs a fresh worker that time. Constant texts only.
    """
    _parse("ASK {}", update=False)
    _parse("CLEAR SILENT GRAPH <urn:policykg:warm>", update=True)


def _parse(text: str, update: bool) -> object:
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    try:
        return parseUpdate(text) if update else parseQuery(text)
    except ParseException as exc:
        raise QuerySyntaxError(explain(text, f"{exc.msg} at line {exc.lineno}, column {exc.col}")) from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise QuerySyntaxError(f"the query cannot be parsed for the endpoint's safety check: {exc}") from None


def _walk(node: object, resolve: Callable[[object], tuple[str | None, bool]]) -> Iterator[Reference]:
    """Every SERVICE, LOAD, dataset, USING and WITH reference below a parse-tree node."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        name = node.name
        if name == "DatasetClause":
            kind: ReferenceKind = "FROM NAMED" if "named" in node else "FROM"
            yield Reference(kind, *resolve(node["named"] if "named" in node else node["default"]))
        elif name == "UsingClause":
            kind = "USING NAMED" if "named" in node else "USING"
            yield Reference(kind, *resolve(node["named"] if "named" in node else node["default"]))
        elif name == "ServiceGraphPattern":
            yield Reference("SERVICE", *resolve(node["term"]))
        elif name == "Load":
            yield Reference("LOAD", *resolve(node["iri"]))
        elif name == "Modify" and "withClause" in node:
            yield Reference("WITH", *resolve(node["withClause"]))
        # dict.values: CompValue's own accessors run rdflib's evaluation hooks (and .get misreads keys).
        for child in dict.values(node):
            yield from _walk(child, resolve)
    elif isinstance(node, ParseResults | list | tuple):
        for item in node:
            yield from _walk(item, resolve)


def _resolver(prologue: object) -> Callable[[object], tuple[str | None, bool]]:
    """Resolve a term of the parse tree: (IRI or None for a variable, whether it was written relative)."""
    from rdflib import URIRef, Variable

    def resolve(term: object) -> tuple[str | None, bool]:
        if isinstance(term, Variable):
            return None, False
        relative = isinstance(term, URIRef) and not urlsplit(str(term)).scheme
        try:
            iri = prologue.absolutize(term)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 - rdflib raises a bare Exception for an unknown prefix
            raise QuerySyntaxError(f"cannot resolve {term}: {exc}") from None
        if not isinstance(iri, URIRef):
            raise QuerySyntaxError(f"expected an IRI, found {term}")
        return str(iri), relative

    return resolve


_MAY_REFER = re.compile(r"service|load|from|using|with", re.IGNORECASE)


def references(text: str, *, update: bool, base_iri: str | None) -> list[Reference]:
    """The references of a canonical query (``update`` False) or update, found by parsing it."""
    if not _MAY_REFER.search(text):
        return []  # none of the keywords occurs even as a substring: nothing to parse for
    return _references(_parse(text, update), update=update, base_iri=base_iri)


def _references(parsed: object, *, update: bool, base_iri: str | None) -> list[Reference]:
    from rdflib.plugins.sparql.algebra import translatePrologue

    found: list[Reference] = []
    if update:
        prologue = None
        for part, request in zip(parsed.prologue or [], parsed.request or [], strict=False):  # type: ignore[attr-defined]
            prologue = translatePrologue(part, base_iri, None, prologue)
            found += _walk(request, _resolver(prologue))
    else:
        prologue = translatePrologue(parsed[0], base_iri)  # type: ignore[index]
        found += _walk(parsed[1], _resolver(prologue))  # type: ignore[index]
    return found


def _confirm(text: str, found: list[Reference]) -> None:
    """The token scan must not see more SERVICE/LOAD keywords than the parse found references."""
    outbound = sum(ref.kind in _OUTBOUND for ref in found)
    if outbound_keywords(text) > outbound:
        raise QueryRefused(
            "the text names SERVICE or LOAD in a way the safety check cannot confirm; it is refused"
        )


_MAY_CALL_OUT = re.compile(r"service|load", re.IGNORECASE)


def check_query(text: str, *, base_iri: str | None, allowed: AllowList) -> None:
    """Everything a canonical query must pass before it runs: SERVICE only to the allow-list.

    Only SERVICE and LOAD matter to a query, so a text holding neither word even as a substring
    (canonical text has no escape that could spell one) is not parsed at all: a FROM alone costs
    no rdflib parse.
    """
    found = references(text, update=False, base_iri=base_iri) if _MAY_CALL_OUT.search(text) else []
    _confirm(text, found)
    check(found, allowed)


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
    for request in parsed.request or []:  # type: ignore[attr-defined]
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


def check_update(text: str, *, base_iri: str | None, using: Dataset, allowed: AllowList) -> None:
    """Everything a canonical update must pass before it runs, from one parse of it.

    SERVICE and LOAD go only to the allow-list (QueryRefused); the protocol's using-graph parameters
    are not combined with USING or WITH (ProtocolError); nothing is written to the default graph
    (DefaultGraphWrite).
    """
    parsed = _parse(text, update=True)
    found = _references(parsed, update=True, base_iri=base_iri)
    _confirm(text, found)
    if using and any(r.kind in ("USING", "USING NAMED", "WITH") for r in found):
        raise ProtocolError("using-graph-uri / using-named-graph-uri cannot be combined with USING or WITH in the update")
    check(found, allowed)
    writes = _default_graph_writes(parsed)
    if writes:
        raise DefaultGraphWrite(
            "the default graph of this endpoint is the union of the named graphs (one per source) and "
            "cannot be written; write into a named graph with GRAPH <…> { … } or WITH <…> "
            f"(refused: {', '.join(dict.fromkeys(writes))})"
        )


def check(found: Iterable[Reference], allowed: AllowList) -> None:
    """Raise QueryRefused for the first SERVICE or LOAD that does not name an allow-listed IRI in full.

    Graph names (FROM, USING, WITH) pass: the store never dereferences them.
    """
    for ref in found:
        if ref.kind not in _OUTBOUND:
            continue
        if ref.iri is None:
            raise QueryRefused(f"{ref.as_written()} is refused: the endpoint must know where a {ref.kind} goes")
        if ref.relative:
            raise QueryRefused(f"{ref.as_written()} is refused: a {ref.kind} IRI must be written in full, not relative")
        if not allowed.allows(ref.iri):
            raise QueryRefused(
                f"{ref.as_written()} is refused: this endpoint reaches no other service or document "
                "unless its IRI is on the allow-list (POLICYKG_ALLOWED_REMOTE)"
            )
