"""/metrics: real counts from a real `tnde serve --workers 2` after real SMTP traffic, who
may read it, and the alert rules and Grafana dashboard shipped in deploy/."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import re
import signal
import smtplib
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest
import yaml
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, event, func, select

from gateway.app import App
from gateway.config import ConfigError, ImapAccount, load_settings
from gateway.core.states import OPEN, InboundState
from gateway.db.aftercommit import after_commit, count_registration
from gateway.db.engine import Database
from gateway.db.health import snapshot
from gateway.db.models import Disposition, ImapAccountState, Inbound, Naskah, Outbox, Unit
from gateway.metrics import (
    EVENT_METRICS,
    REGISTRATIONS,
    STATE_NAMES,
    StateCollector,
    exported_samples,
)
from tests.fixtures.ports import free_port, wait_for_port
from tests.support.clock import OFFICE_HOURS, FakeClock
from tests.support.gateway import RunningGateway, gateway_settings, serve_env, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.sink import Sink
from webadmin.health import Scrape

ROOT = Path(__file__).resolve().parents[1]
ALERTS = ROOT / "deploy" / "prometheus" / "tnde-alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "tnde-dashboard.json"
TNDE = str(Path(sys.executable).with_name("tnde"))
TO = f"dinkes@{DOMAIN}"
TRUSTED = "mx.banyumaskab.go.id"
TOKEN = "rahasia-prometheus-uji-0123456789"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    smtp_port: int
    web: str
    app: App
    metrics_parent: Path


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[Served]:
    smtp_port, web_port = free_port(), free_port()
    parent = tmp_path / "metrics"
    parent.mkdir()
    env = serve_env(
        db_url,
        smtp_port,
        {
            "TNDE_WEB__LISTEN": f"127.0.0.1:{web_port}",
            # As behind a trusted MTA: its Authentication-Results decide, no DNS here.
            "TNDE_AUTH__VERIFY_SMTP": "false",
            "TNDE_MAIL__TRUSTED_AUTHSERV_IDS": TRUSTED,
            "TNDE_METRICS__DIRECTORY": str(parent),
            "TNDE_METRICS__TOKEN": TOKEN,
        },
    )
    with open(tmp_path / "serve.log", "wb") as log:
        process = subprocess.Popen(
            [TNDE, "serve", "--workers", "2"], env=env, stdout=log, stderr=log
        )
    app = App.build(gateway_settings(db_url))
    try:
        wait_for_port("127.0.0.1", smtp_port, 60)
        wait_for_port("127.0.0.1", web_port, 60)
        yield Served(process, smtp_port, f"http://127.0.0.1:{web_port}", app, parent)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(60)
        app.close()


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def parse(text: str) -> tuple[Samples, set[str]]:
    """(value of each sample by name and labels, every family and sample name)."""
    samples: Samples = {}
    names = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        for sample in family.samples:
            names.add(sample.name)
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples, names


def scrape(web: str) -> tuple[Samples, set[str]]:
    status, text = fetch(f"{web}/metrics")
    assert status == 200, text
    return parse(text)


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def _workers(serve: subprocess.Popen[bytes]) -> list[int]:
    found = []
    for child in psutil.Process(serve.pid).children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "worker" in child.cmdline():
                found.append(child.pid)
        except psutil.Error:
            continue
    return found


def _db_counts(app: App) -> dict[str, int]:
    with app.db.read() as session:

        def count(model: Any, *where: Any) -> int:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

        return {
            "naskah": count(Naskah),
            "quarantined": count(Inbound, Inbound.state == InboundState.QUARANTINED),
            "waiting": count(Inbound, Inbound.state.in_(("received", "processing"))),
            "backlog": count(Outbox, Outbox.state.in_(("queued", "sending"))),
            "dispositions": count(
                Disposition,
                Disposition.status.in_(OPEN),
                Disposition.kind.in_(("disposisi", "revisi")),
            ),
        }


def _send(port: int, subjects: list[str], refused: int = 0, forged: bool = False) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        for subject in subjects:
            client.sendmail("tu@kemkes.go.id", [TO], letter(to=TO, subject=subject))
        if forged:  # a *.go.id sender failing DMARC: the demo rules quarantine it
            auth = f"{TRUSTED}; dmarc=fail header.from=kemkes.go.id"
            raw = letter(
                to=TO,
                subject="Surat palsu",
                sender="tu@kemkes.go.id",
                headers={"Authentication-Results": auth},
            )
            client.sendmail("tu@kemkes.go.id", [TO], raw)
        for n in range(refused):
            unknown = f"tidak.ada{n}@{DOMAIN}"
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                client.sendmail("tu@kemkes.go.id", [unknown], letter(to=unknown))


def _per_process(directory: Path, pids: list[int], name: str) -> float:
    """A counter's total in the metric files of these processes only."""
    files = [str(directory / f"counter_{pid}.db") for pid in pids]
    total = 0.0
    for metric in MultiProcessCollector.merge([f for f in files if os.path.exists(f)]):
        total += sum(s.value for s in metric.samples if s.name == name)
    return total


