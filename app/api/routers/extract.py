"""``/api/extract``: a document's text in, the extraction summary out; and a reviewed summary back to a draft.

The router only translates HTTP: it reads the body (bounded: 413), takes the text out of it
(plain text, markdown or HTML; a JSON object; a multipart upload), decodes it with the curation
layer's one rule (``app.curation.intake``) and runs ``app.curation.extract.extract`` on a worker
thread, a few at a time, so a long text never holds the event loop. The gazetteer of what the
graph knows is read once per generation of the data (``Gazetteer.cached``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, cast
from urllib.parse import parse_qs

import anyio
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from app.api.deps import SettingsDep, StoreDep, settings_of
from app.api.errors import STORE_ERRORS, ErrorBody
from app.api.limits import read_body
from app.core.errors import InvalidInput, UnsupportedMediaType, shown
from app.curation.draft import reviewed_draft
from app.curation.extract import ExtractionContext, extract
from app.curation.gazetteer import Gazetteer
from app.curation.intake import decode_text, require_text
from app.curation.summary import Extraction
from app.store.policy_store import PolicyStore

router = APIRouter(prefix="/api/extract", tags=["curation"])

#: Media types whose body is the text itself (HTML is cleaned by the extractor).
TEXT_TYPES = ("text/plain", "text/markdown", "text/x-markdown", "text/html", "application/xhtml+xml")
JSON_TYPE = "application/json"
MULTIPART_TYPE = "multipart/form-data"
FORM_TYPE = "application/x-www-form-urlencoded"
_ACCEPTED = ", ".join((*TEXT_TYPES, JSON_TYPE, MULTIPART_TYPE))
# What a JSON body or a form may hold besides the text.
_FIELDS = ("text", "province", "source")


# ------------------------------------------------------------------------------- the summary's shape
class _Out(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class IssuerRefOut(_Out):
    """Who issued a document, as the text names it; `iri` the graph's agency when one matches."""

    label: str
    iri: str | None


class SelfDocumentOut(_Out):
    """The document the text itself is (from its header)."""

    notation: str | None
    type: str | None = Field(description="Notation of the document-type scheme (NQ, KH, QĐ …)")
    issuer: IssuerRefOut | None
    date: str | None = Field(description="YYYY-MM-DD")


Span = Annotated[
    tuple[int, int],
    Field(description="[start, end): code-point offsets into `text`, end exclusive (`text[start:end]`)"),
]


class DocumentRefOut(_Out):
    """A document the text names; `known` when the graph has it (then `iri` is the graph's)."""

    notation: str
    type: str | None
    issuer: IssuerRefOut | None
    date: str | None = Field(description="YYYY-MM-DD")
    title: str | None
    iri: str | None = Field(description="The graph's IRI when `known`, else the IRI a draft would mint")
    known: bool
    spans: list[Span]


class RelationOut(_Out):
    """One document's link to another: `from` a notation or "self", `to` a notation."""

    from_: str = Field(alias="from")
    to: str
    kind: Literal["basedOn", "implements", "replaces", "amends", "repeals", "guides", "cites"]
    span: Span


class AgencyRefOut(_Out):
    """An agency as the text names it; `iri` the graph's, or the one proposed when `new`."""

    label: str
    iri: str | None
    new: bool


class ExtractedResponsibilityOut(_Out):
    """An agency's part in one task."""

    agency: AgencyRefOut
    role: Literal["lead", "coordinate", "advise", "assigned"]
    task: str
    deliverable: str | None
    deadline: str | None = Field(description="YYYY, YYYY-MM or YYYY-MM-DD")
    span: Span


class TargetRefOut(_Out):
    """A numeric target; `value_high` for a range."""

    indicator: str
    indicator_iri: str | None
    value: float
    value_high: float | None
    unit: str
    comparator: Literal["about", "at_least", "over", "at_most", "range", "exactly"]
    year: int | None
    span: Span


class ExtractionOut(_Out):
    """The extraction summary (``Extraction.as_json``): every item carries the span it was read from."""

    text: str = Field(description="The cleaned NFC text every span indexes into")
    self_: SelfDocumentOut | None = Field(alias="self")
    documents: list[DocumentRefOut]
    relations: list[RelationOut]
    responsibilities: list[ExtractedResponsibilityOut]
    targets: list[TargetRefOut]
    draft: str = Field(description="The draft TriG built from the items")
    warnings: list[str]


