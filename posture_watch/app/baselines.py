"""The stored calibration: one baseline per camera, in the user's data folder."""

from __future__ import annotations

import json
from pathlib import Path

from .. import paths
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
