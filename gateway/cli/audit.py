"""`tnde audit verify`: recompute every hash chain and every stored file's SHA-256."""

from __future__ import annotations

import argparse
from typing import Any

from gateway.catalogue import Catalogue
from gateway.cli.common import ready_app
from gateway.cli.output import Progress

PROBLEM_TEXTS = {
    "altered": "audit.blobs.altered",
    "size": "audit.blobs.size",
    "missing": "audit.blobs.missing",
}


def add_commands(commands: Any, t: Catalogue) -> None:
    audit = commands.add_parser("audit", help=t("help.audit")).add_subparsers(
        dest="audit_command", required=True
    )
    verify = audit.add_parser("verify", help=t("help.audit.verify"))
    verify.set_defaults(handler=cmd_audit_verify)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from gateway.audit import BlobProblem, verify_all, verify_blobs

    t: Catalogue = args.t
    bars: list[Progress] = []

    def started(total: int) -> None:
        bars.append(Progress(total, t("audit.blobs.progress")))

    def done(count: int) -> None:
        bars[0].step(count)

    with ready_app(args) as app, app.db.read() as session:
        chains, problems = verify_all(session)
        blobs, blob_problems = verify_blobs(session, on_blob=done, on_total=started)
    if bars and blobs:
        bars[0].finish()
    for problem in problems:
        print(f"{problem.chain} #{problem.seq}: {problem.problem}")
    result = t("audit.problems", count=len(problems)) if problems else t("audit.ok")
    print(t("audit.checked", chains=chains, result=result))

    def shown(found: BlobProblem) -> str:
        what = t(PROBLEM_TEXTS[found.problem])
        if found.attachment is not None:
            where = t("audit.blobs.attachment", naskah=found.naskah, name=found.attachment)
        elif found.naskah is not None:
            where = t("audit.blobs.original", naskah=found.naskah, inbound=found.inbound_id)
        elif found.inbound_id is not None:
            where = t("audit.blobs.inbound", inbound=found.inbound_id)
        else:
            where = t("audit.blobs.unreferenced")
        return f"{where}: {what} (SHA-256 {found.sha256[:16]}…)"

    for found in blob_problems:
        print(shown(found))
    blob_result = t("audit.problems", count=len(blob_problems)) if blob_problems else t("audit.ok")
    print(t("audit.blobs.checked", count=blobs, result=blob_result))
    return 1 if problems or blob_problems else 0
