"""Notifications on a real desktop (Xvfb, D-Bus, dunst), the notifier's worker, doctor's view, quiet native code."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import subprocess
import sys
import threading

import numpy as np
import pytest
from conftest import ROOT, readme_picture, run_cli
from desktop import PATIENCE, Signals, desktop, dunst_count, dunst_history, has_colour, missing, screenshot, wait_for
from PIL import Image

from posture_watch.advice import wording
from posture_watch.advice.stretches import catalogue
from posture_watch.desktop import icons, notify
from posture_watch.desktop.notify import Delivery, Notice, NoticeKind, Notifier
from posture_watch.desktop.notify.via_notify_send import NotifySendBackend

TOOLS = ("Xvfb", "dbus-daemon", "dunst", "dunstctl", "notify-send", "stdbuf", "trayer")
needs_desktop = pytest.mark.skipif(bool(missing(*TOOLS)) and not os.environ.get("CI"), reason=f"{missing(*TOOLS)}")
BUTTONS = (("snooze", "Snooze 20 min"), ("done", "Done"))
CLOSED = "type='signal',interface='org.freedesktop.Notifications',member='NotificationClosed'"
# NotificationClosed's reason when the application withdrew the notice (CloseNotification).
BY_CALL = 3


def forward_head_reminder() -> tuple[str, str]:
    stretch = next(s for s in catalogue() if "forward_head" in s.faults and len(s.for_side(None)) >= 2)
    return wording.message("forward_head", None, 5 * 60, stretch.muscles, stretch, 0)


def reminder(title: str = "Head forward for 5 min", body: str = "body", actions=BUTTONS) -> Notice:
    return Notice(title, body, NoticeKind.REMINDER, state="alert", actions=actions, tag="forward_head")


@pytest.fixture
def on_desktop(tmp_path, monkeypatch):
    """Xvfb, a D-Bus session and dunst, reached by this process too; icons in this test's cache."""
    with desktop(tmp_path, tray=None) as env:
        for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
            monkeypatch.setenv(name, env[name])
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        notify.icon_path.cache_clear()
        yield env
    notify.icon_path.cache_clear()


@needs_desktop
def test_reminder_on_dunst_has_the_posture_as_summary_numbered_lines_buttons_and_an_icon_per_kind(on_desktop, tmp_path):
    env = on_desktop
    title, body = forward_head_reminder()
    assert title == "Head forward for 5 min"
    # Watch what reaches the server on the bus: the Notify call with its buttons.
    bus_log = (tmp_path / "bus.log").open("w+")
    monitor = subprocess.Popen(
        ["dbus-monitor", "--session", "type='method_call',interface='org.freedesktop.Notifications'"],
        env=env,
        stdout=bus_log,
        stderr=subprocess.STDOUT,
    )
    notifier = Notifier()
    try:
        wait_for(lambda: (tmp_path / "bus.log").read_text(), "dbus-monitor")
        server = notify.notification_server()
        assert server.name == "dunst" and server.actions
        notifier.post(reminder(title, body))
        notifier.post(Notice("Calibrated", "Your neutral posture is set."))
        notifier.post(Notice("posture-watch settings not reloaded", "line 3: bad value", NoticeKind.ERROR))
        assert notifier.flush(PATIENCE)
        assert notifier.last_backend == "desktop-notifier"
        wait_for(lambda: dunst_count(env, "displayed") + dunst_count(env, "waiting") == 3, "dunst to take all three")
        subprocess.run(["dunstctl", "close-all"], env=env, check=True)
        wait_for(lambda: len(dunst_history(env)) == 3, "the three in dunst's history")
        shown = {str(n["summary"]): n for n in dunst_history(env)}
        calls = (tmp_path / "bus.log").read_text()
    finally:
        notifier.close()
        monitor.terminate()
        monitor.wait(10)
        bus_log.close()
    entry = shown[title]
    assert entry["appname"] == "posture-watch"
    lines = str(entry["body"]).splitlines()
    assert lines == body.splitlines()
    assert any(line.startswith("1. ") for line in lines) and any(line.startswith("2. ") for line in lines)
    assert title not in entry["body"] and not any(line.startswith("Head forward") for line in lines)
    # The Notify call carried the two buttons, the Snooze one with the label the app chose.
    for text in ('"snooze"', '"Snooze 20 min"', '"done"', '"Done"'):
        assert text in calls, calls
    # Each kind its own icon, drawn in its own colour: the reminder red as the tray's alert, the error red with a
    # cross, the information in the neutral colour.
    expected = {
        title: icons.STATES["alert"][0],
        "Calibrated": icons.NOTICES["info"][0],
        "posture-watch settings not reloaded": icons.NOTICES["error"][0],
    }
    paths = {str(shown[summary]["icon_path"]) for summary in expected}
    assert len(paths) == 3, paths
    for summary, colour in expected.items():
        path = str(shown[summary]["icon_path"])
        assert os.path.exists(path), path
        assert Image.open(path).convert("RGB").getpixel((10, 32)) == colour, summary


