"""The webcam, the one way every command opens it: briefly, retried, never fought over.

On Linux and Windows only one program can stream a camera at a time, so by
default the camera is opened for a short sample every few seconds and let go
in between; a video call can take it at any moment. A sample's frames are
taken back to back once the picture has settled: a webcam's first frames
after opening are dark or washed out while its auto-exposure and white
balance find the light, so frames are read until their brightness holds
still (within ``SETTLE_TOLERANCE`` over ``SETTLE_SPAN``) or
``camera.settle_seconds`` pass. How long opening and settling take is
measured per device, and the samples are spaced so that the camera is open
at most ``MAX_DUTY`` of the time.

A camera another program holds is "busy": the monitor treats that as being
in a call and tries again later, without calling it an error. A missing or
vanished camera is retried with backoff; a camera chosen by name or id is
only ever that camera (``devices.chosen``). Status changes are reported
through a callback, once per change.

``run``, ``calibrate``, ``record``, ``preview`` and ``doctor`` all use
:class:`Camera`; ``run --source`` plays a recording through it as
:class:`RecordedCamera`.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from ..config import Config
from ..errors import UserError
from . import devices
from .devices import Device
from .video import Frame, Sampler

OK, IDLE, MISSING, BUSY, LOST, PAUSED = "ok", "idle", "missing", "busy", "lost", "paused"
# Backoff for a camera that is missing or gone: doubled after each failure.
FIRST_RETRY, MAX_RETRY = 2.0, 60.0
# Settled: the picture's mean brightness stayed within this fraction over this many seconds of frames.
# Consecutive frames of a 30 fps camera are too close to show a slow exposure ramp; 0.2 s is, and at 5 fps
# (a camera in a dim room) it is two frames.
SETTLE_TOLERANCE, SETTLE_SPAN = 0.03, 0.2
# The share of the time the camera may be open while sampling: its light is off at least 90 % of the time.
MAX_DUTY = 0.10
# How much each sample's open time counts in the running estimate per device.
OPEN_WEIGHT = 0.3
# An opening, settling or sample that took this much longer than the settling limit was interrupted (the
# machine slept in it, the process was stopped), not slow: counted, it would space the samples out for hours.
INTERRUPTED = 10.0


class Capture(Protocol):
    """The part of ``cv2.VideoCapture`` used here (tests pass a fake)."""

    def isOpened(self) -> bool: ...
    def grab(self) -> bool: ...
    def retrieve(self) -> tuple[bool, Any]: ...
    def set(self, prop: int, value: float) -> bool: ...
    def release(self) -> None: ...


def find_device(spec: devices.Spec) -> Device:
    """The camera ``camera.device`` names, as the OS lists its cameras now."""
    return devices.chosen(spec, devices.listed())


def sampling_by_default(platform: str = sys.platform) -> bool:
    """Platforms that let only one program stream a camera: sample instead of holding it."""
    return not platform.startswith("darwin")


def backends(platform: str = sys.platform) -> list[tuple[str, int]]:
    """The OpenCV capture backends to open a camera with, best first, as (OpenCV's name, id).

    Windows: DirectShow before Media Foundation. OpenCV's default there, Media
    Foundation, takes seconds to open many webcams, more again when the size
    is set (opencv/opencv#17687, #26495, #27917), and a sampling camera opens
    every few seconds; DirectShow opens them in a fraction of that. Media
    Foundation stays as the fallback, for cameras only it can open. Linux: V4L2
    (no GStreamer pipeline guessing); macOS: AVFoundation.
    """
    if platform.startswith("win"):
        return [("DSHOW", cv2.CAP_DSHOW), ("MSMF", cv2.CAP_MSMF)]
    if platform.startswith("linux"):
        return [("V4L2", cv2.CAP_V4L2)]
    if platform.startswith("darwin"):
        return [("AVFOUNDATION", cv2.CAP_AVFOUNDATION)]
    return [("ANY", cv2.CAP_ANY)]


@cache
def _quiet_opencv() -> None:
    """OpenCV logs errors only, once per process: a missing camera is reported by :class:`Camera`.

    Without this every look for an absent camera prints lines such as
    ``[ WARN:0@0.03] global cap_v4l.cpp ... can't open camera by index``.
    Media Foundation, when it is used, is kept from negotiating hardware
    transforms, which is what makes it slow to open (opencv/opencv#20327).
    """
    logging = getattr(getattr(cv2, "utils", None), "logging", None)
    if logging is not None:
        logging.setLogLevel(logging.LOG_LEVEL_ERROR)
    elif hasattr(cv2, "setLogLevel"):  # older builds: 3 is LOG_LEVEL_ERROR
        cv2.setLogLevel(3)
    os.environ.setdefault("OPENCV_VIDEOIO_MSMF_ENABLE_HW_TRANSFORMS", "0")


def open_capture(index: int) -> Capture:
    """``cv2.VideoCapture`` on this platform's preferred backend (:func:`backends`), quietly.

    The next backend is tried only when one does not open the camera; an
    unopened capture is returned when none does.
    """
    _quiet_opencv()
    capture = cv2.VideoCapture()
    for _, backend in backends():
        capture = cv2.VideoCapture(index, backend)
        if capture.isOpened():
            return capture
        capture.release()
    return capture


def can_open(index: int) -> bool:
    """Whether camera ``index`` opens (its light may blink): for listing cameras where the OS lists none."""
    capture = open_capture(index)
    try:
        return capture.isOpened()
    finally:
        capture.release()


def brightness(image: np.ndarray) -> float:
    """Mean grey level of a frame, 0-255 (every fourth pixel: plenty to follow exposure)."""
    return float(image[::4, ::4].mean())


class Camera:
    """Pull frames with :meth:`next_frame`; the camera is opened and let go as the mode says.

    ``hold_open`` keeps frames coming at the analysis rate (calibrating,
    recording); ``idle`` (the user is away) looks only once a sample interval
    in any mode. ``device`` is the camera ``camera.device`` names, as found at
    the last opening (or when configured).
    """

    def __init__(
        self,
        settings: Config,
        analysis_fps: float,
        on_status: Callable[[str], None] = lambda status: None,
        opener: Callable[[int], Capture] = open_capture,
        find: Callable[[devices.Spec], Device] = find_device,
        clock: Callable[[], float] = time.monotonic,
        wait: Callable[[float], object] = time.sleep,
    ) -> None:
        self.on_status, self.opener, self.find = on_status, opener, find
        self.clock, self.wait = clock, wait
        self.configure(settings, analysis_fps)
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
        self.opened_brief = False
        self.open_seconds = 0.0  # total time the device was open, opening included, for the benchmarks
        self.samples = 0
        # Settling: frames are read until their brightness holds still; (t, brightness) of the recent ones.
        self.settling = False
        self.settle_began = 0.0
        self.recent: deque[tuple[float, float]] = deque()
        self.unsettled = 0  # openings whose picture had not settled when settle_seconds ran out
        # Measured per device id: seconds to open, seconds to settle, and a sample's whole open time.
        self.opening: dict[str, float] = {}
        self.settling_time: dict[str, float] = {}
        self.sample_time: dict[str, float] = {}
        self.backend: str | None = None

    def configure(self, settings: Config, analysis_fps: float) -> None:
        """Apply (possibly reloaded) camera settings; takes effect at the next opening."""
        cam = settings["camera"]
        self.spec: devices.Spec = cam["device"]
        self.device = self.find(self.spec)
        self.width, self.height, self.fps = cam["width"], cam["height"], cam["fps"]
        mode = cam["mode"]
        self.sampling = mode == "sampling" or (mode == "auto" and sampling_by_default())
        self.interval = float(cam["sample_interval_seconds"])
        self.settle_limit, self.per_sample = float(cam["settle_seconds"]), cam["sample_frames"]
        self.sampler = Sampler(analysis_fps)

    @property
    def label(self) -> str:
        """How messages name the camera in use."""
        return self.device.label()

    @property
    def brief(self) -> bool:
        """Whether the device is opened for one sample at a time."""
        return (self.sampling or self.idle) and not self.hold_open

    def gap(self) -> float:
        """Seconds from letting the camera go to the next sample.

        The sample interval (halved while a fault builds up), stretched so that
        the time a sample keeps this device open, opening and settling
        included, stays within ``MAX_DUTY`` of the time.
        """
        interval = self.interval / 2 if self.urgent and not self.idle else self.interval
        key = self.device.id
        # Before a whole sample was measured, what opening and settling took (say while calibrating).
        held = self.sample_time.get(key, self.opening.get(key, 0.0) + self.settling_time.get(key, 0.0))
        return max(interval, held * (1 - MAX_DUTY) / MAX_DUTY, self.sampler.period)

    def _set_status(self, status: str) -> None:
        if status != self.status:
            self.status = status
            self.on_status(status)

    def next_frame(self) -> Frame | None:
        """A settled frame due for analysis, or None after waiting at most about a second."""
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
        image = None
        if self.settling:
            image = self._retrieve()
            if image is None or not self._settled(t, image):
                return None
        # Within a sample the frames are taken back to back: the analysis
        # rate spaces the samples, not the frames of one.
        if not self.brief and not self.sampler.due(t):
            return None
        if image is None:
            image = self._retrieve()
            if image is None:
                return None
        self._set_status(OK)
        self.backoff = FIRST_RETRY
        if self.brief:
            self.left_in_sample -= 1
            if self.left_in_sample <= 0:
                if self.opened_at is not None and self.opened_brief:
                    self._measure(self.sample_time, t - self.opened_at)
                self.close()
                self.next_sample = t + self.gap()
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
                raise UserError(f"{self.label} was not found; plug it in or set camera.device in the settings")
            elif self.status == BUSY and self.clock() - began > patience:
                raise UserError(f"{self.label} is in use by another program; close it and try again")

    def _retrieve(self) -> np.ndarray | None:
        assert self.capture is not None
        ok, image = self.capture.retrieve()
        if not ok or image is None:
            self._fail(LOST)
            return None
        return image

    def _settled(self, t: float, image: np.ndarray) -> bool:
        """Whether the picture has settled with this frame (or the time for settling ran out)."""
        level = brightness(image)
        self.recent.append((t, level))
        while len(self.recent) > 2 and self.recent[1][0] <= t - SETTLE_SPAN:
            self.recent.popleft()
        levels = [b for _, b in self.recent]
        steady = (
            t - self.recent[0][0] >= SETTLE_SPAN - 1e-6
            and max(levels) - min(levels) <= max(SETTLE_TOLERANCE * max(levels), 1.0)
        )
        timed_out = t - self.settle_began >= self.settle_limit
        if not (steady or timed_out):
            return False
        self.unsettled += not steady
        self.settling = False
        self.recent.clear()
        self._measure(self.settling_time, t - self.settle_began)
        return True

    def _measure(self, table: dict[str, float], seconds: float) -> None:
        """A running estimate per device: the first measurement, then each new one counting ``OPEN_WEIGHT``."""
        if seconds > self.settle_limit + INTERRUPTED:
            return
        key = self.device.id
        table[key] = seconds if key not in table else (1 - OPEN_WEIGHT) * table[key] + OPEN_WEIGHT * seconds

    def _open(self) -> bool:
        self.device = self.find(self.spec)
        if self.device.index is None:
            self._fail(MISSING)
            return False
        began = self.clock()
        capture = self.opener(self.device.index)
        if not capture.isOpened():
            capture.release()
            # The device is there but will not open: another program has it.
            self._fail(BUSY)
            return False
        self.opened_at = began
        # Only a sample opened as one counts toward a sample's length (not the end of a calibration).
        self.opened_brief = self.brief
        self.samples += 1
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        capture.set(cv2.CAP_PROP_FPS, self.fps)
        get_backend = getattr(capture, "getBackendName", None)
        self.backend = get_backend() if get_backend is not None else None
        self.settle_began = self.clock()
        self._measure(self.opening, self.settle_began - began)
        self.settling = self.settle_limit > 0
        self.recent.clear()
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

    def look_now(self) -> None:
        """Take the next sample at once, not at its turn: the user is back (the screen was unlocked)."""
        self.next_sample = self.retry_at = 0.0

    def pause(self) -> None:
        """Let the camera go (its light goes off) until frames are asked for again."""
        self.close()
        self._set_status(PAUSED)

    def close(self) -> None:
        if self.capture is not None:
            self.capture.release()
            self.capture = None
            self.settling = False
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
        self.path = path
        self.clock, self.wait = clock, wait
        self.start: float | None = None
        self.finished = False

    def stand_in(self, spec: devices.Spec) -> Device:
        """As ``Camera(find=...)``: the recording plays the camera the settings name, and uses its calibration."""
        return Device(0, find_device(spec).id, self.path.name)

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
