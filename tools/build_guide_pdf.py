"""Print the officials' guide (/panduan) to docs/id/panduan-pejabat.pdf: one A4 page.

Usage: .venv/bin/python tools/build_guide_pdf.py [--url URL] [--output FILE]
Without --url the page is rendered here by webadmin.guide.guide_html (the same HTML the
panel serves, in Bahasa Indonesia); with --url it is read from a running panel, e.g.
http://127.0.0.1:8080/panduan. Chromium is Debian's (/usr/bin/chromium), driven by
Playwright (a test extra); no browser is ever downloaded. The PDF is printed to a
temporary file beside the output and renamed over it only when it is exactly one page:
exits 1 (the old file untouched) when it is not, so the guide cannot silently grow onto a
second sheet, and exits 1 when --url answers anything but the page itself (an HTTP error,
or a redirect elsewhere such as a sign-in page).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "docs" / "id" / "panduan-pejabat.pdf"
CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium tries to reach Google services on a closed network at start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class NotThePage(Exception):
    """--url did not answer with the page itself."""


def build(output: Path, url: str = "") -> int:
    """Print the page to `output`; the number of pages it has. `output` is replaced only
    by a one-page result; NotThePage when --url answered something else."""
    from pypdf import PdfReader

    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing: apt-get install chromium")
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        _print(temporary, url)
        pages = len(PdfReader(temporary).pages)
        if pages == 1:
            temporary.chmod(_mode(output))  # mkstemp's 0600 is not a document's mode
            os.replace(temporary, output)
        return pages
    finally:
        temporary.unlink(missing_ok=True)


def _mode(output: Path) -> int:
    """The file's own mode, or a new file's under this process's umask."""
    try:
        return output.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _print(path: Path, url: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page()
            if url:
                response = page.goto(url, wait_until="load")
                if response is None or not response.ok:
                    status = "no answer" if response is None else f"HTTP {response.status}"
                    raise NotThePage(f"{url}: {status}")
                if urlsplit(response.url).path != urlsplit(url).path:
                    raise NotThePage(f"{url}: redirected to {response.url}")
            else:
                page.set_content(_local_html(), wait_until="load")
            page.emulate_media(media="print")
            page.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
        finally:
            browser.close()


def _local_html() -> str:
    sys.path.insert(0, str(ROOT))
    from gateway.catalogue import Catalogue
    from webadmin.guide import guide_html

    return guide_html(Catalogue("id"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="", help="a running panel's /panduan")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    try:
        pages = build(args.output, args.url)
    except NotThePage as err:
        print(f"not printed, {args.output} unchanged: {err}", file=sys.stderr)
        return 1
    if pages != 1:
        print(f"{pages} pages, not one: {args.output} unchanged", file=sys.stderr)
        return 1
    print(f"{args.output}: 1 page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
