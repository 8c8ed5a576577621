"""The catalogue of named SPARQL queries (``queries/*.rq``) and how to run them with parameters.

A query file starts with a header of comment lines (see ``queries/README.md``)::

    # title: Lineage up
    # description: Documents that a document implements or is based on, transitively.
    # param: doc iri  The document (IRI)
    # param: notation literal  A document number as written (optional)
    # severity: Warning

Each parameter binds the SPARQL variable of the same name through pyoxigraph substitutions. An
``iri`` parameter named for a kind of thing (``doc``, ``agency``, ``issuer``, ``indicator``,
``area``) takes any name of it that app.domain.names resolves (``190-KH/TU``, ``Sở KH&CN Quảng
Trị``, ``kinh te so``), with the same 404 and 409 as every other entry point.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal as TypingLiteral

import pyoxigraph as ox

from app.core.errors import CatalogError, ParameterError, UnknownQuery, shown
from app.core.namespaces import expand
from app.core.text import nfc
from app.domain.names import Kind, resolve
from app.store.policy_store import PolicyStore, QueryResult, Term

__all__ = [
    "PARAM_KINDS",
    "NamedQuery",
    "QueryParam",
    "QueryResult",
    "bind_params",
    "get_query",
    "load_catalog",
    "load_query",
    "resolve_params",
    "run_file",
    "run_named",
]

ParamKind = TypingLiteral["iri", "literal", "integer"]
Severity = TypingLiteral["Violation", "Warning", "Info"]

_HEADER_LINE = re.compile(r"^#\s*(?P<key>[A-Za-z]+)\s*:\s*(?P<value>.*?)\s*$")
_PARAM = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<kind>iri|literal|integer)\b\s*(?P<description>.*)$")
_OPTIONAL = re.compile(r"\s*\(optional\)\s*", re.IGNORECASE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_SEVERITIES: tuple[Severity, ...] = ("Violation", "Warning", "Info")
#: The kind of thing an ``iri`` parameter of this name stands for, so it takes any of its names.
PARAM_KINDS: dict[str, Kind] = {
    "doc": "document",
    "document": "document",
    "agency": "agency",
    "issuer": "agency",
    "indicator": "indicator",
    "area": "area",
    "province": "area",
}


@dataclass(frozen=True, slots=True)
class QueryParam:
    """One declared parameter of a named query."""

    name: str
    kind: ParamKind
    description: str = ""
    required: bool = True


@dataclass(frozen=True, slots=True)
class NamedQuery:
    """A SPARQL query file with its header metadata."""

    name: str
    title: str
    description: str
    params: list[QueryParam]
    text: str
    path: Path
    severity: Severity | None = None
    examples: dict[str, str] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_violation(self) -> bool:
        """True for a rule query (``*-violation.rq``) that must return no rows on the shipped data."""
        return self.name.endswith("-violation")

    def param(self, name: str) -> QueryParam | None:
        """The declared parameter called ``name``, if any."""
        return next((p for p in self.params if p.name == name), None)


def load_query(path: Path) -> NamedQuery:
    """Read one ``.rq`` file and parse its header; raise CatalogError naming the file on a bad header."""
    path = Path(path)
    try:
        text = nfc(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: cannot read query file: {exc}") from exc
    name = path.stem
    fields: dict[str, str] = {}
    params: list[QueryParam] = []
    examples: dict[str, str] = {}
    last_key: str | None = None
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break  # the header ends at the first line of SPARQL
        match = _HEADER_LINE.match(stripped)
        if match is None:
            # An unkeyed comment line continues a multi-line description.
            if last_key == "description":
                fields["description"] += " " + stripped.lstrip("#").strip()
            continue
        key, value = match.group("key").lower(), match.group("value")
        last_key = key
        if key == "param":
            params.append(_parse_param(path, lineno, value, body))
        elif key == "example":
            example_name, sep, example_value = value.partition("=")
            if not sep:
                raise CatalogError(f"{path}:{lineno}: an example reads NAME=VALUE, got {value!r}")
            examples[example_name.strip()] = example_value.strip()
        else:
            fields[key] = value
    severity = fields.pop("severity", None)
    if severity is not None:
        severity = severity.capitalize()
        if severity not in _SEVERITIES:
            raise CatalogError(f"{path}: severity must be one of {', '.join(_SEVERITIES)}, got {severity!r}")
    elif name.endswith("-violation"):
        severity = "Violation"
    unknown = set(examples) - {p.name for p in params}
    if unknown:
        raise CatalogError(f"{path}: example for undeclared parameter(s) {', '.join(sorted(unknown))}")
    seen: set[str] = set()
    for p in params:
        if p.name in seen:
            raise CatalogError(f"{path}: parameter {p.name!r} is declared twice")
        seen.add(p.name)
    return NamedQuery(
        name=name,
        title=fields.pop("title", "") or name.replace("-", " ").capitalize(),
        description=fields.pop("description", ""),
        params=params,
        text=text,
        path=path,
        severity=severity,  # type: ignore[arg-type]  # checked against _SEVERITIES above
        examples=examples,
        extra=fields,
    )


def _parse_param(path: Path, lineno: int, value: str, body: str) -> QueryParam:
    match = _PARAM.match(value)
    if match is None:
        raise CatalogError(
            f"{path}:{lineno}: bad param line {value!r}; expected 'NAME iri|literal|integer  Description'"
        )
    name = match.group("name")
    description = match.group("description")
    required = _OPTIONAL.search(description) is None
    description = _OPTIONAL.sub(" ", description).strip()
    # A declared parameter the query never uses would be silently ignored at run time.
    if not re.search(rf"[?$]{re.escape(name)}\b", body):
        raise CatalogError(f"{path}:{lineno}: parameter {name!r} is declared but ?{name} is not used")
    return QueryParam(name=name, kind=match.group("kind"), description=description, required=required)  # type: ignore[arg-type]


def load_catalog(directory: Path) -> dict[str, NamedQuery]:
    """Load every ``*.rq`` file of ``directory`` (not recursive), keyed by file stem."""
    directory = Path(directory)
    if not directory.is_dir():
        return {}
    return {q.name: q for q in (load_query(p) for p in sorted(directory.glob("*.rq")))}


def get_query(catalog: Mapping[str, NamedQuery], name: str) -> NamedQuery:
    """The named query ``name``; raise UnknownQuery listing what exists."""
    try:
        return catalog[name]
    except KeyError:
        raise UnknownQuery(name, sorted(catalog)) from None


def bind_params(query: NamedQuery, params: Mapping[str, str]) -> dict[str, Term]:
    """Check ``params`` against the declaration and turn each value into an RDF term."""
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(params) - set(declared))
    if unknown:
        takes = ", ".join(declared) if declared else "no parameters"
        raise ParameterError(
            f"unknown parameter {shown(unknown[0])} for query {query.name!r}; it takes: {takes}", name=unknown[0]
        )
    bindings: dict[str, Term] = {}
    for p in query.params:
        raw = params.get(p.name)
        value = nfc(raw).strip() if raw is not None else ""
        if not value:
            if p.required:
                what = f" ({p.description})" if p.description else ""
                raise ParameterError(
                    f"missing required parameter {p.name!r}{what} for query {query.name!r}", name=p.name
                )
            continue  # an optional parameter left empty stays unbound
        bindings[p.name] = _term(p, value)
    return bindings


def _term(param: QueryParam, value: str) -> Term:
    if param.kind == "integer":
        try:
            return ox.Literal(str(int(value)), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
        except ValueError:
            raise ParameterError(
                f"parameter {param.name!r} must be an integer, got {shown(value)}", name=param.name
            ) from None
    if param.kind == "iri":
        iri = expand(value)
        if _SCHEME.match(iri) is None:
            raise ParameterError(
                f"parameter {param.name!r} must be an absolute IRI, got {shown(value)}", name=param.name
            )
        try:
            return ox.NamedNode(iri)
        except ValueError as exc:
            raise ParameterError(
                f"parameter {param.name!r} is not a valid IRI ({exc}): {shown(value)}", name=param.name
            ) from None
    return ox.Literal(value)


def _malformed_iri(value: str) -> bool:
    iri = expand(value)
    if "://" not in iri or _SCHEME.match(iri) is None:
        return False
    try:
        ox.NamedNode(iri)
    except ValueError:
        return True
    return False


def resolve_params(store: PolicyStore, query: NamedQuery, params: Mapping[str, str]) -> dict[str, str]:
    """``params`` with the value of each ``iri`` parameter named for a kind (PARAM_KINDS) resolved to its IRI."""
    resolved = dict(params)
    for p in query.params:
        kind = PARAM_KINDS.get(p.name)
        value = nfc(params.get(p.name) or "").strip()
        # A malformed IRI ("http://x/a b") stays a 422 of bind_params, not a name to look up.
        if p.kind == "iri" and kind is not None and value and not _malformed_iri(value):
            resolved[p.name] = resolve(store, kind, value)
    return resolved


def run_named(store: PolicyStore, query: NamedQuery, params: Mapping[str, str] | None = None) -> QueryResult:
    """Run a named query with string parameters, at most ``store.max_results`` rows."""
    bindings = bind_params(query, resolve_params(store, query, params or {}))
    return store.run_select(query.text, bindings, limit=store.max_results)


def run_file(store: PolicyStore, path: Path, params: Mapping[str, str] | None = None) -> QueryResult:
    """Run the query of one ``.rq`` file (same header rules as the catalogue)."""
    return run_named(store, load_query(path), params)
