"""``static_posture``: head and shoulders have not moved meaningfully for ``[breaks] static_minutes``.

Judged over minutes rather than per frame, so its verdict needs no majority
vote: it goes straight into its track (``core.tracks``), whose load then
builds toward the fault's hold as any other.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, field

from . import movement
from .events import Event
from .observation import Observation
from .settings import Settings
from .tracks import Track, Vote, end, observe

NAME = "static_posture"
# Frames whose median position is compared, so one jittery frame is not a movement.
MOTION_FRAMES = 5


@dataclass
class Stillness:
    """Where the user was when they last moved, and since when they have not."""

    since: float | None = None
    reference: dict[str, float] = field(default_factory=dict)
    recent: deque[dict[str, float]] = field(default_factory=lambda: deque(maxlen=MOTION_FRAMES))

    def forget(self) -> None:
        """Posture is unknown from here: stillness starts again from the next sighting."""
        self.since, self.reference = None, {}
        self.recent.clear()

    def shift(self, offset: float) -> None:
        if self.since is not None:
            self.since += offset

    def held(self, track: Track, t: float) -> float:
        """What a reminder says was held: the whole time without moving, not only the load's minute."""
        return t - self.since if self.since is not None else t - track.held_since


def update(
    still: Stillness, tracks: dict[str, Track], obs: Observation, settings: Settings, events: list[Event]
) -> None:
    """Judge one frame of the user: still for long enough, or moved."""
    track = tracks.setdefault(NAME, Track(fault=NAME))
    if not settings.faults[NAME].enabled:
        if track.active:
            end(track, obs, obs.t, events)
        tracks[NAME] = Track(fault=NAME)
        return
    still.recent.append(movement.body_position(obs.features))
    position = {
        k: statistics.median(p[k] for p in still.recent if k in p)
        for k in movement.POSITIONS
        if any(k in p for p in still.recent)
    }
    moved = movement.distance(still.reference, position) > settings.breaks.static_motion
    if still.since is None or moved or not still.reference:
        still.since, still.reference = obs.t, position
    over = obs.t - still.since >= settings.breaks.static_minutes * 60
    observe(track, obs, Vote(obs.t, over, None, NAME), settings, events, voting=False)
