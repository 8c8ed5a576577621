"""app.domain.names: every way a person names a thing, resolved on the shipped data.

One table of namings (``NAMINGS``) drives this test and the entry-point test
(tests/api/test_naming.py): each row is a text a person types, the kind of thing it names, and
the outcome: one IRI, a 409 with these candidates, or a 404 that suggests this IRI.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pytest

from app.core.errors import (
    AmbiguousAgency,
    AmbiguousDocument,
    AmbiguousEntity,
    ParameterError,
    UnknownAgency,
    UnknownDocument,
    UnknownEntity,
)
from app.domain.names import Kind, resolve
from app.store.policy_store import PolicyStore
from tests.support.project import POLID

DOC_52 = POLID + "doc/bo-chinh-tri/2019/52-nq-tw"
DOC_57 = POLID + "doc/bo-chinh-tri/2024/57-nq-tw"
DOC_190 = POLID + "doc/tu-quang-tri/2020/190-kh-tu"
DRAFT_190 = POLID + "doc/ubnd-quang-tri/draft/ke-hoach-trien-khai-190-kh-tu"  # a draft: no number
DOC_3917 = POLID + "doc/ubnd-quang-tri/2020/3917-ubnd"
NQ_CP_63 = POLID + "doc/chinh-phu/2017/63-nq-cp"
KL_63 = POLID + "doc/bch-tw/2013/63-kl-tw"
SKHCN_QT = POLID + "agency/quang-tri/so-khcn"
SKHCN_TH = POLID + "agency/thanh-hoa/so-khcn"
DIGITAL_ECONOMY = POLID + "indicator/digital-economy-share-grdp"
QUANG_TRI = POLID + "area/quang-tri"


@dataclass(frozen=True, slots=True)
class Naming:
    """A way of naming: what is typed, and what it must give (exactly one of the three)."""

    kind: Kind
    text: str
    issuer: str | None = None
    iri: str | None = None  # resolves to this
    candidates: frozenset[str] = frozenset()  # a 409 offering at least these
    suggests: str | None = None  # a 404 suggesting this

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.text}" + (f"@{self.issuer}" if self.issuer else "")


NAMINGS = [
    # documents: IRI, CURIE, key, number with and without issuer, bare number, type + number
    Naming("document", DOC_190, iri=DOC_190),
    Naming("document", "polid:doc/tu-quang-tri/2020/190-kh-tu", iri=DOC_190),
    Naming("document", "tu-quang-tri/2020/190-kh-tu", iri=DOC_190),
    Naming("document", "ubnd-quang-tri/draft/ke-hoach-trien-khai-190-kh-tu", iri=DRAFT_190),
    Naming("document", "190-KH/TU", iri=DOC_190),
    Naming("document", "190-KH/TU Quảng Trị", iri=DOC_190),
    Naming("document", "190-KH/TU", issuer="Tỉnh ủy Quảng Trị", iri=DOC_190),
    Naming("document", "52-NQ/TW", iri=DOC_52),
    Naming("document", "52/NQ-TW", iri=DOC_52),
    Naming("document", "52", iri=DOC_52),
    Naming("document", "Nghị quyết 52", iri=DOC_52),
    Naming("document", "nghi quyet 52", iri=DOC_52),
    Naming("document", "NQ 52", iri=DOC_52),
    Naming("document", "57-NQ/TW", iri=DOC_57),
    Naming("document", "Công văn 3917", iri=DOC_3917),
    # 63/NQ-CP (Chính phủ) and 63-KL/TW (Ban Chấp hành Trung ương): a bare number two issuers use
    Naming("document", "63", candidates=frozenset({NQ_CP_63, KL_63})),
    Naming("document", "190-KH/TX", suggests=DOC_190),
    # agencies: IRI, CURIE, key, name, abbreviation, no accents
    Naming("agency", SKHCN_QT, iri=SKHCN_QT),
    Naming("agency", "polid:agency/quang-tri/so-khcn", iri=SKHCN_QT),
    Naming("agency", "quang-tri/so-khcn", iri=SKHCN_QT),
    Naming("agency", "Sở Khoa học và Công nghệ tỉnh Quảng Trị", iri=SKHCN_QT),
    Naming("agency", "Sở KH&CN Quảng Trị", iri=SKHCN_QT),
    Naming("agency", "Sở KHCN Quảng Trị", iri=SKHCN_QT),
    Naming("agency", "so khcn quang tri", iri=SKHCN_QT),
    Naming("agency", unicodedata.normalize("NFD", "Sở KH&CN Thanh Hóa"), iri=SKHCN_TH),
    Naming("agency", "Sở KH&CN", candidates=frozenset({SKHCN_QT, SKHCN_TH})),
    Naming("agency", "KH&CN", candidates=frozenset({SKHCN_QT, SKHCN_TH})),
    Naming("agency", "so-khcn", candidates=frozenset({SKHCN_QT, SKHCN_TH})),
    Naming("agency", "polid:agency/quang-tri/so-khcnn", suggests=SKHCN_QT),
    # indicators and areas
    Naming("indicator", "kinh te so", iri=DIGITAL_ECONOMY),
    Naming("indicator", "digital-economy-share-grdp", iri=DIGITAL_ECONOMY),
    Naming("indicator", "polid:indicator/digital-economy-share-grdp", iri=DIGITAL_ECONOMY),
    Naming("indicator", "5G", candidates=frozenset({POLID + "indicator/mobile-5g-coverage"})),
    Naming("area", "Quảng Trị", iri=QUANG_TRI),
    Naming("area", "quang tri", iri=QUANG_TRI),
    Naming("area", "quang-tri", iri=QUANG_TRI),
    Naming("area", "polid:area/quang-trj", suggests=QUANG_TRI),
]

#: What each kind raises when a name fits several, or none.
AMBIGUOUS: dict[Kind, type[Exception]] = {
    "document": AmbiguousDocument,
    "agency": AmbiguousAgency,
    "area": AmbiguousEntity,
    "indicator": AmbiguousEntity,
}
UNKNOWN: dict[Kind, type[Exception]] = {
    "document": UnknownDocument,
    "agency": UnknownAgency,
    "area": UnknownEntity,
    "indicator": UnknownEntity,
}


@pytest.mark.parametrize("naming", NAMINGS, ids=lambda n: n.id)
def test_each_way_of_naming(shipped_store: PolicyStore, naming: Naming) -> None:
    if naming.iri is not None:
        assert resolve(shipped_store, naming.kind, naming.text, issuer=naming.issuer) == naming.iri
    elif naming.candidates:
        with pytest.raises(AMBIGUOUS[naming.kind]) as ambiguous:
            resolve(shipped_store, naming.kind, naming.text, issuer=naming.issuer)
        offered = [c.iri for c in ambiguous.value.candidates]  # type: ignore[attr-defined]
        assert naming.candidates <= set(offered) and len(offered) >= 2
    else:
        with pytest.raises(UNKNOWN[naming.kind]) as unknown:
            resolve(shipped_store, naming.kind, naming.text, issuer=naming.issuer)
        assert naming.suggests in [s.iri for s in unknown.value.suggestions]  # type: ignore[attr-defined]


def test_a_number_is_never_picked_among_issuers(shipped_store: PolicyStore) -> None:
    """Every candidate of an ambiguous number has that number, each from its own issuer."""
    with pytest.raises(AmbiguousDocument) as ambiguous:
        resolve(shipped_store, "document", "63")
    notations = [c.notation for c in ambiguous.value.candidates]
    assert all(n and n.lstrip("0").startswith("63") for n in notations)
    assert len({c.issuer for c in ambiguous.value.candidates}) == len(notations)
    assert all(c.kind == "document" for c in ambiguous.value.candidates)


def test_candidates_say_kind_and_province(shipped_store: PolicyStore) -> None:
    with pytest.raises(AmbiguousAgency) as ambiguous:
        resolve(shipped_store, "agency", "Sở KH&CN")
    by_iri = {c.iri: c for c in ambiguous.value.candidates}
    assert by_iri[SKHCN_QT].kind == "agency"
    assert (by_iri[SKHCN_QT].area, by_iri[SKHCN_QT].area_label) == (QUANG_TRI, "Tỉnh Quảng Trị")
    # a 409 of an agency is a 409 of an entity: a caller may catch either
    assert isinstance(ambiguous.value, AmbiguousEntity)


@pytest.mark.parametrize("kind", ["document", "agency", "area", "indicator"])
@pytest.mark.parametrize("text", ["", "   ", "\x00", "x" * 1001])
def test_blank_or_overlong_is_a_parameter_error(shipped_store: PolicyStore, kind: Kind, text: str) -> None:
    with pytest.raises(ParameterError):
        resolve(shipped_store, kind, text)
