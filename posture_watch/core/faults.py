"""The faults: one registry entry each, and the rules that read them from one frame.

Each posture fault gets a score per frame: its deviation from the user's
baseline divided by its threshold, so 1.0 is the edge of the neutral band.
The threshold is the configured sensitivity, widened to the baseline's own
noise where that is larger. A fault already active is released only below
``release_fraction`` of its threshold (hysteresis).

A fault whose landmarks this frame does not show gets no reading at all:
unknown is neither good posture nor bad, and the engine neither votes nor
recovers load on it.

The registry is the one place a fault is defined: its name, rule, the
features it reads, the muscles it loads, its plain words and default hold.
The settings, the stretch catalogue's validation, the wording and the docs
all read it. ``static_posture`` (no movement for minutes) and ``sitting``
(no break for too long) are judged over time by the engine, so they have no
per-frame rule.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .baseline import Baseline
from .features import Features
from .settings import Settings

# A rule's own thresholds, from its ``[faults.NAME]`` table.
Params = Mapping[str, float]

# Shoulder-to-hip length in shoulder widths, to turn a sideways shift of the
# shoulders into a lean angle when the hips are out of view.
TORSO_WIDTHS = 1.5
# Without hips, the least share of a lean's angle (from the shoulders' sideways shift) that the
# shoulder line must tilt the same way for the shift to count as a lean.
LEAN_TILT = 0.5
# Fraction of a head tilt that MediaPipe's shoulder line follows (measured on
# tilted-head recordings: 8 degrees of shoulder line for 16 of head roll).
HEAD_PULL = 0.5
# Face growth beyond which a sinking head counts as coming forward, not slumping; as much
# shrinking, as going back (reclining, slumping), not forward.
FORWARD_GROWTH = 0.05
_OTHER = {"left": "right", "right": "left"}


@dataclass(frozen=True)
class Reading:
    """A fault's score for one frame (1.0 = edge of neutral) and the side it leans to.

    ``typical`` is how strongly the frame shows what only this fault shows, where that differs from
    the score: within a family, the member whose own sign is strongest names the posture.
    """

    score: float
    side: str | None = None
    typical: float | None = None

    @property
    def sign(self) -> float:
        return self.score if self.typical is None else self.typical


# The least frame-to-frame spread each feature is taken to have, in its own unit: a calibration of
# a few seconds or a few photos can happen to be steadier than the person ever is again.
SPREAD_FLOOR = {
    "head_roll": 1.5,
    "shoulder_tilt": 1.5,
    "trunk_lean": 1.5,
    "cva": 2.0,
    "trunk_flexion": 2.0,
    "head_pitch": 3.0,
    "head_yaw": 0.03,
    "head_height": 0.015,
    "neck_length": 0.01,
    "nose_lift": 0.015,
    "nose_rise": 0.03,
    "face_size": 0.004,
    "head_y": 0.01,
    "shoulder_x": 0.01,
}


class Deviation:
    """Feature minus neutral, with the threshold widened by the person's own noise."""

    def __init__(self, features: Features, baseline: Baseline, sigmas: float) -> None:
        self.features, self.baseline, self.sigmas = features, baseline, sigmas

    def has(self, *keys: str) -> bool:
        return all(k in self.features and k in self.baseline.median for k in keys)

    def delta(self, key: str) -> float:
        return self.features[key] - self.baseline.median[key]

    def growth(self, key: str) -> float:
        """Relative change against neutral: 0.1 is 10 % larger."""
        return self.features[key] / max(self.baseline.median[key], 1e-9) - 1

    def threshold(self, key: str, configured: float, relative: bool = False) -> float:
        """The configured sensitivity, or ``sigmas`` times the feature's spread where that is wider,
        plus how uncertain the neutral itself is (its median from only so many frames)."""
        spread = max(self.baseline.spread.get(key, 0.0), SPREAD_FLOOR.get(key, 0.0))
        noise = self.sigmas * spread
        unsure = 1.25 * spread / math.sqrt(max(self.baseline.frames, 1))  # standard error of a median
        if relative:
            scale = max(abs(self.baseline.median[key]), 1e-9)
            noise, unsure = noise / scale, unsure / scale
        return max(configured, noise) + unsure

    def lean(self) -> float:
        """Sideways trunk lean in degrees from neutral, positive to the right; 0 when not leaning."""
        if self.has("trunk_lean"):
            return self.delta("trunk_lean")
        if not self.has("shoulder_x", "shoulder_tilt", "scale"):
            return 0.0
        # Without hips: the trunk bending sideways about the hips shifts the shoulders sideways and
        # tilts their line by its angle. The shift gives the angle (the pose model follows it closely);
        # the tilt, which the model follows only in part (45-110 % of a 10-degree lean, measured on
        # real photos leaned about the hips), must show the same way by at least half as much, so
        # that the chair sliding or the user moving over is no lean.
        shift = self.delta("shoulder_x") / max(self.baseline.median["scale"], 1e-9)
        angle = math.degrees(math.atan(shift / TORSO_WIDTHS))
        tilt = self.delta("shoulder_tilt")
        return angle if angle * tilt > 0 and abs(tilt) >= LEAN_TILT * abs(angle) else 0.0


