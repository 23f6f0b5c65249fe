"""The StatusNotifierItem tray against a real host: xfce4-panel's systray plugin on Xvfb.

Nothing is mocked: the tray runs on its own thread as the app runs it, the
panel finds it through the real org.kde.StatusNotifierWatcher, and the test
talks to it over the same private D-Bus session the panel uses, then looks at
the screen to see that the panel drew the icon with its own background.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import panel as desk
import pytest
from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus
from PIL import Image, ImageChops

from posture_watch.desktop.sni import ITEM_PATH, SniTray, pixmaps, watcher_present
from posture_watch.desktop.tray import STATES

pytestmark = pytest.mark.skipif(
    bool(desk.missing()) and not os.environ.get("CI"), reason=f"needs {', '.join(desk.missing())}"
)
ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT / "docs" / "images" / "tray-panel.png"
TOOLTIP = "posture-watch: good posture, 12 min upright"


def call(address: str, dest: str, path: str, iface: str, member: str, signature: str = "", body: Any = ()) -> Any:
    """One D-Bus method call as a client; the reply's body (a list) or an AssertionError with the D-Bus error."""

    async def go() -> Message:
        bus = await MessageBus(bus_address=address).connect()
        try:
            msg = Message(
                destination=dest, path=path, interface=iface, member=member, signature=signature, body=list(body)
            )
            return await asyncio.wait_for(bus.call(msg), 10)
        finally:
            bus.disconnect()

    reply = asyncio.run(go())
    assert reply.message_type == MessageType.METHOD_RETURN, f"{member}: {reply.error_name} {reply.body}"
    return reply.body


def get(address: str, dest: str, path: str, iface: str, name: str) -> Any:
    """A D-Bus property's value, unwrapped from its Variant."""
    (value,) = call(address, dest, path, "org.freedesktop.DBus.Properties", "Get", "ss", (iface, name))
    return value.value


def wait_for(check: Callable[[], Any], what: str, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


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


def menu(address: str, dest: str, path: str) -> tuple[int, dict[str, int]]:
    """(revision, {label: id}) of the root menu's enabled, visible items."""
    revision, (_root, _props, children) = call(
        address, dest, path, "com.canonical.dbusmenu", "GetLayout", "iias", (0, -1, [])
    )
    labels = {}
    for child in children:
        item, props, _ = child.value
        if "label" in props and props.get("visible", Variant("b", True)).value:
            labels[props["label"].value] = item
    return revision, labels


class Signals:
    """Every signal a bus name sends, collected by a client on its own thread and loop."""

    def __init__(self, address: str, sender: str) -> None:
        self.seen: list[tuple[str, list[Any]]] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._done: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._listen(address, sender),))
        self._thread.start()
        assert self._ready.wait(10), "the signal listener did not connect"

    async def _listen(self, address: str, sender: str) -> None:
        self._done = asyncio.Event()
        bus = await MessageBus(bus_address=address).connect()
        rule = f"type='signal',sender='{sender}'"
        await bus.call(
            Message(
                destination="org.freedesktop.DBus",
                path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus",
                member="AddMatch",
                signature="s",
                body=[rule],
            )
        )

        def record(message: Message) -> None:
            if message.message_type == MessageType.SIGNAL:
                with self._lock:
                    self.seen.append((message.member, list(message.body)))

        bus.add_message_handler(record)
        self._ready.set()
        await self._done.wait()
        bus.disconnect()

    def names(self) -> list[str]:
        with self._lock:
            return [name for name, _ in self.seen]

    def clear(self) -> None:
        with self._lock:
            self.seen.clear()

    def close(self) -> None:
        if self._done is not None:
            self._loop.call_soon_threadsafe(self._done.set)
        self._thread.join(10)
        self._loop.close()


def registered(address: str) -> list[str]:
    """The watcher's RegisteredStatusNotifierItems."""
    return get(address, desk.WATCHER, "/StatusNotifierWatcher", desk.WATCHER, "RegisteredStatusNotifierItems")


def click(env: dict[str, str], x: int, y: int, button: int) -> None:
    """A real pointer click on the Xvfb screen, as a user would make it."""
    subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", str(button)], env=env, check=True, timeout=10)


def colour_near(screen: Image.Image, box: tuple[int, int, int, int], colour: tuple[int, int, int]) -> bool:
    """Whether some pixel in ``box`` is within a small distance of ``colour``."""
    left, top, right, bottom = box
    return any(
        sum(abs(a - b) for a, b in zip(screen.getpixel((x, y)), colour, strict=True)) < 40
        for x in range(left, right)
        for y in range(top, bottom)
    )


def icon_box(image: Image.Image, background: tuple[int, int, int]) -> tuple[int, int, int, int] | None:
    """The bounding box of every pixel that is not (nearly) the panel's background."""
    difference = ImageChops.difference(image, Image.new("RGB", image.size, background)).convert("L")
    return difference.point(lambda v: 255 if v > 12 else 0).getbbox()


def test_sni_tray_in_xfce_panel(tmp_path: Path) -> None:
    with desk.panel(tmp_path) as env:
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
                lambda: icon_box(Image.open(desk.screenshot(env, shot)).convert("RGB"), desk.BACKGROUND),
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
                screen = Image.open(desk.screenshot(env, shot, desk.SCREEN[1])).convert("RGB")
                return screen.crop(below).getbbox()

            assert menu_box() is None, "the screen below the panel should be empty before the click"
            click(env, *centre, button=3)
            drawn = wait_for(menu_box, "the panel's menu")
            assert drawn[3] - drawn[1] > 150, f"a menu of ten entries should be taller: {drawn}"
            shutil.copy(shot, tmp_path / "menu.png")
            subprocess.run(["xdotool", "key", "Escape"], env=env, check=True, timeout=10)
            wait_for(lambda: menu_box() is None, "the menu to close")

            # Signals go out only for what changed.
            signals = Signals(address, tray.bus_name)
            try:
                tray.show("good", TOOLTIP)
                tray.set_snooze_minutes(20)
                time.sleep(0.5)
                assert signals.names() == []
                tray.show("alert", "posture-watch: sit back")
                wanted = {"NewIcon", "NewStatus", "NewToolTip", "LayoutUpdated"}
                wait_for(lambda: wanted <= set(signals.names()), f"the signals {wanted}")
                assert ("NewStatus", ["NeedsAttention"]) in signals.seen
                assert get(address, tray.bus_name, ITEM_PATH, item_iface, "Status") == "NeedsAttention"
            finally:
                signals.close()
            red = STATES["alert"][0]
            wait_for(
                lambda: colour_near(Image.open(desk.screenshot(env, shot)).convert("RGB"), box, red),
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
