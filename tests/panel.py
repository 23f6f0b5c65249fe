"""A real StatusNotifierItem host for tests: Xvfb, a private D-Bus session, xfconfd and xfce4-panel.

xfce4-panel reads its layout from xfconf, and xfconfd reads
``$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml/<channel>.xml`` when it
starts. So instead of driving xfconf-query against the user's settings, the
panel gets a private config folder holding one channel file: one panel along
the top edge, a flat known background colour (so a screenshot can tell the
icon from the panel) and a single plugin, the systray, which in Xfce 4.18 is
also the org.kde.StatusNotifierWatcher and the host for SNI items. xfconfd is
started by hand on the private bus, with the same environment, rather than
left to D-Bus activation, so it is certain to read that folder and is ended
with the rest.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

XFCONFD = Path("/usr/lib/x86_64-linux-gnu/xfce4/xfconf/xfconfd")
NEEDED = ("Xvfb", "dbus-daemon", "xfce4-panel", "gdbus", "import")
WATCHER = "org.kde.StatusNotifierWatcher"
PANEL_HEIGHT = 32
SCREEN = (800, 600)
# The panel's flat background colour, 0-255; the test looks for it around the icon.
BACKGROUND = (200, 210, 220)

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


def missing() -> list[str]:
    """The programs a panel test needs and this machine lacks."""
    absent = [name for name in NEEDED if shutil.which(name) is None]
    return absent if XFCONFD.exists() else [*absent, str(XFCONFD)]


def _wait(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise TimeoutError(f"timed out waiting for {what}")


def name_owned(env: dict[str, str], name: str) -> bool:
    """Whether ``name`` has an owner on the session bus in ``env``."""
    return owner(env, name) != ""


def owner(env: dict[str, str], name: str) -> str:
    """The unique bus name that owns ``name`` now, or "" when nobody does."""
    result = subprocess.run(
        [
            "gdbus", "call", "--session", "--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
            "--method", "org.freedesktop.DBus.GetNameOwner", name,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )  # fmt: skip
    return result.stdout.strip().strip("(),'") if result.returncode == 0 else ""


@contextmanager
def panel(folder: Path, size: int = PANEL_HEIGHT) -> Iterator[dict[str, str]]:
    """Start the desktop and the panel; yields the environment variables that reach them.

    Returns once the systray plugin owns org.kde.StatusNotifierWatcher, so an
    item registered afterwards is certain to be seen by a host.
    """
    display = next(
        n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists()
    )
    procs: list[subprocess.Popen] = []
    log = (folder / "panel.log").open("w")

    def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        proc = subprocess.Popen(args, stdout=log, stderr=log, env=env)
        procs.append(proc)
        return proc

    try:
        start("Xvfb", f":{display}", "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp")
        _wait(lambda: Path(f"/tmp/.X11-unix/X{display}").exists(), 10, "Xvfb")
        bus = folder / "bus"
        config = folder / "config"
        channels = config / "xfce4" / "xfconf" / "xfce-perchannel-xml"
        channels.mkdir(parents=True, exist_ok=True)
        r, g, b = (round(c / 255, 4) for c in BACKGROUND)
        (channels / "xfce4-panel.xml").write_text(PANEL_XML.format(size=size, r=r, g=g, b=b))
        runtime = folder / "runtime"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env = {
            **os.environ,
            "DISPLAY": f":{display}",
            "DBUS_SESSION_BUS_ADDRESS": f"unix:path={bus}",
            "XDG_CONFIG_HOME": str(config),
            "XDG_CACHE_HOME": str(folder / "cache"),
            "XDG_RUNTIME_DIR": str(runtime),
            # No accessibility bus here: without this GTK waits for one.
            "NO_AT_BRIDGE": "1",
            "GTK_THEME": "Adwaita",
        }
        env.pop("SESSION_MANAGER", None)
        start("dbus-daemon", "--session", "--nofork", f"--address=unix:path={bus}")
        _wait(bus.exists, 10, "the D-Bus session")
        start(str(XFCONFD), env=env)
        _wait(lambda: name_owned(env, "org.xfce.Xfconf"), 10, "xfconfd")
        start("xfce4-panel", "--disable-wm-check", env=env)
        _wait(lambda: name_owned(env, WATCHER), 20, "the systray plugin's StatusNotifierWatcher")
        yield env
    finally:
        # One at a time, newest first: the panel exits cleanly while its bus and X server are still there.
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        log.close()


@contextmanager
def dunst(env: dict[str, str], folder: Path) -> Iterator[dict[str, str]]:
    """dunst on the panel's display and bus, logging what it shows as tests/desktop.py's does.

    Yields ``env`` with TEST_NOTIFICATIONS set, for ``desktop.notifications(env)``.
    """
    shown = folder / "notifications.log"
    script = folder / "record.sh"
    script.write_text(f'#!/bin/sh\nprintf "%s\\t%s\\t%s\\n" "$2" "$1" "$(echo "$3" | tr "\\n" " ")" >> {shown}\n')
    script.chmod(0o755)
    rc = folder / "dunstrc"
    rc.write_text(f'[global]\n    font = "Monospace 8"\n[record]\n    summary = "*"\n    script = {script}\n')
    with (folder / "dunst.log").open("w") as log:
        proc = subprocess.Popen(["dunst", "-config", str(rc)], stdout=log, stderr=log, env=env)
        try:
            _wait(lambda: name_owned(env, "org.freedesktop.Notifications"), 10, "dunst")
            yield {**env, "TEST_NOTIFICATIONS": str(shown)}
        finally:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def screenshot(env: dict[str, str], path: Path, height: int = PANEL_HEIGHT) -> Path:
    """The top ``height`` rows of the screen, where the panel sits, as a PNG at ``path``."""
    subprocess.run(
        ["import", "-window", "root", "-crop", f"{SCREEN[0]}x{height}+0+0", "+repage", str(path)],
        env=env,
        check=True,
        timeout=30,
        capture_output=True,
    )
    return path
