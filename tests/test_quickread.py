"""`tnde naskah list` on SQLite reads without SQLAlchemy and says exactly what the ORM says."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import update

from gateway.cli import quickread
from gateway.db.models import Naskah
from gateway.registry import load_naskah_list
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import naskah_rows, settled

ZONE = "Asia/Jakarta"


@pytest.fixture
def register(sqlite_gateway: RunningGateway) -> RunningGateway:
    """Letters of two units and kinds of content: an attachment, a tanggal, none at all."""
    gateway = sqlite_gateway
    pdf = b"%PDF-1.4\n% test\n"
    with gateway.smtp() as client:
        client.sendmail(
            "tu@kemkes.go.id",
            [f"dinkes@{DOMAIN}"],
            letter(attachments=[("surat.pdf", "application/pdf", pdf)]),
        )
        client.sendmail(
            "tu@kemkes.go.id",
            [f"setda@{DOMAIN}", f"dinkes@{DOMAIN}"],
            letter(
                subject="Kedua",
                body="Nomor: 005/9/2026\nTanggal: 27 November 2026\nSifat: Segera\n",
            ),
        )
        client.sendmail("x@example.org", [f"setda@{DOMAIN}"], letter(subject="", body="-"))
    wait_for(lambda: settled(gateway.app) and len(naskah_rows(gateway.app)) >= 3)
    with gateway.app.db.write() as session:
        # Past midnight WIB, and with microseconds, as the clock stores them.
        late = dt.datetime(2026, 11, 30, 17, 30, 5, 123456, tzinfo=dt.UTC)
        session.execute(update(Naskah).where(Naskah.id == 1).values(received_at=late))
    return gateway


def test_the_quick_reader_gives_what_the_orm_gives(
    register: RunningGateway, sqlite_url: str
) -> None:
    for limit, kind in ((None, None), (2, None), (None, "surat_masuk")):
        quick = quickread.naskah_list(sqlite_url, limit, kind, ZONE)
        orm = load_naskah_list(register.app.db, limit, zone=ZONE, kind=kind)
        assert quick is not None
        # As JSON, so 0 and False (SQLite's and the ORM's booleans) differ as scripts see them.
        assert _json(quick) == _json(orm), (limit, kind)
    assert len(quickread.naskah_list(sqlite_url, None, None, ZONE) or []) >= 3
    first = quickread.naskah_list(sqlite_url, None, None, ZONE)[-1]  # type: ignore[index]
    assert first["received_at"] == "2026-12-01T00:30:05+07:00"
    assert first["attachments"] and first["attachments"][0]["filename"] == "surat.pdf"


def _json(items: list[dict[str, object]]) -> str:
    return json.dumps(items, sort_keys=True, default=str)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:5432/x",
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:////nonexistent/tnde.db",
        "sqlite:///tnde.db?mode=ro",
    ],
)
def test_anything_but_a_plain_sqlite_file_takes_the_orm_path(url: str) -> None:
    assert quickread.naskah_list(url, None, None, ZONE) is None


def test_an_uninitialised_file_takes_the_orm_path(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    assert quickread.naskah_list(f"sqlite:///{path}", None, None, ZONE) is None


def test_naskah_list_on_sqlite_imports_no_sqlalchemy(
    register: RunningGateway, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = _run_listing_imports(["naskah", "list"], sqlite_url, monkeypatch)
    assert output.splitlines()[-1] == "0 []", output
    assert "Kedua" in output


def test_check_reads_the_revision_of_a_sqlite_file_quickly(sqlite_url: str, tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from gateway.db.migrate import current_revision

    engine = create_engine(sqlite_url)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    assert revision and quickread.schema_revision(sqlite_url) == revision
    empty = tmp_path / "kosong.db"
    sqlite3.connect(empty).close()
    assert quickread.schema_revision(f"sqlite:///{empty}") is None
    for url in ("postgresql+psycopg://postgres@127.0.0.1:5432/x", f"sqlite:///{tmp_path}/no.db"):
        with pytest.raises(quickread.Unsure):
            quickread.schema_revision(url)


def test_check_on_sqlite_imports_no_sqlalchemy(
    register: RunningGateway, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = _run_listing_imports(["check", "--no-dns"], sqlite_url, monkeypatch)
    # 0 or 1 (a port of the running test gateway may be taken): the import set is the point.
    assert output.splitlines()[-1].endswith(" []"), output
    assert "basis data: baik" in output, output


def _run_listing_imports(argv: list[str], url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """`tnde ARGV` in a fresh interpreter: what it printed, then its exit code and which of
    SQLAlchemy and psycopg it imported."""
    monkeypatch.setenv("TNDE_DATABASE__URL", url)
    monkeypatch.delenv("TNDE_CONFIG", raising=False)
    code = (
        f"import sys; from gateway.cli.main import main; code = main({argv!r}); "
        "print(code, sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'psycopg'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return result.stdout.strip()


def test_check_shows_the_database_url_without_its_password(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Administrators paste `tnde check` into tickets; trust auth ignores the password."""
    from gateway.config import shown_url
    from tests.support.cli import run
    from tests.support.databases import fresh_pg_database

    for url in fresh_pg_database():
        secret = url.replace("postgres@", "postgres:rahasia-sekali@", 1)
        assert secret != url
        monkeypatch.delenv("TNDE_CONFIG", raising=False)
        monkeypatch.setenv("TNDE_DATABASE__URL", secret)
        for command in (["init"], ["check", "--no-dns"]):
            _, out, err = run(capsys, *command)
            assert "rahasia-sekali" not in out + err
            assert "postgres:***@" in out, out
    assert shown_url("postgresql://u@h/d?sslmode=require&password=x") == (
        "postgresql://u@h/d?sslmode=require&password=***"
    )
    assert shown_url("sqlite:////var/lib/tnde/tnde.db") == "sqlite:////var/lib/tnde/tnde.db"
    # SQLAlchemy takes these unencoded; urlsplit would stop at the first / # ?
    for password in ("pa/ss", "pa#ss", "pa?ss", "p@ss", "Rahasia123"):
        shown = shown_url(f"postgresql+psycopg://tnde:{password}@db:5432/tnde")
        assert shown == "postgresql+psycopg://tnde:***@db:5432/tnde", shown
    # An unsupported URL is named in the error without its password.
    monkeypatch.setenv("TNDE_DATABASE__URL", "mysql://tnde:Rahasia123@db/tnde")
    code, out, err = run(capsys, "check", "--no-dns")
    assert code == 2 and "mysql://tnde:***@db/tnde" in err and "Rahasia123" not in out + err
