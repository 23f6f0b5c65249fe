"""Write every acted-out posture as a short webcam-like recording, for tests and benchmarks.

    python scripts/make_test_videos.py OUTDIR [--seconds 60] [--fps 10] [--photo NAME] [--variation NAME]

The recordings come from :mod:`posture_watch.sense.synthetic` (its docstring
says how a portrait photo acts out each posture and what that cannot show);
the coach's recordings of a real person (:func:`make_coach_video`), the
recordings from the real people of the shared data sets (a lean about the
hips, a face tilted back seen from the front, a second person behind the user,
someone passing; :func:`lean_recording` and the functions after it) and real
recordings and photos in a room that gets dark (:func:`dim_recording`, with the
webcam's noise of :func:`~posture_watch.sense.synthetic.webcam_light`) are made
here. Tests and benchmarks import their names from here (``from make_test_videos
import Timeline, make_video``) with this folder on their path.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from posture_watch.sense.synthetic import PHOTOS, SCENARIOS, VARIATIONS, Timeline, light_at, make_video, webcam_light

__all__ = ["PHOTOS", "SCENARIOS", "VARIATIONS", "Timeline", "make_video", "webcam_light"]


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


# --- Recordings from the shared real photographs and videos ---------------------------------------------------
#
# The warps above act out postures on two portraits. The functions below build recordings from the real people
# of ../shared/datasets (tests/testdata.py finds them): photos and frames held as stills with sensor noise, a
# person leaned about the hips in front of a room that stays where it is, another person set behind the user,
# a dim room. People are cut out with the pose model's own segmentation mask.

Blocks = list[tuple[str, list[np.ndarray]]]
SLOUCHING = "slouching-or-not/low-isSlouching__high-notSlouching"


def stills_video(
    path: Path,
    blocks: Blocks,
    per_photo: float,
    size: tuple[int, int],
    seed: int,
    *,
    shuffle: bool = True,
    light: float = 1.0,
    noise: float = 3.0,
) -> list[tuple[str, float, float]]:
    """A 5 fps recording of stills, ``per_photo`` seconds each, shuffled within each block unless told not to.

    Every frame gets its own sensor noise (``noise`` grey levels) after ``light`` scales the brightness
    (0.2: a dim room, where the camera's gain makes the noise as strong as by day). Returns each block's
    (label, start, end) in seconds.
    """
    fps = 5
    rng = np.random.default_rng(seed)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    if not writer.isOpened():
        raise RuntimeError(f"OpenCV cannot write {path}")
    spans, t = [], 0.0
    try:
        for label, photos in blocks:
            spans.append((label, t, t + len(photos) * per_photo))
            for index in rng.permutation(len(photos)) if shuffle else range(len(photos)):
                photo = cv2.resize(photos[index], size, interpolation=cv2.INTER_AREA)
                lit = photo.astype(np.int16) if light == 1.0 else np.round(photo * light).astype(np.int16)
                for _ in range(round(per_photo * fps)):
                    noisy = np.clip(lit + rng.normal(0, noise, photo.shape).astype(np.int16), 0, 255)
                    writer.write(noisy.astype(np.uint8))
            t = spans[-1][2]
    finally:
        writer.release()
    return spans


def slouching_photos(data: Path, label: str) -> list[np.ndarray]:
    """The ``notSlouching`` or ``isSlouching`` frames of slouching-or-not, in their order."""
    return real_frames(data / SLOUCHING / label, 5.0)


class Cutout:
    """The person in a photo: a soft mask of their outline and their landmarks, from the pose model."""

    def __init__(self, model: Path) -> None:
        from posture_watch.sense.mediapipe_tasks import BaseOptions, vision

        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model)),
            running_mode=vision.RunningMode.IMAGE,
            num_poses=1,
            output_segmentation_masks=True,
        )
        self._landmarker = vision.PoseLandmarker.create_from_options(options)

    def __call__(self, bgr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mask, points): the mask 0-1 the size of the picture, the 33 landmarks as (x, y) pixels."""
        from posture_watch.sense.mediapipe_tasks import mp

        rgb = np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        result = self._landmarker.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
        if not result.pose_landmarks or not result.segmentation_masks:
            raise ValueError("the pose model finds nobody in the photo")
        height, width = bgr.shape[:2]
        points = np.array([(p.x * width, p.y * height) for p in result.pose_landmarks[0]])
        mask = result.segmentation_masks[0].numpy_view().reshape(height, width).astype(np.float32)
        return np.clip(mask, 0.0, 1.0), points

    def close(self) -> None:
        self._landmarker.close()

    def __enter__(self) -> Cutout:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def widen(image: np.ndarray, fraction: float = 0.25) -> np.ndarray:
    """The picture with ``fraction`` of its width more room at each side, the room there painted in from its edges.

    A camera with a wider view: a person who leans stays in the picture.
    """
    width = image.shape[1]
    side = round(width * fraction)
    wide = cv2.copyMakeBorder(image, 0, 0, side, side, cv2.BORDER_REPLICATE)
    hole = np.zeros(wide.shape[:2], np.uint8)
    hole[:, :side] = hole[:, side + width :] = 1
    return cv2.inpaint(wide, hole, 7, cv2.INPAINT_TELEA)


def without_person(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The room behind the person: their outline (and a margin) painted in from around it."""
    hole = cv2.dilate((mask > 0.2).astype(np.uint8), np.ones((9, 9), np.uint8))
    return cv2.inpaint(image, hole, 5, cv2.INPAINT_TELEA)


def lean_about_hips(
    image: np.ndarray, mask: np.ndarray, points: np.ndarray, degrees: float, torso: float = 1.4, scale: float = 1.0
) -> np.ndarray:
    """The person leaned sideways by ``degrees`` about their hips, the room behind them (chair, wall) left as it was.

    The hips are taken ``torso`` shoulder widths below the middle of the shoulders (below the picture
    when it shows only the upper body); positive ``degrees`` turn the picture's top toward its left.
    ``scale`` below 1 shrinks the person toward the hips: the trunk going back, leaning back in the
    chair, seen from the front. The person's body below the picture's bottom edge is continued from its
    last row, so the moved body does not end there. A whole picture turned would be a tilted camera
    instead: the room stays.
    """
    height = image.shape[0]
    left, right = points[11], points[12]
    middle = (left + right) / 2
    pivot = (float(middle[0]), float(middle[1] + torso * float(np.hypot(*(left - right)))))
    extra = max(0, int(pivot[1] - height)) + height // 2
    tall = cv2.copyMakeBorder(image, 0, extra, 0, 0, cv2.BORDER_REPLICATE)
    outline = cv2.copyMakeBorder(mask, 0, extra, 0, 0, cv2.BORDER_REPLICATE)
    room = without_person(tall, outline)
    turn = cv2.getRotationMatrix2D(pivot, degrees, scale)
    size = (tall.shape[1], tall.shape[0])
    person = cv2.warpAffine(tall, turn, size, borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    where = cv2.warpAffine(outline, turn, size)[..., None]
    return (person * where + room * (1 - where))[:height].clip(0, 255).astype(np.uint8)


def set_behind(
    image: np.ndarray,
    mask: np.ndarray,
    other: np.ndarray,
    other_mask: np.ndarray,
    height: float,
    x: float,
    top: float,
) -> np.ndarray:
    """Another person (``other``, cut out by ``other_mask``) further back in the room, behind the user (``mask``).

    They are scaled to ``height`` of the picture's height, their middle at ``x`` of its width and their top
    at ``top`` of its height, and a little out of focus, as a camera focused on the user sees them.
    """
    rows, cols = image.shape[:2]
    tall = max(1, round(height * rows))
    wide = max(1, round(other.shape[1] * tall / other.shape[0]))
    person = cv2.GaussianBlur(cv2.resize(other, (wide, tall), interpolation=cv2.INTER_AREA), (0, 0), 0.8)
    outline = cv2.resize(other_mask, (wide, tall), interpolation=cv2.INTER_AREA)
    x0, y0 = round(x * cols - wide / 2), round(top * rows)
    scene = image.astype(np.float32)
    xa, xb, ya, yb = max(x0, 0), min(x0 + wide, cols), max(y0, 0), min(y0 + tall, rows)
    if xa < xb and ya < yb:
        cut = outline[ya - y0 : yb - y0, xa - x0 : xb - x0, None]
        region = scene[ya:yb, xa:xb]
        scene[ya:yb, xa:xb] = person[ya - y0 : yb - y0, xa - x0 : xb - x0] * cut + region * (1 - cut)
    user = mask[..., None]
    return (image * user + scene * (1 - user)).clip(0, 255).astype(np.uint8)


def cropped(cutout: Cutout, photo: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The person in ``photo`` and their mask, cropped to the mask's outline."""
    mask, _ = cutout(photo)
    rows, cols = np.nonzero(mask > 0.5)
    box = slice(rows.min(), rows.max() + 1), slice(cols.min(), cols.max() + 1)
    return photo[box], mask[box]


# Each recording below writes ``path`` and returns its blocks' (label, start, end) spans.


def lean_recording(
    path: Path, data: Path, model: Path, degrees: float, scale: float = 1.0
) -> list[tuple[str, float, float]]:
    """A real person (six upright frames of slouching-or-not, a wider view) sitting well for 18 s, then leaning
    ``degrees`` sideways about the hips for 48 s: positive to the user's right; with ``scale`` below 1, leaning
    back instead (the person smaller about the hips, the head over the trunk). The chair and the room stay."""
    photos = [widen(p) for p in slouching_photos(data, "notSlouching")[:6]]
    with Cutout(model) as cutout:
        # The camera does not mirror these frames: the user's right is the picture's left.
        leaned = [lean_about_hips(p, *cutout(p), degrees, scale=scale) for p in photos]
    size = (photos[0].shape[1], photos[0].shape[0])
    return stills_video(path, [("neutral", photos * 3), ("lean", leaned * 8)], 1.0, size, seed=7)


def head_back_recording(path: Path, data: Path, glances: bool = False) -> list[tuple[str, float, float]]:
    """head-turn-look-up from the front, one second a frame: frames 0-8 (facing the camera) for 18 s, then
    frames 40-60 (the head tilted back to look up) forward and back, twice, for 84 s.

    With ``glances``, the head goes back only for moments instead: two glances up of two seconds (frames
    58-59, then 48-49) and a nod (the head lowered onto the hand, frames 14-23 and back up), each between
    9 s of the neutral frames.
    """
    frames = real_frames(data / "head-turn-look-up" / "iris_tracking_example.gif", 5.0)
    neutral = frames[0:9]
    if glances:
        nod = [frames[i] for i in (14, 18, 22, 18, 14)]
        blocks = [("neutral", neutral * 2), ("glance", frames[58:60]), ("neutral", neutral)]
        blocks += [("nod", nod), ("neutral", neutral), ("glance", frames[48:50]), ("neutral", neutral)]
    else:
        up = frames[40:61]
        blocks = [("neutral", neutral * 2), ("back", (up + up[::-1]) * 2)]
    size = (frames[0].shape[1], frames[0].shape[0])
    return stills_video(path, blocks, 1.0, size, seed=3, shuffle=False)


def company_recording(
    path: Path, data: Path, model: Path, company: bool, light: float = 1.0
) -> list[tuple[str, float, float]]:
    """A real user (slouching-or-not, a wider view) upright 12 s, slouched 28 s, upright 11 s, away 20 s (the empty
    chair), back 12 s; with ``company``, a second person (side-view-desk's OP33, about a quarter of the user's
    size) sits behind at the right all along. ``light`` 0.2 is a dim room, with a dim room's sensor noise."""
    upright = [widen(p) for p in slouching_photos(data, "notSlouching")]
    slouched = [widen(p) for p in slouching_photos(data, "isSlouching")]
    with Cutout(model) as cutout:
        masks = [cutout(p)[0] for p in upright + slouched]
        empty = without_person(upright[0], masks[0])
        other = cropped(cutout, cv2.imread(str(data / "side-view-desk" / "OP33.jpg")))
    scenes = [*upright, *slouched, empty]
    masks.append(np.zeros(empty.shape[:2], np.float32))
    if company:
        behind = zip(scenes, masks, strict=True)
        scenes = [set_behind(scene, mask, *other, height=0.9, x=0.83, top=0.05) for scene, mask in behind]
    upright, slouched, empty = scenes[:15], scenes[15:-1], scenes[-1]
    blocks = [
        ("upright", upright[:6] * 2),
        ("slouched", slouched * 2),
        ("upright", upright[10:] + upright[:6]),
        ("away", [empty] * 20),
        ("upright", upright[:6] * 2),
    ]
    size = (empty.shape[1], empty.shape[0])
    return stills_video(path, blocks, 1.0, size, seed=5, light=light, noise=3.0 if light == 1.0 else 5.0)


def passer_by_recording(path: Path, data: Path, model: Path, light: float = 1.0) -> list[tuple[str, float, float]]:
    """An empty room (slouching-or-not without its user) with someone far behind (side-view-desk's OP33, her head
    under 2 % of the picture's diagonal) crossing it for 15 s, then the user sitting down for 20 s."""
    upright = [widen(p) for p in slouching_photos(data, "notSlouching")[:10]]
    with Cutout(model) as cutout:
        empty = without_person(upright[0], cutout(upright[0])[0])
        other = cropped(cutout, cv2.imread(str(data / "side-view-desk" / "OP33.jpg")))
    nobody = np.zeros(empty.shape[:2], np.float32)
    passing = [set_behind(empty, nobody, *other, height=0.6, x=0.9 - 0.03 * i, top=0.1) for i in range(15)]
    size = (empty.shape[1], empty.shape[0])
    blocks = [("passing", passing), ("user", upright * 2)]
    return stills_video(
        path, blocks, 1.0, size, seed=9, shuffle=False, light=light, noise=3.0 if light == 1.0 else 5.0
    )


def moved_view(
    image: np.ndarray, across: float = 0.0, down: float = 0.0, scale: float = 1.0, degrees: float = 0.0
) -> np.ndarray:
    """The whole picture as a camera moved after it was taken sees it: turned ``degrees`` (counterclockwise) and
    ``scale`` times as large about its middle, then shifted ``across`` and ``down`` (fractions of its width and
    height, right and down). The room that comes into view at the edges is painted in from them."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, scale)
    matrix[:, 2] += (across * width, down * height)
    return cv2.warpAffine(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


# How the camera moves in the recordings of a moved camera: the monitor it stands on turned and pushed a little.
CAMERA_MOVES = {
    "turned": {"across": 0.08, "degrees": 8.0},
    "pushed back": {"across": -0.05, "down": -0.04, "scale": 0.85},
    "nearer": {"across": 0.04, "down": -0.05, "scale": 1.12, "degrees": -3.0},
}


def moved_camera_recording(
    path: Path, data: Path, move: str | dict[str, float], after: str = "upright", seconds: float = 60.0
) -> list[tuple[str, float, float]]:
    """A real user (slouching-or-not, a wider view) sitting well for 18 s; then the camera moves (one of
    ``CAMERA_MOVES`` by name, or ``moved_view``'s arguments) and the user sits on ``after``: upright for
    ``seconds``, or upright for 18 s and then slouched (head lower, nearer the shoulders) for ``seconds``."""
    how = CAMERA_MOVES[move] if isinstance(move, str) else move
    # The six upright frames the neutral is taken from, before and after: the others sit a little leaned.
    upright = [widen(p) for p in slouching_photos(data, "notSlouching")[:6]]
    slouched = [widen(p) for p in slouching_photos(data, "isSlouching")]
    moved = [moved_view(p, **how) for p in upright]
    blocks = [("neutral", upright * 3), ("moved", (moved * 60)[: round(seconds if after == "upright" else 18)])]
    if after != "upright":
        blocks.append(("slouched", ([moved_view(p, **how) for p in slouched] * 60)[: round(seconds)]))
    size = (upright[0].shape[1], upright[0].shape[0])
    return stills_video(path, blocks, 1.0, size, seed=11)


# Two setups of one camera for the profiles: the desk's, and a laptop's nearer and lower view of the same person.
FRAMINGS = {"desk": {}, "laptop": {"across": -0.06, "down": 0.1, "scale": 1.35}}


def framings_recording(path: Path, data: Path, order: list[tuple[str, int]]) -> list[tuple[str, float, float]]:
    """A real user (the six upright frames of slouching-or-not, a wider view) sitting well in front of each setup
    of ``FRAMINGS`` in turn, for the seconds ``order`` gives: (setup, seconds) after (setup, seconds)."""
    upright = [widen(p) for p in slouching_photos(data, "notSlouching")[:6]]
    blocks = [(setup, ([moved_view(p, **FRAMINGS[setup]) for p in upright] * 60)[:seconds]) for setup, seconds in order]
    size = (upright[0].shape[1], upright[0].shape[0])
    return stills_video(path, blocks, 1.0, size, seed=13)


def dim_frames(
    source: Path | list[np.ndarray],
    level: float,
    seconds: float,
    *,
    light_from: float = 12.0,
    fps: float = 8.0,
    size: tuple[int, int] | None = None,
    per_photo: float = 1.0,
    boost: float = 1.0,
    seed: int = 0,
    keep: Callable[[float], bool] | None = None,
) -> Iterator[tuple[float, np.ndarray]]:
    """A real recording (or photos) as a webcam in a room that gets dark, as (t, frame): normal light, then ``level``.

    ``source`` is a video, played at ``fps`` forward and backward until
    ``seconds`` (:func:`real_frames`; the shared neutral videos are 10-15 s
    long), or a list of photos shown ``per_photo`` seconds each in turn. Frames
    come at ``fps``, resized to ``size`` (width, height) when given; ``keep(t)``
    False skips a frame without making it (a sampler's ``due``). A video keeps
    its own sensor noise in normal light; photos get a webcam's
    (:func:`webcam_light` at level 1), so a still is never the same frame twice.
    From ``light_from`` on every frame goes through :func:`webcam_light` at the
    light of that moment (and ``boost``).
    """
    video = isinstance(source, Path)
    images = real_frames(source, fps) if isinstance(source, Path) else source
    step = 1 / fps if video else per_photo
    rng = np.random.default_rng(seed)
    for i in range(round(seconds * fps)):
        t = i / fps
        if keep is not None and not keep(t):
            continue
        image = images[int(t / step + 1e-6) % len(images)]
        if size is not None and image.shape[:2] != (size[1], size[0]):
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        light = light_at(t, level, light_from)
        boosted = 1.0 + (boost - 1.0) * (1.0 - light) / max(1.0 - level, 1e-9)
        yield t, (webcam_light(image, light, rng, boosted) if light < 1.0 or not video else image)


def dim_recording(
    out: Path, source: Path | list[np.ndarray], level: float, seconds: float, fps: float = 8.0, **kwargs
) -> Path:
    """:func:`dim_frames` written to ``out`` at ``fps``: a ``.mkv`` losslessly (FFV1), keeping the noise as the
    camera gave it, anything else as mp4v, whose compression smooths much of it away."""
    frames = dim_frames(source, level, seconds, fps=fps, **kwargs)
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    try:
        for _, image in frames:
            if writer is None:
                codec = "FFV1" if out.suffix == ".mkv" else "mp4v"
                size = (image.shape[1], image.shape[0])
                writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*codec), fps, size)
                if not writer.isOpened():
                    raise RuntimeError(f"OpenCV cannot write {out}")
            writer.write(image)
    finally:
        if writer is not None:
            writer.release()
    return out


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
