"""How our mail names a letter and whom a reply belongs to: subject tag, reply address."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gateway.db.models import Naskah
from gateway.pipeline.context import PipelineContext
from gateway.timefmt import local
from gateway.workflow.secret import reply_secret
from gateway.workflow.tokens import make_token


def subject_tag(naskah: Naskah) -> str:
    """[TNDE <agenda>]: replies are matched by it when nothing better is left."""
    return f"[TNDE {naskah.agenda_number}]"


def reply_address(
    session: Session, ctx: PipelineContext, disposition_id: int, person_id: int, now: dt.datetime
) -> str:
    """balasan+<token>@domain for one holder of one disposition."""
    mail = ctx.settings.mail
    expires = local(now, mail.timezone).date() + dt.timedelta(days=mail.reply_token_days)
    token = make_token(reply_secret(session, ctx), disposition_id, person_id, expires)
    return f"{mail.reply_local}+{token}@{mail.domain}"
