"""`tnde naskah list|show|kka` and `tnde agenda export`: the register (buku agenda) as read,
and the one field the archive lets an operator set (the KKA code)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, TextIO

from gateway.catalogue import Catalogue
from gateway.cli.archive import ATTENTION, actor
from gateway.cli.common import CommandError, ready_app
from gateway.cli.output import Progress, dump_json, shown_time, table
from gateway.core.states import REGISTERS

if TYPE_CHECKING:
    from gateway.app import App


def add_commands(commands: Any, t: Catalogue) -> None:
    naskah = commands.add_parser("naskah", help=t("help.naskah")).add_subparsers(
        dest="naskah_command", required=True
    )
    listing = naskah.add_parser("list", help=t("help.list"))
    listing.add_argument("--json", action="store_true", help=t("help.json"))
    listing.add_argument("--limit", type=int, default=None, help=t("help.limit"))
    listing.add_argument("--kind", choices=REGISTERS, help=t("help.naskah.kind"))
    listing.set_defaults(handler=cmd_naskah_list)
    show = naskah.add_parser("show", help=t("help.naskah.show"))
    show.add_argument("key", metavar="AGENDA|ID")
    show.add_argument("--json", action="store_true", help=t("help.json"))
    show.set_defaults(handler=cmd_naskah_show)
    kka = naskah.add_parser("kka", help=t("help.naskah.kka"))
    kka.add_argument("key", metavar="AGENDA|ID")
    kka.add_argument("code", metavar="CODE")
    kka.add_argument("--by", help=t("help.archive.by"))
    kka.set_defaults(handler=cmd_naskah_kka)

    agenda = commands.add_parser("agenda", help=t("help.agenda")).add_subparsers(
        dest="agenda_command", required=True
    )
    export = agenda.add_parser("export", help=t("help.agenda.export"))
    export.add_argument("--format", choices=("csv", "json"), required=True)
    export.add_argument("--year", type=int, help=t("help.agenda.year"))
    export.add_argument("--unit", metavar="CODE", help=t("help.agenda.unit"))
    export.add_argument("--kind", choices=REGISTERS, help=t("help.naskah.kind"))
    export.add_argument("--output", "-o", metavar="FILE", help=t("help.output"))
    export.set_defaults(handler=cmd_agenda_export)


def cmd_naskah_list(args: argparse.Namespace) -> int:
    from gateway.cli.quickread import naskah_list

    t: Catalogue = args.t
    zone = args.settings.mail.timezone
    # On SQLite a listing starts without SQLAlchemy (quickread's docstring says why).
    items = naskah_list(args.settings.database.url, args.limit, args.kind, zone)
    if items is None:
        from gateway.registry import load_naskah_list

        with ready_app(args) as app:
            items = load_naskah_list(app.db, args.limit, zone=zone, kind=args.kind)
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
            t.label("status.naskah", i["status"]),
        ]
        for i in items
    ]
    table(rows, t("naskah.headers").split("|"))
    return 0


def cmd_naskah_show(args: argparse.Namespace) -> int:
    from gateway.core.verdict import sender_verdict, signature_lines
    from gateway.registry import naskah_detail

    t: Catalogue = args.t
    with ready_app(args) as app:
        zone = app.settings.mail.timezone
        detail = naskah_detail(app.db, args.key, zone)
        if detail is not None:
            detail["whereabouts"] = _whereabouts(app, detail["id"], zone)
            detail["arsip"] = _archive(app, detail["id"], zone)
    if detail is None:
        raise CommandError(t("naskah.not_found", key=repr(args.key)))
    detail.pop("received_at_dt", None)
    verdict = sender_verdict(detail.get("auth_results") or {}, detail.get("sender"), t)
    detail["sender_verification"] = {
        "verdict": verdict.key,
        "label": verdict.label,
        "detail": verdict.detail,
        "warnings": list(verdict.warnings),
    }
    detail["signatures"] = signature_lines(detail.get("auth_results") or {}, t, zone)
    if args.json:
        dump_json(detail)
        return 0
    _print_detail(detail, zone, t)
    return 0


def cmd_naskah_kka(args: argparse.Namespace) -> int:
    """Set a naskah's KKA code (validated against the table, on its audit trail)."""
    from gateway.archive.records import RecordError, set_kka
    from gateway.registry import find_naskah

    t: Catalogue = args.t
    with ready_app(args) as app, app.db.write() as session:
        found = find_naskah(session, args.key)
        if found is None:
            raise CommandError(t("naskah.not_found", key=repr(args.key)))
        naskah = found[0]
        try:
            old = set_kka(session, naskah, args.code, actor(args), app.clock())
        except RecordError as err:
            raise CommandError(t(err.key, **err.fields)) from err
        number, new = naskah.agenda_number, naskah.klasifikasi
    if old == new:
        print(t("archive.kka_unchanged", agenda=number, code=new))
    else:
        print(t("archive.kka_set", agenda=number, old=old or "-", new=new))
    return 0


