"""Electronic signatures (TTE) in incoming PDFs, validated with pyHanko against a test CA.

The CA, the signers' certificates and the signatures are made here for real (RSA keys,
PAdES signatures); one PDF is tampered with after signing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import logging
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.config import ConfigError, load_settings
from gateway.db.models import Inbound, Naskah, Outbox
from gateway.tte.bsre import BsreClient, BsreError
from gateway.tte.trust import load_roots
from gateway.tte.validate import PdfSignatureValidator
from tests.data.tools.make_pdf import build_text_pdf
from tests.support.bsre import PASSWORD as BSRE_PASSWORD
from tests.support.bsre import USERNAME as BSRE_USER
from tests.support.bsre import FakeBsre, running_bsre
from tests.support.cli import run
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import signed_in
from tests.support.queries import latest_inbound, settled
from tests.support.tte import SigningAuthority, sign_pdf

SIGNER = "Dr. Budi Santoso, M.Si."


@pytest.fixture(scope="module")
def authority() -> SigningAuthority:
    return SigningAuthority.create()


@pytest.fixture(scope="module")
def pdf() -> bytes:
    lines = ["PEMERINTAH PROVINSI JAWA TENGAH", "Nomor: 005/77/2026", "Perihal: Undangan"]
    return build_text_pdf(lines, "Undangan", "Dinkes", "D:20261201090000+07'00'")


@pytest.fixture(scope="module")
def signed(pdf: bytes, authority: SigningAuthority) -> bytes:
    return sign_pdf(pdf, authority.signer(SIGNER))


def tamper(document: bytes) -> bytes:
    """Change one signed byte of the letter's text (the signature stays as it was)."""
    at = document.index(b"Undangan)")
    return document[:at] + b"Penipuan" + document[at + 8 :]


@pytest.fixture
def roots(tmp_path: Path, authority: SigningAuthority) -> Path:
    path = tmp_path / "bsre-root.pem"
    path.write_bytes(authority.root_pem)
    return path


def test_a_signature_from_a_trusted_root_on_an_intact_document_is_valid(
    roots: Path, signed: bytes
) -> None:
    (check,) = PdfSignatureValidator(load_roots((str(roots),))).check("surat.pdf", signed)
    assert check.result == "valid" and check.intact and check.trusted and check.unchanged_after
    assert check.signer == SIGNER and "Pemerintah Kabupaten Uji" in check.subject
    assert check.signed_at and check.time_source == "signer"
    # Offline: revocation is said to be unchecked, and the time is the signer's own.
    assert check.not_checked == ("revocation", "trusted-time")


def test_a_document_changed_after_signing_is_told_apart(roots: Path, signed: bytes) -> None:
    changed = tamper(signed)
    assert changed != signed and len(changed) == len(signed)
    (check,) = PdfSignatureValidator(load_roots((str(roots),))).check("surat.pdf", changed)
    assert check.result == "modified" and not check.intact


def test_a_certificate_from_another_root_is_untrusted(roots: Path, pdf: bytes) -> None:
    stranger = SigningAuthority.create("CA Lain")
    document = sign_pdf(pdf, stranger.signer("Orang Lain"))
    (check,) = PdfSignatureValidator(load_roots((str(roots),))).check("surat.pdf", document)
    assert check.result == "untrusted" and check.intact and not check.trusted
    assert check.detail == "no_certificate_chain_found"


def test_a_certificate_expired_before_signing_is_invalid(
    roots: Path, pdf: bytes, authority: SigningAuthority
) -> None:
    now = dt.datetime.now(dt.UTC)
    old = authority.signer("Pejabat Lama", now - dt.timedelta(days=400), now - dt.timedelta(days=5))
    (check,) = PdfSignatureValidator(load_roots((str(roots),))).check(
        "lama.pdf", sign_pdf(pdf, old)
    )
    assert check.result == "invalid" and check.detail == "not_valid_when_signed"


def test_unsigned_and_broken_pdfs(roots: Path, pdf: bytes) -> None:
    validator = PdfSignatureValidator(load_roots((str(roots),)))
    assert validator.check("biasa.pdf", pdf) == []
    broken = b"%PDF-1.7\n/ByteRange [0 1 2 3] garbage\n%%EOF"
    (check,) = validator.check("rusak.pdf", broken)
    assert check.result == "unreadable"


def test_a_trust_root_that_does_not_exist_is_refused_when_the_configuration_loads(
    tmp_path: Path,
) -> None:
    config = tmp_path / "tnde.toml"
    config.write_text(f'[tte]\ntrust_roots = ["{tmp_path / "tidak-ada.pem"}"]\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(config, environ={})
    assert "tte.trust_roots" in str(caught.value)


def test_signing_with_bsre_needs_the_panels_public_address() -> None:
    """The signer's one-time link to the signing page is made from [web] public_url."""
    environ = {
        "TNDE_TTE__PROVIDER": "bsre",
        "TNDE_TTE__BSRE_URL": "http://127.0.0.1:9",
    }
    with pytest.raises(ConfigError) as caught:
        load_settings(None, environ=environ)
    assert "tte.provider" in str(caught.value) and "web.public_url" in str(caught.value)
    environ["TNDE_WEB__PUBLIC_URL"] = "https://tnde.banyumaskab.go.id"
    assert load_settings(None, environ=environ).tte.provider == "bsre"


def start(db_url: str, roots: Path) -> RunningGateway:
    settings = gateway_settings(db_url, tte={"trust_roots": (str(roots),)})
    return RunningGateway(App.build(settings, clock=FakeClock(OFFICE_HOURS))).start()


@pytest.fixture
def gateway(sqlite_url: str, roots: Path) -> Iterator[RunningGateway]:
    running = start(sqlite_url, roots)
    try:
        yield running
    finally:
        running.stop()


def send_pdf(gateway: RunningGateway, document: bytes) -> tuple[Inbound, Naskah | None]:
    raw = letter(
        to=f"setda@{DOMAIN}",
        subject="Undangan rapat",
        attachments=[("surat.pdf", "application/pdf", document)],
    )
    with gateway.smtp() as client:
        client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(gateway.app), timeout=20, what="pipeline")
    return latest_inbound(gateway.app)


