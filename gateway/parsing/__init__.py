"""Pure parsing: raw bytes to a structured message, metadata and classifications."""
