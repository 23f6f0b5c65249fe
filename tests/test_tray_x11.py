"""The X11 (XEmbed) tray icon on a plain X11 tray: trayer on Xvfb, no StatusNotifierWatcher on the bus.

pystray's own X11 icon never asked the X server for button presses, so a
click did nothing, and it pasted the icon onto a black square. Here real
clicks (xdotool) reach the icon and the screen is read back to see the
tray's own background around the disc.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from desktop import (
    PATIENCE,
    Commands,
    click,
    desktop,
    docked,
    fake_browser,
    missing,
    monitor,
    near,
    screenshot,
    wait_for,
)
from PIL import Image

from posture_watch.commands import Summary
from posture_watch.desktop import trays
from posture_watch.desktop.icons import STATES, icon_image
from posture_watch.desktop.menu import TrayView
from posture_watch.desktop.tray import Tray

NEEDED = missing("Xvfb", "dbus-daemon", "dunst", "trayer", "xdotool", "import")
pytestmark = pytest.mark.skipif(bool(NEEDED) and not os.environ.get("CI"), reason=f"needs {', '.join(NEEDED)}")


def icon_window(env: dict[str, str]) -> tuple[int, int, int, int]:
    """(x, y, width, height) on screen of the window whose class is posture-watch (the docked icon)."""
    found = subprocess.run(
        ["xdotool", "search", "--class", "posture-watch"], env=env, capture_output=True, text=True, timeout=10
    ).stdout.split()
    assert len(found) == 1, found
    shell = subprocess.run(
        ["xdotool", "getwindowgeometry", "--shell", found[0]], env=env, capture_output=True, text=True, timeout=10
    ).stdout
    geometry = dict(line.split("=", 1) for line in shell.split())
    return int(geometry["X"]), int(geometry["Y"]), int(geometry["WIDTH"]), int(geometry["HEIGHT"])


def window_name(env: dict[str, str]) -> str:
    """The name of the icon's window, which trays show as its tooltip."""
    return subprocess.run(
        ["xdotool", "search", "--class", "posture-watch", "getwindowname"], env=env, capture_output=True, text=True,
        timeout=10,
    ).stdout.strip()  # fmt: skip


def drawn_as(image: Image.Image, colour: tuple[int, int, int]) -> bool:
    """Whether the icon in ``image`` shows its disc in ``colour`` with the tray (not black) in its corners."""
    width, height = image.size
    corners = [image.getpixel((x, y)) for x in (0, width - 1) for y in (0, height - 1)]
    if any(sum(corner) < 150 for corner in corners) or not all(near(c, corners[0], 12) for c in corners):
        return False
    pixels = (image.getpixel((x, y)) for x in range(width) for y in range(height))
    return any(near(p, colour) for p in pixels)


