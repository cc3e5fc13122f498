"""One table of reply commands: the parser, the handlers, BANTUAN and mailto links agree."""

from __future__ import annotations

from urllib.parse import unquote

from gateway.workflow.commands import COMMANDS, HELP, KEYWORDS, SPECS, parse_reply
from gateway.workflow.execute import HANDLERS
from gateway.workflow.notices import mailto_links


def test_every_command_has_a_handler_help_and_a_parseable_example() -> None:
    assert set(HANDLERS) == set(SPECS)
    for spec in COMMANDS:
        assert spec.name in HELP, spec.name
        for word in (spec.name, *spec.aliases):
            assert KEYWORDS[word.lower()] == spec.name
        parsed = parse_reply(spec.example.split(" (atau")[0])
        assert [c.name for c in parsed.commands][:1] == [spec.name], spec.example


def test_a_required_argument_that_is_missing_gives_the_commands_own_example() -> None:
    for spec in COMMANDS:
        if not spec.missing:
            continue
        parsed = parse_reply(spec.name)
        assert parsed.commands == []
        (problem,) = parsed.problems
        assert problem.reason == spec.missing and problem.example == spec.example


def test_mailto_links_come_from_the_table_and_parse_back_to_their_command() -> None:
    links = mailto_links("balasan+x@gw.test", "[TNDE 1] Disposisi: x")
    assert [label for label, _ in links] == [
        "Terima",
        "Selesai",
        "Tanggapan",
        "Teruskan ke …",
        "Status",
        "Bantuan",
    ]
    for _, url in links:
        body = unquote(url.partition("&body=")[2])
        parsed = parse_reply(body)
        assert parsed.commands or parsed.problems, body
