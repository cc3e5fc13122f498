"""`tnde check` reads the mail domain's DNS (MX, SPF, DKIM, DMARC) from a real nsd and
asks a real SMTP sink (or a closed port) whether the smarthost answers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.outbound.dkimsign import public_key_b64
from gateway.senderauth.owndomain import spf_problem
from tests.fixtures.ports import free_port
from tests.support.cli import run
from tests.support.dnsserver import AuthoritativeDns
from tests.support.mail import DOMAIN
from tests.support.requirements import need, need_binary
from tests.support.sink import Sink

SELECTOR = "tnde2026"
ORG = "banyumaskab.go.id"  # the organisational domain of DOMAIN (public suffix go.id)


def new_key(path: Path) -> str:
    """Write a fresh RSA key (PEM) to `path`; its DKIM p= value."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    return public_key_b64(pem)


def dkim_record(public: str) -> str:
    text = f"v=DKIM1; k=rsa; p={public}"
    chunks = " ".join(f'"{text[i : i + 200]}"' for i in range(0, len(text), 200))
    return f"{SELECTOR}._domainkey IN TXT ( {chunks} )"


def serve(zone: list[str], org: list[str] | None = None) -> AuthoritativeDns:
    return AuthoritativeDns({DOMAIN: zone, ORG: org or []}).start()


