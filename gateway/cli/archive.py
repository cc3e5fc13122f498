"""`tnde kka import|list` and `tnde archive due|hold|release|export|verify`: the KKA
table, retention, legal holds and archive packages for the unit kearsipan."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from gateway.catalogue import Catalogue
from gateway.cli.common import CommandError, ready_app
from gateway.cli.output import Progress, dump_json, table

# Catalogue keys of stored values, written out so the catalogue test sees them used.
NASIB_LABEL = {
    "musnah": "archive.nasib.musnah",
    "permanen": "archive.nasib.permanen",
    "dinilai_kembali": "archive.nasib.dinilai_kembali",
}
DUE_FATE = {
    "musnah": "archive.due.musnah",
    "permanen": "archive.due.permanen",
    "dinilai_kembali": "archive.due.dinilai_kembali",
}
ATTENTION = {
    "tanpa_kka": "archive.state.tanpa_kka",
    "kka_tidak_dikenal": "archive.state.kka_tidak_dikenal",
    "belum_ditetapkan": "archive.state.belum_ditetapkan",
}


def default_actor() -> str:
    """Who runs the command when --by is not given: the person behind `sudo` (SUDO_USER),
    else the operating-system user; never just "root" for every officer."""
    sudo_user = os.environ.get("SUDO_USER", "").strip()
    if sudo_user:
        return sudo_user
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name for this uid (a bare container)
        return f"uid {os.getuid()}"


def actor(args: argparse.Namespace) -> str:
    """The --by value, or the default actor."""
    given = (args.by or "").strip()
    return given or default_actor()


def add_commands(commands: Any, t: Catalogue) -> None:
    kka = commands.add_parser("kka", help=t("help.kka")).add_subparsers(
        dest="kka_command", required=True
    )
    importer = kka.add_parser("import", help=t("help.kka.import"))
    importer.add_argument("file", metavar="FILE")
    importer.add_argument("--replace", action="store_true", help=t("help.kka.replace"))
    importer.add_argument("--dry-run", action="store_true", help=t("help.kka.dry_run"))
    importer.add_argument(
        "--clear-retention", action="store_true", help=t("help.kka.clear_retention")
    )
    importer.add_argument("--by", help=t("help.archive.by"))
    importer.set_defaults(handler=cmd_kka_import)
    listing = kka.add_parser("list", help=t("help.kka.list"))
    listing.add_argument("prefix", nargs="?", metavar="PREFIX", help=t("help.kka.prefix"))
    listing.add_argument("--json", action="store_true", help=t("help.json"))
    listing.set_defaults(handler=cmd_kka_list)

    archive = commands.add_parser("archive", help=t("help.archive")).add_subparsers(
        dest="archive_command", required=True
    )
    due = archive.add_parser("due", help=t("help.archive.due"))
    due.add_argument("--year", type=int, help=t("help.archive.due_year"))
    due.add_argument("--on", type=_date, metavar="YYYY-MM-DD", help=t("help.archive.on"))
    due.add_argument("--json", action="store_true", help=t("help.json"))
    due.set_defaults(handler=cmd_archive_due)
    hold = archive.add_parser("hold", help=t("help.archive.hold"))
    hold.add_argument("key", metavar="AGENDA|ID")
    hold.add_argument("--reason", required=True, help=t("help.archive.reason"))
    hold.add_argument("--by", help=t("help.archive.by"))
    hold.set_defaults(handler=cmd_archive_hold)
    release = archive.add_parser("release", help=t("help.archive.release"))
    release.add_argument("key", metavar="AGENDA|ID")
    release.add_argument("--reason", required=True, help=t("help.archive.reason"))
    release.add_argument("--by", help=t("help.archive.by"))
    release.set_defaults(handler=cmd_archive_release)
    export = archive.add_parser("export", help=t("help.archive.export"))
    export.add_argument("--year", type=int, required=True, help=t("help.archive.year"))
    export.add_argument("--unit", metavar="U", help=t("help.agenda.unit"))
    export.add_argument("--kka", metavar="CODE", help=t("help.archive.kka"))
    export.add_argument(
        "--include-rahasia", action="store_true", help=t("help.archive.include_rahasia")
    )
    export.add_argument("-o", "--output", metavar="FILE.zip", required=True, help=t("help.output"))
    export.add_argument("--by", help=t("help.archive.by"))
    export.set_defaults(handler=cmd_archive_export)
    verify = archive.add_parser("verify", help=t("help.archive.verify"))
    verify.add_argument("file", metavar="FILE.zip")
    verify.add_argument("--json", action="store_true", help=t("help.json"))
    verify.set_defaults(handler=cmd_archive_verify)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(text) from None


# --------------------------------------------------------------------------- kka


def cmd_kka_import(args: argparse.Namespace) -> int:
    from gateway.archive.kka import import_entries
    from gateway.archive.kkafile import KkaFileError, parse_kka_file

    t: Catalogue = args.t
    try:
        data = Path(args.file).read_bytes()
    except OSError as err:
        raise CommandError(t("error.read_file", path=args.file, error=err)) from err
    try:
        entries, errors = parse_kka_file(args.file, data)
    except KkaFileError as err:
        raise CommandError(f"{args.file}: {t(err.problem.key, **err.problem.fields)}") from err
    if errors:
        for error in errors:
            message = t(error.problem.key, **error.problem.fields)
            print(t("kka.error_line", file=args.file, line=error.line, message=message),
                  file=sys.stderr)  # fmt: skip
        raise CommandError(t("kka.refused", file=args.file, count=len(errors)))
    if args.dry_run:
        print(t("kka.dry_run", file=args.file, count=len(entries)))
        return 0
    with ready_app(args) as app, app.db.write() as session:
        result = import_entries(
            session,
            entries,
            replace=args.replace,
            clear_retention=args.clear_retention,
            actor=actor(args),
            now=app.clock(),
            source=Path(args.file).name,
            data=data,
        )
    print(
        t(
            "kka.imported",
            file=args.file,
            added=len(result.added),
            updated=len(result.updated),
            unchanged=result.unchanged,
            removed=len(result.removed),
        )
    )
    if result.kept_in_use:
        print(t("kka.kept_in_use", codes=", ".join(result.kept_in_use)))
    if result.without_retention:
        print(t("kka.without_retention", count=result.without_retention))
    return 0


def cmd_kka_list(args: argparse.Namespace) -> int:
    from gateway.archive.kka import list_codes, usage_counts

    t: Catalogue = args.t
    with ready_app(args) as app, app.db.read() as session:
        used = usage_counts(session)
        rows = [
            {
                "kode": r.code,
                "nama": r.name,
                "induk": r.parent_code,
                "retensi_aktif": r.retensi_aktif,
                "retensi_inaktif": r.retensi_inaktif,
                "nasib_akhir": r.nasib_akhir,
                "keterangan": r.keterangan,
                "sumber": r.sumber,
                "dipakai": used.get(r.code, 0),
            }
            for r in list_codes(session, args.prefix)
        ]
    if args.json:
        dump_json(rows)
        return 0
    if not rows:
        raise CommandError(t("kka.none", prefix=args.prefix or "-"))
    unset = t("kka.unset")
    table(
        [
            [
                r["kode"],
                r["nama"],
                unset if r["retensi_aktif"] is None else r["retensi_aktif"],
                unset if r["retensi_inaktif"] is None else r["retensi_inaktif"],
                t(NASIB_LABEL[str(r["nasib_akhir"])]) if r["nasib_akhir"] else unset,
                r["dipakai"],
            ]
            for r in rows
        ],
        t("kka.headers").split("|"),
    )
    return 0


# --------------------------------------------------------------------------- archive


def cmd_archive_due(args: argparse.Namespace) -> int:
    from gateway.archive.due import due_report
    from gateway.timefmt import local

    t: Catalogue = args.t
    with ready_app(args) as app:
        on = args.on or local(app.clock(), app.settings.mail.timezone).date()
        with app.db.read() as session:
            report = due_report(session, on, args.year)
    if args.json:
        dump_json(report.as_dict())
        return 0
    print(t("archive.due.title", on=on.isoformat(), active=report.aktif))
    _due_group(t, "archive.due.pindah", report.pindah_inaktif, "aktif_sampai")
    by_fate: dict[str, list[dict[str, Any]]] = {}
    for item in report.penyusutan:
        by_fate.setdefault(item["nasib_akhir"], []).append(item)
    for fate, key in DUE_FATE.items():
        _due_group(t, key, by_fate.get(fate, []), "inaktif_sampai")
    _due_group(t, "archive.due.ditahan", report.ditahan, "inaktif_sampai", held=True)
    if report.perlu_perhatian:
        print("\n" + t("archive.due.perhatian", count=len(report.perlu_perhatian)))
        table(
            [
                [i["agenda_number"], i["klasifikasi"] or "-", t(ATTENTION[i["status"]])]
                for i in report.perlu_perhatian
            ],
            t("archive.due.attention_headers").split("|"),
        )
    print("\n" + t("archive.due.nothing_deleted"))
    return 0


def _due_group(
    t: Catalogue, key: str, items: list[dict[str, Any]], until: str, held: bool = False
) -> None:
    if not items:
        return
    print("\n" + t(key, count=len(items)))
    headers = t("archive.due.headers").split("|")
    rows = [
        [
            i["agenda_number"],
            i["klasifikasi"],
            i["kode_acuan"],
            i[until],
            i["legal_hold_reason"] if held else _perihal(i, t),
        ]
        for i in items
    ]
    if held:
        headers[-1] = t("archive.due.hold_reason")
    table(rows, headers)


def _perihal(item: dict[str, Any], t: Catalogue) -> str:
    """The perihal as the schedule shows it: masked for SR/R, "-" when there is none."""
    if item["secret"]:
        return t("archive.secret")
    return str(item["perihal"] or "-")


def _find(session: Any, key: str, t: Catalogue) -> Any:
    from gateway.registry import find_naskah

    found = find_naskah(session, key)
    if found is None:
        raise CommandError(t("naskah.not_found", key=repr(key)))
    return found[0]


def cmd_archive_hold(args: argparse.Namespace) -> int:
    number = _change_hold(args, release_it=False)
    print(args.t("archive.held", agenda=number, reason=args.reason.strip()))
    return 0


def cmd_archive_release(args: argparse.Namespace) -> int:
    number = _change_hold(args, release_it=True)
    print(args.t("archive.released", agenda=number))
    return 0


def _change_hold(args: argparse.Namespace, release_it: bool) -> str:
    """Set or lift a naskah's legal hold (audited); its agenda number."""
    from gateway.archive.records import RecordError, hold, release

    t: Catalogue = args.t
    change = release if release_it else hold
    with ready_app(args) as app, app.db.write() as session:
        naskah = _find(session, args.key, t)
        try:
            change(session, naskah, args.reason, actor(args), app.clock())
        except RecordError as err:
            raise CommandError(t(err.key, **err.fields)) from err
        number: str = naskah.agenda_number
    return number


