"""Domain exceptions of policykg; the CLI and the HTTP API translate them, the core never prints.

Every error a user can meet is a ``PolicyKGError`` defined here, so there is one tree to map:
app/api/errors.py gives each class its HTTP status and body, the CLI exits 2 on any of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: How much of a client's input an error message repeats: enough to recognise it, never the whole
#: of a 14 KB parameter (messages travel back in every 4xx body and into logs).
SHOWN_CHARS = 200


def clip(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` cut to ``limit`` characters, with ``…`` when it was longer."""
    return text if len(text) <= limit else text[:limit] + "…"


def shown(value: object) -> str:
    """A client's value quoted for a message (as ``repr`` quotes it), cut by ``clip``."""
    return repr(clip(str(value)))


class PolicyKGError(Exception):
    """Base class of every error the project reports to a user as one clear line."""


class StoreError(PolicyKGError):
    """The RDF store could not be opened, read or written."""


class StoreLoadError(StoreError):
    """An RDF file could not be parsed or loaded."""

    def __init__(self, path: Path, message: str, line: int | None = None, column: int | None = None) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.reason = message
        where = str(path) if line is None else f"{path}:{line}" + ("" if column is None else f":{column}")
        super().__init__(f"{where}: {message}")


class QueryError(PolicyKGError):
    """A SPARQL query could not be run."""


class QuerySyntaxError(QueryError):
    """A SPARQL query is not valid SPARQL 1.1 (message from pyoxigraph)."""


class QueryTimeout(QueryError):
    """A query ran longer than the configured timeout."""


class QueryRefused(QueryError):
    """A query or update would reach outside the store (SERVICE, LOAD) to a place not allowed."""


class QueryTooComplex(QueryError):
    """A query or update nests deeper than the endpoint parses (refused before any parser runs)."""


class WorkerCrashed(QueryError):
    """The process evaluating a query or update died; ``signal`` names how, ``client`` may be throttled."""

    def __init__(self, message: str, *, signal: str | None = None) -> None:
        super().__init__(message)
        self.signal = signal


class QueryOutOfMemory(WorkerCrashed):
    """A query needed more memory than a worker may use (POLICYKG_WORKER_MEMORY_MB)."""


class DefaultGraphWrite(QueryError):
    """An update would write the default graph, which is the union of the named graphs (read-only)."""


class ServiceBusy(StoreError):
    """Every query worker stayed busy until the request's deadline."""


class ReportPending(PolicyKGError):
    """A derived report (the quality findings) is still being computed in the background."""


class ProtocolError(PolicyKGError):
    """A SPARQL protocol request is malformed (missing or repeated parameters, bad encoding)."""


class UnsupportedMediaType(ProtocolError):
    """A request body has a media type the endpoint does not take."""


