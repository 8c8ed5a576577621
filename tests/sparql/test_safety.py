"""app.sparql.safety: one canonical text for every reader, and SERVICE/LOAD refused outside the allow-list.

The differential tests run what the guard approves in pyoxigraph *in this process*, where the
network is open (no sandbox): if the guard and the engine read a text differently, the engine
calls the recording server and the test fails. The sandbox of the shipped server is a second,
independent line (tests/core/test_sandbox.py); it is deliberately absent here.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.errors import QueryError, QueryRefused, QuerySyntaxError, QueryTooComplex
from app.sparql.engine import Dataset
from app.sparql.safety import (
    AllowList,
    Reference,
    canonical,
    check,
    check_query,
    check_update,
    default_graph_writes,
    nesting_depth,
    prepare,
    references,
)
from tests.support.live import recorder

BASE = "http://localhost:8000/sparql"
NOTHING = AllowList()


def kinds(text: str, *, update: bool = False) -> list[tuple[str, str | None]]:
    return [(r.kind, r.iri) for r in references(canonical(text), update=update, base_iri=BASE)]


def test_dataset_clauses_and_services_are_found_wherever_they_hide() -> None:
    query = """
    BASE <http://b.example/dir/>
    PREFIX e: <http://e.example/>
    SELECT * FROM <file:///etc/passwd> FROM NAMED e:named WHERE {
      OPTIONAL { SERVICE SILENT <relative> { ?s ?p ?o } }
      FILTER EXISTS { SERVICE <http://127.0.0.1:9999/sparql> { ?s ?p ?o } }
      { SELECT ?s WHERE { MINUS { SERVICE ?endpoint { ?s ?p ?o } } } }
    }"""
    assert kinds(query) == [
        ("FROM", "file:///etc/passwd"),
        ("FROM NAMED", "http://e.example/named"),
        ("SERVICE", "http://b.example/dir/relative"),
        ("SERVICE", "http://127.0.0.1:9999/sparql"),
        ("SERVICE", None),
    ]


def test_update_references() -> None:
    update = """PREFIX e: <http://e.example/>
    LOAD SILENT <file:///etc/passwd> INTO GRAPH e:g ;
    WITH e:w DELETE { ?s ?p ?o } USING e:u USING NAMED <http://n.example/> WHERE { ?s ?p ?o }"""
    assert kinds(update, update=True) == [
        ("LOAD", "file:///etc/passwd"),
        ("WITH", "http://e.example/w"),
        ("USING", "http://e.example/u"),
        ("USING NAMED", "http://n.example/"),
    ]


def test_words_in_strings_and_comments_are_not_references() -> None:
    assert kinds('SELECT * { ?s ?p "from the service, with love" } # LOAD <file:///etc/passwd>') == []


def test_unparseable_text_with_a_keyword_is_a_syntax_error_naming_the_position() -> None:
    with pytest.raises(QuerySyntaxError, match=r"line 1, column \d+"):
        references("SELECT * FROM <http://x/> { ?s ?p }", update=False, base_iri=BASE)


def test_unknown_prefix_is_a_syntax_error() -> None:
    with pytest.raises(QuerySyntaxError, match="zz"):
        references("SELECT * FROM zz:g { ?s ?p ?o }", update=False, base_iri=BASE)


# ---------------------------------------------------------------------------------- canonical form


