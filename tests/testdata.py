"""Where the tests find the pose model and the real photographs and videos.

The model, first found wins (the same chain as the program, plus a convenience):
``$POSTURE_WATCH_MODEL``; the per-user cache that ``posture-watch model download`` fills;
``../shared/models/pose_landmarker_lite.task`` beside the repository.

The photographs and videos, a folder laid out like ``../shared/datasets``:
``$POSTURE_WATCH_TEST_DATA``; ``../shared/datasets`` beside the repository; the folder that
``python scripts/fetch_test_data.py`` fills when given no destination.

Each function raises :class:`Missing` with one line saying how to get what is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
MODEL_ENV = "POSTURE_WATCH_MODEL"
DATA_ENV = "POSTURE_WATCH_TEST_DATA"
# The data sets the tests read; a folder without them is not the test data.
REQUIRED = ("slouching-or-not", "side-view-sitting")


class Missing(Exception):
    """The model or the test data is nowhere to be found; the message says how to get it."""


def model_path() -> Path:
    """The pose model file the tests use."""
    if os.environ.get(MODEL_ENV):
        path = Path(os.environ[MODEL_ENV]).expanduser().resolve()
        if not path.is_file():
            raise Missing(f"${MODEL_ENV} is {path}, which is not a file; point it at pose_landmarker_lite.task")
        return path
    from posture_watch.sense.model import cached_path

    for path in (cached_path("lite"), SHARED / "models" / "pose_landmarker_lite.task"):
        if path.is_file():
            return path
    raise Missing(
        "the pose model is missing: run `posture-watch model download` (or `posture-watch model import FILE`), "
        f"or set ${MODEL_ENV}=FILE, or put it at {SHARED / 'models' / 'pose_landmarker_lite.task'}"
    )


def datasets_dir() -> Path:
    """The folder holding the real photographs and videos, one data set per subfolder."""
    if os.environ.get(DATA_ENV):
        path = Path(os.environ[DATA_ENV]).expanduser().resolve()
        lacking = [name for name in REQUIRED if not (path / name).is_dir()]
        if lacking:
            raise Missing(
                f"${DATA_ENV} is {path}, which lacks {', '.join(lacking)}; "
                f"fill it with `python scripts/fetch_test_data.py {path}`"
            )
        return path
    from fetch_test_data import DEFAULT_DEST

    for path in (SHARED / "datasets", DEFAULT_DEST):
        if all((path / name).is_dir() for name in REQUIRED):
            return path
    raise Missing(
        "the test photos and videos are missing: run `python scripts/fetch_test_data.py` (about 10 MB from GitHub), "
        f"or set ${DATA_ENV}=DIR (laid out like ../shared/datasets)"
    )
