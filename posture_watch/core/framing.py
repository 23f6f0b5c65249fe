"""The framing: whether the whole picture of the user moved, as a camera turned, pushed back or shifted moves it.

Most readings depend on where the user's picture sits in the camera's frame: the head's height in the
picture, the shoulder line's angle, the face's size. A camera moved (a monitor arm swung, a webcam knocked
askew, a laptop pushed back) moves all of them at once, and every reading against the old neutral is off.
From the front, this module tells such a change from a posture by three things at once:

- the shoulders' picture is the neutral's shifted, turned and scaled (``Change``);
- the head moved with them: its place, its roll and its size follow the shoulders', so the head-to-shoulder
  geometry is the neutral's (``Change.whole``), which no posture of the head keeps;
- and the change is one a body does not make (``Change.camera``): the whole person larger or smaller
  without the face changing size more than the shoulders (leaning in or back takes the head further than
  the shoulders) and without the shoulders going lower (sliding down in the chair makes the picture smaller
  and lower), the shoulder line turned without the sideways shift a lean about the hips gives, or a
  sideways shift without the tilt a lean gives.

A picture moved only down or up, or smaller and lower, is never taken for the camera: from the front,
sinking into the chair and sitting up do exactly that. From the side the posture is itself an angle against
the picture's horizontal, so a camera turned there cannot be told from it; the side view is not judged here.

While most frames of the last ``[detection] majority_seconds`` show such a change, the camera is taken to
have moved: the readings that depend on the picture (``PICTURE``) are unknown, and the posture is judged
by the person's own proportions alone (the head's height over the shoulders, the neck's length, the nose
over the ears, the head's turn), so a forward head that develops meanwhile is still one. Once that has
lasted ``[calibration] moved_seconds`` of seen time, ``CameraMoved`` is said, once for each neutral.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import NamedTuple

from .baseline import Baseline
from .events import CameraMoved, Event
from .features import Features
from .observation import Observation
from .settings import Settings

# Features that depend on where the user's picture sits in the frame: unknown while the camera has moved.
PICTURE = frozenset(
    {"head_x", "head_y", "shoulder_x", "shoulder_y", "scale", "face_size", "shoulder_tilt", "head_roll", "trunk_lean"}
)
# What a change of the picture needs: the shoulders' and the nose's place, the shoulders' width and tilt.
NEEDS = ("shoulder_x", "shoulder_y", "scale", "shoulder_tilt", "head_x", "head_y", "aspect")
# The hips, about which a lean turns the trunk, are this many shoulder widths below the shoulders' middle.
TORSO = (1.3, 1.6)
# The pose model's shoulder line shows this share of a lean's angle (45-110 %, measured on real photos
# leaned about the hips; see faults.LEAN_TILT).
FOLLOW = (0.45, 1.1)
# Frame-to-frame noise of the shoulder line's angle (degrees) and of a place (shoulder widths).
TILT_NOISE = 1.5
PLACE_NOISE = 0.05
# A change a camera makes: the whole person this much larger or smaller (log of the size ratio, about 10 %),
SIZE_MIN = 0.1
# ... with the shoulders no more than this many shoulder widths lower (sliding down in the chair makes the picture
# smaller and lower: 0.3 and more),
SINK_MAX = 0.1
# ... or the shoulder line this many degrees turned with no lean's sideways shift (the lite model reads a
# picture turned 8 degrees as 3-7.5; 5 degrees as 0-5, which is not told from its noise),
TURN_MIN = 2.5
# ... or a sideways shift, in shoulder widths, this much beyond any lean's with that tilt.
SHIFT_MIN = 0.3
# The head moved with the shoulders: its roll as theirs within this many degrees (the model's head roll
# varies by up to 5 between frames of a still user; a head tilt of 16 moves it 16 and the shoulder line 8),
# its nose where theirs put it within this many shoulder widths (a forward head lowers it by 0.1 or more),
# and, where the size changed, the face's as the shoulders' within this share (log ratio; leaning back
# 10 degrees makes the face about 6 % smaller than the shoulders, a camera pushed back 0-3 %).
ROLL_KEPT = 5.0
HEAD_KEPT = 0.1
FACE_KEPT = 0.06


@dataclass(frozen=True)
class Change:
    """How the picture of the user moved from the neutral's, from the front.

    ``across`` and ``down`` are the shoulders' middle's shift in the neutral's shoulder widths (across
    growing toward the user's right, down growing down), ``size`` the log of the shoulders' width against
    the neutral's, ``turn`` the degrees the shoulder line turned (positive with the right shoulder going
    lower). ``head_off`` is how far (in shoulder widths) the nose is from where the shoulders' change puts
    the neutral's nose, ``roll_off`` the head's roll beyond the shoulders' turn and ``face_off`` the face's
    size change beyond the shoulders' (log); None where the frame does not show them.
    """

    across: float
    down: float
    size: float
    turn: float
    head_off: float
    roll_off: float | None
    face_off: float | None

    @property
    def whole(self) -> bool:
        """The head moved with the shoulders: the head-to-shoulder geometry is the neutral's."""
        if self.roll_off is None or self.face_off is None:
            return False
        # The face's size against the shoulders' tells only a change of size: a camera nearer or further keeps it,
        # leaning in or back does not. (Turned, the lite model reads the face up to 12 % smaller.)
        face_kept = abs(self.size) < SIZE_MIN or abs(self.face_off) <= FACE_KEPT
        return self.head_off <= HEAD_KEPT and abs(self.roll_off) <= ROLL_KEPT and face_kept

    @property
    def unexplained(self) -> float:
        """The sideways shift (shoulder widths) that no lean about the hips with this tilt of the shoulders gives."""
        low, high = _lean_shifts(self.turn)
        return max(0.0, low - self.across, self.across - high) - PLACE_NOISE

    def camera(self, closest: float) -> bool:
        """Whether the shoulders' change is one only a camera makes (the head not considered).

        ``closest`` is the face's growth that counts as too close: a face that much larger is too close to the
        camera, whatever moved.
        """
        grown = self.size + (self.face_off or 0.0)
        # Larger or smaller with the shoulders lower is sinking into the chair or leaning in, not a camera.
        scaled = abs(self.size) >= SIZE_MIN and math.expm1(grown) < closest and self.down <= SINK_MAX
        turned = abs(self.turn) >= TURN_MIN and self.unexplained > 0.0
        return scaled or turned or self.unexplained >= SHIFT_MIN


