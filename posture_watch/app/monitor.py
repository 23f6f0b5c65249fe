"""The background monitor: camera (or a paced recording) through the pipeline to reminders.

It runs the same pipeline as replay, frame by frame, and does the I/O around
it: telling the engine what the camera knows when it has no frame (busy in
a call, missing, paused, the machine asleep), reloading settings and the
stored calibration, holding reminders during do-not-disturb, showing
notifications, updating the tray, obeying the tray's commands, and saying
each change once on the terminal and in the log.
"""

from __future__ import annotations

import logging
import math
import queue
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from .. import config
from ..advice.reminders import Reminder
from ..advice.wording import duration, posture_name
from ..commands import Answer, Calibrate, Command, OpenSettings, Pause, Quit, Resume, ResumeReminders, Snooze, Summary
from ..core import engine
from ..core.engine import CameraSays, Observation
from ..core.events import Calibrated, CalibrationWaiting, FaultEnd, FaultStart
from ..desktop import dnd, opener
from ..desktop.menu import TrayView
from ..desktop.notify import Notice, NoticeKind, Notifier
from ..history.pages import write_page
from ..history.store import Recorder
from ..sense.camera import BUSY, LOST, MISSING, OK, PAUSED, Camera
from . import baselines
from .clocks import Clocks
from .pipeline import Analyser, Outcome
from .reload import ConfigWatcher, FileWatch

log = logging.getLogger(__name__)

# Seconds between do-not-disturb checks (each may ask the X server and the desktop).
DND_EVERY = 5.0
# An alert colours the tray red for this long while its fault goes on.
ALERT_SHOWN = 120.0
# The calibration's notices replace each other: "calibrating", "waiting for you", "calibrated".
CALIBRATION = "calibration"
# A reminder's buttons: the key each sends -> the answer it means.
ANSWERS: dict[str, Literal["snoozed", "done"]] = {"snooze": "snoozed", "done": "done"}
# "Pause until tomorrow" ends at this hour of the next morning.
MORNING = 6
# What the engine is told while the camera has no frame to give.
_CAMERA_SAYS = {BUSY: CameraSays.BUSY, MISSING: CameraSays.OFF, LOST: CameraSays.OFF, PAUSED: CameraSays.PAUSED}
_CAMERA_WORDS = {
    OK: "{camera}: working",
    MISSING: "{camera}: not found; plug it in or set camera.index (trying again)",
    LOST: "{camera}: stopped giving pictures (trying again)",
    BUSY: "{camera}: in use by another program (a call?); reminders held until it is free",
}


def until_morning(now: datetime) -> datetime:
    """The start of the next morning: "until tomorrow" at 01:00 is 06:00 the same day, never 24 h or more."""
    morning = now.replace(hour=MORNING, minute=0, second=0, microsecond=0)
    return morning if morning > now else morning + timedelta(days=1)


def say(text: str) -> None:
    """One line on the terminal (stderr) and in the log."""
    log.info("%s", text)
    print(f"posture-watch: {text}", file=sys.stderr, flush=True)


