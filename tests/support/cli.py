"""Run the `tnde` command line in-process and capture what it printed."""

from __future__ import annotations

import pytest

from gateway.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, standard output and standard error of `tnde <argv>`."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err
