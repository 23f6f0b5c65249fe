"""The StatusNotifierItem tray against a real host: xfce4-panel's systray plugin on Xvfb.

Nothing is mocked: the tray runs on its own thread as the app runs it, the
panel finds it through the real org.kde.StatusNotifierWatcher, and the test
talks to it over the same private D-Bus session the panel uses, then looks at
the screen to see that the panel drew the icon with its own background.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from dataclasses import replace
from pathlib import Path

import desktop as desk
import pytest
from conftest import readme_picture
from desktop import PATIENCE, Commands, Signals, call, click, get, icon_box, menu, menu_click, registered, wait_for
from PIL import Image

from posture_watch.commands import Calibrate, Pause, Resume, ResumeReminders, Snooze, Summary
from posture_watch.desktop import trays
from posture_watch.desktop.icons import STATES
from posture_watch.desktop.menu import TrayView
from posture_watch.desktop.sni import ITEM_PATH, SniTray, pixmaps
from posture_watch.desktop.trays import sni_host

TOOLS = ("Xvfb", "dbus-daemon", "xfce4-panel", "xdotool", "import")
pytestmark = pytest.mark.skipif(
    bool(desk.missing(*TOOLS)) and not os.environ.get("CI"), reason=f"needs {', '.join(desk.missing(*TOOLS))}"
)
TOOLTIP = "posture good; stand-up break in 12 min"
GOOD = TrayView("good", tooltip=TOOLTIP, snooze_minutes=20)


def test_sni_tray_in_xfce_panel(tmp_path: Path) -> None:
    with desk.desktop(tmp_path, tray="panel", notifications=False) as env:
        address = env["DBUS_SESSION_BUS_ADDRESS"]
        assert sni_host(address) is True and trays.choose(env).kind == "sni"
        recorder = Commands()
        tray = SniTray(recorder, bus_address=address)
        tray.show(GOOD)
        started = threading.Event()
        thread = threading.Thread(target=tray.run, args=(started.set,), name="tray", daemon=True)
        thread.start()
        again: subprocess.Popen | None = None
        try:
            assert started.wait(PATIENCE), "setup() was not called"
            assert tray.registered.is_set()

            # The watcher lists the item, and the item describes itself.
            items = wait_for(lambda: registered(address), "the watcher to list the item")
            assert any(entry.startswith(tray.bus_name) for entry in items), items
            item_iface = "org.kde.StatusNotifierItem"
            assert get(address, tray.bus_name, ITEM_PATH, item_iface, "Id") == "posture-watch"
            _, _, title, text = get(address, tray.bus_name, ITEM_PATH, item_iface, "ToolTip")
            assert (title, text) == ("posture-watch", TOOLTIP)
            menu_path = get(address, tray.bus_name, ITEM_PATH, item_iface, "Menu")
            assert menu_path == "/MenuBar"
            pixmaps = get(address, tray.bus_name, ITEM_PATH, item_iface, "IconPixmap")
            assert sorted(w for w, _, _ in pixmaps) == [16, 22, 24, 32, 48, 64]
            assert all(len(data) == 4 * w * h for w, h, data in pixmaps)

            # The menu, through GetLayout: the status line first, in words without the app's name.
            revision, labels = menu(address, tray.bus_name, menu_path)
            for label in ("Pause for 15 min", "Snooze reminders 20 min", "Calibrate now", "Today's summary"):
                assert label in labels, labels
            assert {"This week", "This month", "Open settings", "Quit", TOOLTIP} <= labels.keys()
            assert "Resume" not in labels and "Resume reminders" not in labels

            # A click on Pause arrives as a command, from the tray's own thread, not the test's.
            menu_click(address, tray.bus_name, menu_path, labels["Pause for 15 min"])
            wait_for(lambda: recorder.has(Pause(900)), "the pause command")
            menu_click(address, tray.bus_name, menu_path, labels["Snooze reminders 20 min"])
            wait_for(lambda: recorder.has(Snooze(20)), "the snooze command")
            menu_click(address, tray.bus_name, menu_path, labels["This week"])
            wait_for(lambda: recorder.has(Summary("week")), "the week's summary command")
            # The status line is no command: a click on it sends nothing (the next click's command comes alone).
            menu_click(address, tray.bus_name, menu_path, labels[TOOLTIP])
            menu_click(address, tray.bus_name, menu_path, labels["This month"])
            wait_for(lambda: recorder.has(Summary("month")), "the month's summary command")
            assert recorder.commands == [Pause(900), Snooze(20), Summary("week"), Summary("month")]
            # Commands come from the tray's own delivery thread: never the D-Bus loop's, never the test's.
            assert recorder.threads == {"sni-commands"}

            # Paused: the menu offers Resume instead, under a new revision.
            tray.show(replace(GOOD, state="paused", tooltip="paused for 15 min more", paused=True))
            paused_revision, paused_labels = wait_for(
                lambda: (m := menu(address, tray.bus_name, menu_path))[0] > revision and m, "a new layout revision"
            )
            assert paused_revision > revision
            assert "Resume" in paused_labels and "paused for 15 min more" in paused_labels
            assert not any(label.startswith("Pause") for label in paused_labels)
            menu_click(address, tray.bus_name, menu_path, paused_labels["Resume"])
            wait_for(lambda: recorder.has(Resume()), "the resume command")

            # Snoozed: the status says until when, and the menu offers to resume reminders instead of a snooze.
            tray.show(replace(GOOD, state="snoozed", tooltip="reminders snoozed until 14:30", snoozed_until="14:30"))
            _, snoozed = wait_for(
                lambda: (m := menu(address, tray.bus_name, menu_path))[1].get("Resume reminders") and m,
                "Resume reminders in the menu",
            )
            assert "Reminders snoozed until 14:30" in snoozed
            assert not any(label.startswith("Snooze reminders") for label in snoozed), snoozed
            assert get(address, tray.bus_name, ITEM_PATH, item_iface, "ToolTip")[3] == "reminders snoozed until 14:30"
            menu_click(address, tray.bus_name, menu_path, snoozed["Resume reminders"])
            wait_for(lambda: recorder.has(ResumeReminders()), "the resume reminders command")
            tray.show(GOOD)

            # A left click on the icon is Activate: today's summary.
            call(address, tray.bus_name, ITEM_PATH, item_iface, "Activate", "ii", (0, 0))
            wait_for(lambda: recorder.has(Summary("day")), "the summary command")

            # The panel drew the icon, on its own background (no black square behind the disc).
            shot = tmp_path / "screen.png"
            green = STATES["good"][0]

            def green_icon() -> tuple[int, int, int, int] | None:
                screen = desk.panel_shot(env, shot)
                box = icon_box(screen, desk.BACKGROUND)
                return box if box is not None and desk.has_colour(screen, green, box) else None

            box = wait_for(green_icon, "the green icon on the panel")
            screen = Image.open(shot).convert("RGB")
            left, top, right, bottom = box
            assert 12 <= right - left <= desk.PANEL_HEIGHT and 12 <= bottom - top <= desk.PANEL_HEIGHT, box
            for x, y in ((left, top), (right - 1, top), (left, bottom - 1), (right - 1, bottom - 1)):
                corner = screen.getpixel((x, y))
                assert sum(corner) > 150, f"black behind the icon at {(x, y)}: {corner}"
                assert sum(abs(a - b) for a, b in zip(corner, desk.BACKGROUND, strict=True)) < 60, (
                    f"corner {(x, y)}: {corner}"
                )
            margin = 8
            crop = screen.crop((max(left - margin, 0), 0, right + margin, desk.PANEL_HEIGHT))
            saved = readme_picture("tray-panel.png")
            crop.save(saved, optimize=True)
            assert saved.stat().st_size < 50_000
            centre = ((left + right) // 2, (top + bottom) // 2)

            # A real left click on the icon: the panel calls Activate.
            summaries = recorder.count(Summary("day"))
            click(env, *centre, button=1)
            wait_for(lambda: recorder.count(Summary("day")) > summaries, "the summary command from a real click")

            # A real right click: the panel reads the menu over dbusmenu and draws it below itself.
            below = (0, desk.PANEL_HEIGHT + 1, desk.SCREEN[0], desk.SCREEN[1])

            def menu_box() -> tuple[int, int, int, int] | None:
                screen = desk.panel_shot(env, shot, desk.SCREEN[1])
                return screen.crop(below).getbbox()

            assert menu_box() is None, "the screen below the panel should be empty before the click"
            click(env, *centre, button=3)
            drawn = wait_for(menu_box, "the panel's menu")
            assert drawn[3] - drawn[1] > 150, f"a menu of ten entries should be taller: {drawn}"
            shutil.copy(shot, tmp_path / "menu.png")
            subprocess.run(["xdotool", "key", "Escape"], env=env, check=True, timeout=10)
            wait_for(lambda: menu_box() is None, "the menu to close")

            # Signals go out only for what changed.
            signals = Signals(address, f"type='signal',sender='{tray.bus_name}'")
            try:
                tray.show(GOOD)
                tray.show(replace(GOOD, level=0.01))  # shown at a tenth's precision: the same icon
                tray.show(replace(GOOD, state="alert", tooltip="head forward for 5 min"))
                wanted = {"NewIcon", "NewStatus", "NewToolTip", "LayoutUpdated"}
                wait_for(lambda: wanted <= set(signals.names()), f"the signals {wanted}")
                # Signals from one sender arrive in order: the calls that changed nothing sent none before these.
                assert sorted(signals.names()) == sorted(wanted), signals.names()
                assert ("NewStatus", ["NeedsAttention"]) in signals.seen
                assert get(address, tray.bus_name, ITEM_PATH, item_iface, "Status") == "NeedsAttention"
            finally:
                signals.close()
            red = STATES["alert"][0]
            wait_for(
                lambda: desk.has_colour(desk.panel_shot(env, shot), red, box),
                "the red alert icon on the panel",
            )

            # The panel quits and a new one starts: a new watcher appears, and the item registers with it again.
            subprocess.run(["xfce4-panel", "--quit"], env=env, check=True, timeout=30, capture_output=True)
            wait_for(lambda: desk.owner(env, desk.WATCHER) == "", "the watcher to go")
            again = subprocess.Popen(
                ["xfce4-panel", "--disable-wm-check"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            wait_for(lambda: desk.owner(env, desk.WATCHER) != "", "a new watcher")
            wait_for(
                lambda: any(entry.startswith(tray.bus_name) for entry in registered(address)),
                "the item to register again",
            )

            # The tray's own connection breaks (dbus-fast drops one whose socket is full for a moment on a busy
            # machine): it connects again, registers again, and its menu works on the new connection.
            broken = tray.bus
            assert broken is not None
            tray.registered.clear()
            broken.disconnect()
            wait_for(lambda: tray.bus is not broken and tray.registered.is_set(), "the tray to connect again")
            wait_for(lambda: desk.owner(env, tray.bus_name) == tray.bus.unique_name, "the item's name on the new one")
            _, labels = menu(address, tray.bus_name, menu_path)
            menu_click(address, tray.bus_name, menu_path, labels["Calibrate now"])
            wait_for(lambda: recorder.has(Calibrate()), "a command over the new connection")
        finally:
            tray.stop()
            thread.join(10)
            if again is not None:
                again.terminate()
                again.wait(10)
        assert not thread.is_alive(), "run() did not return after stop()"


def test_no_session_bus_is_no_host() -> None:
    assert sni_host("unix:path=/nonexistent/bus") is None


def test_stop_before_run_returns() -> None:
    tray = SniTray(lambda command: None, bus_address="unix:path=/nonexistent/bus")
    tray.stop()
    called: list[bool] = []
    tray.run(lambda: called.append(True))
    assert called == []


def test_pixmaps_are_argb_in_network_order_with_transparency() -> None:
    green = STATES["good"][0]
    for width, height, data in pixmaps("good"):
        assert len(data) == 4 * width * height
        assert data[0] == 0, "the corner of the disc must stay transparent"
        middle_left = 4 * (width * (height // 2) + width // 5)
        alpha, red, grn, blue = data[middle_left : middle_left + 4]
        assert alpha == 255
        assert abs(red - green[0]) < 30 and abs(grn - green[1]) < 30 and abs(blue - green[2]) < 30


def test_unknown_state_fails_in_the_callers_thread() -> None:
    with pytest.raises(KeyError):
        SniTray(lambda command: None).show(TrayView("slouching", tooltip="?"))
