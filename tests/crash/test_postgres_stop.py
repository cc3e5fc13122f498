"""PostgreSQL stopped mid-load (a private server, stopped as a crash would stop it): the
gateway answers 451 within seconds and never 250 while it is down; the client keeps
each refused letter and resends it after the restart; every letter is registered once.
"""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from gateway.app import App
from tests.crash.harness import (
    TNDE,
    Client,
    assert_each_once,
    registered_letters,
    settled,
    start_serve,
)
from tests.fixtures.pgprivate import PrivatePostgres
from tests.fixtures.ports import free_port
from tests.support.gateway import gateway_settings, serve_env, wait_for
from tests.support.requirements import need_binary

DOWN_SECONDS = 5.0


@pytest.mark.slow
def test_postgresql_stopped_mid_load_gives_451_and_loses_nothing(tmp_path: Path) -> None:
    need_binary("runuser", "util-linux")
    with PrivatePostgres() as server:
        url = server.create_database("tnde")
        port = free_port()
        env = serve_env(
            url, port, {"TNDE_WORKER__POLL_INTERVAL": "0.05", "TNDE_WORKER__LEASE_SECONDS": "3"}
        )
        for command in ("init", "demo"):
            subprocess.run([TNDE, command], env=env, check=True, capture_output=True)
        serve = start_serve(env, port, tmp_path / "serve.log", workers=1)
        client = Client(port)
        sender = threading.Thread(target=client.run, daemon=True)
        sender.start()
        try:
            time.sleep(2.0)
            stopped_at = time.monotonic()
            server.stop()
            time.sleep(DOWN_SECONDS)
            restarted_at = time.monotonic()
            server.start()
            time.sleep(3.0)
        finally:
            client.stop.set()
            sender.join(30)
        app = App.build(gateway_settings(url))
        try:
            wait_for(lambda: settled(app), timeout=60, what="every inbound processed")
            registered = registered_letters(app)
        finally:
            serve.send_signal(signal.SIGTERM)
            serve.wait(30)
            app.close()
    down = [(t, code) for t, code in client.refusals if stopped_at <= t <= restarted_at]
    print(f"{len(client.acknowledged)} acknowledged; refused while down: {len(down)}")
    # 451 within seconds of the stop, as SMTP answers, not a dropped connection.
    assert down and down[0][0] - stopped_at < 5.0 and {code for _, code in down} == {451}
    # No 250 while the database was down (a commit that finished just before the stop
    # may answer a moment later).
    assert [t for t in client.acknowledged_at if stopped_at + 1.0 < t < restarted_at] == []
    assert_each_once(client.acknowledged, registered)
