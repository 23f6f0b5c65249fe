"""Pose estimation: following the user among several people, and a clean shutdown."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from conftest import MODEL, ROOT

from posture_watch.sense.pose import choose_user


def person(cx: float, cy: float, size: float) -> np.ndarray:
    """A crude upper body: landmarks spread around (cx, cy), all visible."""
    lm = np.zeros((33, 4))
    offsets = np.linspace(-1, 1, 13)
    lm[:13, 0] = cx + offsets * size
    lm[:13, 1] = cy + offsets[::-1] * size * 0.5
    lm[:, 3] = 1.0
    return lm


def test_the_largest_central_person_is_the_user():
    user, passer_by = person(320, 240, 150), person(560, 120, 40)
    assert choose_user([passer_by, user], 640, 480, None) is user
    assert choose_user([], 640, 480, None) is None


def test_the_user_is_followed_when_someone_similar_comes_close():
    user, other = person(260, 240, 120), person(380, 240, 125)
    assert choose_user([other, user], 640, 480, user) is user
    assert choose_user([user, other], 640, 480, other) is other


def test_no_exception_at_interpreter_exit_when_not_closed():
    code = (
        "import cv2, numpy as np\n"
        "from posture_watch.sense.pose import PoseEstimator\n"
        f"e = PoseEstimator({str(MODEL)!r})\n"
        "e.detect(0.0, np.zeros((240, 320, 3), np.uint8))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr
    assert "Exception ignored" not in result.stderr and "Traceback" not in result.stderr
