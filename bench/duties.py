"""What reading responsibilities costs: the duty reader over texts of growing size.

    python bench/duties.py              # 50 KB, 500 KB, 5 MB of each kind of text
    python bench/duties.py --mb 1       # up to 1 MB only

Three kinds of text, each repeated to size: prose (an agency heading over duties with
"chủ trì, phối hợp với …" sentences), a task table without a header row, and one line of
5 MB with no punctuation (the worst case for clause splitting). The real passages are added
when ../shared/real-texts is there. Prints milliseconds per KB and responsibilities found;
the reader scans each line and clause once, so the cost per KB should stay flat.

This is a measurement, not a test: it prints numbers and never asserts a speed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The repository root must be importable before these imports.
from app.curation.duties import read_responsibilities
from app.curation.gazetteer import Gazetteer

PROSE = (
    "1. Bộ Khoa học và Công nghệ:\n"
    "- Chủ trì, phối hợp với Bộ Tài chính, Bộ Kế hoạch và Đầu tư và các bộ, ngành liên quan xây dựng, "
    "trình Chính phủ ban hành Nghị định về quỹ trong quý II/2025;\n"
    "- Phối hợp với Bộ Nội vụ đánh giá kết quả thực hiện.\n"
)
TABLE = "| 1. | Xây dựng Đề án đào tạo | Bộ Giáo dục và Đào tạo | Bộ Nội vụ, Bộ Tài chính | Đề án | 6/2025 |\n"
LINE = "Bộ Y tế chủ trì phối hợp với "


def _kinds() -> dict[str, str]:
    kinds = {"prose": PROSE, "table": TABLE, "one line": LINE}
    passages = ROOT.parent / "shared" / "real-texts"
    if passages.is_dir():
        kinds["real passages"] = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(passages.glob("[0-9]*.txt")))
    return kinds


def main() -> None:
    """Print the cost per KB of the duty reader for each kind and size of text."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0, help="largest size, in MB")
    args = parser.parse_args()
    sizes = [s for s in (50_000, 500_000, 5_000_000) if s <= args.mb * 1_000_000] or [int(args.mb * 1_000_000)]
    print(f"{'text':<15}{'size':>10}{'ms/KB':>10}{'found':>10}")
    for name, unit in _kinds().items():
        for size in sizes:
            text = unit * max(1, size // len(unit))
            started = time.perf_counter()
            found = read_responsibilities(text, Gazetteer())
            elapsed = time.perf_counter() - started
            print(f"{name:<15}{len(text) // 1000:>8}KB{elapsed * 1000 / (len(text) / 1000):>10.3f}{len(found):>10}")


if __name__ == "__main__":
    main()
