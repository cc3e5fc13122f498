"""A real authoritative DNS server (Debian's nsd) on a loopback port, serving test zones."""

from __future__ import annotations

import contextlib
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import dns.exception
import dns.resolver

from tests.fixtures.ports import free_port
from tests.support.requirements import need_binary


def _udp_port() -> int:
    """A port free for both TCP and UDP (nsd listens on both)."""
    import socket

    while True:
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


class AuthoritativeDns:
    """nsd serving `zones` ({origin: [record lines]}) on 127.0.0.1:port until stop()."""

    def __init__(self, zones: Mapping[str, list[str]]) -> None:
        self.binary = need_binary("nsd", "nsd")
        self.zones = dict(zones)
        self.dir = Path(tempfile.mkdtemp(prefix="tnde-nsd-"))
        self.port = _udp_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> AuthoritativeDns:
        config = [
            "server:",
            f"  ip-address: 127.0.0.1@{self.port}",
            f"  port: {self.port}",
            '  username: ""',
            '  chroot: ""',
            f'  zonesdir: "{self.dir}"',
            '  database: ""',
            f'  zonelistfile: "{self.dir}/zone.list"',
            f'  pidfile: "{self.dir}/nsd.pid"',
            f'  xfrdfile: "{self.dir}/xfrd.state"',
            f'  xfrdir: "{self.dir}"',
            f'  logfile: "{self.dir}/nsd.log"',
            "  server-count: 1",
            "  hide-version: yes",
            "remote-control:",
            "  control-enable: no",
        ]
        for origin, records in self.zones.items():
            name = f"{origin}.zone"
            lines = [
                f"$ORIGIN {origin}.",
                "$TTL 60",
                "@ IN SOA ns1 hostmaster 1 3600 600 86400 60",
                "@ IN NS ns1",
                "ns1 IN A 127.0.0.1",
                *records,
            ]
            (self.dir / name).write_text("\n".join(lines) + "\n")
            config += ["zone:", f"  name: {origin}", f"  zonefile: {name}"]
        (self.dir / "nsd.conf").write_text("\n".join(config) + "\n")
        self.process = subprocess.Popen(
            [self.binary, "-d", "-c", str(self.dir / "nsd.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers, resolver.port = ["127.0.0.1"], self.port
        origin = next(iter(self.zones))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(dns.exception.DNSException):
                resolver.resolve(origin, "SOA", lifetime=0.5)
                return
            time.sleep(0.05)
        log = (self.dir / "nsd.log").read_text() if (self.dir / "nsd.log").exists() else ""
        raise RuntimeError(f"nsd did not answer on port {self.port}: {log}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
            if self.process.poll() is None:
                self.process.kill()
            self.process = None
