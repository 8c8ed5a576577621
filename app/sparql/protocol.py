"""The SPARQL 1.1 Protocol without HTTP machinery: read a request into a typed ``SparqlRequest``.

The result format is chosen by app/core/media.py (``negotiate("solutions" | "graph", …)``),
the one registry of formats; its names are re-exported here for the SPARQL layer's readers.

Rules (https://www.w3.org/TR/sparql11-protocol/): a query comes by GET (``?query=``), by POST
form (``application/x-www-form-urlencoded``) or by POST direct (``application/sparql-query``);
an update only by POST form (``update=``) or direct (``application/sparql-update``). Exactly
one query or update per request; bodies are UTF-8.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl

import pyoxigraph as ox

from app.core.errors import ProtocolError, UnsupportedMediaType, shown
from app.core.media import GRAPH_FORMATS, SOLUTION_FORMATS, accepts_html, negotiate
from app.core.text import nfc
from app.sparql.engine import Dataset

__all__ = [
    "FORMAT_PARAMETERS",
    "GRAPH_FORMATS",
    "SOLUTION_FORMATS",
    "SparqlRequest",
    "accepts_html",
    "negotiate",
    "parse_request",
]

Operation = Literal["query", "update", "description"]

FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
# Clients name the wanted format with one of these parameters (Virtuoso: format, Joseki: output);
# SPARQLWrapper sends all three, sometimes twice each.
FORMAT_PARAMETERS = ("format", "output", "results")


@dataclass(frozen=True, slots=True)
class SparqlRequest:
    """One request to the SPARQL endpoint, validated: its operation, text and dataset."""

    operation: Operation
    text: str | None = None
    dataset: Dataset = field(default_factory=Dataset)
    using: Dataset = field(default_factory=Dataset)
    formats: tuple[str, ...] = ()


def _media_type(content_type: str | None) -> tuple[str | None, str | None]:
    """The bare media type and charset of a Content-Type header."""
    if not content_type or not content_type.strip():
        return None, None
    media, *params = content_type.split(";")
    charset = None
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            f"the {what} is not valid UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 1]!r}); "
            "SPARQL requests must be UTF-8"
        ) from None


def _pairs(encoded: str, what: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(encoded, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(f"the {what} holds percent-encoded bytes that are not UTF-8") from None


def _single(pairs: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in pairs if k == name]
    if len(values) > 1:
        raise ProtocolError(f"the '{name}' parameter is given {len(values)} times; a request carries exactly one")
    return values[0] if values else None


def _iris(pairs: list[tuple[str, str]], name: str) -> tuple[str, ...]:
    iris = []
    for _, value in (p for p in pairs if p[0] == name):
        iri = nfc(value.strip())
        try:
            if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", iri):
                raise ValueError("no scheme")
            ox.NamedNode(iri)
        except ValueError:
            raise ProtocolError(f"{name} {shown(value)} is not an absolute IRI") from None
        iris.append(iri)
    return tuple(iris)


def parse_request(method: str, query_string: str, content_type: str | None, body: bytes) -> SparqlRequest:
    """Read a SPARQL protocol request; raise ProtocolError (400) or UnsupportedMediaType (415)."""
    pairs = _pairs(query_string, "query string")
    text: str | None
    if method == "GET":
        if any(k == "update" for k, _ in pairs):
            raise ProtocolError("an update must be sent with POST (form field 'update' or application/sparql-update)")
        text = _single(pairs, "query")
        operation: Operation = "query" if text is not None else "description"
    elif method == "POST":
        media, charset = _media_type(content_type)
        if charset is not None and charset.replace("-", "") != "utf8":
            raise ProtocolError(f"charset={charset} is not accepted: SPARQL requests must be UTF-8")
        if media == FORM:
            pairs = pairs + _pairs(_decode(body, "form body"), "form body")
            query, update = _single(pairs, "query"), _single(pairs, "update")
            if query is not None and update is not None:
                raise ProtocolError("a request carries either 'query' or 'update', not both")
            if query is None and update is None:
                raise ProtocolError("the form has neither a 'query' nor an 'update' field")
            operation, text = ("query", query) if query is not None else ("update", update)
        elif media in (QUERY_TYPE, UPDATE_TYPE):
            if any(k in ("query", "update") for k, _ in pairs):
                raise ProtocolError(f"with {media} the operation is the body; drop the query/update URL parameter")
            operation = "query" if media == QUERY_TYPE else "update"
            text = _decode(body, "request body")
        else:
            shown = f"Content-Type {media}" if media else "no Content-Type"
            raise UnsupportedMediaType(
                f"a POST with {shown} is not a SPARQL request; send {FORM}, {QUERY_TYPE} or {UPDATE_TYPE}"
            )
    else:
        raise ProtocolError(f"method {method} is not part of the SPARQL protocol; use GET or POST")
    if operation != "description" and not (text or "").strip():
        raise ProtocolError(f"the {operation} is empty")
    # Format names and media types are case-insensitive here (the parameter has no enum to keep).
    formats = tuple(v.strip().lower() for k, v in pairs if k in FORMAT_PARAMETERS and v.strip())
    if operation == "update":
        if any(k in ("default-graph-uri", "named-graph-uri") for k, _ in pairs):
            raise ProtocolError("an update takes using-graph-uri / using-named-graph-uri, not default-graph-uri")
        using = Dataset(_iris(pairs, "using-graph-uri"), _iris(pairs, "using-named-graph-uri"))
        return SparqlRequest("update", nfc(text or ""), using=using)
    if any(k in ("using-graph-uri", "using-named-graph-uri") for k, _ in pairs):
        raise ProtocolError("a query takes default-graph-uri / named-graph-uri, not using-graph-uri")
    dataset = Dataset(_iris(pairs, "default-graph-uri"), _iris(pairs, "named-graph-uri"))
    return SparqlRequest(operation, nfc(text) if text is not None else None, dataset=dataset, formats=formats)
