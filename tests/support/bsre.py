"""A stand-in for BSrE's esign service (API v1) that really signs, with pyHanko and a CA
made in the tests: the adapter is tested against the protocol, the result validated
with the gateway's own validator."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiohttp import web
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from tests.fixtures.ports import free_port
from tests.support.tte import SigningAuthority

USERNAME, PASSWORD = "esign-pemda", "rahasia-klien"


@contextmanager
def running_bsre(
    authority: SigningAuthority, nik: str, passphrase: str, name: str
) -> Iterator[FakeBsre]:
    """The stand-in, started, with one signer enrolled."""
    service = FakeBsre(authority)
    service.enrol(nik, passphrase, name)
    service.start()
    try:
        yield service
    finally:
        service.stop()


@dataclass
class FakeBsre:
    """Known signers: NIK -> (passphrase, pyHanko signer)."""

    authority: SigningAuthority
    people: dict[str, tuple[str, signers.SimpleSigner]] = field(default_factory=dict)
    documents: dict[str, bytes] = field(default_factory=dict)
    seen_fields: list[dict[str, str]] = field(default_factory=list)
    port: int = field(default_factory=free_port)

    def enrol(self, nik: str, passphrase: str, name: str) -> None:
        self.people[nik] = (passphrase, self.authority.signer(name))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _authorised(self, request: web.Request) -> bool:
        expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        return request.headers.get("Authorization") == expected

    async def sign(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": "Unauthorized"}, status=401)
        form = await request.post()
        upload = form.get("file")
        values = {k: str(v) for k, v in form.items() if k != "file"}
        self.seen_fields.append({k: v for k, v in values.items() if k != "passphrase"})
        person = self.people.get(values.get("nik", ""))
        if person is None:
            return web.json_response(
                {"error": "NIK tidak terdaftar", "status_code": 2021}, status=400
            )
        if values.get("passphrase") != person[0]:
            return web.json_response(
                {"error": "Passphrase anda salah", "status_code": 2031}, status=400
            )
        if not isinstance(upload, web.FileField):
            return web.json_response({"error": "file wajib"}, status=400)
        signed = await asyncio.to_thread(self._sign_pdf, upload.file.read(), person[1], values)
        document_id = uuid.uuid4().hex
        self.documents[document_id] = signed
        return web.Response(
            body=signed, content_type="application/pdf", headers={"id_dokumen": document_id}
        )

    @staticmethod
    def _sign_pdf(pdf: bytes, signer: signers.SimpleSigner, values: dict[str, str]) -> bytes:
        out = io.BytesIO()
        signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
            signers.PdfSignatureMetadata(
                field_name="BSrE",
                subfilter=fields.SigSeedSubFilter.PADES,
                reason=values.get("reason") or None,
                location=values.get("location") or None,
            ),
            signer=signer,
            output=out,
        )
        return out.getvalue()

    async def download(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": "Unauthorized"}, status=401)
        found = self.documents.get(request.match_info["id"])
        if found is None:
            return web.json_response({"error": "dokumen tidak ditemukan"}, status=404)
        return web.Response(body=found, content_type="application/pdf")

    async def verify(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": "Unauthorized"}, status=401)
        form = await request.post()
        upload = form.get("signed_file")
        ok = isinstance(upload, web.FileField) and b"/ByteRange" in upload.file.read()
        return web.Response(
            text=json.dumps({"jumlah_signature": int(ok)}), content_type="application/json"
        )

    def start(self) -> FakeBsre:
        app = web.Application()
        app.router.add_post("/api/sign/pdf", self.sign)
        app.router.add_get("/api/sign/download/{id}", self.download)
        app.router.add_post("/api/sign/verify", self.verify)
        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(app)
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", self.port)
            self._loop.run_until_complete(site.start())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
