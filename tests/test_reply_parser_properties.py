"""Properties of the reply reader: it never raises, and it never reads quoted text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.parsing.html import html_to_text
from gateway.workflow.commands import KEYWORDS, parse_reply
from gateway.workflow.quotes import new_text

COMMAND_WORDS = sorted(KEYWORDS)
QUOTE_MARKERS = [
    "On Tue, Dec 1, 2026 at 10:00 AM TNDE Gateway <tnde@x> wrote:",
    "Pada Sel, 1 Des 2026 pukul 10.00 TNDE Gateway <tnde@x> menulis:",
    "-----Original Message-----",
    "-----Pesan Asli-----",
    "________________________________",
    "From: TNDE Gateway <tnde@x>\nSent: Tuesday, December 1, 2026 10:00 AM\nTo: Agus",
    "Dari: TNDE Gateway <tnde@x>\nDikirim: Selasa, 1 Desember 2026 10.00\nKepada: Agus",
]
SECRET_WORD = "kutipanrahasia"

# Free text that cannot itself look like quoted history.
plain_line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=">\r\n"),
    max_size=60,
).filter(
    lambda s: (
        not s.strip()
        .lower()
        .startswith(("on ", "pada ", "from", "dari", "-", "_", "sent", "dikirim"))
    )
)
command_line = st.builds(
    lambda word, rest: f"{word.upper()} {rest}".strip(),
    st.sampled_from(COMMAND_WORDS),
    st.sampled_from(["", "kabag.umum", "laporan terlampir", "bukan tugas kami"]),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_any_text_parses_without_raising(text: str) -> None:
    result = parse_reply(new_text(text))
    assert isinstance(result.commands, list)


@settings(max_examples=300)
@given(st.text(max_size=1500))
def test_any_html_converts_without_raising(html: str) -> None:
    assert isinstance(html_to_text(html, drop_quotes=True), str)


@settings(max_examples=300)
@given(
    top=st.lists(
        st.one_of(plain_line.map(lambda s: ("text", s)), command_line.map(lambda s: ("cmd", s))),
        max_size=8,
    ),
    marker=st.sampled_from(QUOTE_MARKERS),
    quoted=st.lists(command_line, min_size=1, max_size=6),
    prefix=st.sampled_from(["> ", ">", "> > ", ""]),
)
def test_top_posted_commands_are_read_and_those_below_the_quote_marker_never(
    top: list[tuple[str, str]], marker: str, quoted: list[str], prefix: str
) -> None:
    quoted_block = "\n".join(f"{prefix}{line} {SECRET_WORD}" for line in quoted)
    text = "\n".join(line for _, line in top) + f"\n\n{marker}\n{quoted_block}\n"
    result = parse_reply(new_text(text))
    for command in result.commands:
        assert SECRET_WORD not in command.line and SECRET_WORD not in command.text
    assert SECRET_WORD not in " ".join(result.ignored)
    # A parser that reads nothing would pass the lines above: every command written
    # above the quote must be found, as a command or as a problem with the correct form.
    read = [c.line for c in result.commands] + [p.line for p in result.problems]
    for kind, line in top:
        if kind == "cmd":
            assert line in read, (line, read)


@settings(max_examples=300)
@given(
    answer=st.lists(command_line, min_size=1, max_size=4),
    quoted=st.lists(command_line, min_size=1, max_size=6),
)
def test_bottom_posted_answers_are_read_and_the_quote_is_not(
    answer: list[str], quoted: list[str]
) -> None:
    quote = "\n".join(f"> {line} {SECRET_WORD}" for line in quoted)
    text = (
        f"{QUOTE_MARKERS[0]}\n{quote}\n\n"
        + "\n".join(answer)
        + "\n-- \nAgus\nSELESAI di tanda tangan"
    )
    result = parse_reply(new_text(text))
    read = [c.line for c in result.commands] + [p.line for p in result.problems]
    assert all(SECRET_WORD not in line for line in read)
    assert all("tanda tangan" not in line for line in read)
    assert len(result.commands) + len(result.problems) >= 1


@settings(max_examples=200)
@given(answer=command_line, quoted=st.lists(command_line, min_size=1, max_size=4))
def test_html_blockquotes_are_never_read(answer: str, quoted: list[str]) -> None:
    inner = "<br>".join(f"{line} {SECRET_WORD}" for line in quoted)
    html = f"<div>{answer}</div><div class='gmail_quote'><blockquote>{inner}</blockquote></div>"
    text = new_text(html_to_text(html, drop_quotes=True))
    assert SECRET_WORD not in text
    assert answer.split(maxsplit=1)[0] in text
