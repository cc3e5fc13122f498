"""PostgreSQL copies with `pg_dump --format=custom` and `pg_restore`, password in PGPASSWORD."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from gateway.backup.errors import BackupError

TOOL_DIRS = "/usr/lib/postgresql/*/bin"
CHUNK = 1024 * 1024


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection string for the URL, and the environment holding its password.

    The password never appears on a command line (other users can read those in ps)."""
    parsed = make_url(url)
    params: dict[str, str] = {}
    for key, part in (
        ("host", parsed.host),
        ("port", parsed.port),
        ("user", parsed.username),
        ("dbname", parsed.database),
    ):
        if part not in (None, ""):
            params[key] = str(part)
    password = parsed.password
    for key, value in parsed.query.items():
        text = value if isinstance(value, str) else value[-1]
        if key == "password":  # ?password=... : also never on the command line
            password = password or text
            continue
        params[key] = text
    env = {"PGPASSWORD": str(password)} if password else {}
    return " ".join(f"{key}={_quoted(value)}" for key, value in params.items()), env


def _quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def find_tool(name: str) -> str:
    """pg_dump or pg_restore: on PATH, else the newest under /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"{TOOL_DIRS}/{name}"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    if not candidates:
        raise BackupError("backup.pg_tool_missing", tool=name)
    return candidates[-1]


def _run(argv: list[str], env: dict[str, str], stdout: int | None = None) -> None:
    full_env = {**os.environ, **env}
    try:
        done = subprocess.run(
            argv, env=full_env, stdout=stdout, stderr=subprocess.PIPE, check=False
        )
    except OSError as err:
        raise BackupError("backup.pg_tool_failed", tool=Path(argv[0]).name, error=err) from err
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        error = lines[-1] if lines else f"exit {done.returncode}"
        raise BackupError("backup.pg_tool_failed", tool=Path(argv[0]).name, error=error)


def dump(url: str, target: Path) -> None:
    """pg_dump --format=custom into the new file `target` (0600).

    One pg_dump run is one snapshot (a repeatable-read transaction), so the copy is
    consistent while the gateway keeps writing."""
    conninfo, env = libpq(url)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        _run([find_tool("pg_dump"), "--format=custom", f"--dbname={conninfo}"], env, stdout=fd)
        os.fsync(fd)
    finally:
        os.close(fd)


def restore(url: str, source: Path, *, clean: bool) -> None:
    """Restore the dump into the database of `url` in one transaction; owners and grants
    are those of the restoring user (--no-owner --no-privileges), so a new machine's role
    names need not match.

    `clean` (only with --force) first drops the whole `public` schema with everything in
    it, also tables a newer release added (with foreign keys into the dump's tables),
    and creates it again: in the same transaction as the restore, so a failure leaves
    the database as it was. pg_restore cannot run SQL of its own first, so it writes
    the dump as SQL and psql runs it after the DROP SCHEMA, in one transaction that is
    committed only when pg_restore finished without error."""
    conninfo, env = libpq(url)
    options = ["--no-owner", "--no-privileges", "--exit-on-error"]
    if not clean:
        argv = [find_tool("pg_restore"), f"--dbname={conninfo}", *options]
        _run([*argv, "--single-transaction", str(source)], env)
        return
    _restore_clean(conninfo, env, [find_tool("pg_restore"), *options, "--file=-", str(source)])


RESET_SCHEMA = b"BEGIN;\nDROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"


def _restore_clean(conninfo: str, env: dict[str, str], dump_argv: list[str]) -> None:
    """psql reads BEGIN, the schema reset, pg_restore's SQL, then COMMIT only when
    pg_restore succeeded: anything else ends the session with the transaction open,
    and PostgreSQL rolls it back."""
    import tempfile

    full_env = {**os.environ, **env}
    psql_argv = [
        find_tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1",
        f"--dbname={conninfo}",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as psql_err, tempfile.TemporaryFile() as dump_err:
        try:
            psql = subprocess.Popen(
                psql_argv, env=full_env, stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=psql_err,
            )  # fmt: skip
        except OSError as err:
            raise BackupError("backup.pg_tool_failed", tool="psql", error=err) from err
        assert psql.stdin is not None
        dump_code: int | None = None
        try:
            psql.stdin.write(RESET_SCHEMA)
            dumper = subprocess.Popen(
                dump_argv, env=full_env, stdout=subprocess.PIPE, stderr=dump_err
            )
            assert dumper.stdout is not None
            try:
                while chunk := dumper.stdout.read(CHUNK):
                    psql.stdin.write(chunk)
            finally:
                dumper.stdout.close()
                dump_code = dumper.wait()
            if dump_code == 0:
                psql.stdin.write(b"COMMIT;\n")
        except BrokenPipeError:
            pass  # psql stopped at an error: its message is read below
        except OSError as err:
            psql.kill()
            raise BackupError("backup.pg_tool_failed", tool="pg_restore", error=err) from err
        finally:
            with contextlib.suppress(BrokenPipeError):
                psql.stdin.close()
            psql_code = psql.wait()
        if psql_code != 0 or dump_code is None:
            raise BackupError(
                "backup.pg_tool_failed", tool="psql", error=_last_line(psql_err, psql_code)
            )
        if dump_code != 0:
            raise BackupError(
                "backup.pg_tool_failed", tool="pg_restore", error=_last_line(dump_err, dump_code)
            )


def _last_line(stream: IO[bytes], code: int) -> str:
    stream.seek(0)
    lines = stream.read().decode("utf-8", "replace").strip().splitlines()
    # psql follows its ERROR line with LINE/CONTEXT lines; the ERROR says what went wrong.
    errors = [line for line in lines if "ERROR:" in line or "error:" in line]
    return (errors or lines or [f"exit {code}"])[-1]
