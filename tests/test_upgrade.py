"""Upgrading a register from the oldest schema to head loses nothing; `tnde init` on an
up-to-date database writes nothing.

The database starts at the first migration (0001) and gets a small Banyumas register
written as plain SQL against the tables as they were then (reflected, not the head
models): organisation with a Plt, panel users, edited reference data, inbound mail from
SMTP, LMTP and IMAP with its raw bytes, three letters whose statuses 0005 renames and
whose closing 0006 back-fills, dispositions, a file, receipts in the outbox, a reply
command, the IMAP ledger and hash-chained events. `tnde init` (the product's own path)
takes it to head; then every row of every table is compared column by column with what
was written. tests/test_migrations.py covers the other angle (models == migrations, and
0012 -> head); here the span is the whole history, as for an instance installed at the
first release."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, MetaData, create_engine, insert, select, text
from sqlalchemy.engine import make_url

from gateway.audit import GENESIS, event_hash, verify_all
from gateway.config import DatabaseSettings
from gateway.db.engine import Database, make_engine
from gateway.db.migrate import alembic_config, current_revision, upgrade
from gateway.db.models import Event
from gateway.search import AgendaFilter, every_row, filtered
from tests.support.cli import run
from tests.support.databases import PG_HOST, PG_PORT, PG_USER, fresh_pg_database
from tests.support.requirements import need, need_binary, port_open

OLDEST = "0001"
DOMAIN = "tnde.banyumaskab.go.id"
# Reference tables `tnde init` fills from the release: old rows must stay as they were.
SEEDED = {"instruction", "klasifikasi", "holiday"}


def _at(text_: str) -> dt.datetime:
    """A time written in WIB, stored in UTC."""
    wib = dt.timezone(dt.timedelta(hours=7))
    return dt.datetime.fromisoformat(text_).replace(tzinfo=wib).astimezone(dt.UTC)


def _mail(sender: str, subject: str, body: str, message_id: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: setda@{DOMAIN}\r\nSubject: {subject}\r\n"
        f"Message-ID: {message_id}\r\nDate: Mon, 05 Jan 2026 09:15:00 +0700\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


RAW = [
    _mail("tu@dinkes.jatengprov.go.id", "Undangan Rapat Koordinasi Stunting",
          "Nomor: 005/123/Dinkes/2026\r\nPerihal: Undangan Rapat Koordinasi Percepatan "
          "Penurunan Stunting", "<a1@dinkes.jatengprov.go.id>"),
    _mail("sekretariat@kemendagri.go.id", "Permohonan Data Kepegawaian",
          "Nomor: 800/45/SJ\r\nPerihal: Permohonan Data Kepegawaian Triwulan I",
          "<b2@kemendagri.go.id>"),
    _mail("bkd@jatengprov.go.id", "Laporan Realisasi Anggaran",
          "Nomor: 900/77/BKD/2026", "<c3@jatengprov.go.id>"),
    _mail("sri.rahayu@banyumaskab.go.id", "Re: [TNDE 00001/SM/SETDA/2026] Undangan",
          "SELESAI sudah dihadiri", "<r4@banyumaskab.go.id>"),
]  # fmt: skip
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _letter(number: int, inbound: int, status: str, perihal: str, sender: str) -> dict[str, Any]:
    raw = RAW[inbound - 1]
    return {
        "id": number, "kind": "surat_masuk", "unit_id": 1, "year": 2026, "seq": number,
        "agenda_number": f"{number:05d}/SM/SETDA/2026", "inbound_id": inbound,
        "channel": "email", "dedupe_key": _sha(raw)[:40], "message_id": f"<m{number}@x.go.id>",
        "message_id_synthesized": False, "raw_sha256": _sha(raw), "content_sha256": _sha(raw),
        "sender": sender, "sender_name": "Tata Usaha", "sender_agency": sender.split("@")[1],
        "recipients": [f"setda@{DOMAIN}"], "subject": perihal, "perihal": perihal,
        "isi_ringkas": f"Mohon {perihal.lower()}.", "nomor_surat": f"005/{number}/2026",
        "tanggal_surat": dt.date(2026, 1, 2 + number), "sifat_keamanan": "B",
        "kecepatan": "biasa", "jenis": "Surat Undangan", "klasifikasi": "005",
        "lampiran_count": 1 if number == 1 else 0, "body_text": perihal, "body_html": None,
        "field_sources": {
            "perihal": {"source": "body", "text": f"Perihal: {perihal}", "line": 2},
            "nomor_surat": {"source": "body", "text": f"Nomor: 005/{number}/2026", "line": 1},
        },
        "auth_results": {"spf": "pass", "dkim": "pass", "dmarc": "pass", "trusted": True,
                         "authserv_id": "mx.banyumaskab.go.id"},
        "parse_defects": [],
        "status": status, "received_at": _at(f"2026-01-0{4 + number}T09:15:00"),
        "registered_at": _at(f"2026-01-0{4 + number}T09:15:02"), "rule_set_version": 1,
        "decision": {"unit": "SETDA", "rules": ["undangan-ke-umum"]},
        "thread_parent_id": None, "copies": 0,
    }  # fmt: skip


def _inbound(number: int, source: str, state: str, **extra: Any) -> dict[str, Any]:
    raw = RAW[number - 1]
    row = {
        "id": number, "source": source, "source_ref": None, "peer": "203.0.113.25",
        "helo": "mail.jatengprov.go.id", "mail_from": raw.split(b"\r\n")[0][6:].decode(),
        "rcpt_tos": [f"setda@{DOMAIN}"], "raw_sha256": _sha(raw), "size": len(raw),
        "received_at": _at(f"2026-01-0{4 + number}T09:15:00"), "state": state,
        "kind": "letter", "reason": None, "traceback": None, "attempts": 1,
        "claim_token": None, "claimed_at": None,
        "processed_at": _at(f"2026-01-0{4 + number}T09:15:02"),
        "message_id": f"<m{number}@x.go.id>",
    }  # fmt: skip
    return row | extra


def _events() -> list[dict[str, Any]]:
    """Three chains as the gateway wrote them: hashed with the product's own function."""
    plan = [
        ("naskah:1", 1, None, "registered", {"agenda": "00001/SM/SETDA/2026"}, None),
        ("naskah:1", 1, None, "disposed", {"to": ["kabag.umum"]}, 1),
        ("naskah:3", 3, None, "registered", {"agenda": "00003/SM/SETDA/2026"}, None),
        ("naskah:3", 3, None, "done", {"note": "sudah dihadiri"}, 2),
        ("inbound:2", None, 2, "quarantined", {"reason": "aturan: karantina kemendagri"}, None),
        ("system", None, None, "org_imported", {"units": 3, "positions": 3}, None),
    ]
    rows: list[dict[str, Any]] = []
    heads: dict[str, tuple[int, str]] = {}
    for number, (chain, naskah, inbound, kind, payload, disposition) in enumerate(plan, 1):
        seq, previous = heads.get(chain, (0, GENESIS))
        event = Event(
            id=number, naskah_id=naskah, disposition_id=disposition, inbound_id=inbound,
            actor="tnde", actor_person_id=None, channel="rule", type=kind, payload=payload,
            created_at=_at(f"2026-01-05T10:0{number}:00"), chain=chain, chain_seq=seq + 1,
            prev_hash=previous,
        )  # fmt: skip
        event.hash = event_hash(event)
        heads[chain] = (seq + 1, event.hash)
        columns = ("id", "naskah_id", "disposition_id", "inbound_id", "actor", "actor_person_id",
                   "channel", "type", "payload", "created_at", "chain", "chain_seq",
                   "prev_hash", "hash")  # fmt: skip
        rows.append({column: getattr(event, column) for column in columns})
    return rows


