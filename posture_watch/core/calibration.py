"""Calibration: the user's neutral taken from the first seconds they are seen sitting well.

It waits for the user: seconds in which nobody is in view do not count, and
when too few frames saw them it says so once (``CalibrationWaiting``) and
starts again when they are back. Time the camera could not look (none there,
a call, a pause, a locked screen) is not time spent waiting for the user: the
user cannot sit in view of a camera that is not watching.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .baseline import Baseline
from .events import Calibrated, CalibrationWaiting, Event
from .features import Features
from .observation import CameraSays, Observation

# What the camera says when it looked at the user's place.
LOOKED = (CameraSays.OK, CameraSays.DIM)


@dataclass
class Calibration:
    """A calibration under way: how long it needs, and what it has gathered."""

    seconds: float
    start: float | None = None
    asked: float | None = None
    samples: list[tuple[str | None, Features]] = field(default_factory=list)
    waiting: bool = False

    def shift(self, offset: float) -> None:
        if self.start is not None:
            self.start += offset
        if self.asked is not None:
            self.asked += offset


def step(cal: Calibration, obs: Observation, seen: bool, events: list[Event]) -> Baseline | None:
    """Gather one observation; the new baseline once ``seconds`` of the user have been seen."""
    t = obs.t
    if cal.start is not None and t - cal.start >= cal.seconds:
        baseline = Baseline.from_samples(cal.samples)
        if baseline is not None:
            events.append(Calibrated(t, obs.wall, baseline.view, baseline.frames, dict(baseline.median)))
            return baseline
        # The user was in view too little of the time: start again when they are.
        _waits(cal, obs, events)
        cal.start = None
    if obs.camera not in LOOKED:
        if cal.start is None:
            cal.asked = None  # the wait for the user begins when the camera looks
        return None
    if cal.asked is None:
        cal.asked = t
    if not seen:
        if cal.start is None and t - cal.asked >= cal.seconds:
            _waits(cal, obs, events)
        return None
    if cal.start is None:
        cal.start = t
    cal.samples.append((obs.view, obs.features))
    return None


def _waits(cal: Calibration, obs: Observation, events: list[Event]) -> None:
    """Say once that calibration waits for the user to sit in view."""
    if not cal.waiting:
        cal.waiting = True
        events.append(CalibrationWaiting(obs.t, obs.wall, len(cal.samples)))
    cal.samples = []