def cmd_archive_export(args: argparse.Namespace) -> int:
    from gateway.archive.package import (
        ExportFilter,
        count_for_export,
        record_export,
        write_package,
    )

    t: Catalogue = args.t
    target = Path(args.output)
    if not target.parent.is_dir():
        raise CommandError(t("archive.export.no_dir", path=target.parent))
    flt = ExportFilter(
        year=args.year,
        unit=args.unit,
        kka=args.kka.strip() if args.kka else None,
        include_secret=args.include_rahasia,
    )
    with ready_app(args) as app:
        total = count_for_export(app.db, flt)
        if total == 0:
            raise CommandError(t("archive.export.empty", year=args.year))
        progress = Progress(total, t("archive.export.progress"))
        summary = write_package(
            app.db, flt, target, app.settings.mail.timezone, app.clock(), progress.step
        )
        progress.finish()
        with app.db.write() as session:
            record_export(session, flt, summary, target, actor(args), app.clock())
    print(t("archive.export.done", path=target, count=summary.naskah, files=summary.files))
    if summary.secret_withheld:
        print(t("archive.export.secret_withheld", count=summary.secret_withheld))
    if summary.secret_included:
        print(t("archive.export.secret_included", count=summary.secret_included))
    for missing in summary.missing_blobs:
        print(t("archive.export.missing_blob", path=missing), file=sys.stderr)
    print(t("archive.sums", digest=summary.sums_sha256))
    return 0


def cmd_archive_verify(args: argparse.Namespace) -> int:
    from gateway.archive.verify import PackageError, verify_package

    t: Catalogue = args.t
    try:
        result = verify_package(Path(args.file))
    except PackageError as err:
        raise CommandError(t(err.key, **err.fields)) from err
    if args.json:
        dump_json({**result.__dict__, "ok": result.ok})
        return 0 if result.ok else 1
    for key, names in (
        ("archive.verify.changed", result.changed),
        ("archive.verify.missing", result.missing),
        ("archive.verify.extra", result.extra),
        ("archive.verify.damaged", result.damaged),
    ):
        for name in names:
            print(t(key, path=name))
    for line in result.malformed:
        print(t("archive.verify.malformed", line=line))
    print(t("archive.sums", digest=result.sums_sha256))
    if not result.ok:
        problems = len(result.changed) + len(result.missing) + len(result.extra)
        problems += len(result.damaged) + len(result.malformed)
        raise CommandError(t("archive.verify.failed", count=problems, checked=result.checked))
    print(t("archive.verify.ok", checked=result.checked))
    return 0