def test_metrics_show_real_counts_from_the_serving_and_the_worker_processes(
    served: Served,
) -> None:
    # The replies the alerts watch are there at 0 before any mail (increase() needs a
    # sample before the first 451 after a start).
    samples, _ = scrape(served.web)
    for stage, code in (("data", "250"), ("data", "451"), ("data", "452"), ("rcpt", "451")):
        found = value(samples, "tnde_smtp_replies_total", listener="smtp", stage=stage, code=code)
        assert found == 0, (stage, code)
    _send(served.smtp_port, [f"Surat metrik {n}" for n in range(4)], refused=2, forged=True)
    wait_for(
        lambda: (
            _db_counts(served.app)["naskah"] == 4 and _db_counts(served.app)["quarantined"] == 1
        ),
        timeout=120,
        what="four letters registered and one quarantined",
    )
    samples, names = scrape(served.web)
    replies = "tnde_smtp_replies_total"
    assert value(samples, replies, listener="smtp", stage="data", code="250") == 5
    assert value(samples, replies, listener="smtp", stage="rcpt", code="250") == 5
    assert value(samples, replies, listener="smtp", stage="rcpt", code="550") == 2
    registered = "tnde_registrations_total"
    assert value(samples, registered, unit="DINKES", kind="surat_masuk") == 4
    assert value(samples, "tnde_processes", role="serve") == 1
    assert value(samples, "tnde_processes", role="worker") == 2
    # One rule evaluation per letter (the quarantined one too), timed in the workers.
    assert value(samples, "tnde_rule_evaluation_seconds_count") == 5
    # The database's state, read at scrape time.
    db = _db_counts(served.app)
    assert value(samples, "tnde_database_up") == 1
    assert value(samples, "tnde_quarantine_messages") == 1
    assert value(samples, "tnde_inbound_waiting") == db["waiting"] == 0
    assert value(samples, "tnde_worker_lag_seconds") == 0
    # No smarthost: the notices the dispositions sent wait in the outbox.
    assert db["backlog"] > 0
    assert value(samples, "tnde_outbox_backlog") == db["backlog"]
    assert (value(samples, "tnde_outbox_oldest_seconds") or 0) > 0
    assert value(samples, "tnde_dispositions_open") == db["dispositions"] > 0
    # Every name the alert rules and the dashboard may use is really exported.
    assert exported_samples() <= names, exported_samples() - names

    # The registrations were counted in the worker processes, not the serving one.
    (directory,) = served.metrics_parent.glob("tnde-metrics-*")
    workers = _workers(served.process)
    assert _per_process(directory, [served.process.pid], registered) == 0
    assert _per_process(directory, workers, registered) == 4

    # A worker killed: its counts stay, its live gauge goes (mark_process_dead), and its
    # replacement counts on.
    os.kill(workers[0], signal.SIGKILL)
    wait_for(
        lambda: len(_workers(served.process)) == 2 and workers[0] not in _workers(served.process),
        timeout=60,
        what="the killed worker replaced",
    )
    (replacement,) = set(_workers(served.process)) - set(workers)
    wait_for(
        (directory / f"gauge_livesum_{replacement}.db").exists,
        timeout=60,
        what="the replacement worker running",
    )
    assert not (directory / f"gauge_livesum_{workers[0]}.db").exists()
    _send(served.smtp_port, ["Surat metrik setelah pekerja mati"])
    wait_for(lambda: _db_counts(served.app)["naskah"] == 5, timeout=120, what="fifth letter")
    samples, _ = scrape(served.web)
    assert value(samples, registered, unit="DINKES", kind="surat_masuk") == 5
    assert value(samples, replies, listener="smtp", stage="data", code="250") == 6
    assert value(samples, "tnde_processes", role="worker") == 2

    # Each serve start has its own directory, gone when serving ends.
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(60) == 0
    assert list(served.metrics_parent.iterdir()) == []


def test_only_direct_local_requests_or_the_token_may_read_metrics(served: Served) -> None:
    url = f"{served.web}/metrics"
    assert fetch(url)[0] == 200  # straight from loopback, in [metrics] allow_from
    # Through a proxy (nginx on this host is a loopback peer too): refused...
    status, text = fetch(url, {"X-Forwarded-For": "10.1.2.3"})
    assert status == 403 and "allow_from" in text
    assert fetch(url, {"X-Real-IP": "10.1.2.3"})[0] == 403
    # ...unless it carries the token; a wrong one is refused wherever it comes from.
    bearer = {"Authorization": f"Bearer {TOKEN}", "X-Forwarded-For": "10.1.2.3"}
    assert fetch(url, bearer)[0] == 200
    assert fetch(url, {"Authorization": "Bearer salah"})[0] == 403
    # /readyz needs no sign-in; it names the listeners it checked.
    status, text = fetch(f"{served.web}/readyz")
    assert status == 200 and json.loads(text) == {"status": "ready", "listeners": {"smtp": True}}


