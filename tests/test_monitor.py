"""The monitor loop on an injected clock and a scripted camera, through the real pipeline and model.

The camera is the only part that cannot exist here: a scripted capture shows
a real photo of a person seated (or an empty room, or refuses to open, as a
camera in use by a call does) depending on the fake time. Everything else is
real: the pose model, features, the engine, advice, SQLite history. No test
sleeps real seconds to test time logic.
"""

from __future__ import annotations

import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import time
import webbrowser
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import ClassVar

import cv2
import numpy as np
import pytest
from conftest import DATASETS, ROOT, run_cli
from make_test_videos import webcam_light
from signalled import signal_after
from test_lock import PATIENCE, ScreenSaver, Service

from posture_watch import commands, config, localtime
from posture_watch.advice.reminders import Reminder
from posture_watch.app.coaching import CoachEnded
from posture_watch.app.modes import PauseReason, ScreenLocked
from posture_watch.app.monitor import Monitor, until_morning
from posture_watch.app.outputs import Note, Tick
from posture_watch.app.pipeline import Analyser, open_estimator
from posture_watch.app.reload import ConfigWatcher
from posture_watch.app.sinks.history import History
from posture_watch.app.sinks.notices import CALIBRATION, TOO_DARK, Notices
from posture_watch.app.sinks.tray import TraySink, view
from posture_watch.app.watchers import ScreenLockWatcher
from posture_watch.core import engine
from posture_watch.core.events import Event
from posture_watch.desktop import menu
from posture_watch.desktop.notify import NoticeKind
from posture_watch.history import pages, tally
from posture_watch.history import store as history
from posture_watch.sense import devices
from posture_watch.sense.camera import Camera
from posture_watch.sense.devices import Device

UPRIGHT = DATASETS / "slouching-or-not" / "low-isSlouching__high-notSlouching" / "notSlouching"
SLOUCHED = UPRIGHT.parent / "isSlouching"
START = datetime(2026, 11, 23, 9, 0, 0, tzinfo=localtime.zone())
# Seconds the scripted camera takes to grab one frame.
GRAB = 1 / 30
SITTING_5 = "[breaks]\nsitting_minutes = 5\n"
# The webcams as the OS would list them.
CAMERAS = [Device(0, "usb-Test_Camera_1-video-index0", "Test Camera"), Device(1, "usb-Other_2-video-index0", "Other")]


class FakeClocks:
    """The monitor's three clocks, moved only by the test: waits advance them, suspends jump them.

    The wall clock starts at ``start`` and is shown, as the real one is, in the zone in force now.
    """

    def __init__(self, start: datetime = START) -> None:
        self.t = 1000.0
        self.suspended = 0.0
        self.start = start.astimezone(timezone.utc)

    def now(self) -> float:
        return self.t

    def wall(self) -> datetime:
        return (self.start + timedelta(seconds=self.t - 1000.0)).astimezone(localtime.zone())

    def slept(self) -> float:
        slept, self.suspended = self.suspended, 0.0
        return slept

    def wait(self, seconds: float, stop) -> None:
        self.t += seconds

    def suspend(self, seconds: float) -> None:
        self.t += seconds
        self.suspended += seconds


class ScriptedCapture:
    """A webcam whose picture at each moment is ``scene(minutes)``: "seated", "empty", "busy" (in a call) or
    "missing" (no camera).

    ``pictures`` adds scenes, or more photos for one: each frame of a scene shows the next of its photos.
    """

    def __init__(
        self,
        clocks: FakeClocks,
        scene: Callable[[float], str],
        seated: np.ndarray,
        pictures: dict[str, list[np.ndarray]] | None = None,
    ) -> None:
        self.clocks, self.scene = clocks, scene
        self.pictures = {"seated": [seated], "empty": [np.full_like(seated, 128)], **(pictures or {})}
        self.shown = 0
        # Called inside each grab, with the minute: a test makes the machine sleep right there.
        self.during_grab: Callable[[float], None] = lambda minute: None

    def _now(self) -> str:
        return self.scene((self.clocks.t - 1000.0) / 60)

    def isOpened(self) -> bool:
        return self._now() not in ("busy", "missing")

    def grab(self) -> bool:
        self.during_grab((self.clocks.t - 1000.0) / 60)
        self.clocks.t += GRAB
        return self._now() not in ("busy", "missing")

    def retrieve(self):
        photos = self.pictures[self._now()]
        self.shown += 1
        return True, photos[self.shown % len(photos)].copy()

    def set(self, prop: int, value: float) -> bool:
        return True

    def release(self) -> None:
        pass


class Notes:
    """A notifier that keeps the notices it was asked to show (the desktop's own is tested elsewhere)."""

    def __init__(self) -> None:
        self.notices: list = []

    @property
    def shown(self) -> list[str]:
        return [notice.title for notice in self.notices]

    def post(self, notice) -> None:
        self.notices.append(notice)

    def close(self) -> None:
        pass


class Kept:
    """A sink that keeps the engine's events and the reminders, in order."""

    def __init__(self) -> None:
        self.outcomes: list = []

    def take(self, output) -> None:
        if isinstance(output, Event | Reminder):
            self.outcomes.append(output)

    def close(self) -> None:
        pass


class Said:
    """A sink that keeps the text of every note, as the terminal shows them."""

    def __init__(self, said: list[str]) -> None:
        self.said = said

    def take(self, output) -> None:
        if isinstance(output, Note):
            self.said.append(output.text)

    def close(self) -> None:
        pass


class Until:
    """A sink that, at each tick, calls the hooks due by then and stops the monitor after ``minutes``."""

    def __init__(self, monitor: Monitor, minutes: float, hooks: dict[float, Callable[[], None]]) -> None:
        self.monitor, self.minutes, self.pending = monitor, minutes, dict(sorted(hooks.items()))

    def take(self, output) -> None:
        if not isinstance(output, Tick):
            return
        elapsed = (self.monitor.clocks.now() - 1000.0) / 60
        for at in [at for at in self.pending if at <= elapsed]:
            self.pending.pop(at)()
        if elapsed >= self.minutes:
            self.monitor.stop()

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def seated() -> np.ndarray:
    return cv2.resize(cv2.imread(str(sorted(UPRIGHT.glob("*.jpg"))[0])), (320, 240))


