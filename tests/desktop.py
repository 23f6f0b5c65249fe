"""A real desktop for tests, and the one way tests wait for it.

Each part is a context manager that starts a real program and returns once it
is ready, judged by an event, never by a pause: Xvfb writes its display number
(``-displayfd``; test runs side by side never pick the same one), the
D-Bus daemon prints its address, dunst and xfconfd take their bus names, the
systray plugin of xfce4-panel takes org.kde.StatusNotifierWatcher, trayer
takes the ``_NET_SYSTEM_TRAY_S0`` selection. :func:`desktop` puts them
together; :func:`wait_for` is how every test waits for what follows.

xfce4-panel reads its layout from xfconf, and xfconfd reads
``$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml/<channel>.xml`` when it
starts. So the panel gets a private config folder holding one channel file:
one panel along the top edge, a flat known background colour (so a
screenshot can tell the icon from the panel) and a single plugin, the
systray, which in Xfce 4.18 is also the StatusNotifierWatcher and the host
for SNI items. xfconfd is started by hand on the private bus, with the same
environment, so it is certain to read that folder and is ended with the rest.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import select
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus
from PIL import Image, ImageChops

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]
XFCONFD = Path("/usr/lib/x86_64-linux-gnu/xfce4/xfconf/xfconfd")
WATCHER = "org.kde.StatusNotifierWatcher"
NOTIFICATIONS = "org.freedesktop.Notifications"
PANEL_HEIGHT = 32
SCREEN = (800, 600)
# The panel's flat background colour, 0-255; the tests look for it around the icon.
BACKGROUND = (200, 210, 220)
# How long a test waits for something that will happen: generous, as a busy machine is slow, never a margin.
PATIENCE = 60.0

PANEL_XML = """<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="dark-mode" type="bool" value="false"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="{size}"/>
      <property name="icon-size" type="uint" value="0"/>
      <property name="background-style" type="uint" value="1"/>
      <property name="background-rgba" type="array">
        <value type="double" value="{r}"/>
        <value type="double" value="{g}"/>
        <value type="double" value="{b}"/>
        <value type="double" value="1"/>
      </property>
      <property name="plugin-ids" type="array">
        <value type="int" value="1"/>
      </property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="systray">
      <property name="square-icons" type="bool" value="true"/>
      <property name="symbolic-icons" type="bool" value="false"/>
      <property name="hide-new-items" type="bool" value="false"/>
    </property>
  </property>
</channel>
"""


def missing(*tools: str) -> list[str]:
    """The programs among ``tools`` (and xfconfd, for "xfce4-panel") that this machine lacks."""
    absent = [name for name in tools if shutil.which(name) is None]
    return [*absent, str(XFCONFD)] if "xfce4-panel" in tools and not XFCONFD.exists() else absent


def wait_for(check: Callable[[], T], what: str, timeout: float = PATIENCE, proc: subprocess.Popen | None = None) -> T:
    """``check()``'s first true value, looked for until ``timeout``; fails early if ``proc`` exits meanwhile."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr is not None and not proc.stderr.closed else ""
            raise AssertionError(f"the process exited ({proc.returncode}) while waiting for {what}: {err}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.1)


class _Processes:
    """Programs started for one desktop, ended newest first so each exits while what it uses is still there."""

    def __init__(self, log: Path) -> None:
        self.log = log.open("a")
        self.procs: list[subprocess.Popen] = []

    def start(self, *args: str, env: dict[str, str] | None = None, **kwargs: Any) -> subprocess.Popen:
        kwargs.setdefault("stdout", self.log)
        proc = subprocess.Popen(args, stderr=self.log, env=env, **kwargs)
        self.procs.append(proc)
        return proc

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        self.log.close()


@contextmanager
def _processes(folder: Path, name: str) -> Iterator[_Processes]:
    procs = _Processes(folder / f"{name}.log")
    try:
        yield procs
    finally:
        procs.close()


def _read_line(proc: subprocess.Popen, fd: int, what: str) -> str:
    """The first line written to ``fd``: a program says it is ready that way."""
    text = b""
    deadline = time.monotonic() + PATIENCE
    while not text.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], 1.0)
        if ready:
            chunk = os.read(fd, 256)
            if not chunk:
                break
            text += chunk
        elif proc.poll() is not None or time.monotonic() > deadline:
            break
    if not text.strip():
        raise AssertionError(f"{what} did not start (exit status {proc.poll()})")
    return text.decode().strip()