@pytest.mark.parametrize(
    ("sent", "runs"),
    [
        # A CR ends a comment for Oxigraph but not for rdflib: it becomes LF, which ends it for both.
        ("SELECT * { # x\rSERVICE <http://h/> {} }", "SELECT * { # x\nSERVICE <http://h/> {} }"),
        ("ASK {}\r\n# c\r\n", "ASK {}\n# c\n"),
        # Escapes inside strings and IRIs are decoded, strings re-escaped with ECHARs only.
        (r'SELECT ("\u0041\u0022" AS ?x) {}', 'SELECT ("A\\"" AS ?x) {}'),
        (r"SELECT * { <http://a/\u00e9> ?p ?o }", "SELECT * { <http://a/\u00e9> ?p ?o }"),
        ('SELECT ("""a\rb""" AS ?x) {}', 'SELECT ("""a\\rb""" AS ?x) {}'),
        # A comment holding an escape (rdflib would expand it into a line end) is dropped.
        (r"ASK { # \u000a SERVICE <http://h/> {} }" + "\n}", "ASK {  \n}"),
        ("ASK { ?s <http://p#x> 'it''s' }", "ASK { ?s <http://p#x> 'it''s' }"),
    ],
)
def test_canonical_text(sent: str, runs: str) -> None:
    assert canonical(sent) == runs


