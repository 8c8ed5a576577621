"""Named queries (app.endpoint.catalog): header parsing, parameter checks and safe binding."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from app.core.config import Settings
from app.core.errors import CatalogError, ParameterError, UnknownAgency, UnknownQuery
from app.endpoint.catalog import get_query, load_catalog, load_query, run_file, run_named
from app.store.policy_store import PolicyStore
from tests.support.project import DOC_HT_190, DOC_QT_190, FIXTURE_TRIPLES, PROJECT

REPO_QUERIES = Path(__file__).resolve().parents[2] / "queries"


def test_load_catalog_parses_headers(settings: Settings) -> None:
    catalog = load_catalog(settings.queries_dir)
    assert set(catalog) == {"agency-by-label", "documents-by-notation", "documents-issued-since"}
    by_notation = catalog["documents-by-notation"]
    assert by_notation.title == "Documents by notation"
    # An unkeyed comment line continues the description.
    assert by_notation.description == "Documents whose number is exactly the given notation, with their issuer."
    [param] = by_notation.params
    assert (param.name, param.kind, param.required) == ("notation", "literal", True)
    since = catalog["documents-issued-since"]
    assert [(p.name, p.kind, p.required) for p in since.params] == [("year", "integer", True), ("issuer", "iri", False)]
    assert since.param("issuer") is not None and since.param("issuer").description == "Issuing agency"  # type: ignore[union-attr]
    assert since.severity is None and not since.is_violation


def test_shipped_documents_by_issuer_query(store: PolicyStore) -> None:
    query = load_query(REPO_QUERIES / "documents-by-issuer.rq")
    assert [p.name for p in query.params] == ["issuer"]
    result = run_named(store, query, {"issuer": "polid:agency/quang-tri/tinh-uy"})
    assert result.columns == ["issuer", "d", "notation", "date", "label"]
    [row] = result.python_rows()
    assert row["d"] == DOC_QT_190 and row["notation"] == "190-KH/TU"


def test_literal_param_binds(store: PolicyStore, settings: Settings) -> None:
    query = get_query(load_catalog(settings.queries_dir), "documents-by-notation")
    result = run_named(store, query, {"notation": "190-KH/TU"})
    assert [r["d"] for r in result.python_rows()] == [DOC_HT_190, DOC_QT_190]


@pytest.mark.parametrize(
    "evil",
    ['" } ; DROP ALL #', '190-KH/TU" } UNION { ?d ?p ?o } #', "> } DROP ALL ; #", "?notation"],
)
def test_param_values_cannot_inject_sparql(store: PolicyStore, settings: Settings, evil: str) -> None:
    query = get_query(load_catalog(settings.queries_dir), "documents-by-notation")
    result = run_named(store, query, {"notation": evil})
    assert result.rows == []
    assert store.triple_count() == FIXTURE_TRIPLES


def test_literal_param_is_nfc_normalised(store: PolicyStore, settings: Settings) -> None:
    query = get_query(load_catalog(settings.queries_dir), "agency-by-label")
    decomposed = unicodedata.normalize("NFD", "Tỉnh ủy Hà Tĩnh")
    rows = run_named(store, query, {"name": decomposed}).python_rows()
    assert [r["agency"] for r in rows] == ["https://w3id.org/policykg/id/agency/ha-tinh/tinh-uy"]
    assert rows[0]["name"] == "Tỉnh ủy Hà Tĩnh"


def test_integer_and_optional_iri_params(store: PolicyStore, settings: Settings) -> None:
    query = get_query(load_catalog(settings.queries_dir), "documents-issued-since")
    everyone = run_named(store, query, {"year": "2021"}).python_rows()
    assert [r["d"] for r in everyone] == ["https://w3id.org/policykg/id/doc/quang-tri-ubnd/2021/45-kh-ubnd"]
    one_issuer = run_named(
        store, query, {"year": "2019", "issuer": "https://w3id.org/policykg/id/agency/ha-tinh/tinh-uy"}
    ).python_rows()
    assert [r["d"] for r in one_issuer] == [DOC_HT_190]
    # An optional parameter given empty stays unbound.
    assert len(run_named(store, query, {"year": "2019", "issuer": ""}).rows) == 4


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("documents-by-notation", {}, "missing required parameter 'notation'"),
        ("documents-by-notation", {"notation": "  "}, "missing required parameter 'notation'"),
        ("documents-by-notation", {"notation": "x", "bogus": "1"}, "unknown parameter 'bogus'"),
        ("documents-issued-since", {"year": "twenty"}, "'year' must be an integer"),
        ("documents-issued-since", {"year": "2020", "issuer": "http://x/a b"}, "'issuer' is not a valid IRI"),
    ],
)
def test_parameter_errors_name_the_parameter(
    store: PolicyStore, settings: Settings, name: str, params: dict[str, str], message: str
) -> None:
    query = get_query(load_catalog(settings.queries_dir), name)
    with pytest.raises(ParameterError, match=message):
        run_named(store, query, params)


def test_an_entity_parameter_takes_a_name(store: PolicyStore, settings: Settings) -> None:
    """``issuer`` is an agency: its name resolves as everywhere else, an unknown name is UnknownAgency."""
    query = get_query(load_catalog(settings.queries_dir), "documents-issued-since")
    by_name = run_named(store, query, {"year": "2019", "issuer": "Tỉnh ủy Hà Tĩnh"}).python_rows()
    assert [r["d"] for r in by_name] == [DOC_HT_190]
    with pytest.raises(UnknownAgency):
        run_named(store, query, {"year": "2020", "issuer": "not an agency"})


def test_unknown_query_lists_available(settings: Settings) -> None:
    with pytest.raises(UnknownQuery, match="available: agency-by-label, documents-by-notation"):
        get_query(load_catalog(settings.queries_dir), "nope")


def test_run_file(store: PolicyStore) -> None:
    result = run_file(store, PROJECT / "queries" / "documents-by-notation.rq", {"notation": "52-NQ/TW"})
    assert len(result.rows) == 1


def test_violation_query_defaults(tmp_path: Path) -> None:
    path = tmp_path / "orphan-task-violation.rq"
    path.write_text("SELECT ?focus ?message WHERE { ?focus a pol:Task BIND('x' AS ?message) }\n", encoding="utf-8")
    query = load_query(path)
    assert query.is_violation and query.severity == "Violation"
    path.write_text("# severity: warning\nSELECT ?focus ?message WHERE { }\n", encoding="utf-8")
    assert load_query(path).severity == "Warning"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("# param: doc uri  The document\n", "bad param line"),
        ("# param: other iri  Not in the query\n", "'other' is declared but"),
        ("# param: doc iri  A\n# param: doc iri  B\n", "declared twice"),
        ("# severity: Fatal\n", "severity must be one of"),
    ],
)
def test_bad_headers_name_the_file(tmp_path: Path, header: str, message: str) -> None:
    path = tmp_path / "broken.rq"
    path.write_text(header + "SELECT ?doc WHERE { ?doc ?p ?o }\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=message) as info:
        load_query(path)
    assert "broken.rq" in str(info.value)


def test_missing_catalog_dir_is_empty(tmp_path: Path) -> None:
    assert load_catalog(tmp_path / "absent") == {}
