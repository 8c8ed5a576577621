"""Who is responsible, agency names and duties on the shipped data (app.domain.responsibility)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from app.core.errors import AmbiguousAgency, ParameterError, UnknownAgency
from app.domain.names import resolve_agency
from app.domain.responsibility import ROLE_DRAFT, duties, find_responsible
from app.search.index import SearchIndex
from app.store.policy_store import PolicyStore

ID = "https://w3id.org/policykg/id/"
SKHCN_QT = ID + "agency/quang-tri/so-khcn"
SKHCN_TH = ID + "agency/thanh-hoa/so-khcn"
VP_UBND_TH = ID + "agency/thanh-hoa/van-phong-ubnd"
DOC_52 = ID + "doc/bo-chinh-tri/2019/52-nq-tw"
DOC_57 = ID + "doc/bo-chinh-tri/2024/57-nq-tw"
DOC_190 = ID + "doc/tu-quang-tri/2020/190-kh-tu"
DOC_3917 = ID + "doc/ubnd-quang-tri/2020/3917-ubnd"
DOC_47 = ID + "doc/ubnd-quang-tri/2024/47-kh-ubnd"
DRAFT_QT = ID + "doc/ubnd-quang-tri/draft/ke-hoach-trien-khai-190-kh-tu"
DRAFT_TH = ID + "doc/ubnd-thanh-hoa/draft/ke-hoach-trien-khai-50-nq-cp"
SCHEME_QT = ID + "doc/so-khcn-quang-tri/draft/de-an-chinh-sach-dot-pha-khcn-dmst-cds"


def first(index: SearchIndex, store: PolicyStore, text: str):
    answer = find_responsible(index, store, text, limit=5)
    assert answer.results, text
    return answer.results[0]


def test_a_document_task_belongs_to_its_document_and_climbs_to_the_national_root(
    shipped_index: SearchIndex, shipped_store: PolicyStore
) -> None:
    result = first(shipped_index, shipped_store, "tham mưu thực hiện Kế hoạch 190-KH/TU")
    assert (result.agency.iri, result.role) == (SKHCN_QT, "lead")
    assert result.document is not None and result.document.iri == DOC_3917
    assert result.document.notation == "3917/UBND"
    assert [(s.notation, s.depth) for s in result.lineage] == [("3917/UBND", 0), ("190-KH/TU", 1), ("52-NQ/TW", 2)]
    assert result.lineage[-1].issuer == ID + "agency/vn/bo-chinh-tri" and result.lineage[-1].date == "2019-09-27"
    assert [s.iri for s in result.sources] == [ID + "source/000_5cc84be3d7069e89"]
    assert result.sources[0].title.startswith("Hội thảo góp ý")


def test_a_task_group_task_belongs_to_the_groups_document(shipped_index: SearchIndex, shipped_store: PolicyStore) -> None:
    result = first(shipped_index, shipped_store, "truy xuất nguồn gốc, mã số mã vạch")
    assert (result.agency.iri, result.role) == (SKHCN_QT, "assigned")
    assert result.document is not None and result.document.iri == DRAFT_QT
    assert result.document.notation is None and result.document.label.startswith("Dự thảo Kế hoạch")
    assert [s.iri for s in result.lineage] == [DRAFT_QT, DOC_190, DOC_52]


def test_a_meeting_task_belongs_to_the_document_it_concerns(shipped_index: SearchIndex, shipped_store: PolicyStore) -> None:
    # Assigned at the Thanh Hóa conference; it concerns both the draft plan (which the conference
    # discusses) and the congress resolution: the discussed draft is the task's document.
    result = first(shipped_index, shipped_store, "bảng số liệu hiện trạng và mục tiêu đến 2025, 2045")
    assert (result.agency.iri, result.role) == (SKHCN_TH, "lead")
    assert result.document is not None and result.document.iri == DRAFT_TH
    assert {s.notation for s in result.lineage} >= {"50/NQ-CP", "52-NQ/TW"}


def test_one_result_per_agency_of_a_task_lead_before_coordinator(shipped_index: SearchIndex, shipped_store: PolicyStore) -> None:
    results = find_responsible(shipped_index, shipped_store, "thống nhất thể thức và phương thức ban hành văn bản", limit=2).results
    assert [(r.agency.iri, r.role) for r in results] == [(SKHCN_TH, "lead"), (VP_UBND_TH, "coordinate")]
    assert results[0].task == results[1].task and results[0].score > results[1].score


def test_drafting_answers_for_a_document_and_for_its_unassigned_tasks(
    shipped_index: SearchIndex, shipped_store: PolicyStore
) -> None:
    drafting = first(shipped_index, shipped_store, "ai soạn thảo Kế hoạch 47/KH-UBND?")
    assert (drafting.agency.iri, drafting.role, drafting.task.iri) == (SKHCN_QT, ROLE_DRAFT, DOC_47)
    assert [s.notation for s in drafting.lineage][:1] == ["47/KH-UBND"] and drafting.lineage[-1].iri == DOC_57
    # The draft scheme's support policies name no agency: the department that drafts it answers.
    policy = first(shipped_index, shipped_store, "hỗ trợ doanh nghiệp mua hoặc thuê nền tảng số")
    assert (policy.agency.iri, policy.role) == (SKHCN_QT, ROLE_DRAFT)
    assert policy.task.iri.startswith(SCHEME_QT + "/task/") and policy.document is not None
    assert policy.document.iri == SCHEME_QT


def test_naming_the_agency_lifts_its_tasks(shipped_index: SearchIndex, shipped_store: PolicyStore) -> None:
    plain = find_responsible(shipped_index, shipped_store, "dự thảo kế hoạch", limit=10).results
    named = find_responsible(shipped_index, shipped_store, "KH&CN Thanh Hóa dự thảo kế hoạch", limit=3).results
    assert {r.agency.iri for r in named} == {SKHCN_TH}
    assert any(r.agency.iri != SKHCN_TH for r in plain)


def test_results_are_ordered_and_limited(shipped_index: SearchIndex, shipped_store: PolicyStore) -> None:
    answer = find_responsible(shipped_index, shipped_store, "đổi mới sáng tạo", limit=7)
    assert len(answer.results) == 7
    scores = [r.score for r in answer.results]
    assert scores == sorted(scores, reverse=True)
    assert len({(r.task.iri, r.agency.iri) for r in answer.results}) == 7


def test_no_match_is_an_empty_answer_and_blank_is_an_error(shipped_index: SearchIndex, shipped_store: PolicyStore) -> None:
    assert find_responsible(shipped_index, shipped_store, "Привет 🙂").results == []
    with pytest.raises(ParameterError):
        find_responsible(shipped_index, shipped_store, " \t ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sở KH&CN Quảng Trị", SKHCN_QT),
        ("so khcn quang tri", SKHCN_QT),
        ("Sở Khoa học và Công nghệ tỉnh Thanh Hoá", SKHCN_TH),
        ("Department of Science and Technology Thanh Hoa", SKHCN_TH),
        ("Sở Khoa học và Công nghiệp", SKHCN_TH),  # as the article misspells it (pol:statedAs)
        ("Văn phòng UBND Thanh Hóa", VP_UBND_TH),  # bare "Văn phòng UBND" is Thanh Hóa's or Bạc Liêu's since passage 12
        ("BCT", ID + "agency/vn/bo-chinh-tri"),
        ("polid:agency/quang-tri/so-khcn", SKHCN_QT),
        (SKHCN_TH, SKHCN_TH),
    ],
)
def test_resolve_agency(shipped_store: PolicyStore, text: str, expected: str) -> None:
    assert resolve_agency(shipped_store, text) == expected


def test_ambiguous_agency_lists_the_candidates(shipped_store: PolicyStore) -> None:
    with pytest.raises(AmbiguousAgency) as info:
        resolve_agency(shipped_store, "Sở KH&CN")
    assert {c.iri for c in info.value.candidates} == {SKHCN_QT, SKHCN_TH}
    assert "Sở Khoa học và Công nghệ tỉnh Quảng Trị" in str(info.value)


def test_unknown_agency_suggests_close_names(shipped_store: PolicyStore) -> None:
    with pytest.raises(UnknownAgency) as info:
        resolve_agency(shipped_store, "polid:agency/quang-tri/so-khcnn")
    assert info.value.suggestions[0].iri == SKHCN_QT and "did you mean" in str(info.value)
    with pytest.raises(UnknownAgency) as info:
        resolve_agency(shipped_store, "Sở Tài chính Hà Nội")
    assert all(s.iri.startswith(ID + "agency/") for s in info.value.suggestions)


def test_duties_group_tasks_by_document_and_task_group(shipped_index: SearchIndex, shipped_store: PolicyStore) -> None:
    result = duties(shipped_index, SKHCN_QT)
    assert result.agency.label == "Sở Khoa học và Công nghệ tỉnh Quảng Trị"
    by_doc = {d.document.iri: d for d in result.documents if d.document}
    assert set(by_doc) == {DOC_3917, DRAFT_QT, SCHEME_QT}
    plan = by_doc[DRAFT_QT]
    # Groups 1-7 (group 8 names no task of the department), then the task the workshop on the
    # draft assigned, which hangs under no group.
    assert [g.ordinal for g in plan.groups] == [1, 2, 3, 4, 5, 6, 7, None]
    assert [t.iri.rsplit("/", 1)[-1] for t in plan.groups[-1].tasks] == ["tong-hop-y-kien"]
    group4 = next(g for g in plan.groups if g.ordinal == 4)
    assert len(group4.tasks) == 12 and group4.tasks[0].iri.endswith("/task-group/4/task/1")
    assert group4.tasks[-1].iri.endswith("/task-group/4/task/12")
    roles = {t.role for d in result.documents for g in d.groups for t in g.tasks}
    assert roles == {"lead", "coordinate", "advise", "assigned", ROLE_DRAFT}
    # Every task the graph gives the agency (any role) is listed once.
    rows = shipped_store.select_python(
        "SELECT DISTINCT ?t { ?t ?p ?agency . ?r pol:roleProperty ?p }", {"agency": ox.NamedNode(SKHCN_QT)}
    )
    direct = {t.iri for d in result.documents for g in d.groups for t in g.tasks if t.role != ROLE_DRAFT}
    assert direct == {r["t"] for r in rows}
    assert {d.iri for d in result.drafted} == {DOC_47, DRAFT_QT, SCHEME_QT}
    assert result.task_count == sum(len(g.tasks) for d in result.documents for g in d.groups)
