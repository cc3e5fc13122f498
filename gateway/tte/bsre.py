"""A client of BSrE's esign API (v1): sign a PDF as a person, verify a signed one.

Endpoints (BSrE's esign client documentation, v1): `POST /api/sign/pdf` (multipart:
`file`, `nik`, `passphrase`, `tampilan` visible|invisible, optional `page`, `xAxis`,
`yAxis`, `width`, `height`, `reason`, `location`) answers the signed PDF, with the
document id in the `id_dokumen` header; `GET /api/sign/download/{id}` fetches it again;
`POST /api/sign/verify` (multipart `signed_file`) answers JSON. The service is reached
with the esign client's basic-auth account.

The passphrase is the signer's secret: it is sent once, over the connection, and is
never stored, logged, or part of any error this module raises.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

import aiohttp

SIGN_PATH = "/api/sign/pdf"
DOWNLOAD_PATH = "/api/sign/download/{id}"
VERIFY_PATH = "/api/sign/verify"


class BsreError(Exception):
    """BSrE refused or could not be reached; the text says why, never the passphrase."""


@dataclass(frozen=True)
class Placement:
    """Where a visible signature goes (BSrE's page, xAxis, yAxis, width, height)."""

    page: int = 1
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0


@dataclass(frozen=True)
class Signed:
    """The signed PDF and BSrE's id for it."""

    pdf: bytes
    document_id: str


@dataclass(frozen=True)
class BsreClient:
    """One esign client account at one BSrE service."""

    base_url: str
    username: str
    password: str
    timeout: float = 60.0

    async def sign(
        self,
        pdf: bytes,
        *,
        nik: str,
        passphrase: str,
        filename: str = "naskah.pdf",
        placement: Placement | None = None,
        reason: str = "",
        location: str = "",
    ) -> Signed:
        """The PDF signed by the holder of `nik`; BsreError when BSrE refuses."""
        form = aiohttp.FormData()
        form.add_field("file", pdf, filename=filename, content_type="application/pdf")
        form.add_field("nik", nik)
        form.add_field("passphrase", passphrase)
        form.add_field("tampilan", "visible" if placement else "invisible")
        if placement:
            for name, value in (
                ("page", placement.page),
                ("xAxis", placement.x),
                ("yAxis", placement.y),
                ("width", placement.width),
                ("height", placement.height),
            ):
                form.add_field(name, str(value))
        if reason:
            form.add_field("reason", reason)
        if location:
            form.add_field("location", location)
        status, headers, body = await self._post(SIGN_PATH, form)
        if status == 200 and body.startswith(b"%PDF"):
            return Signed(body, headers.get("id_dokumen", ""))
        raise BsreError(_refusal(status, body))

    async def download(self, document_id: str) -> bytes:
        url = self.base_url.rstrip("/") + DOWNLOAD_PATH.format(id=document_id)
        async with self._session() as session, session.get(url) as response:
            body = await response.read()
            if response.status == 200 and body.startswith(b"%PDF"):
                return body
            raise BsreError(_refusal(response.status, body))

    async def verify(self, pdf: bytes, filename: str = "naskah.pdf") -> dict[str, Any]:
        form = aiohttp.FormData()
        form.add_field("signed_file", pdf, filename=filename, content_type="application/pdf")
        status, _headers, body = await self._post(VERIFY_PATH, form)
        if status != 200:
            raise BsreError(_refusal(status, body))
        try:
            answer: dict[str, Any] = json.loads(body)
        except ValueError as err:
            raise BsreError("BSrE menjawab verifikasi bukan dalam JSON") from err
        return answer

    def _session(self) -> aiohttp.ClientSession:
        account = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return aiohttp.ClientSession(
            headers={"Authorization": f"Basic {account}"},
            timeout=aiohttp.ClientTimeout(total=self.timeout),
        )

    async def _post(self, path: str, form: aiohttp.FormData) -> tuple[int, dict[str, str], bytes]:
        url = self.base_url.rstrip("/") + path
        try:
            async with self._session() as session, session.post(url, data=form) as response:
                return response.status, dict(response.headers), await response.read()
        except (TimeoutError, aiohttp.ClientError) as err:
            # The exception text names the URL, never the form: the passphrase stays out.
            raise BsreError(f"layanan BSrE tidak dapat dihubungi: {type(err).__name__}") from None


def _refusal(status: int, body: bytes) -> str:
    """BSrE's own reason when it gave one (JSON `error`/`message`), else the status."""
    try:
        answer = json.loads(body)
    except ValueError:
        answer = {}
    reason = ""
    if isinstance(answer, dict):
        reason = str(answer.get("error") or answer.get("message") or "")
        code = answer.get("status_code")
        if code:
            reason = f"{reason} (kode {code})"
    if status == 401:
        return "akun klien esign BSrE ditolak (periksa [tte] bsre_username/bsre_password)"
    return f"BSrE menolak penandatanganan: {reason or f'HTTP {status}'}"
