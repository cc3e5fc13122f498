"""Alembic migration environment of tnde-gateway (run by `tnde init`)."""
