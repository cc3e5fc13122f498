"""`tnde backup create|verify|restore`: real letters through a real gateway, a backup taken
while it runs, restored into an empty database of the same kind (SQLite and PostgreSQL),
where `tnde audit verify` passes and the register is identical; a damaged or foreign
backup is refused before anything is written."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from gateway.backup.errors import BackupError
from gateway.backup.postgres import find_tool, libpq
from gateway.backup.schema import known_revisions
from tests.support.cli import run
from tests.support.databases import fresh_pg_database
from tests.support.dkimkeys import DkimKey
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import naskah_rows, settled
from tests.support.requirements import need

PDF = b"%PDF-1.4\n% surat undangan\n" + bytes(range(256)) * 64
SHEET = b"PK\x03\x04 lampiran tabel " * 500


@pytest.fixture
def config_file(tmp_path: Path, db_url: str) -> Path:
    """A configuration file naming a DKIM key and a directory of trust roots."""
    keys = tmp_path / "etc"
    (keys / "roots" / "bsre").mkdir(parents=True)
    (keys / "dkim.pem").write_bytes(DkimKey.generate().private_pem)
    (keys / "roots" / "bsre" / "root.pem").write_text("-----BEGIN CERTIFICATE-----\nx\n")
    config = keys / "tnde.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n\n'
        f'[dkim]\nselector = "tnde2026"\nprivate_key = "{keys / "dkim.pem"}"\n\n'
        f'[tte]\ntrust_roots = ["{keys / "roots"}"]\n',
        encoding="utf-8",
    )
    return config


@pytest.fixture
def letters(cli_env: str, gateway: RunningGateway) -> RunningGateway:
    """Two letters with attachments, registered through real SMTP."""
    with gateway.smtp() as client:
        client.sendmail(
            "tu@kemkes.go.id",
            [f"dinkes@{DOMAIN}"],
            letter(
                attachments=[
                    ("undangan.pdf", "application/pdf", PDF),
                    ("daftar-hadir.xlsx", "application/octet-stream", SHEET),
                ]
            ),
        )
        client.sendmail(
            "tu@kemkes.go.id",
            [f"setda@{DOMAIN}"],
            letter(
                subject="Laporan Bulanan",
                attachments=[("laporan.pdf", "application/pdf", PDF[::-1])],
            ),
        )
    wait_for(lambda: settled(gateway.app) and len(naskah_rows(gateway.app)) == 2)
    return gateway


@pytest.fixture
def target_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind to restore into (PostgreSQL: created, dropped)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'mesin-baru' / 'tnde.db'}"
        return
    for tool in ("pg_dump", "pg_restore"):
        try:
            find_tool(tool)
        except BackupError:
            need(False, f"{tool} (Debian package postgresql-client)")
    yield from fresh_pg_database()


def _register(capsys: pytest.CaptureFixture[str], config: Path) -> list[dict[str, Any]]:
    code, out, err = run(capsys, "--config", str(config), "naskah", "list", "--json")
    assert code == 0, err
    items: list[dict[str, Any]] = json.loads(out)
    return items


def test_round_trip_into_an_empty_database(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    letters: RunningGateway,
    config_file: Path,
    target_url: str,
    tmp_path: Path,
) -> None:
    before = _register(capsys, config_file)
    assert len(before) == 2
    assert sorted(a["filename"] for i in before for a in i["attachments"]) == [
        "daftar-hadir.xlsx",
        "laporan.pdf",
        "undangan.pdf",
    ]
    backup = tmp_path / "cadangan" / "2026-12-01"
    # Taken while the gateway is serving (its SMTP, worker and outbox are running).
    code, out, err = run(capsys, "--config", str(config_file), "backup", "create", str(backup))
    assert code == 0, err
    assert "Cadangan dibuat di" in out and "Menyalin basis data" in err

    # Private: the directory and its folders 0700, every file 0600.
    for path in [backup, *backup.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    kind = "sqlite" if letters.app.settings.database.url.startswith("sqlite") else "postgresql"
    _, head = known_revisions()
    assert manifest["format"] == 1 and manifest["database_kind"] == kind
    assert manifest["alembic_revision"] == head and manifest["gateway_version"]
    assert manifest["created_at"].endswith("+07:00")  # WIB
    roles = {entry["role"]: entry for entry in manifest["files"]}
    assert set(roles) == {"database", "config", "dkim.private_key", "tte.trust_roots"}
    assert roles["config"]["original"] == str(config_file)
    assert roles["tte.trust_roots"]["path"].endswith("roots/bsre/root.pem")
    stored = backup / roles["dkim.private_key"]["path"]
    assert stored.read_bytes() == (config_file.parent / "dkim.pem").read_bytes()

    code, out, _ = run(capsys, "backup", "verify", str(backup))
    assert code == 0 and "BAIK: 4 berkas cocok dengan manifest" in out and "WIB" in out

    monkeypatch.setenv("TNDE_DATABASE__URL", target_url)
    restored_config = tmp_path / "etc-baru"
    code, out, err = run(
        capsys,
        "--config", str(config_file),
        "backup", "restore", str(backup), "--config-to", str(restored_config),
    )  # fmt: skip
    assert code == 0, err
    assert f"revisi cadangan, {head}" in out and "tnde audit verify" in out
    assert (restored_config / "tnde.toml").read_bytes() == config_file.read_bytes()
    assert (restored_config / "00-dkim.private_key" / "dkim.pem").read_bytes() == (
        config_file.parent / "dkim.pem"
    ).read_bytes()
    assert stat.S_IMODE((restored_config / "tnde.toml").stat().st_mode) == 0o600

    code, out, err = run(capsys, "--config", str(config_file), "audit", "verify")
    assert code == 0, out + err
    assert "rantai diperiksa: BAIK" in out
    assert "berkas tersimpan (surat asli dan lampiran) diperiksa: BAIK" in out
    assert _register(capsys, config_file) == before

    # Restoring again would overwrite what is there now: refused unless --force.
    code, _, err = run(capsys, "--config", str(config_file), "backup", "restore", str(backup))
    assert code == 1 and "sudah berisi tabel" in err and "--force" in err
    # --force puts back exactly the backup, even over a database a failed upgrade left
    # at a newer revision, with a table the backup does not know holding a foreign key
    # into one it does (PostgreSQL: pg_restore --clean alone could not drop the key's target).
    _sql(
        target_url,
        "UPDATE naskah SET agenda_number = agenda_number || '-ubah'",
        "UPDATE alembic_version SET version_num = '9999_lebih_baru'",
        "CREATE TABLE tabel_baru (id INTEGER PRIMARY KEY,"
        " disposition_id INTEGER NOT NULL REFERENCES disposition (id))",
        "INSERT INTO tabel_baru (id, disposition_id) SELECT id, id FROM disposition",
    )
    assert _register(capsys, config_file) != before
    code, _, err = run(
        capsys, "--config", str(config_file), "backup", "restore", str(backup), "--force"
    )
    assert code == 0, err
    assert _register(capsys, config_file) == before
    assert "tabel_baru" not in _tables(target_url)
    code, out, err = run(capsys, "--config", str(config_file), "init")
    assert code == 0, out + err
    # The configuration files are never written over.
    code, _, err = run(
        capsys,
        "--config", str(config_file),
        "backup", "restore", str(backup), "--force", "--config-to", str(restored_config),
    )  # fmt: skip
    assert code == 1 and "tnde.toml sudah ada" in err


@pytest.mark.parametrize("damaged", ["database", "config"])
def test_a_damaged_backup_is_refused_naming_the_file(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    letters: RunningGateway,
    config_file: Path,
    target_url: str,
    tmp_path: Path,
    damaged: str,
) -> None:
    backup = tmp_path / "cadangan"
    assert run(capsys, "--config", str(config_file), "backup", "create", str(backup))[0] == 0
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["files"] if e["role"] == damaged)
    path = backup / entry["path"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    code, out, _ = run(capsys, "backup", "verify", str(backup))
    assert code == 1 and entry["path"] in out and "SHA-256" in out and "RUSAK" in out
    monkeypatch.setenv("TNDE_DATABASE__URL", target_url)
    code, _, err = run(capsys, "backup", "restore", str(backup))
    assert code == 1 and f"Berkas cadangan {entry['path']} tidak cocok" in err
    assert _target_is_empty(target_url)


def test_a_backup_from_a_newer_schema_or_another_kind_is_refused(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    letters: RunningGateway,
    target_url: str,
    tmp_path: Path,
) -> None:
    backup = tmp_path / "cadangan"
    assert run(capsys, "backup", "create", str(backup))[0] == 0
    manifest_path = backup / "manifest.json"
    original = manifest_path.read_text(encoding="utf-8")
    manifest = json.loads(original)
    monkeypatch.setenv("TNDE_DATABASE__URL", target_url)

    manifest["alembic_revision"] = "0099_from_the_future"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    code, _, err = run(capsys, "backup", "restore", str(backup))
    assert code == 1 and "0099_from_the_future" in err and "tidak dikenal" in err

    manifest = json.loads(original)
    manifest["database_kind"] = "postgresql" if manifest["database_kind"] == "sqlite" else "sqlite"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    code, _, err = run(capsys, "backup", "restore", str(backup))
    assert code == 1 and "sedangkan database.url menunjuk" in err

    manifest = json.loads(original)
    manifest["files"][0]["path"] = "../../etc/passwd"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    code, _, err = run(capsys, "backup", "restore", str(backup))
    assert code == 1 and "manifest.json tidak valid" in err
    assert _target_is_empty(target_url)


def test_create_refuses_a_directory_that_is_not_empty(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    (tmp_path / "isi").mkdir()
    (tmp_path / "isi" / "catatan.txt").write_text("jangan dihapus")
    code, _, err = run(capsys, "backup", "create", str(tmp_path / "isi"))
    assert code == 1 and "tidak kosong" in err
    assert (tmp_path / "isi" / "catatan.txt").read_text() == "jangan dihapus"
    code, _, err = run(capsys, "backup", "verify", str(tmp_path / "isi"))
    assert code == 1 and "bukan direktori cadangan" in err


def test_the_password_goes_to_the_environment_not_the_command_line() -> None:
    conninfo, env = libpq(
        "postgresql+psycopg://tnde:rahasia%20x@db.example:6543/tnde?sslmode=require"
    )
    assert "rahasia" not in conninfo
    assert env == {"PGPASSWORD": "rahasia x"}
    assert conninfo == "host='db.example' port='6543' user='tnde' dbname='tnde' sslmode='require'"
    assert libpq("postgresql://o'brien@h/d")[0] == "host='h' user='o\\'brien' dbname='d'"
    # A password given as a query parameter, not in the user part, is kept off it too.
    conninfo, env = libpq("postgresql://tnde@127.0.0.1/tnde?password=rahasia&sslmode=disable")
    assert "rahasia" not in conninfo and env == {"PGPASSWORD": "rahasia"}
    assert conninfo == "host='127.0.0.1' user='tnde' dbname='tnde' sslmode='disable'"


def test_config_to_that_cannot_be_written_refuses_before_the_restore(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    letters: RunningGateway,
    config_file: Path,
    target_url: str,
    tmp_path: Path,
) -> None:
    """--config-to is made and written to before the database is touched (under the sudo
    wrapper /etc/tnde is not the tnde user's); when that fails nothing is restored."""
    backup = tmp_path / "cadangan"
    assert run(capsys, "--config", str(config_file), "backup", "create", str(backup))[0] == 0
    (tmp_path / "berkas-biasa").write_text("bukan direktori")
    monkeypatch.setenv("TNDE_DATABASE__URL", target_url)
    code, out, err = run(
        capsys,
        "--config", str(config_file),
        "backup", "restore", str(backup), "--config-to", str(tmp_path / "berkas-biasa" / "etc"),
    )  # fmt: skip
    assert code == 1 and "basis data tidak diubah" in err and "--config-to" in err, out + err
    assert len(err.strip().splitlines()) == 1
    assert _target_is_empty(target_url)


def test_a_file_name_restore_would_refuse_fails_the_backup(
    capsys: pytest.CaptureFixture[str], cli_env: str, tmp_path: Path
) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "surat\\lama.j2").write_text("x")
    config = tmp_path / "tnde.toml"
    config.write_text(f'[templates]\ndirectory = "{templates}"\n', encoding="utf-8")
    backup = tmp_path / "cadangan"
    code, _, err = run(capsys, "--config", str(config), "backup", "create", str(backup))
    assert code == 1 and "surat\\lama.j2" in err and "garis miring terbalik" in err, err
    assert not backup.exists()


