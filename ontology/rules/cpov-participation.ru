# title: CPOV participations from direct role properties
# description: For every task and agency linked by a role property (pol:leadAgency, pol:coordinatingAgency,
#   pol:advisingAgency, pol:assignedAgency), derive the qualified CPOV form: a pol:Responsibility
#   (a cpov:Participation) with pol:agent, pol:role and the task's sources, in the derived graph.
#   Curators write the direct properties; this rule runs on every load, so the two never disagree.
# focus: ?task
#   Everything it derives is about a task or a participation minted under the task's IRI, so an
#   update re-derives the tasks it touches alone (app/store/upkeep.py).
PREFIX pol: <https://w3id.org/policykg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
INSERT {
  GRAPH <https://w3id.org/policykg/graph/derived> {
    ?task pol:hasResponsibility ?participation .
    ?participation a pol:Responsibility ; pol:agent ?agency ; pol:role ?role ; pol:source ?source .
  }
}
WHERE {
  ?role pol:roleProperty ?property ; skos:notation ?roleKey .
  ?task a pol:Task ; ?property ?agency .
  # Only from well-formed statements: a link to an undescribed agency is reported by
  # dangling-reference-violation.rq, not copied into the derived graph.
  ?agency a pol:Agency .
  OPTIONAL { ?task pol:source ?source }
  BIND(IRI(CONCAT(STR(?task), "/responsibility/", STR(?roleKey), "/",
                  REPLACE(STR(?agency), "^https://w3id.org/policykg/id/agency/", ""))) AS ?participation)
}
