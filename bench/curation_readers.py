"""What each reader of the extractor costs on large and hostile texts: cleaning, references, targets.

    python bench/curation_readers.py              # 1 MB and 5 MB of the real passages, and hostile texts
    python bench/curation_readers.py --mb 5       # only the 5 MB cases

The plan text is the twelve real passages of ``../shared/real-texts`` repeated (or, if they are
absent, a short plan written here), once with its line breaks and once on a single line. The
hostile texts repeat one pattern that a reader must try at every position ("Luật ", "số /NQ-CP ",
"5% ", "Đ ế ", a digit): the time grows linearly with the size (no pattern backtracks), but
texts made of nothing but targets or numbers are the slowest per character.
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
from app.curation.cleaning import clean
from app.curation.references import read_references
from app.curation.targets import read_targets

PASSAGES = ROOT.parent / "shared" / "real-texts"
FALLBACK = """Số: 12-KH/TU
Hà Tĩnh, ngày 05 tháng 3 năm 2025
Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển khoa học;
Thực hiện Kế hoạch số 3260-KH/ĐĐQH15 ngày 10/01/2025 của Đảng đoàn Quốc hội.
## Mục tiêu đến năm 2030
- Quy mô kinh tế số đạt tối thiểu 30% GRDP; tỉ lệ doanh nghiệp đổi mới sáng tạo đạt trên 40%.
"""


def plan_text() -> str:
    """The real passages joined, or the fallback plan when they are not beside the project."""
    files = sorted(PASSAGES.glob("*.txt")) if PASSAGES.is_dir() else []
    return "\n\n".join(p.read_text(encoding="utf-8") for p in files) or FALLBACK


def sized(block: str, chars: int) -> str:
    """``block`` repeated up to ``chars`` characters."""
    return (block * (chars // len(block) + 1))[:chars]


def measure(name: str, text: str) -> None:
    """Print the seconds of each reader on ``text`` and the total per kilobyte."""
    t0 = time.perf_counter()
    cleaned = clean(text)
    t1 = time.perf_counter()
    refs = read_references(cleaned)
    t2 = time.perf_counter()
    targets = read_targets(cleaned)
    t3 = time.perf_counter()
    kb = len(text.encode("utf-8")) / 1024
    print(f"{name:<28} {kb / 1024:6.1f} MB  clean {t1 - t0:6.2f} s  references {t2 - t1:6.2f} s  "
          f"targets {t3 - t2:6.2f} s  total {1000 * (t3 - t0) / kb:6.2f} ms/KB  "
          f"({len(refs.documents)} documents, {len(targets)} targets)", flush=True)


def main() -> None:
    """Run the cases of the sizes asked for."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="*", default=[1.0, 5.0], help="sizes in millions of characters")
    parser.add_argument("--hostile-mb", type=float, default=0.5, help="size of each hostile text")
    args = parser.parse_args()
    plan = plan_text()
    for mb in args.mb:
        chars = int(mb * 1_000_000)
        measure(f"plan text {mb:g}M", sized(plan, chars))
        measure(f"plan text {mb:g}M, one line", sized(plan.replace("\n", " "), chars))
    chars = int(args.hostile_mb * 1_000_000)
    for name, block in [("'Luật '", "Luật "), ("'số /NQ-CP '", "số /NQ-CP "), ("'5% '", "5% "),
                        ("'Đ ế '", "Đ ế "), ("digits", "1"), ("'1 '", "1 ")]:
        measure(f"hostile {name} {args.hostile_mb:g}M", sized(block, chars))


if __name__ == "__main__":
    main()