def test_manifest_problems_are_told_in_indonesian(
    capsys: pytest.CaptureFixture[str], letters: RunningGateway, tmp_path: Path
) -> None:
    backup = tmp_path / "cadangan"
    assert run(capsys, "backup", "create", str(backup))[0] == 0
    manifest_path = backup / "manifest.json"
    original = json.loads(manifest_path.read_text(encoding="utf-8"))
    cases: list[tuple[Any, str]] = [
        ([], "bukan objek JSON"),
        (
            {k: v for k, v in original.items() if k != "alembic_revision"},
            'isian "alembic_revision"',
        ),
        ({**original, "files": original["files"] * 2}, "tepat satu berkas basis data, ada 2"),
        (
            {**original, "files": [*original["files"], {**original["files"][0], "role": "x"}]},
            f"jalur {original['files'][0]['path']} disebut dua kali",
        ),
    ]
    for document, expected in cases:
        manifest_path.write_text(json.dumps(document), encoding="utf-8")
        code, _, err = run(capsys, "backup", "verify", str(backup))
        assert code == 1 and "manifest.json tidak valid" in err and expected in err, err
        assert "not " not in err and "Error" not in err
    manifest_path.write_text("{", encoding="utf-8")
    code, _, err = run(capsys, "backup", "verify", str(backup))
    assert code == 1 and "bukan JSON yang sah (baris 1, kolom 2)" in err, err


