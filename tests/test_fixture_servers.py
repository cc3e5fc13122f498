"""The Dovecot and Postfix fixtures behave like the real servers they stand for."""

from __future__ import annotations

import os

import pytest

from tests.fixtures.selftest_servers import main as selftest
from tests.support.requirements import need, need_binary


@pytest.mark.slow
@pytest.mark.dovecot
@pytest.mark.postfix
def test_the_server_fixtures_pass_their_self_test(capsys: pytest.CaptureFixture[str]) -> None:
    """IDLE, MOVE, restarts, LMTP hand-off, relay deferral, failed starts, no leaks."""
    need_binary("dovecot", "dovecot-imapd")
    need_binary("postfix", "postfix")
    need(os.geteuid() == 0, "root (the Postfix master refuses to run otherwise)")
    assert selftest([]) == 0
    out = capsys.readouterr().out
    assert "SKIP" not in out and "selftest_servers: all checks passed" in out
