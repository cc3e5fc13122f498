"""Address normalisation: what it accepts, and that remembering answers stays bounded."""

from __future__ import annotations

import pytest

from gateway.parsing.addresses import ascii_address, normalise_address


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  TU@Dinkes.JatengProv.go.id ", "tu@dinkes.jatengprov.go.id"),
        ("tu@dinkés.go.id", "tu@dinkés.go.id"),
        ("tu@", None),
        ("tu@dinkes.go.id\r\nBcc: x@y.id", None),
        ("a b@dinkes.go.id", None),
        ("", None),
    ],
)
def test_an_address_is_normalised_or_refused(raw: str, expected: str | None) -> None:
    assert normalise_address(raw) == expected
    assert normalise_address(raw) == expected  # the remembered answer is the same one


def test_the_ascii_form_of_an_international_domain() -> None:
    assert ascii_address("tu@dinkés.go.id") == "tu@xn--dinks-esa.go.id"
    assert ascii_address("tú@dinkes.go.id") is None


def test_a_stream_of_new_addresses_keeps_the_memory_bounded() -> None:
    """Hostile mail can name a million different senders, or one sender a megabyte long:
    the cache keeps a fixed number of short answers and none of the long ones."""
    remembered = normalise_address.cached
    limit = remembered.cache_info().maxsize
    assert limit is not None and limit <= 10_000
    for index in range(limit + 500):
        normalise_address(f"pengirim{index}@contoh.go.id")
    assert remembered.cache_info().currsize == limit
    remembered.cache_clear()
    ascii_before = ascii_address.cached.cache_info().currsize
    padded = "tu@dinkes.go.id" + " " * 100_000
    assert normalise_address(padded) == "tu@dinkes.go.id"
    assert ascii_address("x" * 100_000 + "@dinkes.go.id") is None
    assert remembered.cache_info().currsize == 0
    assert ascii_address.cached.cache_info().currsize == ascii_before
