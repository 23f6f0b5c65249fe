"""``posture-watch coach``: one stretch, with the camera seeing it done.

A small HighGUI window (as ``preview``'s) shows the picture with the
landmarks, the step in words, a big hold timer or rep counter and a line of
feedback; the judging is the pure ``core.coach``. Frames go through the same
pose model and features as every other command (``pipeline.sense``), against
the user's stored neutral, or one taken first (``--calibrate``, or when none
is stored yet). With ``--source`` it runs on a recording, in real time in the
window or, with ``--json`` and no window, as fast as the machine allows.

The window closes itself when the dose is done and says so; q, Esc or
closing it stops, and what was done is what is reported.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..advice.stretches import Rotation, Stretch, choose, for_muscles
from ..advice.wording import duration
from ..config import Config
from ..core import coach, engine
from ..core.engine import Observation
from ..core.events import Calibrated, CalibrationWaiting, Event
from ..core.faults import muscles_for
from ..errors import UserError
from ..history.store import path_for, record_coaching
from ..sense.camera import Camera
from ..sense.pose import PoseEstimator
from ..sense.video import Frame, Sampler, VideoFile
from . import baselines
from .clocks import Clocks, later
from .pipeline import neutral, open_estimator, sense
from .window import (
    BACKGROUND,
    BUILDING,
    CAMERA_NOTES,
    DIM,
    FONT,
    GOOD,
    HEIGHT,
    TEXT,
    Window,
    banner,
    banner_lines,
    display_available,
    paced,
    picture,
    text,
)

WINDOW = "posture-watch coach"
NO_DISPLAY = "coach needs a desktop display for its window; add --json to follow it as JSON lines instead"
# Frames analysed per second: feedback within a fraction of a second, at a few times the monitor's cost.
FPS = 5.0
# Seconds a camera in use by another program is waited for.
PATIENCE = 15.0
# Seconds the window stays open after the dose is done, saying so.
DONE_SHOWN = 3.0
# The panel beside the picture.
PANEL = 380
# The posture whose stretches are suggested when nothing was held today: sitting still.
NOTHING_HELD = "static_posture"

Output = Event | coach.CoachEvent


def by_id(settings: Config, stretch_id: str) -> Stretch:
    """The stretch ``stretch_id`` of the catalogue or the user's own, if it is not disabled."""
    found = next((s for s in settings.stretches if s.id == stretch_id), None)
    if found is None:
        raise UserError(
            f"no stretch '{stretch_id}' (or it is disabled in your settings); ids are: "
            + ", ".join(s.id for s in settings.stretches)
        )
    return found


def for_posture(settings: Config, fault: str, side: str | None) -> tuple[Stretch, str | None]:
    """The stretch the engine would suggest for ``fault`` held to ``side`` (a reminder's), and the side to stretch."""
    stretch, _ = choose(settings.stretches, fault, muscles_for(fault, side), Rotation())
    if stretch is None and fault != NOTHING_HELD:
        return for_posture(settings, NOTHING_HELD, None)
    if stretch is None:
        raise UserError("every stretch that answers sitting still is disabled in your settings; name one to coach")
    return stretch, side if stretch.sided else None


def for_today(settings: Config) -> tuple[Stretch, str | None]:
    """The stretch for the muscles most loaded today in the user's history (and their side), or for sitting still."""
    loads: dict[str, float] = {}
    history = path_for(settings)
    if history.exists():
        from ..history import tally

        loads = tally.read(history, "day").muscle_load_seconds
    stretch, side = for_muscles(settings.stretches, loads)
    return (stretch, side) if stretch is not None else for_posture(settings, NOTHING_HELD, None)


def history_for(settings: Config, source: Path | None, asked: Path | None = None) -> Path | None:
    """Where a session is recorded: the history ``asked`` for, else the user's for the camera's sessions; a
    recording's session, nowhere (it is not the user stretching)."""
    if asked is not None:
        return asked
    return path_for(settings) if source is None else None


def record(coaching: Coaching, history: Path | None) -> dict[str, Any] | None:
    """The session's summary (None while still calibrating: nothing was asked), recorded in ``history`` if any."""
    summary = coaching.summary()
    if summary is not None and history is not None:
        record_coaching(history, coaching.began.timestamp(), summary)
    return summary