def _free_display() -> int:
    """A display number no X server on this machine uses, nor has a lock or socket file for.

    Xvfb's own search (``-displayfd`` alone) starts at 0 and takes a lock whose process it cannot see as stale,
    which sandboxes that share /tmp but not process ids do; so the number is drawn at random from a range
    nobody else counts up to, and checked against every X socket on the machine (/proc/net/unix lists the
    abstract ones of every run too).
    """
    used = set(re.findall(r"/tmp/\.X11-unix/X(\d+)", Path("/proc/net/unix").read_text()))
    while True:
        number = random.randrange(1000, 30000)
        files = (Path(f"/tmp/.X{number}-lock"), Path(f"/tmp/.X11-unix/X{number}"))
        if str(number) not in used and not any(path.exists() for path in files):
            return number


@contextmanager
def xvfb(folder: Path, screen: tuple[int, int] = SCREEN) -> Iterator[dict[str, str]]:
    """An X server of its own; yields the environment with its DISPLAY.

    Ready when it writes its display number to ``-displayfd``; if another run took the number first, it
    exits instead and the next free number is tried.
    """
    with _processes(folder, "xvfb") as procs:
        for attempt in range(5):
            read, write = os.pipe()
            try:
                proc = procs.start(
                    "Xvfb", f":{_free_display()}", "-displayfd", str(write), "-screen", "0",
                    f"{screen[0]}x{screen[1]}x24", "-nolisten", "tcp", pass_fds=(write,),
                )  # fmt: skip
                os.close(write)
                write = -1
                display = _read_line(proc, read, "Xvfb")
                break
            except AssertionError:
                if attempt == 4:
                    raise
            finally:
                os.close(read)
                if write >= 0:
                    os.close(write)
        env = {**os.environ, "DISPLAY": f":{display}"}
        wait_for(lambda: _answers(env["DISPLAY"]), f"Xvfb to take a client on :{display}", proc=proc)
        yield env


def _answers(display: str) -> bool:
    """Whether the X server on ``display`` takes a client."""
    from Xlib import display as xdisplay
    from Xlib.error import DisplayError

    try:
        xdisplay.Display(display).close()
    except (DisplayError, OSError):
        return False
    return True


@contextmanager
def session_bus(folder: Path, env: dict[str, str]) -> Iterator[dict[str, str]]:
    """A private D-Bus session; yields ``env`` with its address."""
    with _processes(folder, "dbus") as procs:
        proc = procs.start(
            "dbus-daemon", "--session", "--nofork", "--print-address", f"--address=unix:path={folder / 'bus'}",
            env=env, stdout=subprocess.PIPE,
        )  # fmt: skip
        assert proc.stdout is not None
        address = _read_line(proc, proc.stdout.fileno(), "the D-Bus session")
        yield {**env, "DBUS_SESSION_BUS_ADDRESS": address}


@contextmanager
def dunst(folder: Path, env: dict[str, str]) -> Iterator[dict[str, str]]:
    """dunst, logging what it shows; yields ``env`` with TEST_NOTIFICATIONS, for :func:`notifications`, and
    TEST_DUNST_CHOICE, for :func:`press`."""
    shown = folder / "notifications.log"
    script = folder / "record.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\t%s\\t%s\\n" "$2" "$1" "$(echo "$3" | tr "\\n" " ")" >> {shown}\n')
    script.chmod(0o755)
    # dunst offers a notification's buttons in a context menu drawn by dmenu: this one picks the entry a test names.
    choice = folder / "choice.txt"
    chooser = folder / "dmenu.sh"
    chooser.write_text(f'#!/bin/sh\ngrep -m1 -F "#$(cat {choice}) (" || true\n')
    chooser.chmod(0o755)
    rc = folder / "dunstrc"
    rc.write_text(
        f'[global]\n    font = "Monospace 8"\n    width = 460\n    origin = top-right\n    dmenu = {chooser}\n'
        f'[record]\n    summary = "*"\n    script = {script}\n'
    )
    with _processes(folder, "dunst") as procs:
        proc = procs.start("dunst", "-config", str(rc), env=env)
        wait_for(lambda: owner(env, NOTIFICATIONS), "dunst on the bus", proc=proc)
        yield {**env, "TEST_NOTIFICATIONS": str(shown), "TEST_DUNST_CHOICE": str(choice)}


