"""Database layer: models, engine, migrations and the transaction boundary."""
