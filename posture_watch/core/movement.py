"""How far the user moved: the one movement measure, for stillness and for the analysis rate.

Positions of the head and the shoulders are compared in body units (the
person's own size, ``scale``), so a movement means the same near the camera
or far from it. Both features are fractions of the picture, x of its width
and y of its height, while ``scale`` is a fraction of its width; ``aspect``
(height / width) puts y on the same footing.
"""

from __future__ import annotations

from .features import Features

POSITIONS = ("head_x", "head_y", "shoulder_x", "shoulder_y")


def body_position(features: Features) -> dict[str, float]:
    """Head and shoulder positions in body units."""
    scale = max(features.get("scale", 0.0), 1e-3)
    aspect = features.get("aspect", 1.0)
    return {k: features[k] * (aspect if k.endswith("_y") else 1.0) / scale for k in POSITIONS if k in features}


def distance(before: dict[str, float], after: dict[str, float]) -> float:
    """The largest change of any position seen in both, in body units (0 when none is comparable)."""
    return max((abs(after[k] - before[k]) for k in after if k in before), default=0.0)
