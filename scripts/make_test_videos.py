"""Make short webcam-like test recordings from real portrait photos.

The photos ship with installed packages (matplotlib's ``grace_hopper.jpg``,
scikit-image's ``astronaut``). Each frame warps the photo smoothly to act out
a posture over time: the head sinking toward the shoulders and growing
(forward head), a moderate forward head (several features each a little),
tilting, the trunk leaning, the face coming closer, the
whole body sinking (slouch), or the person leaving (away). Breathing-like
motion, a slow sway and sensor noise are added so no two frames are identical.

    python scripts/make_test_videos.py OUTDIR [--seconds 60] [--fps 10]

Tests import :func:`make_video` and write into a temporary folder; no video
is committed.

What a 2D warp of a frontal photo cannot show: the head tilting back (the pose
model reads the warped face as the same frontal face, so that fault is tested
on real side-view photos instead), a turned head or one shoulder raised (the
model's yaw and shoulder estimates barely move), and depth (a lean toward the
camera is only a face growing).
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT = 640, 480


@dataclass(frozen=True)
class Photo:
    """A portrait and where its landmarks are, as fractions of its width and height."""

    image: np.ndarray  # BGR
    nose: tuple[float, float]
    chin_y: float
    shoulder_y: float
    shoulder_x: tuple[float, float]  # (picture-left, picture-right)


def load_photo(name: str) -> Photo:
    """``grace_hopper`` (matplotlib) or ``astronaut`` (scikit-image)."""
    if name == "grace_hopper":
        import matplotlib.cbook

        with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
            data = np.frombuffer(f.read(), np.uint8)
        image = cv2.imdecode(data, cv2.IMREAD_COLOR)
        return Photo(image, nose=(0.551, 0.403), chin_y=0.53, shoulder_y=0.685, shoulder_x=(0.173, 0.855))
    if name == "astronaut":
        import skimage.data

        image = cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)
        return Photo(image, nose=(0.443, 0.263), chin_y=0.34, shoulder_y=0.46, shoulder_x=(0.22, 0.581))
    raise ValueError(f"unknown photo {name!r}; use grace_hopper or astronaut")


SCENARIOS = (
    "neutral",
    "forward_head",
    "forward_head_moderate",
    "slouch",
    "head_tilt",
    "trunk_lean",
    "too_close",
    "away",
)


@dataclass(frozen=True)
class Timeline:
    """Neutral until ``onset``, a ``ramp`` into the posture, held until ``until`` (then back)."""

    onset: float = 15.0
    ramp: float = 3.0
    until: float = math.inf

    def amount(self, t: float) -> float:
        if t < self.onset or t >= self.until + self.ramp:
            return 0.0
        if t < self.onset + self.ramp:
            return _smooth((t - self.onset) / self.ramp)
        if t < self.until:
            return 1.0
        return 1.0 - _smooth((t - self.until) / self.ramp)


def _smooth(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)


class Stage:
    """The photo placed on a wall-like background, and the warps that act out postures."""

    def __init__(self, photo: Photo, rng: np.random.Generator) -> None:
        h, w = photo.image.shape[:2]
        scale = HEIGHT / h
        pw = round(w * scale)
        self.left = (WIDTH - pw) // 2
        ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
        self.xs, self.ys = xs, ys
        wall = 150 + 30 * (ys / HEIGHT) + 6 * np.sin(xs / 23.0) * np.cos(ys / 31.0)
        self.background = np.dstack([wall * 0.95, wall, wall * 1.05]).clip(0, 255).astype(np.uint8)
        self.scene = self.background.copy()
        self.scene[:, self.left : self.left + pw] = cv2.resize(photo.image, (pw, HEIGHT), interpolation=cv2.INTER_AREA)
        self.nose = (self.left + photo.nose[0] * pw, photo.nose[1] * HEIGHT)
        self.chin_y = photo.chin_y * HEIGHT
        self.shoulder_y = photo.shoulder_y * HEIGHT
        self.shoulders = (self.left + photo.shoulder_x[0] * pw, self.left + photo.shoulder_x[1] * pw)
        self.shoulder_width = self.shoulders[1] - self.shoulders[0]
        # Sensor noise: a bank of Gaussian frames (sigma 4 levels) drawn at random.
        self.noise = rng.normal(0.0, 4.0, (12, HEIGHT, WIDTH, 3)).astype(np.int16)

    def head_weight(self, shift: float = 0.0) -> np.ndarray:
        """1 over the head, 0 below the shoulder tops, smooth along the neck."""
        top = self.chin_y + shift
        bottom = self.shoulder_y - 0.08 * self.shoulder_width
        x = np.clip((bottom - self.ys) / max(bottom - top, 1.0), 0.0, 1.0)
        return x * x * (3 - 2 * x)

    def frame(self, scenario: str, a: float, t: float, rng: np.random.Generator) -> np.ndarray:
        """The frame at time ``t`` with the posture at amount ``a`` (0-1)."""
        if scenario == "away" and a > 0.5:
            image = self.background.copy()
        else:
            mx, my = self._map(scenario, a)
            # Breathing (4 s) lifts the chest a little; a slow sway moves everything.
            breath = math.sin(2 * math.pi * t / 4.0)
            sway = 2.0 * math.sin(2 * math.pi * t / 7.3)
            chest = np.clip((self.ys - self.shoulder_y + 40) / 80.0, 0.0, 1.0)
            my = my + 1.5 * breath * chest
            mx = mx - sway
            image = cv2.remap(self.scene, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        noise = self.noise[rng.integers(len(self.noise))]
        return np.clip(image.astype(np.int16) + noise, 0, 255).astype(np.uint8)

    def _map(self, scenario: str, a: float) -> tuple[np.ndarray, np.ndarray]:
        """Source coordinates for each output pixel (inverse warp)."""
        xs, ys = self.xs, self.ys
        nx, ny = self.nose
        sw = self.shoulder_width
        if scenario == "forward_head":
            # The head sinks toward the shoulders and grows as it comes forward.
            drop = a * 0.45 * (self.shoulder_y - ny)
            grow = 1.0 + 0.2 * a
            w = self.head_weight(drop)
            mx = xs + w * ((nx + (xs - nx) / grow) - xs)
            my = ys + w * ((ny + (ys - ny - drop) / grow) - ys)
            return mx.astype(np.float32), my.astype(np.float32)
        if scenario == "forward_head_moderate":
            # What a person does without exaggerating: the whole body a little lower in the
            # picture (5 % of its height), the head 11 % lower above the shoulders on top of
            # that, and the face 12 % larger as it comes forward. No one feature passes its
            # own threshold; together they are a forward head.
            sink = a * 0.05 * HEIGHT
            drop = a * 0.11 * (self.shoulder_y - ny)
            grow = 1.0 + 0.12 * a
            w = self.head_weight(drop)
            mx = xs + w * ((nx + (xs - nx) / grow) - xs)
            my = ys - sink + w * ((ny + (ys - ny - drop) / grow) - ys)
            return mx.astype(np.float32), my.astype(np.float32)
        if scenario == "slouch":
            # The body slides down and back in the chair: everything sinks and
            # shrinks a little, the head sinking toward the shoulders most.
            shrink = 1.0 - 0.08 * a
            sink = a * 0.3 * sw
            drop = a * 0.25 * (self.shoulder_y - ny)
            w = self.head_weight(drop)
            bx, by = nx, float(HEIGHT)
            mx = bx + (xs - bx) / shrink
            my = by + (ys - sink - w * drop - by) / shrink
            return mx.astype(np.float32), my.astype(np.float32)
        if scenario == "head_tilt":
            return self._rotate(a * math.radians(18), (nx, self.shoulder_y - 0.1 * sw), self.head_weight())
        if scenario == "trunk_lean":
            pivot = (nx, self.shoulder_y + 1.6 * sw)
            return self._rotate(a * math.radians(15), pivot, np.ones_like(xs))
        if scenario == "too_close":
            grow = 1.0 + 0.5 * a
            return (nx + (xs - nx) / grow).astype(np.float32), (ny + (ys - ny) / grow).astype(np.float32)
        return xs, ys

    def _rotate(self, angle: float, pivot: tuple[float, float], weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        px, py = pivot
        c, s = math.cos(angle), math.sin(angle)
        dx, dy = self.xs - px, self.ys - py
        rx, ry = px + c * dx - s * dy, py + s * dx + c * dy
        mx = self.xs + weight * (rx - self.xs)
        my = self.ys + weight * (ry - self.ys)
        return mx.astype(np.float32), my.astype(np.float32)


def make_video(
    path: Path,
    scenario: str,
    seconds: float = 60.0,
    fps: float = 10.0,
    timeline: Timeline | None = None,
    photo: str = "grace_hopper",
    seed: int = 0,
) -> Path:
    """Write ``scenario`` as an mp4 at ``path`` and return the path."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; choose from {', '.join(SCENARIOS)}")
    timeline = timeline or Timeline()
    rng = np.random.default_rng(seed)
    stage = Stage(load_photo(photo), rng)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (WIDTH, HEIGHT))
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {path}")
    try:
        for i in range(round(seconds * fps)):
            t = i / fps
            a = 0.0 if scenario == "neutral" else timeline.amount(t)
            writer.write(stage.frame(scenario, a, t, rng))
    finally:
        writer.release()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--photo", default="grace_hopper", choices=["grace_hopper", "astronaut"])
    args = parser.parse_args()
    for scenario in SCENARIOS:
        timeline = Timeline(onset=15, until=40) if scenario == "away" else Timeline()
        out = make_video(args.outdir / f"{scenario}.mp4", scenario, args.seconds, args.fps, timeline, args.photo)
        print(out)


if __name__ == "__main__":
    main()
