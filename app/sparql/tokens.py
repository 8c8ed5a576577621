"""A SPARQL tokenizer, just enough to find top-level keywords of an update and rewrite its dataset.

The SPARQL 1.1 Protocol lets a client give ``using-graph-uri`` / ``using-named-graph-uri`` with an
update; pyoxigraph's ``Store.update`` has no parameter for them, so the embedded backend writes
them into the update as ``USING`` clauses before each ``WHERE``. Security decisions are never
taken on these tokens (``app.safety`` parses with a real SPARQL parser); a token misread here can
only make the rewritten update fail to parse.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast

import pyoxigraph as ox

from app.core.errors import ProtocolError

__all__ = [
    "QueryForm",
    "Token",
    "add_using",
    "body",
    "expand_prefixed_names",
    "group_end",
    "last_operation_end",
    "operations",
    "query_form",
    "substitute",
    "tokens",
    "where_group_start",
]

# Terminal rules of the SPARQL 1.1 grammar (section 19.8), most specific first. IRIREF excludes
# whitespace, so ``?a < ?b`` is two variables and an operator, as a SPARQL lexer reads it.
_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<string>'''(?:'{0,2}(?:[^'\\]|\\.))*'''
                | \"\"\"(?:"{0,2}(?:[^"\\]|\\.))*\"\"\"
                | '(?:[^'\\\n\r]|\\.)*'
                | "(?:[^"\\\n\r]|\\.)*")
    | (?P<var>[?$][^\s{}()<>"',;.\[\]=!&|^*/+#-]+)
    | (?P<word>(?:[\w\-.:%\u00B7]|\\[_~.\-!$&'()*+,;=/?\#@%])+)
    | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical token with its place in the text."""

    kind: str
    text: str
    start: int
    end: int

    def is_keyword(self, *words: str) -> bool:
        """True when the token is one of ``words`` (SPARQL keywords are case-insensitive)."""
        return self.kind == "word" and self.text.upper() in words


def tokens(text: str) -> Iterator[Token]:
    """The tokens of ``text``, without whitespace and comments."""
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        if kind not in ("space", "comment"):
            yield Token(kind, match.group(), match.start(), match.end())


def operations(text: str) -> list[list[Token]]:
    """Split an update request into its operations (``;`` outside braces)."""
    operations: list[list[Token]] = [[]]
    depth = 0
    for token in tokens(text):
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        if depth == 0 and token.text == ";":
            operations.append([])
        else:
            operations[-1].append(token)
    return [op for op in operations if op]


def body(operation: list[Token]) -> list[Token]:
    """The operation without its prologue (``BASE <…>`` and ``PREFIX p: <…>`` declarations)."""
    i = 0
    while i < len(operation):
        if operation[i].is_keyword("BASE"):
            i += 2
        elif operation[i].is_keyword("PREFIX"):
            i += 3
        else:
            break
    return operation[i:]


QueryForm = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]


