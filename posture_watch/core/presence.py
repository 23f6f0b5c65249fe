"""Presence: one timeline of where the user was, and what each stretch of time counts as.

Every moment of a run is exactly one of: present (seated, or briefly out of
view), away, asleep (the machine was suspended), in a call, paused, or
unknown. Each state begins when it is first observed and ends when the next
begins, so the timeline has neither overlaps nor gaps (``Presence`` events
carry each change with the moment it took effect). What the camera can tell
decides the state (``Observation.camera``):

- a frame with the user in it: present; posture is judged;
- a frame with nobody in it: still present until ``away_seconds`` pass, then
  away from the first moment nobody was seen, whatever came before (a call, a
  pause, a sleep); coming back after that long is a break, which recovers
  load and restarts the sitting clock;
- told on waking that the machine slept: asleep for that long, which is time
  away; the absence goes on while nobody is in view after waking;
- the screen locked: away from that moment;
- the camera used by another program: a call; the user is still sitting, so
  the sitting clock runs, but posture is unknown;
- someone in a picture too dark or noisy to judge: present (the sitting clock
  runs) but unknown on the timeline, as posture is;
- paused by the user, no camera, or no observation at all for
  ``max_gap_seconds``: unknown. Nothing builds, nothing recovers, the sitting
  clock stands still, and open fault episodes end where last seen.

A change seen between two samples is placed halfway between them: the camera
looks every few seconds, and halfway is the least wrong guess. Changes the
shell knows exactly (a pause, a lock, a suspend) take effect when they
happened. This module keeps the state and says what changed;
:mod:`core.engine` applies the consequences to the fault tracks and the
sitting clock.
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
    # Nobody in view, not yet for long enough to be away.
    NOBODY = "nobody"
    AWAY = "away"
    ASLEEP = "asleep"
    CALL = "call"
    # Seen, but in a picture too poor to judge posture by: present, posture unknown.
    DIM = "dim"
    PAUSED = "paused"
    UNKNOWN = "unknown"


# The state of the timeline each stands for (the history's presence rows, the report).
ROW = {
    Where.SEEN: "present",
    Where.NOBODY: "present",
    Where.AWAY: "away",
    Where.ASLEEP: "asleep",
    Where.CALL: "call",
    Where.DIM: "unknown",
    Where.PAUSED: "paused",
    Where.UNKNOWN: "unknown",
}
# States in which posture is not known.
UNKNOWING = frozenset({Where.CALL, Where.DIM, Where.PAUSED, Where.UNKNOWN})
# States of an absence: away from the desk, one break however it is made up.
ABSENT = frozenset({Where.AWAY, Where.ASLEEP})
# States in which the sitting clock runs.
AT_DESK = frozenset({Where.SEEN, Where.NOBODY, Where.CALL, Where.DIM})
# What the camera says of the user, when it says something.
_SAID = {
    CameraSays.BUSY: Where.CALL,
    CameraSays.DIM: Where.DIM,
    CameraSays.PAUSED: Where.PAUSED,
    CameraSays.OFF: Where.UNKNOWN,
}
# Changes the shell knows the moment of; the others are placed halfway between two observations.
_EXACT = frozenset({CameraSays.PAUSED, CameraSays.LOCKED, CameraSays.ASLEEP})


def said(obs: Observation) -> Where:
    """What one observation says of the user."""
    if obs.camera == CameraSays.OK:
        return Where.SEEN if obs.features else Where.NOBODY
    if obs.camera == CameraSays.ASLEEP:
        return Where.ASLEEP
    if obs.camera == CameraSays.LOCKED:
        return Where.AWAY
    return _SAID[obs.camera]


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
    # None before the first observation.
    where: Where | None = None
    # The timeline's state now (``ROW``), and since when.
    row: str | None = None
    row_since: float | None = None
    away_since: float | None = None
    # When the present stretch with nobody in view began.
    nobody_since: float | None = None

    @property
    def away(self) -> bool:
        return self.away_since is not None

    def shift(self, offset: float) -> None:
        for name in ("row_since", "away_since", "nobody_since"):
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
    t, now, before = obs.t, said(obs), p.where
    # When this observation's state began, where nothing says otherwise.
    at = t if last is None or obs.camera in _EXACT else (last + t) / 2
    if obs.camera == CameraSays.ASLEEP:
        at = t - obs.slept if last is None else max(last, t - obs.slept)
    elif (
        last is not None
        and t - last > settings.presence.max_gap_seconds
        and before is not None
        and before not in ABSENT
        and before != Where.UNKNOWN
    ):
        # Nothing was heard for too long and nobody said why: unknown from the last observation.
        p.nobody_since = None
        _to(p, obs, Where.UNKNOWN, last, postures, events)
        before, at = Where.UNKNOWN, t
    if now == Where.SEEN:
        _back(p, obs, at, settings, changes, events)
        p.nobody_since = None
        _to(p, obs, Where.SEEN, at, postures, events)
    elif now == Where.NOBODY:
        postures.unseen()
        if p.away:
            _to(p, obs, Where.AWAY, at, postures, events)  # asleep, then nobody on waking: still away
        else:
            if p.nobody_since is None:
                p.nobody_since = at
            _to(p, obs, Where.NOBODY, at, postures, events)
            if t - p.nobody_since >= settings.presence.away_seconds:
                # Away from the first moment nobody was seen: the time since then was not at the desk either.
                at = p.nobody_since
                _away(p, obs, at, "nobody", postures, events)
                _to(p, obs, Where.AWAY, at, postures, events)
    elif now in ABSENT:
        p.nobody_since = None
        if not p.away:
            _away(p, obs, at, "asleep" if now == Where.ASLEEP else "locked", postures, events)
        _to(p, obs, now, at, postures, events)
    else:
        _back(p, obs, at, settings, changes, events)
        p.nobody_since = None
        _to(p, obs, now, at, postures, events)
    if last is not None and before is not None:
        # The time from the last observation to this one: the state before until the change, the one after since.
        # A change that took effect before the last observation (nobody in view, found to be away) takes back
        # what was counted for the state before since then.
        change = min(at, t)
        changes.sitting = (change - last) * (before in AT_DESK) + (t - change) * (p.where in AT_DESK)
    return changes


def _to(
    p: PresenceState, obs: Observation, where: Where, since: float, postures: Postures, events: list[Event]
) -> None:
    """Enter ``where`` from ``since``; a new state of the timeline is an event."""
    previous, p.where = p.where, where
    if where != previous and where in UNKNOWING:
        postures.unknown_from(since, obs, events)
    row = ROW[where]
    if row != p.row:
        p.row, p.row_since = row, since
        events.append(Presence(obs.t, obs.wall, row, since, obs.wall_at(since)))


def _away(
    p: PresenceState, obs: Observation, since: float, reason: str, postures: Postures, events: list[Event]
) -> None:
    postures.unknown_from(since, obs, events)
    p.away_since = since
    events.append(Away(obs.t, obs.wall, since, obs.wall_at(since), reason))


def _back(
    p: PresenceState, obs: Observation, at: float, settings: Settings, changes: Changes, events: list[Event]
) -> None:
    """The absence under way, if any, ended at ``at``: the user came back then (or knowledge ended)."""
    if p.away_since is None:
        return
    gone = max(at - p.away_since, 0.0)
    since = p.away_since
    p.away_since = None
    events.append(Back(obs.t, obs.wall, round(gone, 3), since, obs.wall_at(since)))
    changes.back_after = gone
    if gone >= settings.presence.away_seconds:
        events.append(Break(obs.t, obs.wall, round(gone, 3), since, obs.wall_at(since)))
        changes.took_break = True