@pytest.fixture(scope="module")
def estimator():
    with open_estimator(config.defaults()) as pose:
        yield pose


def monitor_for(
    tmp_path: Path,
    estimator,
    seated: np.ndarray,
    scene: Callable[[float], str],
    text: str = "",
    calibrate: bool = True,
    start: datetime = START,
    *,
    clocks: FakeClocks | None = None,
    state: engine.State | None = None,
    pictures: dict[str, list[np.ndarray]] | None = None,
    notes: Notes | None = None,
) -> tuple[Monitor, FakeClocks, Notes, list]:
    """A monitor on fake clocks and a scripted camera, with its own history in ``tmp_path``.

    A restart passes the ``clocks`` and ``notes`` of the monitor before and the ``state`` a new process
    begins with (its stored calibration); the history file is the same one.
    """
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[history]\npath = "{tmp_path / "history.sqlite3"}"\n[camera]\nmode = "sampling"\n{text}')
    watcher = ConfigWatcher(cfg)
    settings = watcher.settings
    clocks = clocks or FakeClocks(start)
    capture = ScriptedCapture(clocks, scene, seated, pictures)
    camera = Camera(
        settings,
        2.0,
        opener=lambda i: capture,
        find=lambda spec: devices.chosen(spec, [] if capture._now() == "missing" else CAMERAS),
        clock=clocks.now,
    )
    state = state or engine.new_state(calibrate_seconds=5 if calibrate else None)
    recorder = history.Recorder(history.path_for(settings), "test", clocks.wall().timestamp())
    notes, kept = notes or Notes(), Kept()
    monitor = Monitor(
        watcher,
        camera,
        Analyser(estimator, state, 2.0),
        clocks,  # type: ignore[arg-type]
        [Notices(notes, lambda: watcher.settings), History(recorder, lambda: clocks.wall().timestamp()), kept],  # type: ignore[arg-type]
        save_baseline=False,
        history=recorder.path,
    )
    return monitor, clocks, notes, kept.outcomes


def run_until(
    monitor: Monitor, clocks: FakeClocks, minutes: float, hooks: dict[float, Callable[[], None]] | None = None
) -> None:
    """Run the loop until ``minutes`` of fake time have passed, calling each hook once at its minute."""
    monitor.sinks.append(Until(monitor, minutes, hooks or {}))
    monitor.run()


def kill(monitor: Monitor) -> None:
    """SIGKILL: the process is gone at once and nothing of it closes; the history keeps what it had written."""
    recorder = next(sink.recorder for sink in monitor.sinks if isinstance(sink, History))
    if recorder.db is not None:
        recorder.db.close()
    monitor.sinks.clear()
    monitor.stop()


def kinds(outcomes: list) -> list[str]:
    return [getattr(o, "kind", "reminder") for o in outcomes]


def test_a_call_is_not_a_break_and_the_sitting_reminder_comes_after_it(tmp_path, estimator, seated):
    # Seated 10 min, a 60-minute call (camera busy), seated again.
    def scene(minute: float) -> str:
        return "busy" if 10 <= minute < 70 else "seated"

    sitting = "[breaks]\nsitting_minutes = 30\n"
    monitor, clocks, notes, outcomes = monitor_for(tmp_path, estimator, seated, scene, sitting)
    run_until(monitor, clocks, 72)
    assert "break" not in kinds(outcomes) and "away" not in kinds(outcomes)
    sitting = [o for o in outcomes if kinds([o]) == ["reminder"] and o.alert.fault == "sitting"]
    assert sitting, kinds(outcomes)
    first = sitting[0]
    # The reminder's notice: red as the tray, with the buttons the settings ask for, tagged with its alert.
    notice = next(n for n in notes.notices if n.kind is NoticeKind.REMINDER)
    assert notice.state == "alert" and notice.tag == first.alert.id
    assert notice.actions == (("start", "Start"), ("snooze", "Snooze 15 min"), ("done", "Done"))
    # Due at 30 min, held through the call (no reminder while the camera is busy), shown as it ends.
    when = (first.alert.wall - START).total_seconds() / 60
    assert 70 <= when <= 70.5
    assert first.alert.held_seconds >= 70 * 60 - 30
    presence = [o.state for o in outcomes if getattr(o, "kind", "") == "presence"]
    assert "call" in presence
    db = history.connect(monitor.history)
    summary = tally.summarize(db, "day", START.date())
    db.close()
    assert len(summary.breaks) == 0


def test_the_summary_and_the_settings_name_their_file_when_nothing_can_open_it(
    tmp_path, estimator, seated, monkeypatch
):
    monitor, clocks, notes, _ = monitor_for(tmp_path, estimator, seated, lambda minute: "seated")
    # No browser (the one thing mocked) and no xdg-open on the PATH.
    monkeypatch.setattr(webbrowser, "open", lambda uri: False)
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))
    asks = (commands.Summary(), commands.OpenSettings())
    run_until(monitor, clocks, 3, {2: lambda: [monitor.command(ask) for ask in asks]})
    page = tmp_path / "reports" / f"day-{START.date()}.html"
    assert "the time seen at the desk in good posture" in page.read_text(encoding="utf-8")
    assert (tmp_path / "reports" / f"week-{START.date()}.html").exists()  # START is a Monday
    said = {notice.title: notice.body for notice in notes.notices}
    assert said["Today's summary"] == f"No browser could be opened; the page is {page}"
    assert said["Your settings"] == f"No editor could be opened; the file is {tmp_path / 'config.toml'}"


def test_a_suspend_of_hours_is_one_away_period_and_a_break(tmp_path, estimator, seated):
    monitor, clocks, _, outcomes = monitor_for(tmp_path, estimator, seated, lambda minute: "seated")
    run_until(monitor, clocks, 200, {5: lambda: clocks.suspend(3 * 3600)})
    assert kinds(outcomes).count("away") == 1 and kinds(outcomes).count("break") == 1
    away = next(o for o in outcomes if getattr(o, "kind", "") == "away")
    brk = next(o for o in outcomes if getattr(o, "kind", "") == "break")
    assert away.reason == "asleep" and brk.seconds >= 3 * 3600


