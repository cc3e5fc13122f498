"""What registering one letter writes: statements the hot path must not spend again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from gateway.audit import verify_chain
from gateway.db.models import Event, Inbound, Naskah, Outbox
from gateway.outbound.outbox import bounce_address
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import settled


def _statements(gateway: RunningGateway) -> list[tuple[str, Any]]:
    """Every statement (and its parameters) the gateway's engine runs from now on."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: object, _cursor: object, statement: str, params: Any, *_: object) -> None:
        seen.append((" ".join(statement.split()), params))

    event.listen(gateway.app.db.engine, "before_cursor_execute", record)
    return seen


def _register_one(gateway: RunningGateway) -> None:
    with gateway.smtp() as client:
        raw = letter(to=f"kabag.hukum@{DOMAIN}", subject="Undangan", body="Mohon hadir.")
        client.sendmail("tu@dinkes.jatengprov.go.id", [f"kabag.hukum@{DOMAIN}"], raw)
    wait_for(lambda: settled(gateway.app), what="pipeline")


def test_the_inbound_row_takes_one_update_with_its_state_and_attempt(
    gateway: RunningGateway,
) -> None:
    """Its processing stamp (attempts, processed_at, message_id, claim released) goes out
    with the state the stage set, not in a flush of its own."""
    seen = _statements(gateway)
    _register_one(gateway)
    stamps = [sql for sql, _ in seen if sql.startswith("UPDATE inbound") and "attempts" in sql]
    assert len(stamps) == 1, stamps
    assert "state=" in stamps[0] and "processed_at=" in stamps[0]
    with gateway.app.db.read() as session:
        inbound = session.scalars(select(Inbound)).one()
        assert (inbound.state, inbound.attempts, inbound.claim_token) == ("registered", 1, None)
        assert inbound.processed_at is not None and inbound.message_id


def test_a_new_naskah_gets_its_events_without_looking_up_its_chain(
    gateway: RunningGateway,
) -> None:
    seen = _statements(gateway)
    _register_one(gateway)
    with gateway.app.db.read() as session:
        naskah = session.scalars(select(Naskah)).one()
        chain = f"naskah:{naskah.id}"
        events = list(session.scalars(select(Event).where(Event.chain == chain)))
        assert verify_chain(session, chain) == []
    assert [e.chain_seq for e in events] == list(range(1, len(events) + 1))
    assert {"registered", "disposed"} <= {e.type for e in events}
    lookups = [
        params
        for sql, params in seen
        if sql.startswith("SELECT event.chain_seq") and chain in str(params)
    ]
    assert lookups == []


def test_each_mail_is_queued_with_its_bounce_address_in_one_insert(
    gateway: RunningGateway,
) -> None:
    """The VERP sender names the outbox id: the id is chosen with the INSERT, so the row
    is never written twice, and what is stored is the address the sender uses."""
    seen = _statements(gateway)
    _register_one(gateway)
    _register_one_more(gateway)
    assert [sql for sql, _ in seen if sql.startswith("UPDATE outbox SET mail_from")] == []
    with gateway.app.db.read() as session:
        rows = list(session.execute(select(Outbox.id, Outbox.kind, Outbox.mail_from)))
    assert {kind for _, kind, _ in rows} >= {"receipt", "notice"}
    assert len({outbox_id for outbox_id, _, _ in rows}) == len(rows) >= 4
    for outbox_id, _, mail_from in rows:
        assert mail_from == bounce_address(gateway.app.ctx.identity, outbox_id)


def _register_one_more(gateway: RunningGateway) -> None:
    with gateway.smtp() as client:
        raw = letter(to=f"kabag.hukum@{DOMAIN}", subject="Undangan kedua", body="Mohon hadir.")
        client.sendmail("tu@dinkes.jatengprov.go.id", [f"kabag.hukum@{DOMAIN}"], raw)
    wait_for(lambda: settled(gateway.app), what="pipeline")
