"""Start the monitor at login: XDG autostart (Linux), a LaunchAgent (macOS), the Startup folder (Windows)."""

from __future__ import annotations

import os
import plistlib
import sys
from pathlib import Path

from .. import paths

LABEL = "io.github.posture-watch"


def command() -> list[str]:
    """How login starts the monitor: this Python, so a virtual environment keeps working."""
    return [sys.executable, "-m", "posture_watch", "run"]


def entry_path(platform: str = sys.platform, home: Path | None = None) -> Path:
    """Where the autostart entry lives on ``platform``."""
    home = home or Path.home()
    if platform.startswith("darwin"):
        return home / "Library" / "LaunchAgents" / f"{LABEL}.plist"
    if platform.startswith("win"):
        appdata = Path(os.environ.get("APPDATA", home / "AppData" / "Roaming"))
        return appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / "posture-watch.cmd"
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    return config_home / "autostart" / "posture-watch.desktop"


def entry_text(platform: str = sys.platform, cmd: list[str] | None = None) -> bytes:
    """The file contents that start ``cmd`` at login on ``platform``."""
    cmd = cmd or command()
    if platform.startswith("darwin"):
        return plistlib.dumps({"Label": LABEL, "ProgramArguments": cmd, "RunAtLoad": True, "KeepAlive": False})
    if platform.startswith("win"):
        quoted = " ".join(f'"{part}"' for part in cmd)
        # pythonw would hide the console, but python is what the venv surely has.
        return f'@echo off\r\nstart "posture-watch" /min {quoted}\r\n'.encode()
    exec_line = " ".join(_desktop_quote(part) for part in cmd)
    return (
        "[Desktop Entry]\n"
        "Type=Application\n"
        "Name=posture-watch\n"
        "Comment=Posture reminders with a stretch for the muscles you have been loading\n"
        f"Exec={exec_line}\n"
        "X-GNOME-Autostart-enabled=true\n"
        "Terminal=false\n"
    ).encode()


def _desktop_quote(arg: str) -> str:
    """Quote an Exec argument as the Desktop Entry Specification asks."""
    if not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`"):
        return arg
    escaped = arg.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`").replace("$", "\\$")
    return f'"{escaped}"'


def enable(platform: str = sys.platform, home: Path | None = None) -> Path:
    path = entry_path(platform, home)
    paths.write_private(path, entry_text(platform))
    return path


def disable(platform: str = sys.platform, home: Path | None = None) -> Path:
    path = entry_path(platform, home)
    path.unlink(missing_ok=True)
    return path


def status(platform: str = sys.platform, home: Path | None = None) -> tuple[bool, Path]:
    path = entry_path(platform, home)
    return path.exists(), path
