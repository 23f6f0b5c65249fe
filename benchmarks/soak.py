"""Soak: hours of accelerated replay, looping a recording, with memory and threads sampled.

    python benchmarks/soak.py [--hours 2]

Prints one line per sample and a summary; docs/reliability.md records the
result. The test suite runs a short version of the same loop.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("POSTURE_WATCH_MODEL", str(ROOT.parent / "shared" / "models" / "pose_landmarker_lite.task"))

from posture_watch import config  # noqa: E402
from posture_watch.app.pipeline import Analyser, Stats, open_estimator, replay  # noqa: E402
from posture_watch.core import engine  # noqa: E402
from posture_watch.sense.video import VideoFile  # noqa: E402

# The wall time each replay starts at (aware, as the monitor's are).
NOW = datetime.now(timezone.utc)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Looped(VideoFile):
    """A recording whose timestamps continue from ``offset``, as if it went on."""

    def __init__(self, path: Path, fps: float, offset: float) -> None:
        super().__init__(path, fps)
        self.offset = offset

    def frames(self):
        for t, image in super().frames():
            yield t + self.offset, image


def replay_loop(video: Path, minutes: float, every_minutes: float = 5.0, echo: bool = False) -> list[dict]:
    """Replay ``video`` over and over for ``minutes`` of video time; samples of RSS and threads."""
    settings = config.defaults()
    state = engine.new_state(calibrate_seconds=5)
    samples: list[dict] = []
    offset, next_sample = 0.0, 0.0
    began = time.perf_counter()
    with open_estimator(settings) as estimator:
        analyser = Analyser(estimator, state, settings["sampling"]["fps"])
        while offset < minutes * 60:
            source = Looped(video, settings["sampling"]["fps"], offset)
            stats = Stats()
            for _ in replay(source.frames(), analyser, lambda: settings, source.sampler, stats, NOW):
                pass
            source.close()
            offset = stats.last_t + 1.0
            if offset >= next_sample:
                next_sample += every_minutes * 60
                sample = {
                    "minutes": round(offset / 60, 1),
                    "rss_mb": round(rss_mb(), 1),
                    "threads": threading.active_count(),
                    "wall_seconds": round(time.perf_counter() - began, 1),
                }
                samples.append(sample)
                if echo:
                    print(sample, flush=True)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hours", type=float, default=2.0)
    args = parser.parse_args()
    from make_test_videos import Timeline, make_video

    with tempfile.TemporaryDirectory() as tmp:
        video = make_video(Path(tmp) / "soak.mp4", "forward_head", 300, 10, Timeline(onset=60, until=200))
        samples = replay_loop(video, args.hours * 60, every_minutes=10, echo=True)
    warm = [s for s in samples if s["minutes"] >= 10] or samples
    hours = (warm[-1]["minutes"] - warm[0]["minutes"]) / 60 or 1
    print(
        f"replayed {samples[-1]['minutes']:.0f} min in {samples[-1]['wall_seconds']:.0f} s; "
        f"RSS {warm[0]['rss_mb']:.0f} -> {warm[-1]['rss_mb']:.0f} MB "
        f"({(warm[-1]['rss_mb'] - warm[0]['rss_mb']) / hours:+.1f} MB/h), "
        f"threads {sorted({s['threads'] for s in warm})}"
    )


if __name__ == "__main__":
    main()
