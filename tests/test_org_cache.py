"""The worker's cached organisation: every org change is seen by the next letter, and
registering letters neither reloads nor bumps it."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from gateway.app import App
from gateway.db.engine import Database
from gateway.db.models import (
    ORG_TABLES,
    Assignment,
    Holiday,
    Instruction,
    Naskah,
    Outbox,
    Person,
    PersonEmail,
    Position,
    Unit,
    UnitAddress,
)
from gateway.org.cache import OrgCache, current_version, load_snapshot
from gateway.org.holders import holders
from tests.support.clock import OFFICE_HOURS
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import settled

HUKUM_HOLDER = "dewi.lestari@banyumaskab.go.id"
MIGRATION = importlib.import_module("gateway.db.migrations.versions.0017_org_version")


def _database(db_url: str) -> Database:
    return App.build(gateway_settings(db_url)).db


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = _database(db_url)
    yield database
    database.dispose()


def _kabag_hukum(session: Session) -> Position:
    """The demo's vacant position with a Plt (Dewi Lestari)."""
    return session.scalars(select(Position).where(Position.handle == "kabag.hukum")).one()


def _bounce(session: Session, address: str) -> None:
    """What bounce handling writes: the address is undeliverable from now on."""
    session.execute(
        update(PersonEmail)
        .where(PersonEmail.address == address)
        .values(undeliverable_since=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    )


def _send(gateway: RunningGateway, to: str, subject: str) -> None:
    with gateway.smtp() as client:
        raw = letter(to=to, subject=subject, body="Mohon telaah.")
        client.sendmail("tu@dinkes.jatengprov.go.id", [to], raw)
    wait_for(lambda: settled(gateway.app), what="pipeline")


def _notices_of_last_letter(app: App) -> list[str]:
    """Who got a notice of the newest letter."""
    with app.db.read() as session:
        newest = session.scalars(select(Naskah.id).order_by(Naskah.id.desc())).first()
        query = select(Outbox.rcpt_to).where(Outbox.kind == "notice", Outbox.naskah_id == newest)
        return list(session.scalars(query.order_by(Outbox.id)))


def test_the_migration_and_the_models_name_the_same_org_tables() -> None:
    assert set(MIGRATION.ORG_TABLES) == set(ORG_TABLES)


# One statement per organisation table, each as the panel, `tnde org import` or bounce
# handling would write it; every one must move the version, on both databases.
CHANGES = {
    "unit": lambda: update(Unit).where(Unit.code == "DINKES").values(name="Dinas Kesehatan"),
    "unit_address": lambda: (
        update(UnitAddress)
        .where(UnitAddress.id == 1)
        .values(address=func.lower(UnitAddress.address))
    ),
    "position": lambda: (
        update(Position).where(Position.handle == "kadinkes").values(title="Kepala Dinas Kesehatan")
    ),
    "person": lambda: update(Person).where(Person.id == 1).values(digest_opt_out=True),
    "person_email": lambda: (
        update(PersonEmail)
        .where(PersonEmail.id == 1)
        .values(undeliverable_since=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    ),
    "assignment": lambda: update(Assignment).where(Assignment.id == 1).values(valid_from=None),
    "instruction": lambda: (
        update(Instruction).where(Instruction.code == "CATAT").values(label="Catat")
    ),
    "holiday": lambda: insert(Holiday).values(day=dt.date(2027, 1, 4), name="Libur", kind="lokal"),
}


@pytest.mark.parametrize("table", sorted(ORG_TABLES))
def test_every_change_to_an_org_table_moves_the_version(db_url: str, table: str) -> None:
    db = _database(db_url)
    try:
        with db.read() as session:
            before = current_version(session)
        with db.write() as session:
            session.execute(CHANGES[table]())
        with db.read() as session:
            assert current_version(session) != before, table
    finally:
        db.dispose()


def test_a_rolled_back_change_never_lends_its_version_to_a_later_one(db_url: str) -> None:
    """A worker may cache a snapshot read inside a transaction that then rolls back; the
    value that transaction saw must never come back with different contents."""
    db = _database(db_url)
    try:
        session = db.sessions()
        session.execute(update(Unit).where(Unit.code == "DINKES").values(name="X"))
        seen_in_rollback = current_version(session)
        session.rollback()
        session.close()
        with db.write() as session:
            session.execute(update(Unit).where(Unit.code == "DINKES").values(name="Y"))
        with db.read() as session:
            assert current_version(session) != seen_in_rollback
    finally:
        db.dispose()


def test_the_snapshot_names_the_same_holders_as_the_database(db_url: str) -> None:
    """Plt/Plh ranges, inactive people and undeliverable addresses: the cached answer is
    the database's answer for every position on days around the demo's acting ranges."""
    db = _database(db_url)
    try:
        with db.write() as session:
            hukum = _kabag_hukum(session)
            sekda = session.scalars(select(Position).where(Position.handle == "sekda")).one()
            people = session.scalars(select(Person).order_by(Person.id)).all()
            session.add_all(
                [
                    Assignment(
                        person_id=people[0].id,
                        position_id=hukum.id,
                        kind="plh",
                        valid_from=dt.date(2026, 12, 2),
                        valid_to=dt.date(2026, 12, 4),
                    ),
                    Assignment(person_id=people[1].id, position_id=sekda.id, kind="plt"),
                ]
            )
            people[2].active = False
            session.flush()
            for email in people[3].emails:
                email.undeliverable_since = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
            session.flush()
            snapshot = load_snapshot(session, current_version(session), DOMAIN)
            positions = session.scalars(select(Position)).all()
            days = [dt.date(2026, 12, 1) + dt.timedelta(days=n) for n in range(5)]
            compared = 0
            for position in positions:
                for day in days:
                    for both in (False, True):
                        cached = snapshot.holders(position, day, both)
                        assert cached == holders(session, position, day, both), position.handle
                        compared += bool(cached)
            assert compared > len(positions)  # most positions have somebody
            session.rollback()
    finally:
        db.dispose()


def test_registering_letters_reads_the_org_once_and_never_bumps_it(
    gateway: RunningGateway,
) -> None:
    cache = gateway.app.ctx.org
    with gateway.app.db.read() as session:
        before = current_version(session)
    for number in range(3):
        _send(gateway, f"kabag.hukum@{DOMAIN}", f"Surat {number}")
    with gateway.app.db.read() as session:
        assert current_version(session) == before
    assert cache.loads == 1


def test_the_next_letter_follows_a_new_plt_and_a_dead_address(gateway: RunningGateway) -> None:
    """What a stale cache would get wrong: the Plt appointed between two letters (in
    place of the one whose term ended) gets the second; once the Plt's address bounces,
    the notice goes to the address that works."""
    _send(gateway, f"kabag.hukum@{DOMAIN}", "Pertama")
    assert _notices_of_last_letter(gateway.app) == [HUKUM_HOLDER]
    with gateway.app.db.write() as session:
        hukum = _kabag_hukum(session)
        plt = Person(name="Rina Kusuma", nip="198001012005012001")
        plt.emails = [
            PersonEmail(address="rina@banyumaskab.go.id", is_primary=True),
            PersonEmail(address="rina.kusuma@banyumaskab.go.id"),
        ]
        session.add(plt)
        session.flush()
        # Dewi's Plt ends yesterday; Rina takes over today.
        session.execute(
            update(Assignment)
            .where(Assignment.position_id == hukum.id)
            .values(valid_to=OFFICE_HOURS.date() - dt.timedelta(days=1))
        )
        session.add(Assignment(person_id=plt.id, position_id=hukum.id, kind="plt"))
    _send(gateway, f"kabag.hukum@{DOMAIN}", "Kedua")
    assert _notices_of_last_letter(gateway.app) == ["rina@banyumaskab.go.id"]
    with gateway.app.db.write() as session:
        _bounce(session, "rina@banyumaskab.go.id")
    _send(gateway, f"kabag.hukum@{DOMAIN}", "Ketiga")
    assert _notices_of_last_letter(gateway.app) == ["rina.kusuma@banyumaskab.go.id"]


def test_holidays_added_between_letters_move_the_due_date(gateway: RunningGateway) -> None:
    from gateway.db.models import Disposition

    def last_due() -> dt.datetime:
        with gateway.app.db.read() as session:
            return session.scalars(
                select(Disposition.due_at).order_by(Disposition.id.desc())
            ).first()

    _send(gateway, f"kabag.hukum@{DOMAIN}", "Sebelum libur")
    before = last_due()
    with gateway.app.db.write() as session:
        start = OFFICE_HOURS.date()
        for n in range(1, 15):  # every day of the next two weeks off
            session.add(Holiday(day=start + dt.timedelta(days=n), name="Libur", kind="lokal"))
    _send(gateway, f"kabag.hukum@{DOMAIN}", "Sesudah libur")
    assert last_due() > before + dt.timedelta(days=7)


def test_org_version_exists_after_init(db_url: str) -> None:
    db = _database(db_url)
    try:
        with db.read() as session:
            assert session.execute(text("SELECT count(*) FROM org_version")).scalar_one() == 1
    finally:
        db.dispose()


def test_a_snapshot_is_never_built_from_objects_the_session_already_held(db_url: str) -> None:
    """On PostgreSQL a transaction sees changes committed after it began. A worker whose
    session already holds a person must still cache the person as the database has it
    under the version it read, not as the session first loaded them."""
    db = _database(db_url)
    cache = OrgCache(DOMAIN)
    try:
        worker = db.read_sessions()
        hukum = _kabag_hukum(worker)
        day = OFFICE_HOURS.date()
        hukum_id = hukum.id
        (holder,) = holders(worker, hukum, day)
        assert holder.email == HUKUM_HOLDER
        # Held by the worker, as a command's actor is: the identity map keeps it.
        kept = worker.get_one(Person, holder.person_id)
        assert HUKUM_HOLDER in {e.address for e in kept.emails}
        with db.write() as other:
            _bounce(other, HUKUM_HOLDER)
            person = other.get_one(Person, holder.person_id)
            other.add(PersonEmail(person_id=person.id, address="dewi.baru@banyumaskab.go.id"))
        cached = cache.snapshot(worker).holders(hukum, day)
        del kept
        worker.rollback()
        worker.close()
        with db.read() as fresh:
            position = fresh.get_one(Position, hukum_id)
            expected = holders(fresh, position, day)
            assert cache.snapshot(fresh).holders(position, day) == expected
        if db_url.startswith("postgresql"):  # read committed: the new state at once
            assert [h.email for h in cached] == ["dewi.baru@banyumaskab.go.id"]
    finally:
        db.dispose()


def _version_reads(db: Database) -> list[str]:
    """Collects every statement that reads org_version on db's engine."""
    from sqlalchemy import event

    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "org_version" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    return seen


@pytest.mark.parametrize("how", ["orm", "core"])
def test_one_version_read_per_transaction_until_the_session_writes_the_org(
    db: Database, how: str
) -> None:
    cache = OrgCache(DOMAIN)
    reads = _version_reads(db)
    day = OFFICE_HOURS.date()
    with db.write() as session:
        hukum = _kabag_hukum(session)
        for _ in range(3):
            (holder,) = cache.snapshot(session).holders(hukum, day)
        assert holder.email == HUKUM_HOLDER
        assert len(reads) == 1
        # The transaction's own write (a bounce marks the address) is seen at once.
        if how == "orm":
            email = session.scalars(
                select(PersonEmail).where(PersonEmail.address == HUKUM_HOLDER)
            ).one()
            email.undeliverable_since = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
        else:
            _bounce(session, HUKUM_HOLDER)
        after = cache.snapshot(session).holders(hukum, day)
        assert after == holders(session, hukum, day)
        assert [h.email for h in after] != [HUKUM_HOLDER]
        assert len(reads) == 2
    with db.read() as session:
        cache.snapshot(session)
    assert len(reads) == 3  # a new transaction reads the version again


def test_a_rolled_back_savepoint_takes_its_org_change_out_of_the_snapshot(db: Database) -> None:
    cache = OrgCache(DOMAIN)
    day = OFFICE_HOURS.date()
    with db.write() as session:
        hukum = _kabag_hukum(session)
        assert [h.email for h in cache.snapshot(session).holders(hukum, day)] == [HUKUM_HOLDER]
        savepoint = session.begin_nested()
        _bounce(session, HUKUM_HOLDER)
        assert [h.email for h in cache.snapshot(session).holders(hukum, day)] != [HUKUM_HOLDER]
        savepoint.rollback()
        assert [h.email for h in cache.snapshot(session).holders(hukum, day)] == [HUKUM_HOLDER]
