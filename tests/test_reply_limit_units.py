"""The pure parts of the reply defences: the per-client window and what proves a From."""

from __future__ import annotations

from gateway.core.directory import Recipient
from gateway.intake.replylimit import MAX_TRACKED, WINDOW_SECONDS, UnverifiedReplyLimit
from gateway.parsing.authresults import from_authenticated

TNDE = Recipient("tnde@gw.test", "tnde", "", "gateway")
UNIT = Recipient("setda@gw.test", "setda", "", "unit", unit_code="SETDA")
POSTMASTER = Recipient("postmaster@gw.test", "postmaster", "", "gateway")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides_and_only_tokenless_gateway_mail_counts() -> None:
    clock = Clock()
    limit = UnverifiedReplyLimit(3, "balasan", lambda token: token == "good", clock)
    assert limit.counts(TNDE, "a@x") and not limit.counts(UNIT, "a@x")
    assert not limit.counts(POSTMASTER, "a@x") and not limit.counts(TNDE, "")
    good = Recipient("balasan+good@gw.test", "balasan", "good", "gateway")
    bad = Recipient("balasan+bad@gw.test", "balasan", "bad", "gateway")
    assert not limit.counts(good, "a@x") and limit.counts(bad, "a@x")
    assert [limit.allow("10.0.0.1") for _ in range(4)] == [True, True, True, False]
    assert limit.allow("10.0.0.2")  # per client
    clock.now += WINDOW_SECONDS
    assert limit.allow("10.0.0.1")


def test_idle_clients_are_forgotten() -> None:
    clock = Clock()
    limit = UnverifiedReplyLimit(3, "balasan", lambda token: False, clock)
    for n in range(MAX_TRACKED):
        limit.allow(f"10.1.{n // 256}.{n % 256}")
    clock.now += WINDOW_SECONDS + 1
    limit.allow("192.0.2.1")
    assert len(limit._seen) == 1


def test_only_a_trusted_dmarc_pass_for_that_from_domain_proves_it() -> None:
    passed = {"trusted": True, "dmarc": "pass", "dmarc_from": "banyumaskab.go.id"}
    assert from_authenticated(passed, "agus@banyumaskab.go.id")
    assert not from_authenticated(passed, "agus@evil.example")
    assert not from_authenticated({**passed, "dmarc_from": ""}, "agus@banyumaskab.go.id")
    assert not from_authenticated({**passed, "trusted": False}, "agus@banyumaskab.go.id")
    assert not from_authenticated({**passed, "dmarc": "fail"}, "agus@banyumaskab.go.id")
