"""Prometheus metrics the gateway's processes update; served at /metrics."""
