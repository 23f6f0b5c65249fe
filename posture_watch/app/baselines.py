"""The stored calibration: one baseline per camera and profile, by the camera's stable id, in the user's data folder.

A neutral posture is measured through one camera from one place; another
camera sees the user from elsewhere. So each camera keeps its own, under its
stable id (``sense.devices``: on Linux its ``/dev/v4l/by-id`` name, which
stays the same whatever number the camera gets), and a neutral per setup it
sees the user in (``core.profiles``): the default profile's in ``<id>.json``,
each other's in ``<id>@NAME.json``. Calibrations stored before ids, as
``camera-N.json`` and ``camera-N@NAME.json`` by number, are taken over once by
the camera that has that number when it is first used.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path

from .. import paths
from ..config import Config
from ..core import engine
from ..core.baseline import Baseline
from ..core.profiles import DEFAULT
from ..errors import UserError
from ..sense.camera import find_device
from ..sense.devices import Device, index_id

# What a profile may be called: it is part of a file name.
PROFILE_NAME = re.compile(r"[A-Za-z0-9_-]{1,32}")


def checked(profile: str) -> str:
    """``profile`` if it can name a profile; a UserError that says what can otherwise."""
    if not PROFILE_NAME.fullmatch(profile):
        raise UserError(
            f"--profile {profile!r}: a profile's name is 1 to 32 letters, digits, - or _, such as laptop or standing"
        )
    return profile


def path_for(camera_id: str, profile: str = DEFAULT) -> Path:
    """Where the calibration for the camera with this id (and profile) is stored.

    Any character unsafe in a file name is _, so ``@`` in the file's name only ever starts a profile.
    """
    name = re.sub(r"[^A-Za-z0-9._-]", "_", camera_id).lstrip(".") or "camera"
    return paths.data_dir() / "calibration" / (f"{name}.json" if profile == DEFAULT else f"{name}@{profile}.json")


def save(baseline: Baseline, camera_id: str, profile: str = DEFAULT) -> Path:
    path = path_for(camera_id, profile)
    paths.write_private(path, json.dumps(baseline.to_dict(), indent=2, sort_keys=True).encode("utf-8"))
    return path


def load(camera_id: str, profile: str = DEFAULT) -> Baseline | None:
    """The stored baseline for a camera (and profile), or None before the first calibration."""
    return _read(path_for(camera_id, profile))


def stored(camera_id: str) -> dict[str, Baseline]:
    """Every profile's stored baseline for a camera, by profile."""
    return {name: baseline for name, path in _files(camera_id).items() if (baseline := _read(path)) is not None}


def load_for(device: Device) -> dict[str, Baseline]:
    """Every profile's stored baseline for ``device``, taking over those stored by its number before ids (once).

    They are taken over only while the camera has none under its id, so a
    number's old files never mix with the camera's own; a file that cannot be
    moved is read where it is.
    """
    if device.index is None or device.id == index_id(device.index) or _files(device.id):
        return stored(device.id)
    old = index_id(device.index)
    for profile, path in _files(old).items():
        with contextlib.suppress(OSError):  # read where it is
            os.replace(path, path_for(device.id, profile))
    return stored(old) | stored(device.id)


def _files(camera_id: str) -> dict[str, Path]:
    """The calibration files stored for a camera, by profile (the default first)."""
    default = path_for(camera_id)
    found = {DEFAULT: default} if default.exists() else {}
    for path in sorted(default.parent.glob(f"{default.stem}@*.json")):
        found[path.stem.split("@", 1)[1]] = path
    return found


def _read(path: Path) -> Baseline | None:
    if not path.exists():
        return None
    try:
        return Baseline.from_dict(json.loads(path.read_text("utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(f"{path}: calibration file is damaged ({exc}); run `posture-watch calibrate`") from None


def resolve(
    settings: Config, calibrate: float | None, required: bool = False, profile: str | None = None
) -> engine.State:
    """The engine state a command starts from: one place decides between the stored neutrals and calibrating.

    ``calibrate`` seconds take a new neutral from the start (for ``profile``, else the default one), judged
    alone; otherwise every profile stored for the camera ``camera.device`` names is loaded, and the one named
    (else the default, else the first stored) is used first; without any, the first ``calibration.seconds``
    the user is seen are taken, or, when a neutral is ``required`` (a replay cannot ask the user to sit
    well), a UserError says what to do.
    """
    name = checked(profile) if profile is not None else None
    if calibrate is not None:
        if calibrate <= 0:
            raise UserError(f"--calibrate {calibrate:g}: give a positive number of seconds, such as 10")
        return engine.new_state(calibrate_seconds=calibrate, profile=name or DEFAULT)
    found = load_for(find_device(settings["camera"]["device"]))
    if name is not None and name not in found:
        known = ", ".join(found) or "none yet"
        raise UserError(
            f"--profile {name}: no calibration of that profile for this camera (stored: {known}); "
            f"run `posture-watch calibrate --profile {name}` first"
        )
    if found:
        return engine.new_state(stored=found, profile=name or (DEFAULT if DEFAULT in found else next(iter(found))))
    if required:
        raise UserError(
            "no calibration yet: pass --calibrate SECONDS to use the start of the recording, "
            "or run `posture-watch calibrate` first"
        )
    return engine.new_state(calibrate_seconds=settings["calibration"]["seconds"])
