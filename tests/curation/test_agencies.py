"""Agency names resolved in the text's province: known ones by their names and short forms, new ones proposed."""

from __future__ import annotations

import pytest

from app.curation.agencies import AgencyResolver, find_province
from app.curation.duties import read_responsibilities
from app.curation.gazetteer import Gazetteer, KnownAgency, KnownArea
from app.search.index import Abbreviation
from app.store.policy_store import PolicyStore

ID = "https://w3id.org/policykg/id/"
QT, HT, VN = ID + "area/quang-tri", ID + "area/ha-tinh", ID + "area/vn"

GRAPH = Gazetteer(
    agencies=(
        KnownAgency(ID + "agency/quang-tri/so-khcn", ("Sở Khoa học và Công nghệ tỉnh Quảng Trị", "Sở KH&CN Quảng Trị"), QT),
        KnownAgency(ID + "agency/quang-tri/ubnd", ("Ủy ban nhân dân tỉnh Quảng Trị", "UBND tỉnh Quảng Trị"), QT),
        KnownAgency(ID + "agency/vn/bo-khcn", ("Bộ Khoa học và Công nghệ",), VN),
    ),
    areas=(
        KnownArea(VN, ("Việt Nam",)),
        KnownArea(QT, ("Tỉnh Quảng Trị",)),
        KnownArea(QT + "/thi-xa-quang-tri", ("Thị xã Quảng Trị",)),
        KnownArea(HT, ("Tỉnh Hà Tĩnh",)),
    ),
    abbreviations=(
        Abbreviation(ID + "abbreviation/khcn", "khoa hoc va cong nghe", ("kh&cn", "khcn")),
        Abbreviation(ID + "abbreviation/tttt", "thong tin va truyen thong", ("tt&tt", "tttt")),
        Abbreviation(ID + "abbreviation/ubnd", "uy ban nhan dan", ("ubnd",)),
    ),
)


def _agencies(text: str, province: str | None = None) -> list[tuple[str, str | None, bool]]:
    return [(r.agency.label, r.agency.iri, r.agency.new) for r in read_responsibilities(text, GRAPH, province)]


CASES = [
    # The same department name is Quảng Trị's in a Quảng Trị plan and Hà Tĩnh's (new) in a Hà Tĩnh one.
    (
        "KẾ HOẠCH của UBND tỉnh Quảng Trị\nSở Khoa học và Công nghệ chủ trì tổ chức hội thảo.",
        None,
        ("Sở Khoa học và Công nghệ", ID + "agency/quang-tri/so-khcn", False),
    ),
    (
        "KẾ HOẠCH của UBND tỉnh Hà Tĩnh\nSở Khoa học và Công nghệ chủ trì tổ chức hội thảo.",
        None,
        ("Sở Khoa học và Công nghệ tỉnh Hà Tĩnh", ID + "agency/ha-tinh/so-khcn", True),
    ),
    # The caller's province wins over none in the text.
    ("Sở KH&CN chủ trì tổ chức hội thảo.", HT, ("Sở KH&CN tỉnh Hà Tĩnh", ID + "agency/ha-tinh/so-khcn", True)),
    ("Sở KH&CN chủ trì tổ chức hội thảo.", QT, ("Sở KH&CN", ID + "agency/quang-tri/so-khcn", False)),
    # Short forms and accents: "Bộ KH&CN" is the ministry, wherever the plan is.
    ("Bộ KH&CN chủ trì tổ chức hội thảo.", HT, ("Bộ KH&CN", ID + "agency/vn/bo-khcn", False)),
    ("Bộ Khoa Học và Công Nghê chủ trì tổ chức hội thảo.", None, ("Bộ Khoa Học và Công Nghê", ID + "agency/vn/bo-khcn", False)),
    # An agency naming its own province explicitly is that province's.
    (
        "Kế hoạch của UBND tỉnh Hà Tĩnh.\nGiao Sở KH&CN Quảng Trị phối hợp tổ chức hội thảo.",
        None,
        ("Sở KH&CN Quảng Trị", ID + "agency/quang-tri/so-khcn", False),
    ),
    ("Ủy ban nhân dân tỉnh chủ trì tổ chức hội thảo.", QT, ("Ủy ban nhân dân tỉnh", ID + "agency/quang-tri/ubnd", False)),
    # New agencies: a short slug from the short form, the label with the province.
    (
        "Sở Thông tin và Truyền thông chủ trì tổ chức hội thảo.",
        HT,
        ("Sở Thông tin và Truyền thông tỉnh Hà Tĩnh", ID + "agency/ha-tinh/so-tttt", True),
    ),
    ("Bộ Tài chính chủ trì tổ chức hội thảo.", HT, ("Bộ Tài chính", ID + "agency/vn/bo-tai-chinh", True)),
    # A province not in the graph, read from the text: its key is its name folded.
    (
        "Sở Thông tin và Truyền thông tỉnh Đắk Nông ban hành kế hoạch.\n"
        "## Sở Thông tin và Truyền thông\n- Chủ trì thực hiện kế hoạch này.",
        None,
        ("Sở Thông tin và Truyền thông tỉnh Đắk Nông", ID + "agency/dak-nong/so-tttt", True),
    ),
    # No province known: a department cannot be placed, so it gets no IRI.
    ("Sở Tài chính chủ trì tổ chức hội thảo.", None, ("Sở Tài chính", None, True)),
]


