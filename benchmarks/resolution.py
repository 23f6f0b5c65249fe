"""Feature stability at 320x240 against 640x480, on the real dataset frames and a generated recording.

    python benchmarks/resolution.py

For each resolution it prints, per feature, the frame-to-frame noise on a
steady recording and the mean difference from 640x480 on the real photos, and
whether every real slouched frame still reads as slouched and every upright
one as upright. The camera's default resolution is chosen from this.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("POSTURE_WATCH_MODEL", str(ROOT.parent / "shared" / "models" / "pose_landmarker_lite.task"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from make_test_videos import make_video  # noqa: E402

from posture_watch import config  # noqa: E402
from posture_watch.core import faults, features  # noqa: E402
from posture_watch.core.baseline import Baseline  # noqa: E402
from posture_watch.sense.pose import PoseEstimator  # noqa: E402

MODEL = Path(os.environ["POSTURE_WATCH_MODEL"])
DATA = ROOT.parent / "shared" / "datasets" / "slouching-or-not" / "low-isSlouching__high-notSlouching"
KEYS = ("head_height", "neck_length", "face_size", "head_roll", "head_yaw", "shoulder_tilt", "head_y")
SIZES = ((640, 480), (320, 240))


def on_canvas(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The photo as a webcam of ``size`` would show it: scaled to the height, centred."""
    width, height = size
    scale = height / image.shape[0]
    resized = cv2.resize(image, (round(image.shape[1] * scale), height), interpolation=cv2.INTER_AREA)
    canvas = np.full((height, width, 3), 128, np.uint8)
    left = (width - resized.shape[1]) // 2
    canvas[:, left : left + resized.shape[1]] = resized
    return canvas


def measure(image: np.ndarray) -> features.Features:
    with PoseEstimator(MODEL) as estimator:
        landmarks = estimator.detect(0.0, image)
    return features.compute(landmarks, image.shape[1], image.shape[0])[1]


def main() -> None:
    photos = {
        label: [cv2.imread(str(p)) for p in sorted((DATA / label).glob("*.jpg"))]
        for label in ("notSlouching", "isSlouching")
    }
    measured = {
        size: {label: [measure(on_canvas(im, size)) for im in ims] for label, ims in photos.items()} for size in SIZES
    }
    settings = config.defaults()
    with tempfile.TemporaryDirectory() as tmp:
        video = make_video(Path(tmp) / "steady.mp4", "neutral", 30, 10)
        capture = cv2.VideoCapture(str(video))
        frames = []
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            frames.append(frame)
    noise = {}
    for size in SIZES:
        with PoseEstimator(MODEL) as estimator:
            rows = []
            for i, frame in enumerate(frames[::3]):
                small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
                rows.append(features.compute(estimator.detect(i * 0.3, small), *size)[1])
        noise[size] = {k: statistics.pstdev(r[k] for r in rows if k in r) for k in KEYS}

    print(f"{'feature':14} {'noise 640x480':>14} {'noise 320x240':>14} {'mean |640-320| on photos':>26}")
    for key in KEYS:
        diffs = [
            abs(a[key] - b[key])
            for label in photos
            for a, b in zip(measured[SIZES[0]][label], measured[SIZES[1]][label], strict=True)
            if key in a and key in b
        ]
        print(f"{key:14} {noise[SIZES[0]][key]:14.4f} {noise[SIZES[1]][key]:14.4f} {statistics.fmean(diffs):26.4f}")
    for size in SIZES:
        upright, slouched = measured[size]["notSlouching"], measured[size]["isSlouching"]
        baseline = Baseline.from_samples([("front", f) for f in upright[:3]])
        hits = sum(faults.read(f, baseline, settings.core)["slouch"].score >= 1 for f in slouched)
        false = sum(faults.read(f, baseline, settings.core)["slouch"].score >= 1 for f in upright[3:])
        print(
            f"{size[0]}x{size[1]}: slouched frames read as slouch {hits}/{len(slouched)}, "
            f"upright frames read as slouch {false}/{len(upright) - 3}"
        )


if __name__ == "__main__":
    main()
