"""MediaPipe PoseLandmarker (Tasks API, VIDEO mode), following one user.

Returns landmarks in pixels (so angles are true in the picture) with their
visibility. When several people are in view it follows the user: the
largest, most central person, preferring whoever was followed last.
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

from .mediapipe_tasks import BaseOptions, mp, vision

# Landmarks from the nose to the shoulders: what a person at a desk shows.
_UPPER = slice(0, 13)

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

    def __init__(self, model: Path, max_people: int = 2, min_detection_confidence: float = 0.5) -> None:
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
        self._previous: np.ndarray | None = None
        self._rgb: np.ndarray | None = None
        self._frames = 0
        _open.add(self)

    def detect(self, t: float, bgr: np.ndarray) -> np.ndarray | None:
        """Landmarks of the user in frame ``bgr`` at ``t`` seconds, or None if nobody is seen.

        The array is 33 x 4: x and y in pixels, z (relative depth, MediaPipe's
        scale), visibility 0-1.
        """
        if self._landmarker is None:
            raise RuntimeError("PoseEstimator used after close()")
        if self._rgb is None or self._rgb.shape != bgr.shape:
            self._rgb = np.empty_like(bgr)
        cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB, dst=self._rgb)
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
        chosen = choose_user(people, width, height, self._previous)
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


def _visibility(landmark: object) -> float:
    value = getattr(landmark, "visibility", None)
    return float(value) if value is not None and math.isfinite(value) else 0.0


def choose_user(people: list[np.ndarray], width: int, height: int, previous: np.ndarray | None) -> np.ndarray | None:
    """The person most likely to be the user: large, central, and where the user was before."""
    if not people:
        return None
    if len(people) == 1:
        return people[0]
    diagonal = math.hypot(width, height)

    def seen(person: np.ndarray) -> np.ndarray:
        upper = person[_UPPER]
        visible = upper[upper[:, 3] >= 0.5]
        return visible if len(visible) >= 2 else upper

    def score(person: np.ndarray) -> float:
        points = seen(person)
        span = (np.ptp(points[:, 0]) + np.ptp(points[:, 1])) / diagonal
        center = points[:, :2].mean(axis=0)
        off_center = math.hypot(center[0] - width / 2, center[1] - height / 2) / diagonal
        stay = 0.0
        if previous is not None:
            stay = math.hypot(*(center - seen(previous)[:, :2].mean(axis=0))) / diagonal
        return span - 0.5 * off_center - 1.0 * stay

    return max(people, key=score)
