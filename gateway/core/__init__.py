"""The pure domain core: the message as read, tokens, calendar, numbering, states (no I/O)."""