class Coaching:
    """One coached stretch, frame by frame: calibrates first when the state asks for it, then judges.

    ``began`` is the aware local wall time it began (now, by default): the history's instant of the session,
    and, counted on by the frames' own times, the wall time the engine calibrates at.
    """

    def __init__(
        self, stretch: Stretch, side: str | None, settings: Config, state: engine.State, began: datetime | None = None
    ) -> None:
        if side is not None and not stretch.sided:
            raise UserError(f"{stretch.id} has no sides; leave out --side")
        self.stretch, self.settings, self.state = stretch, settings, state
        self.began = began if began is not None else Clocks().wall()
        self.dose = stretch.coach_dose(side)
        self.session: coach.Session | None = None
        self.landmarks: np.ndarray | None = None
        self.t = 0.0
        self._first_t: float | None = None
        if state.baseline is not None and not state.calibrating:
            self._start()

    def _start(self) -> None:
        assert self.state.baseline is not None
        sigmas = self.settings["calibration"]["noise_sigmas"]
        self.session = coach.new_session(self.stretch.id, self.stretch.check, self.dose, self.state.baseline, sigmas)

    @property
    def finished(self) -> bool:
        return self.session is not None and self.session.finished

    def frame(self, estimator: PoseEstimator, t: float, image: np.ndarray) -> list[Output]:
        """Judge one frame; what happened."""
        self.t = t
        if self._first_t is None:
            self._first_t = t
        self.landmarks, view, feats = sense(estimator, t, image, self.settings, neutral(self.state))
        if self.session is None:
            wall = later(self.began, t - self._first_t)
            events = engine.step(self.state, Observation(t, view, feats, wall), self.settings.core)
            said: list[Output] = [e for e in events if isinstance(e, Calibrated | CalibrationWaiting)]
            if not self.state.calibrating and self.state.baseline is not None:
                self._start()
            return said
        return list(coach.step(self.session, t, feats, view))

    def summary(self) -> dict[str, Any] | None:
        """What was asked and done, as ``coach --json``'s last line (with the stretch's name); None while still
        calibrating (nothing was asked yet)."""
        if self.session is None:
            return None
        return {**coach.summary(self.session).to_dict(self.t), "name": self.stretch.name}

    def to_dict(self, output: Output) -> dict[str, Any]:
        """The JSON line of an output; a step carries its words."""
        out = output.to_dict()
        if isinstance(output, coach.StepShown):
            out["name"] = self.stretch.name
            out["steps"] = self.stretch.for_side(output.side) if self.stretch.sided else list(self.stretch.steps)
            if not self.stretch.check.verified:
                out["timed_only"] = True
        return out


def run(
    settings: Config,
    stretch: Stretch,
    side: str | None,
    source: Path | None,
    calibrate: float | None,
    as_json: bool,
    emit: Callable[[Coaching, Output], None],
) -> Coaching:
    """Coach ``stretch`` until its dose is done, the user stops or the recording ends; the coaching, as it ended.

    ``emit`` gets each output as it happens. A recording with ``as_json``
    runs as fast as it decodes, without a window; everything else needs a
    display (with ``as_json`` and none, it runs without a window).
    """
    state = baselines.resolve(settings, calibrate, required=source is not None)
    coaching = Coaching(stretch, side, settings, state)
    show = not (as_json and source is not None)
    if show and not display_available():
        if not as_json:
            raise UserError(NO_DISPLAY)
        show = False
    window = Window(WINDOW) if show else None
    stop = _Stop()
    recording = VideoFile(source, FPS) if source is not None else None
    camera_size = (settings["camera"]["width"], settings["camera"]["height"])
    size = recording.size if recording is not None else camera_size

    def waiting(status: str) -> None:
        """While the camera gives no frames, the window says why (the last picture would stand still)."""
        if window is not None and status in CAMERA_NOTES:
            window.show(draw(_blank(size), None, coaching, settings, CAMERA_NOTES[status]))

    camera = None
    if recording is None:
        camera = Camera(settings, FPS, on_status=waiting, wait=window.wait if window is not None else time.sleep)
        camera.hold_open = True
    try:
        if window is not None:
            window.show(draw(_blank(size), None, coaching, settings, "loading the pose model"))
            window.wait(0.001)
        with open_estimator(settings) as estimator:

            def stopped() -> bool:
                return stop.set or (window is not None and window.quit)

            follow(coaching, estimator, _frames(recording, camera, window, stopped), emit, window, camera, stopped)
    finally:
        stop.restore()
        if recording is not None:
            recording.close()
        if camera is not None:
            camera.close()
        if window is not None:
            window.close()
    if coaching.session is None and recording is not None and calibrate is not None:
        raise UserError(
            f"{source}: nobody was in view long enough to calibrate ({calibrate:g} s were needed); "
            "record yourself sitting well, facing the camera, at the start"
        )
    return coaching


def follow(
    coaching: Coaching,
    estimator: PoseEstimator,
    frames: Iterator[Frame],
    emit: Callable[[Coaching, Output], None],
    window: Window | None = None,
    camera: Camera | None = None,
    stop: Callable[[], bool] = lambda: False,
    due: Sampler | None = None,
) -> None:
    """Judge ``frames`` (those ``due``, when given) until the dose is done, the frames end, ``stop()`` or the
    window is quit; the window shows every frame and, at the end of the dose, says so for ``DONE_SHOWN``."""
    for t, image in frames:
        if due is None or due.due(t):
            for output in coaching.frame(estimator, t, image):
                emit(coaching, output)
        if window is not None:
            window.show(draw(image, coaching.landmarks, coaching, coaching.settings, _camera_note(camera)))
            window.wait(0.001)
        if coaching.finished or stop() or (window is not None and window.quit):
            break
    if coaching.finished and window is not None:
        window.wait_until(time.monotonic() + DONE_SHOWN)


