"""MediaPipe PoseLandmarker (Tasks API, VIDEO mode), following one user.

Returns landmarks in pixels (so angles are true in the picture) with their
visibility. When several people are in view it follows the user: once
calibrated, the person who matches the neutral's size and place in the
picture; before, the largest, most central person. Whoever was followed last
is preferred. Someone who does not match (much smaller, so further back, or
elsewhere in the picture) is not the user even when alone in view: a person
walking past or sitting behind is not presence, and no calibration starts
on someone too small to be at the desk.
"""

from __future__ import annotations

import atexit
import concurrent.futures.thread  # noqa: F401 - see _close_all's registration
import contextlib
import math
import os
import sys
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from ..core import features
from ..core.baseline import Baseline
from .mediapipe_tasks import BaseOptions, mp, vision

# Landmarks from the nose to the shoulders: what a person at a desk shows.
_UPPER = slice(0, 13)
# Landmarks of the face, from the nose to the mouth, and the shoulders.
_FACE, _SHOULDERS = slice(0, 11), slice(11, 13)
# A frame darker than this on average (0-255) is dim: the pose model loses a user in a dark room
# (wholly, with someone else in view, in acted-out recordings at a mean of 38) and finds them again
# once the frame is brightened and its sensor noise smoothed, as a camera's low-light processing does.
DIM = 70
# The mean a dim frame is brightened to, by a gamma curve (it keeps black black and white white).
_LIFTED = 0.45
# Once calibrated, a person under this fraction of the neutral's size is further back than the user.
MATCH_SIZE = 0.5
# ... and one whose nose is further than this from the neutral's, in the neutral's own size (shoulder
# widths from the front, ear-to-shoulder distances from the side, about 0.4 of a shoulder width), is
# elsewhere in the picture. Leaning, slumping or coming closer move the nose under half a shoulder width.
MATCH_PLACE = {"front": 1.25, "side": 3.0}
# The mismatch of a person who cannot be compared with the neutral: after anyone who matches.
_UNMEASURED = 2.0

_open: weakref.WeakSet[PoseEstimator] = weakref.WeakSet()
_silencing = threading.RLock()
_silencing_depth = [0]


@contextlib.contextmanager
def _native_logs_silenced() -> Iterator[None]:
    """Hide the MediaPipe C++ chatter (INFO/W lines) that no setting turns off.

    Only around model creation, the first frame and closing (including the
    close at interpreter exit); Python exceptions still propagate and are
    reported after stderr is restored.
    """
    # fd 2 belongs to the whole process: one thread at a time swaps it, and a
    # nested use (closing from within a silenced block) leaves it to the outer one.
    with _silencing:
        if _silencing_depth[0]:
            _silencing_depth[0] += 1
            try:
                yield
            finally:
                _silencing_depth[0] -= 1
            return
        sys.stderr.flush()
        saved = os.dup(2)
        _silencing_depth[0] = 1
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 2)
            yield
        finally:
            _silencing_depth[0] = 0
            os.dup2(saved, 2)
            os.close(saved)


def _close_all() -> None:
    for estimator in list(_open):
        estimator.close()


# MediaPipe runs its C calls on a thread pool that refuses work once
# interpreter shutdown begins, so its own finaliser fails on an instance left
# open. Close such instances first: threading's exit hooks run newest first,
# so registering after concurrent.futures.thread (imported above for that)
# runs this before the pool shuts down.
getattr(threading, "_register_atexit", atexit.register)(_close_all)


