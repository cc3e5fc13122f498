"""deploy/install.sh, run unmodified as root on this machine, without touching it.

How: each run is a child of `unshare --mount` (a private mount namespace) in which /etc,
/opt, /var and /usr/local are overlayfs mounts: the host's directories below, an upper
directory under the test's tmp_path on top, and /run/systemd hidden. Inside, the script
sees the real machine and does exactly what it does on a server: `groupadd`/`useradd`
edit /etc/passwd and /etc/group, pip builds the venv at /opt/tnde/.venv from
requirements.lock through pip's configured index and cache, the config lands in
/etc/tnde, the unit in /etc/systemd/system, and `runuser -u tnde` runs the result. Every
write lands in the upper directories, which are therefore a precise record of what the
script changed: the tests read them (modes, owners, SHA-256 of every file) and the host
keeps no `tnde` user and nothing in /opt, /etc or /var (asserted).

Why not a `ROOT=`/`DESTDIR` prefix in the script: that would test a second code path (every
path rewritten, `useradd --root`), and a venv built under a prefix cannot run where it
was built (its scripts carry absolute paths), so `runuser -u tnde -- tnde init` could not
prove the install works. Here the script has no test switch at all.

What cannot run here (docs/id/instalasi.md says so): systemd is not PID 1 on this machine,
so the script takes its "no systemd" path (no `daemon-reload`) and nothing checks
`systemctl enable --now tnde`, the unit's sandboxing at run time, or the refusal to
replace the code while tnde.service is active. `systemd-analyze verify` does check the
installed unit file and that its binaries exist. Each test's machine is a copy of one
installed machine (the venv is built once per module, about a minute)."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.support.requirements import need, need_binary

ROOT = Path(__file__).resolve().parents[1]
# The directories the overlays cover, and the name of each one's upper directory.
OVERLAID = {"/etc": "etc", "/opt": "opt", "/var": "var", "/usr/local": "usr_local"}
GUARD = "/etc/.tnde-install-test"
# Runs "$@" inside the namespace once the overlays are in place; never runs it otherwise.
NAMESPACE = f"""
set -eu
state=$1; shift
for pair in {" ".join(f"{top}:{name}" for top, name in OVERLAID.items())}; do
  top=${{pair%%:*}}; name=${{pair#*:}}
  mkdir -p "$state/upper/$name" "$state/work/$name"
  mount -t overlay overlay \\
    -o "lowerdir=$top,upperdir=$state/upper/$name,workdir=$state/work/$name" "$top"
done
if [ -d /run/systemd ]; then mount -t tmpfs tmpfs /run/systemd; fi
touch {GUARD}
test -e "$state/upper/etc/{GUARD.removeprefix("/etc/")}"
exec "$@"
"""
# What a release tree holds (what install.sh reads).
RELEASE = ("pyproject.toml", "README.md", "requirements.lock", "gateway", "rules", "webadmin")
HOST_PATHS = (
    "/opt/tnde",
    "/etc/tnde",
    "/var/lib/tnde",
    "/etc/systemd/system/tnde.service",
    "/usr/local/bin/tnde",
    GUARD,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


class Entry(NamedTuple):
    """One path in a snapshot."""

    kind: int
    mode: int
    uid: int
    gid: int
    content: str  # SHA-256 of a file, target of a symlink


@dataclass
class Machine:
    """A throwaway copy of this machine: the upper directories of the overlays."""

    state: Path

    def run(
        self, *argv: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        command = ["unshare", "--mount", "--propagation", "private", "--fork"]
        command += ["sh", "-c", NAMESPACE, "sh", str(self.state), *argv]
        # An administrator's root shell: no TNDE_* settings of the test run leak in.
        clean = {k: v for k, v in os.environ.items() if not k.startswith("TNDE_")}
        return subprocess.run(
            command, capture_output=True, text=True, timeout=800, check=False,
            env={**clean, **(env or {})},
        )  # fmt: skip

    def install(self, release: Path, **env: str) -> subprocess.CompletedProcess[str]:
        return self.run("bash", str(release / "deploy" / "install.sh"), env=env)

    def path(self, absolute: str) -> Path:
        """Where a path the script wrote lives on the host (its overlay's upper dir)."""
        for top, name in sorted(OVERLAID.items(), key=lambda item: -len(item[0])):
            if absolute == top or absolute.startswith(top + "/"):
                return self.state / "upper" / name / absolute.removeprefix(top).lstrip("/")
        raise ValueError(absolute)

    def snapshot(self) -> dict[str, Entry]:
        """Every path the script changed: kind, mode, owner, group and content hash."""
        found: dict[str, Entry] = {}
        for top, name in OVERLAID.items():
            upper = self.state / "upper" / name
            for folder, dirs, files in os.walk(upper):
                for entry in [*dirs, *files]:
                    path = Path(folder, entry)
                    shown = top + "/" + str(path.relative_to(upper))
                    if shown == GUARD:
                        continue
                    info = path.lstat()
                    found[shown] = Entry(
                        stat.S_IFMT(info.st_mode),
                        stat.S_IMODE(info.st_mode),
                        info.st_uid,
                        info.st_gid,
                        _content(path, info),
                    )
        return found

    def account(self, name: str, database: str = "passwd") -> list[str] | None:
        for line in self.path(f"/etc/{database}").read_text().splitlines():
            fields = line.split(":")
            if fields[0] == name:
                return fields
        return None


def _content(path: Path, info: os.stat_result) -> str:
    if stat.S_ISREG(info.st_mode):
        return hashlib.sha256(path.read_bytes()).hexdigest()
    if stat.S_ISLNK(info.st_mode):
        return os.readlink(path)
    return ""


def _copy_release(target: Path) -> Path:
    """A release tree as an administrator unpacks it: fixed while the test runs."""
    target.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in (*RELEASE, "deploy"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        else:
            shutil.copy2(source, target / name)
    return target


def _host_is_clean() -> list[str]:
    leftovers = [path for path in HOST_PATHS if os.path.lexists(path)]
    with open("/etc/passwd") as users, open("/etc/group") as groups:
        leftovers += [f"{what} tnde" for what, table in (("user", users), ("group", groups))
                      if any(line.startswith("tnde:") for line in table)]  # fmt: skip
    return leftovers


@pytest.fixture(scope="module")
def namespaces() -> None:
    need(os.geteuid() == 0, "root (the installer test mounts overlays in a mount namespace)")
    need_binary("unshare", "util-linux")
    need_binary("runuser", "util-linux")
    need_binary("useradd", "passwd")
    probe = subprocess.run(
        ["unshare", "--mount", "--fork", "true"], capture_output=True, check=False
    )
    need(probe.returncode == 0, "mount namespaces (unshare --mount)")
    assert _host_is_clean() == [], "a tnde installation exists on this host; the test needs none"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _copy_release(tmp_path_factory.mktemp("release") / "tnde-gateway")


@pytest.fixture(scope="module")
def installed(
    namespaces: None, release: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Machine, subprocess.CompletedProcess[str]]]:
    """One fresh install; the venv alone is some 150 MB, so it is removed afterwards."""
    machine = Machine(tmp_path_factory.mktemp("installed"))
    try:
        result = machine.install(release)
        assert result.returncode == 0, result.stdout + result.stderr
        yield machine, result
    finally:
        shutil.rmtree(machine.state, ignore_errors=True)
    assert _host_is_clean() == []


@pytest.fixture
def machine(
    installed: tuple[Machine, subprocess.CompletedProcess[str]], tmp_path: Path
) -> Iterator[Machine]:
    """A private copy of the installed machine (owners and modes kept; fresh work dirs)."""
    copy = Machine(tmp_path / "machine")
    (copy.state).mkdir()
    subprocess.run(["cp", "-a", str(installed[0].state / "upper"), str(copy.state)], check=True)
    try:
        yield copy
    finally:
        shutil.rmtree(copy.state, ignore_errors=True)


def _lock_pins(lock: Path) -> set[tuple[str, str]]:
    from packaging.utils import canonicalize_name

    return {
        (canonicalize_name(name), version)
        for line in lock.read_text().splitlines()
        if "==" in line and not line.startswith((" ", "#"))
        for name, _, version in [line.split(" ")[0].partition("==")]
    }


def _installed_distributions(site: Path) -> set[tuple[str, str]]:
    from packaging.utils import canonicalize_name

    found: set[tuple[str, str]] = set()
    for info in site.glob("*.dist-info"):
        name, _, version = info.name.removesuffix(".dist-info").partition("-")
        found.add((canonicalize_name(name), version))
    return found


def test_a_fresh_install_lays_out_the_machine(
    installed: tuple[Machine, subprocess.CompletedProcess[str]], release: Path
) -> None:
    machine, result = installed
    assert "pengguna sistem tnde dibuat" in result.stdout, result.stdout
    assert "/etc/tnde/tnde.toml dibuat dari contoh" in result.stdout
    user, group = machine.account("tnde"), machine.account("tnde", "group")
    assert user is not None and group is not None
    _, _, uid, gid, _, home, shell = user
    assert int(uid) < 1000 and gid == group[2], user  # a system account in its own group
    assert (home, shell) == ("/var/lib/tnde", "/usr/sbin/nologin")
    uid_, gid_ = int(uid), int(gid)

    tree = machine.snapshot()
    expect = {  # path: (mode, owner, group)
        "/opt/tnde": (0o755, 0, 0),
        "/opt/tnde/.venv/bin/tnde": (0o755, 0, 0),
        "/etc/tnde": (0o750, 0, gid_),
        "/etc/tnde/tnde.toml": (0o640, 0, gid_),  # secrets go in here: not world-readable
        "/var/lib/tnde": (0o750, uid_, gid_),
        "/etc/systemd/system/tnde.service": (0o644, 0, 0),
        "/usr/local/bin/tnde": (0o755, 0, 0),
        "/opt/tnde/share/tnde.example.toml": (0o644, 0, 0),
        "/opt/tnde/share/nginx/tnde.conf": (0o644, 0, 0),
        "/opt/tnde/share/demo-org.yaml": (0o644, 0, 0),
    }
    assert {path: tree[path][1:4] for path in expect} == expect
    # Nothing of the code is writable by the service's account.
    writable = [p for p, e in tree.items() if p.startswith("/opt/")
                and (e.uid != 0 or e.mode & 0o022) and e.kind != stat.S_IFLNK]  # fmt: skip
    assert writable == []

    unit = machine.path("/etc/systemd/system/tnde.service").read_bytes()
    assert unit == (release / "deploy" / "systemd" / "tnde.service").read_bytes()
    config = machine.path("/etc/tnde/tnde.toml").read_text()
    assert 'url = "sqlite:////var/lib/tnde/tnde.db"' in config  # absolute, in the data dir
    example = (release / "deploy" / "tnde.example.toml").read_text()
    assert config.replace("sqlite:////var/lib/tnde/tnde.db", "sqlite:///var/tnde.db") == example

    site = machine.path("/opt/tnde/.venv/lib/python3.11/site-packages")
    distributions = _installed_distributions(site)
    assert _lock_pins(release / "requirements.lock") <= distributions
    assert ("tnde-gateway", "0.1.0") in distributions
    assert _host_is_clean() == []


def test_the_installed_gateway_initialises_and_checks_as_tnde(machine: Machine) -> None:
    """What the guide tells the administrator to do next, through /usr/local/bin/tnde."""
    result = machine.run(
        "sh", "-c", "/usr/local/bin/tnde init && /usr/local/bin/tnde check; echo check=$?; "
        "stat -c '%U:%G %a' /var/lib/tnde/tnde.db; "
        "systemd-analyze verify /etc/systemd/system/tnde.service && echo unit-ok",
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "basis data siap: sqlite:////var/lib/tnde/tnde.db" in output
    assert "basis data: baik (sqlite:////var/lib/tnde/tnde.db, skema" in output
    # The database belongs to the service's account although root typed the command.
    assert "tnde:tnde 6" in output, output
    assert "unit-ok" in output, output


def test_a_second_run_changes_nothing_and_keeps_an_edited_config(
    machine: Machine, release: Path
) -> None:
    prepared = machine.run(
        "sh", "-c", "/usr/local/bin/tnde init >/dev/null && "
        "sed -i 's/^domain = \"tnde.banyumaskab.go.id\"/domain = \"tnde.contoh.go.id\"/' "
        "/etc/tnde/tnde.toml",
    )  # fmt: skip
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    edited = machine.path("/etc/tnde/tnde.toml").read_text()
    assert 'domain = "tnde.contoh.go.id"' in edited
    before = machine.snapshot()

    again = machine.install(release)

    assert again.returncode == 0, again.stdout + again.stderr
    after = machine.snapshot()
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    assert changed == []
    assert machine.path("/etc/tnde/tnde.toml").read_text() == edited
    assert "sudah versi ini; tidak ada yang dipasang ulang" in again.stdout, again.stdout
    assert "/etc/tnde/tnde.toml sudah ada; tidak diubah" in again.stdout
    assert _host_is_clean() == []


def test_a_new_release_replaces_the_code_and_keeps_config_and_data(
    machine: Machine, release: Path, tmp_path: Path
) -> None:
    newer = _copy_release(tmp_path / "tnde-gateway-newer")
    (newer / "gateway" / "data" / "release-note.txt").write_text("rilis berikutnya\n")
    prepared = machine.run("/usr/local/bin/tnde", "init")
    assert prepared.returncode == 0, prepared.stdout + prepared.stderr
    kept = {p: machine.snapshot()[p] for p in ("/etc/tnde/tnde.toml", "/var/lib/tnde/tnde.db")}

    result = machine.install(newer)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "tnde-gateway terpasang di /opt/tnde/.venv" in result.stdout
    site = machine.path("/opt/tnde/.venv/lib/python3.11/site-packages")
    assert (site / "gateway" / "data" / "release-note.txt").read_text() == "rilis berikutnya\n"
    assert {p: machine.snapshot()[p] for p in kept} == kept


def test_it_refuses_to_run_without_root(namespaces: None, tmp_path: Path) -> None:
    result = Machine(tmp_path).run("runuser", "-u", "nobody", "--", "bash",
                                   str(ROOT / "deploy" / "install.sh"))  # fmt: skip
    assert result.returncode == 1
    script = ROOT / "deploy" / "install.sh"
    assert result.stderr.strip() == (
        f"tnde-install: GAGAL: harus dijalankan sebagai root, misalnya: sudo {script}"
    )
    assert not (tmp_path / "upper" / "opt" / "tnde").exists()


def test_it_refuses_a_python_older_than_3_11(namespaces: None, tmp_path: Path) -> None:
    # A real interpreter, not pyenv's shim (a shell script that picks one by configuration).
    candidates = [
        *Path("/root/.pyenv/versions").glob("3.10*/bin/python3.10"),
        Path("/usr/bin/python3.10"),
    ]
    old = next((str(p) for p in candidates if p.exists()), None)
    need(old is not None, "a Python 3.10 interpreter (pyenv's) to try the version check with")
    assert old is not None
    result = Machine(tmp_path).install(ROOT, PYTHON=old)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"perlu Python 3.11 atau lebih baru; {old} adalah versi 3.10" in result.stderr
    assert not (tmp_path / "upper" / "opt" / "tnde").exists()
