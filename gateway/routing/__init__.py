"""Routing: rule sets in the database, facts of a letter, a decision out (and a dry run)."""
