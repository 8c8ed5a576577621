"""``python -m bench NAME [options]``: the benchmarks that run as subcommands.

``scale --quads N`` is the national-scale benchmark (bench/scale.py); ``extraction`` scores the
extractor against the gold annotations of eval/extraction (bench/extraction.py).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from importlib import import_module

#: subcommand → module whose ``main(argv)`` runs it; imported only when chosen
COMMANDS = {"scale": "bench.scale", "extraction": "bench.extraction"}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit("usage: python -m bench {scale,extraction} [options]   (python -m bench NAME --help)")
    main: Callable[[Sequence[str]], object] = import_module(COMMANDS[sys.argv[1]]).main
    main(sys.argv[2:])