class PoseEstimator:
    """Wraps ``PoseLandmarker`` with person selection and monotonic timestamps."""

    def __init__(
        self, model: Path, max_people: int = 2, min_detection_confidence: float = 0.5, min_size: float = 0.0
    ) -> None:
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model)),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=max_people,
            min_pose_detection_confidence=min_detection_confidence,
            min_pose_presence_confidence=min_detection_confidence,
        )
        with _native_logs_silenced():
            self._landmarker: vision.PoseLandmarker | None = vision.PoseLandmarker.create_from_options(options)
        self._last_ms = -1
        self.min_size = min_size
        self._previous: np.ndarray | None = None
        self._rgb: np.ndarray | None = None
        self._frames = 0
        _open.add(self)

    def detect(self, t: float, bgr: np.ndarray, baseline: Baseline | None = None) -> np.ndarray | None:
        """Landmarks of the user in frame ``bgr`` at ``t`` seconds, or None if the user is not seen.

        The array is 33 x 4: x and y in pixels, z (relative depth, MediaPipe's
        scale), visibility 0-1. ``baseline``, the user's neutral, tells the user
        from anyone else in view; without it the user is the largest person
        at least ``min_size`` large (:func:`person_size`).
        """
        if self._landmarker is None:
            raise RuntimeError("PoseEstimator used after close()")
        if self._rgb is None or self._rgb.shape != bgr.shape:
            self._rgb = np.empty_like(bgr)
        cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB, dst=self._rgb)
        _lift_if_dim(self._rgb)
        # VIDEO mode needs strictly increasing integer milliseconds, also when a
        # recording loops or the clock steps back.
        ms = max(int(t * 1000), self._last_ms + 1)
        self._last_ms = ms
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=self._rgb)
        if self._frames:
            result = self._landmarker.detect_for_video(image, ms)
        else:
            with _native_logs_silenced():
                result = self._landmarker.detect_for_video(image, ms)
        self._frames += 1
        height, width = bgr.shape[:2]
        people = [
            np.array([(p.x * width, p.y * height, p.z, _visibility(p)) for p in pose], dtype=np.float64)
            for pose in result.pose_landmarks
        ]
        chosen = choose_user(people, width, height, self._previous, baseline, self.min_size)
        self._previous = chosen
        return chosen

    def close(self) -> None:
        """Release the model; safe to call twice."""
        if self._landmarker is not None:
            # Closing prints "INFO: [accelerator_registry.cc] DestroyAccelerator ..." lines.
            with _native_logs_silenced():
                self._landmarker.close()
            self._landmarker = None
        _open.discard(self)

    def __del__(self) -> None:
        # Dropped without close(): close it here, quietly, not in MediaPipe's own noisy finaliser.
        # Nothing to do once closed, which is also when module globals may be gone (interpreter exit).
        if getattr(self, "_landmarker", None) is not None:
            try:
                self.close()
            except Exception:  # a finaliser must not raise; the process is ending or the model is gone
                return

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _lift_if_dim(rgb: np.ndarray) -> None:
    """Brighten a dim frame in place to a mean of ``_LIFTED`` and smooth the noise that brings up."""
    mean = float(np.mean(rgb))
    if mean >= DIM:
        return
    exponent = math.log(_LIFTED) / math.log(max(mean, 1.0) / 255)
    curve = np.clip(255 * (np.arange(256) / 255) ** exponent, 0, 255).astype(np.uint8)
    cv2.LUT(rgb, curve, dst=rgb)
    cv2.GaussianBlur(rgb, (0, 0), 1.0, dst=rgb)


def _visibility(landmark: object) -> float:
    value = getattr(landmark, "visibility", None)
    return float(value) if value is not None and math.isfinite(value) else 0.0