@needs_desktop
@pytest.mark.parametrize("backend", ["desktop-notifier", "notify-send"])
def test_calibrated_replaces_calibrating_and_close_withdraws_a_reminder_with_buttons(on_desktop, backend):
    env = on_desktop
    signals = Signals(env["DBUS_SESSION_BUS_ADDRESS"], CLOSED, monitor=True)
    notifier = Notifier(backends=None if backend == "desktop-notifier" else [NotifySendBackend()])
    try:
        notifier.post(Notice("Calibrating", "Sit well for 10 seconds.", replaces="calibration"))
        notifier.post(Notice("Calibrated", "Your neutral posture is set.", replaces="calibration"))
        notifier.post(reminder())
        assert notifier.flush(PATIENCE)
        assert notifier.last_backend == backend
        wait_for(lambda: dunst_count(env, "displayed") == 2, "the calibrated notice and the reminder, on screen")
        # Quitting withdraws both: the reminder's buttons would be dead, and the calibration notice has its key.
        notifier.close(timeout=PATIENCE)
        wait_for(lambda: dunst_count(env, "displayed") + dunst_count(env, "waiting") == 0, "the notices withdrawn")
        history = dunst_history(env)
    finally:
        notifier.close()
        signals.close()
    summaries = [str(n["summary"]) for n in history]
    assert "Calibrated" in summaries and "Head forward for 5 min" in summaries, summaries
    by_call = {nid for nid, reason in signals.of("NotificationClosed") if reason == BY_CALL}
    ids = {str(n["summary"]): n["id"] for n in history}
    assert {ids["Calibrated"], ids["Head forward for 5 min"]} <= by_call, (ids, signals.seen)
    if backend == "notify-send":
        # Replaced in place (--replace-id): one notification, first "Calibrating", then "Calibrated".
        assert "Calibrating" not in summaries, summaries
    else:
        # Withdrawn, then the new one shown.
        assert ids["Calibrating"] in by_call, (ids, signals.seen)


def test_body_is_escaped_only_for_servers_that_read_markup():
    body = "Neck & shoulders <tight>\n1. Sit tall.\n2. Glide back."
    markup = notify.Server("gnome-shell", "GNOME", "46", frozenset({"actions", "body", "body-markup"}))
    plain = notify.Server("dunst", "knopwob", "1.9.0", frozenset({"actions", "body"}))
    assert notify.body_text(body, markup) == "Neck &amp; shoulders &lt;tight&gt;\n1. Sit tall.\n2. Glide back."
    assert notify.body_text(body, plain) == body
    assert notify.body_text(body, None) == body


def test_without_a_session_bus_backends_are_skipped_quietly(monkeypatch, caplog, tmp_path):
    for name in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    notify.notify_send_help.cache_clear()
    caplog.set_level(logging.DEBUG, logger="posture_watch.desktop.notify")
    notifier = Notifier(timeout=PATIENCE)
    try:
        notifier.post(reminder())
        assert notifier.flush(PATIENCE) and notifier.last_backend == "log"
        warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1 and "install a notification daemon" in warnings[0], warnings
        skipped = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG and "skipped" in r.getMessage()]
        assert any(m.startswith("notification backend desktop-notifier skipped") for m in skipped), skipped
        notifier.post(Notice("again", "body"))
        assert notifier.flush(PATIENCE) and notifier.last_backend == "log"
        assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1  # said once
    finally:
        notifier.close()