def test_pause_and_snooze_end_at_their_wall_time_across_a_suspend(tmp_path, estimator, seated):
    monitor, clocks, _, _ = monitor_for(tmp_path, estimator, seated, lambda minute: "seated")
    paused: list[bool] = []
    run_until(
        monitor,
        clocks,
        30,
        {
            2: lambda: monitor.command(commands.Pause(15 * 60)),
            3: lambda: clocks.suspend(20 * 60),  # asleep past the end of the pause
            3.01: lambda: paused.append(monitor.mode.paused == PauseReason.USER),
        },
    )
    assert paused == [False], "the pause ends at its wall time even though the machine slept through it"
    (tmp_path / "b").mkdir()
    monitor, clocks, _, _ = monitor_for(tmp_path / "b", estimator, seated, lambda minute: "seated")
    run_until(
        monitor,
        clocks,
        12,
        {2: lambda: monitor.command(commands.Snooze(10)), 3: lambda: clocks.suspend(9 * 60)},
    )
    # Snoozed at 9:02 for 10 min: until 9:12 on the wall clock, however long the machine slept.
    assert monitor.state.snoozed_until is not None
    assert abs(monitor.state.snoozed_until - (START + timedelta(minutes=12))) < timedelta(seconds=1)


def test_calibration_with_nobody_in_view_waits_and_then_calibrates(tmp_path, estimator, seated):
    monitor, clocks, notes, outcomes = monitor_for(
        tmp_path, estimator, seated, lambda minute: "empty" if minute < 3 else "seated"
    )
    run_until(monitor, clocks, 5)
    assert kinds(outcomes).count("calibration_waiting") == 1
    calibrated = next(o for o in outcomes if getattr(o, "kind", "") == "calibrated")
    assert (calibrated.wall - START).total_seconds() >= 3 * 60
    assert "posture-watch is waiting for you" in notes.shown and "Calibrated" in notes.shown
    # Each calibration notice takes the place of the one before.
    calibration = [n for n in notes.notices if n.title in ("posture-watch is waiting for you", "Calibrated")]
    assert len(calibration) == 2 and all(n.replaces == "calibration" for n in calibration)


def test_without_a_camera_its_absence_is_said_and_nobody_is_asked_to_sit_in_view(tmp_path, estimator, seated):
    # No camera for 3 minutes (longer than the calibration), then one with the user in view.
    monitor, clocks, notes, outcomes = monitor_for(
        tmp_path, estimator, seated, lambda minute: "missing" if minute < 3 else "seated"
    )
    said: list[str] = []
    monitor.sinks.append(Said(said))
    monitor.say_when_watching(Note("calibrating: sit well", title="posture-watch: calibrating", key=CALIBRATION))
    run_until(monitor, clocks, 5)
    assert "calibration_waiting" not in kinds(outcomes) and "posture-watch is waiting for you" not in notes.shown
    assert [n for n in said if n.startswith(("camera 0", "Test Camera", "calibrating"))] == [
        "camera 0: not found; plug it in or set camera.device (trying again)",
        "Test Camera (camera 0): working",
        "calibrating: sit well",
    ]
    calibrated = next(o for o in outcomes if getattr(o, "kind", "") == "calibrated")
    assert (calibrated.wall - START).total_seconds() >= 3 * 60
    assert notes.shown[:2] == ["posture-watch: calibrating", "Calibrated"]


def test_until_tomorrow_means_the_next_morning_never_a_day_or_more():
    assert until_morning(datetime(2026, 11, 23, 1, 0)) == datetime(2026, 11, 23, 6, 0)
    assert until_morning(datetime(2026, 11, 23, 15, 0)) == datetime(2026, 11, 24, 6, 0)
    for hour in range(24):
        now = datetime(2026, 11, 23, hour, 30)
        assert timedelta(0) < until_morning(now) - now < timedelta(hours=24)


# The ending-signal tests sample once every WAIT seconds: a stop that waited for the next sample (or frame
# timer) would take up to that long, a stop that interrupts the wait ends long before PROMPT, however busy the
# machine is.
WAIT, PROMPT = 300, 30.0


def waiting_config(path: Path, history_path: Path) -> Path:
    """A settings file with the history at ``history_path`` and a sample every WAIT seconds."""
    path.write_text(
        f'[camera]\nsample_interval_seconds = {WAIT}\n\n[presence]\nmax_gap_seconds = {2 * WAIT}\n\n'
        f'[history]\npath = "{history_path}"\n'
    )
    return path


