"""``posture-watch doctor``: what is wrong with this machine's setup, and how to fix it."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from .. import config, localtime
from ..core.profiles import DEFAULT
from ..desktop import notify, trays
from ..errors import UserError
from ..sense import model
from ..sense.camera import BUSY, MISSING, OK, Camera, backends, find_device
from ..sense.devices import index_id
from . import baselines

Check = tuple[str, bool, str]
LIST = "`posture-watch cameras` lists them"


def checks(config_path: Path | None) -> Iterator[Check]:
    """Each check as (name, ok, what it found or how to fix it)."""
    try:
        settings = config.load(config_path)
        path = config.user_file(config_path)
        yield "settings", True, str(path) if path.exists() else f"defaults (no settings file yet at {path})"
    except UserError as exc:
        yield "settings", False, f"{exc}; run and the other commands stop with this message until it is fixed"
        settings = config.defaults()
    yield _model(settings)
    yield _camera(settings)
    yield _calibration(settings)
    yield from _notifications()
    yield _tray()


def _model(settings: config.Config) -> Check:
    try:
        found = model.configured(settings)
    except UserError as exc:
        return "pose model", False, str(exc)
    if found is None:
        return "pose model", False, "not downloaded yet; run `posture-watch model download` (or `model import FILE`)"
    path, origin, _ = found
    return "pose model", True, f"{path} (from {origin})"


def _camera(settings: config.Config) -> Check:
    """One look through the camera the monitor would use, opened the same way; which camera and backend that is."""
    camera = Camera(settings, 30.0)
    camera.hold_open = True
    try:
        for _ in range(3):
            if camera.next_frame() is not None or camera.status in (MISSING, BUSY):
                break
    finally:
        camera.close()
    device = camera.device
    # The backend that opened it, else the one it would be opened with first.
    backend = "backend " + (camera.backend or " then ".join(name for name, _ in backends()))
    which = [device.id, device.path] if device.connected and device.id != index_id(device.index or 0) else []
    named = f"{camera.label} ({', '.join([*filter(None, which), backend])})"
    if camera.status == OK:
        return "camera", True, f"{named} gives pictures"
    if camera.status == MISSING:
        return "camera", False, f"{named} is not connected; plug it in or set camera.device in the settings ({LIST})"
    return "camera", False, f"{named} gives no picture: another program may be using it, or set camera.device ({LIST})"


def _calibration(settings: config.Config) -> Check:
    """Whether the camera in use has a stored neutral; none yet is not a problem, since run takes one."""
    device = find_device(settings["camera"]["device"])
    try:
        baseline = baselines.load_for(device).get(DEFAULT)
    except UserError as exc:
        return "calibration", False, str(exc)
    if baseline is None:
        return (
            "calibration",
            True,
            f"none yet for {device.label()}: `run` takes one the first time (sit well, facing the screen), "
            "or `posture-watch calibrate` makes one now",
        )
    path = baselines.path_for(device.id)
    made = localtime.local(path.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    return (
        "calibration",
        True,
        f"{device.label()}: {baseline.view} view from {baseline.frames} frames, made {made} ({path}); "
        "`posture-watch calibrate` makes a new one",
    )


def _notifications() -> Iterator[Check]:
    """The path a reminder will really take, as :class:`~..desktop.notify.Notifier` tries them."""
    name = "notifications"
    if not sys.platform.startswith("linux"):
        if importlib.util.find_spec("desktop_notifier") is not None:
            yield name, True, "desktop-notifier (the system's notification centre), with Snooze and Done buttons"
        elif notify.plyer_available() is None:
            yield name, True, "plyer (no Snooze or Done buttons); reinstall posture-watch for desktop-notifier"
        else:
            yield name, False, "neither desktop-notifier nor plyer imports; reinstall posture-watch"
        return
    try:
        server = notify.notification_server()
    except notify.Skip as exc:
        fix = "install a notification daemon (such as dunst, mako or xfce4-notifyd) or run from your desktop session"
        yield name, False, f"{exc}, so reminders would only reach the log: {fix}"
        return
    by = f"{server.name} {server.version}".strip()
    buttons = "with Snooze and Done buttons" if server.actions else f"no buttons ({server.name} offers no actions)"
    if importlib.util.find_spec("desktop_notifier") is not None:
        yield name, True, f"desktop-notifier through {by}, {buttons}"
    elif shutil.which("notify-send"):
        if not (server.actions and notify.notify_send_has_actions()):
            buttons = "no buttons"
        yield name, True, f"notify-send through {by}, {buttons}; reinstall posture-watch for desktop-notifier"
    elif notify.plyer_available() is None:
        yield name, True, f"plyer through {by}, no buttons; reinstall posture-watch for desktop-notifier"
    else:
        yield name, False, f"{by} is running but nothing here can reach it; reinstall posture-watch"


def _tray() -> Check:
    """The tray host :func:`~..desktop.trays.choose` finds, as `run` uses it."""
    host = trays.choose()
    if host.kind is None:
        return "tray", False, f"{host.says}; monitoring works without one (`run --no-tray` skips the tray)"
    return "tray", True, host.says
