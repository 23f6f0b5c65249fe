"""The desktop parts one by one: camera handling, notifications, reload, autostart, one instance, tray."""

from __future__ import annotations

import configparser
import os
import plistlib
import stat
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import datetime
from functools import partial

import numpy as np
import pytest
from conftest import run_cli

from posture_watch import config
from posture_watch.app.modes import CameraState, Mode, transition
from posture_watch.app.outputs import Tick
from posture_watch.app.reload import ConfigWatcher
from posture_watch.app.sinks.tray import view
from posture_watch.commands import (
    Calibrate,
    OpenSettings,
    Pause,
    Quit,
    Resume,
    ResumeReminders,
    Snooze,
    StretchNow,
    Summary,
)
from posture_watch.core import engine
from posture_watch.desktop import autostart, menu, opener
from posture_watch.desktop.icons import STATES, icon_image
from posture_watch.desktop.instance import AlreadyRunning, InstanceLock
from posture_watch.desktop.menu import TrayView
from posture_watch.errors import UserError
from posture_watch.sense import devices
from posture_watch.sense.camera import BUSY, LOST, MISSING, OK, Camera
from posture_watch.sense.devices import Device

# A camera the OS lists: found by whatever camera.device says.
THERE = Device(0, "usb-test-video-index0", "Test Camera")
# Cameras known only by their number, as where the OS lists none: "camera 0".
BY_NUMBER = partial(devices.chosen, cameras=None)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> None:
        self.now += seconds


class FakeCapture:
    """A camera that works, or refuses to open, or stops giving frames after ``frames``."""

    def __init__(self, clock: FakeClock, opens: bool = True, frames: int = 10**9) -> None:
        self.clock, self.opens, self.left = clock, opens, frames
        self.released = False

    def isOpened(self) -> bool:
        return self.opens

    def grab(self) -> bool:
        self.clock.now += 0.1  # a 10 fps camera
        self.left -= 1
        return self.left >= 0

    def retrieve(self):
        return True, np.zeros((4, 4, 3), np.uint8)

    def set(self, prop: int, value: float) -> bool:
        return True

    def release(self) -> None:
        self.released = True


def camera_settings(mode: str, **camera) -> config.Config:
    changes = {f"camera__{key}": value for key, value in {"mode": mode, **camera}.items()}
    return config.defaults().with_changes(**changes)


def pull(cam: Camera, clock: FakeClock, seconds: float) -> list[float]:
    times = []
    end = clock.now + seconds
    while clock.now < end:
        frame = cam.next_frame()
        if frame is not None:
            times.append(frame[0])
    return times


def test_camera_that_is_missing_then_appears_is_retried_with_backoff():
    clock = FakeClock()
    statuses: list[str] = []
    attempts: list[float] = []
    plugged_in_at = clock.now + 20

    def find(spec) -> Device:
        attempts.append(clock.now)
        return THERE if clock.now >= plugged_in_at else replace(THERE, index=None)

    cam = Camera(
        camera_settings("continuous"),
        2.0,
        statuses.append,
        opener=lambda index: FakeCapture(clock),
        find=find,
        clock=clock,
        wait=clock.wait,
    )
    attempts.clear()  # looked up once when configured; then at each opening
    times = pull(cam, clock, 40)
    gaps = np.diff(attempts[:5])
    assert list(gaps[:3]) == pytest.approx([2.0, 4.0, 8.0], abs=1.1)
    assert statuses == [MISSING, OK]
    assert times and times[0] >= plugged_in_at
    # Continuous mode at 2 analysed frames a second.
    assert np.diff(times[-10:]) == pytest.approx([0.5] * 9, abs=0.11)


def test_camera_that_vanishes_mid_run_is_reported_once_and_resumed():
    clock = FakeClock()
    statuses: list[str] = []
    captures = [FakeCapture(clock, frames=50), FakeCapture(clock, opens=False), FakeCapture(clock)]
    cam = Camera(
        camera_settings("continuous"),
        2.0,
        statuses.append,
        opener=lambda i: captures.pop(0),
        find=lambda spec: THERE,
        clock=clock,
        wait=clock.wait,
    )
    times = pull(cam, clock, 60)
    assert statuses == [OK, LOST, BUSY, OK]
    assert max(np.diff(times)) > 2  # the outage
    assert times[-1] > clock.now - 2  # and resumed


