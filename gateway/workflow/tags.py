"""How our mail names a letter and whom a reply belongs to: subject tag, reply address."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gateway.core.tokens import make_token
from gateway.db.models import Naskah
from gateway.services import Services
from gateway.timefmt import local


def subject_tag(naskah: Naskah) -> str:
    """[TNDE <agenda>]: replies are matched by it when nothing better is left."""
    return f"[TNDE {naskah.agenda_number}]"


def reply_address(
    session: Session, ctx: Services, disposition_id: int, person_id: int, now: dt.datetime
) -> str:
    """balasan+<token>@domain for one holder of one disposition."""
    mail = ctx.settings.mail
    expires = local(now, mail.timezone).date() + dt.timedelta(days=mail.reply_token_days)
    token = make_token(ctx.reply_secret(session), disposition_id, person_id, expires)
    return f"{mail.reply_local}+{token}@{mail.domain}"
