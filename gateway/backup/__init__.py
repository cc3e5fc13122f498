"""Backups of the database and configuration, and their restore, with a SHA-256 manifest."""
