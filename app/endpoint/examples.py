"""The examples of the SPARQL query page: the named queries of ``queries/``, ready to run by hand.

A named query's parameters are bound by the API; a person on the page needs a query that runs as
written. Each example therefore declares the project prefixes it uses and, when the header gives
``# example: NAME=VALUE`` lines, ends with a ``VALUES`` clause binding those parameters (values
serialised by pyoxigraph as RDF terms), which the reader can edit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from app.core.errors import ParameterError
from app.core.namespaces import PREFIXES
from app.endpoint.catalog import NamedQuery, bind_params
from app.sparql.tokens import where_group_start
from app.sparql.values import values_rows

__all__ = ["Example", "examples", "runnable_text"]


@dataclass(frozen=True, slots=True)
class Example:
    """A named query as the page offers it."""

    name: str
    title: str
    description: str
    text: str
    bound: tuple[str, ...]
    is_rule: bool


def _declared(text: str) -> set[str]:
    return {m.group(1) for m in re.finditer(r"(?im)^\s*PREFIX\s+([\w.-]*):", text)}


def runnable_text(query: NamedQuery) -> tuple[str, tuple[str, ...]]:
    """The query text with the prefixes it needs and its example values; also the bound names."""
    lines = query.text.rstrip().splitlines()
    header_end = next((i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")),
                      len(lines))
    body = "\n".join(lines[header_end:])
    declared = _declared(body)
    # Only a display aid: a prefix named in a comment or string just adds one harmless PREFIX line.
    needed = [p for p in PREFIXES if p not in declared and re.search(rf"(?<![\w.-]){re.escape(p)}:", body)]
    prologue = [f"PREFIX {p}: <{PREFIXES[p]}>" for p in needed]
    try:
        terms = bind_params(query, {p.name: query.examples[p.name] for p in query.params if p.name in query.examples})
    except ParameterError:
        terms = {}  # a required parameter without an example: left for the reader to bind
    text = "\n".join(lines[:header_end] + prologue + lines[header_end:]) + "\n"
    if terms:
        row = values_rows(list(terms), [list(terms.values())])
        values = f"{row}  # Giá trị mẫu / example values: edit to ask about something else"
        # First in the WHERE group, so the group's FILTERs see the values as the API's bound
        # parameters do (a trailing VALUES clause is joined only after the filters ran).
        at = where_group_start(text)
        text = f"{text}{values}\n" if at is None else f"{text[:at]}\n  {values}{text[at:]}"
    return text, tuple(terms)


def examples(catalog: Mapping[str, NamedQuery]) -> list[Example]:
    """The page's examples: questions first, then the data-quality rules, each by name."""
    ordered = sorted(catalog.values(), key=lambda q: (q.is_violation, q.name))
    out = []
    for query in ordered:
        text, bound = runnable_text(query)
        out.append(Example(query.name, query.title, query.description, text, bound, query.is_violation))
    return out
