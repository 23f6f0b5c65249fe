"""How well a frame can show a posture: its light, its noise and how sure the pose model is.

In a dim room a webcam turns its gain up: the picture gets darker and
noisier, the pose model still finds the person, but its landmarks wander by
more than a posture changes them. Such a frame says that someone is there,
not how they sit. :func:`measure` gives each analysed frame a
:class:`Quality`, and ``Quality.poor`` (with a reason a user can read) marks
the frames whose posture readings are unknown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

# Below these a frame cannot show a posture: its mean brightness (0-1), and its contrast over its noise.
# Chosen from real recordings darkened step by step (docs/accuracy.md, "Low light"), with the pose
# estimator brightening dim frames as it does: down to 15 % of the normal light (a mean of 0.06-0.07) the
# pose model reads posture as in daylight; at 10 % (0.04) false faults start. Noise matters far less than
# darkness: a picture kept bright by the camera's gain was read well down to a contrast 2.6 times its
# noise, and not at 1.5.
DARK = 0.05
NOISY = 2.0
# A picture with less noise than half a grey level has none to drown its detail in: a flat one (a covered
# lens, a blank wall) is not noisy, whatever its contrast.
NOISELESS = 0.5 / 255
# Landmarks from the nose to the shoulders (nose, eyes, ears, mouth, shoulders): what the posture features read.
UPPER_BODY = slice(0, 13)
# Immerkær's noise estimator: a Laplacian difference that cancels smooth picture content.
_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)


@dataclass(frozen=True)
class Quality:
    """One frame's picture quality.

    ``brightness`` is the mean grey level (0-1); ``contrast`` the standard
    deviation of the grey levels (0-1, RMS contrast); ``noise`` the sensor noise
    estimated from the picture (standard deviation, 0-1 of the grey scale);
    ``visibility`` the mean visibility MediaPipe gives the upper-body landmarks
    (0-1), None when nobody was found. ``poor`` means posture cannot be judged
    from this frame, for ``reason``.
    """

    brightness: float
    contrast: float
    noise: float
    visibility: float | None
    poor: bool = False
    reason: str | None = None

    @property
    def clarity(self) -> float:
        """Contrast over noise: how far the picture's detail stands above its noise."""
        return self.contrast / max(self.noise, 1e-4)

    def to_dict(self) -> dict[str, object]:
        return {
            "brightness": round(self.brightness, 4),
            "contrast": round(self.contrast, 4),
            "noise": round(self.noise, 4),
            "clarity": round(self.clarity, 2),
            "visibility": None if self.visibility is None else round(self.visibility, 3),
            "poor": self.poor,
            "reason": self.reason,
        }


def measure(image: np.ndarray, landmarks: np.ndarray | None) -> Quality:
    """The quality of ``image`` (BGR) and of the pose found in it (``landmarks`` 33 x 4, or None).

    The verdict needs only the picture: a frame too dark or too noisy is poor
    whether or not the model found someone in it, since in such a frame it
    may find nobody where someone sits, or someone who sits otherwise. The
    model's own landmark visibility is reported but not judged: it stays near
    1 on frames far too dark to trust (docs/accuracy.md).
    """
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    mean, std = cv2.meanStdDev(grey)
    height, width = grey.shape[:2]
    residual = cv2.filter2D(grey.astype(np.float32), -1, _NOISE_KERNEL)[1:-1, 1:-1]
    sigma = math.sqrt(math.pi / 2) * float(np.abs(residual).mean()) / 6 if height > 2 and width > 2 else 0.0
    visibility = None
    if landmarks is not None:
        visibility = float(np.nan_to_num(landmarks[UPPER_BODY, 3]).mean())
    quality = Quality(float(mean[0, 0]) / 255, float(std[0, 0]) / 255, sigma / 255, visibility)
    noisy = quality.clarity < NOISY and quality.noise >= NOISELESS
    reason = "too dark" if quality.brightness < DARK else "too noisy" if noisy else None
    return replace(quality, poor=reason is not None, reason=reason)