def _archive(app: App, naskah_id: int, zone: str) -> dict[str, Any]:
    """KKA, retention dates (derived today, WIB) and legal hold of one naskah."""
    from gateway.archive.due import archive_record
    from gateway.db.models import Naskah
    from gateway.timefmt import local

    with app.db.read() as session:
        today = local(app.clock(), zone).date()
        return archive_record(session, session.get_one(Naskah, naskah_id), today)


def _archive_line(record: dict[str, Any], t: Catalogue) -> str | None:
    """400.7 Kesehatan; aktif s.d. 2028-12-31, inaktif s.d. 2031-12-31, musnah."""
    if not record["klasifikasi"]:
        return None
    name = f" {record['kka_nama']}" if record["kka_nama"] else ""
    if record["aktif_sampai"] is None:  # the code not in the table, or no retention yet
        return f"{record['klasifikasi']}{name}; {t(ATTENTION[record['status']])}"
    retention = t(
        "archive.show.retention",
        aktif=record["aktif_sampai"],
        inaktif=record["inaktif_sampai"],
        nasib=t(_NASIB[record["nasib_akhir"]]),
    )
    return f"{record['klasifikasi']}{name}; {retention}"


_NASIB = {
    "musnah": "archive.nasib.musnah",
    "permanen": "archive.nasib.permanen",
    "dinilai_kembali": "archive.nasib.dinilai_kembali",
}


def _whereabouts(app: App, naskah_id: int, zone: str) -> dict[str, Any]:
    """Status label, late or not, and who holds the letter now (JSON-ready)."""
    from gateway.db.models import Naskah
    from gateway.entry import iso
    from gateway.workflow.status import whereabouts

    with app.db.read() as session:
        found = whereabouts(session, session.get_one(Naskah, naskah_id), app.clock(), zone)
    return {
        "status": found.status,
        "label": found.label,
        "late": found.late,
        "held_by": [{**h, "due_at": iso(h["due_at"], zone)} for h in found.held_by],
    }


def _print_detail(detail: dict[str, Any], zone: str, t: Catalogue) -> None:
    out = sys.stdout

    def line(key: str, value: object) -> None:
        out.write(f"{t(key):14}: {'-' if value is None or value == '' else value}\n")

    line("naskah.received", shown_time(detail["received_at"], zone))
    where = detail["whereabouts"]
    state = t.label("status.naskah", where["status"])
    line("naskah.whereabouts", state + (", " + t("naskah.late").lower() if where["late"] else ""))
    for held in where["held_by"]:
        names = ", ".join(held["holders"]) or t("naskah.vacant")
        due = (
            ", " + t("naskah.due", when=shown_time(held["due_at"], zone)) if held["due_at"] else ""
        )
        late = ", " + t("naskah.late") if held["late"] else ""
        status = t.label("status.disposition", held["status"])
        line("naskah.held_by", f"{held['position']} ({names}): {status}{due}{late}")
    for key, field in (
        ("naskah.agenda", "agenda_number"),
        ("naskah.unit", "unit"),
        ("naskah.sender", "sender"),
        ("naskah.nomor_surat", "nomor_surat"),
        ("naskah.tanggal_surat", "tanggal_surat"),
        ("naskah.perihal", "perihal"),
        ("naskah.lampiran", "lampiran_count"),
    ):
        line(key, detail.get(field))
        if field == "sender":
            check = detail["sender_verification"]
            details = f" [{check['detail']}]" if check["detail"] else ""
            line("naskah.verification", check["label"] + details)
            for warning in check["warnings"]:
                line("naskah.warning", warning)
            for signature in detail["signatures"]:
                line("naskah.tte", signature)
    line("naskah.status", t.label("status.naskah", detail["status"]))
    line("archive.show.kka", _archive_line(detail["arsip"], t))
    if detail["arsip"]["legal_hold"]:
        line("archive.show.hold", detail["arsip"]["legal_hold_reason"])
    for key, part in (("naskah.keamanan", "keamanan"), ("naskah.kecepatan", "kecepatan")):
        code = detail["sifat"][part]
        line(key, f"{t.label(f'sifat.{part}', code)} ({code})" if code else None)
    for attachment in detail["attachments"]:
        size = t("naskah.attachment_size", name=attachment["filename"], size=attachment["size"])
        line("naskah.attachment", size)
    out.write(t("naskah.sources") + "\n")
    for field, source in detail["field_sources"].items():
        origin = source.get("source", "?")
        if "line" in source:
            origin = t("naskah.source_line", source=origin, line=source["line"])
        out.write(f"  {field:14} {t('naskah.source', where=origin)}: {source.get('text', '')!r}\n")
    _print_routing(detail, out, zone, t)
    _print_approval(detail, out, zone, t)
    out.write(t("naskah.timeline") + "\n")
    for event in detail["timeline"]:
        when = shown_time(event["at"], zone)
        out.write(f"  {when}  {t.event(event['type']):30} {event['actor']}\n")