def test_sigterm_at_random_moments_always_ends_the_monitor_before_the_next_sample(tmp_path, videos):
    video = videos("neutral", seconds=60, fps=5)
    cfg = waiting_config(tmp_path / "config.toml", tmp_path / "h.sqlite3")
    rng = random.Random(7)
    script = ROOT / "tests" / "sigterm_rounds.py"
    proc = subprocess.Popen(
        [sys.executable, str(script), str(video), str(cfg)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        assert proc.stdout.readline().strip() == "ready"
        for i in range(50):
            proc.stdin.write("go\n")
            proc.stdin.flush()
            assert proc.stdout.readline().strip() == f"round {i}"
            time.sleep(rng.uniform(0.0, 0.6))
            sent = time.monotonic()
            os.kill(proc.pid, signal.SIGTERM)
            assert proc.stdout.readline().strip() == f"ended {i}"
            assert time.monotonic() - sent < PROMPT, f"round {i} took {time.monotonic() - sent:.2f} s"
        proc.stdin.write("done\n")
        proc.stdin.flush()
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        err = proc.communicate()[1]
    assert "Traceback" not in err


def terminated_once_calibrated(command: list, env: dict[str, str] | None = None) -> str:
    """Run ``posture-watch COMMAND``, SIGTERM it once it has calibrated; all it said. It must end with status 0
    before the next sample is due (``--config`` is a ``waiting_config``)."""
    argv = [sys.executable, "-m", "posture_watch", *map(str, command)]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    lines = []
    for line in proc.stderr:
        lines.append(line)
        if "calibrated" in line:
            break
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(PROMPT) == 0 and time.monotonic() - sent < PROMPT
    return "".join(lines) + proc.stderr.read()


def test_sigterm_ends_a_real_run_with_status_0(tmp_path, videos):
    video = videos("neutral", seconds=60, fps=5)
    cfg = waiting_config(tmp_path / "config.toml", tmp_path / "h.sqlite3")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS")}
    text = terminated_once_calibrated(["run", "--source", video, "--config", cfg, "--calibrate", "3"], env)
    # No display: it said so and monitored without a tray, no traceback.
    assert "no desktop display" in text and "Traceback" not in text


def test_a_killed_monitor_counts_at_most_what_it_ran(tmp_path, videos):
    video = videos("neutral", seconds=120, fps=5)
    db = tmp_path / "h.sqlite3"
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[history]\npath = "{db}"\n')
    began = time.monotonic()
    command = ["run", "--no-tray", "--source", video, "--config", cfg, "--calibrate", "3"]
    proc = subprocess.Popen([sys.executable, "-m", "posture_watch", *command], cwd=ROOT, stderr=subprocess.DEVNULL)
    time.sleep(30)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    ran = time.monotonic() - began
    result = run_cli("report", "--history", db, "--format", "json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["totals"]["present_seconds"] <= ran + 60


def test_report_counts_open_episodes_of_a_crashed_session_to_its_last_heartbeat(tmp_path):
    from posture_watch.core.events import FaultStart, Presence

    path = tmp_path / "h.sqlite3"
    started = datetime(2026, 11, 23, 10, 0).timestamp()
    recorder = history.Recorder(path, "test", started)
    first = datetime.fromtimestamp(started)
    recorder.record(Presence(0.0, first, "present", 0.0, first))
    wall = datetime.fromtimestamp(started + 60)
    recorder.record(FaultStart(60.0, wall, "forward_head", None, 60.0, wall))
    recorder.beat(started + 300)
    # Killed here: nothing closed. Five minutes later the report is asked for.
    db = history.connect(path)
    summary = tally.summarize(db, "day", datetime.fromtimestamp(started).date())
    db.close()
    assert summary.totals.present_seconds == pytest.approx(300, abs=1)
    assert summary.totals.fault_seconds["forward_head"] == pytest.approx(240, abs=1)


def test_no_camera_is_said_on_the_terminal_within_20_s(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[camera]\ndevice = 63\n[history]\npath = "{tmp_path / "h.sqlite3"}"\n')
    proc = subprocess.Popen(
        [sys.executable, "-m", "posture_watch", "run", "--no-tray", "--config", cfg, "--calibrate", "3"],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    began, said = time.monotonic(), ""
    try:
        for line in proc.stderr:
            if "camera 63" in line:
                said = line
                break
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
    assert "not found" in said and time.monotonic() - began < 20
    assert proc.returncode == 0


def test_history_where_it_cannot_be_written(tmp_path, videos):
    video = videos("neutral", seconds=20, fps=5)
    result = run_cli("replay", video, "--calibrate", "3", "--history", "/proc/nowhere/h.sqlite3")
    assert result.returncode == 2 and "cannot write the history" in result.stderr
    assert "Traceback" not in result.stderr
    cfg = waiting_config(tmp_path / "config.toml", Path("/proc/nowhere/h.sqlite3"))
    text = terminated_once_calibrated(["run", "--no-tray", "--source", video, "--config", cfg, "--calibrate", "3"])
    assert "cannot be written" in text and "Traceback" not in text


def test_a_calibration_stored_while_running_and_a_new_camera_index_take_effect(tmp_path, estimator, seated):
    from posture_watch.app import baselines
    from posture_watch.core.baseline import Baseline

    monitor, clocks, _, _ = monitor_for(tmp_path, estimator, seated, lambda minute: "seated")
    stored = Baseline("front", {"head_height": 0.5}, {"head_height": 0.01}, 20)
    other = Baseline("front", {"head_height": 0.7}, {"head_height": 0.01}, 30)
    seen: list = []

    def use_camera_1() -> None:
        baselines.save(other, CAMERAS[1].id)
        text = monitor.watcher.path.read_text().replace('mode = "sampling"', 'mode = "sampling"\ndevice = 1')
        monitor.watcher.path.write_text(text)

    try:
        run_until(
            monitor,
            clocks,
            6,
            {
                2: lambda: baselines.save(stored, CAMERAS[0].id),  # `posture-watch calibrate` in another process
                3: lambda: seen.append(monitor.state.baseline),
                4: use_camera_1,
                5: lambda: seen.append(monitor.state.baseline),
            },
        )
    finally:
        baselines.path_for(CAMERAS[0].id).unlink(missing_ok=True)
        baselines.path_for(CAMERAS[1].id).unlink(missing_ok=True)
    assert seen == [stored, other]


def test_typed_commands_from_the_tray_and_a_reminders_buttons(tmp_path, estimator, seated):
    monitor, clocks, notes, _ = monitor_for(tmp_path, estimator, seated, lambda minute: "seated", SITTING_5)
    views: list = []
    tray = type("Tray", (), {"show": lambda self, view: views.append(view), "stop": lambda self: None})()
    monitor.sinks.append(TraySink(tray, lambda: monitor.settings))  # type: ignore[arg-type]

    def done() -> None:
        """Done pressed on the sitting reminder (twice: a second click on the same notice changes nothing)."""
        [reminder] = [n for n in notes.notices if n.kind is NoticeKind.REMINDER]
        monitor.answer("done", reminder.tag)
        monitor.answer("done", reminder.tag)

    run_until(
        monitor,
        clocks,
        7,
        {
            1.5: lambda: monitor.command(commands.Snooze(10)),
            2: lambda: views.append("snoozed"),
            2.5: lambda: monitor.command(commands.ResumeReminders()),
            6.5: done,
        },
    )
    snoozed = views[views.index("snoozed") - 1]
    assert snoozed.state == "snoozed" and snoozed.snoozed_until == f"{START + timedelta(minutes=11.5):%H:%M}"
    assert monitor.state.snoozed_until is None, "Resume reminders ends the snooze"
    # The sitting reminder came after the snooze ended; its Done button marked it done in the history.
    db = history.connect(monitor.history)
    assert [tuple(row) for row in db.execute("SELECT fault, response FROM alerts")] == [("sitting", "done")]
    db.close()


# --- a day counted truly: the monitor, the history and the report together ---------------------------


def day_totals(monitor: Monitor, day: datetime) -> dict[str, float]:
    """The report's totals of the local day of ``day``, from the history the monitor wrote."""
    db = history.connect(monitor.history)
    try:
        totals = tally.summarize(db, "day", day.astimezone(localtime.zone()).date()).totals
    finally:
        db.close()
    return {
        "present": totals.present_seconds,
        "away": totals.away_seconds,
        "call": totals.call_seconds,
        "paused": totals.paused_seconds,
        "unknown": totals.unknown_seconds,
    }


def test_a_room_too_dark_to_see_posture_is_said_once_shown_in_the_tray_and_counted_unknown(
    tmp_path, estimator, seated
):
    # Seated 3 min, the light down to 6 % for 10 min (someone still there, lit by the screen), then back.
    def scene(minute: float) -> str:
        return "dark" if 3 <= minute < 13 else "seated"

    # The seated picture as a webcam gives it lit by the screen alone: 6 % of the light, with the noise
    # of the camera's gain, fresh in each frame.
    rng = np.random.default_rng(5)
    dark = {"dark": [webcam_light(seated, 0.06, rng) for _ in range(8)]}
    monitor, clocks, notes, outcomes = monitor_for(tmp_path, estimator, seated, scene, SITTING_5, pictures=dark)
    tips: list[tuple[float, str]] = []
    tray = type("Tray", (), {"show": lambda self, shown: None, "stop": lambda self: None})()

    class Tooltips(TraySink):
        def take(self, output) -> None:
            if isinstance(output, Tick):
                tips.append(((clocks.t - 1000.0) / 60, view(output, monitor.settings).tooltip))

    monitor.sinks.append(Tooltips(tray, lambda: monitor.settings))  # type: ignore[arg-type]
    run_until(monitor, clocks, 16)
    assert notes.shown.count(TOO_DARK[0]) == 1
    dark = "too dark to see your posture; waiting for more light"
    assert {tip for minute, tip in tips if 3.5 <= minute < 13} == {dark}
    assert dark not in {tip for minute, tip in tips if minute < 3 or minute >= 13.5}
    # Present (no break, the sitting reminder comes) and unknown in the report; nothing judged in the dark.
    presence = [o.state for o in outcomes if getattr(o, "kind", "") == "presence"]
    assert presence == ["present", "unknown", "present"]
    assert not [o for o in outcomes if getattr(o, "kind", "") in ("away", "break")]
    assert [o for o in outcomes if isinstance(o, Reminder) and o.alert.fault == "sitting"]
    assert not [o for o in outcomes if getattr(o, "kind", "") == "fault_start" and 3 * 60 <= o.t - 1000 < 13 * 60]
    totals = day_totals(monitor, START)
    assert abs(totals["unknown"] - 600) <= 15 and abs(totals["present"] - 360) <= 15 and totals["away"] == 0


def test_time_away_after_a_call_is_counted_from_the_first_empty_frame(tmp_path, estimator, seated):
    # Seated 10 min, a 60-minute call, then 5 minutes out of the room, then seated again.
    scenes = [(10, "seated"), (70, "busy"), (75, "empty"), (80, "seated")]

    def scene(minute: float) -> str:
        return next(what for until, what in scenes if minute < until)

    monitor, clocks, _, outcomes = monitor_for(tmp_path, estimator, seated, scene, "[breaks]\nsitting_minutes = 240\n")
    run_until(monitor, clocks, 79)
    breaks = [o for o in outcomes if getattr(o, "kind", "") == "break"]
    assert len(breaks) == 1 and abs(breaks[0].seconds - 300) <= 10
    totals = day_totals(monitor, START)
    assert abs(totals["away"] - 300) <= 10 and abs(totals["call"] - 3600) <= 10


def test_waking_to_an_empty_desk_is_one_absence_in_the_report(tmp_path, estimator, seated):
    # Seated 10 min, suspended for 2 h, nobody in view for 5 min after waking, then seated.
    def scene(minute: float) -> str:
        return "empty" if 130 <= minute < 135 else "seated"

    monitor, clocks, _, outcomes = monitor_for(tmp_path, estimator, seated, scene, "[breaks]\nsitting_minutes = 240\n")
    run_until(monitor, clocks, 140, {10: lambda: clocks.suspend(2 * 3600)})
    assert kinds(outcomes).count("away") == 1 and kinds(outcomes).count("break") == 1
    brk = next(o for o in outcomes if getattr(o, "kind", "") == "break")
    assert abs(brk.seconds - (2 * 3600 + 5 * 60)) <= 10
    assert abs(day_totals(monitor, START)["away"] - (2 * 3600 + 5 * 60)) <= 10


def test_a_suspend_while_the_camera_takes_a_picture_is_time_away(tmp_path, estimator, seated):
    monitor, clocks, _, outcomes = monitor_for(tmp_path, estimator, seated, lambda minute: "seated")
    capture = monitor.camera.opener(0)
    slept: list[float] = []

    def sleep_once(minute: float) -> None:
        if minute >= 10 and not slept:
            slept.append(minute)
            clocks.suspend(2 * 3600)

    capture.during_grab = sleep_once
    run_until(monitor, clocks, 135)
    away = [o for o in outcomes if getattr(o, "kind", "") == "away"]
    brk = [o for o in outcomes if getattr(o, "kind", "") == "break"]
    assert len(away) == 1 and away[0].reason == "asleep" and len(brk) == 1 and brk[0].seconds >= 2 * 3600
    # The sitting clock started again after the night: no stand-up reminder 30 min after waking.
    sitting = [o for o in outcomes if kinds([o]) == ["reminder"] and o.alert.fault == "sitting"]
    assert all((o.alert.wall - START).total_seconds() < 130 * 60 for o in sitting)


def test_a_start_with_nobody_in_view_is_away_not_present(tmp_path, estimator, seated):
    # An empty room from 08:00; the user at the desk from 09:00 to 09:10.
    morning = START.replace(hour=8)

    def scene(minute: float) -> str:
        return "seated" if 60 <= minute < 70 else "empty"

    monitor, clocks, _, _ = monitor_for(tmp_path, estimator, seated, scene, start=morning)
    run_until(monitor, clocks, 70)
    totals = day_totals(monitor, morning)
    assert abs(totals["present"] - 600) <= 10 and abs(totals["away"] - 3600) <= 10


@pytest.mark.parametrize(
    ("start", "minutes", "away"),
    [
        # The night the clocks go back: 01:30 EDT, away from 01:55 to 02:05 of the wall clock's second 01:xx.
        (datetime(2026, 11, 1, 5, 30, tzinfo=timezone.utc), 60, (25, 35)),
        # The night they go forward: 01:30 EST, 90 minutes in which 02:00 becomes 03:00.
        (datetime(2026, 3, 8, 6, 30, tzinfo=timezone.utc), 90, (40, 50)),
    ],
)
def test_a_day_across_a_change_of_the_clocks_counts_real_seconds(
    tmp_path, estimator, seated, monkeypatch, start, minutes, away
):
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:

        def scene(minute: float) -> str:
            return "empty" if away[0] <= minute < away[1] else "seated"

        monitor, clocks, _, outcomes = monitor_for(tmp_path, estimator, seated, scene, start=start)
        run_until(monitor, clocks, minutes)
        totals = day_totals(monitor, start)
    finally:
        monkeypatch.undo()
        time.tzset()
    gone = (away[1] - away[0]) * 60
    assert abs(totals["away"] - gone) <= 10
    assert abs(totals["present"] - (minutes * 60 - gone)) <= 15
    brk = [o for o in outcomes if getattr(o, "kind", "") == "break"]
    assert len(brk) == 1 and abs(brk[0].seconds - gone) <= 10


def test_quiet_hours_follow_a_change_of_zone_while_running(tmp_path, estimator, seated, monkeypatch):
    # Quiet from 22:00 to 07:00. At 23:00 in Paris a forward head is held; after a minute the zone changes to
    # New York (17:01 there): the reminder held back by the quiet night comes in the afternoon of the new zone.
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    try:
        start = datetime(2026, 11, 23, 23, 0, tzinfo=localtime.zone())
        quiet = '[notify]\nquiet_start = "22:00"\nquiet_end = "07:00"\n[breaks]\nsitting_minutes = 5\n'
        monitor, clocks, _, outcomes = monitor_for(tmp_path, estimator, seated, lambda m: "seated", quiet, start=start)

        def travel() -> None:
            monkeypatch.setenv("TZ", "America/New_York")
            time.tzset()

        run_until(monitor, clocks, 12, {8: travel})
    finally:
        monkeypatch.undo()
        time.tzset()
    reminders = [o for o in outcomes if kinds([o]) == ["reminder"]]
    assert reminders, kinds(outcomes)
    first = reminders[0].alert.wall
    assert first.utcoffset() == timedelta(hours=-5) and 17 <= first.hour < 18
    assert (first - start).total_seconds() >= 8 * 60


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_an_ending_signal_at_any_moment_of_start_up_ends_the_run_cleanly(tmp_path, videos, signum):
    video = videos("neutral", seconds=60, fps=5)
    db = tmp_path / "h.sqlite3"
    cfg = waiting_config(tmp_path / "config.toml", db)
    command = [sys.executable, "-m", "posture_watch", "run", "--no-tray", "--source", video, "--config", cfg]
    # From the first instants its own code runs (imports), through loading the model, to watching.
    for delay in (0.0, 0.5, 1.2, 2.5, 4.0):
        proc = subprocess.Popen([*map(str, command), "--calibrate", "3"], cwd=ROOT, stderr=subprocess.PIPE, text=True)
        sent = signal_after(proc, signum, delay)
        err = proc.communicate(timeout=30)[1]
        assert proc.returncode == 0 and time.monotonic() - sent < PROMPT, (delay, proc.returncode, err)
        assert "Traceback" not in err
    if db.exists():
        sessions = history.connect(db)
        assert [row[0] for row in sessions.execute("SELECT ended FROM sessions") if row[0] is None] == []
        sessions.close()


def test_a_start_without_the_model_leaves_no_session_open(tmp_path, videos):
    video = videos("neutral", seconds=20, fps=5)
    db = tmp_path / "h.sqlite3"
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[history]\npath = "{db}"\n')
    env = {**os.environ, "POSTURE_WATCH_MODEL": str(tmp_path / "missing.task")}
    command = ["run", "--no-tray", "--source", video, "--config", cfg, "--calibrate", "3"]
    result = subprocess.run(
        [sys.executable, "-m", "posture_watch", *map(str, command)], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 2 and "missing.task" in result.stderr and "Traceback" not in result.stderr
    if db.exists():
        sessions = history.connect(db)
        assert sessions.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
        assert sessions.execute("SELECT count(*) FROM presence").fetchone()[0] == 0
        sessions.close()


def test_a_locked_screen_is_time_away_and_the_camera_stays_off(tmp_path, estimator, seated):
    monitor, clocks, _, outcomes = monitor_for(tmp_path, estimator, seated, lambda minute: "seated")
    capture = monitor.camera.opener(0)
    grabs: list[float] = []
    capture.during_grab = grabs.append
    run_until(
        monitor,
        clocks,
        20,
        {5: lambda: monitor.post(ScreenLocked(True)), 15: lambda: monitor.post(ScreenLocked(False))},
    )
    assert not [minute for minute in grabs if 5.01 <= minute < 15], "no picture taken while the screen was locked"
    assert any(minute >= 15 for minute in grabs), "watching again once unlocked"
    away = [o for o in outcomes if getattr(o, "kind", "") == "away"]
    brk = [o for o in outcomes if getattr(o, "kind", "") == "break"]
    assert len(away) == 1 and away[0].reason == "locked" and len(brk) == 1 and abs(brk[0].seconds - 600) <= 10
    assert abs(day_totals(monitor, START)["away"] - 600) <= 10


@pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="needs dbus-daemon (Debian: dbus)")
def test_the_screen_saver_locking_keeps_the_camera_off_and_counts_one_break(tmp_path, estimator, seated, bus_address):
    # The desktop's screen saver on a session bus of the test's own; no logind (an empty system bus).
    session = bus_address("session")
    saver = ScreenSaver()
    service = Service(session, "org.freedesktop.ScreenSaver", {"/org/freedesktop/ScreenSaver": saver})
    monitor, clocks, _, outcomes = monitor_for(tmp_path, estimator, seated, lambda minute: "seated")
    watcher = ScreenLockWatcher(session_bus=session, system_bus=bus_address("empty-system"))
    monitor.watchers.append(watcher)
    posted: queue.Queue = queue.Queue()
    into_inbox = monitor.post
    monitor.post = lambda event: (into_inbox(event), posted.put(event))  # type: ignore[method-assign]
    grabs: list[float] = []
    monitor.camera.opener(0).during_grab = grabs.append
    heard: list[tuple[float, object]] = []

    def screen_saver(active: bool) -> Callable[[], None]:
        """At a minute of the monitor's (its loop held meanwhile): the screen saver says so, the monitor hears it."""

        def change() -> None:
            saver.active = active
            saver.ActiveChanged()

        def hook() -> None:
            if active:  # the watcher's first word: unlocked, as the screen saver was when it started
                heard.append((-1.0, posted.get(timeout=PATIENCE)))
            service.call(change)
            heard.append(((clocks.t - 1000.0) / 60, posted.get(timeout=PATIENCE)))

        return hook

    try:
        run_until(monitor, clocks, 20, {5: screen_saver(True), 15: screen_saver(False)})
    finally:
        service.close()
    assert [event for _, event in heard] == [ScreenLocked(False), ScreenLocked(True), ScreenLocked(False)]
    (locked, _), (unlocked, _) = heard[1:]
    assert watcher.lock is not None and watcher.lock.sources == ["org.freedesktop.ScreenSaver"]
    assert not [minute for minute in grabs if locked < minute < unlocked], "no picture taken while locked"
    # Unlocked: the camera looks at once, not at the next sample's turn.
    assert min(minute for minute in grabs if minute > unlocked) - unlocked <= 1 / 60
    away = [o for o in outcomes if getattr(o, "kind", "") == "away"]
    brk = [o for o in outcomes if getattr(o, "kind", "") == "break"]
    assert len(away) == 1 and away[0].reason == "locked"
    assert len(brk) == 1 and abs(brk[0].seconds - (unlocked - locked) * 60) <= 1
    assert abs(day_totals(monitor, START)["away"] - (unlocked - locked) * 60) <= 1


class ScriptedCoach:
    """The coach's child process as the monitor sees it: started, running until the test ends it."""

    started: ClassVar[list[ScriptedCoach]] = []

    def __init__(self, args: list[str], alert_id: int | None, post: Callable[[object], None]) -> None:
        self.args, self.alert_id, self.post = args, alert_id, post
        self.running = False

    def start(self) -> None:
        self.running = True
        ScriptedCoach.started.append(self)

    def end(self, verified: bool = True) -> None:
        """The child ends, its summary the last line it printed: the whole dose seen done, or one hold of two."""
        self.running = False
        stretch = next(arg for arg in self.args[self.args.index("coach") + 1 :] if not arg.startswith("-"))
        done = [{"side": None, "holds": 2 if verified else 1}]
        summary = {"event": "summary", "stretch": stretch, "name": stretch, "check": "head",
                   "asked": {"seconds": 30.0, "times": 2, "sides": [None]}, "done": done, "verified": verified,
                   "timed_only": False, "complete": verified, "seconds": 125.0}  # fmt: skip
        self.post(CoachEnded(self.alert_id, summary))

    def stop(self) -> None:
        self.end(verified=False)


def test_reminders_answered_with_the_coach_done_snoozed_and_not_at_all_are_recorded_as_such(
    tmp_path, estimator, seated
):
    """Start on a reminder lends the camera to the coach; its end answers that reminder ("coached")."""
    text = "[breaks]\nsitting_minutes = 5\n[notify]\ncooldown_minutes = 1\nmin_gap_minutes = 0\nsnooze_minutes = 1\n"
    monitor, clocks, _, outcomes = monitor_for(tmp_path, estimator, seated, lambda minute: "seated", text)
    monitor.coach_process = ScriptedCoach  # type: ignore[assignment]
    ScriptedCoach.started = []
    opened: list[float] = []
    capture_open = monitor.camera.opener
    monitor.camera.opener = lambda i: (opened.append(clocks.t), capture_open(i))[1]  # type: ignore[assignment]
    answers = ["start", "done", "snoozed", None]
    coaching: list[tuple[float, float]] = []

    class Answering:
        """Answers each new reminder in turn, as a person pressing its buttons would."""

        def take(self, output) -> None:
            if isinstance(output, Reminder) and answers:
                answer = answers.pop(0)
                if answer is not None:
                    monitor.command(commands.Answer(output.alert.id, answer))
            elif isinstance(output, Tick) and ScriptedCoach.started and not coaching:
                # The stretch takes three minutes; meanwhile the camera is the coach's.
                coaching.append((clocks.t, clocks.t + 180))
            elif isinstance(output, Tick) and coaching and ScriptedCoach.started[0].running:
                if clocks.t >= coaching[0][1]:
                    ScriptedCoach.started[0].end()
                else:
                    assert output.mode.paused == PauseReason.COACH

        def close(self) -> None:
            pass

    monitor.sinks.append(Answering())
    run_until(monitor, clocks, 60)
    assert not answers, kinds(outcomes)
    (child,) = ScriptedCoach.started
    reminder = next(o for o in outcomes if isinstance(o, Reminder))
    assert reminder.stretch is not None, "a sitting reminder suggests a stretch"
    assert child.alert_id == reminder.alert.id and reminder.stretch.id in child.args and "--no-history" in child.args
    began, ended = coaching[0]
    assert not [t for t in opened if began < t < ended], "the monitor left the camera to the coach"
    assert [t for t in opened if t > ended], "and took it back after"
    db = history.connect(monitor.history)
    try:
        alerts = [dict(r) for r in db.execute("SELECT alert_id, response FROM alerts ORDER BY at")]
        (row,) = [dict(r) for r in db.execute("SELECT * FROM coaching")]
        summary = tally.summarize(db, "day", START.date())
    finally:
        db.close()
    # The fourth was not answered: the reminder after it, for the same posture, says so.
    assert [a["response"] for a in alerts[:4]] == ["coached", "done", "snoozed", "ignored"]
    assert (row["alert_id"], row["verified"], row["stretch"]) == (alerts[0]["alert_id"], 1, reminder.stretch.id)
    assert [r.outcome for r in summary.reminders[:4]] == ["coached", "done", "snoozed", "ignored"]
    assert summary.totals.verified >= 1 and summary.totals.answered >= 2
    # The report counts them: every coached or done reminder answered, the coached one verified.
    outcomes = [r.outcome for r in summary.reminders]
    answered = sum(o in ("coached", "stretched", "done", "break") for o in outcomes)
    verified = sum(o in ("coached", "break") for o in outcomes)
    totals = summary.totals
    assert (totals.reminders, totals.answered, totals.verified) == (len(outcomes), answered, verified)
    sentence = f"{answered} of {len(outcomes)} reminders answered, {verified} of them verified by the camera."
    assert sentence in pages.render(summary)


@pytest.mark.parametrize("kind", ["away", "call", "paused"])
def test_a_killed_monitor_counts_a_lock_a_call_or_a_pause_up_to_its_last_minute(tmp_path, estimator, seated, kind):
    # Seated 5 min, then 15 min of the screen locked, a call or a pause, and the process is killed.
    def scene(minute: float) -> str:
        return "busy" if kind == "call" and minute >= 5 else "seated"

    monitor, clocks, _, _ = monitor_for(tmp_path, estimator, seated, scene)
    begin = {"away": lambda: monitor.post(ScreenLocked(True)), "paused": lambda: monitor.command(commands.Pause(3600))}
    run_until(monitor, clocks, 30, {5: begin.get(kind, lambda: None), 20: lambda: kill(monitor)})
    # The report closes what the killed session left open at its last heartbeat, written once a minute.
    assert 15 * 60 - history.HEARTBEAT - 10 <= day_totals(monitor, START)[kind] <= 15 * 60 + 10


def test_a_monitor_ended_right_after_waking_counts_the_sleep_as_time_away(tmp_path, estimator, seated):
    # Seated 10 min, asleep 30 min, and the signal to end comes on waking, before the next look at the camera.
    monitor, clocks, _, outcomes = monitor_for(tmp_path, estimator, seated, lambda minute: "seated")

    def sleep_then_end() -> None:
        clocks.suspend(30 * 60)
        monitor.stop()

    run_until(monitor, clocks, 60, {10: sleep_then_end})
    assert kinds(outcomes).count("away") == 1
    totals = day_totals(monitor, START)
    assert abs(totals["away"] - 30 * 60) <= 10 and abs(totals["present"] - 10 * 60) <= 10, totals


def test_a_moved_camera_is_said_once_with_a_button_that_recalibrates(tmp_path, estimator, seated):
    # Seated 2 min; then the camera is turned and shifted (the whole picture); 5 min in the user sinks, the head
    # lower and nearer the shoulders.
    sys.path.insert(0, str(ROOT / "scripts"))
    from make_test_videos import CAMERA_MOVES, moved_view

    slouched = cv2.resize(cv2.imread(str(sorted(SLOUCHED.glob("*.jpg"))[0])), (320, 240))

    def scene(minute: float) -> str:
        return "seated" if minute < 2 else "moved" if minute < 5 else "slouched"

    text = "[calibration]\nmoved_seconds = 60\n[faults.forward_head]\nhold_seconds = 30\n"
    text += "[faults.slouch]\nhold_seconds = 30\n[notify]\nmin_gap_minutes = 0\n"
    monitor, clocks, notes, outcomes = monitor_for(tmp_path, estimator, seated, scene, text)
    capture = monitor.camera.opener(0)
    capture.pictures["moved"] = [moved_view(seated, **CAMERA_MOVES["turned"])]
    capture.pictures["slouched"] = [moved_view(slouched, **CAMERA_MOVES["turned"])]
    views: list = []
    tray = type("Tray", (), {"show": lambda self, view: views.append(view), "stop": lambda self: None})()
    monitor.sinks.append(TraySink(tray, lambda: monitor.settings))  # type: ignore[arg-type]
    moved_views: list = []

    def press() -> None:
        moved_views.append(views[-1])
        [notice] = [n for n in notes.notices if n.title.startswith("The camera seems to have moved")]
        monitor.answer(notice.actions[0][0], notice.tag)

    run_until(monitor, clocks, 7, {4: press})
    said = [o for o in outcomes if kinds([o]) == ["camera_moved"]]
    assert len(said) == 1, kinds(outcomes)
    # Said once the move had lasted its minute; nothing of it was a posture.
    assert 3 <= (said[0].wall - START).total_seconds() / 60 <= 3.5
    faults = [o for o in outcomes if kinds([o]) in (["fault_start"], ["reminder"])]
    assert all((getattr(o, "wall", None) or o.alert.wall) >= START + timedelta(minutes=5) for o in faults), faults
    notice = next(n for n in notes.notices if n.title.startswith("The camera seems to have moved"))
    assert notice.actions == (("calibrate", "Recalibrate"),)
    assert "the camera seems to have moved" in moved_views[0].tooltip
    # Recalibrate recalibrated on the moved picture; the user sinking after it is reminded.
    calibrated = [o for o in outcomes if kinds([o]) == ["calibrated"]]
    assert len(calibrated) == 2 and 4 <= (calibrated[1].wall - START).total_seconds() / 60 <= 4.5
    reminders = [o for o in outcomes if kinds([o]) == ["reminder"]]
    assert reminders and reminders[0].alert.fault in ("forward_head", "slouch"), kinds(outcomes)
    assert "the camera seems to have moved" not in views[-1].tooltip


def test_standing_chosen_in_the_tray_stops_the_sitting_clock_and_its_reminder(tmp_path, estimator, seated):
    # A stand-up reminder is due after 5 min of sitting; the user stands 1 min in (engine: test_engine's two hours).
    monitor, clocks, _, outcomes = monitor_for(tmp_path, estimator, seated, lambda minute: "seated", SITTING_5)
    views: list = []
    tray = type("Tray", (), {"show": lambda self, view: views.append(view), "stop": lambda self: None})()
    monitor.sinks.append(TraySink(tray, lambda: monitor.settings))  # type: ignore[arg-type]
    clock: list[float] = []

    def stand() -> None:
        [row] = [row for row in menu.items(views[-1]) if row.label == "Standing now"]
        monitor.command(row.command)

    def look() -> None:
        clock.append(monitor.state.sitting.seconds)

    run_until(monitor, clocks, 12, {1: stand, 2: look, 11: look})
    # The standing neutral was taken first (none was stored), then ten minutes of standing.
    assert kinds(outcomes).count("calibrated") == 2, kinds(outcomes)
    assert monitor.state.profile == "standing" and monitor.state.standing
    assert clock[0] == clock[1] and clock[0] < 2 * 60, clock
    assert [o for o in outcomes if kinds([o]) == ["reminder"]] == []
    assert "standing" in views[-1].tooltip and "stand-up" not in views[-1].tooltip, views[-1]
    assert [row.label for row in menu.items(views[-1]) if row.id == menu.STAND] == ["Sitting again"]
