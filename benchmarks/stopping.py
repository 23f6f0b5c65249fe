"""posture-watch benchmark: how long an ending signal takes to end a real run, from start-up to watching.

    python benchmarks/stopping.py [--rounds 20] [--busy 2]

Starts ``posture-watch run --no-tray --source VIDEO --calibrate 3`` ROUNDS times and sends SIGTERM (odd rounds:
SIGHUP) at a random moment from when its handler is in place to 5 s later: during imports, the model's loading,
calibration or the wait for the next sample. Prints the time from the signal to the process's exit (median, 95th
percentile, longest) and how many runs ended with status 0. ``--busy N`` keeps N busy loops running meanwhile.
The tests check that a stop never waits out the sampling interval; this measures how soon it comes, which the
2 s the monitor aims at is about. Needs the pose model ($POSTURE_WATCH_MODEL, or ../shared/models/...).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("POSTURE_WATCH_MODEL", str(ROOT.parent / "shared" / "models" / "pose_landmarker_lite.task"))

from make_test_videos import make_video  # noqa: E402
from signalled import signal_after  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--busy", type=int, default=0, help="busy loops to run meanwhile (cores kept busy)")
    args = parser.parse_args()
    rng = random.Random(11)
    busy = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(args.busy)]
    took, clean = [], 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            video = make_video(folder / "neutral.mp4", "neutral", seconds=60, fps=5)
            cfg = folder / "config.toml"
            cfg.write_text(f'[history]\npath = "{folder / "h.sqlite3"}"\n')
            command = ["run", "--no-tray", "--source", str(video), "--config", str(cfg), "--calibrate", "3"]
            for n in range(args.rounds):
                signum = signal.SIGHUP if n % 2 else signal.SIGTERM
                proc = subprocess.Popen([sys.executable, "-m", "posture_watch", *command], stderr=subprocess.DEVNULL)
                sent = signal_after(proc, signum, rng.uniform(0.0, 5.0))
                clean += proc.wait() == 0
                took.append(time.monotonic() - sent)
                print(f"  round {n + 1}: {signal.Signals(signum).name} ended it in {took[-1]:.2f} s", flush=True)
    finally:
        for loop in busy:
            loop.kill()
    took.sort()
    p95 = took[min(len(took) - 1, round(0.95 * (len(took) - 1)))]
    print("| busy loops | rounds | status 0 | median | 95th percentile | longest |\n|---|---|---|---|---|---|")
    print(f"| {args.busy} | {len(took)} | {clean} | {statistics.median(took):.2f} s | {p95:.2f} s | {took[-1]:.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