# SQLite only (not a skip on PostgreSQL: a pg_dump file's revision is not read).
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_restore_reads_the_revision_from_the_sqlite_file_itself(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    letters: RunningGateway,
    target_url: str,
    tmp_path: Path,
) -> None:
    """A database file whose own revision is not the manifest's is refused, even when
    the manifest's SHA-256 was made to match it."""
    assert target_url.startswith("sqlite")
    import hashlib
    import sqlite3

    backup = tmp_path / "cadangan"
    assert run(capsys, "backup", "create", str(backup))[0] == 0
    database = backup / "database.sqlite3"
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    manifest_path = backup / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    data = database.read_bytes()
    manifest["files"][0].update(sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    monkeypatch.setenv("TNDE_DATABASE__URL", target_url)
    code, _, err = run(capsys, "backup", "restore", str(backup))
    assert code == 1 and "revisi skema 0001, bukan" in err, err
    assert _target_is_empty(target_url)


def _sql(url: str, *statements: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(text(statement))
    finally:
        engine.dispose()


def _tables(url: str) -> list[str]:
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return inspect(connection).get_table_names()
    finally:
        engine.dispose()


def _target_is_empty(url: str) -> bool:
    from sqlalchemy import create_engine, inspect

    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        return not path.exists() or path.stat().st_size == 0
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return not inspect(connection).get_table_names()
    finally:
        engine.dispose()


def test_a_backup_taken_while_letters_arrive_is_consistent(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    letters: RunningGateway,
    target_url: str,
    tmp_path: Path,
) -> None:
    """Letters keep arriving over SMTP while the copy is made: the restored register is
    the register at one instant (numbers without gaps, every file and chain intact)."""
    import threading

    stop = threading.Event()
    sent: list[int] = []

    def keep_sending() -> None:
        with letters.smtp() as client:
            while not stop.is_set() and len(sent) < 200:
                number = len(sent)
                pdf = PDF + number.to_bytes(2, "big")
                body = f"Nomor: 800/{number}/2026\nPerihal: Laporan ke-{number}\n"
                raw = letter(subject=f"Laporan {number}", body=body,
                             attachments=[("l.pdf", "application/pdf", pdf)])  # fmt: skip
                client.sendmail("tu@kemkes.go.id", [f"setda@{DOMAIN}"], raw)
                sent.append(1)

    sender = threading.Thread(target=keep_sending)
    sender.start()
    try:
        wait_for(lambda: len(naskah_rows(letters.app)) >= 6, timeout=30, what="letters arriving")
        backup = tmp_path / "cadangan"
        first = len(naskah_rows(letters.app))
        code, _, err = run(capsys, "backup", "create", str(backup))
        assert code == 0, err
        last = len(naskah_rows(letters.app))
    finally:
        stop.set()
        sender.join(30)
    wait_for(lambda: settled(letters.app), timeout=30)
    monkeypatch.setenv("TNDE_DATABASE__URL", target_url)
    assert run(capsys, "backup", "restore", str(backup))[0] == 0
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 0, out
    restored = json.loads(run(capsys, "naskah", "list", "--json")[1])
    setda = sorted(int(i["agenda_number"].split("/")[0]) for i in restored if i["unit"] == "SETDA")
    assert setda == list(range(1, len(setda) + 1))
    assert first <= len(restored) <= last


def test_a_force_restore_that_fails_half_way_leaves_postgresql_as_it_was(tmp_path: Path) -> None:
    """--force on PostgreSQL drops the schema and restores in one transaction, committed
    only when pg_restore finished: a dump cut off in its data changes nothing."""
    from gateway.backup import postgres

    for tool in ("pg_dump", "pg_restore", "psql"):
        try:
            find_tool(tool)
        except BackupError:
            need(False, f"{tool} (Debian package postgresql-client)")
    source, target = fresh_pg_database(), fresh_pg_database()
    try:
        source_url, target_url = next(source), next(target)
        _sql(
            source_url,
            "CREATE TABLE surat (id INTEGER PRIMARY KEY, isi TEXT NOT NULL)",
            "CREATE TABLE lampiran (id INTEGER PRIMARY KEY, isi TEXT NOT NULL)",
            "INSERT INTO surat SELECT g, md5(g::text) FROM generate_series(1, 50000) g",
            "INSERT INTO lampiran SELECT g, md5(g::text) FROM generate_series(1, 50000) g",
        )
        dump = tmp_path / "database.pgdump"
        postgres.dump(source_url, dump)
        cut = tmp_path / "terpotong.pgdump"
        cut.write_bytes(dump.read_bytes()[: dump.stat().st_size * 3 // 4])
        _sql(
            target_url, "CREATE TABLE lama (id INTEGER PRIMARY KEY)", "INSERT INTO lama VALUES (7)"
        )

        with pytest.raises(BackupError) as failed:
            postgres.restore(target_url, cut, clean=True)
        assert failed.value.key == "backup.pg_tool_failed"
        assert failed.value.fields["tool"] == "pg_restore"
        assert _tables(target_url) == ["lama"]

        postgres.restore(target_url, dump, clean=True)
        assert sorted(_tables(target_url)) == ["lampiran", "surat"]
    finally:
        source.close()
        target.close()


def test_texts_about_the_database_hide_its_password_and_speak_indonesian(
    tmp_path: Path,
) -> None:
    """backup.database_kind and backup.not_initialised show the URL without its password;
    the SQLite migration's foreign-key check (shown through init.failed) is Indonesian."""
    import sqlite3

    from sqlalchemy import create_engine

    from gateway.backup.run import create_backup, database_kind
    from gateway.catalogue import Catalogue
    from gateway.config import load_settings
    from gateway.db.migrate import _check_foreign_keys

    t = Catalogue()
    with pytest.raises(BackupError) as kind:
        database_kind("mysql://tnde:rahasia@db.example/tnde")
    assert "rahasia" not in t(kind.value.key, **kind.value.fields)

    fresh = fresh_pg_database()
    try:
        url = next(fresh).replace("postgres@", "postgres:rahasia@")  # trust: not checked
        settings = load_settings(None, environ={"TNDE_DATABASE__URL": url})
        engine = create_engine(url)
        try:
            with pytest.raises(BackupError) as never:
                create_backup(settings, engine, tmp_path / "cadangan", _Silent())
        finally:
            engine.dispose()
        text = t(never.value.key, **never.value.fields)
        assert "belum disiapkan" in text and "rahasia" not in text, text
    finally:
        fresh.close()

    database = tmp_path / "rusak.db"
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute("CREATE TABLE induk (id INTEGER PRIMARY KEY)")
        connection.execute("CREATE TABLE anak (id INTEGER PRIMARY KEY, induk_id REFERENCES induk)")
        connection.execute("INSERT INTO anak VALUES (1, 99)")
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection, pytest.raises(RuntimeError) as broken:
            _check_foreign_keys(connection)
    finally:
        engine.dispose()
    assert str(broken.value).startswith("migrasi skema meninggalkan 1 baris"), broken.value
    assert "anak #1 -> induk" in str(broken.value)


class _Silent:
    def note(self, key: str, /, **fields: object) -> None:
        pass

    def progress(self, total: int, key: str) -> Any:
        raise AssertionError("no progress expected")
