"""Intake: SMTP and LMTP listeners (and IMAP later) that durably store what they accept."""
