"""The `tnde` command line.

Command modules import the database layer and the application inside the functions that
run a command, not at the top: building the parser (`tnde --help`, a typo'd command)
then takes about 0.25 s instead of 1.6 s. tests/test_cli.py keeps it that way.
"""