@pytest.mark.parametrize(("text", "province", "expected"), CASES, ids=[f"{i}-{c[0][:30]}" for i, c in enumerate(CASES)])
def test_agencies_resolve_in_the_text_s_province(
    text: str, province: str | None, expected: tuple[str, str | None, bool]
) -> None:
    assert _agencies(text, province)[0] == expected


def test_the_province_is_the_one_the_text_names_most() -> None:
    text = "UBND tỉnh Hà Tĩnh … tỉnh Hà Tĩnh … như tỉnh Quảng Trị đã làm."
    found = find_province(text, GRAPH)
    assert found is not None and (found.iri, found.name) == (HT, "Hà Tĩnh")
    assert find_province("Bộ Tài chính chủ trì.", GRAPH) is None
    given = find_province("tỉnh Quảng Trị", GRAPH, HT)
    assert given is not None and given.iri == HT


def test_collectives_are_scoped_like_their_members() -> None:
    resolver = AgencyResolver(GRAPH, find_province("tỉnh Hà Tĩnh", GRAPH))
    assert resolver.resolve("các bộ, ngành, địa phương").iri == ID + "agency/vn/cac-bo-nganh-dia-phuong"
    assert resolver.resolve("Bộ, ngành, địa phương").iri == ID + "agency/vn/cac-bo-nganh-dia-phuong"
    assert resolver.resolve("các sở, ngành").iri == ID + "agency/ha-tinh/cac-so-nganh"


def test_the_shipped_graph_resolves_its_agencies_and_short_forms(shipped_store: PolicyStore) -> None:
    graph = Gazetteer.from_store(shipped_store)
    assert any(a.full == "khoa hoc va cong nghe" for a in graph.abbreviations)
    found = read_responsibilities(
        "Kế hoạch của UBND tỉnh Quảng Trị.\nSở KH&CN chủ trì, phối hợp với Sở TT&TT xây dựng đề án.", graph
    )
    assert [(r.agency.iri, r.agency.new) for r in found] == [
        (ID + "agency/quang-tri/so-khcn", False),
        (ID + "agency/quang-tri/so-tttt", True),
    ]
    thanh_hoa = read_responsibilities("Sở Khoa học và Công nghệ chủ trì xây dựng đề án.", graph, ID + "area/thanh-hoa")
    assert thanh_hoa[0].agency.iri == ID + "agency/thanh-hoa/so-khcn"
