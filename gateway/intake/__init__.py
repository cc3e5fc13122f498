"""Intake: SMTP, LMTP and IMAP, each storing what it accepts durably before it says yes."""
