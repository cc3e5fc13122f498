"""A test certificate authority made in the tests, and PDFs signed with pyHanko (PAdES)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore


def _name(common: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


@dataclass
class SigningAuthority:
    """A root CA (as BSrE's would be) and one signer certificate it issued."""

    root_pem: bytes
    root: x509.Certificate
    root_key: rsa.RSAPrivateKey

    @classmethod
    def create(cls, name: str = "Uji Balai Sertifikasi Elektronik") -> SigningAuthority:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name, "Uji BSrE"))
            .issuer_name(_name(name, "Uji BSrE"))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=3650))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                critical=True,
            )
            .sign(key, hashes.SHA256())
        )
        return cls(cert.public_bytes(serialization.Encoding.PEM), cert, key)

    def signer(
        self,
        common_name: str,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
    ) -> signers.SimpleSigner:
        """A pyHanko signer holding a certificate this authority issued."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name, "Pemerintah Kabupaten Uji"))
            .issuer_name(self.root.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - dt.timedelta(days=30))
            .not_valid_after(not_after or now + dt.timedelta(days=365))
            .add_extension(
                x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                critical=True,
            )
            .sign(self.root_key, hashes.SHA256())
        )
        key_der = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        root = asn1_x509.Certificate.load(self.root.public_bytes(serialization.Encoding.DER))
        return signers.SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
            signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
            cert_registry=SimpleCertificateStore.from_certs([root]),
        )


def sign_pdf(pdf: bytes, signer: signers.SimpleSigner, field: str = "TTE1") -> bytes:
    """The PDF with a PAdES signature appended as an incremental update."""
    out = io.BytesIO()
    signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
        signers.PdfSignatureMetadata(
            field_name=field, subfilter=fields.SigSeedSubFilter.PADES, reason="Tanda tangan"
        ),
        signer=signer,
        output=out,
    )
    return out.getvalue()
