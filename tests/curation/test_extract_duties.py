"""The extractor's summary carries the responsibilities, as the issue's JSON gives them."""

from __future__ import annotations

from app.curation.extract import ExtractionContext, extract
from app.curation.gazetteer import Gazetteer, KnownArea

ID = "https://w3id.org/policykg/id/"


def test_the_summary_lists_responsibilities_with_agency_role_task_deliverable_deadline_span() -> None:
    text = (
        "Sở Khoa học và Công nghệ chủ trì, phối hợp với Sở Tài chính xây dựng, trình UBND tỉnh ban hành "
        "Đề án hỗ trợ doanh nghiệp trong quý II/2025."
    )
    graph = Gazetteer(areas=(KnownArea(ID + "area/ha-tinh", ("Tỉnh Hà Tĩnh",)),))
    summary = extract(text, ExtractionContext(graph, province=ID + "area/ha-tinh")).as_json()
    responsibilities = summary["responsibilities"]
    assert [(r["agency"]["label"], r["agency"]["iri"], r["agency"]["new"], r["role"]) for r in responsibilities] == [
        ("Sở Khoa học và Công nghệ tỉnh Hà Tĩnh", ID + "agency/ha-tinh/so-khoa-hoc-va-cong-nghe", True, "lead"),
        ("Sở Tài chính tỉnh Hà Tĩnh", ID + "agency/ha-tinh/so-tai-chinh", True, "coordinate"),
    ]
    for r in responsibilities:
        assert r["task"].startswith("xây dựng, trình UBND tỉnh ban hành Đề án")
        assert (r["deliverable"], r["deadline"]) == ("Đề án của UBND tỉnh", "2025-06")
        start, end = r["span"]
        assert summary["text"][start:end] == text.rstrip(".")
