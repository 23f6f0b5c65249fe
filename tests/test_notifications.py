"""Notifications on a real desktop (Xvfb, D-Bus, dunst), doctor's view of it, and quiet native libraries."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time

import pytest
from conftest import ROOT, run_cli
from desktop import desktop, missing

from posture_watch.advice import wording
from posture_watch.advice.stretches import catalogue
from posture_watch.desktop import notify
from posture_watch.desktop.notify import Notifier

needs_desktop = pytest.mark.skipif(bool(missing()) and not os.environ.get("CI"), reason=f"needs {', '.join(missing())}")


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def dunst_history(env: dict[str, str]) -> list[dict[str, object]]:
    """What dunst keeps of closed notifications: one dict of plain values per notification."""
    out = subprocess.run(["dunstctl", "history"], env=env, capture_output=True, text=True, check=True).stdout
    return [{key: value["data"] for key, value in entry.items()} for entry in json.loads(out)["data"][0]]


def dunst_count(env: dict[str, str], which: str) -> int:
    out = subprocess.run(["dunstctl", "count", which], env=env, capture_output=True, text=True, check=False).stdout
    return int(out.strip() or 0)


def forward_head_reminder() -> tuple[str, str]:
    stretch = next(s for s in catalogue() if "forward_head" in s.faults and len(s.for_side(None)) >= 2)
    return wording.message("forward_head", None, 5 * 60, stretch.muscles, stretch, 0)


@needs_desktop
def test_reminder_on_dunst_has_the_posture_as_summary_numbered_lines_and_buttons(tmp_path, monkeypatch):
    title, body = forward_head_reminder()
    assert title == "Head forward for 5 min"
    with desktop(tmp_path) as env:
        for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
            monkeypatch.setenv(name, env[name])
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the icon, away from the shared home
        # Watch what reaches the server on the bus: the Notify call with its buttons.
        bus_log = (tmp_path / "bus.log").open("w+")
        monitor = subprocess.Popen(
            ["dbus-monitor", "--session", "type='method_call',interface='org.freedesktop.Notifications'"],
            env=env,
            stdout=bus_log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: (tmp_path / "bus.log").read_text(), 10, "dbus-monitor")
            server = notify.notification_server()
            assert server.name == "dunst" and server.actions
            notifier = Notifier(snooze_minutes=20)
            assert notifier.send(title, body, actions=True, tag="forward_head") == "desktop-notifier"
            wait_for(lambda: dunst_count(env, "displayed") > 0, 10, "dunst to show the reminder")
            subprocess.run(["dunstctl", "close-all"], env=env, check=True)
            shown = wait_for(
                lambda: [n for n in dunst_history(env) if n["summary"] == title], 10, "the reminder in dunst's history"
            )
            calls = (tmp_path / "bus.log").read_text()
        finally:
            monitor.terminate()
            monitor.wait(5)
            bus_log.close()
    [entry] = shown
    assert entry["appname"] == "posture-watch"
    assert str(entry["icon_path"]).endswith(notify.ICON_FILE) and os.path.exists(str(entry["icon_path"]))
    lines = str(entry["body"]).splitlines()
    assert lines == body.splitlines()
    assert any(line.startswith("1. ") for line in lines) and any(line.startswith("2. ") for line in lines)
    assert title not in entry["body"] and not any(line.startswith("Head forward") for line in lines)
    # The Notify call carried the two buttons, the Snooze one with the configured minutes.
    for text in ('"snooze"', '"Snooze 20 min"', '"done"', '"Done"'):
        assert text in calls, calls


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
    notify.notify_send_has_actions.cache_clear()
    caplog.set_level(logging.DEBUG, logger="posture_watch.desktop.notify")
    notifier = Notifier(timeout=3.0)
    started = time.monotonic()
    assert notifier.send("Head forward for 5 min", "body", actions=True) == "log"
    assert time.monotonic() - started < 3.5
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "install a notification daemon" in warnings[0], warnings
    skipped = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG and "skipped" in r.getMessage()]
    assert any(m.startswith("notification backend desktop-notifier skipped") for m in skipped), skipped
    assert notifier.send("again", "body") == "log"
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1  # said once


@needs_desktop
def test_doctor_on_a_desktop_finds_the_notification_server_and_its_buttons(tmp_path):
    with desktop(tmp_path) as env:
        result = subprocess.run(
            [sys.executable, "-m", "posture_watch", "doctor"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
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
def test_a_reminder_as_the_desktop_shows_it(tmp_path, monkeypatch):
    """dunst draws the reminder; the screenshot is the README's picture of one (docs/images/reminder.png)."""
    import cv2

    title, body = forward_head_reminder()
    with desktop(tmp_path) as env:
        for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS"):
            monkeypatch.setenv(name, env[name])
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
        Notifier(timeout=5.0, snooze_minutes=15).send(title, body, actions=True, tag="forward_head")
        wait_for(lambda: dunst_count(env, "displayed") >= 1, 10, "dunst to show the reminder")
        time.sleep(0.5)
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--class", "Dunst"], env=env, capture_output=True, text=True
        ).stdout.split()
        assert found, "no dunst window"
        geometry = subprocess.run(
            ["xdotool", "getwindowgeometry", "--shell", found[0]], env=env, capture_output=True, text=True
        ).stdout
        box = dict(line.split("=") for line in geometry.split())
        shot = tmp_path / "screen.png"
        subprocess.run(["import", "-window", "root", str(shot)], env=env, check=True, timeout=30)
    x, y, w, h = (int(box[k]) for k in ("X", "Y", "WIDTH", "HEIGHT"))
    image = cv2.imread(str(shot))[y : y + h, x : x + w]
    # A real drawing with lines of text: tall enough for the title, the muscles and the numbered steps.
    assert h >= 80 and image.std() > 20
    out = ROOT / "docs" / "images" / "reminder.png"
    out.parent.mkdir(exist_ok=True)
    cv2.imwrite(str(out), image, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    assert out.stat().st_size < 100_000
