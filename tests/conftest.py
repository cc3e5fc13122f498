"""Fixtures: one SQLite template and one PostgreSQL database per run; real gateways."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.app import App
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.databases import (
    PG_HOST,
    PG_PORT,
    PostgresRun,
    build_sqlite_template,
    sqlite_copy,
)
from tests.support.gateway import RunningGateway, gateway_settings
from tests.support.requirements import need, port_open
from tests.support.tcpproxy import TcpProxy

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_run() -> Iterator[PostgresRun]:
    need(port_open(PG_HOST, PG_PORT), f"PostgreSQL on {PG_HOST}:{PG_PORT}")
    run = PostgresRun()
    run.create()
    try:
        yield run
    finally:
        run.drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A seeded database of each backend; the test runs once per backend."""
    if request.param == "sqlite":
        return sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)
    run: PostgresRun = request.getfixturevalue("postgres_run")
    run.reset()
    return run.url


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A seeded SQLite database, for tests where the backend does not matter."""
    return sqlite_copy(sqlite_template, tmp_path)


@pytest.fixture
def pg_url(postgres_run: PostgresRun) -> str:
    postgres_run.reset()
    return postgres_run.url


def _running_gateway(url: str) -> Iterator[RunningGateway]:
    app = App.build(gateway_settings(url), clock=FakeClock(OFFICE_HOURS))
    running = RunningGateway(app).start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def gateway(db_url: str) -> Iterator[RunningGateway]:
    yield from _running_gateway(db_url)


@pytest.fixture
def sqlite_gateway(sqlite_url: str) -> Iterator[RunningGateway]:
    yield from _running_gateway(sqlite_url)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, db_url: str) -> str:
    """`tnde` commands run in-process against db_url, whatever the caller's shell has set."""
    monkeypatch.delenv("TNDE_CONFIG", raising=False)
    monkeypatch.delenv("TNDE_UI__LANGUAGE", raising=False)  # Indonesian, the default
    monkeypatch.setenv("TNDE_DATABASE__URL", db_url)
    return db_url


@pytest.fixture
def proxied_pg(pg_url: str) -> Iterator[tuple[RunningGateway, TcpProxy]]:
    """A gateway whose PostgreSQL is reached through a proxy the test can cut."""
    proxy = TcpProxy((PG_HOST, PG_PORT)).start()
    url = pg_url.replace(f"{PG_HOST}:{PG_PORT}", f"127.0.0.1:{proxy.port}")
    gateway = RunningGateway(App.build(gateway_settings(url))).start()
    try:
        yield gateway, proxy
    finally:
        gateway.stop()
        proxy.cut()
