"""Which posture faults one frame shows, measured against the user's neutral.

Each fault gets a score: its deviation from the baseline divided by its
threshold, so 1.0 is the edge of the neutral band. The threshold is the
configured sensitivity, widened to the baseline's own noise where that is
larger. A fault already active is released only below ``release_fraction``
of its threshold (hysteresis). A fault whose landmarks are not visible gets
no score: missing data never raises a fault.

``static_posture`` is about movement over time and lives in the engine.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .calibration import Baseline
from .config import Config
from .features import Features

# Shoulder-to-hip length in shoulder widths, to turn a sideways shift of the
# shoulders into a lean angle when the hips are out of view.
TORSO_WIDTHS = 1.5
# Fraction of a head tilt that MediaPipe's shoulder line follows (measured on
# tilted-head recordings: 8 degrees of shoulder line for 16 of head roll).
HEAD_PULL = 0.5
# Face growth beyond which a sinking head counts as coming forward, not slumping.
FORWARD_GROWTH = 0.05


@dataclass(frozen=True)
class Reading:
    """A fault's score for one frame (1.0 = edge of neutral) and the side it leans to."""

    score: float
    side: str | None = None


class _Deviation:
    """Feature minus neutral, with the noise-widened threshold."""

    def __init__(self, features: Features, baseline: Baseline, sigmas: float) -> None:
        self.features, self.baseline, self.sigmas = features, baseline, sigmas

    def has(self, *keys: str) -> bool:
        return all(k in self.features and k in self.baseline.median for k in keys)

    def delta(self, key: str) -> float:
        return self.features[key] - self.baseline.median[key]

    def threshold(self, key: str, configured: float, relative: bool = False) -> float:
        noise = self.sigmas * self.baseline.spread.get(key, 0.0)
        if relative:
            noise /= max(abs(self.baseline.median[key]), 1e-9)
        return max(configured, noise)

    def lean(self) -> float:
        """Sideways trunk lean in degrees from neutral, positive to the right; 0 when not leaning."""
        if self.has("trunk_lean"):
            return self.delta("trunk_lean")
        if not self.has("shoulder_x", "shoulder_tilt", "scale"):
            return 0.0
        # Without hips: a sideways shift of the shoulders counts as a lean only
        # when the shoulder line tilts the same way, as it does when the trunk
        # bends, and not when the chair slides.
        shift = self.delta("shoulder_x") / max(self.baseline.median["scale"], 1e-9)
        angle = math.degrees(math.atan(shift / TORSO_WIDTHS))
        tilt = self.delta("shoulder_tilt")
        return angle if angle * tilt > 0 and abs(tilt) >= 0.3 * abs(angle) else 0.0


def _side(value: float) -> str:
    return "right" if value > 0 else "left"


def _forward_head(d: _Deviation, c: Config) -> Reading | None:
    if d.baseline.view == "side":
        if not d.has("cva"):
            return None
        return Reading(-d.delta("cva") / d.threshold("cva", c["cva_drop_degrees"]))
    if not d.has("head_height"):
        return None
    drop = -d.delta("head_height") / max(abs(d.baseline.median["head_height"]), 1e-9)
    return Reading(drop / d.threshold("head_height", c["head_drop"], relative=True))


def _slouch(d: _Deviation, c: Config) -> Reading | None:
    if d.baseline.view == "side":
        if not d.has("trunk_flexion"):
            return None
        return Reading(d.delta("trunk_flexion") / d.threshold("trunk_flexion", c["trunk_flexion_degrees"]))
    if not d.has("head_y", "face_size"):
        return None
    # Slumping lowers the head in the picture and takes it back or keeps its
    # distance; a head that sinks while the face grows is coming forward
    # instead (forward head, too close).
    growth = d.features["face_size"] / max(d.baseline.median["face_size"], 1e-9) - 1
    if growth > FORWARD_GROWTH:
        return Reading(0.0)
    return Reading(d.delta("head_y") / d.threshold("head_y", c["head_sink"]))


def _head_tilt(d: _Deviation, c: Config) -> Reading | None:
    if not d.has("head_roll"):
        return None
    # Relative to the trunk: leaning the whole body sideways is not a neck tilt.
    roll = d.delta("head_roll") - d.lean()
    return Reading(abs(roll) / d.threshold("head_roll", c["degrees"]), _side(roll))


def _head_turn(d: _Deviation, c: Config) -> Reading | None:
    if not d.has("head_yaw"):
        return None
    yaw = d.delta("head_yaw")
    return Reading(abs(yaw) / d.threshold("head_yaw", c["offset"]), _side(yaw))


def _uneven_shoulders(d: _Deviation, c: Config) -> Reading | None:
    if not d.has("shoulder_tilt"):
        return None
    lean = d.lean()
    tilt = d.delta("shoulder_tilt") - lean
    if d.has("head_roll"):
        # The model's shoulder estimate follows a head tilt by about half its
        # angle; that part is the head, not a raised shoulder.
        tilt -= HEAD_PULL * (d.delta("head_roll") - lean)
    # Positive tilt: the right shoulder is lower, so the left one is raised.
    return Reading(abs(tilt) / d.threshold("shoulder_tilt", c["degrees"]), "left" if tilt > 0 else "right")


def _trunk_lean(d: _Deviation, c: Config) -> Reading | None:
    if not d.has("shoulder_tilt") and not d.has("trunk_lean"):
        return None
    lean = d.lean()
    key = "trunk_lean" if d.has("trunk_lean") else "shoulder_tilt"
    return Reading(abs(lean) / d.threshold(key, c["degrees"]), _side(lean))


def _too_close(d: _Deviation, c: Config) -> Reading | None:
    if not d.has("face_size"):
        return None
    growth = d.features["face_size"] / max(d.baseline.median["face_size"], 1e-9) - 1
    return Reading(growth / d.threshold("face_size", c["face_growth"], relative=True))


_RULES: dict[str, Callable[[_Deviation, Config], Reading | None]] = {
    "forward_head": _forward_head,
    "slouch": _slouch,
    "head_tilt": _head_tilt,
    "head_turn": _head_turn,
    "uneven_shoulders": _uneven_shoulders,
    "trunk_lean": _trunk_lean,
    "too_close": _too_close,
}
POSTURE_FAULTS = tuple(_RULES)


def read(features: Features, baseline: Baseline, config: Config) -> dict[str, Reading]:
    """Scores of the enabled posture faults this frame allows measuring."""
    d = _Deviation(features, baseline, config["calibration"]["noise_sigmas"])
    readings = {}
    for name, rule in _RULES.items():
        settings = config["faults"][name]
        if settings["enabled"]:
            reading = rule(d, settings)
            if reading is not None and math.isfinite(reading.score):
                readings[name] = reading
    return readings


def over(reading: Reading, was_active: bool, release_fraction: float) -> bool:
    """Whether a reading counts as the fault present, with hysteresis."""
    return reading.score >= (release_fraction if was_active else 1.0)
