"""The cascade fixture (tests/fixtures/cascade): a national resolution 9-NQ/TW carried out by four
provinces (A lower, B none, C contradicting itself, D meeting it) over the real ontology, and the
deadlines of province A's department (one of each datatype, one reported done)."""

from __future__ import annotations

from app.core.config import Settings
from tests.support.project import FIXTURES, POLID, ROOT

CASCADE_ROOT = FIXTURES / "cascade"
DOC_9 = POLID + "doc/tw/2024/9-nq-tw"
AREA = POLID + "area/"
IND = POLID + "indicator/"
TASK = POLID + "doc/ubnd-tinh-a/2024/10-kh-ubnd/task-group/1/task/"
SO_A = POLID + "agency/tinh-a/so-a"
BO_X = POLID + "agency/vn/bo-x"


def cascade_settings() -> Settings:
    """Settings over the cascade fixture's data and the shipped ontology (its comparators, roles and rules)."""
    return Settings(root=CASCADE_ROOT, ontology_dir=ROOT / "ontology", store=None)
