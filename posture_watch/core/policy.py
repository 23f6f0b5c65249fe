"""The reminder policy: which due fault to remind of now, and what holds reminders back.

A fault is due when its track's load reaches its hold, and again after
``cooldown_minutes`` while it goes on. Of the faults due, the one furthest
past its hold is reminded of, unless the minimum gap since the last reminder,
snooze, quiet hours, the daily cap or do-not-disturb hold it back; all of
them in wall time where users set them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from . import faults
from .events import Alert, Event
from .observation import Observation
from .settings import Settings
from .tracks import Track

# How many recent alerts an answer can still name.
REMEMBERED = 64


class Unit(NamedTuple):
    """A track the policy may remind of, with how to tell how long its posture was held at ``t``."""

    track: Track
    held: Callable[[Track, float], float]


@dataclass
class Reminders:
    """What the policy remembers between observations."""

    last_notification: float | None = None
    snoozed_until: datetime | None = None
    day: date | None = None
    day_count: int = 0
    # Alerts given in this run; the next one's id.
    given: int = 0
    # The fault of each recent alert by id, so an answer to a reminder finds what it answers.
    faults: dict[int, str] = field(default_factory=dict)
    # The latest alert: (engine time, fault).
    latest: tuple[float, str] | None = None

    def shift(self, offset: float) -> None:
        if self.last_notification is not None:
            self.last_notification += offset
        if self.latest is not None:
            self.latest = (self.latest[0] + offset, self.latest[1])


def maybe_alert(
    rem: Reminders, units: Iterable[Unit], obs: Observation, settings: Settings, events: list[Event]
) -> None:
    """Append an ``Alert`` for the due fault furthest past its hold, if nothing holds it back."""
    t, notify = obs.t, settings.notify
    if obs.wall is not None and obs.wall.date() != rem.day:
        rem.day, rem.day_count = obs.wall.date(), 0
    cooldown = notify.cooldown_minutes * 60
    due = []
    for unit in units:
        track = unit.track
        hold = settings.hold(track.fault)
        if track.active and track.load >= hold and (track.last_alert is None or t - track.last_alert >= cooldown):
            due.append((track.load / hold, unit))
    if not due or held_back(rem, obs, settings):
        return
    if obs.do_not_disturb:
        if notify.after_do_not_disturb == "drop":
            # Dropped: as if shown, so each waits its cooldown before coming back.
            for _, unit in due:
                unit.track.last_alert = t
        return
    _, (track, held) = max(due, key=lambda d: d[0])
    side = track.side
    events.append(
        Alert(
            t,
            obs.wall,
            track.fault,
            side,
            round(held(track, t), 3),
            round(track.load, 3),
            track.reminders,
            faults.muscles_for(track.fault, side),
            rem.given + 1,
        )
    )
    track.last_alert = t
    track.reminders += 1
    rem.last_notification = t
    rem.day_count += 1
    rem.given += 1
    rem.latest = (t, track.fault)
    rem.faults[rem.given] = track.fault
    for old in [n for n in rem.faults if n <= rem.given - REMEMBERED]:
        del rem.faults[old]


def held_back(rem: Reminders, obs: Observation, settings: Settings) -> bool:
    """Whether snooze, the minimum gap, quiet hours or the daily cap hold reminders now."""
    t, notify = obs.t, settings.notify
    if rem.last_notification is not None and t - rem.last_notification < notify.min_gap_minutes * 60:
        return True
    if obs.wall is None:
        return False
    # Instants compared as instants: two wall times of one zone compare as the clock shows them, which
    # the hour a change of the clocks shows twice gets wrong.
    if rem.snoozed_until is not None and obs.wall.timestamp() < rem.snoozed_until.timestamp():
        return True
    if notify.daily_cap and rem.day_count >= notify.daily_cap:
        return True
    if notify.quiet is not None:
        now = obs.wall.hour * 60 + obs.wall.minute
        start, end = notify.quiet
        if start <= now < end if start <= end else (now >= start or now < end):
            return True
    return False
