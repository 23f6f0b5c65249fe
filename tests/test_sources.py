"""Frame sources: sampling without decoding skipped frames, timestamps from the file, bad files."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from posture_watch.errors import UserError
from posture_watch.sense.video import Sampler, VideoFile


def _write(path, frames: int, fps: float = 10.0, size=(160, 120)):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    for i in range(frames):
        writer.write(np.full((size[1], size[0], 3), i % 250, np.uint8))
    writer.release()
    return path


def test_sampler_keeps_a_fixed_grid_and_survives_a_clock_step_back():
    sampler = Sampler(2.0)
    due = [t / 10 for t in range(0, 31) if sampler.due(t / 10)]
    assert due == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]
    assert sampler.due(1.0)  # clock went backwards: analyse and restart the grid
    assert not sampler.due(1.2)
    assert sampler.due(1.5)
    assert sampler.due(100.0)  # a jump ahead restarts the grid too
    assert not sampler.due(100.4)


class CountingCapture:
    """Passes calls to a real capture, counting decodes."""

    def __init__(self, capture: cv2.VideoCapture) -> None:
        self.capture, self.retrieved = capture, 0

    def grab(self) -> bool:
        return self.capture.grab()

    def retrieve(self):
        self.retrieved += 1
        return self.capture.retrieve()

    def get(self, prop: int) -> float:
        return self.capture.get(prop)

    def release(self) -> None:
        self.capture.release()


def test_video_file_decodes_only_frames_due(tmp_path):
    source = VideoFile(_write(tmp_path / "v.mp4", 50, fps=10), fps=2.0)
    source.capture = counting = CountingCapture(source.capture)
    frames = list(source.frames())
    source.close()
    assert source.frames_read == 50
    assert counting.retrieved == len(frames) == 10
    assert [t for t, _ in frames] == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "no such video file"),
        (lambda p: (p.write_bytes(b""), p)[1], "is empty"),
        (lambda p: (p.write_text("hello, this is text\n" * 50), p)[1], "could not be opened as a video"),
        (lambda p: (p.mkdir(), p)[1], "is a folder"),
    ],
)
def test_bad_video_files_are_user_errors(tmp_path, make, message):
    path = make(tmp_path / "clip.mp4")
    with pytest.raises(UserError, match=message):
        VideoFile(path, 2.0)


def test_truncated_video_reads_what_it_can_or_says_why(tmp_path):
    good = _write(tmp_path / "good.mp4", 40)
    data = good.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 3])
    try:
        source = VideoFile(cut, 2.0)
    except UserError as exc:
        assert "could not be opened" in str(exc)
        return
    try:
        frames = list(source.frames())
        assert len(frames) <= 8
    except UserError as exc:
        assert "no readable frames" in str(exc)
    finally:
        source.close()
