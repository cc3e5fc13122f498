"""STARTTLS with a certificate from the configuration, the injection it must not execute
(CVE-2024-34083), no AUTH, a global session cap, and pipelined transactions kept apart."""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.db.blobs import get_blob
from gateway.db.models import Inbound
from tests.support.cli import run
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import settled

TO = f"setda@{DOMAIN}"


@pytest.fixture
def certificate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str]:
    """`tnde init` writes the development certificate beside the SQLite database."""
    monkeypatch.setenv("TNDE_DATABASE__URL", f"sqlite:///{tmp_path / 'init.db'}")
    code, out, _ = run(capsys, "init")
    assert code == 0
    found = re.search(r"STARTTLS: (\S+) dan (\S+);", out)
    assert found, out
    cert, key = found.group(1), found.group(2)
    assert Path(cert).is_file() and (Path(key).stat().st_mode & 0o077) == 0
    return cert, key


def start(sqlite_url: str, **smtp: Any) -> RunningGateway:
    settings = gateway_settings(sqlite_url, smtp=smtp)
    return RunningGateway(App.build(settings)).start()


@pytest.fixture
def tls_gateway(sqlite_url: str, certificate: tuple[str, str]) -> Iterator[RunningGateway]:
    running = start(sqlite_url, tls_cert=certificate[0], tls_key=certificate[1])
    try:
        yield running
    finally:
        running.stop()


def insecure_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the development certificate is self-signed
    return context


def test_starttls_is_offered_and_carries_a_letter_without_auth(
    tls_gateway: RunningGateway,
) -> None:
    with tls_gateway.smtp() as client:
        client.ehlo("mx.kemkes.go.id")
        assert client.has_extn("starttls")
        assert not client.has_extn("auth")  # nothing to log in to, before or after TLS
        client.starttls(context=insecure_context())
        client.ehlo("mx.kemkes.go.id")
        assert not client.has_extn("auth")
        code, _ = client.docmd("AUTH", "PLAIN AHVzZXIAcGFzcw==")
        assert code == 504  # no mechanism at all: a password is never taken
        client.sendmail("tu@kemkes.go.id", [TO], letter())
    wait_for(lambda: settled(tls_gateway.app), what="pipeline")
    with tls_gateway.app.db.read() as session:
        assert session.scalars(select(Inbound.state)).one() == "registered"


def test_commands_sent_with_starttls_in_one_packet_are_not_executed(
    tls_gateway: RunningGateway,
) -> None:
    host, port = tls_gateway.address("smtp")
    with socket.create_connection((host, port), timeout=10) as raw:
        reader = raw.makefile("rb")
        assert reader.readline().startswith(b"220")
        raw.sendall(b"EHLO mx.example\r\n")
        while not reader.readline().startswith(b"250 "):
            pass
        # The injection: a command after STARTTLS in the same packet, before the handshake.
        raw.sendall(b"STARTTLS\r\nQUIT\r\n")
        assert reader.readline().startswith(b"220")
        with insecure_context().wrap_socket(raw, server_hostname=host) as secure:
            secure.sendall(b"NOOP\r\n")
            answer = secure.recv(1024)
    # Had the QUIT run, the session would be over (221, or closed) instead of answering.
    assert answer.startswith(b"250"), answer


def test_mail_before_starttls_is_refused_when_required(
    sqlite_url: str, certificate: tuple[str, str]
) -> None:
    gateway = start(
        sqlite_url, tls_cert=certificate[0], tls_key=certificate[1], require_starttls=True
    )
    try:
        with gateway.smtp() as client:
            client.ehlo("mx.kemkes.go.id")
            code, message = client.mail("tu@kemkes.go.id")
            assert code == 530 and message.startswith(b"5.7.0") and b"wajib STARTTLS" in message
            client.starttls(context=insecure_context())
            client.ehlo("mx.kemkes.go.id")
            assert client.mail("tu@kemkes.go.id")[0] == 250
    finally:
        gateway.stop()


def test_a_global_session_cap_refuses_with_421_whatever_the_address(sqlite_url: str) -> None:
    gateway = start(sqlite_url, max_sessions=2, max_connections_per_ip=20)
    host, port = gateway.address("smtp")
    held = []
    try:
        for source in ("127.0.0.5", "127.0.0.6"):
            sock = socket.create_connection((host, port), timeout=10, source_address=(source, 0))
            assert sock.recv(512).startswith(b"220")
            held.append(sock)
        with socket.create_connection(
            (host, port), timeout=10, source_address=("127.0.0.7", 0)
        ) as third:
            assert third.recv(512).startswith(b"421 4.3.2")
        held.pop().close()
        wait_for(lambda: _greets(host, port), what="a free slot after one session ended")
    finally:
        for sock in held:
            sock.close()
        gateway.stop()


def _greets(host: str, port: int) -> bool:
    with socket.create_connection((host, port), timeout=10, source_address=("127.0.0.8", 0)) as s:
        return s.recv(512).startswith(b"220")


