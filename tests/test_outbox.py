"""Outbox delivery to a real smarthost socket: sent, retried with backoff, or failed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email import message_from_bytes

import pytest

from gateway.app import App
from gateway.outbound.sender import OutboxSender
from tests.fixtures.ports import free_port
from tests.support.clock import FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import outbox_rows, settled
from tests.support.sink import Sink

START = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def sink() -> Iterator[Sink]:
    with Sink() as running:
        yield running


def _register_one(db_url: str, clock: FakeClock) -> App:
    """Register one letter (so one receipt is queued) with no smarthost configured."""
    app = App.build(gateway_settings(db_url), clock=clock)
    gateway = RunningGateway(app).start()
    try:
        with gateway.smtp() as client:
            client.sendmail("tu@kemkes.go.id", [f"dinkes@{DOMAIN}"], letter())
        wait_for(lambda: settled(app) and outbox_rows(app))
    finally:
        gateway.stop()
    return app


def _sender(db_url: str, clock: FakeClock, smarthost: str) -> OutboxSender:
    app = App.build(gateway_settings(db_url, outbound={"smarthost": smarthost}), clock=clock)
    return app.outbox_sender()


def test_without_smarthost_mail_stays_in_the_local_outbox(db_url: str) -> None:
    clock = FakeClock(START)
    app = _register_one(db_url, clock)
    (row,) = outbox_rows(app, "receipt")
    assert row.state == "queued" and row.attempts == 0


def test_delivered_to_the_smarthost_with_the_verp_envelope(db_url: str, sink: Sink) -> None:
    clock = FakeClock(START)
    app = _register_one(db_url, clock)
    sender = _sender(db_url, clock, f"127.0.0.1:{sink.port}")
    assert sender.run_once() == 2  # the receipt and the notice to Kepala Dinas Kesehatan
    (row,) = outbox_rows(app, "receipt")
    assert row.state == "sent" and row.sent_at == START and row.attempts == 1
    (message,) = [m for m in sink.messages if m.rcpt_tos == ["tu@kemkes.go.id"]]
    assert message.mail_from == f"tnde+bounce-{row.id}@{DOMAIN}"
    assert message.rcpt_tos == ["tu@kemkes.go.id"]
    assert b"Tanda terima" in message.data or b"Tanda_terima" in message.data


def test_4xx_is_retried_with_backoff_then_sent(sqlite_url: str, sink: Sink) -> None:
    clock = FakeClock(START)
    app = _register_one(sqlite_url, clock)
    sender = _sender(sqlite_url, clock, f"127.0.0.1:{sink.port}")
    # Receipt first (lower outbox id), then the notice: each gets one scripted reply per pass.
    sink.script.extend(["451 4.3.0 try later", "250 ok", "452 4.2.2 mailbox full"])
    sender.run_once()
    (row,) = outbox_rows(app, "receipt")
    assert (row.state, row.attempts, row.last_error) == ("queued", 1, "451 4.3.0 try later")
    assert row.next_attempt_at == START + dt.timedelta(seconds=60)
    assert sender.run_once() == 0  # not due yet
    clock.advance(seconds=61)
    sender.run_once()
    (row,) = outbox_rows(app, "receipt")
    assert row.attempts == 2 and row.next_attempt_at == clock() + dt.timedelta(seconds=120)
    clock.advance(seconds=121)
    sender.run_once()
    (row,) = outbox_rows(app, "receipt")
    assert row.state == "sent" and len(sink.messages) == 2


def test_5xx_is_permanent_and_recorded(sqlite_url: str, sink: Sink) -> None:
    clock = FakeClock(START)
    app = _register_one(sqlite_url, clock)
    sink.script.append("550 5.1.1 <tu@kemkes.go.id>: mailbox unknown")
    _sender(sqlite_url, clock, f"127.0.0.1:{sink.port}").run_once()
    (row,) = outbox_rows(app, "receipt")
    assert (
        row.state == "failed" and row.last_error == "550 5.1.1 <tu@kemkes.go.id>: mailbox unknown"
    )


def test_unreachable_smarthost_is_temporary_and_gives_up_after_the_limit(sqlite_url: str) -> None:
    clock = FakeClock(START)
    app = _register_one(sqlite_url, clock)
    sender = _sender(sqlite_url, clock, f"127.0.0.1:{free_port()}")
    sender.run_once()
    (row,) = outbox_rows(app, "receipt")
    assert row.state == "queued" and "ConnectionRefusedError" in (row.last_error or "")
    clock.advance(days=6)
    sender.run_once()
    (row,) = outbox_rows(app, "receipt")
    assert row.state == "failed"


def test_serve_relays_receipts_on_its_own(sqlite_url: str, sink: Sink) -> None:
    settings = gateway_settings(sqlite_url, outbound={"smarthost": f"127.0.0.1:{sink.port}"})
    gateway = RunningGateway(App.build(settings, clock=FakeClock(START))).start()
    try:
        with gateway.smtp() as client:
            client.sendmail("tu@kemkes.go.id", [f"bappeda@{DOMAIN}"], letter())
        wait_for(lambda: len(sink.messages) == 2, what="receipt and notice relayed by serve")
    finally:
        gateway.stop()
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == [
        "suryanto@banyumaskab.go.id",  # Kepala Bappedalitbang, the unit's head
        "tu@kemkes.go.id",
    ]


def test_a_smarthost_down_for_an_hour_loses_nothing_and_sends_each_mail_once(
    sqlite_url: str,
) -> None:
    clock = FakeClock(START)
    app = _register_one(sqlite_url, clock)
    smarthost = Sink()  # its port stays closed for the hour, then it comes up
    sender = _sender(sqlite_url, clock, f"127.0.0.1:{smarthost.port}")
    for _ in range(60):  # an hour, the sender looking every minute
        sender.run_once()
        clock.advance(minutes=1)
    rows = outbox_rows(app)
    assert rows and {r.state for r in rows} == {"queued"}  # nothing dropped, nothing failed
    # Backoff doubling from 60 s: tried at minutes 0, 1, 3, 7, 15 and 31, not 60 times.
    assert {r.attempts for r in rows} == {6}, [r.attempts for r in rows]
    with smarthost:
        clock.advance(minutes=60)  # past every next attempt
        sender.run_once()
        sender.run_once()
        delivered = [m.data for m in smarthost.messages]
    rows = outbox_rows(app)
    assert {r.state for r in rows} == {"sent"}
    # Each mail reached the smarthost exactly once, with the Message-ID it was queued with,
    # the whole batch over one connection.
    received = sorted(str(message_from_bytes(data)["Message-ID"]) for data in delivered)
    assert received == sorted(r.message_id for r in rows)
    assert len({m.peer for m in smarthost.messages}) == 1


def test_a_refused_mail_does_not_cost_the_rest_of_the_batch_its_connection(
    sqlite_url: str, sink: Sink
) -> None:
    clock = FakeClock(START)
    app = _register_one(sqlite_url, clock)
    batch = [r.id for r in outbox_rows(app)]
    assert len(batch) == 2  # the receipt and the notice
    sink.script.append("550 5.1.1 <tu@kemkes.go.id>: mailbox unknown")
    _sender(sqlite_url, clock, f"127.0.0.1:{sink.port}").run_once()
    states = sorted(r.state for r in outbox_rows(app) if r.id in batch)
    assert states == ["failed", "sent"]
    assert len(sink.messages) == 1 and sink.messages[0].peer is not None