@contextmanager
def trayer(folder: Path, env: dict[str, str]) -> Iterator[dict[str, str]]:
    """trayer, a plain X11 (XEmbed) tray, docked to the top right of the screen."""
    with _processes(folder, "trayer") as procs:
        proc = procs.start(
            "trayer", "--edge", "top", "--align", "right", "--widthtype", "request", "--height", "24", env=env
        )
        wait_for(lambda: x11_tray_owned(env), "trayer to take the system tray selection", proc=proc)
        yield env


@contextmanager
def panel(folder: Path, env: dict[str, str], size: int = PANEL_HEIGHT) -> Iterator[dict[str, str]]:
    """xfconfd and xfce4-panel with only the systray plugin; returns once it is the StatusNotifierWatcher.

    An item registered afterwards is certain to be seen by a host.
    """
    config = folder / "config"
    channels = config / "xfce4" / "xfconf" / "xfce-perchannel-xml"
    channels.mkdir(parents=True, exist_ok=True)
    r, g, b = (round(c / 255, 4) for c in BACKGROUND)
    (channels / "xfce4-panel.xml").write_text(PANEL_XML.format(size=size, r=r, g=g, b=b))
    runtime = folder / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {
        **env,
        "XDG_CONFIG_HOME": str(config),
        "XDG_CACHE_HOME": str(folder / "cache"),
        "XDG_RUNTIME_DIR": str(runtime),
        # No accessibility bus here: without this GTK waits for one.
        "NO_AT_BRIDGE": "1",
        "GTK_THEME": "Adwaita",
    }
    env.pop("SESSION_MANAGER", None)
    with _processes(folder, "panel") as procs:
        proc = procs.start(str(XFCONFD), env=env)
        wait_for(lambda: owner(env, "org.xfce.Xfconf"), "xfconfd", proc=proc)
        proc = procs.start("xfce4-panel", "--disable-wm-check", env=env)
        wait_for(lambda: owner(env, WATCHER), "the systray plugin's StatusNotifierWatcher", proc=proc)
        yield env


@contextmanager
def desktop(
    folder: Path, tray: str | None = "trayer", notifications: bool = True, screen: tuple[int, int] = SCREEN
) -> Iterator[dict[str, str]]:
    """Xvfb, a D-Bus session, dunst (unless not ``notifications``) and a tray host: "trayer", "panel" or None."""
    with ExitStack() as stack:
        env = stack.enter_context(xvfb(folder, screen))
        env = stack.enter_context(session_bus(folder, env))
        if tray == "panel":
            env = stack.enter_context(panel(folder, env))
        elif tray == "trayer":
            env = stack.enter_context(trayer(folder, env))
        if notifications:
            env = stack.enter_context(dunst(folder, env))
        yield env


# --- looking at the desktop ----------------------------------------------------------------------------------------


def notifications(env: dict[str, str]) -> list[tuple[str, str, str]]:
    """(summary, appname, body) of everything dunst has shown so far."""
    path = Path(env["TEST_NOTIFICATIONS"])
    if not path.exists():
        return []
    return [tuple(line.split("\t", 2)) for line in path.read_text().splitlines() if line]  # type: ignore[misc]


def press(env: dict[str, str], label: str) -> None:
    """Press the button ``label`` on the notification dunst shows, as a user does: through its context menu."""
    Path(env["TEST_DUNST_CHOICE"]).write_text(label)
    subprocess.run(["dunstctl", "context"], env=env, check=True, timeout=30)


def dunst_count(env: dict[str, str], which: str) -> int:
    """``dunstctl count displayed | waiting | history``."""
    out = subprocess.run(["dunstctl", "count", which], env=env, capture_output=True, text=True, check=False).stdout
    return int(out.strip() or 0)


def dunst_history(env: dict[str, str]) -> list[dict[str, object]]:
    """What dunst keeps of closed notifications: one dict of plain values per notification."""
    out = subprocess.run(["dunstctl", "history"], env=env, capture_output=True, text=True, check=True).stdout
    return [{key: value["data"] for key, value in entry.items()} for entry in json.loads(out)["data"][0]]


