"""Benchmarks for tnde-gateway (run them as scripts from the repository root)."""
