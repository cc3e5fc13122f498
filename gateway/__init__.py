"""tnde-gateway: official email in, buku agenda, disposisi by reply."""

__version__ = "0.1.0"
