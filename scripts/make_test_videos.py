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


# --- Coach recordings from a real video -------------------------------------------------------------------------
#
# The coach is judged on a real person: the man of the shared ``neutral-front-video`` data set
# (``center_focus.mp4``, 480 x 848 portrait, 10.5 s sitting still, ping-ponged for longer), with
# his head tilted toward one shoulder by rotating the head and neck about the base of the neck. The
# head is cut out with a soft mask read off the first frame by eye and laid over a background where
# the head was painted out (``cv2.inpaint``), so the wall shows where the head leaves it; the body
# below the neck stays as it was. Measured with the lite pose model on the first frame: a 25 degree
# rotation moves head_roll by +25 (toward his right shoulder) and -22 (toward his left) degrees, and
# the shoulder line by +5 and -3.6, as a real head tilt pulls the model's shoulder estimate a little.


@dataclass(frozen=True)
class HeadOnVideo:
    """Where a still-sitting person's head is in a real video, as fractions of its width and height.

    ``head`` is an ellipse (centre, half-axes) around the head and hair; ``neck`` the polygon of
    the neck down to the collar; ``pivot`` the base of the neck the head tilts about; below
    ``body`` (a fraction of the height) the picture is the body and does not move.
    """

    head: tuple[tuple[float, float], tuple[float, float]]
    neck: tuple[tuple[float, float], ...]
    pivot: tuple[float, float]
    body: float


# The man of neutral-front-video/center_focus.mp4 (his right side is the picture's left).
NEUTRAL_MAN = HeadOnVideo(
    head=((0.485, 0.38), (0.36, 0.30)),
    neck=((0.34, 0.55), (0.66, 0.55), (0.66, 0.68), (0.34, 0.68)),
    pivot=(0.5, 0.71),
    body=0.64,
)
# Degrees the head turns in the picture for a tilt toward the person's right shoulder (+) in full.
COACH_TILT_DEGREES = 25.0


@dataclass(frozen=True)
class Move:
    """``seconds`` of one movement: ``tilt`` -1 (toward the left shoulder) to +1 (right), eased in and out."""

    seconds: float
    tilt: float = 0.0
    ramp: float = 1.5

    def amount(self, t: float) -> float:
        """The tilt at ``t`` seconds into the move: eased in over ``ramp``, held, eased out over the last ``ramp``."""
        return self.tilt * Timeline(0.0, self.ramp, self.seconds - self.ramp).amount(t) if self.tilt else 0.0


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


def make_coach_video(
    path: Path, source: Path, moves: list[Move], fps: float = 5.0, person: HeadOnVideo = NEUTRAL_MAN
) -> Path:
    """Write ``source`` (a real recording of someone sitting still, ping-ponged) acting out ``moves`` at ``path``."""
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
    if not frames:
        raise RuntimeError(f"OpenCV cannot read {source}")
    frames += frames[-2:0:-1]  # ping-pong
    height, width = frames[0].shape[:2]
    mask = np.zeros((height, width), np.float32)
    (cx, cy), (ax, ay) = person.head
    centre, axes = (round(cx * width), round(cy * height)), (round(ax * width), round(ay * height))
    cv2.ellipse(mask, centre, axes, 0, 0, 360, 1.0, -1)
    cv2.fillPoly(mask, [np.array([(x * width, y * height) for x, y in person.neck], np.int32)], 1.0)
    # The background where the head was: painted in from around it, once (the camera and the wall stay put).
    half = (width // 2, height // 2)
    hole = cv2.resize(cv2.dilate((mask > 0).astype(np.uint8), np.ones((25, 25), np.uint8)), half, cv2.INTER_NEAREST)
    plate = cv2.resize(cv2.inpaint(cv2.resize(frames[0], half), hole, 8, cv2.INPAINT_TELEA), (width, height))
    soft = cv2.GaussianBlur(mask, (0, 0), 5.0)
    ys = np.arange(height, dtype=np.float32)[:, None]
    above_body = 1.0 - np.clip((ys - person.body * height) / (0.05 * height), 0.0, 1.0)
    pivot = (person.pivot[0] * width, person.pivot[1] * height)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {path}")
    try:
        i = 0
        for move in moves:
            for k in range(round(move.seconds * fps)):
                image = frames[i % len(frames)].astype(np.float32)
                i += 1
                amount = move.amount(k / fps)
                if amount:
                    # cv2's positive angle turns the picture anticlockwise: the head toward the picture's left,
                    # which is the person's right shoulder.
                    turn = cv2.getRotationMatrix2D(pivot, amount * COACH_TILT_DEGREES, 1.0)
                    head = cv2.warpAffine(image, turn, (width, height), borderMode=cv2.BORDER_REPLICATE)
                    moved = (cv2.warpAffine(soft, turn, (width, height)) * above_body)[..., None]
                    gone = soft[..., None]
                    image = image * (1 - gone) + plate * gone
                    image = image * (1 - moved) + head * moved
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
