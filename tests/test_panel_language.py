"""The panel's language: Bahasa Indonesia by default, English per browser at /bahasa/en,
back at /bahasa/id; the choice is a cookie that can only ever say id or en and always
leads home, never elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from gateway.app import App
from gateway.catalogue import load_messages
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import PanelClient, signed_in
from tests.support.queries import settled
from webadmin.language import COOKIE, language_of

ONE_YEAR = 365 * 24 * 60 * 60
# Where the English panel must not say a word of its Indonesian static text.
PAGES = [
    "/dasbor",
    "/",
    "/agenda/cetak",
    "/aturan",
    "/aturan/formulir",
    "/aturan/ubah",
    "/jejak",
    "/karantina",
    "/kotak-keluar",
    "/organisasi",
    "/organisasi/ubah",
    "/pengguna",
    "/akun",
    "/naskah/1/lembar-disposisi",
]


def send_letter(gw: RunningGateway) -> None:
    raw = letter(to=f"setda@{DOMAIN}")
    with gw.smtp() as client:
        client.sendmail("tu@dinkes.jatengprov.go.id", [f"setda@{DOMAIN}"], raw)
    wait_for(lambda: settled(gw.app))


def letter_path(client: PanelClient) -> str:
    found = re.search(r'href="(/naskah/\d+)"', client.get("/").body)
    assert found, "the register lists the letter"
    return found.group(1)


class _Texts(HTMLParser):
    """What a reader sees or hears: text between tags, and the titles, placeholders and
    labels in attributes (not <style>, not values a form sends back)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if name in ("title", "placeholder", "aria-label") and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if not self._in_style and data.strip():
            self.texts.append(" ".join(data.split()))


def shown_texts(body: str) -> list[str]:
    parser = _Texts()
    parser.feed(body)
    return parser.texts


# The rule form's condition fields and operators, named by webadmin/rule_form.py, not by
# the templates' catalogue texts.
FORM_TEXTS: set[str] = set()  # the rule form's labels come from the catalogue too


def indonesian_leftovers(body: str) -> list[str]:
    """The panel's own Indonesian texts that the page still shows: a whole text node that
    is one of them, or any longer one inside a text node (data such as a perihal or a
    unit's name is not the panel's and is not checked)."""
    own = [
        entry["id"]
        for key, entry in load_messages().items()
        if key.startswith("web.") and entry["id"] != entry["en"] and "{" not in entry["id"]
    ]
    found = []
    for text in shown_texts(body):
        if text in FORM_TEXTS:
            continue
        found += [o for o in own if text == o or (len(o) >= 20 and o in text)]
    return found


def test_the_panel_speaks_indonesian_until_the_browser_chooses_english(
    sqlite_gateway: RunningGateway,
) -> None:
    send_letter(sqlite_gateway)
    admin = signed_in(sqlite_gateway)
    naskah = letter_path(admin)

    home = admin.get("/")
    assert '<html lang="id">' in home.body and home.headers["Content-Language"] == "id"
    assert "<h1>Buku Agenda Surat Masuk</h1>" in home.body
    assert ">Saring</button>" in home.body and ">Keluar</button>" in home.body
    assert "<h1>Dasbor</h1>" in admin.get("/dasbor").body
    assert "Alasan koreksi" in admin.get(naskah).body
    assert "<h1>Aturan penjaluran</h1>" in admin.get("/aturan").body
    assert "<h1>Jejak Audit</h1>" in admin.get("/jejak").body
    # The switch is on every signed-in page, each language named in itself.
    assert '<a href="/bahasa/en" lang="en" hreflang="en">English</a>' in home.body
    assert 'hreflang="id" aria-current="true">Bahasa Indonesia</a>' in home.body

    chosen = admin.get("/bahasa/en")
    assert chosen.status == 303 and chosen.headers["Location"] == "/"
    cookie = admin.cookie(COOKIE)
    assert cookie is not None and cookie.value == "en" and cookie.path == "/"

    home = admin.get("/")
    assert '<html lang="en">' in home.body and home.headers["Content-Language"] == "en"
    assert "<h1>Incoming Mail Register</h1>" in home.body
    assert ">Filter</button>" in home.body and ">Sign out</button>" in home.body
    assert ">Dashboard</a>" in home.body and ">Audit trail</a>" in home.body
    assert 'hreflang="en" aria-current="true">English</a>' in home.body
    assert "<h1>Dashboard</h1>" in admin.get("/dasbor").body
    letter_page = admin.get(naskah).body
    assert "<h2>History</h2>" in letter_page and "Reason for correction" in letter_page
    assert ">Save correction</button>" in letter_page
    assert "<h1>Routing rules</h1>" in admin.get("/aturan").body
    assert "<h1>Audit trail</h1>" in admin.get("/jejak").body

    outbox = admin.get("/kotak-keluar").body
    outgoing = re.findall(r'href="(/kotak-keluar/\d+)"', outbox)[:1]  # the receipt, if any
    for path in [*PAGES, naskah, *outgoing]:
        page = admin.get(path)
        assert page.status == 200, path
        assert indonesian_leftovers(page.body) == [], path

    # Back to Indonesian, word for word as before.
    assert admin.get("/bahasa/id").headers["Location"] == "/"
    home = admin.get("/")
    assert "<h1>Buku Agenda Surat Masuk</h1>" in home.body and ">Saring</button>" in home.body
    assert "Alasan koreksi" in admin.get(naskah).body