Rule = Callable[[Deviation, Params], "Reading | None"]


def _side(value: float) -> str:
    return "right" if value > 0 else "left"


def _recline(d: Deviation) -> float:
    """Side view: degrees the trunk leans back from neutral beyond its own noise; 0 without the hips in view.

    Without the hips the trunk's angle is not seen, and nothing is taken off the neck's.
    """
    if not d.has("trunk_flexion"):
        return 0.0
    return max(0.0, -d.delta("trunk_flexion") - d.threshold("trunk_flexion", 0.0))


def _forward_head(d: Deviation, c: Params) -> Reading | None:
    if d.baseline.view == "side":
        if not d.has("cva"):
            return None
        # The neck tilting forward (the ear-to-shoulder line lower against the horizontal) beyond what
        # a reclined trunk explains. Leaning back, a user who keeps looking at the screen bends the
        # neck forward against the trunk by about the recline, and the head stays over the trunk:
        # that is no forward head. The part of the tilt the recline explains is sliding down (slouch).
        tilt = -d.delta("cva") - _recline(d)
        return Reading(tilt / d.threshold("cva", c["cva_drop_degrees"]))
    if not d.has("head_height"):
        return None
    # Every feature that moves with a forward head, each against its own threshold and noise:
    # the head's height above the shoulders and the neck's length shrink, the head sinks in the
    # picture and the face grows. Their combined length decides, so a moderate forward head that
    # moves each a little is caught, and one feature alone counts as it would on its own.
    drops = [-d.growth("head_height") / d.threshold("head_height", c["head_drop"], relative=True)]
    if d.has("neck_length"):
        drops.append(-d.growth("neck_length") / d.threshold("neck_length", c["head_drop"], relative=True))
    parts = list(drops)
    # A head lower in the picture while the face gets smaller is the trunk going back or sinking
    # (leaning back, slumping in the chair), not the head coming forward: only its drop toward the
    # shoulders counts then. Seen from the front that is all that tells a recline from a forward head.
    receding = d.has("face_size") and d.growth("face_size") < -FORWARD_GROWTH
    if d.has("head_y") and not receding:
        parts.append(d.delta("head_y") / d.threshold("head_y", c["head_sink"]))
    if d.has("face_size"):
        parts.append(d.growth("face_size") / d.threshold("face_size", c["face_growth"], relative=True))
    # What only a forward head shows is the head coming down toward the shoulders.
    return Reading(math.sqrt(sum(max(p, 0.0) ** 2 for p in parts)), typical=max(drops))


