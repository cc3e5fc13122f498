"""The officials' guide (/panduan and docs/id/panduan-pejabat.pdf) lists exactly the reply
commands of the grammar's registry, is public, and prints on one A4 page."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from gateway.catalogue import Catalogue, load_messages
from gateway.workflow.commands import COMMANDS, EXAMPLES, SPECS, mailto_commands
from tests.support.gateway import RunningGateway
from tests.support.panel import PanelClient, make_user
from webadmin.guide import DISPOSISI_LINES, GROUPS, PURPOSE, form_of, guide_html

ROOT = Path(__file__).parent.parent
GUIDE_MD = ROOT / "docs" / "id" / "panduan-pejabat.md"
COMMITTED_PDF = ROOT / "docs" / "id" / "panduan-pejabat.pdf"
A4_POINTS = (595.0, 842.0)
PHONE = {"width": 390, "height": 844}


def esc(text: str) -> str:
    """Text as the page's templates write it (Jinja's autoescape)."""
    return str(escape(text))


def shown_commands(page: str) -> list[str]:
    """The commands the page has a row for, in page order."""
    return re.findall(r'data-perintah="([A-Z]+)"', page)


def keywords() -> list[str]:
    """Every word an official may write: each command and each of its aliases."""
    return [word.upper() for spec in COMMANDS for word in (spec.name, *spec.aliases)]


def assert_lists_every_command(page: str, t: Catalogue) -> None:
    assert sorted(shown_commands(page)) == sorted(SPECS), "one row per registry command"
    for spec in COMMANDS:
        row = page.split(f'data-perintah="{spec.name}"', 1)[1].split("</tr>", 1)[0]
        assert esc(form_of(spec)) in row, spec.name
        for alias in spec.aliases:
            assert alias.upper() in row, (spec.name, alias)
        assert esc(spec.example) in row, spec.name
        assert esc(t(PURPOSE[spec.name])) in row, spec.name


def test_the_page_lists_every_command_of_the_registry_with_its_form_and_example() -> None:
    for language in ("id", "en"):
        t = Catalogue(language)
        page = guide_html(t)
        assert_lists_every_command(page, t)
        for key in DISPOSISI_LINES:  # INSTRUKSI / BATAS / CATATAN under DISPOSISI
            assert esc(EXAMPLES[key]) in page
        for label, _ in mailto_commands():  # the notices' one-tap links, by their labels
            assert esc(label) in page
    assert form_of(SPECS["DISPOSISI"]) == "DISPOSISI <tujuan>"
    assert form_of(SPECS["TERIMA"]) == "TERIMA"


def test_every_command_has_its_purpose_in_both_languages_and_a_group() -> None:
    """A command added to the registry needs its line for officials here (guide.toml)."""
    messages = load_messages()
    assert set(PURPOSE) == set(SPECS)
    for key in PURPOSE.values():
        assert key in messages, key
    grouped = [name for _, names in GROUPS for name in names]
    assert sorted(grouped) == sorted(SPECS), "each command in exactly one group"


def test_the_guide_is_public_and_the_same_for_signed_in_staff(
    sqlite_gateway: RunningGateway,
) -> None:
    anonymous = PanelClient(sqlite_gateway)
    answer = anonymous.get("/panduan")
    assert answer.status == 200, answer.body[:300]
    assert answer.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
    assert "Set-Cookie" not in answer.headers  # no session is started for a reader
    assert_lists_every_command(answer.body, Catalogue("id"))
    assert anonymous.get("/").status == 303  # the rest of the panel still needs a sign-in

    make_user(sqlite_gateway, "operator1", "operator", ["SETDA"])
    staff = PanelClient(sqlite_gateway)
    assert staff.login("operator1").status == 303
    assert 'href="/panduan"' in staff.get("/").body  # every signed-in page links to it
    assert staff.get("/bahasa/en").status == 303
    english = staff.get("/panduan")
    assert english.status == 200 and english.headers["Content-Language"] == "en"
    assert_lists_every_command(english.body, Catalogue("en"))


def _builder() -> Any:
    spec = importlib.util.spec_from_file_location(
        "build_guide_pdf", ROOT / "tools/build_guide_pdf.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pdf_text_and_size(path: Path) -> tuple[int, str, tuple[float, float]]:
    from pypdf import PdfReader

    reader = PdfReader(path)
    box = reader.pages[0].mediabox
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), text, (float(box.width), float(box.height))


def assert_one_a4_page_with_every_keyword(path: Path) -> None:
    pages, text, (width, height) = pdf_text_and_size(path)
    assert pages == 1
    assert abs(width - A4_POINTS[0]) < 2 and abs(height - A4_POINTS[1]) < 2, (width, height)
    words = set(re.findall(r"[A-Z]{3,}", text))
    assert [word for word in keywords() if word not in words] == []


@pytest.mark.chromium
def test_the_pdf_build_gives_one_a4_page_with_every_command(tmp_path: Path) -> None:
    from tests.support.browser import CHROMIUM
    from tests.support.requirements import need

    need(Path(CHROMIUM).exists(), "Chromium (Debian package chromium)")
    builder = _builder()
    output = tmp_path / "panduan.pdf"
    assert builder.main(["--output", str(output)]) == 0
    assert_one_a4_page_with_every_keyword(output)


@pytest.mark.chromium
def test_the_pdf_prints_the_served_page(sqlite_gateway: RunningGateway, tmp_path: Path) -> None:
    from tests.support.browser import CHROMIUM
    from tests.support.requirements import need

    need(Path(CHROMIUM).exists(), "Chromium (Debian package chromium)")
    output = tmp_path / "served.pdf"
    url = sqlite_gateway.web_url.rstrip("/") + "/panduan"
    assert _builder().main(["--url", url, "--output", str(output)]) == 0
    assert_one_a4_page_with_every_keyword(output)


def test_the_committed_pdf_is_not_stale() -> None:
    """docs/id/panduan-pejabat.pdf holds every command: rebuild it when one is added
    (.venv/bin/python tools/build_guide_pdf.py)."""
    assert COMMITTED_PDF.exists(), "run tools/build_guide_pdf.py"
    assert_one_a4_page_with_every_keyword(COMMITTED_PDF)


def test_the_written_guide_names_every_command_and_alias() -> None:
    """docs/id/panduan-pejabat.md is prose around the same list: a new command or alias
    must be explained there too."""
    words = set(re.findall(r"[A-Z]{3,}", GUIDE_MD.read_text(encoding="utf-8")))
    assert [word for word in keywords() if word not in words] == []


@pytest.mark.chromium
def test_the_guide_fits_a_phone_screen(sqlite_gateway: RunningGateway) -> None:
    """Officials open /panduan on a phone: nothing wider than the screen."""
    from tests.support.browser import chromium_page

    with chromium_page() as page:
        page.set_viewport_size(PHONE)
        page.goto(sqlite_gateway.web_url.rstrip("/") + "/panduan")
        assert page.get_by_text("DISPOSISI <tujuan>").is_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], width
