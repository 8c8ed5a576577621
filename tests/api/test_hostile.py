"""Hostile SPARQL against ``policykg serve`` as shipped, in its own process (a crash there is seen, not shared).

Findings 1–4 of the hardening issue: the comment/CR guard bypass, an update that overflowed the
server's stack, answers without a memory or byte cap, and queries that crashed a worker each time.
The only setting added is an update token, without which no update is accepted at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.live import recorder, serve_process

TOKEN = "hostile-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def outside() -> Iterator[tuple[str, list[str]]]:
    with recorder() as found:
        yield found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    log = tmp_path_factory.mktemp("hostile") / "serve.log"
    with serve_process(env={"POLICYKG_UPDATE_TOKEN": TOKEN}, log=log) as process:
        yield process.url, process.pid


@pytest.fixture
def http(server: tuple[str, int]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server[0], timeout=60) as client:
        yield client


def children(pid: int) -> set[int]:
    """Process ids whose parent is ``pid`` (the query workers of a server)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def seccomp(pid: int) -> str:
    status = Path(f"/proc/{pid}/status").read_text()
    return next(line.split(":")[1].strip() for line in status.splitlines() if line.startswith("Seccomp:"))


def alive(http: httpx.Client) -> None:
    assert http.get("/health").status_code == 200
    assert http.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"] is True


def bypasses(url: str) -> list[tuple[str, str]]:
    """(form field, text): the CR-comment trick in a query and in updates (SERVICE and LOAD)."""
    return [
        ("query", f"SELECT ?s WHERE {{ # x\rSERVICE <{url}/> {{ ?s ?p ?o }}\n}}"),
        ("update", f"INSERT DATA {{ GRAPH <http://example.org/g> {{ <http://a/> <http://b/> 1 }} }} ;\n"
                   f"# x\rLOAD <{url}/data.nt> INTO GRAPH <http://example.org/g>\n"),
        ("update", f"INSERT {{ GRAPH <http://example.org/g> {{ ?s ?p ?o }} }} WHERE {{ # x\r"
                   f"SERVICE <{url}/> {{ ?s ?p ?o }}\n}}"),
    ]


def test_the_cr_comment_trick_reaches_nothing_by_any_method(
    http: httpx.Client, outside: tuple[str, list[str]]
) -> None:
    url, hits = outside
    for field, text in bypasses(url):
        kind = "application/sparql-query" if field == "query" else "application/sparql-update"
        answers = [
            http.post("/sparql", data={field: text}, headers=AUTH),
            http.post("/sparql", content=text.encode(), headers={**AUTH, "Content-Type": kind}),
        ]
        if field == "query":
            answers.append(http.get("/sparql", params={"query": text}))
        for answer in answers:
            assert answer.status_code == 403, answer.text
            assert "is refused" in answer.json()["detail"]
    assert hits == []
    alive(http)


def test_the_server_and_its_workers_cannot_open_internet_sockets(
    http: httpx.Client, server: tuple[str, int]
) -> None:
    """Whatever a query says: the processes that evaluate SPARQL run under the seccomp filter."""
    alive(http)  # a query has run, so a worker exists
    _, pid = server
    workers = children(pid)
    assert workers
    assert {p: seccomp(p) for p in {pid, *workers}} == dict.fromkeys({pid, *workers}, "2")  # 2: filter mode


def test_an_update_nested_thousands_deep_is_refused_before_any_parser(
    http: httpx.Client, server: tuple[str, int]
) -> None:
    workers = children(server[1])
    deep = ("INSERT { GRAPH <http://example.org/g> { ?s ?p ?o } } WHERE { # x\r"
            + "{ " * 3000 + "?s ?p ?o" + " }" * 3000 + "\n}")
    answer = http.post("/sparql", data={"update": deep}, headers=AUTH)
    assert answer.status_code == 400 and "deep; the limit is 64" in answer.json()["detail"]
    query = "SELECT * WHERE " + "{ " * 5000 + "?s ?p ?o" + " }" * 5000
    answer = http.post("/sparql", data={"query": query})
    assert answer.status_code == 400 and "5000 deep" in answer.json()["detail"], answer.text
    assert children(server[1]) == workers  # no worker crashed
    alive(http)


def test_an_update_that_crashes_the_parser_costs_a_worker_not_the_server(http: httpx.Client) -> None:
    chain = "+".join(["?o"] * 20000)
    update = f"INSERT {{ GRAPH <http://example.org/g> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o FILTER({chain} > 0) }}"
    answer = http.post("/sparql", data={"update": update}, headers=AUTH)
    assert answer.status_code == 500 and "stack overflowed" in answer.json()["detail"], answer.text
    alive(http)
    # Nothing was written.
    ask = "ASK { GRAPH <http://example.org/g> { ?s ?p ?o } }"
    assert http.get("/sparql", params={"query": ask}).json()["boolean"] is False


