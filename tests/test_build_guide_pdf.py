"""tools/build_guide_pdf.py replaces docs/id/panduan-pejabat.pdf only with a one-page
print of the page itself: not with two pages, an HTTP error or a sign-in page."""

from __future__ import annotations

import functools
import http.server
import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parent.parent
OLD = b"%PDF-1.4\n% the guide as it was\n"


def _builder() -> Any:
    spec = importlib.util.spec_from_file_location(
        "build_guide_pdf", ROOT / "tools/build_guide_pdf.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/masuk-dulu":  # as a panel that wants a sign-in first
            self.send_response(303)
            self.send_header("Location", "/login.html")
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server over a folder: a long page, a sign-in page, nothing else."""
    root = tmp_path / "site"
    root.mkdir()
    paragraphs = "".join(f"<p>Baris {n} dari panduan yang terlalu panjang.</p>" for n in range(400))
    (root / "panjang.html").write_text(f"<html><body>{paragraphs}</body></html>")
    (root / "login.html").write_text("<html><body><form>Masuk</form></body></html>")
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def output(tmp_path: Path) -> Path:
    from tests.support.browser import CHROMIUM
    from tests.support.requirements import need

    need(Path(CHROMIUM).exists(), "Chromium (Debian package chromium)")
    path = tmp_path / "docs" / "panduan-pejabat.pdf"
    path.parent.mkdir()
    path.write_bytes(OLD)
    return path


def _untouched(output: Path) -> None:
    assert output.read_bytes() == OLD
    assert [p.name for p in output.parent.iterdir()] == [output.name]  # no temporary left


@pytest.mark.chromium
@pytest.mark.parametrize("path", ["/panjang.html", "/tidak-ada.html", "/masuk-dulu"])
def test_the_old_pdf_stays_unless_the_new_one_is_the_page_on_one_sheet(
    site: str, output: Path, path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _builder().main(["--url", site + path, "--output", str(output)]) == 1
    _untouched(output)
    said = capsys.readouterr().err
    assert "unchanged" in said
    if path == "/tidak-ada.html":
        assert "HTTP 404" in said
    if path == "/masuk-dulu":
        assert "login.html" in said
