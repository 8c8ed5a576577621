"""A small text with one extracted item of every kind, for tests of the summary, the API and the review page."""

from __future__ import annotations

from app.curation.summary import (
    AgencyRef,
    DocumentRef,
    Extraction,
    IssuerRef,
    Relation,
    Responsibility,
    SelfDocument,
    TargetRef,
)
from tests.support.project import POLID

SAMPLE = (
    "Căn cứ Nghị quyết số 52-NQ/TW ngày 27/9/2019 của Bộ Chính trị, UBND tỉnh ban hành Kế hoạch. "
    "Sở Khoa học và Công nghệ chủ trì, phối hợp với Sở Tài chính xây dựng đề án trước ngày 30/6/2025. "
    "Phấn đấu đến năm 2030 kinh tế số đạt khoảng 30% GRDP."
)


def span(text: str, words: str) -> tuple[int, int]:
    start = text.index(words)
    return (start, start + len(words))


def populated(text: str) -> Extraction:
    """An extraction of ``SAMPLE`` with one item of every kind at the span of its words, named as the shipped data names them."""
    return Extraction(
        text=text,
        self_document=SelfDocument(notation=None, type="KH", issuer=IssuerRef("UBND tỉnh"), date=None),
        documents=(DocumentRef(
            notation="52-NQ/TW", type="NQ", issuer=IssuerRef("Bộ Chính trị", POLID + "agency/vn/bo-chinh-tri"),
            date="2019-09-27", title=None, iri=POLID + "doc/bo-chinh-tri/2019/52-nq-tw", known=True,
            spans=(span(text, "Nghị quyết số 52-NQ/TW"),),
        ),),
        relations=(Relation("self", "52-NQ/TW", "basedOn", span(text, "Căn cứ Nghị quyết số 52-NQ/TW")),),
        responsibilities=(Responsibility(
            agency=AgencyRef("Sở Khoa học và Công nghệ", POLID + "agency/quang-tri/so-khcn", False),
            role="lead", task="xây dựng đề án", deliverable="đề án", deadline="2025-06-30",
            span=span(text, "Sở Khoa học và Công nghệ chủ trì"),
        ),),
        targets=(TargetRef(
            indicator="kinh tế số", indicator_iri=POLID + "indicator/digital-economy-share-grdp", value=30.0,
            value_high=None, unit="%",
            comparator="about", year=2030, span=span(text, "kinh tế số đạt khoảng 30% GRDP"),
        ),),
        draft="# draft\n",
        warnings=("a warning",),
    )