def _lean_shifts(turn: float) -> tuple[float, float]:
    """The sideways shifts of the shoulders (shoulder widths, low to high) that a lean showing ``turn`` degrees gives.

    Leaning toward the user's right moves the shoulders right and lowers the right one: shift and tilt have
    the same sign, the shift the sine of the lean times the torso, the tilt a share of the lean (``FOLLOW``).
    """
    widest = math.sin(math.radians(min((abs(turn) + TILT_NOISE) / FOLLOW[0], 90.0))) * TORSO[1]
    if abs(turn) <= TILT_NOISE:
        return -widest, widest
    least = math.sin(math.radians((abs(turn) - TILT_NOISE) / FOLLOW[1])) * TORSO[0]
    return (least, widest) if turn > 0 else (-widest, -least)


def _point(f: Features, x: str, y: str) -> tuple[float, float]:
    """A place in the picture, in picture widths both ways, so that a turn is a turn."""
    return f[x], f[y] * f["aspect"]


def _landmarks(f: Features, view: str) -> list[tuple[float, float]] | None:
    """The nose and, from the front, both shoulders, in picture widths; None where the frame lacks them."""
    if not all(k in f for k in ("head_x", "head_y", "aspect", "scale")):
        return None
    nose = _point(f, "head_x", "head_y")
    if view != "front":
        return [nose]
    if not all(k in f for k in ("shoulder_x", "shoulder_y", "shoulder_tilt")):
        return None
    (mx, my), half, angle = _point(f, "shoulder_x", "shoulder_y"), f["scale"] / 2, math.radians(f["shoulder_tilt"])
    across, down = half * math.cos(angle), half * math.sin(angle)
    return [nose, (mx - across, my - down), (mx + across, my + down)]


def distance(features: Features, view: str | None, baseline: Baseline) -> float | None:
    """How far the user's picture is from the neutral's: the nose's and shoulders' mean distance from theirs, in
    the neutral's shoulder widths (ear-to-shoulder lengths from the side), plus the log of the size ratio.

    None for another view than the baseline's, or where the frame lacks what it needs.
    """
    neutral = baseline.median
    if view != baseline.view:
        return None
    now, then = _landmarks(features, view), _landmarks(neutral, view)
    if now is None or then is None or neutral["scale"] <= 0 or features["scale"] <= 0:
        return None
    apart = sum(math.dist(a, b) for a, b in zip(now, then, strict=True)) / len(now)
    return apart / neutral["scale"] + abs(math.log(features["scale"] / neutral["scale"]))


