"""What the CLI tests share: the check that a failure is exit code 2 and one line, never a traceback."""

from __future__ import annotations

from typing import Any


def assert_clean_error(result: Any, *needles: str) -> None:
    """``result`` (a CliRunner result) exited 2 with one ``error: …`` line on stderr holding every needle."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.stderr