def test_an_in_process_gateway_counts_in_its_own_registry_and_honours_allow_from(
    sqlite_url: str,
) -> None:
    settings = gateway_settings(sqlite_url, metrics={"allow_from": ("10.0.0.0/8",), "token": TOKEN})
    gateway = RunningGateway(App.build(settings)).start()
    try:
        url = f"{gateway.web_url.rstrip('/')}/metrics"
        assert fetch(url)[0] == 403  # loopback is not in this allow_from
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        before = parse(fetch(url, bearer)[1])[0]
        host, port = gateway.address("smtp")
        with smtplib.SMTP(host, port, timeout=30) as client:
            for subject in ("Surat satu", "Surat dua"):
                client.sendmail("tu@kemkes.go.id", [TO], letter(to=TO, subject=subject))
        wait_for(lambda: _db_counts(gateway.app)["naskah"] == 2, timeout=60, what="registered")
        after = parse(fetch(url, bearer)[1])[0]
        # One disposition past its BATAS, another turned into a konsep's paraf step.
        with gateway.app.db.write() as session:
            first, second = session.scalars(
                select(Disposition).where(Disposition.status.in_(OPEN)).limit(2)
            ).all()
            first.kind, first.due_at = "disposisi", gateway.app.clock() - dt.timedelta(days=1)
            second.kind = "paraf"
        workflow = parse(fetch(url, bearer)[1])[0]
    finally:
        gateway.stop()
    assert value(workflow, "tnde_dispositions_overdue") == 1
    assert value(workflow, "tnde_approvals_waiting") == 1
    opened = value(after, "tnde_dispositions_open") or 0
    assert value(workflow, "tnde_dispositions_open") == opened - 1

    def delta(name: str, **labels: str) -> float:
        return (value(after, name, **labels) or 0) - (value(before, name, **labels) or 0)

    assert delta("tnde_smtp_replies_total", listener="smtp", stage="data", code="250") == 2
    assert delta("tnde_registrations_total", unit="DINKES", kind="surat_masuk") == 2
    disk = [labels for (name, labels) in after if name == "tnde_disk_free_bytes"]
    assert disk == [frozenset({("path", str(Path(sqlite_url[10:]).parent.resolve()))})]


def _outbox(app: App) -> list[tuple[str, int]]:
    with app.db.read() as session:
        return [
            (r.state, r.attempts) for r in session.execute(select(Outbox.state, Outbox.attempts))
        ]


def test_outbox_gauges_show_mail_the_smarthost_refused(sqlite_url: str) -> None:
    settings = gateway_settings(
        sqlite_url,
        # Retries wait an hour: the outbox holds still while it is scraped.
        outbound={"smarthost": "", "first_retry_delay": 3600.0, "max_retry_delay": 3600.0},
        mail={"trusted_authserv_ids": (TRUSTED,)},
    )
    with Sink() as smarthost:
        smarthost.script.extend(["550 5.1.1 mailbox unknown"] + ["451 4.3.0 try later"] * 20)
        outbound = dataclasses.replace(settings.outbound, smarthost=f"127.0.0.1:{smarthost.port}")
        gateway = RunningGateway(App.build(dataclasses.replace(settings, outbound=outbound)))
        gateway.start()
        try:
            host, port = gateway.address("smtp")
            auth = f"{TRUSTED}; spf=pass smtp.mailfrom=kemkes.go.id; dmarc=pass"
            raw = letter(to=TO, sender="tu@kemkes.go.id", headers={"Authentication-Results": auth})
            with smtplib.SMTP(host, port, timeout=30) as client:
                client.sendmail("tu@kemkes.go.id", [TO], raw)

            def settled() -> bool:
                rows = _outbox(gateway.app)
                return len(rows) >= 2 and all(
                    state in ("queued", "failed") and attempts > 0 for state, attempts in rows
                )

            wait_for(settled, timeout=60, what="every outgoing mail attempted once")
            rows = _outbox(gateway.app)
            samples = parse(fetch(f"{gateway.web_url.rstrip('/')}/metrics")[1])[0]
        finally:
            gateway.stop()
    failed = sum(1 for state, _ in rows if state == "failed")
    waiting = sum(1 for state, _ in rows if state == "queued")
    assert failed == 1 and waiting >= 1
    assert value(samples, "tnde_outbox_failed") == failed
    assert value(samples, "tnde_outbox_retrying") == waiting
    assert value(samples, "tnde_outbox_backlog") == waiting
    assert (value(samples, "tnde_outbox_oldest_seconds") or 0) > 0


