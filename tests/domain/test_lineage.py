"""Lineage and document resolution (app.domain.lineage)."""

from __future__ import annotations

import unicodedata

import pytest

from app.core.errors import AmbiguousDocument, UnknownDocument
from app.domain.lineage import ancestors, chains_up, descendants, describe_document, lineage
from app.domain.names import resolve_document
from app.store.policy_store import PolicyStore
from tests.support.project import DOC_12, DOC_45, DOC_52, DOC_CY1, DOC_CY2, DOC_HT_190, DOC_QT_190


def depths(items: list) -> dict[str, int]:
    return {i.iri: i.depth for i in items}


def test_ancestors_three_levels_shortest_depth(store: PolicyStore) -> None:
    items = ancestors(store, DOC_12)
    # 52-NQ/TW is reachable at depth 3 (via 190) and at depth 2 (45 is based on it): 2 wins.
    assert depths(items) == {DOC_45: 1, DOC_QT_190: 2, DOC_52: 2}
    by_iri = {i.iri: i for i in items}
    assert by_iri[DOC_52].relation == "basedOn" and by_iri[DOC_52].via == DOC_45
    assert by_iri[DOC_QT_190].relation == "implements"
    assert [i.depth for i in items] == sorted(i.depth for i in items)


def test_ancestor_item_fields(store: PolicyStore) -> None:
    [item] = ancestors(store, DOC_QT_190)
    assert item.iri == DOC_52
    assert item.notation == "52-NQ/TW"
    assert item.label is not None and item.label.startswith("Nghị quyết 52-NQ/TW")
    assert item.type == "https://w3id.org/policykg/ontology#Resolution"
    assert item.issuer == "https://w3id.org/policykg/id/agency/vn/bch-tw"
    assert item.issuer_label == "Ban Chấp hành Trung ương"  # @vi preferred over @en
    assert item.date == "2019-09-27"
    assert (item.depth, item.relation) == (1, "implements")


def test_descendants(store: PolicyStore) -> None:
    items = descendants(store, DOC_52)
    assert depths(items) == {DOC_QT_190: 1, DOC_HT_190: 1, DOC_45: 1, DOC_12: 2}


def test_max_depth(store: PolicyStore) -> None:
    assert depths(ancestors(store, DOC_12, max_depth=1)) == {DOC_45: 1}
    assert depths(descendants(store, DOC_52, max_depth=1)) == {DOC_QT_190: 1, DOC_HT_190: 1, DOC_45: 1}


def test_cycles_terminate(store: PolicyStore) -> None:
    assert depths(ancestors(store, DOC_CY1)) == {DOC_CY2: 1}
    assert depths(descendants(store, DOC_CY1)) == {DOC_CY2: 1}


def test_lineage_bundle(store: PolicyStore) -> None:
    result = lineage(store, DOC_45)
    assert result.document == describe_document(store, DOC_45)
    assert result.document.depth == 0 and result.document.notation == "45/KH-UBND"
    assert depths(result.ancestors) == {DOC_QT_190: 1, DOC_52: 1}
    assert depths(result.descendants) == {DOC_12: 1}


def test_resolve_unique_notation_in_any_spelling(store: PolicyStore) -> None:
    for spelling in ("52-NQ/TW", "52-nq/tw", " 52 NQ TW ", "52/NQ-TW"):
        assert resolve_document(store, spelling) == DOC_52


def test_resolve_ambiguous_notation_lists_both(store: PolicyStore) -> None:
    with pytest.raises(AmbiguousDocument) as info:
        resolve_document(store, "190-KH/TU")
    assert {c.iri for c in info.value.candidates} == {DOC_QT_190, DOC_HT_190}
    assert {c.issuer_label for c in info.value.candidates} == {"Tỉnh ủy Quảng Trị", "Tỉnh ủy Hà Tĩnh"}


@pytest.mark.parametrize(
    ("issuer", "expected"),
    [
        ("quang-tri", DOC_QT_190),
        ("Hà Tĩnh", DOC_HT_190),
        (unicodedata.normalize("NFD", "Tỉnh ủy Hà Tĩnh"), DOC_HT_190),
        ("https://w3id.org/policykg/id/agency/quang-tri/tinh-uy", DOC_QT_190),
        ("polid:agency/ha-tinh/tinh-uy", DOC_HT_190),
    ],
)
def test_resolve_with_issuer(store: PolicyStore, issuer: str, expected: str) -> None:
    assert resolve_document(store, "190-KH/TU", issuer=issuer) == expected


def test_resolve_by_iri_and_curie(store: PolicyStore) -> None:
    assert resolve_document(store, DOC_45) == DOC_45
    assert resolve_document(store, "polid:doc/quang-tri-ubnd/2021/45-kh-ubnd") == DOC_45


def test_unknown_notation_suggests_close_matches(store: PolicyStore) -> None:
    with pytest.raises(UnknownDocument) as info:
        resolve_document(store, "190-KH/TY")
    assert {s.iri for s in info.value.suggestions} >= {DOC_QT_190, DOC_HT_190}


def test_known_number_wrong_issuer_suggests_same_number(store: PolicyStore) -> None:
    with pytest.raises(UnknownDocument) as info:
        resolve_document(store, "190-KH/TU", issuer="Đà Nẵng")
    assert {s.iri for s in info.value.suggestions} == {DOC_QT_190, DOC_HT_190}


def test_unknown_iri(store: PolicyStore) -> None:
    with pytest.raises(UnknownDocument) as info:
        resolve_document(store, "polid:doc/quang-tri-ubnd/2021/46-kh-ubnd")
    assert DOC_45 in {s.iri for s in info.value.suggestions}


def test_nothing_close(store: PolicyStore) -> None:
    with pytest.raises(UnknownDocument) as info:
        resolve_document(store, "zzzzzzzzzz")
    assert info.value.suggestions == []


def test_chains_up_equal_each_documents_own_walk(store: PolicyStore) -> None:
    """The batch walk gives every document the chain its own walk gives (itself, then ancestors)."""
    documents = [DOC_12, DOC_45, DOC_QT_190, DOC_52, DOC_CY1]
    chains = chains_up(store, documents)
    assert list(chains) == documents
    for doc in documents:
        assert chains[doc] == [describe_document(store, doc), *ancestors(store, doc)]
    assert [i.depth for i in chains[DOC_12]] == [0, 1, 2, 2]
    assert chains_up(store, []) == {}


def test_lineage_does_not_load_the_search_index() -> None:
    """Resolving a document needs the text rules of search (normalise), not its 900-line index."""
    import subprocess
    import sys

    code = "import sys, app.domain.lineage; print('app.search.index' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
