"""Outgoing mail cannot carry injected headers, whatever a sender put in a field we echo."""

from __future__ import annotations

import datetime as dt
import re
from email import message_from_bytes, policy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.outbound.compose import Identity, OutgoingMail, as_bytes, compose

IDENTITY = Identity("tnde.banyumaskab.go.id", "tnde", "TNDE Gateway", "test")
NOW = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)
NASTY = st.text(
    alphabet=st.sampled_from(list("abc XYZ:é—\r\n\x00\t\u2028\u2029\x85\x0b<>@\"'=?")), max_size=80
)
EXPECTED = {
    "content-type",
    "mime-version",
    "from",
    "to",
    "subject",
    "date",
    "message-id",
    "reply-to",
    "auto-submitted",
    "x-auto-response-suppress",
    "x-tnde-loop",
    "x-tnde-agenda",
}


@settings(max_examples=300)
@given(subject=NASTY, name=NASTY, filename=NASTY, agenda=NASTY)
def test_no_field_can_inject_a_header(subject: str, name: str, filename: str, agenda: str) -> None:
    mail = OutgoingMail(
        kind="notice",
        to_address="a@b.go.id",
        to_name=name,
        subject=subject,
        text="isi\n",
        html="<p>isi</p>",
        reply_to="balasan+x@tnde.banyumaskab.go.id",
        attachments=[(filename, "application/pdf", b"%PDF-1.4\n")],
        extra_headers={"X-TNDE-Agenda": agenda},
    )
    raw = as_bytes(compose(mail, IDENTITY, NOW))
    parsed = message_from_bytes(raw, policy=policy.default)
    assert sorted(key.lower() for key in parsed) == sorted(EXPECTED)  # no extra, no duplicate
    assert parsed["To"].addresses[0].addr_spec == "a@b.go.id"
    for line in raw.split(b"\r\n"):
        assert b"\n" not in line and b"\r" not in line and b"\x00" not in line
    (attachment,) = list(parsed.iter_attachments())
    assert attachment.get_content() == b"%PDF-1.4\n"


def test_references_keep_every_message_id_in_angle_brackets() -> None:
    # The parser keeps references without brackets; the header must have them again.
    mail = OutgoingMail(
        kind="receipt",
        to_address="a@b.go.id",
        to_name="A",
        subject="Tanda terima",
        text="isi\n",
        in_reply_to="<m1@kemkes.go.id>",
        references=["r1@x.go.id", "<r2@x.go.id>"],
    )
    parsed = message_from_bytes(as_bytes(compose(mail, IDENTITY, NOW)), policy=policy.default)
    assert str(parsed["References"]).split() == [
        "<r1@x.go.id>",
        "<r2@x.go.id>",
        "<m1@kemkes.go.id>",
    ]
    assert str(parsed["In-Reply-To"]) == "<m1@kemkes.go.id>"


