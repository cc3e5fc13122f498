"""Replies as real clients write them (tests/data/replies): what the parser reads from each,
and the same replies delivered over SMTP to a live notice."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway.app import App
from gateway.db.models import Disposition, Event, ReplyCommand
from gateway.parsing.message import parse_message
from gateway.workflow.commands import parse_reply
from gateway.workflow.quotes import new_text, reply_text
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.queries import settled
from tests.support.replies import latest, outgoing

DIR = Path(__file__).parent / "data" / "replies"
CASES: list[dict[str, Any]] = tomllib.loads((DIR / "replies.toml").read_text(encoding="utf-8"))[
    "reply"
]
SEKDA = "agus.nugroho@banyumaskab.go.id"
SAMPLE = {
    "{token}": "aaaaaaiaaaaaojwbv4v5xynktnxmdyvn4hljj5a7y4",
    "{notice_message_id}": "<notice.sample@tnde.banyumaskab.go.id>",
    "{reply_message_id}": "<reply-sample-0001@banyumaskab.go.id>",
    "{from_name}": "Drs. Agus Nugroho, M.M.",
    "{from_address}": SEKDA,
    "{date}": "Tue, 01 Dec 2026 10:14:27 +0700",
}


def fill(case: dict[str, Any], values: dict[str, str]) -> bytes:
    raw = (DIR / case["file"]).read_bytes()
    for key, value in values.items():
        raw = raw.replace(key.encode(), value.encode())
    return raw


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def test_the_corpus_covers_the_clients_the_issue_names() -> None:
    clients = " ".join(c["client"].lower() for c in CASES)
    for name in ("outlook", "gmail", "android", "iphone", "apple mail", "thunderbird", "yahoo"):
        assert name in clients, name
    assert {c["posting"] for c in CASES} >= {"top", "bottom"}
    assert any(c["html_only"] for c in CASES) and len(CASES) >= 22


@pytest.mark.parametrize("case", [c for c in CASES if not c["automatic"]], ids=lambda c: c["file"])
def test_parser_reads_exactly_the_new_part(case: dict[str, Any]) -> None:
    parsed = parse_message(fill(case, SAMPLE))
    text = new_text(reply_text(parsed))
    assert lines(text) == lines(case["expected_new_text"])
    result = parse_reply(text)
    expected = case.get("command", [])
    assert [c.name for c in result.commands] == [c["name"] for c in expected]
    for command, want in zip(result.commands, expected, strict=True):
        assert command.line == want["line"]
        assert command.targets == want.get("targets", [])
        assert command.instruksi == want.get("instruksi", [])
        assert command.batas == want.get("batas", "")
        assert command.catatan == want.get("catatan", "")
        if command.name not in ("DISPOSISI", "BATAL"):
            assert command.text == want.get("text", "")
    assert sorted(p.line for p in result.problems) == sorted(case.get("not_understood", []))
    if result.commands or result.problems:
        assert result.ignored == case.get("ignored", [])
    assert lines(result.comment) == lines(case.get("comment", ""))


@pytest.fixture
def live(sqlite_url: str) -> Iterator[RunningGateway]:
    app = App.build(gateway_settings(sqlite_url), clock=FakeClock(OFFICE_HOURS))
    gateway = RunningGateway(app).start()
    try:
        raw = letter(to=f"setda@{DOMAIN}", subject="Undangan Rapat Koordinasi", body="Mohon hadir.")
        with gateway.smtp() as client:
            client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
        wait_for(lambda: settled(app))
        yield gateway
    finally:
        gateway.stop()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["file"])
def test_delivered_over_smtp_it_acts_exactly_as_parsed(
    live: RunningGateway, case: dict[str, Any]
) -> None:
    notice = latest(live.app, SEKDA)
    reply_to = str(notice["Reply-To"])
    token = reply_to.split("+", 1)[1].split("@", 1)[0]
    sender = SEKDA
    if case["sender"] == "other":
        sender = case.get("sample_from", "lain@example.org").split("<")[-1].rstrip(">")
    values = {
        **SAMPLE,
        "{token}": token,
        "{notice_message_id}": str(notice["Message-ID"]),
        "{from_address}": sender,
    }
    rcpt = case["to"].replace("{token}", token)
    with live.smtp() as client:
        client.sendmail(sender, [rcpt], fill(case, values))
    wait_for(lambda: settled(live.app), what="reply processed")
    with live.app.db.read() as session:
        top = session.scalars(select(Disposition).order_by(Disposition.id)).first()
        children = list(
            session.scalars(select(Disposition).where(Disposition.parent_id.is_not(None)))
        )
        taken = list(session.scalars(select(ReplyCommand)))
        unverified = list(session.scalars(select(Event).where(Event.type == "comment_unverified")))
    assert top is not None
    names = [c["name"] for c in case.get("command", [])]
    if case["automatic"]:
        assert taken == [] and top.status == "sent" and top.read_at is None
        return
    if case["sender"] == "other":
        assert top.status == "sent" and len(unverified) == 1
        return
    (record,) = taken
    assert record.verified, record.result
    assert top.read_at is not None  # any verified reply marks it read
    receipts = outgoing(live.app, SEKDA, "command_receipt")
    assert bool(receipts) == bool(names or case.get("not_understood"))
    expect_status = {"SELESAI": "done", "TOLAK": "rejected"}
    for name in names:
        if name in expect_status:
            assert top.status == expect_status[name]
    if "DISPOSISI" in names and not case.get("not_understood"):
        assert children, (
            latest(live.app, SEKDA, "command_receipt").get_body(("plain",)).get_content()
        )
