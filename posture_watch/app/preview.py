"""``posture-watch preview``: a window showing what posture-watch sees.

The live picture (the camera, held open, or a recording paced in real time)
with the pose landmarks, and beside it each posture fault's score against
its neutral band and threshold, which fault is building and its load. The
frames go through the same :class:`~.pipeline.Analyser` as the monitor and
replay, at the same analysis rate; the picture itself is shown at up to
``DISPLAY_FPS``. Without a stored calibration it calibrates first, so the
camera can be placed while sitting well in view.

All drawing is in :func:`draw`, a pure function, so it is tested without a window.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from .. import config
from ..advice.reminders import Reminder
from ..advice.wording import duration, posture_name
from ..config import Config
from ..core import engine, faults
from ..core.engine import Status
from ..core.events import Calibrated, CalibrationWaiting
from ..core.faults import Reading
from ..errors import UserError
from ..sense.camera import BUSY, LOST, MISSING, Camera
from ..sense.video import Sampler, VideoFile
from . import baselines
from .pipeline import Analyser, open_estimator
from .plot import readings as frame_readings

WINDOW = "posture-watch preview"
NO_DISPLAY = "preview needs a desktop display; use replay --plot instead"
# Frames shown per second at most; the pose model runs at the analysis rate.
DISPLAY_FPS = 15.0
# The picture is scaled to this height; the panel beside it is PANEL wide.
HEIGHT, PANEL = 480, 330
QUIT_KEYS = (ord("q"), ord("Q"), 27)  # 27: Esc
# Seconds a reminder stays written in the window.
REMINDER_SHOWN = 15.0

# Colours (BGR). The skeleton is magenta and yellow, colours a face or a room rarely has.
BONE, JOINT, FAINT = (255, 0, 255), (0, 255, 255), (150, 150, 150)
BACKGROUND, TEXT, DIM = (32, 32, 32), (235, 235, 235), (150, 150, 150)
GOOD, BUILDING, OVER = (60, 180, 60), (0, 170, 255), (50, 50, 230)
LOAD = (0, 120, 255)
# Landmarks joined in the skeleton (MediaPipe pose indices: face, arms, trunk).
BONES = (
    (0, 2), (0, 5), (2, 7), (5, 8), (9, 10), (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
    (11, 23), (12, 24), (23, 24),
)  # fmt: skip
JOINTS = (*range(17), 23, 24)
# Score range a bar shows: left of 0 is the other way from the fault.
BAR_LOW, BAR_HIGH = -1.0, 2.0
FONT = cv2.FONT_HERSHEY_SIMPLEX


def display_available(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> bool:
    """Whether a window can be opened: always on macOS and Windows, elsewhere an X display that answers."""
    if platform.startswith(("darwin", "win")):
        return True
    name = environ.get("DISPLAY", "")
    if not name:
        # OpenCV's windows are X11 (Qt's xcb); Wayland desktops provide DISPLAY through XWayland.
        return False
    try:
        from Xlib import display as xdisplay
    except ImportError:
        return True
    try:
        xdisplay.Display(name).close()
    except Exception:  # refused, unreachable, unauthorised or malformed: Qt would abort on it
        return False
    return True


def draw(
    image: np.ndarray,
    landmarks: np.ndarray | None,
    readings: Mapping[str, Reading],
    status: Status | None,
    settings: Config,
    loads: Mapping[str, float] | None = None,
    note: str | None = None,
) -> np.ndarray:
    """The window's picture: ``image`` scaled to ``HEIGHT`` with the landmarks, and the panel beside it.

    ``landmarks`` are the pose estimator's 33 x 4 (x, y in pixels of
    ``image``, z, visibility); ``readings`` the faults' scores this frame
    (a fault without one is unknown); ``loads`` each fault's load as a
    fraction of its hold; ``note`` a line written over the picture.
    ``image`` is not changed.
    """
    height, width = image.shape[:2]
    scale = HEIGHT / height
    picture = cv2.resize(image, (max(1, round(width * scale)), HEIGHT), interpolation=cv2.INTER_LINEAR)
    if picture.ndim == 2:
        picture = cv2.cvtColor(picture, cv2.COLOR_GRAY2BGR)
    if landmarks is not None and landmarks.shape == (33, 4):
        _skeleton(picture, landmarks, scale, settings["pose"]["min_visibility"])
    if status is not None and status.calibrating:
        _banner(picture, "calibrating: sit well", BUILDING)
    if note:
        _banner(picture, note, TEXT, bottom=True)
    panel = np.full((HEIGHT, PANEL, 3), BACKGROUND, np.uint8)
    _panel(panel, readings, status, settings, loads or {})
    return np.hstack([picture, panel])


def _skeleton(picture: np.ndarray, landmarks: np.ndarray, scale: float, min_visibility: float) -> None:
    points = landmarks[:, :2] * scale
    finite = np.isfinite(points).all(axis=1)
    seen = finite & (landmarks[:, 3] >= min_visibility)
    xy = np.clip(np.nan_to_num(points), -1e4, 1e4).round().astype(int)
    for a, b in BONES:
        if finite[a] and finite[b]:
            both = seen[a] and seen[b]
            cv2.line(picture, tuple(xy[a]), tuple(xy[b]), BONE if both else FAINT, 3 if both else 1, cv2.LINE_AA)
    for i in JOINTS:
        if finite[i]:
            cv2.circle(picture, tuple(xy[i]), 5 if seen[i] else 3, JOINT if seen[i] else FAINT, -1, cv2.LINE_AA)


def _banner(picture: np.ndarray, text: str, colour: tuple[int, int, int], bottom: bool = False) -> None:
    """``text`` on a black box at the top (or bottom) of the picture, wrapped to its width (a portrait is narrow)."""
    lines = banner_lines(text, picture.shape[1] - 24)
    (_, h), base = cv2.getTextSize(text, FONT, 0.7, 2)
    step = h + base + 6
    first = picture.shape[0] - 12 - (len(lines) - 1) * step if bottom else 12 + h
    widest = max(cv2.getTextSize(line, FONT, 0.7, 2)[0][0] for line in lines)
    last = first + (len(lines) - 1) * step
    cv2.rectangle(picture, (6, first - h - 8), (18 + widest, last + base + 4), (0, 0, 0), -1)
    for i, line in enumerate(lines):
        cv2.putText(picture, line, (12, first + i * step), FONT, 0.7, colour, 2, cv2.LINE_AA)


def banner_lines(text: str, width: int) -> list[str]:
    """``text`` in lines at most ``width`` pixels wide, broken between words (a longer word gets a line of its own)."""
    lines: list[str] = []
    for word in text.split():
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and cv2.getTextSize(joined, FONT, 0.7, 2)[0][0] <= width:
            lines[-1] = joined
        else:
            lines.append(word)
    return lines or [""]


def _text(panel: np.ndarray, text: str, x: int, y: int, colour=TEXT, size: float = 0.45) -> None:
    cv2.putText(panel, text, (x, y), FONT, size, colour, 1, cv2.LINE_AA)


def _panel(
    panel: np.ndarray, readings: Mapping[str, Reading], status: Status | None, settings: Config, loads: Mapping
) -> None:
    release = settings["detection"]["release_fraction"]
    if status is None:
        headline = "starting"
    elif status.calibrating:
        headline = "calibrating: sit well"
    else:
        headline = {"seen": "watching", "nobody": "nobody in view", "away": "away", "call": "camera in use"}.get(
            status.presence, status.presence
        )
    _text(panel, headline, 10, 22, BUILDING if status is not None and status.calibrating else TEXT, 0.6)
    if status is not None and status.worst is not None:
        fault, side, held, load = status.worst
        _text(panel, f"building: {posture_name(fault, side)}", 10, 46, BUILDING)
        hold = settings["faults"][fault]["hold_seconds"]
        _text(panel, f"held {duration(held)}; load {load:.0%} of the {duration(hold)} hold", 10, 66, BUILDING)
    else:
        _text(panel, "building: nothing", 10, 46, DIM)
    _text(panel, f"score: 1.0 = edge of neutral; green < {release:g}", 10, 88, DIM, 0.4)
    top = 96
    row = min(54, (HEIGHT - top) // max(len(faults.POSTURE_FAULTS), 1))
    for i, name in enumerate(faults.POSTURE_FAULTS):
        y = top + i * row
        enabled = settings["faults"].get(name, {}).get("enabled", True)
        reading = readings.get(name)
        label = posture_name(name, reading.side if reading is not None else None)
        _text(panel, label[:26], 10, y + 13, TEXT if enabled else DIM)
        value = "off" if not enabled else ("unknown" if reading is None else f"{reading.score:+.2f}")
        (w, _), _ = cv2.getTextSize(value, FONT, 0.45, 1)
        _text(panel, value, PANEL - 10 - w, y + 13, _colour(reading, release) if reading else DIM)
        _bar(panel, 10, y + 18, PANEL - 20, 10, reading.score if reading and enabled else None, release)
        load = loads.get(name, 0.0)
        if load > 0:
            x1 = 10 + round((PANEL - 90) * min(load, 1.0))
            cv2.rectangle(panel, (10, y + 31), (x1, y + 35), LOAD, -1)
            _text(panel, f"load {load:.0%}", PANEL - 70, y + 37, LOAD, 0.38)


def _colour(reading: Reading, release: float) -> tuple[int, int, int]:
    if reading.score >= 1.0:
        return OVER
    return BUILDING if reading.score >= release else GOOD


def _bar(panel: np.ndarray, x: int, y: int, width: int, height: int, score: float | None, release: float) -> None:
    """The score on a scale from BAR_LOW to BAR_HIGH: the neutral band green, the threshold a white tick."""

    def at(value: float) -> int:
        return x + round(width * (min(max(value, BAR_LOW), BAR_HIGH) - BAR_LOW) / (BAR_HIGH - BAR_LOW))

    dark = 0.45
    zones = (
        (BAR_LOW, -release, (70, 70, 70)),
        (-release, release, GOOD),
        (release, 1.0, BUILDING),
        (1.0, BAR_HIGH, OVER),
    )
    for low, high, colour in zones:
        shade = tuple(round(c * dark) for c in colour) if score is not None else (55, 55, 55)
        cv2.rectangle(panel, (at(low), y), (at(high), y + height), shade, -1)
    if score is not None:
        colour = OVER if score >= 1.0 else BUILDING if score >= release else GOOD
        zero, end = at(0.0), at(score)
        cv2.rectangle(panel, (min(zero, end), y + 3), (max(zero, end), y + height - 3), colour, -1)
        cv2.line(panel, (end, y - 2), (end, y + height + 2), TEXT, 2)
    cv2.line(panel, (at(1.0), y - 3), (at(1.0), y + height + 3), (255, 255, 255), 1)
    cv2.line(panel, (at(0.0), y), (at(0.0), y + height), (120, 120, 120), 1)


class _Remembering:
    """The pose estimator, keeping the landmarks of the last frame for drawing."""

    def __init__(self, estimator) -> None:
        self.estimator = estimator
        self.landmarks: np.ndarray | None = None

    def detect(self, t: float, image: np.ndarray) -> np.ndarray | None:
        self.landmarks = self.estimator.detect(t, image)
        return self.landmarks


class _Window:
    """The HighGUI window: keys and the close button end it."""

    def __init__(self) -> None:
        cv2.namedWindow(WINDOW, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
        self.quit = False

    def show(self, picture: np.ndarray) -> None:
        # Showing a closed window would open it anew.
        if not self.quit and not self._closed():
            cv2.imshow(WINDOW, picture)

    def wait(self, seconds: float) -> None:
        """Handle the window's events for ``seconds`` (at least a millisecond); notes a quit."""
        key = cv2.waitKey(max(1, round(seconds * 1000)))
        if key != -1 and (key & 0xFF) in QUIT_KEYS:
            self.quit = True
        self._closed()

    def _closed(self) -> bool:
        """Whether the window was closed with its close button (then it is a quit)."""
        if not self.quit:
            try:
                visible = cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE)
            except cv2.error:  # Qt forgets a closed window altogether
                visible = 0
            self.quit = visible < 1
        return self.quit

    def close(self) -> None:
        cv2.destroyAllWindows()
        cv2.waitKey(1)


