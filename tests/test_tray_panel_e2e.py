"""The monitor as a user runs it, on a real panel: xfce4-panel's StatusNotifierItem host, dunst, Xvfb.

Nothing is mocked or imported from the app: ``python -m posture_watch run``
starts in its own process on the panel's display and D-Bus session, and the
test only looks from outside, as the panel does: the item the watcher lists,
its properties, its menu over com.canonical.dbusmenu, menu clicks sent as
Events, and the screen. The screenshot of the open menu becomes
docs/images/tray-menu.png for the README.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import desktop as desk
import pytest
from conftest import readme_picture
from desktop import click, fake_browser, get, icon_box, menu, menu_click, monitor, notifications, registered, wait_for
from PIL import Image

from posture_watch.desktop.icons import STATES

NEEDED = desk.missing("Xvfb", "dbus-daemon", "xfce4-panel", "dunst", "xdotool", "import")
pytestmark = pytest.mark.skipif(bool(NEEDED) and not os.environ.get("CI"), reason=f"needs {', '.join(NEEDED)}")
ITEM = "org.kde.StatusNotifierItem"


def item_address(entry: str) -> tuple[str, str]:
    """(bus name, object path) of a RegisteredStatusNotifierItems entry: "name" or "name/path"."""
    name, slash, path = entry.partition("/")
    return name, f"/{path}" if slash else "/StatusNotifierItem"


def close(a: tuple[int, ...], b: tuple[int, ...], within: int) -> bool:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) < within


def test_monitor_in_a_real_panel(tmp_path: Path, videos) -> None:
    video = videos("neutral", seconds=120, fps=5)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[history]\npath = "{tmp_path / "h.sqlite3"}"\n')
    shot = tmp_path / "screen.png"
    browser, opened = fake_browser(tmp_path)
    with desk.desktop(tmp_path, tray="panel") as env:
        address = env["DBUS_SESSION_BUS_ADDRESS"]
        with monitor({**env, "BROWSER": str(browser)}, video, cfg) as proc:
            # The watcher lists the monitor's item, and the item describes itself.
            entries = wait_for(lambda: registered(address), "the watcher to list the item", proc=proc)
            assert len(entries) == 1, entries
            name, path = item_address(entries[0])
            assert get(address, name, path, ITEM, "Id") == "posture-watch"
            menu_path = get(address, name, path, ITEM, "Menu")

            def tooltip() -> str:
                return get(address, name, path, ITEM, "ToolTip")[3]

            # The panel shows the title and the tooltip together: the app's name once, in the title.
            assert get(address, name, path, ITEM, "Title") == "posture-watch"
            assert not tooltip().startswith("posture-watch"), tooltip()
            _, labels = menu(address, name, menu_path)
            for label in ("Pause for 15 min", "Snooze reminders 15 min", "Calibrate now", "Today's summary"):
                assert label in labels, labels
            assert {"Open settings", "Quit"} <= labels.keys()
            assert "Resume" not in labels

            # Calibrated on the recording (said by dunst too), the icon turns green on the panel's own background.
            wait_for(lambda: "posture good" in tooltip(), "calibration and good posture", proc=proc)
            wait_for(lambda: "Calibrated" in [n[0] for n in notifications(env)], "dunst to show Calibrated", proc=proc)
            shown = [summary for summary, _, _ in notifications(env)]
            assert "posture-watch: calibrating" in shown and "Calibrated" in shown, shown
            green = STATES["good"][0]

            def green_icon() -> tuple[int, int, int, int] | None:
                box = icon_box(desk.panel_shot(env, shot), desk.BACKGROUND)
                if box is None:
                    return None
                screen = Image.open(shot).convert("RGB")
                pixels = (screen.getpixel((x, y)) for x in range(box[0], box[2]) for y in range(box[1], box[3]))
                return box if any(close(p, green, 40) for p in pixels) else None

            left, top, right, bottom = wait_for(green_icon, "the green icon on the panel", proc=proc)
            assert right - left <= desk.PANEL_HEIGHT and bottom - top <= desk.PANEL_HEIGHT, (left, top, right, bottom)
            screen = Image.open(shot).convert("RGB")
            for x, y in ((left, top), (right - 1, top), (left, bottom - 1), (right - 1, bottom - 1)):
                corner = screen.getpixel((x, y))
                assert close(corner, desk.BACKGROUND, 60), f"not the panel's background at {(x, y)}: {corner}"

            # A real right click: the panel reads the menu over dbusmenu and draws it; that is the README's picture.
            # dunst's bubbles would share the screen with the menu: clear them and hold any new ones.
            for args in (["close-all"], ["set-paused", "true"]):
                subprocess.run(["dunstctl", *args], env=env, check=True, timeout=10)
            below = (0, desk.PANEL_HEIGHT + 1, desk.SCREEN[0], desk.SCREEN[1])

            def menu_box() -> tuple[int, int, int, int] | None:
                screen = desk.panel_shot(env, shot, desk.SCREEN[1])
                return screen.crop(below).getbbox()

            wait_for(lambda: menu_box() is None, "the screen below the panel to be empty", proc=proc)
            click(env, (left + right) // 2, (top + bottom) // 2, button=3)
            shots: list[tuple[int, int, int, int] | None] = []

            def drawn_menu() -> tuple[int, int, int, int] | None:
                """The menu's box once two screenshots in a row agree: it has finished drawing."""
                shots.append(menu_box())
                return shots[-1] if len(shots) > 1 and shots[-1] is not None and shots[-1] == shots[-2] else None

            drawn = wait_for(drawn_menu, "the panel's menu", proc=proc)
            assert drawn is not None and drawn[3] - drawn[1] > 150, f"a menu of ten entries should be taller: {drawn}"
            margin = 6
            crop = (
                max(min(left, drawn[0]) - margin, 0),
                0,
                min(max(right, drawn[2]) + margin, desk.SCREEN[0]),
                min(drawn[3] + below[1] + margin, desk.SCREEN[1]),
            )
            picture = Image.open(shot).convert("RGB").crop(crop)
            saved = readme_picture("tray-menu.png")
            picture.quantize(colors=64, dither=Image.Dither.NONE).save(saved, optimize=True)
            assert saved.stat().st_size < 100_000
            subprocess.run(["xdotool", "key", "Escape"], env=env, check=True, timeout=10)
            wait_for(lambda: menu_box() is None, "the menu to close", proc=proc)

            # Snooze: the icon, the tooltip and the menu say until when, and offer to resume reminders.
            menu_click(address, name, menu_path, labels["Snooze reminders 15 min"])
            wait_for(lambda: tooltip().startswith("reminders snoozed until "), "the tooltip to say snoozed", proc=proc)
            _, snoozed = wait_for(
                lambda: (m := menu(address, name, menu_path))[1].get("Resume reminders") and m, "Resume reminders"
            )
            until = tooltip().split("reminders snoozed until ")[1][:5]
            assert f"Reminders snoozed until {until}" in snoozed, snoozed
            assert not any(label.startswith("Snooze reminders") for label in snoozed), snoozed
            slate = STATES["snoozed"][0]
            wait_for(lambda: desk.has_colour(desk.panel_shot(env, shot), slate), "the snoozed icon", proc=proc)
            menu_click(address, name, menu_path, snoozed["Resume reminders"])
            wait_for(lambda: "Snooze reminders 15 min" in menu(address, name, menu_path)[1], "Snooze again", proc=proc)
            assert "snoozed" not in tooltip()

            # This week: the week's page is written next to the history and opened.
            menu_click(address, name, menu_path, labels["This week"])
            pages = wait_for(lambda: list((tmp_path / "reports").glob("week-*.html")), "the week", proc=proc)
            wait_for(opened.exists, "the browser to be asked to open it", proc=proc)
            assert opened.read_text().split() == [pages[0].as_uri()]

            # Pause for 15 min: the monitor pauses, says so in the tooltip (15 min, not 14), the menu offers Resume.
            menu_click(address, name, menu_path, labels["Pause for 15 min"])
            wait_for(lambda: "paused" in tooltip(), "the tooltip to say paused", proc=proc)
            assert tooltip() == "paused for 15 min more"
            _, paused = wait_for(
                lambda: (m := menu(address, name, menu_path))[1].get("Resume") and m, "Resume in the menu", proc=proc
            )
            assert not any(label.startswith("Pause") for label in paused), paused

            # Quit: the monitor ends cleanly within a few seconds.
            menu_click(address, name, menu_path, paused["Quit"])
            err = proc.communicate(timeout=desk.PATIENCE)[1]
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
