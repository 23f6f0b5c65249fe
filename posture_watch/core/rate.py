"""Adaptive analysis rate: run the pose model rarely while nothing changes.

Pure: from the engine's status and the latest features it returns the next
rate. Full rate while a fault is active or being voted on, or the posture
moves; it then steps down toward ``min_fps`` while the posture stays steady,
and drops to ``away_fps`` while nobody is in view. Alert timing stays close
to fixed-rate sampling because anything near a fault runs at the full rate.
"""

from __future__ import annotations

from . import movement
from .engine import Status
from .features import Features
from .settings import Settings

# Movement between two analysed frames that counts as a change: in body units
# for positions (shoulder widths), degrees for angles.
MOVE_POSITION = 0.08
MOVE_DEGREES = 4.0
_ANGLES = ("head_roll", "shoulder_tilt", "cva", "trunk_flexion", "trunk_lean")
# Each steady frame multiplies the interval by this much.
SLOW_DOWN = 1.5


def moved(before: Features, after: Features) -> bool:
    """Whether the posture changed meaningfully between two analysed frames."""
    if movement.distance(movement.body_position(before), movement.body_position(after)) > MOVE_POSITION:
        return True
    return any(k in before and k in after and abs(after[k] - before[k]) > MOVE_DEGREES for k in _ANGLES)


def next_rate(status: Status, previous: Features, features: Features, rate: float, settings: Settings) -> float:
    """The analysis rate (frames per second) to use after this frame."""
    sampling = settings.sampling
    top = sampling.fps
    if not sampling.adaptive:
        return top
    if not features:
        # Nobody seen: look often enough to notice the return and to time the break.
        return min(top, sampling.away_fps) if status.away else top
    if status.deciding or not previous or moved(previous, features):
        return top
    return max(min(sampling.min_fps, top), rate / SLOW_DOWN)
