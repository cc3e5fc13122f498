"""The `tnde` command line."""
