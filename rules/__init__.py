"""Pure routing-rule engine: rules in, decision out; no sockets, no database."""