def test_two_pipelined_transactions_in_one_packet_stay_two_letters(sqlite_url: str) -> None:
    gateway = start(sqlite_url)
    first = letter(subject="Surat pertama")
    second = letter(subject="Surat kedua")
    packet = b"".join(
        [
            b"EHLO mx.example\r\n",
            b"MAIL FROM:<tu@kemkes.go.id>\r\n",
            f"RCPT TO:<{TO}>\r\n".encode(),
            b"DATA\r\n",
            first,
            b".\r\n",
            b"MAIL FROM:<tu@kemkes.go.id>\r\n",
            f"RCPT TO:<{TO}>\r\n".encode(),
            b"DATA\r\n",
            second,
            b".\r\n",
            b"QUIT\r\n",
        ]
    )
    try:
        host, port = gateway.address("smtp")
        with socket.create_connection((host, port), timeout=10) as raw:
            raw.sendall(packet)
            replies = b""
            while not replies.rstrip().endswith(b"221 Bye") and len(replies) < 65536:
                chunk = raw.recv(4096)
                if not chunk:
                    break
                replies += chunk
        assert replies.count(b"250 2.0.0 OK: accepted as") == 2, replies
        wait_for(lambda: settled(gateway.app), what="pipeline")
        with gateway.app.db.read() as session:
            stored = [
                get_blob(session, row.raw_sha256)
                for row in session.scalars(select(Inbound).order_by(Inbound.id))
            ]
    finally:
        gateway.stop()
    assert stored == [first, second]


