"""Concise bounded descriptions (app.linkeddata.describe) on the fixture project, edge cases added in the test."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import RDFS, SKOS

from app.core.errors import UnknownResource
from app.linkeddata.describe import concise_description, describe, suggest, suggestions
from app.store.policy_store import PolicyStore
from tests.support.project import DOC_12, DOC_45, DOC_52, DOC_QT_190, POLID

POL = rdflib.Namespace("https://w3id.org/policykg/ontology#")
SKHCN = POLID + "agency/quang-tri/so-khcn"
TASK_1 = DOC_12 + "/task/1"


def test_description_has_own_triples_object_labels_and_incoming_links(store: PolicyStore) -> None:
    graph = concise_description(store, DOC_45)
    doc, parent, issuer, child = (
        rdflib.URIRef(i) for i in (DOC_45, DOC_QT_190, POLID + "agency/quang-tri/ubnd", DOC_12)
    )
    # every triple the document is the subject of
    own = store.select("SELECT ?p ?o WHERE { ?s ?p ?o }", {"s": ox.NamedNode(DOC_45)})
    assert len(set(graph.predicate_objects(doc))) == len(own) == 7
    # the names of what it points to: the number and label of the plan it implements, the issuer's label
    assert (parent, SKOS.notation, rdflib.Literal("190-KH/TU")) in graph
    assert (issuer, RDFS.label, rdflib.Literal("UBND tỉnh Quảng Trị", lang="vi")) in graph
    # incoming: the department plan implements it, and its number and label come along
    assert (child, POL.implements, doc) in graph
    assert (child, SKOS.notation, rdflib.Literal("12/KH-SKHCN")) in graph
    # but not the rest of the neighbours' facts
    assert (parent, POL.implements, rdflib.URIRef(DOC_52)) not in graph
    assert (child, POL.issuedBy, None) not in graph


def test_view_orders_properties_and_names_values(store: PolicyStore) -> None:
    d = describe(store, DOC_12)
    assert d.label == "Kế hoạch của Sở Khoa học và Công nghệ" and d.notation == "12/KH-SKHCN"
    assert [t.value for t in d.types] == [str(POL.Plan)]
    predicates = [p.predicate.value for p in d.properties]
    assert predicates[:3] == [str(rdflib.RDF.type), str(RDFS.label), str(SKOS.notation)]
    by_predicate = {p.predicate.value: p.values for p in d.properties}
    (implemented,) = by_predicate[str(POL.implements)]
    assert (implemented.value, implemented.notation, implemented.kind) == (DOC_45, "45/KH-UBND", "iri")
    (task,) = by_predicate[str(POL.hasTask)]
    assert task.label == "Xây dựng nền tảng dữ liệu"
    assert [g.iri for g in d.graphs] == ["https://w3id.org/policykg/graph/source/quang-tri"]
    assert not d.graphs_mention_only


def test_resource_only_mentioned_as_object_lists_the_mentioning_graphs(store: PolicyStore) -> None:
    # The reference graph states the agency; add an IRI that only appears as an object.
    unit = ox.NamedNode(POLID + "unit/percent")
    triple = (ox.NamedNode(TASK_1), ox.NamedNode(str(POL.unit)), unit)
    # in a named graph and in the union default graph, as loading a project would put it
    store.raw.extend([ox.Quad(*triple, ox.NamedNode("urn:g:extra")), ox.Quad(*triple, ox.DefaultGraph())])
    d = describe(store, unit.value)
    assert d.properties == ()
    assert [(link.subject.value, link.predicate.value) for link in d.incoming] == [(TASK_1, str(POL.unit))]
    assert d.incoming[0].subject.label == "Xây dựng nền tảng dữ liệu"
    assert d.graphs_mention_only and [g.iri for g in d.graphs] == ["urn:g:extra"]


def test_blank_node_objects_are_followed_one_level(store: PolicyStore) -> None:
    node = ox.BlankNode("resp1")
    store.raw.add(ox.Quad(ox.NamedNode(TASK_1), ox.NamedNode(str(POL.hasResponsibility)), node, ox.DefaultGraph()))
    store.raw.add(ox.Quad(node, ox.NamedNode(str(POL.agent)), ox.NamedNode(SKHCN), ox.DefaultGraph()))
    graph = concise_description(store, TASK_1)
    (blank,) = graph.objects(rdflib.URIRef(TASK_1), POL.hasResponsibility)
    assert isinstance(blank, rdflib.BNode)
    assert (blank, POL.agent, rdflib.URIRef(SKHCN)) in graph


@pytest.mark.parametrize(
    "iri",
    [
        POLID + "doc/nothing-here",
        POLID + "doc/a b",  # not an IRI at all
        POLID + "doc/x> } ; DROP ALL ; SELECT * { <y",  # injection-shaped: bound, never spliced
        "",
    ],
)
def test_unknown_iri_raises_with_suggestions(store: PolicyStore, iri: str) -> None:
    before = len(store.raw)
    with pytest.raises(UnknownResource) as info:
        concise_description(store, iri)
    assert info.value.iri == iri
    assert len(store.raw) == before


def test_suggestions_prefer_resources_below_then_close_spellings(store: PolicyStore) -> None:
    assert suggest(store, DOC_12 + "x")[0] == DOC_12
    assert suggest(store, POLID + "doc/quang-tri-so-khcn/2022/12-kh-skhcn/")[0] == DOC_12
    below = suggest(store, POLID + "doc/quang-tri-so-khcn/2022/12-kh-skhcn/task")
    assert TASK_1 in below
    (named,) = suggestions(store, [DOC_12])
    assert (named.notation, named.label) == ("12/KH-SKHCN", "Kế hoạch của Sở Khoa học và Công nghệ")
    assert suggest(store, POLID + "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz") == []


def test_agency_incoming_links_are_named_by_role_and_task_and_grouped(shipped_store: PolicyStore) -> None:
    agency = POLID + "agency/quang-tri/so-khcn"
    d = describe(shipped_store, agency)
    expected = {
        row["r"].value: (row["role"].value, row["roleEn"].value, row["task"].value)  # type: ignore[union-attr]
        for row in shipped_store.select(
            """SELECT ?r ?role ?roleEn ?task WHERE {
                 ?r pol:agent ?agency ; pol:role ?c . ?t pol:hasResponsibility ?r ; rdfs:label ?task .
                 ?c skos:prefLabel ?role , ?roleEn . FILTER(lang(?role) = "vi" && lang(?roleEn) = "en")
               }""",
            {"agency": ox.NamedNode(agency)},
        )
    }
    named = {link.subject.value: link.subject for link in d.incoming if link.predicate.value == str(POL.agent)}
    assert len(expected) > 20 and set(named) == set(expected)
    for iri, (role, role_en, task) in expected.items():
        assert (named[iri].label, named[iri].english) == (f"{role}: {task}", f"{role_en}: {task}")
    # Nothing that points at the agency is left as a bare IRI.
    assert all(link.subject.label or link.subject.notation for link in d.incoming)
    groups = d.incoming_groups
    assert [g.predicate.value for g in groups] == sorted({link.predicate.value for link in d.incoming})
    assert sum(len(g.subjects) for g in groups) == len(d.incoming)
