"""`tnde serve` (with or without a worker process) killed with SIGKILL at random moments,
again and again, while a client sends letters and records every 250: at the end every
acknowledged letter is registered exactly once, the unit's numbers are 1..N, and nothing
is stuck half-way; every mail the gateway queued (receipts, notices) reached the
smarthost at least once and is recorded as sent once.

TNDE_CRASH_KILLS sets the number of kills (default 20); TNDE_CRASH_SEED replays a run
(the seed is printed).
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.app import App
from gateway.outbound.sender import RECORD_EVERY
from tests.crash.harness import (
    Client,
    assert_each_once,
    kill_again_and_again,
    message_id_of,
    settled_outcome,
    smarthost_sink,
    start_serve,
)
from tests.fixtures.ports import free_port
from tests.support.gateway import gateway_settings, serve_env
from tests.support.sink import Sink

KILLS = int(os.environ.get("TNDE_CRASH_KILLS", "20"))
# A claim by a killed worker is taken over after the lease: short, so the run is short.
LEASE = "3"


@pytest.mark.slow
def test_every_acknowledged_letter_survives_repeated_sigkill(
    db_url: str, tmp_path: Path, smarthost: Sink
) -> None:
    seed = int(os.environ.get("TNDE_CRASH_SEED", str(random.randrange(2**32))))
    print(f"TNDE_CRASH_SEED={seed} TNDE_CRASH_KILLS={KILLS}")
    chance = random.Random(seed)
    port = free_port()
    env = serve_env(
        db_url,
        port,
        {
            "TNDE_WORKER__LEASE_SECONDS": LEASE,
            "TNDE_WORKER__POLL_INTERVAL": "0.05",
            # Receipts and notices go to a smarthost; a killed sender's claims come back.
            "TNDE_OUTBOUND__SMARTHOST": f"127.0.0.1:{smarthost.port}",
            "TNDE_OUTBOUND__TIMEOUT": "2",
            "TNDE_OUTBOUND__LEASE_SECONDS": LEASE,
            "TNDE_OUTBOUND__POLL_INTERVAL": "0.05",
        },
    )
    log = tmp_path / "serve.log"
    process = start_serve(env, port, log)
    client = Client(port)
    sender = threading.Thread(target=client.run, daemon=True)
    sender.start()
    try:
        # Anywhere: in DATA, between the commit and the 250, mid-registration.
        process = kill_again_and_again(
            process,
            lambda workers: start_serve(env, port, log, workers),
            KILLS,
            chance,
            (0.05, 0.6),
        )
        time.sleep(0.5)
    finally:
        client.stop.set()
        sender.join(30)
    app = App.build(gateway_settings(db_url))
    try:
        registered, outbox = settled_outcome(app)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        app.close()
    acknowledged = client.acknowledged
    print(f"{len(acknowledged)} letters acknowledged, retries {dict(client.refused)}")
    assert len(acknowledged) > KILLS  # the load kept going between the kills
    assert_each_once(acknowledged, registered)
    # The outbox: every mail recorded as sent once and received at least once, resends
    # (a kill between the smarthost's 250 and our commit) with the same Message-ID.
    received = Counter(message_id_of(m.data) for m in smarthost.messages)
    assert [m for m in outbox if received[m] == 0] == []
    resent = {m: n for m, n in received.items() if n > 1}
    print(f"{len(outbox)} mails sent, {len(resent)} sent again after a kill")
    # A kill between the smarthost's 250 and the commit of those results: at most the
    # mails whose results are committed together (RECORD_EVERY) per kill.
    assert len(resent) <= KILLS * RECORD_EVERY


@pytest.fixture
def smarthost() -> Iterator[Sink]:
    yield from smarthost_sink()
