"""A real desktop for tests: Xvfb, a D-Bus session, dunst (logging what it shows) and trayer."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NEEDED = ("Xvfb", "dbus-daemon", "dunst", "dunstctl", "trayer", "notify-send")


def missing() -> list[str]:
    return [name for name in NEEDED if shutil.which(name) is None]


def _wait(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise TimeoutError(f"timed out waiting for {what}")


@contextmanager
def desktop(folder: Path) -> Iterator[dict[str, str]]:
    """Start the desktop; yields the environment variables that reach it."""
    display = next(
        n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists()
    )
    procs: list[subprocess.Popen] = []
    log = (folder / "desktop.log").open("w")

    def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        proc = subprocess.Popen(args, stdout=log, stderr=log, env=env)
        procs.append(proc)
        return proc

    try:
        start("Xvfb", f":{display}", "-screen", "0", "1024x768x24", "-nolisten", "tcp")
        _wait(lambda: Path(f"/tmp/.X11-unix/X{display}").exists(), 10, "Xvfb")
        bus = folder / "bus"
        env = {**os.environ, "DISPLAY": f":{display}", "DBUS_SESSION_BUS_ADDRESS": f"unix:path={bus}"}
        start("dbus-daemon", "--session", "--nofork", f"--address=unix:path={bus}")
        _wait(bus.exists, 10, "the D-Bus session")
        shown = folder / "notifications.log"
        script = folder / "record.sh"
        script.write_text(f'#!/bin/sh\nprintf "%s\\t%s\\t%s\\n" "$2" "$1" "$(echo "$3" | tr "\\n" " ")" >> {shown}\n')
        script.chmod(0o755)
        rc = folder / "dunstrc"
        rc.write_text(
            f'[global]\n    font = "Monospace 8"\n    width = 460\n    origin = top-right\n'
            f'[record]\n    summary = "*"\n    script = {script}\n'
        )
        start("dunst", "-config", str(rc), env=env)
        _wait(
            lambda: subprocess.run(["dunstctl", "is-paused"], env=env, capture_output=True).returncode == 0, 10, "dunst"
        )
        start("trayer", "--edge", "top", "--align", "right", "--widthtype", "request", "--height", "24", env=env)
        time.sleep(1.0)
        env["TEST_NOTIFICATIONS"] = str(shown)
        yield env
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.close()


def notifications(env: dict[str, str]) -> list[tuple[str, str, str]]:
    """(summary, appname, body) of everything dunst has shown so far."""
    path = Path(env["TEST_NOTIFICATIONS"])
    if not path.exists():
        return []
    return [tuple(line.split("\t", 2)) for line in path.read_text().splitlines() if line]  # type: ignore[misc]


def docked(env: dict[str, str], name: str) -> bool:
    """Whether a window whose class names ``name`` sits inside trayer's window."""
    from Xlib import display as xdisplay

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
    finally:
        screen.close()