def _frames(
    recording: VideoFile | None, camera: Camera | None, window: Window | None, stopped: Callable[[], bool]
) -> Iterator[Frame]:
    """The frames to judge: a recording (in real time when there is a window) or the camera, whose wait for a
    busy or lost device ends as soon as the user stops."""
    if recording is None:
        assert camera is not None
        yield from camera.frames(PATIENCE, stop=stopped)
        return
    yield from paced(recording.frames(), window) if window is not None else recording.frames()


def _camera_note(camera: Camera | None) -> str | None:
    if camera is None:
        return None
    return CAMERA_NOTES.get(camera.status)


class _Stop:
    """SIGTERM stops a session as q does, so what was done is still reported (the monitor ends its coach so)."""

    def __init__(self) -> None:
        self.set = False
        self._previous: Any = None
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum: int, frame: object) -> None:
        self.set = True

    def restore(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)


def _blank(size: tuple[int, int]) -> np.ndarray:
    """A black picture of the source's shape, so the window keeps its size when the first frame comes."""
    width, height = size
    return np.zeros((HEIGHT, max(1, round(HEIGHT * width / max(height, 1))), 3), np.uint8)


def draw(
    image: np.ndarray, landmarks: np.ndarray | None, coaching: Coaching, settings: Config, note: str | None = None
) -> np.ndarray:
    """The coach window's picture: the camera picture with the landmarks, and the panel with the step,
    the big timer or counter, how far toward the target, and the feedback. ``image`` is not changed."""
    shown = picture(image, landmarks, settings["pose"]["min_visibility"])
    session = coaching.session
    if session is None:
        banner(shown, "calibrating: sit well, facing the screen", BUILDING)
    elif session.finished:
        done = coach.summary(session)
        banner(shown, "done: " + ("verified by the camera" if done.verified else "time is up"), GOOD)
    if note:
        banner(shown, note, TEXT, bottom=True)
    panel = np.full((HEIGHT, PANEL, 3), BACKGROUND, np.uint8)
    _panel(panel, coaching)
    return np.hstack([shown, panel])


def _panel(panel: np.ndarray, coaching: Coaching) -> None:
    stretch, dose, session = coaching.stretch, coaching.dose, coaching.session
    y = 30
    for line in banner_lines(stretch.name, PANEL - 20, 0.65, 2):
        text(panel, line, 10, y, TEXT, 0.65, 2)
        y += 26
    side = session.side if session is not None else dose.sides[0]
    if not stretch.check.verified:
        head, colour = "timed only: the camera cannot check this one", BUILDING
    elif side is not None:
        index = session.side_index + 1 if session is not None else 1
        head, colour = f"stretching your {side} side ({min(index, len(dose.sides))} of {len(dose.sides)})", DIM
    else:
        head, colour = stretch.hold, DIM
    text(panel, head, 10, y, colour, 0.45)
    y += 24
    steps = stretch.for_side(side) if stretch.sided else list(stretch.steps)
    for number, step in enumerate(steps, start=1):
        for i, line in enumerate(banner_lines(step, PANEL - 40, 0.45, 1)):
            text(panel, f"{number}." if i == 0 else "", 10, y, DIM)
            text(panel, line, 30, y, TEXT)
            y += 18
        y += 4
    if session is None:
        text(panel, "calibrating", 10, 300, BUILDING, 1.0, 2)
    else:
        _counter(panel, session, max(y + 50, 290))
    hint = session.hint if session is not None else None
    if hint:
        for i, line in enumerate(banner_lines(hint, PANEL - 20, 0.55, 1)[:2]):
            text(panel, line, 10, 400 + 22 * i, BUILDING, 0.55)
    text(panel, "q or Esc stops. Stretch gently; stop if it hurts.", 10, HEIGHT - 12, DIM, 0.4)


def _counter(panel: np.ndarray, session: coach.Session, y: int) -> None:
    """The big hold timer or rep counter, what it counts, and a bar of how far toward the target."""
    dose = session.dose
    if not session.check.verified:
        left = max(dose.total_seconds - (session.seconds or 0.0), 0.0)
        big, small = duration(left), "left"
    elif dose.seconds > 0:
        big = f"{min(session.held, dose.seconds):.0f} s"
        small = f"of {dose.seconds:g} s: hold {min(session.count + 1, dose.times)} of {dose.times}"
    else:
        big, small = f"{session.count}", f"of {dose.times}"
    if session.finished:
        big, small = "done", coach.summary(session).unit + " " + ("verified" if session.check.verified else "timed")
    (w, _), _ = cv2.getTextSize(big, FONT, 2.2, 5)
    text(panel, big, 10, y, GOOD if session.position.reached else TEXT, 2.2, 5)
    text(panel, small, 20 + w, y, DIM, 0.5)
    progress = session.position.progress
    if session.check.verified and progress is not None and not session.finished:
        x1 = 10 + round((PANEL - 20) * min(max(progress, 0.0), 1.0))
        cv2.rectangle(panel, (10, y + 20), (PANEL - 10, y + 32), (60, 60, 60), -1)
        cv2.rectangle(panel, (10, y + 20), (x1, y + 32), GOOD if progress >= 1.0 else BUILDING, -1)
