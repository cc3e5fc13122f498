"""The organisation: units, positions, people and who holds which position when."""
