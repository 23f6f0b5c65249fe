"""Presence: whether the user is at the desk, away, in a call, or unknown, and what that time counts as.

What the camera can tell decides what time counts as (``Observation.camera``):

- a frame with the user in it: seen; posture is judged;
- a frame with nobody in it: after ``away_seconds`` the user is away; coming
  back after that long is a break, which recovers load and restarts the
  sitting clock;
- the machine was asleep or the screen locked (told on waking): the time
  since the last observation was away;
- the camera is used by another program: a call; the user is still sitting,
  so the sitting clock runs, but posture is unknown;
- paused by the user, no camera, or no observation at all for
  ``max_gap_seconds``: unknown. Nothing builds, nothing recovers, the sitting
  clock stands still, and open fault episodes end where last seen.

This module keeps the state and says what changed; :mod:`core.engine` applies
the consequences to the fault tracks and the sitting clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from .events import Away, Back, Break, Event, Presence
from .observation import CameraSays, Observation
from .settings import Settings


class Where(str, Enum):
    """What is known of the user at a moment."""

    SEEN = "seen"
    NOBODY = "nobody"
    AWAY = "away"
    CALL = "call"
    PAUSED = "paused"
    UNKNOWN = "unknown"


# States in which posture is not known.
UNKNOWING = frozenset({Where.CALL, Where.PAUSED, Where.UNKNOWN})
# States in which the sitting clock runs.
AT_DESK = frozenset({Where.SEEN, Where.NOBODY, Where.CALL})


def said(obs: Observation) -> Where:
    """What one observation says of the user."""
    if obs.camera == CameraSays.OK:
        return Where.SEEN if obs.features else Where.NOBODY
    return {CameraSays.BUSY: Where.CALL, CameraSays.PAUSED: Where.PAUSED}.get(obs.camera, Where.UNKNOWN)


class Postures(Protocol):
    """What presence tells the posture side of the engine, at the moment it happens."""

    def unknown_from(self, at: float, obs: Observation, events: list[Event]) -> None:
        """Posture is unknown from engine time ``at`` on: open episodes end where last known."""

    def unseen(self) -> None:
        """Nobody in view: known time restarts at the next reading."""


@dataclass
class Changes:
    """What a presence step leaves for the rest of the engine to apply."""

    # Seconds the sitting clock runs for this step (before any break resets it).
    sitting: float = 0.0
    # Back after this many seconds away: load recovers for that long.
    back_after: float | None = None
    # The time away was long enough to count as a break.
    took_break: bool = False


@dataclass
class PresenceState:
    where: Where = Where.NOBODY
    last_seen: float | None = None
    away_since: float | None = None

    @property
    def away(self) -> bool:
        return self.away_since is not None

    def shift(self, offset: float) -> None:
        for name in ("last_seen", "away_since"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, value + offset)


def step(
    p: PresenceState,
    obs: Observation,
    last: float | None,
    settings: Settings,
    postures: Postures,
    events: list[Event],
) -> Changes:
    """Advance presence by one observation; ``last`` is the engine time of the previous one."""
    changes = Changes()
    t = obs.t
    now = said(obs)
    if obs.camera == CameraSays.ASLEEP and last is not None and not p.away:
        # Asleep or locked since the last observation: that time was away.
        _go_away(p, obs, t, last, "asleep", postures, events)
    elif last is not None and t - last > settings.presence.max_gap_seconds and not p.away and p.where != Where.UNKNOWN:
        # Nothing was heard for too long and nobody said why: unknown from the last observation.
        _set(p, obs, Where.UNKNOWN, last, postures, events)
    if p.where in AT_DESK and not p.away and last is not None:
        changes.sitting = t - last
    if now == Where.SEEN:
        if p.away:
            _come_back(p, obs, settings, changes, events)
        p.last_seen = t
        _set(p, obs, Where.SEEN, t, postures, events)
    elif now == Where.NOBODY:
        postures.unseen()
        if not p.away:
            _set(p, obs, Where.NOBODY, t, postures, events)
            gone_since = p.last_seen if p.last_seen is not None else t
            if t - gone_since >= settings.presence.away_seconds:
                _go_away(p, obs, t, gone_since, "nobody", postures, events)
    elif now in UNKNOWING:
        if p.away:
            # Unknown after time away: the away period ends where knowledge ends.
            _come_back(p, obs, settings, changes, events)
        _set(p, obs, now, t, postures, events)
    return changes


def _set(
    p: PresenceState, obs: Observation, where: Where, since: float, postures: Postures, events: list[Event]
) -> None:
    """Change what the camera can tell; changes into and out of not knowing are events."""
    previous, p.where = p.where, where
    if where == previous:
        return
    if where in UNKNOWING:
        postures.unknown_from(since, obs, events)
    if where in UNKNOWING or previous in UNKNOWING:
        events.append(Presence(obs.t, obs.wall, where.value, since, obs.wall_at(since)))


def _go_away(
    p: PresenceState, obs: Observation, t: float, since: float, reason: str, postures: Postures, events: list[Event]
) -> None:
    postures.unknown_from(since, obs, events)
    p.away_since = since
    p.where = Where.AWAY
    events.append(Away(t, obs.wall_at(t), since, obs.wall_at(since), reason))


def _come_back(p: PresenceState, obs: Observation, settings: Settings, changes: Changes, events: list[Event]) -> None:
    assert p.away_since is not None
    gone = obs.t - p.away_since
    p.away_since = None
    events.append(Back(obs.t, obs.wall, round(gone, 3)))
    changes.back_after = gone
    if gone >= settings.presence.away_seconds:
        events.append(Break(obs.t, obs.wall, round(gone, 3)))
        changes.took_break = True
