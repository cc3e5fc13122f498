"""`tnde audit verify`: recompute every hash chain of the audit trail."""

from __future__ import annotations

import argparse
from typing import Any

from gateway.catalogue import Catalogue
from gateway.cli.common import ready_app


def add_commands(commands: Any, t: Catalogue) -> None:
    audit = commands.add_parser("audit", help=t("help.audit")).add_subparsers(
        dest="audit_command", required=True
    )
    verify = audit.add_parser("verify", help=t("help.audit.verify"))
    verify.set_defaults(handler=cmd_audit_verify)


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from gateway.audit import verify_all

    with ready_app(args) as app, app.db.read() as session:
        chains, problems = verify_all(session)
    for problem in problems:
        print(f"{problem.chain} #{problem.seq}: {problem.problem}")
    t: Catalogue = args.t
    result = t("audit.problems", count=len(problems)) if problems else t("audit.ok")
    print(t("audit.checked", chains=chains, result=result))
    return 1 if problems else 0
