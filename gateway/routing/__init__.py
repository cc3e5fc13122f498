"""Routing: rule sets in the database, facts of a letter, decisions turned into dispositions."""