def _slouch(d: Deviation, c: Params) -> Reading | None:
    if d.baseline.view == "side":
        if not d.has("trunk_flexion"):
            return None
        forward = d.delta("trunk_flexion") / d.threshold("trunk_flexion", c["trunk_flexion_degrees"])
        if not d.has("cva"):
            return Reading(forward)
        # Slid down in the chair: the trunk reclined and the head pushed forward on it, the neck
        # tilting forward against the horizontal by up to the recline (beyond it, a forward head).
        slid = min(max(-d.delta("cva"), 0.0), _recline(d)) / d.threshold("cva", c["slide_degrees"])
        return Reading(max(forward, slid))
    if not d.has("head_y", "face_size"):
        return None
    # Slumping lowers the head in the picture and takes it back or keeps its
    # distance; a head that sinks while the face grows is coming forward
    # instead (forward head, too close).
    if d.growth("face_size") > FORWARD_GROWTH:
        return Reading(0.0)
    return Reading(d.delta("head_y") / d.threshold("head_y", c["head_sink"]))


def _head_tilt(d: Deviation, c: Params) -> Reading | None:
    if not d.has("head_roll"):
        return None
    # Relative to the trunk: leaning the whole body sideways is not a neck tilt.
    roll = d.delta("head_roll") - d.lean()
    return Reading(abs(roll) / d.threshold("head_roll", c["degrees"]), _side(roll))


def _head_turn(d: Deviation, c: Params) -> Reading | None:
    if not d.has("head_yaw"):
        return None
    yaw = d.delta("head_yaw")
    return Reading(abs(yaw) / d.threshold("head_yaw", c["offset"]), _side(yaw))


def _uneven_shoulders(d: Deviation, c: Params) -> Reading | None:
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


def _trunk_lean(d: Deviation, c: Params) -> Reading | None:
    if not d.has("shoulder_tilt") and not d.has("trunk_lean"):
        return None
    lean = d.lean()
    key = "trunk_lean" if d.has("trunk_lean") else "shoulder_tilt"
    return Reading(abs(lean) / d.threshold(key, c["degrees"]), _side(lean))


def _head_back(d: Deviation, c: Params) -> Reading | None:
    if d.baseline.view == "side":
        if not d.has("head_pitch"):
            return None
        return Reading(d.delta("head_pitch") / d.threshold("head_pitch", c["pitch_degrees"]))
    if not d.has("nose_rise"):
        return None
    return Reading(d.delta("nose_rise") / d.threshold("nose_rise", c["rise"]))


def _too_close(d: Deviation, c: Params) -> Reading | None:
    if not d.has("face_size"):
        return None
    return Reading(d.growth("face_size") / d.threshold("face_size", c["face_growth"], relative=True))


@dataclass(frozen=True)
class Setup:
    """What at the desk probably keeps a posture coming back, and what to change: the report's likely cause.

    ``cause`` and ``fix`` may name ``{side}``. ``one_sided`` says the evidence
    is one side dominating: a screen off to one side turns the head that way,
    while turning both ways in turn is just looking around.
    """

    cause: str
    fix: str
    one_sided: bool = False


@dataclass(frozen=True)
class Fault:
    """One thing a reminder can be about.

    ``words`` name the posture; ``{side}`` / ``{Side}`` are filled with the
    side it leans, tilts, turns or rises toward. ``muscles`` are the muscle
    keys loaded on that side, on the opposite side, and on both sides.
    """

    name: str
    words: str
    hold_seconds: int
    muscles: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]
    reads: tuple[str, ...] = ()
    rule: Rule | None = None
    meaning: str = ""
    # Faults of one family are one decision: the same posture is one episode under one name.
    family: str | None = None
    # A question for the reminder, where the cause is usually the desk rather than the person.
    tip: str = ""
    # The setup that probably causes it when it is held for much of the day, and its fix.
    setup: Setup | None = None

    @property
    def sided(self) -> bool:
        return "{" in self.words