def test_a_registration_counts_only_once_its_transaction_committed(sqlite_url: str) -> None:
    app = App.build(gateway_settings(sqlite_url))
    counter = REGISTRATIONS.labels("UJI", "surat_masuk")
    before = counter._value.get()
    try:
        with pytest.raises(RuntimeError), app.db.write() as session:
            count_registration(session, "UJI", "surat_masuk")
            raise RuntimeError("registration failed: rolled back, as the worker does")
        assert counter._value.get() == before
        with app.db.write() as session:
            count_registration(session, "UJI", "surat_masuk")
            assert counter._value.get() == before  # not before the commit
        assert counter._value.get() == before + 1
    finally:
        app.close()


def test_the_command_line_does_not_load_prometheus_client_before_serve_sets_its_directory() -> None:
    """Else the serving process would keep its counts to itself (metrics_directory)."""
    code = "import sys, gateway.cli.main; print('prometheus_client' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "False"


def test_serve_with_an_unusable_metrics_directory_says_so_in_one_line(
    sqlite_url: str, tmp_path: Path
) -> None:
    missing = tmp_path / "tidak-ada"
    env = serve_env(sqlite_url, free_port(), {"TNDE_METRICS__DIRECTORY": str(missing)})
    done = subprocess.run(
        [TNDE, "serve"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2, done.stderr
    assert "metrics.directory" in done.stderr and str(missing) in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) <= 2


def test_a_metrics_allow_from_that_is_no_address_is_refused_at_load() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ={"TNDE_METRICS__ALLOW_FROM": '["127.0.0.1", "kantor"]'})
    assert "metrics.allow_from" in str(caught.value) and "kantor" in str(caught.value)


# --------------------------------------------------------------------------- PromQL
# promtool is not in CI: each expression is parsed here, as far as the rules and the
# dashboard use the language: tokens, nesting, label matchers, functions and their
# argument types (a range vector where rate() needs one, none where a binary operator
# is), aggregations with by/without, vector matching, offset and subqueries.

PROMQL_TOKEN = re.compile(
    r"""\s*(?:
    (?P<duration>\d+(?:ms|[smhdwy])(?:\d+(?:ms|[smhdwy]))*(?![\w:]))
    |(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w:]))
    |(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    |(?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)
    |(?P<op>==|!=|>=|<=|=~|!~|[-+*/%^<>=(){}\[\],:@])
    )""",
    re.VERBOSE,
)
AGGREGATIONS = {"sum", "min", "max", "avg", "count", "stddev", "stdvar", "group"}
AGGREGATIONS_WITH_PARAMETER = {"topk", "bottomk", "quantile", "count_values"}
RANGE_FUNCTIONS = {
    "rate", "irate", "increase", "delta", "idelta", "deriv", "changes", "resets",
    "predict_linear", "absent_over_time", "avg_over_time", "min_over_time",
    "max_over_time", "sum_over_time", "count_over_time", "last_over_time",
    "present_over_time", "quantile_over_time", "stddev_over_time",
}  # fmt: skip
INSTANT_FUNCTIONS = {
    "abs", "absent", "ceil", "floor", "round", "clamp", "clamp_min", "clamp_max", "exp",
    "ln", "log2", "log10", "sqrt", "sort", "sort_desc", "histogram_quantile",
    "label_replace", "label_join", "timestamp", "vector", "scalar",
}  # fmt: skip
NO_ARGUMENT_FUNCTIONS = {"time", "pi"}
# binary operators, loosest first; comparisons may carry `bool`
LEVELS = (("or",), ("and", "unless"), ("==", "!=", ">", "<", ">=", "<="), ("+", "-"))
LEVELS += (("*", "/", "%", "atan2"),)


class PromQLError(ValueError):
    pass


