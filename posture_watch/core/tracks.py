"""Fault tracks: the majority vote that starts and ends an episode, and the load it builds.

Every decision unit (a fault, a family of faults decided together, the
stillness and sitting judges) has one :class:`Track`. Known verdicts feed it
through :func:`observe`: a fault starts when most known votes of the last
``majority_seconds`` are over and ends when most are under; unknown readings
do not vote and do not change the load. While active the load grows one
second per second of known time, otherwise it falls by ``recovery_rate``
per second; the reminder policy compares it with the fault's hold.
"""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import NamedTuple

from .events import Event, FaultEnd, FaultStart
from .observation import Observation
from .settings import Settings

# The vote never has fewer than this many known readings: with the camera
# sampled every few seconds the window spans samples.
MIN_VOTES = 5


class Vote(NamedTuple):
    """One known verdict in a unit's majority window."""

    t: float
    over: bool
    side: str | None
    # The family member that names the posture this frame, if any is over.
    named: str | None
    # Known seconds since the previous known reading (0 after a stretch too long to count).
    known: float = 0.0


@dataclass
class Track:
    """One decision unit's timeline.

    ``fault`` is the fault that names the current (or last) episode.
    """

    fault: str = ""
    active: bool = False
    since: float = 0.0
    # When the posture began, kept when a family's episode changes its name: what a reminder says was held.
    held_since: float = 0.0
    side: str | None = None
    load: float = 0.0
    peak: float = 0.0
    window: deque[Vote] = field(default_factory=deque)
    # Time of the last known reading, while known time runs on from it.
    last_known: float | None = None
    # When the last episode ended: onset is never credited before it.
    ended: float = -math.inf
    last_alert: float | None = None
    reminders: int = 0

    def shift(self, offset: float) -> None:
        """The clock went back by ``-offset``: move every remembered time with it."""
        self.since += offset
        self.held_since += offset
        self.ended += offset
        if self.last_alert is not None:
            self.last_alert += offset
        if self.last_known is not None:
            self.last_known += offset
        self.window = deque(vote._replace(t=vote.t + offset) for vote in self.window)

    def forget_known(self) -> None:
        """Unseen time counts neither as held nor as recovered: known time restarts at the next reading."""
        self.last_known = None

    def recover(self, seconds: float, settings: Settings) -> None:
        self.load = max(0.0, self.load - settings.recovery_rate * seconds)

    def answered(self) -> None:
        """The user did the suggested stretch: the load starts again from zero."""
        self.load = 0.0
        self.reminders = 0


def observe(
    track: Track,
    obs: Observation,
    vote: Vote,
    settings: Settings,
    events: list[Event],
    voting: bool = True,
) -> None:
    """Feed one known verdict into a unit's majority window and load.

    ``voting`` False takes the verdict as it is (it is already a judgement
    over minutes, as stillness is), without a majority over recent readings.
    """
    t = obs.t
    # Only time between two known readings close enough together counts, as held or as recovered:
    # a long stretch the camera could not judge is unknown, whatever the reading after it says.
    since = t - track.last_known if track.last_known is not None else math.inf
    dt = since if since <= settings.detection.known_gap_seconds else 0.0
    track.last_known = t
    vote = vote._replace(known=dt)
    if not voting:
        track.window.clear()
    track.window.append(vote)
    window = settings.detection.majority_seconds
    while len(track.window) > MIN_VOTES and track.window[0].t < t - window:
        track.window.popleft()
    overs = [v for v in track.window if v.over]
    majority = len(overs) * 2 > len(track.window)
    names = Counter(v.named for v in overs if v.named)
    other = names.most_common(1)[0] if len(names) == 1 else None
    if majority and track.active and other and other[0] != track.fault and other[1] >= MIN_VOTES:
        # The same posture is now clearly another fault of the family: a new episode under its
        # name; the load and the time it has been held go on.
        held_since = track.held_since
        end(track, obs, t, events)
        start(track, obs, t, other[0], settings, events)
        track.held_since = held_since
        return
    if majority and not track.active:
        # The posture began with the first reading of the window outside
        # neutral (never before the last episode ended); the vote only
        # confirms it, so the known time since then counts as held.
        onset = max(overs[0].t, track.ended)
        sides = Counter(v.side for v in overs if v.side)
        track.side = sides.most_common(1)[0][0] if sides else None
        named_most = names.most_common(1)[0][0] if names else track.fault
        track.load += sum(v.known for v in track.window if v.t > onset)
        start(track, obs, onset, named_most, settings, events)
    elif not majority and track.active:
        end(track, obs, t, events)
    elif track.active:
        # Capped so that recovery after a very long hold takes bounded time.
        track.load = min(track.load + dt, 2.0 * settings.hold(track.fault))
        track.peak = max(track.peak, track.load)
    if not track.active and not vote.over:
        # A reading outside neutral awaiting the vote neither builds nor recovers:
        # if the vote confirms it, the onset credit above counts that time.
        track.recover(dt, settings)


def candidate(track: Track) -> str | None:
    """The family member most of the window's over votes name, while a posture awaits the vote."""
    names = Counter(v.named for v in track.window if v.over and v.named)
    return names.most_common(1)[0][0] if names else None


def start(track: Track, obs: Observation, since: float, fault: str, settings: Settings, events: list[Event]) -> None:
    track.active, track.since, track.held_since, track.fault = True, since, since, fault
    track.load = min(track.load, 2.0 * settings.hold(fault))
    track.peak = track.load
    events.append(FaultStart(obs.t, obs.wall, fault, track.side, since, obs.wall_at(since)))


def end(track: Track, obs: Observation, at: float, events: list[Event]) -> None:
    at = max(at, track.since)
    events.append(
        FaultEnd(
            obs.t,
            obs.wall,
            track.fault,
            track.side,
            track.since,
            obs.wall_at(track.since),
            round(at - track.since, 3),
            round(track.peak, 3),
        )
    )
    track.active = False
    track.ended = at
    track.reminders = 0


def suspend(track: Track, obs: Observation, at: float, events: list[Event]) -> None:
    """Posture is not known from ``at`` on: an open episode ends where it was last known."""
    if track.active:
        end(track, obs, min(at, track.last_known if track.last_known is not None else at), events)
    track.window.clear()
    track.last_known = None
