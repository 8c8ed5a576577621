"""Graph analytics (app.export.analytics), checked against SPARQL and the lineage module on the same data."""

from __future__ import annotations

import pytest

from app.domain.lineage import descendants
from app.export.analytics import Analytics, analyse
from app.store.policy_store import PolicyStore
from tests.support.project import DOC_12, DOC_52, DOC_CY1, DOC_CY2, POLID

SO_KHCN_QT = POLID + "agency/quang-tri/so-khcn"
NQ_52 = POLID + "doc/bo-chinh-tri/2019/52-nq-tw"
NQ_02 = POLID + "doc/tu-quang-tri/02-nq-tw"
CTR_41 = POLID + "doc/dang-bo-tx-quang-tri/2021/41-ctr-tu"
KH_47 = POLID + "doc/ubnd-quang-tri/2024/47-kh-ubnd"


@pytest.fixture(scope="module")
def shipped(shipped_store: PolicyStore) -> Analytics:
    """The analytics of the shipped data, computed once."""
    return analyse(shipped_store)


def test_agencies_ranked_by_duties_with_sparql_counts(shipped: Analytics, shipped_store: PolicyStore) -> None:
    """Per role, the distinct tasks SPARQL finds: stated roles, and "draft" for a task the source gives
    nobody in a document the agency drafts; the total counts each task once (docs-fragments/resolver.md)."""
    rows = shipped_store.select_python(
        """SELECT ?agency ?code (COUNT(DISTINCT ?task) AS ?n) WHERE {
             { ?concept pol:roleProperty ?p ; skos:notation ?code . ?task ?p ?agency }
             UNION {
               ?task a pol:Task . FILTER NOT EXISTS { ?any pol:roleProperty ?q . ?task ?q ?someone }
               { ?doc pol:hasTask ?task } UNION { ?doc pol:hasTaskGroup/pol:hasTask ?task }
               ?doc pol:draftedBy ?agency BIND("draft" AS ?code)
             }
           } GROUP BY ?agency ?code"""
    )
    expected: dict[str, dict[str, int]] = {}
    for row in rows:
        expected.setdefault(str(row["agency"]), {})[str(row["code"])] = int(row["n"])
    assert shipped.roles == ["advise", "assigned", "coordinate", "lead"]
    assert {a.iri: {r: n for r, n in a.roles.items() if n} for a in shipped.agencies} == expected
    tasks = shipped_store.select_python(
        """SELECT ?agency (COUNT(DISTINCT ?task) AS ?n) WHERE {
             { ?concept pol:roleProperty ?p . ?task ?p ?agency }
             UNION {
               ?task a pol:Task . FILTER NOT EXISTS { ?any pol:roleProperty ?q . ?task ?q ?someone }
               { ?doc pol:hasTask ?task } UNION { ?doc pol:hasTaskGroup/pol:hasTask ?task }
               ?doc pol:draftedBy ?agency
             }
           } GROUP BY ?agency"""
    )
    assert {a.iri: a.total for a in shipped.agencies} == {str(r["agency"]): int(r["n"]) for r in tasks}
    top = shipped.agencies[0]
    assert top.iri == SO_KHCN_QT and top.label == "Sở Khoa học và Công nghệ tỉnh Quảng Trị"
    # 28 tasks with a role the sources state, and 6 tasks of the plan it drafts that name nobody
    assert top.total == top.tasks == 34 and top.roles["draft"] == 6
    assert [a.total for a in shipped.agencies] == sorted((a.total for a in shipped.agencies), reverse=True)


def test_fan_out_agrees_with_lineage(shipped: Analytics, shipped_store: PolicyStore) -> None:
    by_iri = {f.document.iri: f for f in shipped.documents}
    below = descendants(shipped_store, NQ_52)
    assert by_iri[NQ_52].direct == sum(1 for item in below if item.depth == 1)
    assert by_iri[NQ_52].transitive == len(below)
    # 57-NQ/TW is carried out directly by 03/NQ-CP, 144-CTHĐ/TU, 3260-KH/ĐĐQH15 and the Quảng Trị draft
    # scheme (47/KH-UBND through two of them): since the real passages it ranks first, ahead of
    # 52-NQ/TW (five documents below each, four of them direct against three)
    top = shipped.documents[0]
    assert top.document.notation == "57-NQ/TW"
    assert top.transitive == len(descendants(shipped_store, top.document.iri)) == by_iri[NQ_52].transitive
    assert top.direct > by_iri[NQ_52].direct
    assert KH_47 not in by_iri  # nothing carries 47/KH-UBND out


def test_chains_that_stop_before_a_national_document(shipped: Analytics) -> None:
    stops = {s.document.iri: s for s in shipped.chain_stops}
    assert [b.iri for b in stops[NQ_02].below] == [CTR_41]
    assert stops[NQ_02].document.level == "provincial"
    assert all(s.document.level != "national" for s in shipped.chain_stops)
    unanchored = {d.iri for d in shipped.unanchored}
    assert {NQ_02, CTR_41} <= unanchored
    assert KH_47 not in unanchored and NQ_52 not in unanchored


def test_components_cover_the_graph(shipped: Analytics) -> None:
    assert shipped.component_count == len(shipped.components) >= 1
    assert sum(c.size for c in shipped.components) == shipped.nodes
    assert [c.size for c in shipped.components] == sorted((c.size for c in shipped.components), reverse=True)
    assert any(d.notation == "52-NQ/TW" for d in shipped.components[0].documents)
    # The isolated members are named, so an analyst sees what nothing links to.
    assert all(c.hubs for c in shipped.components)


def test_cycles_and_missing_levels_terminate(store: PolicyStore) -> None:
    result = analyse(store)
    by_iri = {f.document.iri: f for f in result.documents}
    assert (by_iri[DOC_52].direct, by_iri[DOC_52].transitive) == (3, 4)
    assert by_iri[DOC_CY1].transitive == 1
    # A cycle has no top, so no chain stops there, but it never reaches a national document.
    assert {DOC_CY1, DOC_CY2} <= {d.iri for d in result.unanchored}
    assert not {DOC_CY1, DOC_CY2} & {s.document.iri for s in result.chain_stops}
    assert DOC_12 in {b.iri for s in result.chain_stops for b in s.below}