REGISTRY: dict[str, Fault] = {
    f.name: f
    for f in (
        Fault(
            "forward_head",
            "Head forward",
            300,
            ((), (), ("suboccipitals", "upper_trapezius", "sternocleidomastoid", "cervical_extensors")),
            ("head_height", "cva", "trunk_flexion"),
            _forward_head,
            "head sinking toward the shoulders and coming forward",
            family="head",
            setup=Setup(
                "The screen may be too low or too far away, as a laptop without a stand usually is, so the head "
                "comes forward and down to read it.",
                "Raise the screen until its top line is at or a little below eye level, about an arm's length "
                "away; on a laptop, use a stand with a separate keyboard and mouse.",
            ),
        ),
        Fault(
            "slouch",
            "Slouching",
            240,
            ((), (), ("pectoralis_minor", "pectoralis_major", "thoracic_erectors", "upper_trapezius")),
            ("head_y", "face_size", "trunk_flexion", "cva"),
            _slouch,
            "sinking into the chair (head lower in the picture without coming closer)",
            family="head",
        ),
        Fault(
            "head_back",
            "Head tilted back",
            120,
            ((), (), ("suboccipitals", "upper_trapezius", "cervical_extensors")),
            ("nose_rise", "head_pitch"),
            _head_back,
            "head tilted back to look up (a screen set too high, bifocals)",
            family="head",
            tip="Is your screen too high?",
            setup=Setup(
                "The screen may be set too high, or bifocals make you tip the head back to read through their "
                "lower part.",
                "Lower the screen until its top line is at or a little below eye level; with bifocals or "
                "varifocals, lower it further or ask your optician about glasses for screen work.",
            ),
        ),
        # Tilting toward a side shortens that side's side-flexors and holds the
        # opposite levator scapulae on stretch.
        Fault(
            "head_tilt",
            "Head tilted to the {side}",
            300,
            (("scalenes", "upper_trapezius", "sternocleidomastoid"), ("levator_scapulae",), ()),
            ("head_roll",),
            _head_tilt,
            "head tilted toward one shoulder",
        ),
        # Turning toward a side uses that side's levator scapulae and the opposite SCM.
        Fault(
            "head_turn",
            "Head turned to the {side}",
            600,
            (("levator_scapulae",), ("sternocleidomastoid",), ()),
            ("head_yaw",),
            _head_turn,
            "head turned to one side (screen off to the side)",
            setup=Setup(
                "The screen, or a document you read from, may be off to your {side}.",
                "Put the screen you use most straight in front of you (with two screens, the main one); a "
                "document holder between the keyboard and the screen keeps papers in front too.",
                one_sided=True,
            ),
        ),
        Fault(
            "uneven_shoulders",
            "{Side} shoulder raised",
            600,
            (("upper_trapezius", "levator_scapulae"), (), ()),
            ("shoulder_tilt", "head_roll", "trunk_lean", "shoulder_x"),
            _uneven_shoulders,
            "one shoulder raised",
            setup=Setup(
                "Something may hold your {side} shoulder up: an armrest or desk too high on that side, a mouse "
                "out of reach, or a phone held between ear and shoulder.",
                "Set the armrests (or the desk) so both shoulders hang relaxed, keep the mouse close beside the "
                "keyboard, and use a headset or the speaker for calls.",
                one_sided=True,
            ),
        ),
        Fault(
            "trunk_lean",
            "Leaning to the {side}",
            600,
            (("quadratus_lumborum",), (), ("lumbar_erectors",)),
            ("trunk_lean", "shoulder_tilt", "shoulder_x"),
            _trunk_lean,
            "leaning to one side (an armrest, a baby on one hip)",
            setup=Setup(
                "Something may draw you to your {side}: an armrest you lean on, a mouse far out on that side, or "
                "a phone held on the shoulder.",
                "Bring the mouse close beside the keyboard, set both armrests to the same height, and sit back "
                "with your weight on both sides.",
                one_sided=True,
            ),
        ),
        Fault(
            "too_close",
            "Close to the screen",
            600,
            ((), (), ("eye_muscles", "suboccipitals", "upper_trapezius")),
            ("face_size",),
            _too_close,
            "face close to the screen",
            family="head",
            setup=Setup(
                "The text may be too small or the screen too far away, so you lean in to read.",
                "Make the text larger (Ctrl and +) or bring the screen to about an arm's length; if reading has "
                "become harder, have your eyes checked.",
            ),
        ),
        Fault(
            "static_posture",
            "Still in one position",
            60,
            ((), (), ("upper_trapezius", "cervical_extensors", "lumbar_erectors")),
            ("head_x", "head_y", "shoulder_x", "shoulder_y"),
            meaning="no meaningful movement for [breaks] static_minutes, even sitting well",
            setup=Setup(
                "You often keep still for long stretches: muscles that hold one position tire, even in a good "
                "posture.",
                "Change position often: every 20 to 30 minutes, stand, roll the shoulders or walk for a minute, "
                "and look into the distance for 20 seconds.",
            ),
        ),
        Fault(
            "sitting",
            "Sitting without a break",
            1800,
            ((), (), ("hip_flexors", "gluteals", "lumbar_erectors")),
            meaning="present for [breaks] sitting_minutes without time away",
        ),
    )
}
# Faults with a per-frame rule, in the order they are checked.
POSTURE_FAULTS = tuple(name for name, f in REGISTRY.items() if f.rule is not None)
def _units() -> dict[str, tuple[str, ...]]:
    units: dict[str, list[str]] = {}
    for name in POSTURE_FAULTS:
        units.setdefault(REGISTRY[name].family or name, []).append(name)
    return {unit: tuple(members) for unit, members in units.items()}


