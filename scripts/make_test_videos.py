"""Write every acted-out posture as a short webcam-like recording, for tests and benchmarks.

    python scripts/make_test_videos.py OUTDIR [--seconds 60] [--fps 10] [--photo NAME] [--variation NAME]

The recordings come from :mod:`posture_watch.sense.synthetic` (its docstring
says how a portrait photo acts out each posture and what that cannot show);
tests and benchmarks import its names from here (``from make_test_videos
import Timeline, make_video``) with this folder on their path.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from posture_watch.sense.synthetic import PHOTOS, SCENARIOS, VARIATIONS, Timeline, make_video

__all__ = ["PHOTOS", "SCENARIOS", "VARIATIONS", "Timeline", "make_video"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--photo", default="grace_hopper", choices=PHOTOS)
    parser.add_argument("--variation", choices=[v.name for v in VARIATIONS])
    args = parser.parse_args()
    for scenario in SCENARIOS:
        timeline = Timeline(onset=15, until=40) if scenario == "away" else Timeline()
        out = make_video(
            args.outdir / f"{scenario}.mp4",
            scenario,
            args.seconds,
            args.fps,
            timeline,
            args.photo,
            variation=args.variation,
        )
        print(out)


if __name__ == "__main__":
    main()