def _register() -> dict[str, list[dict[str, Any]]]:
    """The rows, table by table in foreign-key order, with the columns of revision 0001."""
    argon = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$6d2Wc1m1S6c3q8b0bP0k3w"
    blobs = [{"sha256": _sha(raw), "size": len(raw), "data": raw} for raw in RAW]
    blobs.append({"sha256": _sha(PDF), "size": len(PDF), "data": PDF})
    return {
        "unit": [
            {"id": 1, "code": "SETDA", "name": "Sekretariat Daerah", "parent_id": None,
             "active": True},
            {"id": 2, "code": "UMUM", "name": "Bagian Umum", "parent_id": 1, "active": True},
            {"id": 3, "code": "DINKES", "name": "Dinas Kesehatan", "parent_id": None,
             "active": False},
        ],
        "unit_address": [
            {"id": 1, "unit_id": 1, "address": f"setda@{DOMAIN}"},
            {"id": 2, "unit_id": 2, "address": f"umum@{DOMAIN}"},
        ],
        "person": [
            {"id": 1, "name": "Drs. Bambang Wijaya, M.Si.", "nip": "197001011990031001",
             "digest_opt_out": False, "active": True},
            {"id": 2, "name": "Sri Rahayu, S.Sos.", "nip": "198203152005012002",
             "digest_opt_out": True, "active": True},
            {"id": 3, "name": "dr. Andi Pratama", "nip": None, "digest_opt_out": False,
             "active": False},
        ],
        "person_email": [
            {"id": 1, "person_id": 1, "address": "bambang.wijaya@banyumaskab.go.id",
             "is_primary": True, "undeliverable_since": None},
            {"id": 2, "person_id": 2, "address": "sri.rahayu@banyumaskab.go.id",
             "is_primary": True, "undeliverable_since": None},
            {"id": 3, "person_id": 2, "address": "srirahayu@gmail.com", "is_primary": False,
             "undeliverable_since": _at("2026-01-20T08:00:00")},
        ],
        "position": [
            {"id": 1, "unit_id": 1, "handle": "sekda", "title": "Sekretaris Daerah",
             "superior_id": None, "is_head": True, "is_registrar": False,
             "notify_definitif_when_acting": False, "active": True},
            {"id": 2, "unit_id": 2, "handle": "kabag.umum", "title": "Kepala Bagian Umum",
             "superior_id": 1, "is_head": True, "is_registrar": False,
             "notify_definitif_when_acting": True, "active": True},
            {"id": 3, "unit_id": 2, "handle": "kasubbag.tu", "title": "Kasubbag Tata Usaha",
             "superior_id": 2, "is_head": False, "is_registrar": True,
             "notify_definitif_when_acting": False, "active": True},
        ],
        "assignment": [
            {"id": 1, "person_id": 1, "position_id": 1, "kind": "definitif",
             "valid_from": dt.date(2024, 3, 1), "valid_to": None},
            {"id": 2, "person_id": 2, "position_id": 3, "kind": "definitif",
             "valid_from": None, "valid_to": None},
            {"id": 3, "person_id": 2, "position_id": 2, "kind": "plt",
             "valid_from": dt.date(2026, 1, 5), "valid_to": dt.date(2026, 3, 31)},
        ],
        "web_user": [
            {"id": 1, "username": "admin", "password_hash": argon, "role": "admin",
             "person_id": None, "unit_id": None, "active": True},
            {"id": 2, "username": "tu.setda", "password_hash": argon, "role": "operator",
             "person_id": 2, "unit_id": 1, "active": True},
            {"id": 3, "username": "magang", "password_hash": argon, "role": "operator",
             "person_id": None, "unit_id": 2, "active": False},
        ],
        "instruction": [  # a shipped code the administrator relabelled, and a local one
            {"code": "CATAT", "label": "Catat dan arsipkan (label kami)", "active": True},
            {"code": "RAPATKAN", "label": "Rapatkan dengan bidang terkait", "active": False},
        ],
        "klasifikasi": [
            {"code": "000", "name": "Umum (disunting)", "parent_code": None,
             "retensi_aktif": 2, "retensi_inaktif": 5, "nasib_akhir": "musnah"},
            {"code": "005", "name": "Undangan", "parent_code": "000", "retensi_aktif": None,
             "retensi_inaktif": None, "nasib_akhir": None},
        ],
        "holiday": [
            {"day": dt.date(2026, 1, 1), "name": "Tahun Baru 2026 Masehi", "kind": "nasional"},
            {"day": dt.date(2026, 4, 22), "name": "Hari Jadi Kabupaten Banyumas", "kind": "lokal"},
        ],
        "rule_set_version": [
            {"version": 1, "document": {"rules": [{"name": "undangan-ke-umum",
             "when": {"text": "undangan"}, "then": {"dispose": ["kabag.umum"]}}]},
             "author": "admin", "comment": "aturan awal", "restored_from": None,
             "created_at": _at("2026-01-02T08:00:00")},
        ],
        "imap_account_state": [
            {"account": "setda-zimbra", "last_success_at": _at("2026-01-07T09:00:00"),
             "last_error_at": _at("2026-01-06T23:00:00"), "last_error": "koneksi terputus",
             "capabilities": "IMAP4rev1 IDLE MOVE UIDPLUS", "consecutive_failures": 0},
        ],
        "counter": [{"unit_id": 1, "series": "SM", "year": 2026, "last_value": 3}],
        "blob": blobs,
        "inbound": [
            _inbound(1, "smtp", "processed"),
            _inbound(2, "lmtp", "quarantined", reason="aturan: karantina kemendagri",
                     traceback="Traceback (most recent call last):\n  ...", attempts=3),
            _inbound(3, "imap", "processed", source_ref="setda-zimbra/INBOX/1700000000/7",
                     peer=None, helo=None),
            _inbound(4, "smtp", "processed", kind="reply",
                     rcpt_tos=[f"balasan+t0k3n@{DOMAIN}"]),
        ],
        "imap_ledger": [
            {"id": 1, "account": "setda-zimbra", "folder": "INBOX", "uidvalidity": 1700000000,
             "uid": 7, "size": len(RAW[2]), "raw_sha256": _sha(RAW[2]), "state": "stored",
             "inbound_id": 3, "error": None, "created_at": _at("2026-01-07T09:15:00"),
             "updated_at": _at("2026-01-07T09:15:01")},
        ],
        "naskah": [
            _letter(1, 1, "tercatat", "Undangan Rapat Koordinasi Percepatan Penurunan Stunting",
                    "tu@dinkes.jatengprov.go.id"),
            _letter(2, 2, "dibaca", "Permohonan Data Kepegawaian Triwulan I",
                    "sekretariat@kemendagri.go.id"),
            _letter(3, 3, "selesai", "Laporan Realisasi Anggaran Semester II",
                    "bkd@jatengprov.go.id"),
        ],
        "naskah_source": [
            {"id": n, "naskah_id": n, "inbound_id": n, "role": "original",
             "created_at": _at(f"2026-01-0{4 + n}T09:15:02")} for n in (1, 2, 3)
        ],
        "disposition": [
            {"id": 1, "naskah_id": 1, "parent_id": None, "kind": "disposisi",
             "from_position_id": 1, "from_person_id": 1, "from_acting": None,
             "to_position_id": 2, "instructions": ["SELESAIKAN", "KOORDINASIKAN"],
             "note": "mohon dihadiri", "due_at": _at("2026-01-09T16:00:00"), "status": "read",
             "channel": "rule", "created_at": _at("2026-01-05T09:15:02"),
             "read_at": _at("2026-01-05T10:00:00"), "done_at": None,
             "closed_by_person_id": None, "result_note": "", "reminded_at": None,
             "escalated_at": None},
            {"id": 2, "naskah_id": 3, "parent_id": None, "kind": "disposisi",
             "from_position_id": 1, "from_person_id": 1, "from_acting": None,
             "to_position_id": 2, "instructions": ["KETAHUI"], "note": "",
             "due_at": None, "status": "done", "channel": "email",
             "created_at": _at("2026-01-07T09:15:02"), "read_at": _at("2026-01-07T11:00:00"),
             "done_at": _at("2026-01-08T14:30:00"), "closed_by_person_id": 2,
             "result_note": "sudah dihadiri", "reminded_at": _at("2026-01-08T09:00:00"),
             "escalated_at": None},
        ],
        "attachment": [
            {"id": 1, "naskah_id": 1, "disposition_id": None, "filename": "undangan.pdf",
             "declared_type": "application/pdf", "sniffed_type": "application/pdf",
             "size": len(PDF), "sha256": _sha(PDF), "origin": "mail", "part_path": "2",
             "role": "file"},
        ],
        "event": _events(),
        "outbox": [
            {"id": 1, "kind": "receipt", "mail_from": f"tnde+bounce-1@{DOMAIN}",
             "rcpt_to": "tu@dinkes.jatengprov.go.id", "message_id": f"<tnde.receipt.r1@{DOMAIN}>",
             "subject": "Tanda terima 00001/SM/SETDA/2026",
             "message": b"Subject: Tanda terima\r\n\r\nx",
             "state": "sent", "attempts": 1, "next_attempt_at": _at("2026-01-05T09:15:02"),
             "claim_token": None, "claimed_at": None, "last_error": None,
             "created_at": _at("2026-01-05T09:15:02"), "sent_at": _at("2026-01-05T09:15:04"),
             "naskah_id": 1, "disposition_id": None, "person_id": None, "inbound_id": 1},
            {"id": 2, "kind": "notice", "mail_from": f"tnde+bounce-2@{DOMAIN}",
             "rcpt_to": "sri.rahayu@banyumaskab.go.id", "message_id": f"<tnde.notice.n2@{DOMAIN}>",
             "subject": "Disposisi: Undangan Rapat", "message": b"Subject: Disposisi\r\n\r\ny",
             "state": "queued", "attempts": 2, "next_attempt_at": _at("2026-01-05T09:20:00"),
             "claim_token": None, "claimed_at": None, "last_error": "451 4.3.0 coba lagi",
             "created_at": _at("2026-01-05T09:15:02"), "sent_at": None,
             "naskah_id": 1, "disposition_id": 1, "person_id": 2, "inbound_id": None},
        ],
        "reply_command": [
            {"id": 1, "reply_message_id": "<r4@banyumaskab.go.id>", "disposition_id": 2,
             "inbound_id": 4, "person_id": 2, "verified": True,
             "result": {"done": ["SELESAI"], "refused": []},
             "created_at": _at("2026-01-08T14:30:00")},
        ],
    }  # fmt: skip