def test_x11_icon_takes_clicks_on_the_trays_background(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with desktop(tmp_path) as env:
        monkeypatch.setenv("DISPLAY", env["DISPLAY"])
        assert trays.choose(env).kind == "xembed"
        recorder = Commands()
        tray = Tray(recorder)
        if type(tray.icon).__module__.startswith("pystray."):
            pytest.skip(f"pystray chose another backend: {type(tray.icon).__module__}")
        tray.show(TrayView("good", tooltip="posture good"))
        started = threading.Event()
        thread = threading.Thread(target=tray.run, args=(started.set,), name="tray", daemon=True)
        thread.start()
        try:
            assert started.wait(PATIENCE), "setup() was not called"
            wait_for(lambda: docked(env, "posture-watch"), "the icon to dock in trayer")
            box = icon_window(env)
            x, y, width, height = box
            assert 16 <= width <= 32 and 16 <= height <= 32, box
            wait_for(lambda: window_name(env) == "posture-watch: posture good", "the tooltip as the icon window's name")

            # The disc on the tray's own background: corners alike and not black.
            shot = tmp_path / "icon.png"
            green = STATES["good"][0]
            wait_for(lambda: drawn_as(screenshot(env, shot, box), green), "the green icon on trayer's background")
            screenshot(env, tmp_path / "trayer.png", (max(x - 8, 0), 0, width + 16, y + height + 2))

            # A real left click is the default item, today's summary; a right click has no menu to open here.
            click(env, x + width // 2, y + height // 2, button=1)
            wait_for(lambda: recorder.has(Summary("day")), "the summary command from a left click")
            click(env, x + width // 2, y + height // 2, button=3)
            click(env, x + width // 2, y + height // 2, button=1)
            wait_for(lambda: recorder.count(Summary("day")) == 2, "a second summary command")
            assert recorder.commands == [Summary("day"), Summary("day")]

        finally:
            tray.stop()
            thread.join(10)
        assert not thread.is_alive(), "run() did not return after stop()"


def test_x11_icon_talks_to_x_only_on_its_loops_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Changes made on other threads while the icon docks all arrive, and only the loop's thread uses its connection.

    python-xlib cannot share one connection between threads: a flush on one thread could leave a round trip on
    another waiting for ever, and the tooltip stopped changing. Every request and every read of the icon's
    connection is recorded with its thread, from before the loop starts until it has ended.
    """
    with desktop(tmp_path) as env:
        monkeypatch.setenv("DISPLAY", env["DISPLAY"])
        tray = Tray(Commands())
        if type(tray.icon).__module__.startswith("pystray."):
            pytest.skip(f"pystray chose another backend: {type(tray.icon).__module__}")
        connection = tray.icon._display.display
        users: set[str] = set()

        def recorded(method: Callable[..., object]) -> Callable[..., object]:
            def used(*args: object, **kwargs: object) -> object:
                users.add(threading.current_thread().name)
                return method(*args, **kwargs)

            return used

        for name in ("send_request", "send_and_recv"):
            monkeypatch.setattr(connection, name, recorded(getattr(connection, name)))
        started = threading.Event()
        thread = threading.Thread(target=tray.run, args=(started.set,), name="tray", daemon=True)
        states = list(STATES)
        changed = threading.Event()

        def change() -> None:
            for n in range(60):
                tray.icon.title = f"posture-watch: change {n}"
                if n % 3 == 0:
                    tray.icon.icon = icon_image(states[n % len(states)], 0.5)
            changed.set()

        thread.start()
        try:
            assert started.wait(PATIENCE), "setup() was not called"
            threading.Thread(target=change, name="changes", daemon=True).start()
            wait_for(changed.is_set, "the loop to take every change")
            wait_for(lambda: docked(env, "posture-watch"), "the icon to dock in trayer")
            wait_for(lambda: window_name(env) == "posture-watch: change 59", "the last title as the icon window's name")
        finally:
            tray.stop()
            thread.join(10)
        assert not thread.is_alive(), "run() did not return after stop()"
    assert users == {"tray"}, users


def test_monitor_on_a_plain_x11_tray(tmp_path: Path, videos) -> None:
    video = videos("neutral", seconds=120, fps=5)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[history]\npath = "{tmp_path / "h.sqlite3"}"\n')
    browser, opened = fake_browser(tmp_path)
    with desktop(tmp_path) as env:
        assert trays.choose(env).kind == "xembed"
        with monitor({**env, "BROWSER": str(browser)}, video, cfg) as proc:
            wait_for(lambda: docked(env, "posture-watch"), "the icon to dock in trayer", proc=proc)
            box = icon_window(env)
            x, y, width, height = box
            shot = tmp_path / "icon.png"
            wait_for(
                lambda: drawn_as(screenshot(env, shot, box), STATES["good"][0]),
                "calibration and the green icon on trayer's background",
                proc=proc,
            )

            # A left click asks for today's summary: the page is written next to the history and opened.
            click(env, x + width // 2, y + height // 2, button=1)
            pages = wait_for(lambda: list((tmp_path / "reports").glob("day-*.html")), "today's report", proc=proc)
            assert len(pages) == 1 and "<html" in pages[0].read_text().lower()
            wait_for(opened.exists, "the browser to be asked to open it", proc=proc)
            assert opened.read_text().split() == [pages[0].as_uri()]

            proc.send_signal(signal.SIGTERM)
            err = proc.communicate(timeout=PATIENCE)[1]
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