def query_form(query: str) -> QueryForm | None:
    """The form of a query (its first keyword after the prologue), None when it names none.

    Read before the query runs, to refuse a format that cannot carry its answer; the parser
    still decides whether the text is a query at all.
    """
    for token in body(list(tokens(query)))[:1]:
        if token.is_keyword("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            return cast(QueryForm, token.text.upper())
    return None


def group_end(body: Sequence[Token], open_index: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``open_index``."""
    depth = 0
    for i in range(open_index, len(body)):
        if body[i].text == "{":
            depth += 1
        elif body[i].text == "}":
            depth -= 1
            if depth == 0:
                return i
    raise ProtocolError("the update has an unclosed '{'")


def where_group_start(query: str) -> int | None:
    """The offset just after the ``{`` that opens a query's top-level WHERE group, if found.

    The ``WHERE`` keyword is optional in SELECT and ASK, so without it the group is the first
    top-level ``{`` after the query form (a CONSTRUCT template also opens with ``{``, but then the
    keyword is required unless it is ``CONSTRUCT WHERE``).
    """
    depth = 0
    seen_form = after_where = False
    for token in tokens(query):
        if depth == 0:
            if token.is_keyword("SELECT", "ASK", "DESCRIBE"):
                seen_form = True
            elif token.is_keyword("WHERE"):
                after_where = True
            elif token.text == "{" and (after_where or (seen_form and not token.is_keyword("CONSTRUCT"))):
                return token.end
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
    return None


# After these keywords the variables named are declarations, not uses: a term cannot stand there.
# A declaration list ends at a brace or at one of _LIST_END; ``AS`` declares only the next variable.
_DECLARING = {"SELECT", "GROUP", "ORDER", "VALUES"}
_LIST_END = {"WHERE", "FROM", "HAVING", "LIMIT", "OFFSET", "ORDER", "GROUP", "VALUES", "BIND"}


def substitute(query: str, terms: Mapping[str, str]) -> str:
    """Replace each use of ``?name`` by ``terms[name]`` (a serialised RDF term), as pyoxigraph's
    substitutions do, for an engine that has no such parameter.

    Declarations (projection, GROUP BY, ORDER BY, ``AS``, VALUES heads) keep the variable; the
    caller appends a ``VALUES`` clause binding it, so it is still projected and ordered by.
    """
    out: list[str] = []
    last = 0
    declaring = declare_next = False
    for token in tokens(query):
        word = token.text.upper() if token.kind == "word" else None
        if token.text in ("{", "}") or word in _LIST_END:
            declaring = False
        if word in _DECLARING:
            declaring = True
        elif word == "AS":
            declare_next = True
        elif token.kind == "var":
            if not (declaring or declare_next) and token.text[1:] in terms:
                out += [query[last : token.start], terms[token.text[1:]]]
                last = token.end
            declare_next = False
    out.append(query[last:])
    return "".join(out)


def add_using(update: str, default_graphs: Sequence[str], named_graphs: Sequence[str]) -> str:
    """Return ``update`` with ``USING`` / ``USING NAMED`` clauses for each DELETE/INSERT … WHERE.

    ``DELETE WHERE { P }`` takes no USING clause, so it becomes the equivalent
    ``DELETE { P } USING … WHERE { P }``. INSERT DATA, DELETE DATA and graph management
    operations read no dataset and are left alone.
    """
    # Serialising validated NamedNodes (no '>' or spaces can occur in them) keeps the IRIs inert.
    clauses = [f"USING {ox.NamedNode(g)}" for g in default_graphs]
    clauses += [f"USING NAMED {ox.NamedNode(g)}" for g in named_graphs]
    if not clauses:
        return update
    using = " " + " ".join(clauses) + " "
    edits: list[tuple[int, int, str]] = []
    for operation in operations(update):
        ops = body(operation)
        if ops and ops[0].is_keyword("WITH"):
            ops = ops[2:]
        if len(ops) < 2 or not ops[0].is_keyword("DELETE", "INSERT") or ops[1].is_keyword("DATA"):
            continue
        if ops[0].is_keyword("DELETE") and ops[1].is_keyword("WHERE"):
            if len(ops) < 3 or ops[2].text != "{":
                continue  # malformed; the engine's parser reports it
            end = group_end(ops, 2)
            pattern = update[ops[2].start : ops[end].end]
            edits.append((ops[1].start, ops[end].end, f"{pattern}{using}WHERE {pattern}"))
            continue
        depth = 0
        for token in ops:
            depth += token.text == "{"
            depth -= token.text == "}"
            if depth == 0 and token.is_keyword("WHERE"):
                edits.append((token.start, token.start, using.lstrip()))
                break
    for start, end, replacement in sorted(edits, reverse=True):
        update = update[:start] + replacement + update[end:]
    return update


_LOCAL_ESCAPE = re.compile(r"\\(.)")


def expand_prefixed_names(text: str, prefixes: Mapping[str, str]) -> str:
    """Return ``text`` with each prefixed name of ``prefixes`` written as a full IRI.

    A text without prefixed names means the same after any prologue, so the rules can follow a
    user's update (and its PREFIX or BASE) in one request. Names of other prefixes are left for
    the engine to report.
    """
    out: list[str] = []
    last = 0
    for token in tokens(text):
        if token.kind != "word" or ":" not in token.text:
            continue
        name = token.text.rstrip(".")  # a local name never ends in '.': that one ends the triple
        prefix, _, local = name.partition(":")
        if prefix not in prefixes:
            continue
        iri = prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
        out += [text[last : token.start], str(ox.NamedNode(iri))]
        last = token.start + len(name)
    out.append(text[last:])
    return "".join(out)


def last_operation_end(update: str) -> int | None:
    """Where an update request's last operation ends, so more operations can follow it after a ``;``.

    None when the request has no operation (only a prologue, or nothing). A request may end with
    ``;`` and a prologue that no operation follows; that tail means nothing and is cut.
    """
    end: int | None = None
    depth = 0
    body = False  # inside an operation (past its prologue)
    expect = 0  # tokens still to skip of a BASE <iri> or PREFIX p: <iri> declaration
    for token in tokens(update):
        if expect:
            expect -= 1
            continue
        if depth == 0 and not body and token.is_keyword("BASE", "PREFIX"):
            expect = 1 if token.is_keyword("BASE") else 2
            continue
        if token.text == "{":
            depth += 1
        elif token.text == "}":
            depth -= 1
        if depth == 0 and token.text == ";":
            body = False
            continue
        body = True
        end = token.end
    return end
