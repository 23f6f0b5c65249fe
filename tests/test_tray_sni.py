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
from pathlib import Path

import desktop as desk
import pytest
from dbus_fast import Variant
from desktop import Signals, call, click, get, icon_box, menu, registered, wait_for
from PIL import Image

from posture_watch.desktop.icons import STATES
from posture_watch.desktop.sni import ITEM_PATH, SniTray, pixmaps, watcher_present

TOOLS = ("Xvfb", "dbus-daemon", "xfce4-panel", "xdotool", "import")
pytestmark = pytest.mark.skipif(
    bool(desk.missing(*TOOLS)) and not os.environ.get("CI"), reason=f"needs {', '.join(desk.missing(*TOOLS))}"
)
ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "images" / "tray-panel.png"
TOOLTIP = "posture-watch: good posture, 12 min upright"


class Recorder:
    """The tray's command callback: remembers every (name, arg) and the thread it came on."""

    def __init__(self) -> None:
        self.commands: list[tuple[str, object]] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, name: str, arg: object) -> None:
        with self._lock:
            self.commands.append((name, arg))
            self.threads.add(threading.current_thread().name)

    def count(self, name: str, arg: object) -> int:
        with self._lock:
            return self.commands.count((name, arg))

    def has(self, name: str, arg: object) -> bool:
        with self._lock:
            return (name, arg) in self.commands


def test_sni_tray_in_xfce_panel(tmp_path: Path) -> None:
    with desk.desktop(tmp_path, tray="panel", notifications=False) as env:
        address = env["DBUS_SESSION_BUS_ADDRESS"]
        assert watcher_present(address)
        recorder = Recorder()
        tray = SniTray(recorder, snooze_minutes=20, bus_address=address)
        tray.show("good", TOOLTIP)
        started = threading.Event()
        thread = threading.Thread(target=tray.run, args=(started.set,), name="tray", daemon=True)
        thread.start()
        again: subprocess.Popen | None = None
        try:
            assert started.wait(15), "setup() was not called"
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

            # The menu, through GetLayout.
            revision, labels = menu(address, tray.bus_name, menu_path)
            for label in ("Pause for 15 min", "Snooze reminders 20 min", "Calibrate now", "Today's summary"):
                assert label in labels, labels
            assert {"Open settings", "Quit"} <= labels.keys()
            assert "Resume" not in labels

            # A click on Pause arrives as a command, from the tray's own thread, not the test's.
            call(
                address, tray.bus_name, menu_path, "com.canonical.dbusmenu", "Event", "isvu",
                (labels["Pause for 15 min"], "clicked", Variant("s", ""), 0),
            )  # fmt: skip
            wait_for(lambda: recorder.has("pause", 900), "the pause command")
            call(
                address, tray.bus_name, menu_path, "com.canonical.dbusmenu", "Event", "isvu",
                (labels["Snooze reminders 20 min"], "clicked", Variant("s", ""), 0),
            )  # fmt: skip
            wait_for(lambda: recorder.has("snooze", 20), "the snooze command")
            # Commands come from the tray's own delivery thread: never the D-Bus loop's, never the test's.
            assert recorder.threads == {"sni-commands"}

            # Paused: the menu offers Resume instead, under a new revision.
            tray.set_paused(True)
            paused_revision, paused_labels = wait_for(
                lambda: (m := menu(address, tray.bus_name, menu_path))[0] > revision and m, "a new layout revision"
            )
            assert paused_revision > revision
            assert "Resume" in paused_labels
            assert not any(label.startswith("Pause") for label in paused_labels)
            call(
                address, tray.bus_name, menu_path, "com.canonical.dbusmenu", "Event", "isvu",
                (paused_labels["Resume"], "clicked", Variant("s", ""), 0),
            )  # fmt: skip
            wait_for(lambda: recorder.has("resume", None), "the resume command")

            # A left click on the icon is Activate: today's summary.
            call(address, tray.bus_name, ITEM_PATH, item_iface, "Activate", "ii", (0, 0))
            wait_for(lambda: recorder.has("summary", None), "the summary command")

            # The panel drew the icon, on its own background (no black square behind the disc).
            shot = tmp_path / "screen.png"
            box = wait_for(
                lambda: icon_box(desk.panel_shot(env, shot), desk.BACKGROUND),
                "the icon on the panel",
            )
            screen = Image.open(shot).convert("RGB")
            left, top, right, bottom = box
            assert 12 <= right - left <= desk.PANEL_HEIGHT and 12 <= bottom - top <= desk.PANEL_HEIGHT, box
            green = STATES["good"][0]
            pixels = [screen.getpixel((x, y)) for x in range(left, right) for y in range(top, bottom)]
            assert any(sum(abs(a - b) for a, b in zip(p, green, strict=True)) < 40 for p in pixels), (
                "no green disc in the icon"
            )
            for x, y in ((left, top), (right - 1, top), (left, bottom - 1), (right - 1, bottom - 1)):
                corner = screen.getpixel((x, y))
                assert sum(corner) > 150, f"black behind the icon at {(x, y)}: {corner}"
                assert sum(abs(a - b) for a, b in zip(corner, desk.BACKGROUND, strict=True)) < 60, (
                    f"corner {(x, y)}: {corner}"
                )
            margin = 8
            crop = screen.crop((max(left - margin, 0), 0, right + margin, desk.PANEL_HEIGHT))
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            crop.save(SCREENSHOT, optimize=True)
            assert SCREENSHOT.stat().st_size < 50_000
            centre = ((left + right) // 2, (top + bottom) // 2)

            # A real left click on the icon: the panel calls Activate.
            summaries = recorder.count("summary", None)
            click(env, *centre, button=1)
            wait_for(lambda: recorder.count("summary", None) > summaries, "the summary command from a real click")

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
                tray.show("good", TOOLTIP)
                tray.set_snooze_minutes(20)
                tray.show("alert", "posture-watch: sit back")
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
            wait_for(lambda: desk.owner(env, desk.WATCHER) == "", "the watcher to go", timeout=30)
            again = subprocess.Popen(
                ["xfce4-panel", "--disable-wm-check"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            wait_for(lambda: desk.owner(env, desk.WATCHER) != "", "a new watcher", timeout=60)
            wait_for(
                lambda: any(entry.startswith(tray.bus_name) for entry in registered(address)),
                "the item to register again",
                timeout=30,
            )
        finally:
            tray.stop()
            thread.join(10)
            if again is not None:
                again.terminate()
                again.wait(10)
        assert not thread.is_alive(), "run() did not return after stop()"


def test_watcher_absent_is_false() -> None:
    assert watcher_present("unix:path=/nonexistent/bus") is False


def test_stop_before_run_returns() -> None:
    tray = SniTray(lambda name, arg: None, bus_address="unix:path=/nonexistent/bus")
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
        SniTray(lambda name, arg: None).show("slouching", "?")