class PromQL:
    """A recursive-descent reader of one expression: `kind()` of the whole is "vector"
    or "scalar" (a rule or a panel needs one of them), `metrics` the names it selects."""

    def __init__(self, text: str) -> None:
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text.rstrip()):
            match = PROMQL_TOKEN.match(text, position)
            if match is None or match.end() == position:
                raise PromQLError(f"cannot read {text[position : position + 20]!r}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.at = 0
        self.metrics: set[str] = set()

    def kind(self) -> str:
        found = self.expression(0)
        if self.at != len(self.tokens):
            raise PromQLError(f"unexpected {self.peek()!r}")
        if found not in ("vector", "scalar"):
            raise PromQLError(f"the expression is a {found}, not a vector or a scalar")
        return found

    def peek(self) -> str:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else ""

    def take(self, *expected: str) -> str:
        word = self.peek()
        if expected and word not in expected:
            raise PromQLError(f"expected {' or '.join(expected)}, found {word!r}")
        if not word:
            raise PromQLError("the expression ends too early")
        self.at += 1
        return word

    def take_kind(self, kind: str) -> str:
        if self.at >= len(self.tokens) or self.tokens[self.at][0] != kind:
            raise PromQLError(f"expected a {kind}, found {self.peek()!r}")
        self.at += 1
        return self.tokens[self.at - 1][1]

    def expression(self, level: int) -> str:
        if level == len(LEVELS):
            return self.power()
        left = self.expression(level + 1)
        while self.peek() in LEVELS[level]:
            operator = self.take()
            if self.peek() == "bool":
                if operator not in LEVELS[2]:
                    raise PromQLError(f"bool after {operator}")
                self.take()
            self.matching()
            right = self.expression(level + 1)
            left = self.combine(operator, left, right)
        return left

    def power(self) -> str:
        left = self.unary()
        if self.peek() == "^":
            self.take()
            self.matching()
            left = self.combine("^", left, self.power())
        return left

    def matching(self) -> None:
        if self.peek() in ("on", "ignoring"):
            self.take()
            self.labels()
            if self.peek() in ("group_left", "group_right"):
                self.take()
                if self.peek() == "(":
                    self.labels()

    @staticmethod
    def combine(operator: str, left: str, right: str) -> str:
        if "range" in (left, right) or "string" in (left, right):
            raise PromQLError(f"{operator} between a {left} and a {right}")
        if operator in ("and", "or", "unless") and "scalar" in (left, right):
            raise PromQLError(f"{operator} needs vectors on both sides")
        return "scalar" if left == right == "scalar" else "vector"

    def unary(self) -> str:
        if self.peek() in ("-", "+"):
            self.take()
            found = self.unary()
            if found not in ("vector", "scalar"):
                raise PromQLError(f"a sign before a {found}")
            return found
        return self.postfix(self.primary())

    def postfix(self, found: str) -> str:
        if self.peek() == "[":
            self.take()
            self.take_kind("duration")
            if self.peek() == ":":  # a subquery
                if found != "vector":
                    raise PromQLError("a subquery of something not a vector")
                self.take()
                if self.peek() != "]":
                    self.take_kind("duration")
            elif found != "selector":
                raise PromQLError("a range [..] after something not a selector")
            self.take("]")
            found = "range"
        if self.peek() == "offset":
            if found not in ("selector", "range"):
                raise PromQLError("offset after something not a selector")
            self.take()
            self.take_kind("duration")
        return "vector" if found == "selector" else found

    def primary(self) -> str:
        kind, word = self.tokens[self.at] if self.at < len(self.tokens) else ("", "")
        if kind == "number":
            self.take()
            return "scalar"
        if kind == "string":
            self.take()
            return "string"
        if word == "(":
            self.take()
            found = self.expression(0)
            self.take(")")
            return found
        if word == "{":
            self.matchers()
            return "selector"
        if kind != "ident":
            raise PromQLError(f"unexpected {word!r}")
        self.take()
        if word in AGGREGATIONS | AGGREGATIONS_WITH_PARAMETER:
            return self.aggregation(word)
        if self.peek() == "(":
            return self.call(word)
        self.metrics.add(word)
        if self.peek() == "{":
            self.matchers()
        return "selector"

    def aggregation(self, name: str) -> str:
        grouped = self.peek() in ("by", "without")
        if grouped:
            self.take()
            self.labels()
        self.take("(")
        if name in AGGREGATIONS_WITH_PARAMETER:
            self.expression(0)
            self.take(",")
        if self.expression(0) != "vector":
            raise PromQLError(f"{name}() of something not an instant vector")
        self.take(")")
        if not grouped and self.peek() in ("by", "without"):
            self.take()
            self.labels()
        return "vector"

    def call(self, name: str) -> str:
        self.take("(")
        arguments = []
        while self.peek() != ")":
            arguments.append(self.expression(0))
            if self.peek() != ")":
                self.take(",")
        self.take(")")
        if name in NO_ARGUMENT_FUNCTIONS:
            if arguments:
                raise PromQLError(f"{name}() takes no argument")
            return "scalar"
        if name in RANGE_FUNCTIONS:
            if not arguments or arguments[0] != "range":
                raise PromQLError(f"{name}() needs a range vector first, got {arguments}")
            return "vector"
        if name == "histogram_quantile":
            if arguments != ["scalar", "vector"]:
                raise PromQLError(f"histogram_quantile(scalar, vector), got {arguments}")
            return "vector"
        if name in INSTANT_FUNCTIONS:
            if not arguments or "range" in arguments:
                raise PromQLError(f"{name}() of {arguments}")
            return "scalar" if name == "scalar" else "vector"
        raise PromQLError(f"unknown function {name}()")

    def labels(self) -> None:
        self.take("(")
        while self.peek() != ")":
            self.take_kind("ident")
            if self.peek() != ")":
                self.take(",")
        self.take(")")

    def matchers(self) -> None:
        self.take("{")
        while self.peek() != "}":
            self.take_kind("ident")
            self.take("=", "!=", "=~", "!~")
            self.take_kind("string")
            if self.peek() != "}":
                self.take(",")
        self.take("}")


def promql(text: str) -> set[str]:
    """The metric names a valid expression selects; PromQLError when it is not valid."""
    reader = PromQL(text)
    reader.kind()
    return reader.metrics


@pytest.mark.parametrize(
    "broken",
    [
        "rate(tnde_smtp_replies_total)",  # rate() needs a range
        "tnde_outbox_failed[1h] > 0",  # a range compared
        "sum(tnde_outbox_failed",  # unclosed
        "max without instance (tnde_outbox_failed)",  # labels need brackets
        "tnde_outbox_failed{state=failed}",  # a matcher's value is a string
        "delta(tnde_outbox_failed[1h)",  # brackets crossed
        "tnde_outbox_failed offset > 0",  # offset needs a duration
        "sum by (instance) (increase(x[10m])) >",  # no right side
        "frobnicate(tnde_outbox_failed)",  # no such function
        "tnde_database_up == 0 and 1",  # and needs vectors
    ],
)
def test_the_promql_reader_refuses_broken_expressions(broken: str) -> None:
    with pytest.raises(PromQLError):
        promql(broken)


REQUIRED_ALERTS = {
    "TndeDown",
    "TndeQueueStuck",
    "TndeOutboxFailing",
    "TndeImapAccountDown",
    "TndeDiskFilling",
    "TndeStateQueriesFailing",
}
# Prometheus's own series a rule may use besides the gateway's: `up` of the scrape job.
PROMETHEUS_SERIES = {"up"}
# The state of the shared database is the same on every node: one alert, not one per node.
STATE_ALERTS = {
    "TndeQueueStuck",
    "TndeOutboxFailing",
    "TndeOutboxFailedPermanently",
    "TndeImapAccountDown",
    "TndeQuarantineWaiting",
}


def test_the_alert_rules_load_and_use_only_exported_metrics() -> None:
    document = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    rules = [rule for group in document["groups"] for rule in group["rules"]]
    names = {rule["alert"] for rule in rules}
    assert names >= REQUIRED_ALERTS
    used = set()
    for rule in rules:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
        assert rule["labels"]["severity"] in ("critical", "warning", "info")
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        try:
            selected = promql(rule["expr"])
        except PromQLError as err:
            raise AssertionError(f"{rule['alert']}: {err}: {rule['expr']}") from err
        assert selected, rule["alert"]
        assert selected - exported_samples() <= PROMETHEUS_SERIES, rule["alert"]
        assert selected & exported_samples(), rule["alert"]  # about the gateway, at least
        used |= selected & exported_samples()
        if rule["alert"] in STATE_ALERTS:
            assert "max without (instance)" in rule["expr"], rule["alert"]
            assert "$labels.instance" not in rule["annotations"]["summary"], rule["alert"]
    assert used <= exported_samples()
    down = next(rule for rule in rules if rule["alert"] == "TndeDown")
    assert 'up{job="tnde"} == 0' in down["expr"]
    assert "absent_over_time(tnde_database_up" in down["expr"]
    # Whole mails failed in the hour, not delta()'s extrapolated fraction.
    failed = next(rule for rule in rules if rule["alert"] == "TndeOutboxFailedPermanently")
    assert "offset 1h" in failed["expr"] and "delta(" not in failed["expr"]


def _expressions(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, item in node.items():
            if key == "expr" and isinstance(item, str):
                yield item
            else:
                yield from _expressions(item)
    elif isinstance(node, list):
        for item in node:
            yield from _expressions(item)


def test_the_grafana_dashboard_loads_and_uses_only_exported_metrics() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["title"] and dashboard["panels"]
    expressions = list(_expressions(dashboard))
    assert len(expressions) >= len(dashboard["panels"])
    used = set()
    for expr in expressions:
        try:
            used |= promql(expr)
        except PromQLError as err:
            raise AssertionError(f"{err}: {expr}") from err
    # Histograms are queried by their _bucket/_sum/_count samples, counters by _total.
    assert used - exported_samples() == set()
    # The dashboard shows every state the gateway exports (read from the database or
    # the disk at scrape time), and every event metric.
    assert set(STATE_NAMES) - used == set()
    for metric in EVENT_METRICS:
        assert any(name.startswith(metric._name) for name in used), metric._name
    # A gauge every node reports alike is not added up across nodes (two nodes: twice).
    for expr in expressions:
        for name in STATE_NAMES:
            assert f"sum({name}" not in expr.replace(" ", ""), expr
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))