def preview(config_path: Path | None, video: Path | None, calibrate: float | None) -> int:
    """Show the window until q, Esc or the window is closed; 0 then."""
    settings = config.load(config_path)
    state = baselines.resolve(settings, calibrate)
    if not display_available():
        raise UserError(NO_DISPLAY)
    fps = settings["sampling"]["fps"]
    index = settings["camera"]["index"]
    recording = VideoFile(video, DISPLAY_FPS) if video is not None else None
    window = _Window()
    camera = None
    if recording is None:
        camera = Camera(settings, DISPLAY_FPS, wait=window.wait)
        camera.hold_open = True
    if state.calibration is not None:
        seconds = state.calibration.seconds
        print(f"posture-watch: calibrating: sit well, facing the screen, for {seconds:g} seconds", file=sys.stderr)
    try:
        blank = np.zeros((HEIGHT, HEIGHT * 4 // 3, 3), np.uint8)
        window.show(draw(blank, None, {}, None, settings, note="loading the pose model"))
        window.wait(0.001)
        with open_estimator(settings) as estimator:
            pose = _Remembering(estimator)
            analyser = Analyser(pose, state, fps)  # type: ignore[arg-type] - only detect() is used
            _loop(window, analyser, pose, recording, camera, settings, index)
    finally:
        if recording is not None:
            recording.close()
        if camera is not None:
            camera.close()
        window.close()
    return 0


def _loop(
    window: _Window,
    analyser: Analyser,
    pose: _Remembering,
    recording: VideoFile | None,
    camera: Camera | None,
    settings: Config,
    index: int,
) -> None:
    state = analyser.state
    analysis = Sampler(settings["sampling"]["fps"])
    frames = recording.frames() if recording is not None else None
    began: float | None = None
    image: np.ndarray | None = None
    current: dict[str, Reading] = {}
    reminder: tuple[float, str] | None = None
    ended = False
    while not window.quit:
        frame, note = None, None
        if frames is not None:
            frame = None if ended else next(frames, None)
            ended = frame is None
        elif camera is not None:
            frame = camera.next_frame()
            if frame is None and camera.status == MISSING:
                raise UserError(f"camera {index} was not found; plug it in or set camera.index in the settings")
            note = {BUSY: "camera in use by another program; waiting", LOST: "camera lost; trying again"}.get(
                camera.status
            )
            if frame is None and note is None:
                window.wait(0.001)  # the camera is fine, this frame was just not due
                continue
        if frame is not None:
            t, image = frame
            if frames is not None:
                # A recording plays in real time: wait (handling the window) until its moment comes.
                began = time.monotonic() - t if began is None else began
                while not window.quit and time.monotonic() < began + t:
                    window.wait(began + t - time.monotonic())
            if window.quit:
                break
            if analysis.due(t):
                view, feats, outcomes = analyser.frame(t, image, settings, datetime.now(), analysis)
                current = frame_readings(state, view, feats, settings)
                reminder = _tell(outcomes, state, settings, index, save=camera is not None) or reminder
        if image is None:
            image = np.zeros((HEIGHT, HEIGHT * 4 // 3, 3), np.uint8)
            note = note or "waiting for the camera"
        if ended:
            note = "end of the recording: q quits"
        elif reminder is not None and state.last_t is not None and state.last_t - reminder[0] < REMINDER_SHOWN:
            note = note or f"reminder: {reminder[1]}"
        status = engine.status(state, settings.core)
        window.show(draw(image, pose.landmarks, current, status, settings, status.loads, note))
        window.wait(0.001 if frame is not None else 0.1)


def _tell(outcomes: list, state: engine.State, settings: Config, index: int, save: bool) -> tuple[float, str] | None:
    """Say what happened on the terminal; the last reminder's (t, title)."""
    shown = None
    for outcome in outcomes:
        if isinstance(outcome, Calibrated):
            baseline = state.baseline
            assert baseline is not None
            where = f", saved to {baselines.save(baseline, index)}" if save else ""
            print(
                f"posture-watch: calibrated: {baseline.view} view from {baseline.frames} frames{where}", file=sys.stderr
            )
        elif isinstance(outcome, CalibrationWaiting):
            print("posture-watch: waiting for you to sit in view to calibrate", file=sys.stderr)
        elif isinstance(outcome, Reminder):
            print(f"posture-watch: reminder: {outcome.title}", file=sys.stderr)
            shown = (outcome.alert.t, outcome.title)
    return shown
