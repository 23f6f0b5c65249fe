"""The background monitor: camera (or a paced recording) through the pipeline to its sinks.

It runs the same pipeline as replay, frame by frame, and does what a live
run adds around it: tells the engine what the camera knows when it has no
frame (busy in a call, missing, paused, the machine asleep), reloads the
settings and the stored calibration, carries out the user's commands, and
keeps the application's :class:`~.modes.Mode`. Everything it has to say goes
to the sinks (``app.sinks``: notifications, history, tray, terminal), and
what the desktop says comes in from watchers (``app.watchers``), both
through one inbox; the loop alone touches the engine, the camera and the
history, so none of them needs a lock.

Stopping is an event: :meth:`Monitor.stop` sets it, every wait of the loop
is a wait on it, and the loop ends at its next turn.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import singledispatchmethod
from pathlib import Path
from typing import Any, Literal

from .. import commands, config_reference, paths
from ..advice.reminders import Reminder
from ..advice.wording import duration
from ..config import Config
from ..core import engine
from ..core.engine import CameraSays, Observation
from ..core.events import ProfileChosen
from ..core.profiles import DEFAULT, STANDING
from ..desktop import opener
from ..history.pages import write_page
from ..sense.camera import BUSY, LOST, MISSING, OK, PAUSED, Camera
from . import baselines
from .clocks import Clocks, later
from .coaching import CoachEnded, CoachProcess
from .coaching import command as coach_command
from .modes import (
    CalibrationEnded,
    CalibrationStarted,
    CameraState,
    ClockPassed,
    CoachClosed,
    CoachOpened,
    LightChanged,
    Mode,
    ModeEvent,
    PauseReason,
    ScreenLocked,
    UserPaused,
    UserResumed,
    transition,
)
from .outputs import Answered, Coached, ModeChanged, Note, Output, Sampled, Tick, Tone
from .pipeline import Analyser
from .reload import ConfigWatcher, FileWatch
from .sinks import Sink
from .sinks.notices import CALIBRATION, RECALIBRATE
from .watchers import DoNotDisturb, Watcher

log = logging.getLogger(__name__)

# "Pause until tomorrow" ends at this hour of the next morning.
MORNING = 6
# Seconds between two looks at the settings file and the stored calibration.
RELOAD_EVERY = 1.0
# A reminder's buttons, by their key, and the answer each gives.
ANSWERS: dict[str, Literal["snoozed", "done", "start"]] = {"snooze": "snoozed", "done": "done", "start": "start"}
# How long one pass of the loop waits while nothing is watched (paused, the screen locked, the coach's turn).
IDLE_WAIT = 0.5
# Reminders remembered for their Start button (the newest; an older one's Start opens today's stretch).
KEPT_REMINDERS = 50
# What the engine is told while the camera has no frame to give.
_CAMERA_SAYS = {BUSY: CameraSays.BUSY, MISSING: CameraSays.OFF, LOST: CameraSays.OFF, PAUSED: CameraSays.PAUSED}
_CAMERA_WORDS = {
    OK: "{camera}: working",
    MISSING: "{camera}: not found; plug it in or set camera.device (trying again)",
    LOST: "{camera}: stopped giving pictures (trying again)",
    BUSY: "{camera}: in use by another program (a call?); reminders held until it is free",
}


def until_morning(now: datetime) -> datetime:
    """The start of the next morning: "until tomorrow" at 01:00 is 06:00 the same day, never 24 h or more."""
    morning = now.replace(hour=MORNING, minute=0, second=0, microsecond=0)
    return morning if morning > now else morning + timedelta(days=1)


class Monitor:
    """Owns the loop; other threads reach it only through :meth:`command`, :meth:`post` and :meth:`stop`."""

    def __init__(
        self,
        watcher: ConfigWatcher,
        camera: Camera,
        analyser: Analyser,
        clocks: Clocks,
        sinks: Sequence[Sink],
        watchers: Sequence[Watcher] = (),
        save_baseline: bool = True,
        source: str | None = None,
        history: Path | None = None,
        stopping: threading.Event | None = None,
        coach_source: tuple[Path, float | None] | None = None,
    ) -> None:
        """``source`` is what the terminal calls it ("the recording x.mp4"); ``history`` the database's path
        (None: no history is kept, so there is no summary to show); ``stopping`` an event set to end it;
        ``coach_source`` the recording (and the seconds to calibrate on) the coach is to show instead of the
        camera, when the monitor itself watches one."""
        self.watcher, self.camera, self.analyser, self.clocks = watcher, camera, analyser, clocks
        self.sinks, self.watchers, self.save_baseline = list(sinks), list(watchers), save_baseline
        self.source, self.history, self.coach_source = source, history, coach_source
        # The coach's child process while a stretch is under way, the epoch it began, and the recent reminders
        # by alert id (a Start button names one).
        self.coach: CoachProcess | None = None
        # What starts one (a test gives a scripted child).
        self.coach_process: Callable[[list[str], int | None, Callable[[object], None]], CoachProcess] = CoachProcess
        self._coach_began = 0.0
        self._reminders: dict[int, Reminder] = {}
        self.inbox: queue.Queue[object] = queue.Queue()
        self.stopping = stopping if stopping is not None else threading.Event()
        self.mode = Mode(calibrating=self.state.calibrating)
        self.quiet = False
        self._now = clocks.now()
        self._reloaded = -RELOAD_EVERY
        # The stable id of the camera whose calibrations are in force.
        self._camera_id = camera.device.id
        # The folder of the stored calibrations: any profile stored by `posture-watch calibrate` is news.
        self._stored = FileWatch(baselines.path_for(self._camera_id).parent)
        # The profile to sit again on after standing.
        self._sitting = self.state.profile if not self.state.standing else DEFAULT
        self._when_watching: list[Note] = []
        camera.on_status = self._camera_status
        camera.wait = self.wait
        camera.hold_open = self.state.calibrating

    @property
    def settings(self) -> Config:
        return self.watcher.settings

    @property
    def state(self) -> engine.State:
        return self.analyser.state

    # --- from other threads ---------------------------------------------------------------------

    def command(self, command: commands.Command) -> None:
        """Queue a command from the tray or a notification button (any thread)."""
        self.inbox.put(command)

    def answer(self, key: str, tag: object) -> None:
        """A button on a notice (the notifier's ``on_action``, any thread): on a reminder the tag is the alert's id;
        Recalibrate on "the camera seems to have moved" calibrates."""
        if key in ANSWERS and isinstance(tag, int):
            self.command(commands.Answer(tag, ANSWERS[key]))
        elif key == "calibrate" and tag == RECALIBRATE:
            self.command(commands.Calibrate())

    def post(self, event: object) -> None:
        """Queue what a watcher saw (any thread)."""
        self.inbox.put(event)

    def stop(self) -> None:
        """End the loop at its next turn, cutting short any wait (any thread)."""
        self.stopping.set()

    def say(self, note: Note) -> None:
        """Tell the user something once, through every sink that shows notes (the loop's thread, or before it runs)."""
        self._emit(note)

    def say_when_watching(self, note: Note) -> None:
        """Tell the user something once the camera gives pictures: without a camera, its absence is said first."""
        if self.camera.status == OK:
            self._emit(note)
        else:
            self._when_watching.append(note)

    def wait(self, seconds: float) -> None:
        """The loop's only way to sleep: over as soon as :meth:`stop` is called."""
        self.clocks.wait(seconds, self.stopping)

    # --- the loop -------------------------------------------------------------------------------

    def run(self) -> None:
        """Loop until stopped (Quit, a signal, the end of a recording)."""
        log.info("monitor started")
        for watcher in self.watchers:
            watcher.start(self.post)
        try:
            while not self.stopping.is_set():
                self._turn()
            # Ended on waking, before the next turn looked: the sleep is time away all the same.
            self._woke()
        finally:
            for watcher in self.watchers:
                watcher.stop()
            self.camera.close()
            self._end_coach()
            for sink in self.sinks:
                sink.close()
            log.info("monitor stopped")

    def _turn(self) -> None:
        self._now = self.clocks.now()
        self._woke()
        if self._now - self._reloaded >= RELOAD_EVERY:
            self._reloaded = self._now
            self._reload()
        self._obey()
        if self.stopping.is_set():
            return
        self._change(ClockPassed(self.clocks.wall()))
        if self.mode.paused in (PauseReason.USER, PauseReason.COACH):
            self.camera.pause()
            self._tell(CameraSays.PAUSED)
            self.wait(IDLE_WAIT)
        elif self.mode.paused == PauseReason.LOCKED:
            # The camera stays off while the screen is locked: the time is away, and nothing is looked at.
            self.camera.close()
            self._tell(CameraSays.LOCKED)
            self.wait(IDLE_WAIT)
        else:
            frame = self.camera.next_frame()
            if frame is not None:
                # A suspend while the camera was taking the picture is told before the picture is judged.
                self._woke(frame[0])
                self._analyse(*frame)
            elif self.camera.finished:
                self._emit(Note("the recording came to its end"))
                self.stop()
            elif self.camera.status in _CAMERA_SAYS:
                self._tell(_CAMERA_SAYS[self.camera.status])
        self._emit(self._tick())

    def _woke(self, at: float | None = None) -> None:
        """Tell the engine how long the machine slept, if it did since the last look (at engine time ``at``)."""
        slept = self.clocks.slept()
        if slept > 0:
            self._now = at if at is not None else self.clocks.now()
            self._emit(Note(f"the machine slept for {duration(slept)}: that was time away"))
            self._tell(CameraSays.ASLEEP, slept)

    def _tick(self) -> Tick:
        status = engine.status(self.state, self.settings.core)
        return Tick(self.mode, status, self.clocks.wall(), self._quiet(), self._now)

    def _emit(self, output: Output) -> None:
        for sink in self.sinks:
            try:
                sink.take(output)
            except Exception:  # one broken destination must not end the monitor or starve the others
                log.exception("%s failed on %s", type(sink).__name__, type(output).__name__)

    def _change(self, event: ModeEvent) -> None:
        before, self.mode = self.mode, transition(self.mode, event)
        if self.mode != before:
            log.info("mode: %s", self.mode)
            self._emit(ModeChanged(before, self.mode, self._source_name()))

    def _source_name(self) -> str:
        return self.source or self.camera.label

    def _reload(self) -> None:
        """Pick up edited settings, another camera, and a calibration stored by `posture-watch calibrate`."""
        if self.watcher.poll():
            self.camera.configure(self.settings, self.settings["sampling"]["fps"])
        device = self.camera.device
        if device.connected and device.id != self._camera_id:
            self._camera_id = device.id
            self._use_stored(self.camera.label)
        if self._stored.changed():
            self._use_stored("the stored calibration")

    def _use_stored(self, what: str) -> None:
        """Measure against the baselines stored for the camera in use (the profile in use's, else the default
        one's, else the first), or calibrate if it has none."""
        try:
            stored = baselines.load_for(self.camera.device)
            self._stored.changed()  # what was just read (and any file taken over from the camera's number) is not news
        except Exception as exc:  # a damaged file: say so and keep what is in force
            self._emit(Note(str(exc), tone=Tone.PROBLEM))
            return
        if not stored:
            self.state.profiles.clear()
            if not self.state.calibrating:  # a calibration under way goes on, for the camera now in use
                self._do(commands.Calibrate())
            return
        profile = next(name for name in (self.state.profile, DEFAULT, *stored) if name in stored)
        self.state.profiles = dict(stored)
        engine.use(self.state, profile, stored[profile])
        self._emit(Note(f"using the calibration of {what}" + ("" if profile == DEFAULT else f" ({profile})")))

    def _obey(self) -> None:
        while True:
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                return
            log.info("inbox: %s", item)
            self._do(item)

    # --- commands and watchers' events, one handler per type ---------------------------------------

    @singledispatchmethod
    def _do(self, item: object) -> None:
        raise TypeError(f"the monitor has no handler for {item!r}")

    @_do.register
    def _(self, command: commands.Quit) -> None:
        self.stop()

    @_do.register
    def _(self, command: commands.Pause) -> None:
        now = self.clocks.wall()
        until = until_morning(now) if command.seconds is None else later(now, command.seconds)
        self._change(UserPaused(until))
        self.camera.pause()

    @_do.register
    def _(self, command: commands.Resume) -> None:
        self._change(UserResumed())

    @_do.register
    def _(self, command: commands.Snooze) -> None:
        minutes = command.minutes if command.minutes is not None else self.settings["notify"]["snooze_minutes"]
        engine.snooze(self.state, later(self.clocks.wall(), minutes * 60))
        self._emit(Note(f"reminders snoozed for {duration(minutes * 60)}"))

    @_do.register
    def _(self, command: commands.ResumeReminders) -> None:
        engine.snooze(self.state, None)
        self._emit(Note("reminders resumed"))

    @_do.register
    def _(self, command: commands.Answer) -> None:
        """A button on a reminder: Snooze holds reminders; Done starts that fault's load again from zero; Start
        opens the coach with the reminder's stretch, whose end answers it."""
        if command.answer == "start":
            reminder = self._reminders.get(command.alert_id)
            stretch = reminder.stretch if reminder is not None else None
            side = reminder.alert.side if reminder is not None and stretch is not None and stretch.sided else None
            self._open_coach(stretch.id if stretch is not None else None, side, command.alert_id)
            return
        if command.answer == "snoozed":
            self._do(commands.Snooze())
        else:
            engine.answered(self.state, command.alert_id)
        self._emit(Answered(command.alert_id, command.answer))

    @_do.register
    def _(self, command: commands.StretchNow) -> None:
        self._open_coach(None, None, None)

    @_do.register
    def _(self, ended: CoachEnded) -> None:
        """The coach gave the camera back: its session is recorded, and answers its reminder."""
        self.coach = None
        self._change(CoachClosed())
        if ended.summary is None:
            if ended.error is not None:
                text = f"the coach could not run: {ended.error}"
                self._emit(Note(text, title="posture-watch coach", tone=Tone.PROBLEM))
            else:
                self._emit(Note("the coach was closed before the stretch began"))
            return
        if ended.alert_id is not None:
            engine.answered(self.state, ended.alert_id)
        self._emit(Coached(ended.alert_id, self._coach_began, ended.summary))

    def _open_coach(self, stretch: str | None, side: str | None, alert_id: int | None) -> None:
        """Start the coach as a child process; the camera is let go first, and stays the child's until it ends."""
        if self.coach is not None and self.coach.running:
            self._emit(Note("a stretch is already open in the coach's window"))
            return
        config = self.watcher.path if self.watcher.path.exists() else None
        source, calibrate = self.coach_source or (None, None)
        self.coach = self.coach_process(coach_command(stretch, side, config, source, calibrate), alert_id, self.post)
        self._change(CoachOpened())
        self.camera.pause()
        self._coach_began = self.clocks.wall().timestamp()
        try:
            self.coach.start()
        except OSError as exc:  # the program could not be started at all
            self.coach = None
            self._change(CoachClosed())
            self._emit(Note(f"the coach could not start: {exc}", title="posture-watch coach", tone=Tone.PROBLEM))

    def _end_coach(self) -> None:
        """The monitor is ending: a stretch under way stops as q would stop it, and is recorded."""
        if self.coach is None or not self.coach.running:
            return
        self.coach.stop()
        while True:
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, CoachEnded):
                self._do(item)

    @_do.register
    def _(self, command: commands.Calibrate) -> None:
        seconds = self.settings["calibration"]["seconds"]
        engine.recalibrate(self.state, seconds)
        self._change(CalibrationStarted())
        self.camera.hold_open = True
        how = "Stand as you do when standing well" if self.state.standing else "Sit as you do when sitting well"
        text = f"{how}, facing the screen, for {seconds:g} seconds."
        self._emit(Note(f"calibrating: {text}", title="Calibrating", key=CALIBRATION))

    @_do.register
    def _(self, command: commands.Stand) -> None:
        if command.standing == self.state.standing:
            return
        if command.standing:
            self._sitting = self.state.profile
        self._switch(STANDING if command.standing else self._sitting)

    @_do.register
    def _(self, command: commands.UseProfile) -> None:
        if command.name in self.state.profiles and command.name != self.state.profile:
            self._switch(command.name)

    def _switch(self, profile: str) -> None:
        """Judge against ``profile``'s neutral from now on; calibrate it first when it has none yet."""
        baseline = self.state.profiles.get(profile)
        engine.use(self.state, profile, baseline)
        standing = "standing: the sitting clock stands still; " if self.state.standing else ""
        self._emit(Note(f"{standing}using the profile {profile}"))
        if baseline is None:
            self._do(commands.Calibrate())

    @_do.register
    def _(self, command: commands.Summary) -> None:
        names = {"day": "Today's summary", "week": "This week", "month": "This month"}
        title = names[command.period]
        if self.history is None:
            self._emit(Note("No history is kept for this run.", title=title))
            return
        try:
            page = write_page(self.history, command.period, self.clocks.wall().date())
        except Exception as exc:  # the page is a convenience; the monitor must go on
            log.warning("summary failed: %s", exc)
            self._emit(Note(f"The summary could not be made: {exc}", title=title, tone=Tone.PROBLEM))
            return
        self._emit(Note(f"{title.lower()}: {page}"))
        if not opener.open_page(page):
            self._emit(Note(f"No browser could be opened; the page is {page}", title=title))

    @_do.register
    def _(self, command: commands.OpenSettings) -> None:
        path = self.watcher.path
        if not path.exists():  # a file that changes nothing yet, every key described and commented out
            paths.write_private(path, config_reference.template().encode("utf-8"))
        self._emit(Note(f"settings: {path}"))
        if not opener.open_file(path):
            self._emit(Note(f"No editor could be opened; the file is {path}", title="Your settings"))

    @_do.register
    def _(self, event: DoNotDisturb) -> None:
        self.quiet = event.on

    @_do.register
    def _(self, event: ScreenLocked) -> None:
        self._change(event)
        if not event.locked:
            self.camera.look_now()

    # --- frames and camera states -----------------------------------------------------------------

    def _quiet(self) -> bool:
        return self.quiet and self.settings["notify"]["respect_do_not_disturb"]

    def _tell(self, camera: CameraSays, slept: float = 0.0) -> None:
        """Tell the engine what the camera knows when there is no frame."""
        wall = self.clocks.wall()
        obs = Observation(self._now, wall=wall, camera=camera, do_not_disturb=self._quiet(), slept=slept)
        self._outcomes(self.analyser.tell(obs, self.settings))

    def _analyse(self, t: float, image: Any) -> None:
        settings = self.settings
        wall = self.clocks.wall()
        _, feats, outcomes = self.analyser.frame(t, image, settings, wall, self.camera.sampler, self._quiet())
        quality = self.analyser.quality
        self._change(LightChanged(quality is not None and quality.poor))
        away_for = t - self.state.away_since if self.state.away_since is not None else 0.0
        self.camera.idle = away_for >= settings["camera"]["release_after_away_seconds"]
        self.camera.urgent = self.analyser.status is not None and self.analyser.status.deciding
        self._emit(Sampled(wall.timestamp(), feats, self.state.profile))
        self._outcomes(outcomes)

    def _outcomes(self, outcomes: list[Output]) -> None:
        for outcome in outcomes:
            match outcome:
                case Reminder():
                    self._remember(outcome)
                case ProfileChosen(profile=profile, standing=False):
                    self._sitting = profile
            self._emit(outcome)
        if self.mode.calibrating and not self.state.calibrating:
            self._calibrated()

    def _remember(self, reminder: Reminder) -> None:
        """Keep the last reminders by alert id: a Start pressed on one opens its own stretch."""
        self._reminders[reminder.alert.id] = reminder
        while len(self._reminders) > KEPT_REMINDERS:
            del self._reminders[next(iter(self._reminders))]

    def _calibrated(self) -> None:
        """The engine took a new neutral: store it for the camera in use."""
        self._change(CalibrationEnded())
        self.camera.hold_open = False
        baseline = self.state.baseline
        if self.save_baseline and baseline is not None:
            baselines.save(baseline, self._camera_id, self.state.profile)
            self._stored.changed()  # our own write is not news

    def _camera_status(self, status: str) -> None:
        """The camera's status changed: one line, never one per frame, and the mode follows."""
        words = _CAMERA_WORDS.get(status)
        if words and not self.camera.finished:
            problem = status in (MISSING, LOST)
            self._emit(Note(words.format(camera=self._source_name()), tone=Tone.PROBLEM if problem else Tone.INFO))
        if status == OK:
            while self._when_watching:
                self._emit(self._when_watching.pop(0))
        self._change(CameraState(status))
