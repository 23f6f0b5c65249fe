"""The stored calibration: one baseline per camera, in the user's data folder."""

from __future__ import annotations

import json
from pathlib import Path

from .. import paths
from ..config import Config
from ..core import engine
from ..core.baseline import Baseline
from ..errors import UserError


def path_for(camera_index: int) -> Path:
    """Where the calibration for a camera is stored."""
    return paths.data_dir() / "calibration" / f"camera-{camera_index}.json"


def save(baseline: Baseline, camera_index: int) -> Path:
    path = path_for(camera_index)
    paths.write_private(path, json.dumps(baseline.to_dict(), indent=2, sort_keys=True).encode("utf-8"))
    return path


def load(camera_index: int) -> Baseline | None:
    """The stored baseline for a camera, or None before the first calibration."""
    path = path_for(camera_index)
    if not path.exists():
        return None
    try:
        return Baseline.from_dict(json.loads(path.read_text("utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UserError(f"{path}: calibration file is damaged ({exc}); run `posture-watch calibrate`") from None


def resolve(settings: Config, calibrate: float | None, required: bool = False) -> engine.State:
    """The engine state a command starts from: one place decides between the stored neutral and calibrating.

    ``calibrate`` seconds take a new neutral from the start; otherwise the one
    stored for the camera in use is used, and without one the first
    ``calibration.seconds`` the user is seen are taken, or, when a neutral is
    ``required`` (a replay cannot ask the user to sit well), a UserError says
    what to do.
    """
    if calibrate is not None:
        if calibrate <= 0:
            raise UserError(f"--calibrate {calibrate:g}: give a positive number of seconds, such as 10")
        return engine.new_state(calibrate_seconds=calibrate)
    stored = load(settings["camera"]["index"])
    if stored is not None:
        return engine.new_state(stored)
    if required:
        raise UserError(
            "no calibration yet: pass --calibrate SECONDS to use the start of the recording, "
            "or run `posture-watch calibrate` first"
        )
    return engine.new_state(calibrate_seconds=settings["calibration"]["seconds"])
