"""Password hashing (argon2id) and generated passwords."""

from __future__ import annotations

import secrets
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()  # argon2id with the library's current recommended parameters
# Letters and digits that cannot be misread when a password is read out over the phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)


def generated_password(length: int = 16) -> str:
    """A random password shown once (about 92 bits for 16 characters)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


MAX_LENGTH = 1024  # what the sign-in form accepts


def password_problem(password: str) -> str:
    """Why a chosen password is refused, or "" (length is what matters; NIST 800-63B).
    It must also be one the sign-in form accepts, or its owner is locked out."""
    if len(password) < MIN_LENGTH:
        return f"kata sandi minimal {MIN_LENGTH} karakter"
    if len(password) > MAX_LENGTH:
        return f"kata sandi paling panjang {MAX_LENGTH} karakter"
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in password):
        return "kata sandi tidak boleh memuat karakter kendali"
    return ""


# A fixed hash to verify against when the user does not exist, so an unknown username
# takes as long as a wrong password.
DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))