def _write(connection: Connection, rows: dict[str, list[dict[str, Any]]]) -> None:
    tables = MetaData()
    tables.reflect(connection)
    for name, values in rows.items():
        connection.execute(insert(tables.tables[name]), values)
    if connection.dialect.name == "postgresql":  # as if the gateway had inserted them
        for name, values in rows.items():
            if "id" in values[0]:
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), :n)"),
                    {"n": max(v["id"] for v in values)},
                )


def _normal(value: Any) -> Any:
    """One representation per value whatever the column type was reflected as."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def _read(connection: Connection, columns: dict[str, list[str]]) -> dict[str, list[dict[str, Any]]]:
    tables = MetaData()
    tables.reflect(connection)
    found = {}
    for name, wanted in columns.items():
        table = tables.tables[name]
        order = list(table.primary_key.columns)
        rows = connection.execute(select(*(table.c[c] for c in wanted)).order_by(*order))
        found[name] = [{c: _normal(v) for c, v in row._mapping.items()} for row in rows]
    return found


@pytest.fixture(params=["sqlite", "postgresql"])
def oldest(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A database at the first migration, and `tnde` pointed at it."""
    with contextlib.ExitStack() as cleanup:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'tnde.db'}"
        else:
            need(port_open(PG_HOST, PG_PORT), f"PostgreSQL on {PG_HOST}:{PG_PORT}")
            database = fresh_pg_database()
            url = next(database)
            cleanup.callback(next, database, None)  # its end drops it
        monkeypatch.delenv("TNDE_CONFIG", raising=False)
        monkeypatch.delenv("TNDE_UI__LANGUAGE", raising=False)
        monkeypatch.setenv("TNDE_DATABASE__URL", url)
        engine = make_engine(DatabaseSettings(url=url))
        try:
            upgrade(engine, OLDEST)
            assert current_revision(engine) == OLDEST
        finally:
            engine.dispose()
        yield url


