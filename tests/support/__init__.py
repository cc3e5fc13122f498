"""Shared test support: databases, a gateway running in a thread, mail builders."""
