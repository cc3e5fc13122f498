"""Our own mail signed with DKIM: `tnde dkim keygen`, signing at the smarthost hand-off,
and `tnde check` comparing the key with what a real DNS server (nsd) publishes."""

from __future__ import annotations

import datetime as dt
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.app import App
from gateway.outbound.dkimsign import public_key_b64
from gateway.senderauth.dkimcheck import check_dkim
from gateway.senderauth.lookup import Lookups, make_resolver
from tests.support.cli import run
from tests.support.clock import FakeClock
from tests.support.dnsserver import AuthoritativeDns
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import outbox_rows, settled
from tests.support.sink import Sink

START = dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.UTC)
SELECTOR = "tnde2026"


def keygen(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, str, str]:
    return run(capsys, "dkim", "keygen", DOMAIN, SELECTOR, "-o", str(path))


def record_line(out: str) -> str:
    """The zone-file line `tnde dkim keygen` printed, as nsd reads it."""
    line = next(x for x in out.splitlines() if "._domainkey." in x)
    return line.replace(f".{DOMAIN}.", "", 1).replace("( ", "").replace(" )", "")


def test_keygen_writes_a_private_key_for_its_owner_only_and_prints_the_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "dkim" / "key.pem"
    code, out, _ = keygen(capsys, path)
    assert code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    record = "".join(re.findall(r'"([^"]*)"', record_line(out)))
    assert record == f"v=DKIM1; k=rsa; p={public_key_b64(path.read_bytes())}"
    assert f'selector = "{SELECTOR}"' in out
    # A second run never overwrites the key the published record describes.
    before = path.read_bytes()
    code, _, err = keygen(capsys, path)
    assert code == 1 and "tidak ditimpa" in err and err.count("\n") == 1
    assert path.read_bytes() == before


@pytest.fixture
def key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    path = tmp_path / "key.pem"
    code, out, _ = keygen(capsys, path)
    assert code == 0
    return path, record_line(out)


@pytest.fixture
def published(key: tuple[Path, str]) -> Iterator[AuthoritativeDns]:
    server = AuthoritativeDns({DOMAIN: [key[1]]}).start()
    try:
        yield server
    finally:
        server.stop()


def test_mail_we_send_carries_a_signature_that_verifies_against_dns(
    sqlite_url: str, key: tuple[Path, str], published: AuthoritativeDns
) -> None:
    dkim_section = {"selector": SELECTOR, "private_key": str(key[0])}
    clock = FakeClock(START)
    with Sink() as sink:
        settings = gateway_settings(
            sqlite_url, dkim=dkim_section, outbound={"smarthost": f"127.0.0.1:{sink.port}"}
        )
        gateway = RunningGateway(App.build(settings, clock=clock)).start()
        try:
            with gateway.smtp() as client:
                client.sendmail("tu@kemkes.go.id", [f"dinkes@{DOMAIN}"], letter())
            wait_for(lambda: settled(gateway.app) and len(sink.messages) >= 2, timeout=20)
            stored = outbox_rows(gateway.app, "receipt")[0].message
        finally:
            gateway.stop()
    lookups = Lookups(make_resolver(("127.0.0.1",), published.port), 2.0, 5.0)
    for message in sink.messages:
        assert message.data.startswith(b"DKIM-Signature:")
        (verdict,) = check_dkim(message.data, lookups)
        assert (verdict.result, verdict.domain, verdict.selector) == ("pass", DOMAIN, SELECTOR)
        # Changing the subject after signing breaks it (the subject is signed).
        forged = message.data.replace(b"Subject: ", b"Subject: PALSU ", 1)
        assert check_dkim(forged, lookups)[0].result == "fail"
    # The stored copy stays as composed: signing happens at each hand-off.
    assert not bytes(stored).startswith(b"DKIM-Signature:")


def test_check_compares_the_key_with_the_published_record(
    sqlite_url: str,
    key: tuple[Path, str],
    published: AuthoritativeDns,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TNDE_DATABASE__URL", sqlite_url)
    monkeypatch.setenv("TNDE_AUTH__NAMESERVERS", '["127.0.0.1"]')
    monkeypatch.setenv("TNDE_AUTH__DNS_PORT", str(published.port))
    monkeypatch.setenv("TNDE_DKIM__SELECTOR", SELECTOR)
    monkeypatch.setenv("TNDE_DKIM__PRIVATE_KEY", str(key[0]))
    monkeypatch.setenv("TNDE_SMTP__LISTEN", "127.0.0.1:0")
    monkeypatch.setenv("TNDE_LMTP__LISTEN", "")
    monkeypatch.setenv("TNDE_WEB__LISTEN", "")
    assert run(capsys, "init")[0] == 0
    code, out, _ = run(capsys, "check")
    assert code == 0, out
    assert f"DKIM: kunci di {SELECTOR}._domainkey.{DOMAIN} cocok" in out
    # A new key that was never published: check says so and fails.
    other = tmp_path / "baru.pem"
    assert keygen(capsys, other)[0] == 0
    monkeypatch.setenv("TNDE_DKIM__PRIVATE_KEY", str(other))
    code, out, _ = run(capsys, "check")
    assert code == 1 and "BERBEDA" in out


def test_a_header_added_to_our_signed_mail_breaks_the_signature(
    key: tuple[Path, str], published: AuthoritativeDns
) -> None:
    from gateway.outbound.dkimsign import DkimSigner

    signer = DkimSigner.from_file(DOMAIN, SELECTOR, str(key[0]))
    signed = signer.sign(letter(subject="Pemberitahuan"))
    lookups = Lookups(make_resolver(("127.0.0.1",), published.port), 2.0, 5.0)
    assert check_dkim(signed, lookups)[0].result == "pass"
    # A second Subject or From added above the signature, as a replay would.
    for added in (b"Subject: Segera transfer\r\n", b"From: Bendahara <bendahara@example.org>\r\n"):
        assert check_dkim(added + signed, lookups)[0].result == "fail"
