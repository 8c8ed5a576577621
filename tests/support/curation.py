"""Hand-written drafts of a new province's plan, and a dump of every quad to compare a store before and after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pyoxigraph as ox

from app.store.policy_store import PolicyStore

POLID = "https://w3id.org/policykg/id/"
#: 57-NQ/TW as the shipped data names it.
DOC_57 = POLID + "doc/bo-chinh-tri/2024/57-nq-tw"
#: The plan every draft below states, and its lead agency (both new to the shipped graph).
PLAN = POLID + "doc/tinh-uy-ha-tinh/2025/12-kh-tu"
DEPARTMENT = POLID + "agency/ha-tinh/so-khcn"
AREA = POLID + "area/ha-tinh"


def plan_draft(name: str, *, date: str = "2025-03-10", tasks: int = 1, extra: str = "", task_word: str = "Hồng Lĩnh") -> str:
    """A reviewed draft: Hà Tĩnh's Party plan 12-KH/TU implementing 57-NQ/TW, ``tasks`` tasks led by its department."""
    task_iris = " , ".join(f"<tinh-uy-ha-tinh/2025/12-kh-tu/task/{i}>" for i in range(1, tasks + 1))
    task_blocks = "\n".join(
        f"""    <tinh-uy-ha-tinh/2025/12-kh-tu/task/{i}> a pol:Task ;
        rdfs:label "Xây dựng trung tâm dữ liệu khoa học {task_word} số {i}"@vi ;
        pol:leadAgency aght:so-khcn ; pol:coordinatingAgency aght:ubnd ;
        pol:source src:{name} ."""
        for i in range(1, tasks + 1)
    )
    return f"""# A draft as a curator writes it.
@base <https://w3id.org/policykg/id/doc/> .
@prefix pol:     <https://w3id.org/policykg/ontology#> .
@prefix src:     <https://w3id.org/policykg/id/source/> .
@prefix area:    <https://w3id.org/policykg/id/area/> .
@prefix aght:    <https://w3id.org/policykg/id/agency/ha-tinh/> .
@prefix doctype: <https://w3id.org/policykg/id/document-type/> .
@prefix status:  <https://w3id.org/policykg/id/status/> .
@prefix level:   <https://w3id.org/policykg/id/level/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix org:     <http://www.w3.org/ns/org#> .

<https://w3id.org/policykg/graph/source/{name}> {{

    <tinh-uy-ha-tinh/2025/12-kh-tu> a pol:Plan ;
        pol:documentType doctype:kh ; skos:notation "12-KH/TU" ;
        rdfs:label "Kế hoạch 12-KH/TU của Tỉnh ủy Hà Tĩnh thực hiện Nghị quyết 57-NQ/TW"@vi ;
        pol:issuedBy aght:tinh-uy ; pol:issueDate "{date}"^^xsd:date ;
        pol:jurisdiction area:ha-tinh ; pol:status status:issued ;
        pol:implements <bo-chinh-tri/2024/57-nq-tw> ;
        pol:hasTask {task_iris} ;
        pol:source src:{name} .

{task_blocks}

    aght:tinh-uy a pol:Agency ;
        rdfs:label "Tỉnh ủy Hà Tĩnh"@vi ; pol:issuerCode "TU" ;
        pol:level level:provincial ; pol:jurisdiction area:ha-tinh ; pol:source src:{name} .

    aght:ubnd a pol:Agency ;
        rdfs:label "Ủy ban nhân dân tỉnh Hà Tĩnh"@vi ; skos:altLabel "UBND tỉnh Hà Tĩnh"@vi ; pol:issuerCode "UBND" ;
        pol:level level:provincial ; pol:jurisdiction area:ha-tinh ; pol:source src:{name} .

    aght:so-khcn a pol:Agency ;
        rdfs:label "Sở Khoa học và Công nghệ tỉnh Hà Tĩnh"@vi ; skos:altLabel "Sở KH&CN Hà Tĩnh"@vi ;
        org:subOrganizationOf aght:ubnd ;
        pol:level level:provincial ; pol:jurisdiction area:ha-tinh ; pol:source src:{name} .

    area:ha-tinh a pol:AdministrativeArea ;
        rdfs:label "Tỉnh Hà Tĩnh"@vi ; pol:level level:provincial ; pol:partOfArea area:vn ;
        pol:source src:{name} .

    src:{name} a pol:CuratedText ;
        dcterms:title "Kế hoạch 12-KH/TU của Tỉnh ủy Hà Tĩnh"@vi ; pol:sourceFile "ha-tinh-12-kh-tu.txt" .
{extra}
}}
"""


def dump(store: PolicyStore) -> list[str]:
    """Every quad of the store (its own state graph included) as sorted N-Quads lines."""
    data = ox.serialize(list(store.backend.quads()), format=ox.RdfFormat.N_QUADS) or b""
    return sorted(data.decode("utf-8").splitlines())


@contextmanager
def unchanged(store: PolicyStore) -> Iterator[None]:
    """The block must leave the store exactly as it was: the same quads, and the same generation."""
    before, generation = dump(store), store.generation
    yield
    assert store.generation == generation, "the store was written to"
    assert dump(store) == before, "the store's quads changed"