def change(features: Features, baseline: Baseline) -> Change | None:
    """How the user's picture moved from the neutral's; None from the side or where the frame lacks what it needs."""
    neutral = baseline.median
    if baseline.view != "front" or not all(k in features and k in neutral for k in NEEDS):
        return None
    width = neutral["scale"]
    if width <= 0 or features["scale"] <= 0:
        return None
    size = math.log(features["scale"] / width)
    turn = features["shoulder_tilt"] - neutral["shoulder_tilt"]
    (ax, ay), (bx, by) = _point(neutral, "shoulder_x", "shoulder_y"), _point(features, "shoulder_x", "shoulder_y")
    (hx, hy), (nx, ny) = _point(neutral, "head_x", "head_y"), _point(features, "head_x", "head_y")
    # Where the neutral's nose goes if it moved with the shoulders: turned and scaled about them, shifted with them.
    cos, sin, grow = math.cos(math.radians(turn)), math.sin(math.radians(turn)), math.exp(size)
    px = bx + grow * (cos * (hx - ax) - sin * (hy - ay))
    py = by + grow * (sin * (hx - ax) + cos * (hy - ay))
    roll = None
    if "head_roll" in features and "head_roll" in neutral:
        roll = features["head_roll"] - neutral["head_roll"] - turn
    face = None
    if features.get("face_size", 0.0) > 0 and neutral.get("face_size", 0.0) > 0:
        face = math.log(features["face_size"] / neutral["face_size"]) - size
    return Change(
        across=(bx - ax) / width,
        down=(by - ay) / width,
        size=size,
        turn=turn,
        head_off=math.hypot(nx - px, ny - py) / features["scale"],
        roll_off=roll,
        face_off=face,
    )


class _Look(NamedTuple):
    """One frame's verdict in the majority window."""

    t: float
    # The shoulders changed as only a camera changes them...
    camera: bool
    # ... and the head went with them.
    whole: bool


@dataclass
class Framing:
    """Whether the camera has moved since the neutral was taken, from the frames of the last seconds."""

    window: deque[_Look] = field(default_factory=deque)
    moved: bool = False
    # When the picture first showed the move now under way.
    since: float | None = None
    # Seen seconds the move has lasted, and the time of the last frame counted.
    held: float = 0.0
    last: float | None = None
    told: bool = False

    def shift(self, offset: float) -> None:
        if self.since is not None:
            self.since += offset
        if self.last is not None:
            self.last += offset
        self.window = deque(look._replace(t=look.t + offset) for look in self.window)


# The moved state needs at least this many frames in its window, as a fault's vote does.
MIN_LOOKS = 5


def judged(framing: Framing, obs: Observation, baseline: Baseline, settings: Settings, events: list[Event]) -> Features:
    """Take one seen frame into account; the features the posture may be judged by (``PICTURE`` left out while moved).

    The camera is taken to have moved when most frames of the window show the shoulders changed as only a
    camera changes them with the head going along; it stays so while most show the shoulders so changed,
    whatever the head does meanwhile (a posture taken with the camera moved).
    """
    t = obs.t
    found = change(obs.features, baseline)
    too_close = settings.faults["too_close"].params.get("face_growth", math.inf)
    camera = found is not None and found.camera(too_close)
    whole = camera and found is not None and found.whole
    framing.window.append(_Look(t, camera, whole))
    while len(framing.window) > MIN_LOOKS and framing.window[0].t < t - settings.detection.majority_seconds:
        framing.window.popleft()
    looks = list(framing.window)
    needed = (lambda look: look.camera) if framing.moved else (lambda look: look.whole)
    moved = len(looks) >= MIN_LOOKS and 2 * sum(map(needed, looks)) > len(looks)
    if moved and not framing.moved:
        framing.since = next(look.t for look in looks if look.whole)
        framing.held, framing.last = t - framing.since, t
    elif moved:
        gap = t - (framing.last if framing.last is not None else t)
        framing.held += gap if gap <= settings.detection.known_gap_seconds else 0.0
        framing.last = t
    framing.moved = moved
    if not moved:
        framing.since, framing.held, framing.last = None, 0.0, None
        # A frame that shows a moved camera by itself (the head gone along), as half the window's do, says nothing
        # of the posture by the picture, even before the vote has made up its mind, so that no fault's vote
        # outruns it. One such frame among others is not enough: leaning back can make one look so, and leaving
        # frames out of a vote sways it.
        forming = whole and 2 * sum(look.whole for look in looks) >= len(looks)
        return _without_picture(obs.features) if forming else obs.features
    if framing.held >= settings.moved_seconds and not framing.told and found is not None:
        framing.told = True
        assert framing.since is not None
        events.append(
            CameraMoved(
                t,
                obs.wall,
                framing.since,
                obs.wall_at(framing.since),
                round(found.across, 3),
                round(found.down, 3),
                round(math.exp(found.size), 3),
                round(found.turn, 2),
            )
        )
    return _without_picture(obs.features)


def _without_picture(features: Features) -> Features:
    return {k: v for k, v in features.items() if k not in PICTURE}
