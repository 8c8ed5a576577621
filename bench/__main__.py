"""``python -m bench scale --quads N``: the national-scale benchmark (bench/scale.py)."""

from __future__ import annotations

import sys

from bench.scale import main

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "scale":
        sys.exit("usage: python -m bench scale --quads N [options]   (python -m bench scale --help)")
    main(sys.argv[2:])
