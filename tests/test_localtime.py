"""Local time: the zone in force now, and local days, weeks and months as epochs across clock changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from posture_watch import localtime


def test_the_zone_is_tz_else_the_one_etc_localtime_names_else_a_fixed_offset(monkeypatch, tmp_path):
    monkeypatch.setenv("TZ", ":America/New_York")
    assert localtime.zone_name(localtime.zone()) == "America/New_York"
    monkeypatch.delenv("TZ")
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Europe/Paris")
    monkeypatch.setattr(localtime, "_LOCALTIME", link)
    assert localtime.zone_name(localtime.zone()) == "Europe/Paris"
    # A change of zone (travel) is seen at the next call.
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert localtime.zone_name(localtime.zone()) == "Asia/Tokyo"
    # A POSIX rule names no zone file, and no /etc/localtime: the offset the system gives now.
    monkeypatch.setenv("TZ", "XYZ-3:30")
    fixed = localtime.zone()
    assert fixed.utcoffset(None) == datetime.now().astimezone().utcoffset()
    monkeypatch.delenv("TZ")
    monkeypatch.setattr(localtime, "_LOCALTIME", tmp_path / "missing")
    assert localtime.zone().utcoffset(None) == fixed.utcoffset(None)


@pytest.mark.parametrize(
    ("day", "hours"), [(date(2026, 3, 8), 23), (date(2026, 11, 1), 25), (date(2026, 11, 2), 24)]
)
def test_days_are_as_long_as_the_clock_makes_them(monkeypatch, day, hours):
    monkeypatch.setenv("TZ", "America/New_York")
    start, end = localtime.day_bounds(day)
    assert end - start == hours * 3600
    assert localtime.iso(start)[:19] == f"{day}T00:00:00" and localtime.local(end).date() == day + timedelta(days=1)


def test_whole_hours_show_the_repeated_hour_twice(monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    start, end = localtime.day_bounds(date(2026, 11, 1))
    hours = [localtime.local(t).strftime("%H:%M%z") for t in localtime.whole_hours(start, end)]
    assert hours[:4] == ["00:00-0400", "01:00-0400", "01:00-0500", "02:00-0500"] and len(hours) == 26
    # A half-hour zone's whole hours are its own.
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    start, end = localtime.day_bounds(date(2026, 11, 1))
    assert {localtime.local(t).minute for t in localtime.whole_hours(start, end)} == {0}


def test_periods_are_monday_to_sunday_and_calendar_months():
    assert localtime.period_days("week", date(2026, 1, 1)) == (date(2025, 12, 29), date(2026, 1, 4))
    assert localtime.period_days("month", date(2028, 2, 10)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert localtime.period_days("day", date(2026, 5, 5)) == (date(2026, 5, 5), date(2026, 5, 5))
    assert localtime.previous("month", date(2026, 3, 31)) == date(2026, 2, 28)
    assert len(localtime.dates(*localtime.period_days("month", date(2026, 12, 1)))) == 31


def test_iso_times_carry_their_offset():
    assert localtime.iso(0.0, timezone(timedelta(hours=2))) == "1970-01-01T02:00:00+02:00"
    assert localtime.iso(None) is None