def choose_user(
    people: list[np.ndarray],
    width: int,
    height: int,
    previous: np.ndarray | None,
    baseline: Baseline | None = None,
    min_size: float = 0.0,
) -> np.ndarray | None:
    """The person most likely to be the user, or None when nobody in view is.

    With ``baseline``: the person nearest the neutral in size and place, among those not much smaller
    (``MATCH_SIZE``) nor elsewhere (``MATCH_PLACE``). Without: the largest, most central one at least
    ``min_size`` large (see :func:`person_size`). Either way, where the user was before counts.
    """
    diagonal = math.hypot(width, height)

    def seen(person: np.ndarray) -> np.ndarray:
        upper = person[_UPPER]
        visible = upper[upper[:, 3] >= 0.5]
        return visible if len(visible) >= 2 else upper

    def stay(person: np.ndarray) -> float:
        if previous is None:
            return 0.0
        return math.hypot(*(seen(person)[:, :2].mean(axis=0) - seen(previous)[:, :2].mean(axis=0))) / diagonal

    if baseline is not None:
        costs = [(mismatch(person, width, height, baseline), person) for person in people]
        matching = [(cost + stay(person), i, person) for i, (cost, person) in enumerate(costs) if cost is not None]
        return min(matching, key=lambda c: c[:2])[2] if matching else None
    people = [person for person in people if person_size(person, width, height) >= min_size]
    if len(people) <= 1:
        return people[0] if people else None

    def score(person: np.ndarray) -> float:
        points = seen(person)
        span = (np.ptp(points[:, 0]) + np.ptp(points[:, 1])) / diagonal
        center = points[:, :2].mean(axis=0)
        off_center = math.hypot(center[0] - width / 2, center[1] - height / 2) / diagonal
        return span - 0.5 * off_center - 1.0 * stay(person)

    return max(people, key=score)


def person_size(person: np.ndarray, width: int, height: int) -> float:
    """How large a person is in the picture, as a fraction of its diagonal: about their head's size.

    The smaller of two measures of it: the longest distance between two visible landmarks of the face
    (the head's width from the front, its depth from the side) and half the distance from the face to
    the shoulders. A pose the model makes up in the dark scatters its landmarks and rarely inflates
    both. 0 when no two landmarks of the face are visible.
    """
    seen = (person[:, 3] >= 0.5) & np.isfinite(person[:, :2]).all(axis=1)
    face = person[_FACE][seen[_FACE], :2]
    if len(face) < 2:
        return 0.0
    size = np.linalg.norm(face[:, None] - face[None], axis=-1).max()
    shoulders = person[_SHOULDERS][seen[_SHOULDERS], :2]
    if len(shoulders):
        size = min(size, np.linalg.norm(face.mean(axis=0) - shoulders.mean(axis=0)) / 2)
    return float(size / math.hypot(width, height))


def mismatch(person: np.ndarray, width: int, height: int, baseline: Baseline) -> float | None:
    """How far a person is from the user's neutral in size and place (0: the same), or None for someone else.

    Someone else is much smaller than the neutral (further back) or elsewhere in the picture. The size is
    the largest of the shoulders' width, the face's and the neck's length, each against its neutral, so
    that turning the body (narrower shoulders) or the head (a narrower face) leaves the user the user.
    A person who cannot be measured as the neutral was (not seen in its view) is not ruled out, only
    ranked after those who match.
    """
    _, found = features.compute(person, width, height, view=baseline.view)
    neutral = baseline.median
    now, then = _sizes(found), _sizes(neutral)
    ratios = [now[k] / then[k] for k in now if then.get(k, 0.0) > 0]
    if not ratios:
        return _UNMEASURED
    size = max(ratios)
    if size < MATCH_SIZE:
        return None
    place = 0.0
    if all(k in found and k in neutral for k in ("head_x", "head_y", "aspect", "scale")):
        dx = found["head_x"] - neutral["head_x"]
        dy = (found["head_y"] - neutral["head_y"]) * found["aspect"]
        place = math.hypot(dx, dy) / max(neutral["scale"], 1e-6) / MATCH_PLACE[baseline.view]
        if place > 1.0:
            return None
    return place + abs(math.log(size))


def _sizes(found: features.Features) -> dict[str, float]:
    """The person's sizes as fractions of the picture's width: shoulders (or ear to shoulder), face, neck."""
    sizes = {k: found[k] for k in ("scale", "face_size") if k in found}
    if "neck_length" in found and "scale" in found:
        sizes["neck"] = found["neck_length"] * found["scale"]
    return sizes