def test_sampling_mode_closes_the_camera_between_samples():
    clock = FakeClock()
    opened: list[FakeCapture] = []

    def opener(index: int) -> FakeCapture:
        opened.append(FakeCapture(clock))
        return opened[-1]

    cam = Camera(
        camera_settings("sampling", sample_interval_seconds=10, sample_frames=2),
        2.0,
        opener=opener,
        find=lambda spec: THERE,
        clock=clock,
        wait=clock.wait,
    )
    times = pull(cam, clock, 35)
    assert len(opened) == 4
    assert all(c.released for c in opened[:-1])
    assert cam.capture is None or cam.capture is opened[-1]
    # Two frames per sample, samples about 10 s apart.
    assert len(times) >= 6 and times[1] - times[0] < 1 and 9.5 < times[2] - times[1] < 11.5


def test_busy_camera_is_a_call_not_an_error():
    clock = FakeClock()
    statuses: list[str] = []
    attempts: list[float] = []

    def opener(index: int) -> FakeCapture:
        attempts.append(clock.now)
        return FakeCapture(clock, opens=False)

    cam = Camera(
        camera_settings("sampling", sample_interval_seconds=10),
        2.0,
        statuses.append,
        opener=opener,
        find=lambda spec: THERE,
        clock=clock,
        wait=clock.wait,
    )
    assert pull(cam, clock, 60) == []
    assert statuses == [BUSY]
    # Tried again at the sampling interval, without growing backoff.
    assert list(np.diff(attempts)) == pytest.approx([10.0] * (len(attempts) - 1), abs=1.1)
    settings = config.defaults()
    status = engine.status(engine.new_state(), settings.core)
    tick = Tick(transition(Mode(), CameraState(cam.status)), status, datetime.now(), False, clock.now)
    shown = view(tick, settings)
    assert shown.state == "call" and "reminders held" in shown.tooltip


def test_config_watcher_reloads_and_keeps_the_last_good_settings(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[faults.slouch]\nhold_seconds = 100\n")
    errors: list[str] = []
    watcher = ConfigWatcher(path, on_error=errors.append)
    assert watcher.settings["faults"]["slouch"]["hold_seconds"] == 100
    assert watcher.poll() is False
    path.write_text("[faults.slouch]\nhold_seconds = 200\n")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    assert watcher.poll() is True and watcher.settings["faults"]["slouch"]["hold_seconds"] == 200
    for text in ("[faults.slouch]\nhold_seconds = -1\n", "[faults.slouch]\nhold_seconds = -1\n\n"):
        path.write_text(text)
        os.utime(path, ns=(time.time_ns(), time.time_ns() + 2_000_000))
        assert watcher.poll() is False
    assert watcher.settings["faults"]["slouch"]["hold_seconds"] == 200
    assert len(errors) == 1 and "faults.slouch.hold_seconds = -1" in errors[0]


@pytest.mark.parametrize("platform", ["linux", "darwin", "win32"])
def test_autostart_entries_for_each_platform(tmp_path, monkeypatch, platform):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "AppData"))
    assert autostart.status(platform, tmp_path) == (False, autostart.entry_path(platform, tmp_path))
    path = autostart.enable(platform, tmp_path)
    assert autostart.status(platform, tmp_path)[0]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = path.read_bytes()
    if platform == "linux":
        assert path == tmp_path / "config" / "autostart" / "posture-watch.desktop"
        entry = configparser.ConfigParser(interpolation=None)
        entry.read_string(data.decode())
        assert entry["Desktop Entry"]["Type"] == "Application"
        assert entry["Desktop Entry"]["Exec"].endswith("-m posture_watch run")
    elif platform == "darwin":
        plist = plistlib.loads(data)
        assert plist["ProgramArguments"] == [sys.executable, "-m", "posture_watch", "run"] and plist["RunAtLoad"]
        assert path.parent.name == "LaunchAgents"
    else:
        assert path.parent.name == "Startup" and path.suffix == ".cmd"
        assert f'"{sys.executable}" "-m" "posture_watch" "run"' in data.decode()
    autostart.disable(platform, tmp_path)
    assert not path.exists()


