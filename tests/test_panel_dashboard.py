"""Dasbor: counters and the chart follow the letters a viewer may see."""

from __future__ import annotations

import re

from tests.support.gateway import RunningGateway, wait_for
from tests.support.mail import DOMAIN, letter
from tests.support.panel import signed_in
from tests.support.queries import settled


def send(gw: RunningGateway, unit: str, count: int) -> None:
    with gw.smtp() as client:
        for n in range(count):
            raw = letter(to=f"{unit}@{DOMAIN}", body=f"Nomor: 1/{n}/2026\nPerihal: Surat {n}\n")
            client.sendmail("tu@bkpsdm.jatengprov.go.id", [f"{unit}@{DOMAIN}"], raw)
    wait_for(lambda: settled(gw.app))


def counters(body: str, unit: str) -> list[int]:
    row = re.search(rf'<a href="/\?unit={unit}">{unit}</a>.*?</tr>', body, re.S)
    assert row, f"no row for {unit}"
    return [int(n) for n in re.findall(r"<td[^>]*>(\d+)</td>", row.group(0))]


def test_counters_and_chart_per_unit(gateway: RunningGateway) -> None:
    send(gateway, "setda", 2)
    send(gateway, "dinkes", 3)
    admin = signed_in(gateway)
    body = admin.get("/dasbor").body
    # today, this week, unread dispositions, not acted on, overdue
    assert counters(body, "SETDA")[:2] == [2, 2]
    assert counters(body, "DINKES")[:2] == [3, 3]
    assert counters(body, "DINKES")[2] >= 3  # each letter disposed by the demo rules
    bars = re.findall(r"<rect [^>]*><title>[^<]*: (\d+) surat (\w+)</title>", body)
    assert sorted(bars) == [("2", "SETDA"), ("3", "DINKES")]
    assert "Karantina: <b>0</b>" in body
    operator = signed_in(gateway, "operator", ["DINKES"])
    mine = operator.get("/dasbor").body
    assert "SETDA" not in mine and counters(mine, "DINKES")[:2] == [3, 3]
