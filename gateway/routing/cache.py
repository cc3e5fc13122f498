"""The compiled rule set a worker uses, recompiled only when rules or organisation change."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from gateway.routing.store import current_document, latest_version
from gateway.routing.vocab import vocabulary_from_db
from gateway.ttl import Reused
from rules.builtin import FALLBACK_DOCUMENT
from rules.loader import RuleSet, compile_document
from rules.vocabulary import Vocabulary

log = logging.getLogger("tnde.rules")


@dataclass(frozen=True)
class Routing:
    """Administrator rules (one version) plus the built-in fallback."""

    rules: RuleSet
    fallback: RuleSet


def compile_routing(
    document: dict[str, object], vocabulary: Vocabulary, version: int | None
) -> Routing:
    rules = compile_document(document, vocabulary, version, lenient=True)
    for error in rules.errors:
        log.error("rule %s skipped: %s", error["rule"], error["error"])
    fallback = compile_document(FALLBACK_DOCUMENT, vocabulary, builtin=True)
    return Routing(rules, fallback)


class RoutingCache:
    """Compile once per (rule version, organisation vocabulary); thread-safe."""

    def __init__(self, refresh_interval: float = 0.0) -> None:
        self._key: tuple[object, ...] | None = None
        self._routing: Routing | None = None
        self._checked = Reused[Routing](refresh_interval)  # its lock also guards _key/_routing

    def get(self, session: Session) -> Routing:
        """The compiled routing; the database is asked for changes at most every interval."""
        return self._checked.get(lambda: self._current(session))

    def _current(self, session: Session) -> Routing:
        version = latest_version(session)
        vocabulary = vocabulary_from_db(session)
        key = (
            version,
            vocabulary.units,
            vocabulary.positions,
            tuple(sorted(vocabulary.instructions)),
        )
        if self._routing is None or key != self._key:
            loaded_version, document = current_document(session)
            self._routing = compile_routing(document, vocabulary, loaded_version)
            self._key = (loaded_version, *key[1:])
        return self._routing
