"""Recorded video as a frame source, and the sampler that picks which frames to analyse.

Only the frames due for analysis are decoded: the others are grabbed and
dropped, which is most of the cost of reading a video or a camera.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from ..errors import UserError

Frame = tuple[float, np.ndarray]


class Sampler:
    """Decides which timestamps are due at a given analysis rate."""

    def __init__(self, fps: float) -> None:
        self.period = 1.0 / fps
        self._next: float | None = None
        self._last = -math.inf

    def due(self, t: float) -> bool:
        """True when ``t`` reaches the next analysis slot; advances the slot.

        Slots stay on a fixed grid so the rate does not drift; after a jump
        ahead or a clock that went backwards the grid restarts at ``t``.
        """
        if self._next is not None and self._last <= t < self._next - 1e-6:
            return False
        if self._next is None or t < self._last or t >= self._next + self.period:
            self._next = t + self.period
        else:
            self._next += self.period
        self._last = t
        return True


class VideoFile:
    """A recording, with timestamps from the file so replay runs as fast as the machine allows."""

    def __init__(self, path: Path, fps: float) -> None:
        if not path.exists():
            raise UserError(f"{path}: no such video file; check the path")
        if path.is_dir():
            raise UserError(f"{path} is a folder; give a video file such as recording.mp4")
        if path.stat().st_size == 0:
            raise UserError(f"{path} is empty (0 bytes); record or copy the video again")
        self.path = path
        self.capture = cv2.VideoCapture(str(path))
        if not self.capture.isOpened():
            self.capture.release()
            raise UserError(f"{path} could not be opened as a video; is it a video file (mp4, avi, mkv, webm)?")
        meta_fps = self.capture.get(cv2.CAP_PROP_FPS)
        # Metadata may say 0 or NaN; then the decoder's own timestamps are used.
        self.file_fps = meta_fps if math.isfinite(meta_fps) and 0 < meta_fps < 1000 else None
        self.sampler = Sampler(fps)
        self.frames_read = 0
        # (width, height) of its frames, as the file says.
        self.size = (int(self.capture.get(cv2.CAP_PROP_FRAME_WIDTH)), int(self.capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))

    def frames(self) -> Iterator[Frame]:
        index = 0
        while self.capture.grab():
            self.frames_read += 1
            t = self._timestamp(index)
            index += 1
            if not self.sampler.due(t):
                continue
            ok, image = self.capture.retrieve()
            if ok and image is not None:
                yield t, image
        if self.frames_read == 0:
            raise UserError(f"{self.path} has no readable frames; the file may be truncated or not a video")

    def _timestamp(self, index: int) -> float:
        msec = self.capture.get(cv2.CAP_PROP_POS_MSEC)
        if self.file_fps is not None and (not math.isfinite(msec) or (msec <= 0 and index > 0)):
            return index / self.file_fps
        if math.isfinite(msec) and (msec > 0 or index == 0):
            return msec / 1000.0
        return index / 30.0

    def close(self) -> None:
        self.capture.release()