def x11_tray_owned(env: dict[str, str]) -> bool:
    """Whether some window owns ``_NET_SYSTEM_TRAY_S0``: an XEmbed tray is there."""
    from Xlib import X
    from Xlib import display as xdisplay

    screen = xdisplay.Display(env["DISPLAY"])
    try:
        return screen.get_selection_owner(screen.intern_atom("_NET_SYSTEM_TRAY_S0")) != X.NONE
    finally:
        screen.close()


def docked(env: dict[str, str], name: str) -> bool:
    """Whether a window whose class names ``name`` sits inside trayer's window (False while trayer rearranges)."""
    from Xlib import display as xdisplay
    from Xlib.error import XError

    screen = xdisplay.Display(env["DISPLAY"])
    try:
        pending = [screen.screen().root]
        while pending:
            window = pending.pop()
            for child in window.query_tree().children:
                pending.append(child)
                wm_class = child.get_wm_class() or ()
                if any(name in part for part in wm_class):
                    parent = child.query_tree().parent
                    while parent and parent.id != screen.screen().root.id:
                        if "trayer" in (parent.get_wm_class() or ()):
                            return True
                        parent = parent.query_tree().parent
        return False
    except XError:
        return False
    finally:
        screen.close()


def click(env: dict[str, str], x: int, y: int, button: int) -> None:
    """A real pointer click on the Xvfb screen, as a user would make it."""
    subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", str(button)], env=env, check=True, timeout=30)


def screenshot(env: dict[str, str], path: Path, box: tuple[int, int, int, int] | None = None) -> Image.Image:
    """The screen (or ``box``: x, y, width, height) as RGB, saved at ``path`` too."""
    crop = [] if box is None else ["-crop", f"{box[2]}x{box[3]}+{box[0]}+{box[1]}", "+repage"]
    subprocess.run(
        ["import", "-window", "root", *crop, str(path)], env=env, check=True, timeout=60, capture_output=True
    )
    return Image.open(path).convert("RGB")


def panel_shot(env: dict[str, str], path: Path, height: int = PANEL_HEIGHT) -> Image.Image:
    """The top ``height`` rows of the screen, where the panel sits."""
    return screenshot(env, path, (0, 0, SCREEN[0], height))


def near(a: tuple[int, ...], b: tuple[int, ...], within: int = 40) -> bool:
    """Whether two colours differ by less than ``within`` summed over their channels."""
    return sum(abs(p - q) for p, q in zip(a, b, strict=True)) < within


def has_colour(image: Image.Image, colour: tuple[int, int, int], box: tuple[int, int, int, int] | None = None) -> bool:
    """Whether some pixel of ``image`` (inside ``box``: left, top, right, bottom) is near ``colour``."""
    area = np.asarray(image if box is None else image.crop(box), dtype=int)
    return bool((np.abs(area - np.array(colour)).sum(axis=-1) < 40).any())


def icon_box(image: Image.Image, background: tuple[int, int, int]) -> tuple[int, int, int, int] | None:
    """The bounding box of every pixel that is not (nearly) the panel's background."""
    difference = ImageChops.difference(image, Image.new("RGB", image.size, background)).convert("L")
    return difference.point(lambda v: 255 if v > 12 else 0).getbbox()


# --- D-Bus, as a client ---------------------------------------------------------------------------------------------


def call(address: str, dest: str, path: str, iface: str, member: str, signature: str = "", body: Any = ()) -> Any:
    """One D-Bus method call as a client; the reply's body (a list) or an AssertionError with the D-Bus error."""

    async def go() -> Message:
        bus = await MessageBus(bus_address=address).connect()
        try:
            msg = Message(
                destination=dest, path=path, interface=iface, member=member, signature=signature, body=list(body)
            )
            return await asyncio.wait_for(bus.call(msg), 30)
        finally:
            bus.disconnect()

    reply = asyncio.run(go())
    assert reply.message_type == MessageType.METHOD_RETURN, f"{member}: {reply.error_name} {reply.body}"
    return reply.body


