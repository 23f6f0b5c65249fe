"""``posture-watch doctor``: what is wrong with this machine's setup, and how to fix it."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from .. import config
from ..errors import UserError
from ..sense import model
from ..sense.camera import BUSY, MISSING, OK, Camera

Check = tuple[str, bool, str]


def checks(config_path: Path | None) -> Iterator[Check]:
    """Each check as (name, ok, what it found or how to fix it)."""
    try:
        settings = config.load(config_path)
        yield "settings", True, str(config.user_file(config_path))
    except UserError as exc:
        yield "settings", False, f"{exc}; until fixed the defaults are used"
        settings = config.defaults()
    yield _model(settings)
    yield _camera(settings)
    yield from _notifications()
    yield _tray()


def _model(settings: config.Config) -> Check:
    path, origin = model.configured_path(settings)
    if path is None:
        return "pose model", False, "not downloaded yet; run `posture-watch model download` (or `model import FILE`)"
    try:
        model.verify(path, settings["model"]["variant"] if origin == "the per-user cache" else None)
    except UserError as exc:
        return "pose model", False, str(exc)
    return "pose model", True, f"{path} (from {origin})"


def _camera(settings: config.Config) -> Check:
    """One look through the camera the monitor would use, opened the same way."""
    index = settings["camera"]["index"]
    camera = Camera(settings, 30.0)
    camera.hold_open = True
    try:
        for _ in range(3):
            if camera.next_frame() is not None or camera.status in (MISSING, BUSY):
                break
    finally:
        camera.close()
    if camera.status == OK:
        return "camera", True, f"camera {index} gives pictures"
    if camera.status == MISSING:
        return "camera", False, f"no camera {index}; plug one in or set camera.index in the settings"
    return "camera", False, f"camera {index} gives no picture: another program may be using it, or set camera.index"


def _notifications() -> Iterator[Check]:
    try:
        import plyer.notification  # noqa: F401
    except ImportError as exc:
        yield "notifications (plyer)", False, f"plyer does not import ({exc}); reinstall posture-watch"
    else:
        yield "notifications (plyer)", True, "available"
    if sys.platform.startswith("linux"):
        if not shutil.which("notify-send"):
            yield "notifications (notify-send)", False, "not installed; install libnotify-bin (Debian, Ubuntu)"
        elif not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            yield "notifications (notify-send)", False, "no D-Bus session: run from your desktop session"
        else:
            yield "notifications (notify-send)", True, shutil.which("notify-send") or ""


def _tray() -> Check:
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "tray", False, "no desktop display; run from your desktop session, or use `run --no-tray`"
    try:
        import pystray

        backend = pystray.Icon.__module__
    except Exception as exc:  # pystray raises several kinds when no backend fits
        return "tray", False, f"no tray backend ({exc}); use `run --no-tray`"
    return "tray", True, f"pystray backend {backend}"
