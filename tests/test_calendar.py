"""Business calendar: weekends, national holidays, cuti bersama and local holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from gateway.config import ConfigError, load_settings
from gateway.core.batas import parse_batas
from gateway.core.calendar import BusinessCalendar, parse_holidays
from gateway.seed import load_yaml
from rules.due import DueSpec

SHIPPED = frozenset(day for day, _, _ in parse_holidays(load_yaml("holidays.yaml")))
CALENDAR = BusinessCalendar(SHIPPED)


def test_shipped_holidays_cover_this_year_and_next() -> None:
    assert {d.year for d in SHIPPED} == {2026, 2027}
    assert dt.date(2026, 12, 25) in SHIPPED and dt.date(2026, 12, 24) in SHIPPED  # cuti bersama
    assert dt.date(2026, 8, 17) in SHIPPED and dt.date(2027, 1, 1) in SHIPPED


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["2026-03-02"], r"^entri ke-1: harus berupa tabel \{date: YYYY-MM-DD"),
        ([{"name": "Libur"}], r"^entri ke-1: date wajib diisi dengan bentuk YYYY-MM-DD$"),
        (
            [{"date": "2026-03-02", "name": "A"}, {"date": "02-03-2026", "name": "B"}],
            r"^entri ke-2: date '02-03-2026' bukan tanggal yang sah; gunakan bentuk YYYY-MM-DD",
        ),
        ([{"date": dt.date(2026, 3, 2)}], r"^entri ke-1 \(2026-03-02\): name wajib diisi$"),
        (
            [{"date": "2026-03-02", "name": "A", "kind": "daerah"}],
            r"^entri ke-1 \(2026-03-02\): kind 'daerah' harus salah satu dari nasional, "
            r"cuti_bersama, lokal$",
        ),
    ],
)
def test_bad_holiday_entries_are_refused_naming_the_entry(rows: list[object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_holidays(rows)


def test_workdays_skip_weekends_christmas_and_cuti_bersama() -> None:
    # Wednesday 23 Dec 2026 + 1 workday: 24 (cuti bersama), 25 (Natal), 26-27 (weekend).
    assert CALENDAR.add_workdays(dt.date(2026, 12, 23), 1) == dt.date(2026, 12, 28)
    assert CALENDAR.workdays_between(dt.date(2026, 12, 23), dt.date(2026, 12, 28)) == 1
    # A letter registered on a holiday: day 0 is the next working day.
    assert CALENDAR.add_workdays(dt.date(2026, 12, 25), 0) == dt.date(2026, 12, 28)


def test_due_times_end_at_midnight_wib() -> None:
    start = dt.datetime(2026, 12, 23, 3, 0, tzinfo=dt.UTC)  # Wednesday 10:00 WIB
    assert CALENDAR.due(DueSpec("workdays", 3), start) == dt.datetime(
        2026, 12, 30, 16, 59, 59, tzinfo=dt.UTC
    )
    assert CALENDAR.due(DueSpec("same_day"), start) == dt.datetime(
        2026, 12, 23, 16, 59, 59, tzinfo=dt.UTC
    )
    assert CALENDAR.due(DueSpec("hours", 4), start) == start + dt.timedelta(hours=4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12-01-2027", dt.date(2027, 1, 12)),
        ("12 Januari 2027", dt.date(2027, 1, 12)),
        ("3 hari kerja", dt.date(2026, 12, 30)),
        ("2 hari", dt.date(2026, 12, 25)),
        ("besok", dt.date(2026, 12, 24)),
    ],
)
def test_batas_in_replies(text: str, expected: dt.date) -> None:
    start = dt.datetime(2026, 12, 23, 3, 0, tzinfo=dt.UTC)
    due = parse_batas(text, start, CALENDAR)
    assert due is not None and due.astimezone(dt.timezone(dt.timedelta(hours=7))).date() == expected


def test_local_holidays_come_from_the_configuration() -> None:
    settings = load_settings(
        None, environ={"TNDE_WORKFLOW__LOCAL_HOLIDAYS": '["2027-04-22 Hari Jadi"]'}
    )
    assert settings.workflow.local_holiday_dates() == {dt.date(2027, 4, 22)}
    with pytest.raises(ConfigError, match="local_holidays"):
        load_settings(None, environ={"TNDE_WORKFLOW__LOCAL_HOLIDAYS": '["22-04-2027 Hari Jadi"]'})