# ------------------------------------------------------------------------------- reading the request
async def get_extract_limiter(request: Request) -> anyio.CapacityLimiter:
    """How many extractions may run at once (created on the event loop, on first use)."""
    limiter: anyio.CapacityLimiter | None = getattr(request.app.state, "extract_limiter", None)
    if limiter is None:
        limiter = request.app.state.extract_limiter = anyio.CapacityLimiter(settings_of(request).extract_concurrency)
    return limiter


ExtractLimiterDep = Annotated[anyio.CapacityLimiter, Depends(get_extract_limiter)]


def _media(content_type: str | None) -> tuple[str, str | None]:
    """The media type (lowercase) and charset of a Content-Type header; text/plain when there is none."""
    if not content_type:
        return "text/plain", None
    media, *params = (part.strip() for part in content_type.split(";"))
    charset = next((p.split("=", 1)[1].strip('"') for p in params if p.lower().startswith("charset=")), None)
    return media.lower(), charset


def _object(data: bytes) -> dict[str, Any]:
    try:
        value = json.loads(decode_text(data, what="the JSON body"))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the JSON body is malformed: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    if not isinstance(value, dict):
        raise InvalidInput("the JSON body must be an object")
    return value


def _json_fields(data: bytes) -> dict[str, str | None]:
    value = _object(data)
    unknown = sorted(set(value) - set(_FIELDS))
    if unknown:
        raise InvalidInput(f"the JSON body has unknown field {shown(unknown[0])}; it takes {', '.join(_FIELDS)}")
    for name in _FIELDS:
        if value.get(name) is not None and not isinstance(value[name], str):
            raise InvalidInput(f"the JSON body's {name!r} must be a string")
    if "text" not in value:
        raise InvalidInput('the JSON body has no "text"')
    return {name: value.get(name) for name in _FIELDS}


async def _replay(data: bytes) -> AsyncGenerator[bytes, None]:
    yield data


@dataclass(frozen=True, slots=True)
class _Upload:
    """The file part of a multipart body, not decoded yet."""

    filename: str
    charset: str | None
    data: bytes


async def _multipart_parts(request: Request, data: bytes, limit: int) -> dict[str, str | _Upload]:
    """The fields and the file of a multipart body (read on the event loop: starlette's parser is async)."""
    parser = MultiPartParser(request.headers, _replay(data), max_files=1, max_fields=len(_FIELDS), max_part_size=limit)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise InvalidInput(f"the multipart body is malformed: {exc.message}") from None
    parts: dict[str, str | _Upload] = {}
    try:
        for name in _FIELDS:
            value = form.get(name)
            if isinstance(value, str):
                parts[name] = value
        upload = form.get("file")
        if isinstance(upload, UploadFile):
            parts["file"] = _Upload(upload.filename or "file", _media(upload.content_type)[1], await upload.read())
    finally:
        await form.close()
    return parts


def _multipart_fields(parts: dict[str, str | _Upload]) -> dict[str, str | None]:
    found: dict[str, str | None] = {name: value for name in _FIELDS if isinstance(value := parts.get(name), str)}
    upload = parts.get("file")
    if isinstance(upload, _Upload):
        if found.get("text") is not None:
            raise InvalidInput('give the text as a "file" or as a "text" field, not both')
        found["text"] = decode_text(upload.data, upload.charset, what=f"the upload {shown(upload.filename)}")
    if found.get("text") is None:
        raise InvalidInput('the multipart body has neither a "file" nor a "text" part')
    return {name: found.get(name) for name in _FIELDS}


def _check_media(content_type: str | None) -> tuple[str, str | None]:
    """The media type and charset of an accepted body; 415 for any other, before the body is read."""
    media, charset = _media(content_type)
    if media not in (*TEXT_TYPES, JSON_TYPE, MULTIPART_TYPE, FORM_TYPE):
        raise UnsupportedMediaType(f"POST /api/extract takes {_ACCEPTED}, not {shown(media)}")
    return media, charset


