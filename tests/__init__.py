"""Test suite of tnde-gateway (real sockets, real databases, real mail servers)."""