def test_the_choice_belongs_to_one_browser(sqlite_gateway: RunningGateway) -> None:
    admin = signed_in(sqlite_gateway)
    admin.get("/bahasa/en")
    other = signed_in(sqlite_gateway, "operator", ["SETDA"])
    assert "<h1>Buku Agenda Surat Masuk</h1>" in other.get("/").body
    assert "<h1>Incoming Mail Register</h1>" in admin.get("/").body


def test_only_id_and_en_and_the_answer_always_goes_home(sqlite_gateway: RunningGateway) -> None:
    admin = signed_in(sqlite_gateway)
    for code in ("xx", "EN", "jawa", "en-US", "..%2F..%2Fetc", "%2F%2Fevil.example"):
        answer = admin.get(f"/bahasa/{code}")
        assert answer.status == 404, code
        assert "Set-Cookie" not in answer.headers, code
    assert admin.get("/bahasa/en/").status == 404
    assert admin.cookie(COOKIE) is None

    # Nothing in the request decides where it leads.
    answer = admin.request(
        "/bahasa/en?next=https://evil.example/&redirect=//evil.example",
        headers={"Referer": "https://evil.example/"},
    )
    assert answer.status == 303 and answer.headers["Location"] == "/"
    set_cookie = answer.headers["Set-Cookie"]
    assert set_cookie.startswith(f"{COOKIE}=en;")
    assert "HttpOnly" in set_cookie and "SameSite=Lax" in set_cookie
    assert "Path=/" in set_cookie and f"Max-Age={ONE_YEAR}" in set_cookie

    # A cookie the browser made up is ignored: the installation's language, no error.
    session = "; ".join(f"{c.name}={c.value}" for c in admin.jar if c.name != COOKIE)
    for forged in ("jawa", "en<script>", "", "id;en"):
        page = admin.request("/", headers={"Cookie": f"{session}; {COOKIE}={forged}"})
        assert page.status == 200, forged
        assert "<h1>Buku Agenda Surat Masuk</h1>" in page.body, forged


def test_an_anonymous_browser_signs_in_first(sqlite_gateway: RunningGateway) -> None:
    anonymous = PanelClient(sqlite_gateway)
    answer = anonymous.get("/bahasa/en")
    assert answer.status == 303 and answer.headers["Location"].startswith("/login")
    assert anonymous.cookie(COOKIE) is None


@pytest.fixture
def english_gateway(sqlite_url: str) -> Iterator[RunningGateway]:
    """An installation whose [ui] language is English."""
    settings = gateway_settings(sqlite_url, ui={"language": "en"})
    running = RunningGateway(App.build(settings, clock=FakeClock(OFFICE_HOURS))).start()
    try:
        yield running
    finally:
        running.stop()


def test_the_installation_default_holds_until_a_browser_chooses(
    english_gateway: RunningGateway,
) -> None:
    admin = signed_in(english_gateway)
    assert "<h1>Incoming Mail Register</h1>" in admin.get("/").body
    admin.get("/bahasa/id")
    assert "<h1>Buku Agenda Surat Masuk</h1>" in admin.get("/").body


def test_the_cookie_is_read_only_when_it_names_a_language() -> None:
    def request(cookie: str | None) -> web.Request:
        headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie is not None else {}
        return make_mocked_request("GET", "/", headers=headers)

    assert language_of(request(None), "id") == "id"
    assert language_of(request(None), "en") == "en"
    assert language_of(request("en"), "id") == "en"
    assert language_of(request("id"), "en") == "id"
    assert language_of(request("jawa"), "id") == "id"


def test_every_panel_template_takes_its_words_from_the_catalogue() -> None:
    """A cheap guard against a heading typed straight into a converted template."""
    templates = Path(__file__).parent.parent / "webadmin" / "templates"
    for name in ("dasbor.html", "register.html", "naskah.html", "aturan.html", "jejak.html"):
        text = templates.joinpath(name).read_text(encoding="utf-8")
        headings = re.findall(r"<h[12]>([^<{]+)</h[12]>", text)
        assert headings == [], (name, headings)
