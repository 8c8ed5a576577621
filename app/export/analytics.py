"""Graph analytics with networkx over the whole graph (the same mapping as the exports).

* which agency carries most duties, per role (lead, coordinate, advise, assigned, draft), counted
  as everywhere else by app.domain.responsibility.duty_counts (distinct tasks, not roles);
* which documents fan out most: how many documents implement or are based on them, directly
  and through others;
* where chains stop before a national resolution: documents that carry out nothing recorded
  although they are not national, and documents from which no national document is reachable;
* weakly connected components: islands of the graph that nothing links together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.domain.responsibility import ROLE_DRAFT, duty_counts
from app.export.graph import build_graph
from app.search.index import SearchIndex

if TYPE_CHECKING:
    import networkx as nx

    from app.store.policy_store import PolicyStore

__all__ = ["AgencyDuties", "Analytics", "ChainStop", "Component", "DocumentFanOut", "DocumentInfo", "analyse"]

# Edges that make one document carry out another (subject → the document it carries out).
_LINEAGE_RELATIONS = frozenset({"implements", "basedOn"})
_NATIONAL = "national"
_ROLES = """
SELECT DISTINCT ?code WHERE { ?concept pol:roleProperty ?property ; skos:notation ?code }
ORDER BY ?code"""


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """A document as analytics report it."""

    iri: str
    notation: str | None
    label: str
    level: str | None = None


@dataclass(frozen=True, slots=True)
class AgencyDuties:
    """How many duties an agency holds: ``total`` (= ``tasks``) distinct tasks, and per role the tasks holding it."""

    iri: str
    label: str
    total: int
    tasks: int
    roles: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DocumentFanOut:
    """How many documents carry a document out: directly, and directly or through others."""

    document: DocumentInfo
    direct: int
    transitive: int


@dataclass(frozen=True, slots=True)
class ChainStop:
    """A document that carries out nothing in the graph although it is not national.

    ``below`` lists the documents whose chain leads up to it.
    """

    document: DocumentInfo
    below: list[DocumentInfo] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Component:
    """A weakly connected component: its size, the documents in it and its best-linked members."""

    size: int
    documents: list[DocumentInfo] = field(default_factory=list)
    hubs: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Analytics:
    """Everything ``analyse`` computes."""

    roles: list[str]
    agencies: list[AgencyDuties]
    documents: list[DocumentFanOut]
    chain_stops: list[ChainStop]
    unanchored: list[DocumentInfo]
    components: list[Component]
    nodes: int
    edges: int

    @property
    def component_count(self) -> int:
        """How many weakly connected components the graph has."""
        return len(self.components)


def _ref(graph: nx.MultiDiGraph, node: str) -> DocumentInfo:
    data = graph.nodes[node]
    return DocumentInfo(iri=node, notation=data.get("notation"), label=data["label"], level=data.get("level"))


def _sort_key(ref: DocumentInfo) -> tuple[str, str]:
    return (ref.notation or ref.label, ref.iri)


def _document_graph(graph: nx.MultiDiGraph) -> nx.DiGraph:
    """Documents and the implements/basedOn edges between them (child → what it carries out)."""
    import networkx as nx  # imported when used: 0.2 s off every start

    documents = nx.DiGraph()
    documents.add_nodes_from(n for n, kind in graph.nodes(data="kind") if kind == "document")
    documents.add_edges_from(
        (u, v) for u, v, relation in graph.edges(data="relation")
        if relation in _LINEAGE_RELATIONS and u in documents and v in documents
    )
    return documents


def agency_duties(index: SearchIndex, roles: list[str]) -> list[AgencyDuties]:
    """Agencies with at least one duty, most duties first (the count of app.domain.responsibility)."""
    columns = sorted(set(roles) | {ROLE_DRAFT})
    ranked = [
        AgencyDuties(
            iri=agency,
            label=index.agencies[agency].label if agency in index.agencies else agency,
            total=count.tasks,
            tasks=count.tasks,
            # Every role of the scheme, zero included, so tables line up.
            roles={role: count.roles.get(role, 0) for role in sorted(set(columns) | set(count.roles))},
        )
        for agency, count in duty_counts(index).items()
    ]
    return sorted(ranked, key=lambda a: (-a.total, -a.roles.get("lead", 0), a.label, a.iri))


def fan_out(graph: nx.MultiDiGraph, documents: nx.DiGraph) -> list[DocumentFanOut]:
    """Documents that at least one document carries out, widest fan-out first."""
    import networkx as nx  # imported when used: 0.2 s off every start

    result = [
        DocumentFanOut(
            document=_ref(graph, d),
            direct=documents.in_degree(d),
            # nx.ancestors follows edges backwards: everything whose chain leads up to d.
            transitive=len(nx.ancestors(documents, d)),
        )
        for d in documents
        if documents.in_degree(d)
    ]
    return sorted(result, key=lambda f: (-f.transitive, -f.direct, _sort_key(f.document)))


def chain_stops(graph: nx.MultiDiGraph, documents: nx.DiGraph) -> tuple[list[ChainStop], list[DocumentInfo]]:
    """Non-national documents at the top of a chain, and documents that reach no national one."""
    import networkx as nx  # imported when used: 0.2 s off every start

    national = {d for d in documents if graph.nodes[d].get("level") == _NATIONAL}
    stops = [
        ChainStop(
            document=_ref(graph, d),
            below=sorted((_ref(graph, b) for b in nx.ancestors(documents, d)), key=_sort_key),
        )
        for d in documents
        if documents.out_degree(d) == 0 and d not in national
    ]
    unanchored = [
        _ref(graph, d) for d in documents
        if d not in national and not (nx.descendants(documents, d) & national)
    ]
    return (
        sorted(stops, key=lambda s: (-len(s.below), _sort_key(s.document))),
        sorted(unanchored, key=_sort_key),
    )


def components(graph: nx.MultiDiGraph, hubs: int = 5) -> list[Component]:
    """Weakly connected components, largest first, each with the labels of its ``hubs`` best-linked members."""
    import networkx as nx  # imported when used: 0.2 s off every start

    found = [
        Component(
            size=len(members),
            documents=sorted(
                (_ref(graph, n) for n in members if graph.nodes[n].get("kind") == "document"), key=_sort_key
            ),
            hubs=[
                graph.nodes[n]["label"]
                for n in sorted(members, key=lambda n: (-graph.degree(n), graph.nodes[n]["label"], n))[:hubs]
            ],
        )
        for members in nx.weakly_connected_components(graph)
    ]
    return sorted(found, key=lambda c: (-c.size, [_sort_key(d) for d in c.documents]))


def analyse(store: PolicyStore, index: SearchIndex | None = None) -> Analytics:
    """Compute every analysis over the whole graph (``index``: the store's search index, else built)."""
    graph = build_graph(store).graph
    if index is None or index.generation != store.current_generation():
        index = SearchIndex.load_or_build(store)
    roles = [str(row["code"]) for row in store.select_python(_ROLES)]
    documents = _document_graph(graph)
    stops, unanchored = chain_stops(graph, documents)
    return Analytics(
        roles=roles,
        agencies=agency_duties(index, roles),
        documents=fan_out(graph, documents),
        chain_stops=stops,
        unanchored=unanchored,
        components=components(graph),
        nodes=graph.number_of_nodes(),
        edges=graph.number_of_edges(),
    )
