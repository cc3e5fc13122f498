"""The error a rule document raises, importable without the rule model."""

from __future__ import annotations


class RuleError(ValueError):
    """A rule document is invalid; the message names the rule and the field."""
