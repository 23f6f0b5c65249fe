"""Profiles: a neutral per setup of one camera (a desk, a laptop, standing), and which one the picture matches.

One camera sees the user from different places in a day: the laptop on the desk or on the knees, the
desk raised to standing. Each setup keeps its own neutral under a name. When the picture stops matching
the neutral in use and matches another profile's well, most frames of the last ``[detection]
majority_seconds`` agreeing, that profile is taken: sitting down at the other setup switches to it
within seconds. The standing profile also means standing: the sitting clock stands still.

A match is judged from where the user's picture sits in the frame and how large it is
(``framing.distance``), which a posture changes far less than a change of setup does.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from .baseline import Baseline
from .framing import MIN_LOOKS, distance
from .observation import Observation
from .settings import Settings

# The profile used when none is named, and the one that means standing.
DEFAULT = "desk"
STANDING = "standing"
# Another profile fits when the picture is within this distance of its neutral (shoulder widths: a forward head
# or a lean moves the shoulders and nose 0.1-0.25), and the one in use is at least this much further.
FITS = 0.35
MARGIN = 0.3


class _Look(NamedTuple):
    t: float
    # The profile this frame fits better than the one in use, if any.
    better: str | None


@dataclass
class Matching:
    """The last seconds' verdicts on which profile the picture fits."""

    window: deque[_Look] = field(default_factory=deque)

    def shift(self, offset: float) -> None:
        self.window = deque(look._replace(t=look.t + offset) for look in self.window)


def better(obs: Observation, current: str, stored: Mapping[str, Baseline]) -> str | None:
    """The profile this frame fits well while the one in use does not, or None."""
    found = {name: distance(obs.features, obs.view, baseline) for name, baseline in stored.items()}
    near = {name: d for name, d in found.items() if d is not None}
    if not near:
        return None
    best = min(near, key=lambda name: near[name])
    in_use = near.get(current)
    if best == current or near[best] > FITS or (in_use is not None and in_use < near[best] + MARGIN):
        return None
    return best


def pick(
    matching: Matching, obs: Observation, current: str, stored: Mapping[str, Baseline], settings: Settings
) -> str | None:
    """The profile to switch to now: the one most frames of the last seconds fit instead of ``current``; or None."""
    if len(stored) < 2:
        return None
    matching.window.append(_Look(obs.t, better(obs, current, stored)))
    while len(matching.window) > MIN_LOOKS and matching.window[0].t < obs.t - settings.detection.majority_seconds:
        matching.window.popleft()
    looks = [look.better for look in matching.window]
    if len(looks) < MIN_LOOKS:
        return None
    choice = max(set(looks), key=looks.count)
    return choice if choice is not None and 2 * looks.count(choice) > len(looks) else None
