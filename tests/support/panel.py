"""A real HTTP client for the panel: cookies kept like a browser, forms with their token."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from gateway.accounts.users import add_user
from tests.support.gateway import RunningGateway

PASSWORD = "kata-sandi-uji-123"


@dataclass
class Answer:
    status: int
    body: str
    headers: dict[str, str]
    url: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class PanelClient:
    """One browser: its own cookie jar; redirects are shown, not followed."""

    def __init__(self, gateway: RunningGateway) -> None:
        self.base = gateway.web_url.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.csrf = ""

    def request(
        self, path: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        url = path if path.startswith("http") else self.base + path
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=15) as response:
                answer = Answer(
                    response.status, response.read().decode(), dict(response.headers), url
                )
        except urllib.error.HTTPError as err:
            answer = Answer(err.code, err.read().decode(), dict(err.headers), url)
        found = re.search(r'name="csrf_token" value="([^"]+)"', answer.body)
        if found:
            self.csrf = found.group(1)
        return answer

    def get(self, path: str) -> Answer:
        return self.request(path)

    def post(self, path: str, form: dict[str, str] | None = None, csrf: bool = True) -> Answer:
        fields = dict(form or {})
        if csrf:
            fields.setdefault("csrf_token", self.csrf)
        return self.request(path, fields)

    def login(self, username: str, password: str = PASSWORD) -> Answer:
        self.get("/login")
        return self.post("/login", {"username": username, "password": password, "next": "/"})

    def cookie(self, name: str) -> http.cookiejar.Cookie | None:
        return next((c for c in self.jar if c.name == name), None)


def make_user(
    gateway: RunningGateway, username: str, role: str, units: list[str] | None = None
) -> None:
    app = gateway.app
    with app.db.write() as session:
        add_user(session, username, role, units or [], PASSWORD, app.clock())


def signed_in(
    gateway: RunningGateway, role: str = "admin", units: list[str] | None = None
) -> PanelClient:
    """A client signed in as a new user of this role."""
    username = f"{role}-{'-'.join(units or []).lower() or 'semua'}"
    make_user(gateway, username, role, units)
    client = PanelClient(gateway)
    answer = client.login(username)
    assert answer.status == 303, answer.body
    return client