def _head() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def test_upgrading_from_the_oldest_schema_keeps_every_row(
    oldest: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = _register()
    engine = create_engine(oldest)
    try:
        with engine.begin() as connection:
            _write(connection, rows)
        with engine.connect() as connection:
            before = _read(connection, {name: list(values[0]) for name, values in rows.items()})

        code, out, err = run(capsys, "init")

        assert code == 0, out + err
        assert current_revision(engine) == _head()
        with engine.connect() as connection:
            after = _read(connection, {name: list(values[0]) for name, values in rows.items()})
            added = _read(connection, {"naskah": ["id", "status", "closed_at"],
                                       "inbound": ["release_quarantine"]})  # fmt: skip
    finally:
        engine.dispose()

    # 0005 renamed statuses that said what happened last; 0006 back-filled closed_at.
    renamed = {"tercatat": "baru", "dibaca": "dalam_proses", "selesai": "selesai"}
    for row in before["naskah"]:
        row["status"] = renamed[row["status"]]
    assert added["naskah"] == [
        {"id": 1, "status": "baru", "closed_at": None},
        {"id": 2, "status": "dalam_proses", "closed_at": None},
        {"id": 3, "status": "selesai", "closed_at": _at("2026-01-08T14:30:00")},
    ]
    assert {row["release_quarantine"] for row in added["inbound"]} == {False}
    for name in rows:
        if name in SEEDED:  # init adds the release's codes beside ours, changing none
            kept = [row for row in after[name] if row in before[name]]
            assert kept == before[name], name
        else:
            assert after[name] == before[name], name

    db = Database(make_engine(DatabaseSettings(url=oldest)))
    try:
        with db.read() as session:
            chains, problems = verify_all(session)
            query = filtered(session, AgendaFilter(q="stunting"), lambda query: query)
            found = [item["agenda_number"] for item in every_row(session, query)]
    finally:
        db.dispose()
    assert (chains, problems) == (4, [])
    assert found == ["00001/SM/SETDA/2026"]
    code, out, err = run(capsys, "naskah", "show", "00003/SM/SETDA/2026")
    assert code == 0, out + err
    assert "Laporan Realisasi Anggaran Semester II" in out


def _dump(url: str) -> str:
    """Schema and data of the whole database, as text."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connection = sqlite3.connect(parsed.database or "")
        try:
            return "\n".join(connection.iterdump())
        finally:
            connection.close()
    need_binary("pg_dump", "postgresql-client")
    result = subprocess.run(
        ["pg_dump", "--no-owner", "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER,
         parsed.database or ""],
        capture_output=True, text=True, check=True, timeout=120,
        env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
    )  # fmt: skip
    # pg_dump 15.14+ brackets the dump with a random \restrict key (CVE-2025-8714).
    lines = result.stdout.splitlines()
    return "\n".join(line for line in lines if not line.startswith(("\\restrict", "\\unrestrict")))


def test_init_on_an_up_to_date_database_changes_nothing(
    oldest: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = create_engine(oldest)
    try:
        with engine.begin() as connection:
            _write(connection, _register())
    finally:
        engine.dispose()
    assert run(capsys, "init")[0] == 0
    before = _dump(oldest)
    assert "Undangan Rapat Koordinasi Percepatan Penurunan Stunting" in before

    code, out, err = run(capsys, "init")

    assert code == 0, out + err
    assert "0 instruksi, 0 klasifikasi, 0 hari libur" in out, out
    after = _dump(oldest)
    assert after == before