class Scripted:
    """A backend that records its calls and then raises, blocks until the test releases it, or shows."""

    def __init__(self, name: str, calls: list[str], behaviour: str = "show") -> None:
        self.name, self.calls, self.behaviour = name, calls, behaviour
        self.entered = threading.Event()
        self.release = threading.Event()

    async def show(self, delivery: Delivery) -> None:
        self.calls.append(f"{self.name}:{delivery.notice.title}")
        self.entered.set()
        if self.behaviour == "raise":
            raise RuntimeError("no backend")
        if self.behaviour == "block":
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait)

    async def close(self) -> None:
        self.calls.append(f"{self.name}:closed")


def test_post_returns_while_a_backend_hangs_and_the_next_takes_the_notice_after_the_timeout(caplog):
    calls: list[str] = []
    raising, hanging, working = (Scripted("a", calls, "raise"), Scripted("b", calls, "block"), Scripted("c", calls))
    # Each attempt is bounded: the hanging one, which never returns until released, gives way after 0.5 s.
    notifier = Notifier(backends=[raising, hanging, working], timeout=0.5)
    try:
        notifier.post(Notice("T", "B"))
        assert notifier.flush(PATIENCE)
        assert calls == ["a:T", "b:T", "c:T"] and notifier.last_backend == "c"
        assert any("notification backend b did not answer within 0.5s" in r.getMessage() for r in caplog.records)
    finally:
        hanging.release.set()
        notifier.close()
    assert calls[-3:] == ["a:closed", "b:closed", "c:closed"]
    assert Notifier(backends=[raising]).flush(0)  # nothing posted: nothing to wait for


def test_post_never_waits_for_the_backend():
    calls: list[str] = []
    hanging = Scripted("hanging", calls, "block")
    notifier = Notifier(backends=[hanging], timeout=10 * PATIENCE)
    try:
        notifier.post(Notice("first", "B"))
        assert hanging.entered.wait(PATIENCE)
        # The worker is inside the backend until the test releases it; posting from another thread still returns.
        poster = threading.Thread(target=notifier.post, args=(Notice("second", "B"),))
        poster.start()
        poster.join(PATIENCE)
        assert not poster.is_alive(), "post() waited for the backend"
        assert not notifier.flush(0)
        hanging.release.set()
        assert notifier.flush(PATIENCE)
        assert calls == ["hanging:first", "hanging:second"] and notifier.last_backend == "hanging"
    finally:
        hanging.release.set()
        notifier.close()


def test_close_is_bounded_while_a_backend_hangs_and_later_notices_go_to_the_log(caplog):
    caplog.set_level(logging.INFO, logger="posture_watch.desktop.notify")
    calls: list[str] = []
    hanging = Scripted("hanging", calls, "block")
    notifier = Notifier(backends=[hanging], timeout=10 * PATIENCE)
    try:
        notifier.post(Notice("first", "B"))
        notifier.post(Notice("queued", "B"))
        assert hanging.entered.wait(PATIENCE)
        notifier.close(timeout=PATIENCE)
        assert notifier.flush(0), "close() ends the worker: nothing is left on its way"
        assert calls == ["hanging:first", "hanging:closed"], "the queued notice is not shown after close"
        notifier.post(Notice("late", "B"))
        assert any(r.getMessage() == "not shown (closing): late" for r in caplog.records)
    finally:
        hanging.release.set()


