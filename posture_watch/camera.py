"""The webcam as the monitor uses it: opened only while needed, retried, never fought over.

On Linux and Windows only one program can stream a camera at a time, so by
default the camera is opened for a short sample every few seconds and let go
in between; a video call can take it at any moment. A camera another program
holds is "busy": the monitor treats that as being in a call and tries again
later, without calling it an error. A missing or vanished camera is retried
with backoff. Status changes are reported through a callback, once per change.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import cv2

from .config import Config
from .sources import Frame, Sampler, request_format

OK, IDLE, MISSING, BUSY, LOST, PAUSED = "ok", "idle", "missing", "busy", "lost", "paused"
# Backoff for a camera that is missing or gone: doubled after each failure.
FIRST_RETRY, MAX_RETRY = 2.0, 60.0


class Capture(Protocol):
    """The part of ``cv2.VideoCapture`` used here (tests pass a fake)."""

    def isOpened(self) -> bool: ...
    def grab(self) -> bool: ...
    def retrieve(self) -> tuple[bool, Any]: ...
    def set(self, prop: int, value: float) -> bool: ...
    def release(self) -> None: ...


def device_exists(index: int) -> bool | None:
    """Whether the OS has a camera device at ``index``; None where that cannot be told."""
    if sys.platform.startswith("linux"):
        return Path(f"/dev/video{index}").exists()
    return None


def sampling_by_default(platform: str = sys.platform) -> bool:
    """Platforms that let only one program stream a camera: sample instead of holding it."""
    return not platform.startswith("darwin")


class ManagedCamera:
    """Pull frames with :meth:`next_frame`; the camera is opened and let go as the mode says."""

    def __init__(
        self,
        settings: Config,
        analysis_fps: float,
        on_status: Callable[[str], None] = lambda status: None,
        opener: Callable[[int], Capture] = cv2.VideoCapture,
        exists: Callable[[int], bool | None] = device_exists,
        clock: Callable[[], float] = time.monotonic,
        wait: Callable[[float], object] = time.sleep,
    ) -> None:
        self.configure(settings, analysis_fps)
        self.on_status, self.opener, self.exists = on_status, opener, exists
        self.clock, self.wait = clock, wait
        self.capture: Capture | None = None
        self.status = IDLE
        self.retry_at = 0.0
        self.backoff = FIRST_RETRY
        self.next_sample = 0.0
        self.left_in_sample = 0
        self.idle = False  # the user is away: look only now and then
        self.hold_open = False  # calibrating: keep the frames coming
        self.finished = False  # a recording came to its end

    def configure(self, settings: Config, analysis_fps: float) -> None:
        """Apply (possibly reloaded) camera settings; takes effect at the next opening."""
        cam = settings["camera"]
        self.index, self.width, self.height, self.fps = cam["index"], cam["width"], cam["height"], cam["fps"]
        mode = cam["mode"]
        self.sampling = mode == "sampling" or (mode == "auto" and sampling_by_default())
        self.interval = float(cam["sample_interval_seconds"])
        self.warmup, self.per_sample = cam["warmup_frames"], cam["sample_frames"]
        self.sampler = Sampler(analysis_fps)

    def _set_status(self, status: str) -> None:
        if status != self.status:
            self.status = status
            self.on_status(status)

    def next_frame(self) -> Frame | None:
        """A frame due for analysis, or None after waiting at most about a second."""
        now = self.clock()
        if self.capture is None:
            due = max(self.retry_at, self.next_sample)
            if now < due:
                self.wait(min(due - now, 1.0))
                return None
            if not self._open():
                return None
        assert self.capture is not None
        if not self.capture.grab():
            self.finished = bool(getattr(self.capture, "finished", False))
            self._fail(LOST if self.status == OK else BUSY)
            return None
        t = self.clock()
        if not self.sampler.due(t):
            return None
        ok, image = self.capture.retrieve()
        if not ok or image is None:
            self._fail(LOST)
            return None
        self._set_status(OK)
        self.backoff = FIRST_RETRY
        if (self.sampling or self.idle) and not self.hold_open:
            self.left_in_sample -= 1
            if self.left_in_sample <= 0:
                self.close()
                self.next_sample = t + self.interval
        return t, image

    def _open(self) -> bool:
        capture = self.opener(self.index)
        if not capture.isOpened():
            capture.release()
            # The device is there but will not open: another program has it.
            self._fail(MISSING if self.exists(self.index) is False else BUSY)
            return False
        request_format(capture, self.width, self.height, self.fps)
        for _ in range(self.warmup):
            if not capture.grab():
                break
        self.capture = capture
        self.left_in_sample = self.per_sample
        return True

    def _fail(self, status: str) -> None:
        self.close()
        if status == BUSY:
            # In a call: no backoff growth, just look again at the next sample.
            self.retry_at = self.clock() + max(self.interval, FIRST_RETRY)
        else:
            self.retry_at = self.clock() + self.backoff
            self.backoff = min(self.backoff * 2, MAX_RETRY)
        self._set_status(status)

    def pause(self) -> None:
        """Let the camera go (its light goes off) until frames are asked for again."""
        self.close()
        self._set_status(PAUSED)

    def close(self) -> None:
        if self.capture is not None:
            self.capture.release()
            self.capture = None


class RecordedCamera:
    """A recording played as a live camera: what it shows depends on the wall clock.

    Opening it joins the "broadcast" where it is now, frames come no faster
    than they were recorded, and time while it is closed is skipped by
    seeking, not decoding, exactly as a real camera shows nothing while let
    go. ``run --source`` feeds it to :class:`ManagedCamera`, so a recording
    goes through the same camera handling as the webcam.
    """

    def __init__(
        self, path: Path, clock: Callable[[], float] = time.monotonic, wait: Callable[[float], object] = time.sleep
    ) -> None:
        self.capture = cv2.VideoCapture(str(path))
        self.clock, self.wait = clock, wait
        self.start: float | None = None
        self.finished = False

    def isOpened(self) -> bool:
        if not self.capture.isOpened() or self.finished:
            return False
        now = self.clock()
        if self.start is None:
            self.start = now
        elif now - self.start > self.capture.get(cv2.CAP_PROP_POS_MSEC) / 1000 + 1.0:
            self.capture.set(cv2.CAP_PROP_POS_MSEC, (now - self.start) * 1000)
        return True

    def grab(self) -> bool:
        if not self.capture.grab():
            self.finished = True
            return False
        assert self.start is not None
        ahead = self.start + self.capture.get(cv2.CAP_PROP_POS_MSEC) / 1000 - self.clock()
        if ahead > 0:
            self.wait(ahead)
        return True

    def retrieve(self) -> tuple[bool, Any]:
        return self.capture.retrieve()

    def set(self, prop: int, value: float) -> bool:
        """A recording keeps its own size and rate."""
        return False

    def release(self) -> None:
        """The file stays open: the next opening joins the recording where it has got to."""
