"""The user's neutral posture: the baseline every fault is measured against.

A baseline is the median and spread of each feature over a few seconds of
sitting well. It is stored per user and camera, since a camera moved to
another place or angle sees a different neutral.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from . import paths
from .errors import UserError
from .features import Features

# Fewer analysed frames than this cannot tell neutral from noise.
MIN_FRAMES = 3


@dataclass(frozen=True)
class Baseline:
    """Median and standard deviation of each feature while sitting well, for one view."""

    view: str
    median: dict[str, float]
    spread: dict[str, float]
    frames: int

    @classmethod
    def from_samples(cls, samples: list[tuple[str | None, Features]]) -> Baseline:
        """Build a baseline from (view, features) of the calibration frames."""
        seen = [(v, f) for v, f in samples if v is not None]
        if len(seen) < MIN_FRAMES:
            raise UserError(
                f"calibration saw a person in only {len(seen)} frame(s); sit in view of the camera, "
                f"facing it, with your head and shoulders visible, and calibrate again"
            )
        view = Counter(v for v, _ in seen).most_common(1)[0][0]
        rows = [f for v, f in seen if v == view]
        keys = sorted({k for f in rows for k in f})
        median, spread = {}, {}
        for key in keys:
            values = [f[key] for f in rows if key in f]
            if len(values) >= MIN_FRAMES:
                median[key] = statistics.median(values)
                spread[key] = statistics.pstdev(values)
        return cls(view=view, median=median, spread=spread, frames=len(rows))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, source: Path | str) -> Baseline:
        try:
            raw = json.loads(text)
            return cls(
                view=str(raw["view"]),
                median={str(k): float(v) for k, v in raw["median"].items()},
                spread={str(k): float(v) for k, v in raw["spread"].items()},
                frames=int(raw["frames"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UserError(f"{source}: calibration file is damaged ({exc}); run `posture-watch calibrate`") from None


def path_for(camera_index: int) -> Path:
    """Where the calibration for a camera is stored."""
    return paths.data_dir() / "calibration" / f"camera-{camera_index}.json"


def save(baseline: Baseline, camera_index: int) -> Path:
    path = path_for(camera_index)
    paths.write_private(path, baseline.to_json().encode("utf-8"))
    return path


def load(camera_index: int) -> Baseline | None:
    """The stored baseline for a camera, or None before the first calibration."""
    path = path_for(camera_index)
    if not path.exists():
        return None
    return Baseline.from_json(path.read_text("utf-8"), path)
