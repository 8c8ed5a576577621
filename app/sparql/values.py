"""The one place that writes RDF terms into SPARQL text: ``VALUES`` clauses and variable bindings.

Why this is safe, stated once: nothing here formats text into a query. Every term written is a
pyoxigraph ``NamedNode`` or ``Literal`` (a plain ``str`` is accepted only as an IRI, and becomes a
``NamedNode`` first), and the text written is pyoxigraph's own serialisation of it. ``NamedNode``
refuses an IRI with a space, quote, ``<``, ``>``, ``{``, ``}`` or other character SPARQL's
``IRIREF`` forbids, so ``<…>`` cannot be left early; a literal's lexical form is written as an
escaped string (quotes, backslashes and line breaks escaped), its language tag is checked by
``Literal`` and its datatype is a ``NamedNode``. Variable names are checked by ``ox.Variable``.
Two kinds of term are refused rather than written: a blank node (``_:b`` in a query is a fresh
variable-like node, not the store's node, so the query would silently mean something else) and a
quoted triple (pyoxigraph writes it without ``<< >>``, which is not a SPARQL term).

``VALUES`` lists are cut into batches of ``VALUES_BATCH`` terms so that one query never grows
with the size of the graph (engines parse and join a long inline table slowly).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TypeVar

import pyoxigraph as ox

from app.sparql.tokens import substitute, where_group_start

__all__ = ["VALUES_BATCH", "AnyTerm", "Bindable", "batches", "bind", "iri_list", "term", "values", "values_rows"]

#: Terms per ``VALUES`` clause when a caller splits a long list (see :func:`batches`).
VALUES_BATCH = 500

#: What may be written into a query: an RDF term, or a ``str`` taken as an IRI.
Bindable = ox.NamedNode | ox.Literal | str

#: What a caller may hand over; blank nodes and quoted triples are refused when written.
AnyTerm = Bindable | ox.BlankNode | ox.Triple

_T = TypeVar("_T")


def term(value: AnyTerm) -> str:
    """``value`` in SPARQL syntax, as pyoxigraph serialises it; ValueError for a blank node, a
    quoted triple, or a ``str`` that is not a valid IRI."""
    if isinstance(value, str):
        return str(ox.NamedNode(value))
    if isinstance(value, ox.NamedNode | ox.Literal):
        return str(value)
    if isinstance(value, ox.BlankNode):
        raise ValueError(f"a blank node ({value}) cannot be named in a query: its label is local to one answer")
    raise ValueError(f"{type(value).__name__} terms cannot be written into a SPARQL query")


def _variable(name: str | ox.Variable) -> str:
    return str(name if isinstance(name, ox.Variable) else ox.Variable(name))


def iri_list(iris: Iterable[Bindable]) -> str:
    """The terms separated by spaces: the body of a one-variable ``VALUES`` clause."""
    return " ".join(term(i) for i in iris)


def values(var: str | ox.Variable, terms: Iterable[Bindable]) -> str:
    """``VALUES ?var { t1 t2 … }`` for one variable."""
    return f"VALUES {_variable(var)} {{ {iri_list(terms)} }}"


def values_rows(variables: Sequence[str | ox.Variable], rows: Iterable[Sequence[AnyTerm | int]]) -> str:
    """``VALUES (?a ?b) { (x1 y1) (x2 y2) … }``; an ``int`` cell is written as an integer literal."""
    head = " ".join(_variable(v) for v in variables)
    body = []
    for row in rows:
        if len(row) != len(variables):
            raise ValueError(f"a VALUES row has {len(row)} terms for {len(variables)} variables")
        body.append(f"({' '.join(_cell(c) for c in row)})")
    return f"VALUES ({head}) {{ {' '.join(body)} }}"


def _cell(value: AnyTerm | int) -> str:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a VALUES term: give an xsd:boolean Literal")
    # An int is written by int.__str__: digits and a sign only, SPARQL's INTEGER.
    return str(value) if isinstance(value, int) else term(value)


def bind(query: str, substitutions: Mapping[ox.Variable, AnyTerm] | None, *, inline: bool = False) -> str:
    """``query`` with variables bound as pyoxigraph's ``substitutions`` bind them, for an engine
    without that parameter: every use of the variable becomes the term (so FILTERs see it) and a
    trailing ``VALUES`` row keeps it projected.

    ``inline`` puts that row at the start of the WHERE group instead (Virtuoso answers nothing, or
    "No column", for a trailing ``VALUES`` variable the pattern no longer names).
    """
    if not substitutions:
        return query
    terms = {v.value: term(t) for v, t in substitutions.items()}
    text = substitute(query, terms)
    row = values_rows(list(substitutions), [list(substitutions.values())])
    where = where_group_start(text) if inline else None
    if where is not None:
        return f"{text[:where]} {row} {text[where:]}"
    return f"{text}\n{row}"


def batches(items: Sequence[_T], size: int = VALUES_BATCH) -> Iterator[Sequence[_T]]:
    """``items`` in consecutive slices of at most ``size``, one ``VALUES`` clause each."""
    if size < 1:
        raise ValueError("a batch holds at least one item")
    for start in range(0, len(items), size):
        yield items[start : start + size]