# --------------------------------------------------------------------------- state reads


def _state(app: App) -> Samples:
    """One scrape's database state, read by the panel's own Scrape (no server needed)."""
    families = list(Scrape(app).state.collect())
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in families
        for sample in family.samples
    }


def test_every_state_query_is_served_by_an_index(sqlite_url: str) -> None:
    """Each scrape counts the open dispositions: from ix_disposition_open, not by reading
    the whole table (which only grows). SQLite's own plan of every query says so."""
    app = App.build(gateway_settings(sqlite_url))
    statements: list[tuple[str, Any]] = []

    def record(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(app.db.engine, "before_cursor_execute", record)
    try:
        snapshot(app.db, app.clock(), ["dinkes-imap"])
        event.remove(app.db.engine, "before_cursor_execute", record)
        plans = {}
        with app.db.engine.connect() as connection:
            for statement, parameters in statements:
                rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                plans[statement] = " | ".join(str(row[-1]) for row in rows)
    finally:
        app.close()
    on_disposition = [plan for statement, plan in plans.items() if "disposition" in statement]
    assert len(on_disposition) == 1, plans
    assert "ix_disposition_open" in on_disposition[0], on_disposition
    for statement, plan in plans.items():
        for table in ("disposition", "inbound", "outbox", "imap_account_state"):
            assert f"SCAN {table}" not in plan.split(" USING")[0], (statement, plan)


def test_imap_gauges_show_only_the_enabled_accounts_of_the_settings(sqlite_url: str) -> None:
    """An account disabled or taken out of the configuration keeps its row, but must not
    keep TndeImapAccountDown firing."""
    settings = gateway_settings(sqlite_url)
    accounts = tuple(
        ImapAccount(name=name, host="127.0.0.1", username="tu", enabled=enabled)
        for name, enabled in (("aktif", True), ("dimatikan", False))
    )
    app = App.build(dataclasses.replace(settings, imap=accounts))
    try:
        with app.db.write() as session:
            for name in ("aktif", "dimatikan", "dihapus"):
                session.add(ImapAccountState(account=name, consecutive_failures=3))
        samples = _state(app)
    finally:
        app.close()
    shown = {
        dict(labels)["account"]
        for name, labels in samples
        if name == "tnde_imap_consecutive_failures"
    }
    assert shown == {"aktif"}
    assert value(samples, "tnde_imap_consecutive_failures", account="aktif") == 3


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "tnde.metrics" and r.levelno == logging.WARNING]


