"""``posture-watch record``: the only way a frame is ever written to disk, and only when asked."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from ..config import Config
from ..errors import UserError
from ..sense.camera import BUSY, MISSING, Camera, Capture, find_device, open_capture
from ..sense.devices import Device, Spec

# Frames timed before the file is opened, to write the rate the camera really gives.
RATE_FRAMES = 10


def record(
    out: Path,
    seconds: float,
    settings: Config,
    opener: Callable[[int], Capture] = open_capture,
    find: Callable[[Spec], Device] = find_device,
    clock: Callable[[], float] = time.monotonic,
    wait: Callable[[float], object] = time.sleep,
) -> int:
    """Record ``seconds`` of webcam video to ``out`` (mp4, user-only permissions); returns the frames."""
    _check_output(out)
    camera = Camera(settings, 1000.0, opener=opener, find=find, clock=clock, wait=wait)
    camera.hold_open = True
    frames: list[tuple[float, np.ndarray]] = []
    writer = None
    written = 0
    try:
        end: float | None = None
        while end is None or clock() < end:
            frame = camera.next_frame()
            if frame is None:
                if camera.status in (MISSING, BUSY):
                    raise UserError(f"{camera.label} could not be opened; check it is connected and not in use")
                continue
            end = end if end is not None else frame[0] + seconds
            frames.append(frame)
            if writer is None and len(frames) >= RATE_FRAMES:
                writer = _open_writer(out, frames)
            if writer is not None:
                for _, image in frames:
                    writer.write(image)
                    written += 1
                frames.clear()
        if frames:
            writer = writer or _open_writer(out, frames)
            for _, image in frames:
                writer.write(image)
                written += 1
    finally:
        camera.close()
        if writer is not None:
            writer.release()
    if written == 0:
        raise UserError(f"{camera.label} gave no picture; is another program using it?")
    return written


def _check_output(out: Path) -> None:
    """Refuse an output the recording could not be written to, before the camera is opened."""
    if out.suffix.lower() not in (".mp4", ".avi"):
        raise UserError(f"{out}: give a file name ending in .mp4 or .avi")
    if out.is_dir():
        raise UserError(f"{out} is a folder; give a file name in it, like {out / 'recording.mp4'}")
    # The nearest folder that exists must be a folder we may write in; the rest is created.
    folder = next(p for p in (out.parent, *out.parent.parents) if p.exists())
    if not folder.is_dir():
        raise UserError(f"{folder} is a file, not a folder; give a path for {out.name} in a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(f"cannot write in {folder} (no permission); give a path in a folder of yours")


def _open_writer(out: Path, first: list[tuple[float, np.ndarray]]) -> cv2.VideoWriter:
    """A writer at the rate the first frames really came at (what the camera gives, not what was asked)."""
    span = first[-1][0] - first[0][0]
    fps = (len(first) - 1) / span if len(first) > 1 and span > 0 else 10.0
    out.parent.mkdir(parents=True, exist_ok=True)
    fourcc = cv2.VideoWriter_fourcc(*("mp4v" if out.suffix.lower() == ".mp4" else "MJPG"))
    height, width = first[0][1].shape[:2]
    writer = cv2.VideoWriter(str(out), fourcc, round(fps, 2), (width, height))
    os.chmod(out, 0o600)
    return writer