def test_a_query_that_would_grow_without_bound_is_stopped_at_the_memory_cap(http: httpx.Client) -> None:
    value = '"' + "a" * 1000 + '"'
    for _ in range(7):  # each level multiplies the length by ten: 10 GB at the end
        value = f'REPLACE({value}, "a", "aaaaaaaaaa")'
    blowup = f"SELECT (STRLEN({value}) AS ?n) {{}}"
    assert len(blowup) < 1300
    answer = http.post("/sparql", data={"query": blowup})
    assert answer.status_code == 507, answer.text[:300]
    assert "POLICYKG_WORKER_MEMORY_MB" in answer.json()["detail"]
    alive(http)


def test_an_answer_past_the_byte_cap_is_cut_to_whole_rows(http: httpx.Client) -> None:
    """Ten values of 10 MB each: 100 MB, over the shipped 64 MiB cap."""
    ten_mb = 'REPLACE(STR(?i), "[0-9]+", "' + "a" * 10 + '")'
    for _ in range(6):
        ten_mb = f'REPLACE({ten_mb}, "a", "aaaaaaaaaa")'
    query = f"SELECT ?i ?x WHERE {{ VALUES ?i {{ 1 2 3 4 5 6 7 8 9 10 }} BIND({ten_mb} AS ?x) }}"
    answer = http.post("/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["X-SPARQL-MaxBytes"] == str(64 * 1_048_576)
    assert len(answer.content) <= 64 * 1_048_576
    rows = json.loads(answer.content)["results"]["bindings"]
    assert 0 < len(rows) < 10 and all(len(row["x"]["value"]) == 10_000_000 for row in rows)


def test_an_update_that_would_grow_without_bound_meets_the_worker_cap_not_the_server(http: httpx.Client) -> None:
    """The blow-up depends on the data (an empty store would not show it): the trial on the worker's copy does."""
    value = "STR(?o)"
    for _ in range(9):
        value = f'REPLACE({value}, ".", "aaaaaaaaaa")'
    update = (f"INSERT {{ GRAPH <http://example.org/g> {{ ?s <http://example.org/big> ?x }} }} "
              f"WHERE {{ ?s <http://www.w3.org/2004/02/skos/core#notation> ?o BIND({value} AS ?x) }}")
    answer = http.post("/sparql", data={"update": update}, headers=AUTH)
    assert answer.status_code == 507, answer.text[:300]
    alive(http)
    ask = "ASK { GRAPH <http://example.org/g> { ?s <http://example.org/big> ?x } }"
    assert http.get("/sparql", params={"query": ask}).json()["boolean"] is False


def test_generated_outbound_texts_reach_nothing_through_the_shipped_server(
    http: httpx.Client, outside: tuple[str, list[str]]
) -> None:
    """The generator of tests/sparql/test_safety.py, sent over HTTP as query and as update, by every method."""
    from hypothesis import HealthCheck, given, settings

    from tests.sparql.test_safety import _outbound

    url, hits = outside

    @given(_outbound(url, update=False), _outbound(url, update=True))
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    def property(query: str, update: str) -> None:
        answers = [
            http.get("/sparql", params={"query": query}),
            http.post("/sparql", data={"query": query}),
            http.post("/sparql", content=update.encode(), headers={**AUTH, "Content-Type": "application/sparql-update"}),
        ]
        assert all(a.status_code < 500 for a in answers), [a.text[:200] for a in answers]

    property()
    assert hits == []
    alive(http)


def test_a_client_that_keeps_crashing_workers_is_throttled_and_others_are_not(server: tuple[str, int]) -> None:
    """Each crash costs the client POLICYKG_RATE_CRASH_SECONDS (10) of its 60 s query budget (shipped defaults)."""
    chain = "SELECT * { ?s ?p ?o FILTER(" + "+".join(["?o"] * 20000) + " > 0) }"
    crasher = httpx.Client(base_url=server[0], timeout=60, transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    other = httpx.Client(base_url=server[0], timeout=60, transport=httpx.HTTPTransport(local_address="127.0.0.3"))
    with crasher, other:
        statuses = []
        for _ in range(12):  # bounded: 7 crashes exhaust the budget
            answer = crasher.post("/sparql", data={"query": chain})
            statuses.append(answer.status_code)
            if answer.status_code == 429:
                assert int(answer.headers["Retry-After"]) >= 1
                assert "query" in answer.json()["detail"]
                break
        assert statuses[0] == 500 and statuses[-1] == 429, statuses
        assert len(statuses) <= 8, statuses
        alive(other)