def test_a_failing_state_query_is_not_database_down_and_is_logged_once(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = App.build(gateway_settings(sqlite_url))
    scrape_ = Scrape(app)

    def read() -> Samples:
        return {
            (s.name, frozenset(s.labels.items())): s.value
            for family in scrape_.state.collect()
            for s in family.samples
        }

    caplog.set_level(logging.INFO, logger="tnde.metrics")
    try:
        with app.db.engine.begin() as connection:  # as after a half-done migration
            connection.exec_driver_sql("ALTER TABLE disposition RENAME TO disposition_lama")
        failing = [read(), read(), read()]
        with app.db.engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE disposition_lama RENAME TO disposition")
        again = read()
    finally:
        app.close()
    for samples in failing:
        assert value(samples, "tnde_database_up") == 1  # it answers: not "database down"
        assert value(samples, "tnde_state_queries_up") == 0
        assert value(samples, "tnde_dispositions_open") is None
    (warning,) = _warnings(caplog)  # three scrapes, one line: not one per scrape
    assert "state query" in warning.getMessage() and "disposition" in warning.getMessage()
    assert warning.exc_info is not None  # with its traceback
    assert value(again, "tnde_state_queries_up") == 1
    assert value(again, "tnde_dispositions_open") is not None
    assert any("again" in r.getMessage() for r in caplog.records if r.name == "tnde.metrics")


def test_an_unreachable_database_is_database_down(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A SQLite file whose directory is a file: the database cannot be opened at all.
    (tmp_path / "bukan-folder").write_text("x")
    url = f"sqlite:///{tmp_path / 'bukan-folder' / 'tnde.db'}"
    db = Database(create_engine(url))
    collector = StateCollector(lambda: snapshot(db, dt.datetime.now(dt.UTC)))
    caplog.set_level(logging.INFO, logger="tnde.metrics")
    try:
        samples = {
            (s.name, frozenset(s.labels.items())): s.value
            for _ in range(2)
            for family in collector.collect()
            for s in family.samples
        }
    finally:
        db.dispose()
    assert value(samples, "tnde_database_up") == 0
    assert value(samples, "tnde_state_queries_up") == 0
    (warning,) = _warnings(caplog)
    assert "does not answer" in warning.getMessage()


# --------------------------------------------------------------------------- after commit


def test_an_after_commit_action_that_fails_does_not_undo_the_commit(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Raised out of commit(), the worker would quarantine a letter already registered."""
    app = App.build(gateway_settings(sqlite_url))
    counter = REGISTRATIONS.labels("UJI", "gagal")
    before = counter._value.get()
    caplog.set_level(logging.ERROR, logger="tnde.db")

    def broken() -> None:
        raise RuntimeError("a metric file that cannot be written")

    try:
        with app.db.write() as session:
            after_commit(session, broken)
            count_registration(session, "UJI", "gagal")
            session.add(ImapAccountState(account="tersimpan"))
        with app.db.read() as session:
            assert session.get(ImapAccountState, "tersimpan") is not None
    finally:
        app.close()
    assert counter._value.get() == before + 1  # the next action ran too
    assert any("after-commit" in r.getMessage() and r.exc_info for r in caplog.records)


def test_after_commit_actions_follow_savepoints(sqlite_url: str) -> None:
    app = App.build(gateway_settings(sqlite_url))
    counter = REGISTRATIONS.labels("UJI", "savepoint")
    before = counter._value.get()
    try:
        with app.db.write() as session:
            count_registration(session, "UJI", "savepoint")  # stays
            with pytest.raises(RuntimeError), session.begin_nested():
                count_registration(session, "UJI", "savepoint")  # rolled back with it
                raise RuntimeError("one letter of the batch fails")
            with session.begin_nested():
                count_registration(session, "UJI", "savepoint")  # released: stays
            assert counter._value.get() == before  # nothing before the commit
        assert counter._value.get() == before + 2
        # A savepoint released, then the whole transaction rolled back: nothing counted.
        with pytest.raises(RuntimeError), app.db.write() as session:
            with session.begin_nested():
                count_registration(session, "UJI", "savepoint")
            raise RuntimeError("the transaction fails after the savepoint")
        assert counter._value.get() == before + 2
    finally:
        app.close()


def test_a_signed_surat_keluar_counts_as_a_registration(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.test_naskah_dinas import AGENCY, KABAG, KASUBBAG, approve, deliver, draft, rows
    from tests.test_naskah_dinas import TRUSTED as ORG_MX

    settings = gateway_settings(
        db_url,
        mail={"trusted_authserv_ids": [ORG_MX]},
        web={"public_url": "http://tnde.example.go.id"},
    )
    gateway = RunningGateway(App.build(settings, clock=FakeClock(OFFICE_HOURS))).start()
    try:
        head = f"KEPADA: <{AGENCY}>\nKLASIFIKASI: 000.8.3.3\nPENANDATANGAN: kabag.umum\n"
        deliver(gateway, draft(head=head))
        (konsep,) = rows(gateway.app, "konsep")
        with gateway.app.db.read() as session:
            unit = session.get_one(Unit, konsep.unit_id).code
        counter = REGISTRATIONS.labels(unit, "surat_keluar")
        before = counter._value.get()
        approve(gateway, KASUBBAG, KABAG)
        assert len(rows(gateway.app, "surat_keluar")) == 1
    finally:
        gateway.stop()
    assert counter._value.get() == before + 1


# --------------------------------------------------------------------------- directories


def test_serve_removes_the_metrics_directories_a_killed_serve_left(
    sqlite_url: str, tmp_path: Path
) -> None:
    parent = tmp_path / "metrics"
    parent.mkdir()
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stale = parent / "tnde-metrics-dibunuh"  # its serve and worker were SIGKILLed
    stale.mkdir()
    (stale / f"counter_{gone}.db").write_bytes(b"\0" * 8)
    (stale / f"gauge_livesum_{gone}.db").write_bytes(b"\0" * 8)
    live = parent / "tnde-metrics-hidup"  # another process still writes here
    live.mkdir()
    (live / f"counter_{os.getpid()}.db").write_bytes(b"\0" * 8)
    other = parent / "bukan-metrik"
    other.mkdir()
    web_port = free_port()
    env = serve_env(
        sqlite_url,
        free_port(),
        {"TNDE_METRICS__DIRECTORY": str(parent), "TNDE_WEB__LISTEN": f"127.0.0.1:{web_port}"},
    )
    with open(tmp_path / "serve.log", "wb") as log:
        process = subprocess.Popen([TNDE, "serve"], env=env, stdout=log, stderr=log)
    try:
        wait_for_port("127.0.0.1", web_port, 60)
        left = sorted(path.name for path in parent.iterdir())
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(60)
    assert "tnde-metrics-dibunuh" not in left
    assert {"tnde-metrics-hidup", "bukan-metrik"} <= set(left)
    assert len([name for name in left if name.startswith("tnde-metrics-")]) == 2  # + its own