@pytest.mark.parametrize(
    ("text", "error", "needle"),
    [
        (r"SEL\u0045CT * {}", QuerySyntaxError, "outside a string or an IRI"),
        # rdflib would read \u005C as a backslash escaping the quote, Oxigraph as a plain backslash.
        (r'SELECT * { BIND("a\u005C" AS ?x) SERVICE <http://h/> { ?s ?p ?o } BIND("" AS ?y) }', None, None),
        (r'SELECT ("\u005Cu0041" AS ?x) {}', QueryRefused, "backslash"),
        (r"SELECT * { <http://a/\u003E> ?p ?o }", QuerySyntaxError, "cannot hold"),
        (r'SELECT ("\q" AS ?x) {}', QuerySyntaxError, "invalid escape"),
        (r'SELECT ("\uD800" AS ?x) {}', QuerySyntaxError, "code point"),
    ],
)
def test_texts_no_reader_could_agree_on_are_refused(text: str, error: type[Exception] | None, needle: str) -> None:
    if error is None:
        # Canonical: the backslash is re-escaped, so every reader sees SERVICE outside the string.
        with pytest.raises(QueryRefused, match="SERVICE"):
            check_query(canonical(text), base_iri=BASE, allowed=NOTHING)
        return
    with pytest.raises(error, match=needle):
        canonical(text)


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40))
@settings(max_examples=300, deadline=None)
def test_canonical_strings_keep_their_value(value: str) -> None:
    """Whatever a string holds, written with escapes of every kind, Oxigraph reads the same value after canonicalisation."""
    escaped = "".join(f"\\u{ord(c):04X}" if ord(c) < 0x10000 and i % 2 else (f"\\U{ord(c):08X}" if i % 3 == 0 else {
        '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r"}.get(c, c)) for i, c in enumerate(value))
    query = f'SELECT ?x WHERE {{ BIND("{escaped}" AS ?x) }}'
    try:
        text = canonical(query)
    except QueryRefused:
        assert re.search(r"\\[uU]", value)  # only a value holding a backslash-u is refused
        return
    store = ox.Store()
    original = [row["x"].value for row in store.query(query)]  # type: ignore[union-attr]
    assert [row["x"].value for row in store.query(text)] == original == [value]  # type: ignore[union-attr]


def test_nesting_is_bounded_before_any_parser_runs() -> None:
    deep = "SELECT * WHERE " + "{ " * 5000 + "?s ?p ?o" + " }" * 5000
    assert nesting_depth(deep) == 5000
    assert nesting_depth('ASK { ?s ?p "{{{{{{" } # ((((((') == 1
    with pytest.raises(QueryTooComplex, match="5000 deep; the limit is 64"):
        prepare(deep, max_depth=64)
    assert prepare("ASK { { ?s ?p ?o } }", max_depth=64) == "ASK { { ?s ?p ?o } }"


# ------------------------------------------------------------------------------------ the check


def test_allow_list_prefixes_do_not_leak_to_lookalike_hosts() -> None:
    allowed = AllowList.of(["http://127.0.0.1:8000", " https://data.example/graphs/ ", ""])
    assert allowed.prefixes == ("http://127.0.0.1:8000/", "https://data.example/graphs/")
    assert allowed.allows("http://127.0.0.1:8000/sparql")
    assert not allowed.allows("http://127.0.0.1:8000.evil.example/")
    assert not allowed.allows("https://data.example/other")


def test_check_refuses_service_and_load_outside_the_allow_list_and_lets_graph_names_pass() -> None:
    allowed = AllowList.of(["http://allowed.example/"])
    check([Reference("SERVICE", "http://allowed.example/sparql")], allowed)
    check([Reference("FROM", "file:///etc/passwd"), Reference("USING", "http://elsewhere/")], NOTHING)
    refused = [
        (Reference("SERVICE", "http://127.0.0.1:1/sparql"), "SERVICE <http://127.0.0.1:1/sparql> is refused"),
        (Reference("LOAD", "https://w3id.org/policykg/graph/reference"), "LOAD"),
        (Reference("SERVICE", None), "a variable"),
        (Reference("SERVICE", "http://allowed.example/x", relative=True), "written in full"),
    ]
    for reference, needle in refused:
        with pytest.raises(QueryRefused, match=needle):
            check([reference], allowed)


def test_a_keyword_the_parse_did_not_account_for_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """If rdflib ever misses a SERVICE that the token scan sees, the query is refused, not run."""
    import app.sparql.safety as safety

    monkeypatch.setattr(safety, "_references", lambda *a, **k: [])
    with pytest.raises(QueryRefused, match="cannot confirm"):
        check_query("SELECT * { SERVICE <http://h/> { ?s ?p ?o } }", base_iri=BASE, allowed=NOTHING)


@pytest.mark.parametrize(
    ("update", "writes"),
    [
        ("INSERT DATA { GRAPH <https://ex.org/g> { <https://ex.org/s> <https://ex.org/p> 1 } }", []),
        (("INSERT DATA { GRAPH <https://ex.org/g> { <https://ex.org/s> <https://ex.org/p> 1 } "
          "<https://ex.org/s> <https://ex.org/p> 2 }"), ["INSERT DATA"]),
        ("DELETE DATA { <https://ex.org/s> <https://ex.org/p> 1 }", ["DELETE DATA"]),
        ("DELETE WHERE { ?s ?p ?o }", ["DELETE WHERE"]),
        ("DELETE WHERE { GRAPH ?g { ?s ?p ?o } }", []),
        ("WITH <https://ex.org/g> DELETE { ?s ?p ?o } INSERT { ?s ?p 2 } WHERE { ?s ?p ?o }", []),
        ("INSERT { ?s ?p 2 } WHERE { GRAPH ?g { ?s ?p ?o } }", ["INSERT { … } without GRAPH or WITH"]),
        ("CLEAR ALL ; DROP NAMED ; CLEAR GRAPH <https://ex.org/g> ; CREATE GRAPH <https://ex.org/h>", []),
        ("CLEAR DEFAULT ; DROP DEFAULT", ["CLEAR DEFAULT", "DROP DEFAULT"]),
        ("COPY DEFAULT TO <https://ex.org/g> ; COPY <https://ex.org/g> TO <https://ex.org/h>", []),
        ("MOVE DEFAULT TO <https://ex.org/g> ; ADD <https://ex.org/g> TO DEFAULT",
         ["MOVE … DEFAULT", "ADD … DEFAULT"]),
        ("LOAD <https://ex.org/x> ; LOAD <https://ex.org/y> INTO GRAPH <https://ex.org/g>", ["LOAD without INTO GRAPH"]),
    ],
)
def test_default_graph_writes_are_found(update: str, writes: list[str]) -> None:
    """Each operation that would write the default graph is named; reads of it and named-graph writes are not."""
    assert default_graph_writes(update) == writes


# ------------------------------------------------------------------------ differential, hypothesis

_SEPARATORS = [" ", "\n", "\r", "\r\n", "\t", "\\u000d", "\\u000a", "\\u0020"]
_HIDERS = [
    "# x{sep}", "#{sep}", '"a\\u005C" ', "'a\\u005C' ", '"\\u0022" ', '"""x\\u0022""" ', "<http://a/\\u0023> ",
    "\\u0023 ", "# \\u000d{sep}", '"#" ', "'''#''' ",
]


@st.composite
def _outbound(draw: st.DrawFn, url: str, update: bool) -> str:
    """A query or update calling ``url`` in one of many spellings, behind comments, escapes and strings."""
    sep = draw(st.sampled_from(_SEPARATORS))
    hider = draw(st.sampled_from(_HIDERS)).format(sep=draw(st.sampled_from(_SEPARATORS)))
    keyword = draw(st.sampled_from(["SERVICE", "service", "SeRvIcE", "SERVICE SILENT", "\\u0053ERVICE"]))
    target = draw(st.sampled_from([
        f"<{url}/sparql>", "e:sparql", "<sparql>", f"<{url}/\\u0073parql>", "<//127.0.0.1:1/x>",
    ]))
    prologue = f"PREFIX e: <{url}/>{sep}BASE <{url}/>{sep}"
    if update:
        load = draw(st.booleans())
        body = (f"LOAD{sep}{target.replace('sparql', 'data.nt')} INTO GRAPH <http://g/>" if load else
                f"INSERT {{ GRAPH <http://g/> {{ ?s ?p ?o }} }} WHERE {{ {hider}{keyword}{sep}{target} {{ ?s ?p ?o }} }}")
        return prologue + (hider if load else "") + body
    inner = f"{hider}{keyword}{sep}{target}{sep}{{ ?s ?p ?o }}"
    if draw(st.booleans()):
        inner = f"OPTIONAL {{ {inner} }} {{ SELECT * {{ {hider}SERVICE <{url}/n> {{ ?a ?b ?c }} }} }}"
    return f"{prologue}SELECT * WHERE {{ {inner} }}"


@pytest.fixture(scope="module")
def outside() -> tuple[str, list[str]]:
    with recorder() as (url, hits):
        yield url, hits


def _engine_reaches(url: str, hits: list[str], text: str, *, update: bool) -> bool:
    """Run ``text`` in pyoxigraph with the network open; True when the recording server was asked."""
    before = len(hits)
    store = ox.Store()
    try:
        if update:
            store.update(text, base_iri=url + "/")
        else:
            result = store.query(text, base_iri=url + "/")
            if isinstance(result, ox.QuerySolutions):
                list(result)
    except (SyntaxError, OSError, RuntimeError, ValueError):
        pass
    return len(hits) > before


def test_the_differential_is_real_without_the_canonical_form(outside: tuple[str, list[str]]) -> None:
    """The control: the raw texts of the finding do reach the recorder, so the tests below can fail."""
    url, hits = outside
    raw = f"SELECT ?s WHERE {{ # x\rSERVICE <{url}/> {{ ?s ?p ?o }}\n}}"
    assert references(raw, update=False, base_iri=None) == []  # rdflib alone sees no SERVICE
    assert _engine_reaches(url, hits, raw, update=False)  # and Oxigraph calls out
    with pytest.raises(QueryRefused, match="SERVICE"):
        check_query(prepare(raw, max_depth=64), base_iri=None, allowed=NOTHING)


@pytest.mark.parametrize("update", [False, True], ids=["query", "update"])
def test_nothing_the_guard_approves_reaches_outside(outside: tuple[str, list[str]], update: bool) -> None:
    url, hits = outside

    @given(_outbound(url, update))
    @settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    def property(text: str) -> None:
        try:
            runs = prepare(text, max_depth=64)
            if update:
                check_update(runs, base_iri=url + "/", using=Dataset(), allowed=NOTHING)
            else:
                check_query(runs, base_iri=url + "/", allowed=NOTHING)
        except QueryError:
            return  # refused (or not SPARQL): nothing runs
        assert not _engine_reaches(url, hits, runs, update=update), f"approved and called out: {runs!r}"

    property()
