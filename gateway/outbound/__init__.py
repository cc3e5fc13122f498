"""Outbound mail: compose (templates), outbox (durable queue) and relay (smarthost)."""