@pytest.fixture
def key(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "dkim.pem"
    return path, new_key(path)


@pytest.fixture
def checked(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[pytest.MonkeyPatch]:
    """The environment of `tnde check` for an initialised gateway; the test adds DNS."""
    monkeypatch.delenv("TNDE_CONFIG", raising=False)
    monkeypatch.delenv("TNDE_UI__LANGUAGE", raising=False)
    for name, value in {
        "TNDE_DATABASE__URL": sqlite_url,
        "TNDE_SMTP__LISTEN": "127.0.0.1:0",
        "TNDE_SMTP__HOSTNAME": f"mx1.{DOMAIN}",
        "TNDE_LMTP__LISTEN": "",
        "TNDE_WEB__LISTEN": "",
        "TNDE_WEB__PUBLIC_URL": f"https://{DOMAIN}",
        "TNDE_AUTH__NAMESERVERS": '["127.0.0.1"]',
        "TNDE_AUTH__DNS_TIMEOUT": "2",
    }.items():
        monkeypatch.setenv(name, value)
    assert run(capsys, "init")[0] == 0
    yield monkeypatch


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code, out, err = run(capsys, "check", *argv)
    assert "Traceback" not in out + err
    return code, out.splitlines()


def lines_of(level: str, lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith(f"{level}: ")]


def test_a_complete_domain_and_a_live_smarthost_are_all_ok(
    checked: pytest.MonkeyPatch, key: tuple[Path, str], capsys: pytest.CaptureFixture[str]
) -> None:
    zone = [
        "@ IN MX 10 mx1",
        "mx1 IN A 127.0.0.1",
        '@ IN TXT "v=spf1 mx ip4:127.0.0.1 -all"',
        dkim_record(key[1]),
        '_dmarc IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@banyumaskab.go.id"',
    ]
    dns = serve(zone)
    try:
        with Sink() as sink:
            checked.setenv("TNDE_AUTH__DNS_PORT", str(dns.port))
            checked.setenv("TNDE_DKIM__SELECTOR", SELECTOR)
            checked.setenv("TNDE_DKIM__PRIVATE_KEY", str(key[0]))
            checked.setenv("TNDE_OUTBOUND__SMARTHOST", f"127.0.0.1:{sink.port}")
            code, lines = check(capsys)
    finally:
        dns.stop()
    assert code == 0, lines
    assert lines_of("galat", lines) == [] and lines_of("peringatan", lines) == [], lines
    ok = "\n".join(lines_of("ok", lines))
    assert f"ok: MX {DOMAIN}: mx1.{DOMAIN} (10)" in ok
    assert f"ok: SPF {DOMAIN}: v=spf1 mx ip4:127.0.0.1 -all" in ok
    assert f"ok: DKIM: kunci di {SELECTOR}._domainkey.{DOMAIN} cocok" in ok
    assert f"ok: DMARC _dmarc.{DOMAIN}: kebijakan reject" in ok
    assert f"ok: smarthost 127.0.0.1:{sink.port} menjawab: 220 " in ok


def test_missing_dmarc_a_wrong_dkim_key_and_a_dead_smarthost_are_named(
    checked: pytest.MonkeyPatch,
    key: tuple[Path, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = new_key(tmp_path / "lama.pem")  # the key published: not the one we sign with
    zone = [
        "@ IN MX 10 mx1",
        "mx1 IN A 127.0.0.1",
        '@ IN TXT "v=spf1 mx -all"',
        dkim_record(other),
    ]
    dns = serve(zone)
    closed = free_port()
    try:
        checked.setenv("TNDE_AUTH__DNS_PORT", str(dns.port))
        checked.setenv("TNDE_DKIM__SELECTOR", SELECTOR)
        checked.setenv("TNDE_DKIM__PRIVATE_KEY", str(key[0]))
        checked.setenv("TNDE_OUTBOUND__SMARTHOST", f"127.0.0.1:{closed}")
        code, lines = check(capsys)
        # English when the configuration says so: the same findings, other words.
        checked.setenv("TNDE_UI__LANGUAGE", "en")
        code_en, lines_en = check(capsys)
    finally:
        dns.stop()
    assert code == 1 and code_en == 1
    errors, warnings = lines_of("galat", lines), lines_of("peringatan", lines)
    assert len(errors) == 2, lines
    assert errors[0].startswith(f"galat: DKIM: kunci di {SELECTOR}._domainkey.{DOMAIN} BERBEDA")
    assert errors[1].startswith(f"galat: smarthost 127.0.0.1:{closed} tidak menjawab dengan benar")
    assert warnings == [
        f"peringatan: DMARC {DOMAIN} tidak ada (_dmarc.{DOMAIN}): penerima tidak diberi tahu "
        "apa yang dilakukan pada surel palsu atas nama domain ini"
    ]
    assert lines_of("ok", lines)[:2] == [
        f"ok: MX {DOMAIN}: mx1.{DOMAIN} (10)",
        f"ok: SPF {DOMAIN}: v=spf1 mx -all",
    ]
    assert [line.split(":")[0] for line in lines_en if line.startswith(("error", "warn"))] == [
        "error",
        "warning",
        "error",
    ]
    assert any(f"warning: DMARC {DOMAIN} is missing" in line for line in lines_en)


def test_broken_records_are_errors_and_weak_ones_warnings(
    checked: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    zone = [
        "@ IN MX 10 mail.banyumaskab.go.id.",
        '@ IN TXT "v=spf1 ip4:10.0.0.300 -all"',
        '@ IN TXT "google-site-verification=abc"',
    ]
    org = ['_dmarc IN TXT "v=DMARC1; p=reject; sp=none"']
    dns = serve(zone, org)
    try:
        checked.setenv("TNDE_AUTH__DNS_PORT", str(dns.port))
        code, lines = check(capsys)
    finally:
        dns.stop()
    assert code == 1
    text = "\n".join(lines)
    # The only MX host has no address: no one can deliver.
    assert f"galat: MX {DOMAIN}: mail.{ORG} tidak punya alamat A/AAAA" in text
    assert f"peringatan: MX {DOMAIN} menunjuk ke mail.{ORG} (10), bukan mx1.{DOMAIN}" in text
    assert f"galat: SPF {DOMAIN} tidak sah pada bagian 'ip4:10.0.0.300'" in text
    # No record of its own: the organisation's sp= applies, and none only monitors.
    assert f"peringatan: DMARC _dmarc.{ORG}: kebijakan none hanya memantau" in text
    assert "peringatan: DKIM: surel keluar tidak ditandatangani" in text


def test_an_organisation_dmarc_that_cannot_be_read_is_advice(
    checked: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    zone = ["@ IN MX 10 mx1", "mx1 IN A 127.0.0.1", '@ IN TXT "v=spf1 mx -all"']
    dns = AuthoritativeDns({DOMAIN: zone}).start()  # refuses to answer for ORG
    try:
        checked.setenv("TNDE_AUTH__DNS_PORT", str(dns.port))
        code, lines = check(capsys)
    finally:
        dns.stop()
    assert code == 0, lines
    assert any(
        line.startswith(
            f"peringatan: DMARC {DOMAIN} tidak punya catatan sendiri dan _dmarc.{ORG} "
            "(domain organisasi) tidak terbaca: "
        )
        for line in lines
    ), lines


def test_a_dns_server_that_does_not_answer_is_an_error_unless_told_to_skip(
    checked: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    checked.setenv("TNDE_AUTH__DNS_PORT", str(free_port()))  # nothing listens there
    checked.setenv("TNDE_AUTH__DNS_TIMEOUT", "0.5")
    code, lines = check(capsys)
    assert code == 1
    failed = [line for line in lines if "DNS tidak menjawab" in line]
    assert [line.split(" ")[:3] for line in failed] == [
        ["galat:", "MX", f"{DOMAIN}:"],
        ["galat:", "SPF", f"{DOMAIN}:"],
        ["galat:", "DMARC", f"_dmarc.{DOMAIN}:"],
    ]
    assert all("tnde check --no-dns" in line for line in failed)
    code, lines = check(capsys, "--no-dns")
    assert code == 0, lines
    assert f"peringatan: DNS {DOMAIN} tidak diperiksa (--no-dns)" in lines


def test_spf_lookups_are_counted_through_include_and_redirect(
    checked: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Three lookup terms at the top, eleven once a receiver follows the includes and the
    redirect (RFC 7208 4.6.4): a permerror the top-level record alone does not show."""
    top = f"v=spf1 include:_a.{DOMAIN} include:_b.{DOMAIN} -all"
    zone = [
        "@ IN MX 10 mx1",
        "mx1 IN A 127.0.0.1",
        f'@ IN TXT "{top}"',
        f'_a IN TXT "v=spf1 a mx include:_c.{DOMAIN} ~all"',
        f'_c IN TXT "v=spf1 a:x.{DOMAIN} mx:y.{DOMAIN} ~all"',
        f'_b IN TXT "v=spf1 redirect=_d.{DOMAIN}"',
        f'_d IN TXT "v=spf1 a mx a:z.{DOMAIN} ?all"',
        # Within the limit: one include of two lookup terms (3 in all).
        f'lain IN TXT "v=spf1 include:_e.{DOMAIN} -all"',
        '_e IN TXT "v=spf1 a mx ~all"',
    ]
    dns = serve(zone)
    try:
        checked.setenv("TNDE_AUTH__DNS_PORT", str(dns.port))
        code, lines = check(capsys)
        checked.setenv("TNDE_MAIL__DOMAIN", f"lain.{DOMAIN}")
        _, within = check(capsys)
    finally:
        dns.stop()
    assert code == 1, lines
    assert (
        f"galat: SPF {DOMAIN} butuh sedikitnya 11 pencarian DNS (termasuk include dan "
        f"redirect), lebih dari batas 10 (RFC 7208; permerror): {top}"
    ) in lines, lines
    assert f"ok: SPF lain.{DOMAIN}: v=spf1 include:_e.{DOMAIN} -all" in within, within


def test_a_host_without_a_resolver_is_a_finding_not_a_crash(
    checked: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No [auth] nameservers and an /etc/resolv.conf without one (a fresh container):
    `tnde check` says DNS could not be asked, as for a server that does not answer."""
    unshare = need_binary("unshare", "util-linux")
    empty = tmp_path / "resolv.conf"
    empty.write_text("# no nameserver line\n", encoding="utf-8")
    # A mount namespace of its own: the host's /etc/resolv.conf stays as it is.
    script = 'mount --bind "$1" /etc/resolv.conf && shift && exec "$@"'
    probe = subprocess.run(
        [unshare, "-m", "sh", "-c", script, "sh", str(empty), "true"],
        capture_output=True,
        check=False,
    )
    need(probe.returncode == 0, "unshare -m and mount --bind (root)")
    env = {**os.environ, "TNDE_AUTH__NAMESERVERS": "[]"}
    tnde = str(Path(sys.executable).with_name("tnde"))
    done = subprocess.run(
        [unshare, "-m", "sh", "-c", script, "sh", str(empty), tnde, "check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert "Traceback" not in done.stderr and "tnde:" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stdout + done.stderr
    failed = [line for line in done.stdout.splitlines() if "DNS tidak menjawab" in line]
    assert len(failed) == 1 and failed[0].startswith(f"galat: DNS {DOMAIN}: "), done.stdout
    assert "tnde check --no-dns" in failed[0]


@pytest.mark.parametrize(
    ("record", "problem"),
    [
        ("v=spf1 -all", ""),
        ("v=spf1 a mx/24 a:mail.example.org/28//64 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all", ""),
        ("v=spf1 include:_spf.example.org exists:%{i}.x.example.org redirect=x.example.org", ""),
        ("v=spf1 exp=explain.example.org ?all", ""),
        ("v=spf2 -all", "v=spf2"),
        ("v=spf1 ip4:192.0.2.0/33 -all", "ip4:192.0.2.0/33"),
        ("v=spf1 ip4:2001:db8::1 -all", "ip4:2001:db8::1"),
        ("v=spf1 include: -all", "include:"),
        ("v=spf1 -all:x", "-all:x"),
        ("v=spf1 redirect=a redirect=b", "redirect=b"),
        ("v=spf1 mx ~al", "~al"),
        ("v=spf1 a/32//128 mx:mail.example.org//64 a//0 -all", ""),
        ("v=spf1 a/33 -all", "a/33"),
        ("v=spf1 mx:mail.example.org/64 -all", "mx:mail.example.org/64"),
        ("v=spf1 a/24//129 -all", "a/24//129"),
        ("v=spf1 a//64/24 -all", "a//64/24"),
    ],
)
def test_spf_syntax(record: str, problem: str) -> None:
    assert spf_problem(record) == problem
