"""``posture-watch record``: the only way a frame is ever written to disk, and only when asked."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import cv2

from .camera import Capture
from .config import Config
from .errors import UserError
from .sources import request_format


def record(
    out: Path,
    seconds: float,
    settings: Config,
    opener: Callable[[int], Capture] = cv2.VideoCapture,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Record ``seconds`` of webcam video to ``out`` (mp4, user-only permissions); returns the frames."""
    if out.suffix.lower() not in (".mp4", ".avi"):
        raise UserError(f"{out}: give a file name ending in .mp4 or .avi")
    cam = settings["camera"]
    capture = opener(cam["index"])
    if not capture.isOpened():
        capture.release()
        raise UserError(f"camera {cam['index']} could not be opened; check it is connected and not in use")
    request_format(capture, cam["width"], cam["height"], cam["fps"])
    writer = None
    frames = 0
    try:
        end = clock() + seconds
        while clock() < end and capture.grab():
            ok, image = capture.retrieve()
            if not ok:
                break
            if writer is None:
                out.parent.mkdir(parents=True, exist_ok=True)
                fourcc = cv2.VideoWriter_fourcc(*("mp4v" if out.suffix.lower() == ".mp4" else "MJPG"))
                writer = cv2.VideoWriter(str(out), fourcc, cam["fps"], (image.shape[1], image.shape[0]))
                os.chmod(out, 0o600)
            writer.write(image)
            frames += 1
    finally:
        capture.release()
        if writer is not None:
            writer.release()
    if frames == 0:
        raise UserError(f"camera {cam['index']} gave no picture; is another program using it?")
    return frames