class Monitor:
    """Owns the loop; other threads talk to it only through :meth:`command`, signals through :meth:`stop`."""

    def __init__(
        self,
        watcher: ConfigWatcher,
        camera: Camera,
        analyser: Analyser,
        notifier: Notifier,
        clocks: Clocks | None = None,
        recorder: Recorder | None = None,
        save_baseline: bool = True,
        dnd_check: Callable[[], bool] = dnd.active,
    ) -> None:
        self.watcher, self.camera, self.analyser, self.notifier = watcher, camera, analyser, notifier
        self.clocks = clocks or Clocks()
        self.recorder, self.save_baseline, self.dnd_check = recorder, save_baseline, dnd_check
        self.tray: Any = None
        # What the terminal calls the source: "camera 0", or the recording `run --source` plays.
        self.source_name: str | None = None
        self.commands: queue.Queue[Command] = queue.Queue()
        # Set by a signal handler: a plain attribute, so the handler takes no lock.
        self.quit_requested = False
        self.paused_until: datetime | None = None
        self._dnd = (False, -DND_EVERY)
        self._last_alert: tuple[float, str] | None = None
        # The fault of each reminder shown, by its alert's id (the tag its notice carries), until it is answered.
        self._alerts: dict[int, str] = {}
        self._now = self.clocks.now()
        self._index = self.settings["camera"]["index"]
        self._stored = FileWatch(baselines.path_for(self._index))
        camera.hold_open = self.state.calibrating

    @property
    def settings(self) -> config.Config:
        return self.watcher.settings

    @property
    def state(self) -> engine.State:
        return self.analyser.state

    def command(self, command: Command) -> None:
        """Queue a command from the tray or a notification button (thread-safe; not for signal handlers)."""
        self.commands.put(command)

    def answer(self, key: str, tag: object) -> None:
        """A reminder's button: the notifier's ``on_action`` (thread-safe)."""
        if key in ANSWERS and isinstance(tag, int):
            self.command(Answer(tag, ANSWERS[key]))

    def stop(self) -> None:
        """Ask the loop to end; safe inside a signal handler (it only sets a flag)."""
        self.quit_requested = True

    def run(self) -> None:
        """Loop until quit (or the end of a recording)."""
        log.info("monitor started")
        last_poll = -1.0
        try:
            while not self.quit_requested:
                self._now = self.clocks.now()
                slept = self.clocks.slept()
                if slept > 0:
                    say(f"the machine slept for {duration(slept)}: that was time away")
                    self._tell(CameraSays.ASLEEP)
                if self._now - last_poll >= 1.0:
                    last_poll = self._now
                    self._reload()
                self._obey()
                if self.quit_requested:
                    break
                if self._paused():
                    self._tell(CameraSays.PAUSED)
                    self.clocks.sleep(0.5)
                else:
                    frame = self.camera.next_frame()
                    if frame is not None:
                        self._analyse(*frame)
                    elif self.camera.finished:
                        say("the recording came to its end")
                        break
                    elif self.camera.status in _CAMERA_SAYS:
                        self._tell(_CAMERA_SAYS[self.camera.status])
                self._update_tray()
        finally:
            self.camera.close()
            if self.recorder is not None:
                self.recorder.close(self.clocks.wall().timestamp())
            log.info("monitor stopped")

    def _reload(self) -> None:
        """Pick up edited settings, a new camera index, and a calibration stored by `posture-watch calibrate`."""
        if self.watcher.poll():
            self.camera.configure(self.settings, self.settings["sampling"]["fps"])
            index = self.settings["camera"]["index"]
            if index != self._index:
                self._index, self._stored = index, FileWatch(baselines.path_for(index))
                self._use_stored(f"camera {index}")
        if self._stored.changed():
            self._use_stored("the stored calibration")

    def _use_stored(self, what: str) -> None:
        """Measure against the baseline stored for the camera in use, or calibrate if it has none."""
        try:
            baseline = baselines.load(self._index)
        except Exception as exc:  # a damaged file: say so and keep what is in force
            say(f"{exc}")
            return
        if baseline is None:
            self._calibrate(Calibrate())
        else:
            self.state.baseline = baseline
            say(f"using the calibration of {what}")

    def _obey(self) -> None:
        handlers: dict[type, Callable[[Any], None]] = {
            Pause: self._pause,
            Resume: self._resume,
            Snooze: self._snooze,
            ResumeReminders: self._resume_reminders,
            Calibrate: self._calibrate,
            Summary: self._summary,
            OpenSettings: self._open_settings,
            Quit: self._quit,
            Answer: self._answer,
        }
        while True:
            try:
                command = self.commands.get_nowait()
            except queue.Empty:
                return
            log.info("command: %s", command)
            handlers[type(command)](command)

    def _quit(self, _: Quit) -> None:
        self.quit_requested = True

    def _pause(self, command: Pause) -> None:
        now = self.clocks.wall()
        self.paused_until = until_morning(now) if command.seconds is None else now + timedelta(seconds=command.seconds)
        self.camera.pause()
        say(f"paused until {self.paused_until:%H:%M}")

    def _resume(self, _: Resume) -> None:
        self.paused_until = None
        say("resumed")

    def _snooze(self, command: Snooze) -> None:
        minutes = float(command.minutes or self.settings["notify"]["snooze_minutes"])
        engine.snooze(self.state, self.clocks.wall() + timedelta(minutes=minutes))
        say(f"reminders snoozed for {duration(minutes * 60)}")

    def _resume_reminders(self, _: ResumeReminders) -> None:
        engine.snooze(self.state, None)
        say("reminders resumed")

    def _answer(self, command: Answer) -> None:
        """Snooze or Done pressed on a reminder; Done means the stretch was done: that load starts from zero."""
        fault = self._alerts.pop(command.alert_id, None)
        if fault is None:
            return
        if command.answer == "snoozed":
            self._snooze(Snooze())
        else:
            engine.done(self.state, fault)
        if self.recorder is not None:
            self.recorder.respond(fault, command.answer)

    def _calibrate(self, _: Calibrate) -> None:
        seconds = self.settings["calibration"]["seconds"]
        engine.recalibrate(self.state, seconds)
        self.camera.hold_open = True
        text = f"Sit as you do when sitting well, facing the screen, for {seconds:g} seconds."
        say(f"calibrating: {text}")
        self.notifier.post(Notice("Calibrating", text, replaces=CALIBRATION))

    def _summary(self, command: Summary) -> None:
        title = SUMMARY_TITLES[command.period]
        if self.recorder is None:
            self.notifier.post(Notice(title, "No history is kept for this run."))
            return
        try:
            page = write_page(self.recorder.path, command.period, self.clocks.wall().date())
        except Exception as exc:  # the page is a convenience; the monitor must go on
            log.warning("summary failed: %s", exc)
            self.notifier.post(Notice(title, f"The summary could not be made: {exc}", NoticeKind.ERROR))
            return
        say(f"{title.lower()}: {page}")
        if not opener.open_page(page):
            self.notifier.post(Notice(title, f"No browser could be opened; the page is {page}"))

    def _open_settings(self, _: OpenSettings) -> None:
        path = self.watcher.path
        say(f"settings: {path}")
        settings_file(path)
        if not opener.open_file(path):
            self.notifier.post(Notice("Your settings", f"No editor could be opened; the file is {path}"))

    def _paused(self) -> bool:
        if self.paused_until is None:
            return False
        if self.clocks.wall() >= self.paused_until:
            self._resume(Resume())
            return False
        return True

    def _tell(self, camera: CameraSays) -> None:
        """Tell the engine what the camera knows when there is no frame."""
        wall = self.clocks.wall()
        obs = Observation(self._now, wall=wall, camera=camera, do_not_disturb=self._do_not_disturb())
        self._handle(wall, self.analyser.tell(obs, self.settings))

    def _analyse(self, t: float, image: Any) -> None:
        settings = self.settings
        wall = self.clocks.wall()
        _, feats, outcomes = self.analyser.frame(t, image, settings, wall, self.camera.sampler, self._do_not_disturb())
        away_for = t - self.state.away_since if self.state.away_since is not None else 0.0
        self.camera.idle = away_for >= settings["camera"]["release_after_away_seconds"]
        self.camera.hold_open = self.state.calibrating
        self.camera.urgent = self.analyser.status is not None and self.analyser.status.deciding
        if self.recorder is not None:
            self.recorder.sample(wall.timestamp(), feats)
        self._handle(wall, outcomes)

    def _do_not_disturb(self) -> bool:
        if not self.settings["notify"]["respect_do_not_disturb"]:
            return False
        value, checked = self._dnd
        if self._now - checked >= DND_EVERY:
            value = self.dnd_check()
            if value != self._dnd[0]:
                log.info("do not disturb %s", "on: holding reminders" if value else "off")
            self._dnd = (value, self._now)
        return value

    def _handle(self, wall: datetime, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            if self.recorder is not None:
                self.recorder.record(outcome)
            if isinstance(outcome, Reminder):
                alert = outcome.alert
                self._last_alert = (alert.t, alert.fault)
                say(f"reminder: {outcome.title}")
                self.notifier.post(self._reminder(outcome))
            elif isinstance(outcome, Calibrated):
                baseline = self.state.baseline
                assert baseline is not None
                if self.save_baseline:
                    baselines.save(baseline, self._index)
                    self._stored.changed()  # our own write is not news
                say(f"calibrated: {baseline.view} view from {baseline.frames} frames")
                text = "Your neutral posture is set. Reminders start from now."
                self.notifier.post(Notice("Calibrated", text, replaces=CALIBRATION))
            elif isinstance(outcome, CalibrationWaiting):
                text = "Waiting for you to sit in view of the camera to calibrate."
                say(text.lower())
                self.notifier.post(Notice("posture-watch is waiting for you", text, replaces=CALIBRATION))
            elif isinstance(outcome, FaultStart | FaultEnd):
                log.info("%s: %s", outcome.kind.replace("_", " "), posture_name(outcome.fault, outcome.side))
            else:
                log.info("%s", outcome.kind)

    def _reminder(self, reminder: Reminder) -> Notice:
        """The notice of a reminder: red like the tray, with Snooze and Done buttons when the settings ask for them."""
        notify = self.settings["notify"]
        buttons = (("snooze", f"Snooze {notify['snooze_minutes']:g} min"), ("done", "Done"))
        self._alerts[reminder.alert.id] = reminder.alert.fault
        return Notice(
            reminder.title,
            reminder.body,
            NoticeKind.REMINDER,
            state="alert",
            actions=buttons if notify["actions"] else (),
            tag=reminder.alert.id,
        )

    def on_camera(self, status: str) -> None:
        """The camera's status changed: one line, never one per frame."""
        words = _CAMERA_WORDS.get(status)
        if words and not self.camera.finished:
            say(words.format(camera=self.source_name or f"camera {self._index}"))

    def _update_tray(self) -> None:
        if self.tray is not None:
            self.tray.show(self.tray_status())

    def tray_status(self) -> TrayView:
        """What the tray shows now."""
        return tray_status(
            engine.status(self.state, self.settings.core),
            self.settings,
            self.camera.status,
            self.paused_until,
            self.clocks.wall(),
            self._dnd[0],
            self._last_alert,
            self._now,
        )


def tray_status(
    status: engine.Status,
    settings: config.Config,
    camera: str,
    paused_until: datetime | None,
    wall: datetime,
    dnd_on: bool,
    last_alert: tuple[float, str] | None,
    now: float,
) -> TrayView:
    """What the tray shows, from the engine's status: icon state and fill, the status in words, the menu's state."""
    until = status.snoozed_until
    view = TrayView(
        "starting",
        paused=paused_until is not None,
        snoozed_until=f"{until:%H:%M}" if until is not None and wall < until else None,
        snooze_minutes=settings["notify"]["snooze_minutes"],
    )
    if paused_until is not None or camera == PAUSED:
        left = max((paused_until - wall).total_seconds(), 0) if paused_until is not None else 0
        # Whole minutes, rounded up: "for 15 min more" right after pausing for 15.
        return replace(view, state="paused", tooltip=f"paused for {duration(math.ceil(left / 60) * 60)} more")
    if camera in (MISSING, LOST):
        return replace(view, state="camera", tooltip="camera not found; trying again")
    if camera == BUSY:
        return replace(view, state="call", tooltip="camera in use by another program (a call?); reminders held")
    if status.calibrating:
        return replace(view, state="starting", tooltip="calibrating, sit well and face the screen")
    if status.away:
        return replace(view, state="away", tooltip="away (a break)")
    left = settings["breaks"]["sitting_minutes"] * 60 - status.sitting_seconds
    next_break = f"; stand-up break in {duration(max(left, 0))}"
    quiet = " (do not disturb)" if dnd_on else ""
    if status.worst is None:
        posture, state, level = "posture good", "good", 0.0
    else:
        name, side, held, load = status.worst
        posture = f"{posture_name(name, side).lower()} for {duration(held)}"
        if last_alert is not None and last_alert[1] == name and now - last_alert[0] <= ALERT_SHOWN:
            state, level = "alert", 1.0
        else:
            state, level = "building", min(load, 1.0)
    if view.snoozed_until is not None:
        return replace(view, state="snoozed", tooltip=f"reminders snoozed until {view.snoozed_until}; {posture}{quiet}")
    return replace(view, state=state, level=level, tooltip=posture + next_break + quiet)


SUMMARY_TITLES = {"day": "Today's summary", "week": "This week's summary", "month": "This month's summary"}


def settings_file(path: Path) -> None:
    """Create the settings file, when there is none yet, with a pointer to the defaults."""
    from .. import paths

    if not path.exists():
        paths.write_private(
            path,
            b"# posture-watch settings: add only what you change.\n"
            b"# Every key, its unit and range: `posture-watch config show`.\n",
        )
