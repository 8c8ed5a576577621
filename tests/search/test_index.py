"""Text normalisation, abbreviations from the store, phrase ranking and bad input (app.search.index)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.errors import ParameterError
from app.core.text import fold
from app.search.index import (
    MAX_QUERY_CHARS,
    Entry,
    SearchIndex,
    TextIndex,
    TextNormaliser,
    clean_query,
    load_abbreviations,
)
from app.store.policy_store import PolicyStore

NASTY = [
    "\x00",
    "\x00đổi mới\x00",
    "a\u202eb\u202c",
    "\u200b\ufeff",
    "\u0301\u0300\u0303",
    "Привет, мир",
    "🙂🔥💥",
    "שלום עולם",
    "مرحبا بالعالم",
    "日本語のテキスト",
    "'; DROP TABLE tasks; --",
    '" } UNION { ?s ?p ?o } #',
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "KH&CN " * 150,
    "đ" * 900,
    "a-b/c&d.e",
    "\t\n\r  x  ",
    "190-KH/TU/ThU-UBND-CP-TW",
    "ﬁ æ ø ł ß",
]


@pytest.fixture(scope="module")
def normaliser(shipped_store: PolicyStore) -> TextNormaliser:
    return TextNormaliser(load_abbreviations(shipped_store))


def tokens(normaliser: TextNormaliser, text: str) -> list[str]:
    return normaliser.vi_tokens(text)


def test_accents_case_nfd_and_tone_placement_all_meet(normaliser: TextNormaliser) -> None:
    expected = tokens(normaliser, "Đổi mới sáng tạo")
    assert expected == ["doi", "moi", "sang", "tao"]
    for variant in (
        "doi moi sang tao",
        "ĐỔI MỚI SÁNG TẠO",
        unicodedata.normalize("NFD", "Đổi mới sáng tạo"),
        "đổi  mới\tsáng tạo",
    ):
        assert tokens(normaliser, variant) == expected, variant
    # Old and new tone placement: hoà / hòa, thuỷ / thủy.
    assert tokens(normaliser, "hoà thuỷ") == tokens(normaliser, "hòa thủy") == ["hoa", "thuy"]


def test_tantivy_ascii_fold_folds_vietnamese_like_fold(normaliser: TextNormaliser) -> None:
    """The index's own analyser folds đ and tone marks as app.text.fold does (SQLite FTS5 does not fold đ)."""
    text = "Sở Khoa học và Công nghệ tỉnh Quảng Trị đẩy mạnh chuyển đổi số, Thanh Hoá"
    assert normaliser.vi_analyzer.analyze(text) == fold(text).replace(",", "").split()


def test_abbreviations_come_from_the_store(shipped_store: PolicyStore, normaliser: TextNormaliser) -> None:
    abbreviations = load_abbreviations(shipped_store)
    forms = {form: a.full for a in abbreviations for form in a.forms}
    assert forms["cds"] == "chuyen doi so" and forms["kh&cn"] == "khoa hoc va cong nghe"
    assert len(abbreviations) >= 10
    # A store without the scheme (the fixture project) expands nothing.
    assert TextNormaliser([]).vi_tokens("CĐS") == ["cds"]
    assert tokens(normaliser, "CĐS") == ["chuyen", "doi", "so"]


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ("Sở KH&CN", "Sở Khoa học và Công nghệ"),
        ("sở kh & cn", "Sở Khoa học và Công nghệ"),
        ("KHCN", "khoa học và công nghệ"),
        ("ĐMST", "đổi mới sáng tạo"),
        ("dmst", "đổi mới sáng tạo"),
        ("CMCN 4.0", "cách mạng công nghiệp lần thứ tư"),
        ("cuộc CMCN4.0", "cuộc cách mạng công nghiệp lần thứ 4"),
        ("UBND tỉnh", "Ủy ban nhân dân tỉnh"),
        ("DVC trực tuyến", "dịch vụ công trực tuyến"),
        ("CSDL", "cơ sở dữ liệu"),
        ("DN nhỏ và vừa", "doanh nghiệp nhỏ và vừa"),
        ("BTV Tỉnh ủy", "Ban Thường vụ Tỉnh ủy"),
        ("GRDP", "tổng sản phẩm trên địa bàn"),
    ],
)
def test_short_and_full_forms_meet(normaliser: TextNormaliser, short: str, full: str) -> None:
    assert tokens(normaliser, short) == tokens(normaliser, full)


def test_short_forms_inside_words_are_left_alone(normaliser: TextNormaliser) -> None:
    # "dn" inside "dnd", "tu" (not an abbreviation) and "kh" inside a longer token stay as they are.
    assert tokens(normaliser, "dnd tư duy khkx") == ["dnd", "tu", "duy", "khkx"]


def test_document_numbers_are_one_token_and_keep_their_number(normaliser: TextNormaliser) -> None:
    assert tokens(normaliser, "Kế hoạch 190-KH/TU") == ["ke", "hoach", "190", "190khtu"]
    assert tokens(normaliser, "47/KH-UBND") == tokens(normaliser, "47 / kh - ubnd") == ["47", "47khubnd"]
    assert tokens(normaliser, "giai đoạn 2021-2025") == ["giai", "doan", "2021", "2025"]


