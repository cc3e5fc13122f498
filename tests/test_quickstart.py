"""The README promise: init, demo, serve; a letter sent with swaks is registered within a
second and its sender gets a receipt in the outbox."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from tests.fixtures.ports import free_port, wait_for_port
from tests.support.requirements import need_binary

TNDE = str(Path(sys.executable).with_name("tnde"))


def tnde(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TNDE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=True
    )


def test_init_demo_serve_and_a_first_letter_with_swaks(tmp_path: Path) -> None:
    swaks = need_binary("swaks", "swaks")
    smtp, lmtp, web = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TNDE_")}
    # Only the ports differ from the defaults, so a developer's running instance does not clash.
    env |= {
        "TNDE_SMTP__LISTEN": f"127.0.0.1:{smtp}",
        "TNDE_LMTP__LISTEN": f"127.0.0.1:{lmtp}",
        "TNDE_WEB__LISTEN": f"127.0.0.1:{web}",
    }
    tnde(env, tmp_path, "init")
    tnde(env, tmp_path, "demo", "--if-empty")
    assert (tmp_path / "var" / "tnde.db").exists()
    server = subprocess.Popen(
        [TNDE, "serve", "--banner"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen: list[str] = []
    try:
        wait_for_port("127.0.0.1", smtp, 30)
        wait_for_port("127.0.0.1", web, 30)
        # As a person does: send the letter the banner shows once it is printed. serve
        # prints it when its worker processes are registering, so "within a second" holds
        # from the first letter (a worker's start-up alone takes over a second here).
        assert server.stdout is not None
        seen = _lines_until(server.stdout, "Hentikan dengan Ctrl-C.", 60)
        body = "Nomor: 005/123/Dinkes/2026\nPerihal: Undangan Rapat Koordinasi Stunting\n"
        command = [swaks, "--server", "127.0.0.1", "--port", str(smtp)]
        command += ["--from", "tu@dinkes.jatengprov.go.id", "--to", "setda@tnde.banyumaskab.go.id"]
        command += ["--header", "Subject: Undangan Rapat Koordinasi", "--body", body]
        subprocess.run(command, check=True, capture_output=True, timeout=30)
        sent_at = time.monotonic()
        items: list[dict[str, object]] = []
        while time.monotonic() - sent_at < 1.0 and not items:
            items = json.loads(tnde(env, tmp_path, "naskah", "list", "--json").stdout)
        assert items, "not registered within a second"
        assert items[0]["agenda_number"] == "00001/SM/SETDA/2026"
        assert items[0]["perihal"] == "Undangan Rapat Koordinasi Stunting"
        outbox = json.loads(tnde(env, tmp_path, "outbox", "list", "--json").stdout)
        receipts = [o["to"] for o in outbox if o["kind"] == "receipt"]
        assert receipts == ["tu@dinkes.jatengprov.go.id"]
    finally:
        server.send_signal(signal.SIGINT)
        rest, _ = server.communicate(timeout=30)
        output = "".join(seen) + rest
    assert server.returncode == 0
    assert f"SMTP  127.0.0.1:{smtp}" in output and "setda@tnde.banyumaskab.go.id" in output
    assert "swaks --server" in output and "python3 -c" in output


def _lines_until(stream: IO[str], marker: str, timeout: float) -> list[str]:
    """Lines of `stream` up to and including the first that contains `marker`."""
    lines: list[str] = []
    found = threading.Event()

    def read() -> None:
        for line in stream:
            lines.append(line)
            if marker in line:
                found.set()
                return

    threading.Thread(target=read, daemon=True).start()
    assert found.wait(timeout), f"no {marker!r} within {timeout} s: {''.join(lines)}"
    return lines
