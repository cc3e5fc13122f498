"""`tnde audit verify` recomputes the SHA-256 of every stored original and attachment and
names the naskah (agenda number) and the attachment of each one that does not match."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from gateway.audit import verify_blobs
from gateway.db.models import Attachment, Blob, Inbound, Naskah
from tests.support.cli import run
from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import naskah_rows, settled

BIG = bytes(range(256)) * 1200  # 300 KiB: read in several chunks below


@pytest.fixture
def letters(cli_env: str, gateway: RunningGateway) -> RunningGateway:
    with gateway.smtp() as client:
        client.sendmail(
            "tu@kemkes.go.id",
            [f"dinkes@{DOMAIN}"],
            letter(attachments=[("undangan.pdf", "application/pdf", b"%PDF-1.4\n% rapat\n")]),
        )
        client.sendmail(
            "tu@kemkes.go.id",
            [f"setda@{DOMAIN}"],
            letter(subject="Laporan", attachments=[("data.bin", "application/octet-stream", BIG)]),
        )
    wait_for(lambda: settled(gateway.app) and len(naskah_rows(gateway.app)) == 2)
    return gateway


def _attachment(app: RunningGateway, filename: str) -> tuple[str, str]:
    """The agenda number of the naskah holding `filename`, and the file's SHA-256."""
    with app.app.db.read() as session:
        agenda, digest = session.execute(
            select(Naskah.agenda_number, Attachment.sha256)
            .join(Attachment, Attachment.naskah_id == Naskah.id)
            .where(Attachment.filename == filename)
        ).one()
    return agenda, digest


def _replace_blob(app: RunningGateway, digest: str, data: bytes) -> None:
    with app.app.db.write() as session:
        session.execute(update(Blob).where(Blob.sha256 == digest).values(data=data))


def test_a_changed_attachment_is_reported_with_its_naskah(
    capsys: pytest.CaptureFixture[str], letters: RunningGateway
) -> None:
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 0 and "berkas tersimpan (surat asli dan lampiran) diperiksa: BAIK" in out
    agenda, digest = _attachment(letters, "undangan.pdf")
    _replace_blob(letters, digest, b"%PDF-1.4\n% rapat DIUBAH\n")
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 1
    assert f'Naskah {agenda}, lampiran "undangan.pdf": isinya tidak cocok' in out
    assert "rantai diperiksa: BAIK" in out  # the event chains themselves are intact
    assert "diperiksa: 1 masalah" in out


def test_a_changed_original_is_reported_with_its_naskah(
    capsys: pytest.CaptureFixture[str], letters: RunningGateway
) -> None:
    with letters.app.db.read() as session:
        agenda, inbound_id, raw = session.execute(
            select(Naskah.agenda_number, Inbound.id, Inbound.raw_sha256)
            .join(Inbound, Inbound.id == Naskah.inbound_id)
            .where(Naskah.agenda_number.like("%/SETDA/%"))
        ).one()
        original = session.execute(select(Blob.data).where(Blob.sha256 == raw)).scalar_one()
    # One byte near the end of a 400 KiB original (the attachment, base64-encoded).
    damaged = bytearray(original)
    damaged[len(damaged) - 100] ^= 0x20
    _replace_blob(letters, raw, bytes(damaged))
    code, out, _ = run(capsys, "audit", "verify")
    assert code == 1
    assert f"Naskah {agenda}, surat asli (pesan masuk #{inbound_id}): isinya tidak cocok" in out


def test_large_blobs_are_read_in_chunks_and_sizes_are_checked(
    letters: RunningGateway,
) -> None:
    agenda, digest = _attachment(letters, "data.bin")
    seen: list[int] = []
    with letters.app.db.read() as session:
        stored = session.execute(select(func.count()).select_from(Blob)).scalar_one()
        # Pages of two blobs: each blob is read exactly once across the pages.
        total, problems = verify_blobs(session, on_blob=seen.append, chunk=4096, page=2)
    assert problems == [] and total == sum(seen) == stored and stored >= 4
    damaged = bytearray(BIG)
    damaged[150_000] ^= 0xFF  # in the middle: the 37th of 75 chunks
    _replace_blob(letters, digest, bytes(damaged))
    with letters.app.db.read() as session:
        _, problems = verify_blobs(session, chunk=4096)
    assert [(p.naskah, p.attachment, p.problem) for p in problems] == [
        (agenda, "data.bin", "altered")
    ]
    _replace_blob(letters, digest, BIG)
    with letters.app.db.write() as session:
        session.execute(update(Blob).where(Blob.sha256 == digest).values(size=len(BIG) + 1))
    with letters.app.db.read() as session:
        _, problems = verify_blobs(session, chunk=4096)
    assert [(p.naskah, p.attachment, p.problem) for p in problems] == [(agenda, "data.bin", "size")]
