"""`tnde naskah list|show` and `tnde agenda export`: the register (buku agenda) as read."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, TextIO

from gateway.cli.common import CommandError, ready_app
from gateway.cli.output import Progress, dump_json, shown_time, table

if TYPE_CHECKING:
    from gateway.app import App


AGENDA_COLUMNS = (
    ("nomor_agenda", "agenda_number"),
    ("tanggal_diterima", "received_at"),
    ("unit", "unit"),
    ("asal_surat", "sender_agency"),
    ("pengirim", "sender"),
    ("nomor_surat", "nomor_surat"),
    ("tanggal_surat", "tanggal_surat"),
    ("perihal", "perihal"),
    ("lampiran", "lampiran_count"),
    ("sifat_keamanan", "sifat.keamanan"),
    ("kecepatan", "sifat.kecepatan"),
    ("klasifikasi", "klasifikasi"),
    ("jenis", "jenis"),
    ("status", "status"),
    ("message_id", "message_id"),
    ("sha256", "sha256"),
)


def add_commands(commands: Any) -> None:
    naskah = commands.add_parser("naskah", help="the registered naskah").add_subparsers(
        dest="naskah_command", required=True
    )
    listing = naskah.add_parser("list", help="newest first")
    listing.add_argument("--json", action="store_true")
    listing.add_argument("--limit", type=int, default=None)
    listing.set_defaults(handler=cmd_naskah_list)
    show = naskah.add_parser("show", help="one naskah by agenda number or id")
    show.add_argument("key", metavar="AGENDA|ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_naskah_show)

    agenda = commands.add_parser("agenda", help="buku agenda").add_subparsers(
        dest="agenda_command", required=True
    )
    export = agenda.add_parser("export", help="export the register")
    export.add_argument("--format", choices=("csv", "json"), required=True)
    export.add_argument("--year", type=int)
    export.add_argument("--unit", metavar="CODE")
    export.add_argument("--output", "-o", metavar="FILE", help="default: standard output")
    export.set_defaults(handler=cmd_agenda_export)


def cmd_naskah_list(args: argparse.Namespace) -> int:
    from gateway.core.states import NASKAH_LABEL
    from gateway.registry import load_naskah_list

    with ready_app(args) as app:
        zone = app.settings.mail.timezone
        items = load_naskah_list(app.db, args.limit, zone=zone)
    for item in items:
        item.pop("received_at_dt", None)
    if args.json:
        dump_json(items)
        return 0
    rows = [
        [
            i["agenda_number"],
            shown_time(i["received_at"], zone),
            i["sender"],
            i["perihal"],
            NASKAH_LABEL.get(i["status"], i["status"]),
        ]
        for i in items
    ]
    table(rows, ["NOMOR AGENDA", "DITERIMA", "PENGIRIM", "PERIHAL", "STATUS"])
    return 0


def cmd_naskah_show(args: argparse.Namespace) -> int:
    from gateway.registry import naskah_detail

    with ready_app(args) as app:
        zone = app.settings.mail.timezone
        detail = naskah_detail(app.db, args.key, zone)
        if detail is not None:
            detail["whereabouts"] = _whereabouts(app, detail["id"], zone)
    if detail is None:
        raise CommandError(f"no naskah with agenda number or id {args.key!r}")
    detail.pop("received_at_dt", None)
    if args.json:
        dump_json(detail)
        return 0
    _print_detail(detail, zone)
    return 0


def _whereabouts(app: App, naskah_id: int, zone: str) -> dict[str, Any]:
    """Status label, late or not, and who holds the letter now (JSON-ready)."""
    from gateway.db.models import Naskah
    from gateway.registry import iso
    from gateway.workflow.status import whereabouts

    with app.db.read() as session:
        found = whereabouts(session, session.get_one(Naskah, naskah_id), app.clock(), zone)
    return {
        "status": found.status,
        "label": found.label,
        "late": found.late,
        "held_by": [{**h, "due_at": iso(h["due_at"], zone)} for h in found.held_by],
    }


def _print_detail(detail: dict[str, Any], zone: str) -> None:
    out = sys.stdout
    out.write(f"{'Diterima':14}: {shown_time(detail['received_at'], zone)}\n")
    where = detail["whereabouts"]
    out.write(f"{'Keadaan':14}: {where['label']}\n")
    for held in where["held_by"]:
        names = ", ".join(held["holders"]) or "(jabatan kosong)"
        due = f", batas {shown_time(held['due_at'], zone)}" if held["due_at"] else ""
        late = ", TERLAMBAT" if held["late"] else ""
        out.write(
            f"{'Dipegang oleh':14}: {held['position']} ({names}): {held['status']}{due}{late}\n"
        )
    for label, key in (
        ("Agenda", "agenda_number"),
        ("Unit", "unit"),
        ("Sender", "sender"),
        ("Nomor surat", "nomor_surat"),
        ("Tanggal surat", "tanggal_surat"),
        ("Perihal", "perihal"),
        ("Lampiran", "lampiran_count"),
        ("Status", "status"),
    ):
        out.write(f"{label:14}: {detail.get(key) if detail.get(key) is not None else '-'}\n")
    out.write(f"{'Sifat':14}: {detail['sifat']['keamanan']} / {detail['sifat']['kecepatan']}\n")
    for attachment in detail["attachments"]:
        out.write(f"{'Attachment':14}: {attachment['filename']} ({attachment['size']} bytes)\n")
    out.write("Field sources:\n")
    for field, source in detail["field_sources"].items():
        where = source.get("source", "?") + (f" line {source['line']}" if "line" in source else "")
        out.write(f"  {field:14} from {where}: {source.get('text', '')!r}\n")
    _print_routing(detail, out)
    out.write("Timeline:\n")
    for event in detail["timeline"]:
        out.write(f"  {shown_time(event['at'], zone)}  {event['type']:20} {event['actor']}\n")


def _print_routing(detail: dict[str, Any], out: TextIO) -> None:
    """Which rules routed the letter and why, then the dispositions that resulted."""
    decision = detail.get("decision") or {}
    if decision:
        out.write(f"Routing (rule set version {decision.get('rule_set_version') or '-'}):\n")
        for hit in decision.get("hits", []):
            out.write(f"  HIT   {hit['rule']}: {hit['reason']}\n")
        for miss in decision.get("misses", []):
            out.write(f"  miss  {miss['rule']}: {miss['reason']}\n")
        for error in decision.get("errors", []):
            out.write(f"  ERROR {error['rule']}: {error['error']}\n")
        if decision.get("ignore"):
            out.write("  -> ignored: registered, nobody notified\n")
    for item in detail.get("dispositions", []):
        due = f", due {item['due_at']}" if item["due_at"] else ""
        instructions = ", ".join(item["instructions"]) or "-"
        out.write(
            f"  {item['kind']:10} {item['from'] or '-'} -> {item['to']} [{instructions}]"
            f"{due} ({item['status']})\n"
        )


def cmd_agenda_export(args: argparse.Namespace) -> int:
    from gateway.registry import count_naskah, iter_naskah

    with ready_app(args) as app:
        target: Any = nullcontext(sys.stdout)
        if args.output:
            target = open(args.output, "w", encoding="utf-8", newline="")  # noqa: SIM115 - with below
        with app.db.read() as session, target as stream:
            total = count_naskah(session, args.year, args.unit)
            progress = Progress(total, "export")
            zone = app.settings.mail.timezone
            rows = iter_naskah(session, args.year, args.unit, zone=zone)
            written = _write_export(stream, args.format, rows, progress, zone)
            progress.finish()
    print(f"exported {written} naskah", file=sys.stderr)
    return 0


def _write_export(stream: TextIO, fmt: str, rows: Any, progress: Progress, zone: str) -> int:
    """CSV for people (times as the receipts show them, in the office zone); JSON for
    scripts (ISO 8601 with the office zone's offset)."""
    written = 0
    if fmt == "csv":
        writer = csv.writer(stream)
        writer.writerow([column for column, _ in AGENDA_COLUMNS])
        for item in rows:
            item["received_at"] = shown_time(item["received_at"], zone)
            writer.writerow([_pick(item, path) for _, path in AGENDA_COLUMNS])
            written += 1
            progress.step()
        return written
    stream.write("[")
    for item in rows:
        stream.write(("\n" if not written else ",\n") + json.dumps(item, ensure_ascii=False))
        written += 1
        progress.step()
    stream.write("\n]\n")
    return written


def _pick(item: dict[str, Any], path: str) -> Any:
    value: Any = item
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return "" if value is None else value
