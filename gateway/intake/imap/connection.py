"""Open an authenticated IMAP connection for one configured account."""

from __future__ import annotations

import shlex
import ssl
import subprocess

from imapclient import IMAPClient

from gateway.config import ImapAccount


class ImapAccountError(Exception):
    """Connecting or logging in failed; the message names the account."""


def _secret_from_command(command: str, account: str, what: str) -> str:
    """Run an administrator's helper (pass, a token refresher) and take its first line."""
    try:
        done = subprocess.run(
            shlex.split(command), capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError) as err:
        raise ImapAccountError(f"IMAP account {account}: {what} command failed: {err}") from err
    value = done.stdout.strip().splitlines()[0] if done.stdout.strip() else ""
    if not value:
        raise ImapAccountError(f"IMAP account {account}: {what} command printed nothing")
    return value


def _context(account: ImapAccount) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not account.verify_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def connect(account: ImapAccount) -> IMAPClient:
    """Connected, TLS as configured, logged in; ImapAccountError on any failure."""
    port = account.port or (993 if account.tls == "implicit" else 143)
    try:
        client = IMAPClient(
            account.host,
            port=port,
            ssl=account.tls == "implicit",
            ssl_context=_context(account) if account.tls == "implicit" else None,
            timeout=account.timeout,
        )
        if account.tls == "starttls":
            client.starttls(_context(account))
        _login(client, account)
    except ImapAccountError:
        raise
    except Exception as err:  # socket, TLS and IMAP protocol errors alike
        raise ImapAccountError(
            f"IMAP account {account.name} ({account.host}:{port}): {err}"
        ) from err
    return client


def _login(client: IMAPClient, account: ImapAccount) -> None:
    if account.auth == "xoauth2":
        token = _secret_from_command(account.token_command, account.name, "token")
        client.oauth2_login(account.username, token)
        return
    password = account.password
    if account.password_command:
        password = _secret_from_command(account.password_command, account.name, "password")
    client.login(account.username, password)
