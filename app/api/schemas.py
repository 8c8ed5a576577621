"""The shapes the HTTP API shares between routes: error bodies, references, common parameters.

A model one route alone answers stays in its router; one that two routes (or a router and the
error mapping of app/api/errors.py) answer lives here, so no router imports another.
"""

from __future__ import annotations

from typing import Any

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from app.domain.sources import SourceRecord
from app.search.index import MAX_QUERY_CHARS, NOT_BLANK

ROLES_DOC = (
    "How the agency takes part: `lead` (chủ trì), `coordinate` (phối hợp), `advise` (tham mưu), "
    "`assigned` (given the task without a stated role) — the notations of the role scheme — or "
    "`draft`: the agency drafts the document (pol:draftedBy), reported for the drafting itself and "
    "for a task of that document when the source names no agency for it."
)


def text_query(description: str, example: str) -> Any:
    """A free-text query parameter: not blank, at most ``MAX_QUERY_CHARS`` characters (422 otherwise).

    The rule is the search's own (``clean_query``), stated in the schema so clients can see it.
    """
    return Query(
        description=f"{description}; at most {MAX_QUERY_CHARS} characters, not blank",
        examples=[example],
        json_schema_extra={"pattern": NOT_BLANK, "maxLength": MAX_QUERY_CHARS},
    )


class AttributeModel(BaseModel):
    """A response model read from the attributes of a domain dataclass."""

    model_config = ConfigDict(from_attributes=True)


class AgencyOut(AttributeModel):
    """The responsible agency."""

    iri: str
    label: str


class DocumentOut(AttributeModel):
    """A document; drafts may have no number (`notation` null), use the label."""

    iri: str
    notation: str | None
    label: str


class SourceOut(BaseModel):
    """A source record with what a person needs to check it; null fields are unknown."""

    iri: str
    name: str
    title: str | None
    description: str | None
    url: str | None = Field(description="The page to open (dcat:landingPage)")
    derived_from: str | None = Field(description="What the text was copied from (prov:wasDerivedFrom), if other")
    reference: str | None = Field(description="How the source cites where it comes from (dcterms:source)")
    publisher: str | None = Field(description="pol:publisher (as text)")
    published: str | None = Field(description="dcterms:issued")
    retrieved: str | None = Field(description="pav:retrievedOn")
    unknown: list[str] = Field(description="Fields with no value: landingPage, publisher, issued, retrievedOn")
    not_stated: list[str] = Field(description="Of those, the ones a curator found the source does not state")


def source_out(record: SourceRecord, lang: str) -> SourceOut:
    """A source record as the API shows it (also ``GET /api/sources``)."""
    title = (record.title_vi or record.title_en) if lang == "vi" else (record.title_en or record.title_vi)
    return SourceOut(
        iri=record.iri, name=record.name, title=title, description=record.description, url=record.url,
        derived_from=record.derived_from, reference=record.reference, publisher=record.publisher,
        published=record.published, retrieved=record.retrieved, unknown=list(record.unknown),
        not_stated=list(record.not_stated),
    )


# ------------------------------------------------------------------------------- error bodies
class ErrorBody(BaseModel):
    """An error: what was wrong with the request, or why it could not be answered."""

    detail: str


class DraftSyntaxResponse(ErrorBody):
    """A draft that is not TriG: the parser's message, and where (1-based line and column, when known)."""

    line: int | None
    column: int | None


class ParameterProblem(BaseModel):
    """One parameter at fault: where it is (``["query", "limit"]``), what is wrong, a short code."""

    loc: list[str | int]
    msg: str
    type: str


class InvalidParameters(ErrorBody):
    """A parameter is missing, malformed, out of range or given twice; ``detail`` names each."""

    errors: list[ParameterProblem] = Field(description="One entry per parameter at fault (may be empty)")


class NotAcceptableResponse(ErrorBody):
    """No supported format matches the Accept header; the supported formats follow."""

    formats: dict[str, str]


# The API face of app.core.errors.DocumentRef.
class DocumentCandidate(AttributeModel):
    """A document offered when a reference is ambiguous or unknown."""

    iri: str
    notation: str | None
    label: str | None
    issuer: str | None
    issuer_label: str | None
    date: str | None
    kind: str = "document"


class AmbiguousResponse(BaseModel):
    """The notation names several documents."""

    detail: str
    candidates: list[DocumentCandidate]


class NotFoundResponse(BaseModel):
    """No document matches; close matches follow."""

    detail: str
    suggestions: list[DocumentCandidate]


# The API face of app.core.errors.EntityRef.
class EntityCandidate(AttributeModel):
    """An agency, area or indicator offered when a name is unknown or ambiguous."""

    iri: str
    label: str | None
    kind: str | None = None
    area: str | None = Field(default=None, description="The area (province) it belongs to, when it has one")
    area_label: str | None = None


class UnknownEntityResponse(BaseModel):
    """No agency, area or indicator (or document: see /api/lineage) matches; close matches follow."""

    detail: str
    suggestions: list[EntityCandidate]


class AmbiguousEntityResponse(BaseModel):
    """The name matches several agencies, areas or indicators."""

    detail: str
    candidates: list[EntityCandidate]


class TooLargeResponse(BaseModel):
    """The selection has more nodes and edges than ``max_elements``."""

    detail: str
    elements: int
    limit: int


class UnknownQueryResponse(BaseModel):
    """No named query has this name; the names that exist follow."""

    detail: str
    available: list[str]
