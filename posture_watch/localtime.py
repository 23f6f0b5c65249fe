"""Local wall time for what people read: the zone in force now, local days, weeks and months as epochs.

Instants are stored as UTC epoch seconds. What a person reads (a day's
report, an exported time) is local time in the zone in force now, worked out
with ``zoneinfo``, so the days a clock change makes 23 or 25 hours long are
reported as what they are and an hour that happens twice is told apart by its
UTC offset. The zone is looked up at every call (it is cheap), so travelling
to another zone shows at the next report without a restart.
"""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Period = Literal["day", "week", "month"]
_LOCALTIME = Path("/etc/localtime")


def zone() -> tzinfo:
    """The zone in force now: ``TZ``, else the zone /etc/localtime names, else the system's fixed offset."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        found = _zone_named(name)
        # A POSIX rule such as "EST5EDT,M3.2.0,M11.1.0" names no zone file: the C library follows
        # it, and the offset it gives now is the best there is.
        return found if found is not None else _fixed_offset()
    try:
        target = str(_LOCALTIME.resolve(strict=True))
    except OSError:
        return _fixed_offset()
    key = target.partition("zoneinfo/")[2]
    found = _zone_named(key) if key else None
    if found is None:
        found = _zone_named(target)
    return found if found is not None else _fixed_offset()


def _zone_named(name: str) -> tzinfo | None:
    try:
        if name.startswith("/"):
            with open(name, "rb") as f:
                return ZoneInfo.from_file(f, key=name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _fixed_offset() -> tzinfo:
    tz = datetime.now().astimezone().tzinfo
    assert tz is not None
    return tz


def zone_name(tz: tzinfo) -> str:
    """``Europe/Paris``, or the fixed offset's own name (``UTC+01:00``) when the zone has no name."""
    return str(getattr(tz, "key", None) or tz.tzname(None) or tz)


def local(epoch: float, tz: tzinfo | None = None) -> datetime:
    """Epoch seconds as an aware local datetime."""
    return datetime.fromtimestamp(epoch, tz or zone())


def iso(epoch: float | None, tz: tzinfo | None = None) -> str | None:
    """Epoch seconds as a local ISO time with its offset, ``2026-11-01T01:30:00-05:00`` (None stays None)."""
    return None if epoch is None else local(epoch, tz).isoformat(timespec="seconds")


def today(tz: tzinfo | None = None) -> date:
    """The local date now."""
    return datetime.now(tz or zone()).date()


def midnight(day: date, tz: tzinfo | None = None) -> float:
    """The epoch at which local ``day`` begins (where a clock change skips midnight, the change itself)."""
    return datetime.combine(day, time(0), tz or zone()).timestamp()


def day_bounds(day: date, tz: tzinfo | None = None) -> tuple[float, float]:
    """Local ``day`` as epochs [start, end): 86400 s long, or 82800 / 90000 s on a clock-change day."""
    tz = tz or zone()
    return midnight(day, tz), midnight(day + timedelta(days=1), tz)


def period_days(period: Period, day: date) -> tuple[date, date]:
    """The first and last date of the day, week (Monday to Sunday) or calendar month that holds ``day``."""
    if period == "day":
        return day, day
    if period == "week":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=6)
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def previous(period: Period, day: date) -> date:
    """A date in the period before the one holding ``day``."""
    return period_days(period, day)[0] - timedelta(days=1)


def bounds(first: date, last: date, tz: tzinfo | None = None) -> tuple[float, float]:
    """Local dates ``first`` to ``last`` (both included) as epochs [start, end)."""
    tz = tz or zone()
    return midnight(first, tz), midnight(last + timedelta(days=1), tz)


def dates(first: date, last: date) -> list[date]:
    """Every date from ``first`` to ``last``, both included."""
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def whole_hours(start: float, end: float, tz: tzinfo | None = None) -> list[float]:
    """The epochs in [start, end] at which a local clock shows a whole hour, in order.

    Across a clock change an hour can show twice (``01:00`` at two offsets) or not at all.
    """
    tz = tz or zone()
    first = local(start, tz).replace(minute=0, second=0, microsecond=0)
    at = first.timestamp()
    out = []
    while at <= end:
        if at >= start and local(at, tz).minute == 0:
            out.append(at)
        at += 1800  # half hours too, for zones whose offset is a half hour off the others
    return out