def get(address: str, dest: str, path: str, iface: str, name: str) -> Any:
    """A D-Bus property's value, unwrapped from its Variant."""
    (value,) = call(address, dest, path, "org.freedesktop.DBus.Properties", "Get", "ss", (iface, name))
    return value.value


def owner(env: dict[str, str], name: str) -> str:
    """The unique bus name that owns ``name`` now, or "" when nobody does."""
    try:
        (unique,) = call(
            env["DBUS_SESSION_BUS_ADDRESS"], "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "GetNameOwner", "s", (name,),
        )  # fmt: skip
    except AssertionError:  # org.freedesktop.DBus.Error.NameHasNoOwner
        return ""
    return str(unique)


def registered(address: str) -> list[str]:
    """The watcher's RegisteredStatusNotifierItems."""
    return get(address, WATCHER, "/StatusNotifierWatcher", WATCHER, "RegisteredStatusNotifierItems")


def menu(address: str, dest: str, path: str) -> tuple[int, dict[str, int]]:
    """(revision, {label: id}) of the root menu's visible items."""
    revision, (_root, _props, children) = call(
        address, dest, path, "com.canonical.dbusmenu", "GetLayout", "iias", (0, -1, [])
    )
    labels = {}
    for child in children:
        item, props, _ = child.value
        if "label" in props and props.get("visible", Variant("b", True)).value:
            labels[props["label"].value] = item
    return revision, labels


def menu_click(address: str, dest: str, path: str, item: int) -> None:
    """What a panel sends when its menu's entry ``item`` is clicked."""
    call(address, dest, path, "com.canonical.dbusmenu", "Event", "isvu", (item, "clicked", Variant("s", ""), 0))


class Signals:
    """Every signal matching ``rule`` on the bus at ``address``, collected by a client on its own thread and loop.

    ``monitor``: as a bus monitor (BecomeMonitor), which also sees signals sent to another client only, as a
    notification server sends NotificationClosed.
    """

    def __init__(self, address: str, rule: str, monitor: bool = False) -> None:
        self.monitor = monitor
        self.seen: list[tuple[str, list[Any]]] = []
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._done: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._loop.run_until_complete, args=(self._listen(address, rule),))
        self._thread.start()
        assert self._ready.wait(PATIENCE), "the signal listener did not connect"

    async def _listen(self, address: str, rule: str) -> None:
        self._done = asyncio.Event()
        bus = await MessageBus(bus_address=address).connect()
        if self.monitor:
            iface, member, signature, body = "org.freedesktop.DBus.Monitoring", "BecomeMonitor", "asu", [[rule], 0]
        else:
            iface, member, signature, body = "org.freedesktop.DBus", "AddMatch", "s", [rule]
        await bus.call(
            Message(
                destination="org.freedesktop.DBus",
                path="/org/freedesktop/DBus",
                interface=iface,
                member=member,
                signature=signature,
                body=body,
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

    def of(self, member: str) -> list[list[Any]]:
        """The bodies of the ``member`` signals seen so far."""
        with self._lock:
            return [body for name, body in self.seen if name == member]

    def close(self) -> None:
        if self._done is not None:
            self._loop.call_soon_threadsafe(self._done.set)
        self._thread.join(PATIENCE)
        self._loop.close()


class Commands:
    """A tray's command callback: remembers every command and the thread it came on."""

    def __init__(self) -> None:
        self.commands: list[object] = []
        self.threads: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, command: object) -> None:
        with self._lock:
            self.commands.append(command)
            self.threads.add(threading.current_thread().name)

    def count(self, command: object) -> int:
        with self._lock:
            return self.commands.count(command)

    def has(self, command: object) -> bool:
        return self.count(command) > 0


@contextmanager
def monitor(env: dict[str, str], video: Path, config: Path) -> Iterator[subprocess.Popen]:
    """``posture-watch run`` on this desktop, watching ``video`` with the settings ``config`` and calibrating on its
    first 5 s, as a user starts it; killed at the end if it still runs."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "posture_watch", "run", "--source", str(video), "--config", str(config),
         "--calibrate", "5"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def fake_browser(folder: Path) -> tuple[Path, Path]:
    """A browser for ``BROWSER`` that only notes each address it is asked to open: (the program, its notes)."""
    opened = folder / "opened.txt"
    browser = folder / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    return browser, opened