def test_desktop_exec_quoting():
    text = autostart.entry_text("linux", ["/opt/my apps/python", "-m", "posture_watch", "run"]).decode()
    assert 'Exec="/opt/my apps/python" -m posture_watch run' in text


def test_only_one_monitor_per_user(tmp_path):
    lock = tmp_path / "monitor.lock"
    with InstanceLock(lock), pytest.raises(AlreadyRunning, match=f"pid {os.getpid()}"), InstanceLock(lock):
        pass
    with InstanceLock(lock):  # free again once released
        pass


def test_second_run_says_so_and_exits(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from posture_watch.desktop.instance import InstanceLock\n"
            "with InstanceLock():\n    print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = run_cli("run", "--no-tray", "--source", tmp_path / "unused.mp4")
        assert result.returncode == 1
        assert f"already running (pid {holder.pid})" in result.stderr
    finally:
        holder.kill()
        holder.wait()


def test_tray_icons_differ_by_state():
    images = {state: icon_image(state).tobytes() for state in STATES}
    assert len(set(images.values())) == len(STATES)


def test_menu_rows_carry_typed_commands_with_stable_ids():
    tray = TrayView("good", tooltip="posture good", snooze_minutes=20)
    rows = {item.label: item for item in menu.items(tray)}
    assert rows["posture good"].command is None, "the status line is not a command"
    assert rows["Pause for 15 min"].command == Pause(900) and rows["Pause until tomorrow"].command == Pause(None)
    assert rows["Snooze reminders 20 min"].command == Snooze(20)
    assert rows["Today's summary"].command == Summary("day") == menu.DEFAULT
    assert rows["This week"].command == Summary("week") and rows["This month"].command == Summary("month")
    assert rows["Stretch now"].command == StretchNow()
    assert (rows["Calibrate now"].command, rows["Open settings"].command, rows["Quit"].command) == (
        Calibrate(),
        OpenSettings(),
        Quit(),
    )
    paused = {item.label: item for item in menu.items(replace(tray, paused=True))}
    assert paused["Resume"].command == Resume() and "Pause for 15 min" not in paused
    snoozed = {item.label: item for item in menu.items(replace(tray, snoozed_until="12:15"))}
    assert snoozed["Resume reminders"].command == ResumeReminders()
    # An entry keeps its id whatever else the menu shows.
    for other in (paused, snoozed):
        for label, item in other.items():
            if label in rows:
                assert rows[label].id == item.id, label
    ids = [item.id for item in menu.items(tray)]
    assert len(ids) == len(set(ids))


def test_do_not_disturb_delivers_or_drops_held_reminders():
    from test_engine import BASELINE, FORWARD, jiggle, of, outcomes, settings

    # Due at 60 s while a fullscreen window is up until 130 s.
    for rule, expected in (("deliver", 130.0), ("drop", 60.0 + 10 * 60)):
        cfg = settings(faults__forward_head__hold_seconds=60, notify__after_do_not_disturb=rule)
        state = engine.new_state(BASELINE)
        events = []
        for i in range(2000):
            t = i * 0.5
            obs = engine.Observation(t, "front", jiggle(FORWARD, t), None, do_not_disturb=t < 130)
            events += outcomes(state, obs, cfg)
        assert of(events, "alert")[0]["t"] == expected, rule


def test_doctor_names_each_problem_and_how_to_fix_it(config_file):
    env_display = os.environ.pop("DISPLAY", None)
    try:
        result = run_cli("doctor", "--config", config_file("[sampling]\nfps = 99\n"))
    finally:
        if env_display is not None:
            os.environ["DISPLAY"] = env_display
    lines = result.stdout.splitlines()
    assert result.returncode == 1
    assert any(line.startswith("PROBLEM  settings:") and "sampling.fps = 99" in line for line in lines)
    assert any(line.startswith("ok       pose model:") for line in lines)
    assert any(line.startswith("PROBLEM  camera:") and "camera.device" in line for line in lines)
    assert any(line.startswith("PROBLEM  tray:") and "--no-tray" in line for line in lines)


def test_autostart_command(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert run_cli("autostart", "enable").returncode == 0
    assert (tmp_path / "autostart" / "posture-watch.desktop").exists()
    assert run_cli("autostart", "status").stdout.startswith("enabled")
    assert run_cli("autostart", "disable").returncode == 0
    assert run_cli("autostart", "status").stdout.startswith("disabled")


def test_opening_a_file_or_a_page_says_when_nothing_can(tmp_path, monkeypatch):
    settings = tmp_path / "config.toml"
    settings.write_text("")
    programs = tmp_path / "bin"
    programs.mkdir()
    monkeypatch.setenv("PATH", str(programs))
    assert opener.open_file(settings) is False, "no xdg-open at all"
    xdg_open = programs / "xdg-open"
    for status, opened in ((3, False), (0, True)):  # 3: xdg-open found no program for the file's type
        xdg_open.write_text(f'#!/bin/sh\necho "$1" > {tmp_path / "asked"}\nexit {status}\n')
        xdg_open.chmod(0o755)
        assert opener.open_file(settings) is opened
        assert (tmp_path / "asked").read_text().strip() == str(settings)
    # No browser: webbrowser finds none (its choice is made once per process, so in a fresh one).
    code = f"import pathlib, posture_watch.desktop.opener as o; print(o.open_page(pathlib.Path({str(settings)!r})))"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")}
    result = subprocess.run(
        [sys.executable, "-c", code], env={**env, "PATH": str(programs)}, capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "False", result.stderr


def held_by_another_program(clock: FakeClock) -> Camera:
    """A camera that will not open, as while a call holds it, on ``clock``."""
    captures = [FakeCapture(clock, opens=False) for _ in range(100)]
    return Camera(
        camera_settings("continuous"), 5.0, opener=lambda i: captures.pop(0), find=BY_NUMBER, clock=clock,
        wait=clock.wait,
    )  # fmt: skip


def test_a_command_that_needs_the_camera_now_waits_for_another_program_only_so_long():
    """The coach and calibrate take the camera; while a call holds it they wait their patience, then say so."""
    clock = FakeClock()
    cam = held_by_another_program(clock)
    began = clock.now
    with pytest.raises(UserError, match="camera 0 is in use by another program; close it and try again"):
        next(cam.frames(15.0))
    assert 15.0 < clock.now - began < 15.0 + 11.0, "given up soon after its patience, not at the first look"
    # A camera that is free gives its frames at once, the first one announced.
    told: list[str] = []
    free = Camera(camera_settings("continuous"), 5.0, opener=lambda i: FakeCapture(clock), find=BY_NUMBER,
                  clock=clock, wait=clock.wait)  # fmt: skip
    assert next(free.frames(15.0, lambda: told.append("first")))[1].shape == (4, 4, 3) and told == ["first"]


def test_quitting_while_the_camera_is_busy_ends_the_wait_at_once():
    """q or Esc in the coach's window while a call holds the camera stops the wait, without an error."""
    clock = FakeClock()
    cam = held_by_another_program(clock)
    began = clock.now
    quit_at = began + 3.0
    assert list(cam.frames(15.0, stop=lambda: clock.now >= quit_at)) == []
    assert cam.status == "busy" and clock.now - began < 3.0 + 2.0, "ended at the next look after the quit"


def test_a_tray_loop_that_never_takes_the_stop_does_not_hold_the_exit(monkeypatch, caplog):
    """pystray hands stop() to its loop and waits; a loop stuck in an X11 round trip never answers."""
    from posture_watch.desktop import tray

    stuck = threading.Event()

    class StuckIcon:
        def stop(self) -> None:
            stuck.set()
            threading.Event().wait()  # the loop never runs the stop

    icon = object.__new__(tray.Tray)
    icon.icon = StuckIcon()
    monkeypatch.setattr(tray, "STOP_SECONDS", 0.1)
    icon.stop()
    assert stuck.is_set()
    assert any("did not close" in r.getMessage() for r in caplog.records)
