"""Skip locally, fail in CI: a test that needs a real service must run in CI."""

from __future__ import annotations

import os
import shutil
import socket

import pytest

IN_CI = bool(os.environ.get("CI"))


def need(condition: bool, what: str) -> None:
    """Skip the test when `what` is missing, except under CI where that is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI (.ci/run installs it) but is missing")
    pytest.skip(f"{what} is not available here")


def need_binary(name: str, package: str) -> str:
    path = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.path.exists(p)), None
    )
    need(path is not None, f"{name} (Debian package {package})")
    assert path is not None
    return path


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False