# Decision units: a family of faults decided together, or a fault on its own.
UNITS = _units()
# Faults with a [faults.NAME] table in the settings (sitting is set in [breaks]).
CONFIGURED = tuple(name for name in REGISTRY if name != "sitting")


def read(features: Features, baseline: Baseline, settings: Settings) -> dict[str, Reading]:
    """Readings of the enabled posture faults this frame can measure; the others are unknown."""
    d = Deviation(features, baseline, settings.noise_sigmas)
    readings = {}
    for name in POSTURE_FAULTS:
        fault = settings.faults[name]
        rule = REGISTRY[name].rule
        if fault.enabled and rule is not None:
            reading = rule(d, fault.params)
            if reading is not None and math.isfinite(reading.score):
                readings[name] = reading
    return readings


def decide(
    readings: dict[str, Reading], members: tuple[str, ...], current: str | None = None
) -> tuple[Reading, str | None] | None:
    """A unit's reading (its strongest member's) and the member that names it, or None when it is unknown.

    The name is the member over its threshold whose own sign is strongest; None when none is over.
    While ``current`` (the member naming an active episode, or the one a vote under way is about)
    cannot be read, another member speaks for the unit only when it is over: one that is merely under
    says nothing about the posture under way.
    """
    known = [m for m in members if m in readings]
    if current is not None and current not in readings:
        known = [m for m in known if readings[m].score >= 1.0]
    if not known:
        return None
    strongest = max(known, key=lambda m: readings[m].score)
    over = [m for m in known if readings[m].score >= 1.0]
    named = max(over, key=lambda m: readings[m].sign) if over else None
    return readings[strongest], named


def over(reading: Reading, was_active: bool, release_fraction: float) -> bool:
    """Whether a reading counts as the fault present, with hysteresis."""
    return reading.score >= (release_fraction if was_active else 1.0)


def muscles_for(fault: str, side: str | None) -> tuple[str, ...]:
    """Muscle keys a fault loads, prefixed ``left_``/``right_`` where the side is known.

    With an unknown side, sided muscles are listed without a side.
    """
    same, opposite, both = REGISTRY[fault].muscles
    if side is None:
        return tuple(dict.fromkeys([*same, *opposite, *both]))
    other = _OTHER[side]
    return (*(f"{side}_{m}" for m in same), *(f"{other}_{m}" for m in opposite), *both)


def words(fault: str, side: str | None) -> str:
    """Plain words for a posture: ``"Head tilted to the left"``."""
    text = REGISTRY[fault].words
    if "{" not in text:
        return text
    if side is None:
        return text.replace(" to the {side}", " to one side").replace("{Side} shoulder", "One shoulder")
    return text.format(side=side, Side=side.capitalize())