def test_a_validly_signed_letter_shows_its_signer_everywhere(
    gateway: RunningGateway,
    signed: bytes,
    sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, naskah = send_pdf(gateway, signed)
    assert naskah is not None
    (check,) = naskah.auth_results["tte"]
    assert check["result"] == "valid" and check["signer"] == SIGNER
    with gateway.app.db.read() as session:
        notice = session.scalars(select(Outbox).where(Outbox.kind == "notice")).first()
        assert notice is not None
        body = message_from_bytes(notice.message, policy=policy.default).get_body(("plain",))
        text = str(body.get_content())  # type: ignore[union-attr]
    assert "TTE           : surat.pdf: SAH (dokumen utuh, sertifikat dari akar tepercaya)" in text
    assert f"ditandatangani oleh {SIGNER}" in text and "WIB" in text
    page = signed_in(gateway, "admin").get(f"/naskah/{naskah.id}")
    assert "surat.pdf: SAH" in page.body and "status pencabutan sertifikat" in page.body
    monkeypatch.setenv("TNDE_DATABASE__URL", sqlite_url)
    code, out, _ = run(capsys, "naskah", "show", str(naskah.id))
    assert code == 0 and "surat.pdf: SAH" in out


def test_a_letter_whose_pdf_was_changed_after_signing_is_held_by_the_demo_rules(
    gateway: RunningGateway, signed: bytes
) -> None:
    inbound, naskah = send_pdf(gateway, tamper(signed))
    assert naskah is None and inbound.state == "quarantined"
    assert inbound.reason is not None and inbound.reason.startswith("aturan tte tidak sah:")


NIK = "3302011203680004"
PASSPHRASE = "frasa-rahasia-pejabat-Q7"


@pytest.fixture
def bsre(authority: SigningAuthority) -> Iterator[FakeBsre]:
    with running_bsre(authority, NIK, PASSPHRASE, SIGNER) as service:
        yield service


def test_the_bsre_adapter_signs_and_the_signature_validates(
    bsre: FakeBsre, pdf: bytes, roots: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = BsreClient(bsre.url, BSRE_USER, BSRE_PASSWORD, timeout=30)
    signed = asyncio.run(
        client.sign(pdf, nik=NIK, passphrase=PASSPHRASE, reason="Disetujui", location="Purwokerto")
    )
    assert signed.document_id
    (check,) = PdfSignatureValidator(load_roots((str(roots),))).check("keluar.pdf", signed.pdf)
    assert check.result == "valid" and check.signer == SIGNER
    assert asyncio.run(client.download(signed.document_id)) == signed.pdf
    # What BSrE was sent: the documented fields, and no passphrase kept anywhere here.
    (fields,) = bsre.seen_fields
    assert fields["nik"] == NIK and fields["tampilan"] == "invisible"
    assert PASSPHRASE not in caplog.text


def test_a_wrong_passphrase_is_bsres_answer_without_echoing_it(bsre: FakeBsre, pdf: bytes) -> None:
    client = BsreClient(bsre.url, BSRE_USER, BSRE_PASSWORD, timeout=30)
    with pytest.raises(BsreError) as refused:
        asyncio.run(client.sign(pdf, nik=NIK, passphrase="salah-" + PASSPHRASE))
    assert "Passphrase anda salah (kode 2031)" in str(refused.value)
    assert PASSPHRASE not in str(refused.value)
    wrong_account = BsreClient(bsre.url, BSRE_USER, "bukan", timeout=30)
    with pytest.raises(BsreError, match="akun klien esign BSrE ditolak"):
        asyncio.run(wrong_account.sign(pdf, nik=NIK, passphrase=PASSPHRASE))


def test_tnde_tte_sign_reads_the_passphrase_from_stdin_never_an_argument(
    bsre: FakeBsre,
    pdf: bytes,
    roots: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source, output = tmp_path / "konsep.pdf", tmp_path / "ditandatangani.pdf"
    source.write_bytes(pdf)
    for key, value in {
        "TNDE_TTE__PROVIDER": "bsre",
        "TNDE_TTE__BSRE_URL": bsre.url,
        "TNDE_TTE__BSRE_USERNAME": BSRE_USER,
        "TNDE_TTE__BSRE_PASSWORD": BSRE_PASSWORD,
        "TNDE_TTE__TRUST_ROOTS": f'["{roots}"]',
        "TNDE_WEB__PUBLIC_URL": "https://tnde.banyumaskab.go.id",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSPHRASE + "\n"))
    code, out, err = run(capsys, "tte", "sign", str(source), "--nik", NIK, "-o", str(output))
    assert code == 0, err
    assert "ditandatangani.pdf: SAH" in out and PASSPHRASE not in out + err
    code, out, _ = run(capsys, "tte", "verify", str(output))
    assert code == 0 and f"ditandatangani oleh {SIGNER}" in out
    code, out, _ = run(capsys, "tte", "verify", str(source))
    assert code == 1 and "tidak ada tanda tangan elektronik" in out