def test_snooze_and_done_buttons_reach_the_app(tmp_path, monkeypatch):
    fake = tmp_path / "notify-send"
    options = "  -A, --action=[NAME=]Text  -p, --print-id"
    fake.write_text(f'#!/bin/sh\ncase "$1" in --help) echo "{options}";; *) echo 7; echo snooze;; esac\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    notify.notify_send_help.cache_clear()
    got: list[tuple[str, object]] = []
    clicked = threading.Event()

    def on_action(key: str, tag: object) -> None:
        got.append((key, tag))
        clicked.set()

    notifier = Notifier(on_action=on_action, backends=[NotifySendBackend()])
    try:
        notifier.post(reminder())
        assert notifier.flush(PATIENCE) and notifier.last_backend == "notify-send"
        assert clicked.wait(PATIENCE)
    finally:
        notifier.close()
        notify.notify_send_help.cache_clear()
    assert got == [("snooze", "forward_head")]


def test_closing_while_notify_send_is_on_its_way_leaves_nothing_to_say_at_exit(tmp_path):
    started = tmp_path / "started"
    fake = tmp_path / "notify-send"
    fake.write_text(f'#!/bin/sh\ncase "$1" in --help) echo "  -p";; *) touch "{started}"; exec sleep 60;; esac\n')
    fake.chmod(0o755)
    script = f"""
import pathlib, time
from posture_watch.desktop.notify import Notice, Notifier
from posture_watch.desktop.notify.via_notify_send import NotifySendBackend
notifier = Notifier(backends=[NotifySendBackend()])
notifier.post(Notice("on its way", "a notice the server is slow to take"))
while not pathlib.Path({str(started)!r}).exists():
    time.sleep(0.01)
notifier.close(timeout=60)
"""
    env = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    env["PATH"] = f"{tmp_path}{os.pathsep}{os.environ['PATH']}"
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True)
    # A killed notify-send whose pipes outlive the notifier's event loop says "Event loop is closed" at exit.
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr


@needs_desktop
def test_doctor_on_a_desktop_finds_the_notification_server_and_its_buttons(tmp_path):
    with desktop(tmp_path) as env:
        result = subprocess.run(
            [sys.executable, "-m", "posture_watch", "doctor"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    lines = result.stdout.splitlines()
    assert not any(line.startswith("PROBLEM  notifications") for line in lines), result.stdout
    assert any(
        line.startswith("ok       notifications: desktop-notifier through dunst") and "Snooze and Done" in line
        for line in lines
    ), result.stdout
    # trayer is an X11 (XEmbed) tray: no StatusNotifierWatcher on this bus.
    assert any(line.startswith("ok       tray: X11 tray icon") for line in lines), result.stdout
    assert "plyer does not import" not in result.stdout


def test_replay_leaves_no_native_log_lines_on_stderr(videos):
    result = run_cli("replay", videos("neutral", seconds=8, fps=5), "--calibrate", "2", "--json")
    assert result.returncode == 0, result.stderr
    chatter = [
        line
        for line in result.stderr.splitlines()
        if re.match(r"(INFO|WARNING|ERROR): \[|\[ ?(WARN|INFO|ERROR):|[IWE]\d{8} ", line)
    ]
    assert chatter == [], result.stderr


@needs_desktop
def test_a_reminder_as_the_desktop_shows_it(on_desktop, tmp_path):
    """dunst draws the reminder with its red icon; the screenshot is the README's picture (docs/images/reminder.png)."""
    import cv2

    env = on_desktop
    title, body = forward_head_reminder()
    notifier = Notifier()
    try:
        notifier.post(reminder(title, body, actions=(("snooze", "Snooze 15 min"), ("done", "Done"))))
        assert notifier.flush(PATIENCE)

        def window() -> str | None:
            found = subprocess.run(
                ["xdotool", "search", "--onlyvisible", "--class", "Dunst"], env=env, capture_output=True, text=True
            ).stdout.split()
            return found[0] if found else None

        found = wait_for(window, "dunst's window")
        geometry = subprocess.run(
            ["xdotool", "getwindowgeometry", "--shell", found], env=env, capture_output=True, text=True
        ).stdout
        box = dict(line.split("=") for line in geometry.split())
        x, y, w, h = (int(box[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
        shot = tmp_path / "screen.png"
        red = icons.STATES["alert"][0]
        # dunst draws the text and the icon once its window is up: wait until the icon's red is on screen.

        def drawn() -> Image.Image | None:
            picture = screenshot(env, shot, (x, y, w, h))
            return picture if has_colour(picture, red) else None

        picture = wait_for(drawn, "the red reminder icon")
    finally:
        notifier.close()
    image = cv2.cvtColor(np.asarray(picture), cv2.COLOR_RGB2BGR)
    # A real drawing with lines of text: tall enough for the title, the muscles and the numbered steps.
    assert h >= 80 and image.std() > 20
    out = readme_picture("reminder.png")
    cv2.imwrite(str(out), image, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    assert out.stat().st_size < 100_000
