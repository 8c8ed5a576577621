"""Namespaces of CONVENTIONS.md, as rdflib namespaces and as a SPARQL prefix map."""

from __future__ import annotations

from rdflib import Namespace

POL = Namespace("https://w3id.org/policykg/ontology#")
POLID = Namespace("https://w3id.org/policykg/id/")
POLG = Namespace("https://w3id.org/policykg/graph/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
CPOV = Namespace("http://data.europa.eu/m8g/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SH = Namespace("http://www.w3.org/ns/shacl#")
#: Source records: the page to open (dcat:landingPage) and the day a text was read (pav:retrievedOn).
DCAT = Namespace("http://www.w3.org/ns/dcat#")
PAV = Namespace("http://purl.org/pav/")

ONTOLOGY_GRAPH = "https://w3id.org/policykg/ontology"
GRAPH_BASE = str(POLG)
#: Where the rules of ontology/rules/*.ru write (rebuilt after every load and update).
DERIVED_GRAPH = str(POLG) + "derived"
#: The record of the last derivation (when, and an identifier other service replicas watch).
#: Not part of the union default graph: it describes the service's work, not policy.
STATE_GRAPH = str(POLG) + "state"
#: Graphs an incremental update uses while it runs (``app.store.upkeep``): what one operation may
#: have changed, and what the whole request changed. Dropped when the update's upkeep is done;
#: like the state graph, never data.
CANDIDATES_GRAPH = STATE_GRAPH + "/candidates"
CHANGED_GRAPH = STATE_GRAPH + "/changed"
#: The graphs of the service's own bookkeeping: outside the union, the dumps, VoID and the counts.
SERVICE_GRAPHS = (STATE_GRAPH, CANDIDATES_GRAPH, CHANGED_GRAPH)
_SERVICE_LIST = ", ".join(f"<{g}>" for g in SERVICE_GRAPHS)
#: A SPARQL filter on ``?g``: a graph of the dataset's data, not of the service's bookkeeping.
DATA_GRAPH_FILTER = f"FILTER(?g NOT IN ({_SERVICE_LIST}))"
#: A SPARQL pattern: every quad of the dataset's named graphs (``?g``), the service's graphs left out.
DATA_QUADS = f"GRAPH ?g {{ ?s ?p ?o }} {DATA_GRAPH_FILTER}"
#: Triples per named graph of the dataset.
GRAPH_COUNTS = f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ {DATA_QUADS} }} GROUP BY ?g ORDER BY ?g"

PREFIXES: dict[str, str] = {
    "pol": str(POL),
    "polid": str(POLID),
    "polg": str(POLG),
    "eli": str(ELI),
    "org": str(ORG),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "cpov": str(CPOV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "sh": str(SH),
}


def compact(iri: str) -> str:
    """Shorten an IRI to ``prefix:local`` with PREFIXES when a namespace matches, else return it."""
    # Longest namespace first so polid: wins over a shorter overlapping namespace.
    for prefix, ns in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri


def expand(curie_or_iri: str) -> str:
    """Expand ``prefix:local`` when the prefix is one of PREFIXES; leave anything else unchanged."""
    prefix, sep, local = curie_or_iri.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return curie_or_iri