def _print_approval(detail: dict[str, Any], out: TextIO, zone: str, t: Catalogue) -> None:
    """A konsep's or surat keluar's route: each step, who decided what and when; the signer."""
    if "approval" not in detail:
        return
    out.write(t("naskah.approval") + "\n")
    for step in detail["approval"]:
        when = shown_time(step["decided_at"], zone) if step["decided_at"] else "-"
        decided = t.label("status.approval", step["decision"])
        who = step["person"] or "-"
        kind = t.label("status.step", step["kind"])
        out.write(f"  {kind:14} {step['position']:20} {decided:20} {who:30} {when}\n")
    if detail.get("signer"):
        line = " / ".join(x for x in detail["signer"]["lines"] if x)
        out.write(f"  {t('naskah.signer')}: {line}\n")


def _print_routing(detail: dict[str, Any], out: TextIO, zone: str, t: Catalogue) -> None:
    """Which rules routed the letter and why, then the dispositions that resulted."""
    decision = detail.get("decision") or {}
    if decision:
        out.write(t("naskah.routing", version=decision.get("rule_set_version") or "-") + "\n")
        hit_mark, miss_mark = t("naskah.rule_hit"), t("naskah.rule_miss")
        error_mark = t("naskah.rule_error")
        width = max(len(hit_mark), len(miss_mark), len(error_mark))
        for hit in decision.get("hits", []):
            out.write(f"  {hit_mark:{width}} {hit['rule']}: {hit['reason']}\n")
        for miss in decision.get("misses", []):
            out.write(f"  {miss_mark:{width}} {miss['rule']}: {miss['reason']}\n")
        for error in decision.get("errors", []):
            out.write(f"  {error_mark:{width}} {error['rule']}: {error['error']}\n")
        if decision.get("ignore"):
            out.write(f"  {t('naskah.ignored')}\n")
    for item in detail.get("dispositions", []):
        due = (
            ", " + t("naskah.due", when=shown_time(item["due_at"], zone)) if item["due_at"] else ""
        )
        instructions = ", ".join(item["instructions"]) or "-"
        status = t.label("status.disposition", item["status"])
        source = item["from"] or t("naskah.by_rule")
        out.write(
            f"  {item['kind']:10} {source} -> {item['to']} [{instructions}]{due} ({status})\n"
        )


def cmd_agenda_export(args: argparse.Namespace) -> int:
    from gateway.registry import count_naskah, iter_naskah

    with ready_app(args) as app:
        target: Any = nullcontext(sys.stdout)
        if args.output:
            target = open(args.output, "w", encoding="utf-8", newline="")  # noqa: SIM115 - with below
        with app.db.read() as session, target as stream:
            total = count_naskah(session, args.year, args.unit, args.kind)
            progress = Progress(total, args.t("export.progress"))
            zone = app.settings.mail.timezone
            rows = iter_naskah(session, args.year, args.unit, zone=zone, kind=args.kind)
            written = _write_export(stream, args.format, rows, progress, zone)
            progress.finish()
    print(args.t("export.done", count=written), file=sys.stderr)
    return 0


def _write_export(stream: TextIO, fmt: str, rows: Any, progress: Progress, zone: str) -> int:
    """CSV for people (times as the receipts show them, in the office zone); JSON for
    scripts (ISO 8601 with the office zone's offset)."""
    from gateway.registry import AGENDA_COLUMNS, agenda_row

    written = 0
    if fmt == "csv":
        writer = csv.writer(stream)
        writer.writerow([column for column, _ in AGENDA_COLUMNS])
        for item in rows:
            item["received_at"] = shown_time(item["received_at"], zone)
            writer.writerow(agenda_row(item))
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