def test_an_unusable_certificate_stops_serve_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "smtp.crt"
    broken.write_text("bukan sertifikat\n")
    monkeypatch.setenv("TNDE_DATABASE__URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    assert run(capsys, "init")[0] == 0
    monkeypatch.setenv("TNDE_SMTP__LISTEN", "127.0.0.1:0")
    monkeypatch.setenv("TNDE_LMTP__LISTEN", "")
    monkeypatch.setenv("TNDE_WEB__LISTEN", "")
    monkeypatch.setenv("TNDE_SMTP__TLS_CERT", str(broken))
    monkeypatch.setenv("TNDE_SMTP__TLS_KEY", str(broken))
    code, _, err = run(capsys, "serve")
    assert code == 2 and "smtp.tls_cert" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2, err


def _reply(reader: Any) -> bytes:
    """One whole SMTP reply (the last line of a multi-line one)."""
    line = reader.readline()
    while line[3:4] == b"-":
        line = reader.readline()
    return bytes(line)


def _open_data(host: str, port: int, source: str, size: int | None = None) -> Any:
    """A session from `source` up to its DATA; returns (socket, reader, DATA's reply)."""
    sock = socket.create_connection((host, port), timeout=10, source_address=(source, 0))
    reader = sock.makefile("rb")
    declared = f" SIZE={size}" if size is not None else ""
    replies = [_reply(reader)]
    for command in ("EHLO a", f"MAIL FROM:<tu@kemkes.go.id>{declared}", f"RCPT TO:<{TO}>"):
        sock.sendall(f"{command}\r\n".encode())
        replies.append(_reply(reader))
    assert all(r.startswith(b"2") for r in replies), replies
    sock.sendall(b"DATA\r\n")
    return sock, reader, _reply(reader)


def _body(size: int) -> bytes:
    """A letter padded with base64-like lines to about `size` bytes, ready for DATA."""
    line = b"QUJD" * 19 + b"\r\n"
    raw = letter() + line * max(0, (size - len(letter())) // len(line))
    return raw + b".\r\n"


def test_data_past_the_memory_budget_gets_452_and_the_budget_comes_back(
    sqlite_url: str,
) -> None:
    # Budget 2 MiB: a DATA of undeclared size holds 256 KiB before its first byte and more
    # as its body arrives; one declaring SIZE holds that (plus slack) up front.
    limit = 2 * 1024 * 1024
    settings = gateway_settings(
        sqlite_url,
        smtp={"listen": "127.0.0.1:0", "hostname": "gw.test", "max_data_in_memory": limit},
        mail={"max_message_size": limit},
    )
    gateway = RunningGateway(App.build(settings)).start()
    host, port = gateway.address("smtp")
    opened = []
    try:
        # Five clients that declare nothing (smtp-source does not) all get their 354:
        # none is charged the whole size limit before sending a byte.
        for n in range(1, 6):
            sock, reader, reply = _open_data(host, port, f"127.0.0.{n}")
            assert reply.startswith(b"354"), reply
            opened.append((sock, reader))
        # One that declares 1.5 MiB does not fit beside them: 452 before its body.
        sock, reader, reply = _open_data(host, port, "127.0.0.9", size=1_500_000)
        assert reply.startswith(b"452 4.3.1"), reply
        sock.close()
        # A body that grows past what is left is refused after its end (RFC 5321 4.2.5),
        # kept nowhere; the session goes on.
        big, big_reader = opened[0]
        big.sendall(_body(1_500_000))
        assert big_reader.readline().startswith(b"452 4.3.1")
        for sock, reader in opened[1:]:
            sock.sendall(_body(20_000))
            assert reader.readline().startswith(b"250 2.0.0 OK: accepted")
        # The reservations came back: the same big body alone fits, also from a second
        # session of the same address while the first is idle.
        big.sendall(f"MAIL FROM:<tu@kemkes.go.id>\r\nRCPT TO:<{TO}>\r\nDATA\r\n".encode())
        assert [big_reader.readline()[:3] for _ in range(3)] == [b"250", b"250", b"354"]
        big.sendall(_body(1_500_000))
        assert big_reader.readline().startswith(b"250 2.0.0 OK: accepted")
        with gateway.app.db.read() as session:
            sizes = sorted(session.scalars(select(Inbound.size)))
        assert len(sizes) == 5 and sizes[-1] > 1_400_000, sizes
    finally:
        for sock, _ in opened:
            sock.close()
        gateway.stop()


def test_one_address_holds_at_most_a_quarter_of_the_budget_beside_its_own_mail(
    sqlite_url: str,
) -> None:
    settings = gateway_settings(
        sqlite_url,
        smtp={"listen": "127.0.0.1:0", "hostname": "gw.test", "max_data_in_memory": 4_000_000},
        mail={"max_message_size": 4_000_000},
    )
    gateway = RunningGateway(App.build(settings)).start()
    host, port = gateway.address("smtp")
    try:
        first, first_reader, reply = _open_data(host, port, "127.0.0.1", size=900_000)
        assert reply.startswith(b"354"), reply
        # A second message of the same address past its share (1 MB) waits...
        second, _, reply = _open_data(host, port, "127.0.0.1", size=200_000)
        assert reply.startswith(b"452 4.3.1"), reply
        second.close()
        # ...one from another address does not.
        third, third_reader, reply = _open_data(host, port, "127.0.0.2", size=200_000)
        assert reply.startswith(b"354"), reply
        for sock, reader in ((first, first_reader), (third, third_reader)):
            sock.sendall(_body(20_000))
            assert reader.readline().startswith(b"250 2.0.0 OK: accepted")
            sock.close()
    finally:
        gateway.stop()


def test_a_message_a_little_over_its_declared_size_is_still_accepted(sqlite_url: str) -> None:
    # SIZE excludes dot-stuffing and may be an estimate (RFC 1870): a message that
    # declared exactly its size and has lines starting with "." must not get a 552.
    gateway = start(sqlite_url)
    host, port = gateway.address("smtp")
    try:
        raw = letter(body="Perihal: Undangan\n.titik di awal baris\n..dua titik\n")
        with smtplib.SMTP(host, port, timeout=10) as client:
            client.ehlo("a")
            client.mail("tu@kemkes.go.id", [f"SIZE={len(raw) - 10}"])
            client.rcpt(TO)
            assert client.data(raw)[0] == 250
    finally:
        gateway.stop()


def test_starttls_sessions_are_counted_once(sqlite_url: str, certificate: tuple[str, str]) -> None:
    gateway = start(
        sqlite_url, tls_cert=certificate[0], tls_key=certificate[1], max_connections_per_ip=2
    )
    try:
        for _ in range(5):  # more sequential TLS sessions than the per-address cap
            with gateway.smtp() as client:
                client.ehlo("mx.kemkes.go.id")
                client.starttls(context=insecure_context())
                client.ehlo("mx.kemkes.go.id")
                assert client.noop()[0] == 250
    finally:
        gateway.stop()


def test_lmtp_refuses_a_body_past_the_limit_once_per_recipient(sqlite_url: str) -> None:
    settings = gateway_settings(sqlite_url, mail={"max_message_size": 50_000})
    gateway = RunningGateway(App.build(settings)).start()
    host, port = gateway.address("lmtp")
    try:
        with socket.create_connection((host, port), timeout=10) as sock:
            reader = sock.makefile("rb")
            replies = [_reply(reader)]
            for command in (
                "LHLO postfix.test",
                "MAIL FROM:<tu@kemkes.go.id>",
                f"RCPT TO:<{TO}>",
                f"RCPT TO:<setda@{DOMAIN}>",
                "DATA",
            ):
                sock.sendall(f"{command}\r\n".encode())
                replies.append(_reply(reader))
            assert replies[-1].startswith(b"354"), replies
            sock.sendall(_body(80_000))
            # RFC 2033 4.2: one reply per accepted recipient after the final dot.
            after = [reader.readline(), reader.readline()]
            assert all(line.startswith(b"552 5.3.4") for line in after), after
            sock.sendall(b"NOOP\r\n")
            assert reader.readline().startswith(b"250")
    finally:
        gateway.stop()