def read_submission(media: str, charset: str | None, data: bytes,
                    parts: dict[str, str | _Upload] | None) -> dict[str, str | None]:
    """The text (decoded, not blank), and the province and source the body names, from any accepted body."""
    if media in TEXT_TYPES:
        found: dict[str, str | None] = {"text": decode_text(data, charset), "province": None, "source": None}
    elif media == JSON_TYPE:
        found = _json_fields(data)
    elif media == MULTIPART_TYPE:
        found = _multipart_fields(parts or {})
    else:
        # An HTML form's text= field; a raw text sent with curl's default type has no such field.
        fields = parse_qs(decode_text(data, charset, what="the form body"), keep_blank_values=True)
        if "text" not in fields:
            raise UnsupportedMediaType(
                f"a form body needs a text= field; to send a file as it is, use Content-Type text/plain ({_ACCEPTED})"
            )
        found = {name: fields[name][-1] if name in fields else None for name in _FIELDS}
    found["text"] = require_text(found["text"] or "")
    return found


def _one(name: str, query: str | None, body: str | None) -> str | None:
    """The value of ``name`` from the query string or the body; both and different: refused."""
    query = query.strip() if query and query.strip() else None
    body = body.strip() if body and body.strip() else None
    if query and body and query != body:
        raise InvalidInput(f"{name} is given twice, {shown(query)} in the query and {shown(body)} in the body")
    return query or body


def _context(store: PolicyStore, province: str | None, source: str | None) -> ExtractionContext:
    gazetteer = Gazetteer.cached(store)
    return ExtractionContext(gazetteer, gazetteer.province(province) if province else None, source)


_PROVINCE = Query(
    description="The province the text is about: an area key (`ha-tinh`), a name (`Hà Tĩnh`) or an area IRI; "
                "agencies are resolved in its context, a province the graph does not know yet is minted "
                "as `area/{key}`",
    examples=["quang-tri"],
)
_SOURCE = Query(description="The source's name (a file stem), the named graph a draft would go to",
                examples=["ha-tinh-kh-57"])
_TEXT_BODY = {"schema": {"type": "string", "pattern": r"\S"}}
_OPTIONAL_TEXT = {"anyOf": [{"type": "string"}, {"type": "null"}]}
_BODY: dict[str, Any] = {
    "required": True,
    "description": "The document's text: plain text, markdown or an HTML page (menus, comments and footers are "
                   "dropped); or a JSON object; or a multipart upload (`file`, or a `text` field). UTF-8 unless a "
                   "charset is declared; at most POLICYKG_EXTRACT_MAX_BYTES bytes.",
    "content": {
        **dict.fromkeys(TEXT_TYPES[:4], _TEXT_BODY),
        JSON_TYPE: {"schema": {
            "type": "object", "required": ["text"], "additionalProperties": False,
            "properties": {"text": {"type": "string", "pattern": r"\S"},
                           "province": _OPTIONAL_TEXT, "source": _OPTIONAL_TEXT},
        }},
        MULTIPART_TYPE: {"schema": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}, "text": {"type": "string"},
                           "province": {"type": "string"}, "source": {"type": "string"}},
        }},
    },
}
# A 422 is either kind of body: `detail` alone (the text, the body, the province) or with `errors`
# (a query parameter, a field of a summary); ErrorBody's schema admits both.
_UNPROCESSABLE = "; a query parameter or a field of a summary at fault also lists `errors` (loc, msg, type)"
_REFUSALS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorBody, "description": "The body is larger than POLICYKG_EXTRACT_MAX_BYTES"},
    415: {"model": ErrorBody, "description": "A media type other than text, markdown, HTML, JSON or multipart"},
    422: {"model": ErrorBody, "description": "A parameter is missing, malformed, out of range or repeated"
                                             + _UNPROCESSABLE},
    **STORE_ERRORS,
}
_INVALID_TEXT = ("The text is empty, binary (a PDF, an image …) or not UTF-8; the JSON, form or multipart body is "
                 "malformed; province names no area; a field is given in both the query and the body")


