"""The background monitor: camera (or a paced recording) through the pipeline to reminders.

It runs the same pipeline as replay, frame by frame, and does the I/O around
the engine: reloading settings, holding reminders during do-not-disturb,
showing notifications, updating the tray, obeying the tray's commands. One
log line per change (camera state, faults, breaks), never one per frame.
"""

from __future__ import annotations

import logging
import queue
import shutil
import subprocess
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from . import calibration, config, dnd, engine
from .advice import duration, posture_name
from .camera import BUSY, LOST, MISSING, PAUSED, ManagedCamera
from .engine import Event, State
from .history import Recorder
from .notify import Notifier
from .pipeline import Analyser
from .pose import PoseEstimator
from .reload import ConfigWatcher

log = logging.getLogger(__name__)

# Seconds between do-not-disturb checks (each may ask the X server and the desktop).
DND_EVERY = 5.0
# An alert colours the tray red for this long while its fault goes on.
ALERT_SHOWN = 120.0


class Monitor:
    """Owns the loop; other threads talk to it only through :meth:`command`."""

    def __init__(
        self,
        watcher: ConfigWatcher,
        source: ManagedCamera,
        estimator: PoseEstimator,
        notifier: Notifier,
        state: State,
        save_calibration: bool,
        recorder: Recorder | None = None,
        show: Callable[[str, str, float], None] = lambda state, tooltip, level: None,
        dnd_check: Callable[[], bool] = dnd.active,
    ) -> None:
        self.watcher, self.source, self.notifier = watcher, source, notifier
        self.state, self.save_calibration, self.show, self.dnd_check = state, save_calibration, show, dnd_check
        self.commands: queue.Queue[tuple[str, object]] = queue.Queue()
        self.stopped = threading.Event()
        self.paused_until: float | None = None
        self.recorder = recorder
        self._dnd = (False, -DND_EVERY)
        self._last_alert: tuple[float, str] | None = None
        self._now = time.monotonic()
        self.analyser = Analyser(estimator, state, watcher.settings["sampling"]["fps"])
        source.hold_open = state.calibrate_seconds is not None

    @property
    def settings(self) -> config.Config:
        return self.watcher.settings

    def command(self, name: str, arg: object = None) -> None:
        """Queue a command from the tray, a notification button or a signal (thread-safe)."""
        self.commands.put((name, arg))
        if name == "quit":
            self.stopped.set()

    def run(self) -> None:
        """Loop until quit (or the end of a recording)."""
        log.info("monitor started")
        last_poll = 0.0
        try:
            while not self.stopped.is_set():
                self._now = time.monotonic()
                if self._now - last_poll >= 1.0:
                    last_poll = self._now
                    if self.watcher.poll():
                        self.source.configure(self.settings, self.settings["sampling"]["fps"])
                self._obey()
                if self.stopped.is_set():
                    break
                if self._paused():
                    self.stopped.wait(0.5)
                    continue
                frame = self.source.next_frame()
                if frame is None:
                    if self.source.finished:
                        log.info("recording finished")
                        break
                else:
                    self._analyse(*frame)
                self._update_tray()
        finally:
            self.source.close()
            if self.recorder is not None:
                self.recorder.close()
            log.info("monitor stopped")

    def _obey(self) -> None:
        while True:
            try:
                name, arg = self.commands.get_nowait()
            except queue.Empty:
                return
            log.info("command: %s %s", name, "" if arg is None else arg)
            handler = getattr(self, f"_cmd_{name}", None)
            if handler is not None:
                handler(arg)

    def _cmd_quit(self, _: object) -> None:
        self.stopped.set()

    def _cmd_pause(self, arg: object) -> None:
        if arg == "tomorrow":
            tomorrow = (datetime.now() + timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
            seconds = (tomorrow - datetime.now()).total_seconds()
        else:
            seconds = float(arg)  # type: ignore[arg-type]
        self.paused_until = self._now + seconds
        self.source.pause()

    def _cmd_resume(self, _: object) -> None:
        self.paused_until = None

    def _cmd_snooze(self, minutes: object) -> None:
        engine.snooze(self.state, self.state.last_t or 0.0, float(minutes or self.settings["notify"]["snooze_minutes"]))

    def _cmd_snooze_reminder(self, fault: object) -> None:
        """Snooze pressed on a reminder."""
        self._cmd_snooze(None)
        if self.recorder is not None:
            self.recorder.respond(str(fault), "snoozed")

    def _cmd_done_reminder(self, fault: object) -> None:
        """Done pressed on a reminder: the stretch was done, that load starts from zero."""
        engine.done(self.state, str(fault))
        if self.recorder is not None:
            self.recorder.respond(str(fault), "done")

    def _cmd_calibrate(self, _: object) -> None:
        seconds = self.settings["calibration"]["seconds"]
        engine.recalibrate(self.state, seconds)
        self._notify("Calibrating", f"Sit as you do when sitting well, facing the screen, for {seconds:g} seconds.")

    def _cmd_summary(self, _: object) -> None:
        if self.recorder is None:
            self._notify("Today's summary", "No history is kept for this run.")
            return
        try:
            page = today_report(self.recorder.path)
        except Exception as exc:  # the page is a convenience; the monitor must go on
            log.warning("summary failed: %s", exc)
            self._notify("Today's summary", f"The summary could not be made: {exc}")
            return
        webbrowser.open(page.as_uri())

    def _cmd_open_config(self, _: object) -> None:
        open_config(self.watcher.path)

    def _paused(self) -> bool:
        if self.paused_until is None:
            return False
        if self._now >= self.paused_until:
            self.paused_until = None
            log.info("pause ended")
            return False
        self._update_tray()
        return True

    def _analyse(self, t: float, image: Any) -> None:
        settings = self.settings
        local = datetime.now()
        _, feats, events = self.analyser.frame(t, image, settings, local, self.source.sampler, self._do_not_disturb())
        away_for = t - self.state.away_since if self.state.away_since is not None else 0.0
        self.source.idle = away_for >= settings["camera"]["release_after_away_seconds"]
        self.source.hold_open = self.state.calibrate_seconds is not None
        if self.recorder is not None:
            self.recorder.sample(local.timestamp(), feats)
        for event in events:
            if self.recorder is not None:
                self.recorder.event(event, local.timestamp())
            self._handle(event)

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

    def _handle(self, event: Event) -> None:
        kind = event["event"]
        if kind == "alert":
            self._last_alert = (event["t"], event["fault"])
            log.info("reminder: %s", event["title"])
            self.notifier.send(event["title"], event["body"], self.settings["notify"]["actions"], event["fault"])
        elif kind == "calibrated":
            baseline = self.state.baseline
            assert baseline is not None
            if self.save_calibration:
                calibration.save(baseline, self.settings["camera"]["index"])
            log.info("calibrated: %s view from %d frames", baseline.view, baseline.frames)
            self._notify("Calibrated", "Your neutral posture is set. Reminders start from now.")
        elif kind in ("fault_start", "fault_end"):
            log.info("%s: %s", kind.replace("_", " "), posture_name(event["fault"], event["side"]))
        else:
            log.info("%s", kind)

    def _notify(self, title: str, body: str) -> None:
        self.notifier.send(title, body)

    def _update_tray(self) -> None:
        self.show(
            *tray_status(
                self.state,
                self.settings,
                self.source.status,
                self.paused_until,
                self._now,
                self._dnd[0],
                self._last_alert,
            )
        )


def tray_status(
    state: State,
    settings: config.Config,
    camera: str,
    paused_until: float | None,
    now: float,
    dnd_on: bool,
    last_alert: tuple[float, str] | None,
) -> tuple[str, str, float]:
    """(icon state, tooltip, load level 0-1) for the tray, from the engine's state."""
    if paused_until is not None or camera == PAUSED:
        left = max(paused_until - now, 0) if paused_until is not None else 0
        return "paused", f"posture-watch: paused for {duration(left)} more", 0.0
    if camera in (MISSING, LOST):
        return "camera", "posture-watch: camera not found; trying again", 0.0
    if camera == BUSY:
        return "call", "posture-watch: camera in use by another program (a call?); reminders held", 0.0
    if state.calibrate_seconds is not None:
        return "starting", "posture-watch: calibrating, sit well", 0.0
    if state.away:
        return "away", "posture-watch: away (a break)", 0.0
    t = state.last_t or 0.0
    active = [(name, track) for name, track in state.tracks.items() if track.active]
    next_break = ""
    if state.sitting_since is not None:
        left = settings["breaks"]["sitting_minutes"] * 60 - (t - state.sitting_since)
        next_break = f"; break in {duration(max(left, 0))}"
    quiet = " (do not disturb)" if dnd_on else ""
    if not active:
        return "good", f"posture-watch: posture good{next_break}{quiet}", 0.0
    name, track = max(active, key=lambda item: item[1].load / settings["faults"][item[0]]["hold_seconds"])
    level = track.load / settings["faults"][name]["hold_seconds"]
    text = f"posture-watch: {posture_name(name, track.side).lower()} for {duration(t - track.since)}"
    if last_alert is not None and last_alert[1] == name and t - last_alert[0] <= ALERT_SHOWN:
        return "alert", text + next_break + quiet, 1.0
    return "building", text + next_break + quiet, min(level, 1.0)


def today_report(history_path: Path) -> Path:
    """Write today's report page next to the history and return its path."""
    from . import history, report
    from .paths import write_private

    db = history.connect(history_path)
    try:
        start, end = history.day_bounds(datetime.now())
        page = report.to_html(report.summarize(db, start, end))
    finally:
        db.close()
    out = history_path.parent / "reports" / f"report-{datetime.now():%Y-%m-%d}.html"
    write_private(out, page.encode("utf-8"))
    return out


def open_config(path: Path) -> None:
    """Open the settings file in the desktop's editor, creating it with a pointer to the defaults."""
    from . import paths

    if not path.exists():
        paths.write_private(
            path,
            b"# posture-watch settings: add only what you change.\n"
            b"# Every key, its unit and range: `posture-watch config show`.\n",
        )
    opener = {"darwin": ["open"], "win32": None}.get(sys.platform, ["xdg-open"])
    if opener is None:
        import os

        os.startfile(path)  # type: ignore[attr-defined]
        return
    if shutil.which(opener[0]):
        subprocess.Popen([*opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        log.warning("no %s to open %s", opener[0], path)
