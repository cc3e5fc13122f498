"""IMAP intake: read existing mailboxes exactly once into the same storage path as SMTP."""