@router.post(
    "",
    response_model=ExtractionOut,
    summary="Extract documents, relations, responsibilities and targets from a text",
    description="Reads a document's text against what the graph knows and answers the extraction summary, each "
                "item with its span in `text`, and the draft TriG. Nothing is written to the store.",
    responses={**_REFUSALS, 422: {**_REFUSALS[422], "description": _INVALID_TEXT + _UNPROCESSABLE}},
    openapi_extra={"requestBody": _BODY},
)
async def post_extract(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    limiter: ExtractLimiterDep,
    province: Annotated[str | None, _PROVINCE] = None,
    source: Annotated[str | None, _SOURCE] = None,
) -> Response:
    """Extract from the text of the body; province and source from the query string or the body."""
    media, charset = _check_media(request.headers.get("content-type"))
    data = await read_body(request, settings.extract_max_bytes)
    parts = await _multipart_parts(request, data, settings.extract_max_bytes) if media == MULTIPART_TYPE else None

    def answer() -> bytes:
        # Decoding, extraction and the JSON of a 5 MB text are all CPU: none of it on the event loop.
        found = read_submission(media, charset, data, parts)
        context = _context(store, _one("province", province, found["province"]), _one("source", source, found["source"]))
        summary = extract(cast(str, found["text"]), context).as_json()
        return json.dumps(summary, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()

    async with limiter:
        body = await run_in_threadpool(answer)
    return Response(body, media_type=JSON_TYPE)


class AgencyCandidateOut(_Out):
    """An agency of the graph a reviewer may match a name to."""

    iri: str
    label: str = Field(description="Its Vietnamese name")
    labels: list[str] = Field(description="Every name it goes by (abbreviations included)")
    area: str | None


@router.get(
    "/agencies",
    response_model=list[AgencyCandidateOut],
    summary="The graph's agencies a name may match",
    description="For the review of an extraction: the known agencies closest to `label` (shared words, accents "
                "folded), the province's own first on ties; none when nothing is close.",
    responses={422: {**_REFUSALS[422], "description": "The label is empty or too long, the limit out of range, "
                                                       "or the province names no area" + _UNPROCESSABLE},
               **STORE_ERRORS},
)
async def get_agency_candidates(
    store: StoreDep,
    label: Annotated[str, Query(min_length=1, max_length=500, description="The name as the text writes it",
                                examples=["Sở Khoa học và Công nghệ"])],
    province: Annotated[str | None, _PROVINCE] = None,
    limit: Annotated[int, Query(ge=1, le=50, description="How many candidates at most")] = 8,
) -> list[dict[str, Any]]:
    """The closest known agencies to ``label``."""

    def find() -> list[dict[str, Any]]:
        gazetteer = Gazetteer.cached(store)
        area = gazetteer.province(province) if province and province.strip() else None
        # The longest name is the full one; the others are abbreviations and variants.
        return [{"iri": a.iri, "label": max(a.labels, key=len), "labels": list(a.labels), "area": a.area}
                for a in gazetteer.agency_candidates(label, area, limit)]

    return await run_in_threadpool(find)


# ------------------------------------------------------------------------------- reviewed summary → draft
@router.post(
    "/draft",
    summary="A reviewed extraction summary as draft TriG",
    description="Takes the summary as POST /api/extract answered it, after review (items corrected or removed), "
                "checks every field (a 422 names the first bad one, e.g. `documents[2].date`) and answers the "
                "draft TriG of the source graph `polg:source/{source}`. Nothing is written to the store.",
    response_class=Response,
    responses={
        200: {"content": {"application/trig": {"schema": {"type": "string"}}}, "description": "The draft"},
        413: _REFUSALS[413],
        415: {"model": ErrorBody, "description": "A body other than application/json"},
        422: {**_REFUSALS[422], "description": "The body is no JSON object, a field of the summary is missing or "
                                               "malformed, or the source is missing" + _UNPROCESSABLE},
        501: {"model": ErrorBody, "description": "This server has no draft writer"},
        **STORE_ERRORS,
    },
    openapi_extra={"requestBody": {"required": True, "content": {
        JSON_TYPE: {"schema": {"$ref": "#/components/schemas/ExtractionOut"}},
    }}},
)
async def post_draft(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    source: Annotated[str, _SOURCE],
    province: Annotated[str | None, _PROVINCE] = None,
) -> Response:
    """The reviewed summary of the body, read back and written as draft TriG."""
    data = await read_body(request, settings.extract_max_bytes)
    if _media(request.headers.get("content-type"))[0] != JSON_TYPE:
        raise UnsupportedMediaType("POST /api/extract/draft takes the summary as application/json")
    trig = await run_in_threadpool(
        lambda: reviewed_draft(store, Extraction.from_json(_object(data)), province, source))
    return Response(trig, media_type="application/trig")