@settings(max_examples=200)
@given(content_type=NASTY)
def test_an_attachments_content_type_is_rebuilt_not_copied(content_type: str) -> None:
    # A received Content-Type (even one whose encoded word hides a NUL) never reaches an
    # outgoing header as it came: only a valid type/subtype, else application/octet-stream.
    mail = OutgoingMail(
        kind="notice",
        to_address="a@b.go.id",
        to_name="A",
        subject="s",
        text="isi\n",
        attachments=[("a.pdf", content_type + "; name==?utf-8?q?=00?=", b"data")],
    )
    raw = as_bytes(compose(mail, IDENTITY, NOW))
    parsed = message_from_bytes(raw, policy=policy.default)
    (attachment,) = list(parsed.iter_attachments())
    assert re.fullmatch(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+", attachment.get_content_type())
    assert b"\x00" not in raw and b"=00" not in raw
    kept = compose(
        OutgoingMail(
            kind="notice",
            to_address="a@b.go.id",
            to_name="A",
            subject="s",
            text="isi\n",
            attachments=[("a.pdf", "Application/PDF; x=1", b"d")],
        ),
        IDENTITY,
        NOW,
    )
    assert [p.get_content_type() for p in kept.walk()][-1] == "application/pdf"


# compat32 as it was before the one-line fast path of gateway.outbound.compose._WirePolicy.
REFERENCE_WIRE = policy.compat32.clone(linesep="\r\n", max_line_length=78)
HEADER_TEXT = st.text(
    alphabet=st.sampled_from(list("aZ09 \t:;,.<>@\"'=?()[]/\\_-+~é—\r\n\x00\x0b\x85")),
    max_size=90,
)


@settings(max_examples=500)
@given(
    name=st.sampled_from(["Subject", "To", "X-TNDE-Agenda", "In-Reply-To", "X"]),
    value=HEADER_TEXT,
)
def test_the_wire_policy_folds_every_header_as_compat32_does(name: str, value: str) -> None:
    from email.errors import HeaderParseError

    from gateway.outbound.compose import _WIRE

    try:
        expected = REFERENCE_WIRE.fold_binary(name, value)
    except HeaderParseError:  # an embedded line break: the fast path must not hide it
        assert not re.fullmatch(r"[\t\x20-\x7e]*", value)
        return
    assert _WIRE.fold_binary(name, value) == expected


@settings(max_examples=100)
@given(subject=NASTY, name=NASTY, filename=NASTY)
def test_composed_mail_is_byte_for_byte_what_compat32_writes(
    subject: str, name: str, filename: str
) -> None:
    mail = OutgoingMail(
        kind="notice",
        to_address="a@b.go.id",
        to_name=name,
        subject=subject,
        text="Isi surat.\n" * 20,
        html="<p>Isi surat.</p>",
        reply_to="balas+token@tnde.banyumaskab.go.id",
        attachments=[(filename, "application/pdf", b"%PDF-1.4 data")],
        extra_headers={"X-TNDE-Agenda": "00001/SM/DINKES/2026"},
    )
    msg = compose(mail, IDENTITY, NOW)
    assert as_bytes(msg) == msg.as_bytes(policy=REFERENCE_WIRE)


def test_the_wire_policy_folds_at_exactly_78_columns_as_compat32_does() -> None:
    from gateway.outbound.compose import _WIRE

    for width in range(70, 90):  # "Subject: " + words, lines around the limit
        value = ("kata " * 20)[: width - len("Subject: ")].rstrip() + "x"
        assert _WIRE.fold_binary("Subject", value) == REFERENCE_WIRE.fold_binary(
            "Subject", value
        ), width


BODY_TEXT = st.text(alphabet=st.sampled_from(list("ab .=-\t\r\né—")), max_size=300)
ASCII_LINES = st.text(alphabet=st.sampled_from(list("ab .-\t\r\n")), max_size=300)


@settings(max_examples=300)
@given(
    text=BODY_TEXT,
    html=st.none() | BODY_TEXT,
    data=st.binary(max_size=3000),
    raw=ASCII_LINES,
    preamble=st.none() | ASCII_LINES,
    epilogue=st.none() | ASCII_LINES,
)
def test_bodies_are_written_as_the_library_writes_them(
    text: str, html: str | None, data: bytes, raw: str, preamble: str | None, epilogue: str | None
) -> None:
    """gateway.outbound.compose._WireGenerator writes a body in one piece: every mix of
    CR, LF and CRLF, bodies with and without a final line break, empty ones, base64 of
    any length, preamble and epilogue come out as the line-by-line library writes them."""
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    files = [("lampiran.pdf", "application/pdf", data)] if data else []
    mail = OutgoingMail(
        kind="notice", to_address="a@b.go.id", to_name="A", subject="s",
        text=text, html=html, attachments=files,
    )  # fmt: skip
    composed = compose(mail, IDENTITY, NOW)
    assert as_bytes(composed) == composed.as_bytes(policy=REFERENCE_WIRE)
    # A 7bit part keeps its line breaks as they are until the generator writes them.
    outer = MIMEMultipart("mixed")
    outer.preamble, outer.epilogue = preamble, epilogue
    outer.attach(composed)
    outer.attach(MIMEText(raw, "plain", "us-ascii"))
    assert as_bytes(outer) == outer.as_bytes(policy=REFERENCE_WIRE)


@settings(max_examples=300)
@given(value=NASTY, limit=st.integers(min_value=0, max_value=100))
def test_header_safe_turns_every_unsafe_character_into_a_space(value: str, limit: int) -> None:
    from gateway.outbound.compose import _UNSAFE, header_safe

    spaced = "".join(" " if ch in _UNSAFE else ch for ch in value)  # the rule, char by char
    assert header_safe(value, limit) == " ".join(spaced.split())[:limit]
    assert not set(header_safe(value, limit)) & _UNSAFE


@pytest.mark.parametrize("lines", [1023, 1024, 1025, 2048, 2049])
@pytest.mark.parametrize("ending", ["", "\n", "\r\n"])
def test_long_bodies_written_in_slices_are_the_library_bytes(lines: int, ending: str) -> None:
    """_WireGenerator writes a body 1,024 lines at a time: around every slice boundary,
    and for an attachment of hundreds of kilobytes, the bytes stay the library's."""
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    mail = OutgoingMail(
        kind="notice", to_address="a@b.go.id", to_name="A", subject="s", text="isi\n",
        attachments=[("besar.pdf", "application/pdf", bytes(range(256)) * 400)],
    )  # fmt: skip
    outer = MIMEMultipart("mixed")
    outer.attach(compose(mail, IDENTITY, NOW))
    body = "\n".join(f"baris {n}" for n in range(lines)) + ending
    outer.attach(MIMEText(body, "plain", "us-ascii"))
    assert as_bytes(outer) == outer.as_bytes(policy=REFERENCE_WIRE)
