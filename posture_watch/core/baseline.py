"""The user's neutral posture: the baseline every fault is measured against.

A baseline is the median and spread of each feature over a few seconds of
sitting well. It is kept per camera (``app.baselines`` stores it), since a
camera moved to another place or angle sees a different neutral.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

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
    def from_samples(cls, samples: Iterable[tuple[str | None, Features]]) -> Baseline | None:
        """A baseline from (view, features) of the calibration frames; None if too few saw a person."""
        seen = [(v, f) for v, f in samples if v is not None and f]
        if len(seen) < MIN_FRAMES:
            return None
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

    def to_dict(self) -> dict[str, Any]:
        return {"view": self.view, "median": self.median, "spread": self.spread, "frames": self.frames}

    @classmethod
    def from_dict(cls, raw: Any) -> Baseline:
        """The inverse of :meth:`to_dict`; raises ValueError, KeyError, TypeError or AttributeError if malformed."""
        return cls(
            view=str(raw["view"]),
            median={str(k): float(v) for k, v in raw["median"].items()},
            spread={str(k): float(v) for k, v in raw["spread"].items()},
            frames=int(raw["frames"]),
        )
