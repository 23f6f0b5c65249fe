"""Pose estimation: following the user among several people, and a clean shutdown."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from conftest import MODEL, ROOT

from posture_watch.core import features
from posture_watch.core.baseline import Baseline
from posture_watch.sense.pose import choose_user, person_size


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


def seated(cx: float, cy: float, width: float, shoulders: float = 1.0) -> np.ndarray:
    """A person facing the camera: the nose at (cx, cy), shoulders ``width`` apart (times ``shoulders``)."""
    lm = np.zeros((33, 4))
    points = {
        0: (0, 0),
        2: (0.1, -0.07),
        5: (-0.1, -0.07),
        7: (0.2, -0.03),
        8: (-0.2, -0.03),
        9: (0.06, 0.1),
        10: (-0.06, 0.1),
        11: (0.5 * shoulders, 0.5),
        12: (-0.5 * shoulders, 0.5),
    }
    for i, (x, y) in points.items():
        lm[i] = (cx + x * width, cy + y * width, 0.0, 1.0)
    return lm


def neutral_of(person: np.ndarray) -> Baseline:
    samples = [features.compute(person + np.array([0.5 * k, 0, 0, 0]), 640, 480) for k in range(5)]
    baseline = Baseline.from_samples(samples)
    assert baseline is not None
    return baseline


def test_once_calibrated_the_user_is_whoever_matches_the_neutral():
    user = seated(400, 220, 160)
    neutral = neutral_of(user)
    behind = seated(120, 120, 55)  # a third of the size: further back
    beside = seated(80, 220, 150)  # as large, but two shoulder widths away
    # Followed last or not: the person behind is not the user.
    assert choose_user([behind, user], 640, 480, behind, neutral) is user
    # Alone in view, neither is the user: not presence.
    assert choose_user([behind], 640, 480, None, neutral) is None
    assert choose_user([beside], 640, 480, None, neutral) is None
    # The user moving (slouching lower, leaning, coming closer) or turning the body is still the user.
    for moved in (seated(400, 270, 150), seated(450, 225, 160), seated(400, 220, 230), seated(400, 220, 160, 0.4)):
        assert choose_user([behind, moved], 640, 480, None, neutral) is moved


def test_before_calibration_someone_far_away_is_not_taken_for_the_user():
    far = seated(400, 150, 30)  # a head of about 1.5 % of the picture's diagonal
    assert person_size(far, 640, 480) < 0.025 < person_size(seated(300, 200, 240), 640, 480)
    assert choose_user([far], 640, 480, None, None, min_size=0.025) is None
    assert choose_user([far], 640, 480, None) is far


def test_a_made_up_pose_with_scattered_landmarks_is_not_large():
    # In the dark the model can place a face landmark far from the rest: one long distance is not a large head.
    ghost = seated(400, 150, 30)
    ghost[9, :2] = (460, 210)
    assert person_size(ghost, 640, 480) < 0.025


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
