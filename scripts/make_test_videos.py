"""Write every acted-out posture as a short webcam-like recording, for tests and benchmarks.

    python scripts/make_test_videos.py OUTDIR [--seconds 60] [--fps 10] [--photo NAME] [--variation NAME]

The recordings come from :mod:`posture_watch.sense.synthetic` (its docstring
says how a portrait photo acts out each posture and what that cannot show);
the coach's recordings of a real person (:func:`make_coach_video`) are made
here. Tests and benchmarks import their names from here (``from make_test_videos
import Timeline, make_video``) with this folder on their path.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from posture_watch.sense.synthetic import PHOTOS, SCENARIOS, VARIATIONS, Timeline, make_video

__all__ = ["PHOTOS", "SCENARIOS", "VARIATIONS", "Timeline", "make_video"]


# --- Coach recordings from real people --------------------------------------------------------------------------
#
# The coach is judged on real people acting out a stretch: the man of the shared
# ``neutral-front-video`` data set (``center_focus.mp4``, 480 x 848 portrait, 10.5 s sitting still,
# ping-ponged for longer) tilting his head toward one shoulder, the man of ``slouching-or-not``
# (its 15 upright webcam frames, 224 x 224, shown in turn at twice their size) shrugging, and the
# woman of ``head-turn-look-up`` (frames of her facing the camera, then of her head turned well to
# one side, each shown in turn with sensor noise, at twice their size) looking away. A tilt
# rotates the head and neck about the base of the neck: the head is cut out with a soft mask read off
# the first frame by eye and laid over a background where it was painted out (``cv2.inpaint``), so
# the wall shows where the head leaves it; the body below the neck stays. A shrug moves everything
# below the chin up, most at the shoulders, so the neck looks shorter. Measured with the lite pose
# model: a 25 degree rotation moves head_roll by +25 (toward his right shoulder) and -22 (toward his
# left) degrees and the shoulder line by +5 and -3.6 (a real head tilt pulls the model's shoulders a
# little too); a lift of 0.15 shoulder widths brings each ear-to-shoulder height down by about 0.06.


@dataclass(frozen=True)
class Person:
    """Where a still-sitting person is in real frames, as fractions of their width and height (read by eye).

    For a tilt: ``head`` an ellipse (centre, half-axes) around the head and hair, ``neck`` the
    polygon of the neck down to the collar, ``pivot`` the base of the neck, and below ``body`` the
    picture does not move. For a shrug: ``chin`` and the ``shoulders`` line's height and width.
    """

    head: tuple[tuple[float, float], tuple[float, float]] = ((0.5, 0.4), (0.3, 0.3))
    neck: tuple[tuple[float, float], ...] = ()
    pivot: tuple[float, float] = (0.5, 0.7)
    body: float = 0.65
    chin: float = 0.55
    shoulders: tuple[float, float] = (0.75, 0.6)
    # Frames are drawn this many times their size (small webcam frames).
    zoom: int = 1
    # Sensor noise added to each frame, in grey levels (stills shown again and again need it).
    noise: float = 0.0


# The man of neutral-front-video/center_focus.mp4 (his right side is the picture's left).
NEUTRAL_MAN = Person(
    head=((0.485, 0.38), (0.36, 0.30)),
    neck=((0.34, 0.55), (0.66, 0.55), (0.66, 0.68), (0.34, 0.68)),
    pivot=(0.5, 0.71),
    body=0.64,
)
# The man of slouching-or-not's notSlouching frames.
UPRIGHT_MAN = Person(chin=0.53, shoulders=(0.73, 0.635), zoom=2)
# The woman of head-turn-look-up's frames: 0-3 facing the camera, 31-37 her head turned well to one side.
TURNING_WOMAN = Person(zoom=2, noise=4.0)
# Degrees the head turns in the picture for a full tilt; shoulder widths a full shrug lifts the shoulders.
COACH_TILT_DEGREES = 25.0
COACH_SHRUG = 0.2


@dataclass(frozen=True)
class Move:
    """``seconds`` of one movement, eased in and out over ``ramp``: ``tilt`` -1 (the head toward the left shoulder)
    to +1 (right), ``shrug`` 0 to 1 (both shoulders up)."""

    seconds: float
    tilt: float = 0.0
    shrug: float = 0.0
    ramp: float = 1.5
    # The source's frames (first, last) this move shows in turn; None: all of them.
    frames: tuple[int, int] | None = None

    def amount(self, t: float) -> float:
        """How far into the move at ``t`` seconds: eased in over ``ramp``, held, eased out over the last ``ramp``."""
        return Timeline(0.0, self.ramp, self.seconds - self.ramp).amount(t)


def tilts_and_holds(
    hold: float, times: int, toward: tuple[str, ...], rest: float = 3.0, still: float = 6.0
) -> list[Move]:
    """Still, then ``times`` holds of ``hold`` seconds with the head tilted toward each shoulder of ``toward`` in
    turn (plus the ramps and a second), resting between."""
    moves = [Move(still)]
    for shoulder in toward:
        for _ in range(times):
            moves += [Move(hold + 2 * 1.5 + 1.0, tilt=1.0 if shoulder == "right" else -1.0), Move(rest)]
    return moves


def real_frames(source: Path, fps: float, zoom: int = 1) -> list[np.ndarray]:
    """A still-sitting person's frames to loop: a video at ``fps``, ping-ponged, a GIF's frames or a folder's JPEGs
    in turn."""
    if source.suffix == ".gif":
        from PIL import Image, ImageSequence

        with Image.open(source) as gif:
            rgb = [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(gif)]
        frames = [cv2.cvtColor(image, cv2.COLOR_RGB2BGR) for image in rgb]
    elif source.is_dir():
        paths = sorted(source.glob("*.jpg"), key=lambda p: int(p.stem.rsplit("-", 1)[-1]))
        frames = [cv2.imread(str(p)) for p in paths]
    else:
        capture = cv2.VideoCapture(str(source))
        step = max(capture.get(cv2.CAP_PROP_FPS) / fps, 1.0)
        frames, index, kept = [], 0, 0.0
        while True:
            ok, image = capture.read()
            if not ok:
                break
            if index >= kept:
                frames.append(image)
                kept += step
            index += 1
        capture.release()
        frames += frames[-2:0:-1]  # ping-pong
    if not frames or any(f is None for f in frames):
        raise RuntimeError(f"OpenCV cannot read {source}")
    if zoom != 1:
        frames = [cv2.resize(f, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_CUBIC) for f in frames]
    return frames


class _Actor:
    """The warps of one person's frames: the head tilted, the shoulders shrugged."""

    def __init__(self, person: Person, first: np.ndarray) -> None:
        self.person = person
        height, width = first.shape[:2]
        self.size = (width, height)
        mask = np.zeros((height, width), np.float32)
        (cx, cy), (ax, ay) = person.head
        centre, axes = (round(cx * width), round(cy * height)), (round(ax * width), round(ay * height))
        cv2.ellipse(mask, centre, axes, 0, 0, 360, 1.0, -1)
        if person.neck:
            cv2.fillPoly(mask, [np.array([(x * width, y * height) for x, y in person.neck], np.int32)], 1.0)
        # The background where the head was: painted in from around it, once (the camera and the wall stay put).
        half = (width // 2, height // 2)
        hole = cv2.resize(cv2.dilate((mask > 0).astype(np.uint8), np.ones((25, 25), np.uint8)), half, cv2.INTER_NEAREST)
        self.plate = cv2.resize(cv2.inpaint(cv2.resize(first, half), hole, 8, cv2.INPAINT_TELEA), (width, height))
        self.plate = self.plate.astype(np.float32)
        self.soft = cv2.GaussianBlur(mask, (0, 0), 5.0)
        ys = np.arange(height, dtype=np.float32)[:, None]
        self.above_body = 1.0 - np.clip((ys - person.body * height) / (0.05 * height), 0.0, 1.0)
        self.pivot = (person.pivot[0] * width, person.pivot[1] * height)
        # A shrug: nothing above the chin moves, everything from just above the shoulder line moves fully.
        top, (line, span) = person.chin * height, person.shoulders
        bottom = (line - 0.05 * span) * height
        lift = np.clip((ys - top) / max(bottom - top, 1.0), 0.0, 1.0)
        self.lift = lift * lift * (3 - 2 * lift) * span * width
        self.ys, self.xs = np.mgrid[0:height, 0:width].astype(np.float32)

    def tilt(self, image: np.ndarray, degrees: float) -> np.ndarray:
        # cv2's positive angle turns the picture anticlockwise: the head toward the picture's left, which is the
        # person's right shoulder.
        turn = cv2.getRotationMatrix2D(self.pivot, degrees, 1.0)
        head = cv2.warpAffine(image, turn, self.size, borderMode=cv2.BORDER_REPLICATE)
        moved = (cv2.warpAffine(self.soft, turn, self.size) * self.above_body)[..., None]
        gone = self.soft[..., None]
        image = image * (1 - gone) + self.plate * gone
        return image * (1 - moved) + head * moved

    def shrug(self, image: np.ndarray, widths: float) -> np.ndarray:
        below = self.ys + widths * self.lift
        return cv2.remap(image, self.xs, below, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def make_coach_video(
    path: Path, source: Path, moves: list[Move], fps: float = 5.0, person: Person = NEUTRAL_MAN
) -> Path:
    """Write the real ``source`` (a video, or a folder of frames) of ``person`` acting out ``moves`` at ``path``."""
    frames = real_frames(source, fps, person.zoom)
    actor = _Actor(person, frames[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, actor.size)
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {path}")
    rng = np.random.default_rng(0)
    try:
        i = 0
        for move in moves:
            pool = frames[move.frames[0] : move.frames[1] + 1] if move.frames is not None else frames
            for k in range(round(move.seconds * fps)):
                image = pool[i % len(pool)].astype(np.float32)
                i += 1
                if person.noise:
                    image += rng.normal(0.0, person.noise, image.shape).astype(np.float32)
                amount = move.amount(k / fps)
                if move.tilt and amount:
                    image = actor.tilt(image, move.tilt * amount * COACH_TILT_DEGREES)
                if move.shrug and amount:
                    image = actor.shrug(image, move.shrug * amount * COACH_SHRUG)
                writer.write(np.clip(image, 0, 255).astype(np.uint8))
    finally:
        writer.release()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--photo", default="grace_hopper", choices=PHOTOS)
    parser.add_argument("--variation", choices=[v.name for v in VARIATIONS])
    args = parser.parse_args()
    for scenario in SCENARIOS:
        timeline = Timeline(onset=15, until=40) if scenario == "away" else Timeline()
        out = make_video(
            args.outdir / f"{scenario}.mp4",
            scenario,
            args.seconds,
            args.fps,
            timeline,
            args.photo,
            variation=args.variation,
        )
        print(out)


if __name__ == "__main__":
    main()