def test_question_frames_are_dropped(normaliser: TextNormaliser) -> None:
    assert normaliser.prepare("Ai chịu trách nhiệm về truy xuất nguồn gốc?").vi == ("truy", "xuat", "nguon", "goc")
    assert normaliser.prepare("who is responsible for the innovation centre").en[:2] == ("the", "innov")
    assert normaliser.prepare("truy xuất nguồn gốc là cơ quan nào?").vi == ("truy", "xuat", "nguon", "goc")
    # A question that is only a frame keeps its words rather than becoming empty.
    assert normaliser.prepare("ai?").vi == ("ai",)


@pytest.mark.parametrize("place", ["Lào Cai", "Gia Lai", "Đồng Nai", "Quảng Ngãi"])
def test_a_frame_is_whole_words_so_names_ending_in_ai_keep_it(normaliser: TextNormaliser, place: str) -> None:
    """"… ai?" (who) is a frame; the last syllable of Lào Cai or Gia Lai is not."""
    assert normaliser.prepare(f"Sở Y tế {place}").vi[-2:] == tuple(fold(place).split())
    assert normaliser.prepare(f"Sở Y tế {place} là ai?").vi[-2:] == tuple(fold(place).split())


def test_a_phrase_outranks_the_same_syllables_scattered(normaliser: TextNormaliser) -> None:
    index = TextIndex(
        normaliser,
        [
            Entry("urn:phrase", vi=["Xây dựng trung tâm đổi mới sáng tạo"]),
            Entry("urn:scattered", vi=["Sáng tạo mới trong đổi thay"]),
            Entry("urn:only-moi", vi=["Phát triển hệ thống mới"]),
            Entry("urn:unrelated", vi=["Hợp tác quốc tế"]),
        ],
    )
    hits = index.search(normaliser.prepare("đổi mới sáng tạo"), 10)
    assert [h.iri for h in hits] == ["urn:phrase", "urn:scattered", "urn:only-moi"]
    assert hits[0].score > hits[1].score > hits[2].score > 0


def test_english_glosses_are_searched_with_stemming(normaliser: TextNormaliser) -> None:
    index = TextIndex(
        normaliser,
        [
            Entry("urn:centre", vi=["Trung tâm đổi mới sáng tạo"], en=["Innovation centres of the province"]),
            Entry("urn:other", vi=["Hợp tác quốc tế"], en=["International cooperation"]),
        ],
    )
    assert [h.iri for h in index.search(normaliser.prepare("innovation centre"), 5)] == ["urn:centre"]


def test_lookup_by_key_and_payload_round_trip(normaliser: TextNormaliser) -> None:
    index = TextIndex(normaliser, [Entry("urn:t", vi=["x"], keys=["urn:agency"], payload={"label": "Tác vụ", "n": [1]})])
    [hit] = index.lookup("urn:agency")
    assert (hit.iri, hit.payload) == ("urn:t", {"label": "Tác vụ", "n": [1]})
    assert index.lookup("urn:nobody") == []


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "\u200b\ufeff"])
def test_empty_questions_are_refused(text: str) -> None:
    with pytest.raises(ParameterError, match="empty"):
        clean_query(text)


def test_long_questions_are_refused_before_any_work() -> None:
    with pytest.raises(ParameterError, match=f"limit is {MAX_QUERY_CHARS}"):
        clean_query(" " * (MAX_QUERY_CHARS + 1))
    assert clean_query("x" * MAX_QUERY_CHARS) == "x" * MAX_QUERY_CHARS


def test_control_characters_are_removed_and_text_is_nfc() -> None:
    assert clean_query("a\x00b\u202ec") == "a b c"
    nfd = unicodedata.normalize("NFD", "đổi mới")
    assert clean_query(nfd) == "đổi mới"


@pytest.mark.parametrize("text", NASTY)
def test_nasty_text_never_breaks_the_index(shipped_index: SearchIndex, text: str) -> None:
    try:
        query = shipped_index.prepare(clean_query(text))
    except ParameterError:
        return
    hits = shipped_index.tasks.search(query, 5)
    assert all(h.score >= 0 for h in hits)
    shipped_index.agency_index.search(query, 5, fields=("vi", "vi2", "en", "en2"), all_words=True, as_phrase=True)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120))
def test_any_text_searches_or_is_refused_cleanly(shipped_index: SearchIndex, text: str) -> None:
    try:
        query = shipped_index.prepare(clean_query(text))
    except ParameterError:
        return
    for hit in shipped_index.tasks.search(query, 3):
        assert hit.iri.startswith("https://w3id.org/policykg/id/")


def test_index_covers_the_graph(shipped_index: SearchIndex, shipped_store: PolicyStore) -> None:
    tasks = shipped_store.select_python("SELECT (COUNT(DISTINCT ?t) AS ?n) { ?t a pol:Task }")[0]["n"]
    assert shipped_index.task_count == tasks
    drafted = sum(1 for d in shipped_index.documents.values() if d.drafters)
    assert shipped_index.tasks.size == tasks + drafted
    assert shipped_index.generation == shipped_store.generation
    assert "https://w3id.org/policykg/id/agency/quang-tri/so-khcn" in shipped_index.agencies
    assert "https://w3id.org/policykg/id/indicator/digital-economy-share-grdp" in shipped_index.indicators
