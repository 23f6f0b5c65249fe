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

from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np

from .. import config, localtime
from ..advice.reminders import Reminder
from ..advice.wording import duration, posture_name
from ..config import Config
from ..core import engine, faults
from ..core.baseline import Baseline
from ..core.engine import Status
from ..core.events import Calibrated, CalibrationWaiting
from ..core.faults import Reading
from ..errors import UserError
from ..sense.camera import MISSING, Camera, find_device
from ..sense.devices import Device
from ..sense.video import Frame, Sampler, VideoFile
from . import baselines, coach
from .outputs import Coached
from .pipeline import Analyser, open_estimator
from .plot import readings as frame_readings
from .sinks.terminal import Terminal, say
from .window import (
    BACKGROUND,
    BUILDING,
    CAMERA_NOTES,
    DIM,
    FONT,
    GOOD,
    HEIGHT,
    LOAD,
    OVER,
    TEXT,
    Window,
    banner,
    display_available,
    paced,
    picture,
    text,
)

WINDOW = "posture-watch preview"
NO_DISPLAY = "preview needs a desktop display; use replay --plot instead"
# Frames shown per second at most; the pose model runs at the analysis rate.
DISPLAY_FPS = 15.0
# The panel beside the picture is PANEL wide.
PANEL = 330
# Seconds a reminder stays written in the window.
REMINDER_SHOWN = 15.0
# The key that opens the coach in the window.
COACH_KEY = ord("s")
# What the window's user is told on the terminal, as the monitor tells it.
_TERMINAL = Terminal()
# Score range a bar shows: left of 0 is the other way from the fault.
BAR_LOW, BAR_HIGH = -1.0, 2.0


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
    shown = picture(image, landmarks, settings["pose"]["min_visibility"])
    if status is not None and status.calibrating:
        banner(shown, "calibrating: sit well", BUILDING)
    if note:
        banner(shown, note, TEXT, bottom=True)
    panel = np.full((HEIGHT, PANEL, 3), BACKGROUND, np.uint8)
    _panel(panel, readings, status, settings, loads or {})
    return np.hstack([shown, panel])


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
    text(panel, headline, 10, 22, BUILDING if status is not None and status.calibrating else TEXT, 0.6)
    text(panel, "s: a stretch", PANEL - 95, 20, DIM, 0.4)
    if status is not None and status.worst is not None:
        fault, side, held, load = status.worst
        text(panel, f"building: {posture_name(fault, side)}", 10, 46, BUILDING)
        hold = settings["faults"][fault]["hold_seconds"]
        text(panel, f"held {duration(held)}; load {load:.0%} of the {duration(hold)} hold", 10, 66, BUILDING)
    else:
        text(panel, "building: nothing", 10, 46, DIM)
    text(panel, f"score: 1.0 = edge of neutral; green < {release:g}", 10, 88, DIM, 0.4)
    top = 96
    row = min(54, (HEIGHT - top) // max(len(faults.POSTURE_FAULTS), 1))
    for i, name in enumerate(faults.POSTURE_FAULTS):
        y = top + i * row
        enabled = settings["faults"].get(name, {}).get("enabled", True)
        reading = readings.get(name)
        label = posture_name(name, reading.side if reading is not None else None)
        text(panel, label[:26], 10, y + 13, TEXT if enabled else DIM)
        value = "off" if not enabled else ("unknown" if reading is None else f"{reading.score:+.2f}")
        (w, _), _ = cv2.getTextSize(value, FONT, 0.45, 1)
        text(panel, value, PANEL - 10 - w, y + 13, _colour(reading, release) if reading else DIM)
        _bar(panel, 10, y + 18, PANEL - 20, 10, reading.score if reading and enabled else None, release)
        load = loads.get(name, 0.0)
        if load > 0:
            x1 = 10 + round((PANEL - 90) * min(load, 1.0))
            cv2.rectangle(panel, (10, y + 31), (x1, y + 35), LOAD, -1)
            text(panel, f"load {load:.0%}", PANEL - 70, y + 37, LOAD, 0.38)


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

    def detect(self, t: float, image: np.ndarray, baseline: Baseline | None = None) -> np.ndarray | None:
        self.landmarks = self.estimator.detect(t, image, baseline)
        return self.landmarks


def preview(config_path: Path | None, video: Path | None, calibrate: float | None) -> int:
    """Show the window until q, Esc or the window is closed; 0 then."""
    settings = config.load(config_path)
    state = baselines.resolve(settings, calibrate)
    if not display_available():
        raise UserError(NO_DISPLAY)
    fps = settings["sampling"]["fps"]
    device = find_device(settings["camera"]["device"])
    recording = VideoFile(video, DISPLAY_FPS) if video is not None else None
    window = Window(WINDOW)
    camera = None
    if recording is None:
        camera = Camera(settings, DISPLAY_FPS, wait=window.wait)
        camera.hold_open = True
    if state.calibration is not None:
        seconds = state.calibration.seconds
        say(f"calibrating: sit well, facing the screen, for {seconds:g} seconds")
    try:
        blank = np.zeros((HEIGHT, HEIGHT * 4 // 3, 3), np.uint8)
        window.show(draw(blank, None, {}, None, settings, note="loading the pose model"))
        window.wait(0.001)
        with open_estimator(settings) as estimator:
            pose = _Remembering(estimator)
            analyser = Analyser(pose, state, fps)  # type: ignore[arg-type] - only detect() is used
            _loop(window, analyser, pose, recording, camera, settings, device, coach.history_for(settings, video))
    finally:
        if recording is not None:
            recording.close()
        if camera is not None:
            camera.close()
        window.close()
    return 0


def _loop(
    window: Window,
    analyser: Analyser,
    pose: _Remembering,
    recording: VideoFile | None,
    camera: Camera | None,
    settings: Config,
    device: Device,
    history: Path | None,
) -> None:
    """Until the window is quit: analyse the frames due, draw every one, and coach on s; a coached session goes
    in ``history`` (if any)."""
    state = analyser.state
    analysis = Sampler(settings["sampling"]["fps"])
    frames = paced(recording.frames(), window) if recording is not None else None
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
                raise UserError(f"{camera.label} was not found; plug it in or set camera.device in the settings")
            note = CAMERA_NOTES.get(camera.status)
            if frame is None and note is None:
                window.wait(0.001)  # the camera is fine, this frame was just not due
                continue
        if frame is not None:
            t, image = frame
            if window.quit:
                break
            if analysis.due(t):
                view, feats, outcomes = analyser.frame(t, image, settings, datetime.now(localtime.zone()), analysis)
                current = frame_readings(state, view, feats, settings)
                camera_id = (camera.device if camera is not None else device).id
                reminder = _tell(outcomes, state, camera_id, save=camera is not None) or reminder
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
        if window.take_key() == COACH_KEY and state.baseline is not None and not state.calibrating:
            _coach(window, pose, state, settings, status, frames, camera, history)


def _coach(
    window: Window,
    pose: _Remembering,
    state: engine.State,
    settings: Config,
    status: Status,
    frames: Iterator[Frame] | None,
    camera: Camera | None,
    history: Path | None,
) -> None:
    """The coach in the same window, on the same picture: the stretch for the posture building now, or else for
    the one held longest today; q or Esc ends it and the preview goes on. The session goes in ``history``, if any,
    as ``coach`` records it."""
    worst = status.worst
    if worst is not None:
        stretch, side = coach.for_posture(settings, worst[0], worst[1])
    else:
        stretch, side = coach.for_today(settings)
    coaching = coach.Coaching(stretch, side, settings, state)
    waited = camera.frames(coach.PATIENCE, stop=lambda: window.quit) if camera is not None else iter(())
    source = frames if frames is not None else waited
    coach.follow(coaching, pose, source, lambda c, o: None, window, camera, due=Sampler(coach.FPS))  # type: ignore[arg-type]
    done = coach.record(coaching, history)
    if done is not None:
        _TERMINAL.take(Coached(None, coaching.began.timestamp(), done))
    window.resume()


def _tell(outcomes: list, state: engine.State, camera_id: str, save: bool) -> tuple[float, str] | None:
    """Say on the terminal, in the monitor's words, what the window's user is told; a new neutral is stored when
    ``save``; the last reminder's (t, title)."""
    shown = None
    for outcome in outcomes:
        match outcome:
            case Calibrated() if save:
                assert state.baseline is not None
                _TERMINAL.take(outcome)
                say(f"calibration saved to {baselines.save(state.baseline, camera_id)}")
            case Calibrated() | CalibrationWaiting():
                _TERMINAL.take(outcome)
            case Reminder(title=title):
                _TERMINAL.take(outcome)
                shown = (outcome.t, title)
    return shown
