"""The pipeline worker: received messages to registered naskah, one transaction each."""
