"""The webcam, the one way every command opens it: briefly, retried, never fought over.

On Linux and Windows only one program can stream a camera at a time, so by
default the camera is opened for a short sample every few seconds and let go
in between; a video call can take it at any moment. A sample's frames are
taken back to back, so the device is open only for the warm-up and those
frames. A camera another program holds is "busy": the monitor treats that as
being in a call and tries again later, without calling it an error. A missing
or vanished camera is retried with backoff. Status changes are reported
through a callback, once per change.

``run``, ``calibrate``, ``record`` and ``doctor`` all use :class:`Camera`;
``run --source`` plays a recording through it as :class:`RecordedCamera`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import cv2

from ..config import Config
from ..errors import UserError
from .video import Frame, Sampler

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


@cache
def _quiet_opencv() -> None:
    """OpenCV logs errors only, once per process: a missing camera is reported by :class:`Camera`.

    Without this every look for an absent camera prints lines such as
    ``[ WARN:0@0.03] global cap_v4l.cpp ... can't open camera by index``.
    """
    logging = getattr(getattr(cv2, "utils", None), "logging", None)
    if logging is not None:
        logging.setLogLevel(logging.LOG_LEVEL_ERROR)
    elif hasattr(cv2, "setLogLevel"):  # older builds: 3 is LOG_LEVEL_ERROR
        cv2.setLogLevel(3)


def open_capture(index: int) -> Capture:
    """``cv2.VideoCapture`` without OpenCV's own warnings on stderr when the device is not there.

    A device the OS does not have is not asked for at all (an unopened
    capture stands for it): OpenCV's other backends would each log an error
    looking for it.
    """
    _quiet_opencv()
    if device_exists(index) is False:
        return cv2.VideoCapture()
    return cv2.VideoCapture(index)


class Camera:
    """Pull frames with :meth:`next_frame`; the camera is opened and let go as the mode says.

    ``hold_open`` keeps frames coming at the analysis rate (calibrating,
    recording); ``idle`` (the user is away) looks only once a sample interval
    in any mode.
    """

    def __init__(
        self,
        settings: Config,
        analysis_fps: float,
        on_status: Callable[[str], None] = lambda status: None,
        opener: Callable[[int], Capture] = open_capture,
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
        self.idle = False
        self.hold_open = False
        # A fault is building up: sample twice as often, so its reminder is not late.
        self.urgent = False
        self.finished = False  # a recording came to its end
        self.opened_at: float | None = None
        self.open_seconds = 0.0  # total time the device was open, for the benchmarks
        self.samples = 0

    def configure(self, settings: Config, analysis_fps: float) -> None:
        """Apply (possibly reloaded) camera settings; takes effect at the next opening."""
        cam = settings["camera"]
        self.index, self.width, self.height, self.fps = cam["index"], cam["width"], cam["height"], cam["fps"]
        mode = cam["mode"]
        self.sampling = mode == "sampling" or (mode == "auto" and sampling_by_default())
        self.interval = float(cam["sample_interval_seconds"])
        self.warmup, self.per_sample = cam["warmup_frames"], cam["sample_frames"]
        self.sampler = Sampler(analysis_fps)

    @property
    def brief(self) -> bool:
        """Whether the device is opened for one sample at a time."""
        return (self.sampling or self.idle) and not self.hold_open

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
        # Within a sample the frames are taken back to back: the analysis
        # rate spaces the samples, not the frames of one.
        if not self.brief and not self.sampler.due(t):
            return None
        ok, image = self.capture.retrieve()
        if not ok or image is None:
            self._fail(LOST)
            return None
        self._set_status(OK)
        self.backoff = FIRST_RETRY
        if self.brief:
            self.left_in_sample -= 1
            if self.left_in_sample <= 0:
                self.close()
                interval = self.interval / 2 if self.urgent and not self.idle else self.interval
                self.next_sample = t + max(interval, self.sampler.period)
        return t, image

    def frames(
        self, patience: float, first: Callable[[], None] = lambda: None, stop: Callable[[], bool] = lambda: False
    ) -> Iterator[Frame]:
        """The camera's frames for a command that needs them now, ``first`` called before the first one, until
        ``stop()`` (the user quit, also while the camera is waited for).

        A missing camera, or one another program holds for longer than
        ``patience`` seconds, is a UserError that says so.
        """
        began = self.clock()
        told = False
        while not stop():
            frame = self.next_frame()
            if frame is not None:
                if not told:
                    told = True
                    first()
                yield frame
            elif self.status == MISSING:
                raise UserError(f"camera {self.index} was not found; plug it in or set camera.index in the settings")
            elif self.status == BUSY and self.clock() - began > patience:
                raise UserError(f"camera {self.index} is in use by another program; close it and try again")

    def _open(self) -> bool:
        capture = self.opener(self.index)
        if not capture.isOpened():
            capture.release()
            # The device is there but will not open: another program has it.
            self._fail(MISSING if self.exists(self.index) is False else BUSY)
            return False
        self.opened_at = self.clock()
        self.samples += 1
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        capture.set(cv2.CAP_PROP_FPS, self.fps)
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
            if self.opened_at is not None:
                self.open_seconds += self.clock() - self.opened_at
                self.opened_at = None


class RecordedCamera:
    """A recording played as a live camera: what it shows depends on the wall clock.

    Opening it joins the "broadcast" where it is now, frames come no faster
    than they were recorded, and time while it is closed is skipped by
    seeking, not decoding, exactly as a real camera shows nothing while let
    go. ``run --source`` feeds it to :class:`Camera`, so a recording goes
    through the same camera handling as the webcam.
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