class NotAcceptable(ProtocolError):
    """No format the client accepts or names is on offer; ``formats`` maps each offer's name to its media type."""

    def __init__(self, message: str, *, formats: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.formats = formats or {}


class PayloadTooLarge(ProtocolError):
    """A request body is larger than the configured limit."""


class UpdateForbidden(PolicyKGError):
    """Updates are disabled, or the request lacks the right bearer token."""


class ParameterError(QueryError):
    """A named-query parameter is unknown, missing or malformed."""

    def __init__(self, message: str, *, name: str | None = None) -> None:
        self.name = name
        super().__init__(message)


class CatalogError(PolicyKGError):
    """A named query file cannot be read or its header is malformed."""


class UnknownQuery(CatalogError):
    """No named query has the requested name."""

    def __init__(self, name: str, available: list[str]) -> None:
        self.name = name
        self.available = available
        listed = ", ".join(available) if available else "none"
        super().__init__(f"unknown query {shown(name)}; available: {listed}")


# Lives here rather than in app.domain.lineage because the document errors below must carry it and
# this module must not import the domain modules that raise them.
@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A document as shown to a user choosing between candidates."""

    iri: str
    notation: str | None = None
    label: str | None = None
    issuer: str | None = None
    issuer_label: str | None = None
    date: str | None = None
    kind: str = "document"

    def as_text(self) -> str:
        """One-line human description: notation, issuer, date and IRI."""
        parts = [self.notation or "?"]
        if self.issuer_label or self.issuer:
            parts.append(f"({self.issuer_label or self.issuer})")
        if self.date:
            parts.append(self.date)
        return " ".join(parts) + f" <{self.iri}>"


class DocumentError(PolicyKGError):
    """A document reference could not be resolved to exactly one document."""


class AmbiguousDocument(DocumentError):
    """A notation names several documents (numbers repeat across issuers)."""

    def __init__(self, query: str, candidates: list[DocumentRef]) -> None:
        self.query = query
        self.candidates = candidates
        listed = "; ".join(c.as_text() for c in candidates)
        super().__init__(
            f"{shown(query)} names {len(candidates)} documents, give an issuer or an IRI: {listed}"
        )


class UnknownDocument(DocumentError):
    """No document matches the given notation or IRI."""

    def __init__(self, query: str, suggestions: list[DocumentRef]) -> None:
        self.query = query
        self.suggestions = suggestions
        hint = (
            "; did you mean: " + "; ".join(s.as_text() for s in suggestions) if suggestions else ""
        )
        super().__init__(f"no document matches {shown(query)}{hint}")


class UnknownResource(PolicyKGError):
    """No triple of the graph has this IRI as subject or object (linked-data dereferencing)."""

    def __init__(self, iri: str, suggestions: list[str]) -> None:
        self.iri = iri
        self.suggestions = suggestions
        hint = "; did you mean: " + ", ".join(f"<{s}>" for s in suggestions) if suggestions else ""
        super().__init__(f"no resource <{clip(iri)}> in the graph{hint}")


@dataclass(frozen=True, slots=True)
class EntityRef:
    """An agency, area or indicator as shown to a user choosing between candidates."""

    iri: str
    label: str | None = None
    kind: str | None = None
    # The province (or other area) the entity belongs to: what tells same-named agencies apart.
    area: str | None = None
    area_label: str | None = None

    def as_text(self) -> str:
        """One-line human description: label and IRI."""
        return f"{self.label or '?'} <{self.iri}>"


#: An agency offered as a candidate: the same shape as any other entity.
AgencyRef = EntityRef


class EntityError(PolicyKGError):
    """An export selector (agency, area, indicator) could not be resolved to exactly one entity."""


class UnknownEntity(EntityError):
    """No agency, area or indicator matches the given name or IRI."""

    def __init__(self, kind: str, query: str, suggestions: list[EntityRef]) -> None:
        self.kind = kind
        self.query = query
        self.suggestions = suggestions
        hint = "; did you mean: " + "; ".join(s.as_text() for s in suggestions) if suggestions else ""
        super().__init__(f"no {kind} matches {shown(query)}{hint}")


class AmbiguousEntity(EntityError):
    """A name matches several agencies, areas or indicators."""

    def __init__(self, kind: str, query: str, candidates: list[EntityRef]) -> None:
        self.kind = kind
        self.query = query
        self.candidates = candidates
        listed = "; ".join(c.as_text() for c in candidates)
        super().__init__(f"{shown(query)} names {len(candidates)} {kind} entries, give one IRI: {listed}")


class AgencyError(PolicyKGError):
    """An agency reference (name, abbreviation or IRI) could not be resolved to exactly one agency."""


class AmbiguousAgency(AgencyError, AmbiguousEntity):
    """The text names several agencies (``Sở KH&CN`` exists in every province)."""

    def __init__(self, query: str, candidates: list[AgencyRef]) -> None:
        self.kind = "agency"
        self.query = query
        self.candidates = candidates
        listed = "; ".join(c.as_text() for c in candidates)
        # Past AmbiguousEntity's __init__: an agency's message says how to pick one.
        PolicyKGError.__init__(
            self, f"{shown(query)} names {len(candidates)} agencies, add the province or give an IRI: {listed}"
        )


class UnknownAgency(AgencyError, UnknownEntity):
    """No agency has this name, abbreviation or IRI."""

    def __init__(self, query: str, suggestions: list[AgencyRef]) -> None:
        self.kind = "agency"
        self.query = query
        self.suggestions = suggestions
        hint = "; did you mean: " + "; ".join(s.as_text() for s in suggestions) + "?" if suggestions else ""
        PolicyKGError.__init__(self, f"no agency matches {shown(query)}{hint}")


class SelectionTooLarge(PolicyKGError):
    """The selection has more nodes and edges than the caller accepts."""

    def __init__(self, elements: int, limit: int, *, counted: str) -> None:
        self.elements = elements
        self.limit = limit
        super().__init__(
            f"the selection has {counted}, more than the limit of {limit} nodes plus edges; "
            "narrow it: a smaller depth, one direction, or one agency, area or indicator"
        )


class ReasonerUnavailable(PolicyKGError):
    """HermiT cannot run: no Java runtime found."""


class ReasonerError(PolicyKGError):
    """HermiT (or owlready2) failed for a reason other than an inconsistency."""


class CurationError(PolicyKGError):
    """A text or draft given to curation (extract, ingest, retract) cannot be used as it is."""


class InvalidInput(CurationError):
    """The input is empty, binary, not UTF-8, or names a source badly."""


class DraftSyntaxError(CurationError):
    """A draft is not valid TriG; ``line`` and ``column`` say where (1-based), when the parser knows."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.line = line
        self.column = column
        self.reason = message
        where = "" if line is None else f"line {line}" + ("" if column is None else f", column {column}") + ": "
        super().__init__(f"invalid TriG: {where}{message}")


class DraftOutsideGraph(CurationError):
    """A draft writes somewhere other than its own source graph (another graph, the ontology)."""


class SourceExists(CurationError):
    """A source of that name is already in the store and replacing it was not asked for."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"the source {shown(name)} is already in the store; ask to replace it (--replace, replace=true)")


class UnknownSource(CurationError):
    """No source of that name is in the store."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"no source {shown(name)} in the store")


class InvalidSummary(CurationError):
    """A reviewed extraction summary has a missing or malformed field; ``path`` names it (``documents[2].date``)."""

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{summary_path(path)}: {message}")



def summary_path(path: tuple[str | int, ...]) -> str:
    """``("documents", 2, "date")`` as ``documents[2].date``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "summary"
