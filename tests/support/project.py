"""Paths and IRIs of the fixture project (tests/fixtures/project) shared by the tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
PROJECT = FIXTURES / "project"
POLID = "https://w3id.org/policykg/id/"
DOC_52 = POLID + "doc/tw/2019/52-nq-tw"
DOC_QT_190 = POLID + "doc/quang-tri-tu/2020/190-kh-tu"
DOC_HT_190 = POLID + "doc/ha-tinh-tu/2020/190-kh-tu"
DOC_45 = POLID + "doc/quang-tri-ubnd/2021/45-kh-ubnd"
DOC_12 = POLID + "doc/quang-tri-so-khcn/2022/12-kh-skhcn"
DOC_CY1 = POLID + "doc/test/1-cy-test"
DOC_CY2 = POLID + "doc/test/2-cy-test"
FIXTURE_TRIPLES = 63
