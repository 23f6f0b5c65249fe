"""Helper process for the SIGTERM test: the real monitor, started and ended by SIGTERM, round after round.

    python tests/sigterm_rounds.py VIDEO CONFIG

Loads the pose model once, then for each "go" on stdin prints "round N",
runs a monitor on the recording until a SIGTERM ends it, and prints
"ended N". "done" exits with status 0.
"""

from __future__ import annotations

import sys
from pathlib import Path

from posture_watch.app import signals
from posture_watch.app.clocks import Clocks
from posture_watch.app.monitor import Monitor
from posture_watch.app.pipeline import Analyser, open_estimator
from posture_watch.app.reload import ConfigWatcher
from posture_watch.core import engine
from posture_watch.sense.camera import Camera, RecordedCamera


def main() -> int:
    video, cfg = Path(sys.argv[1]), Path(sys.argv[2])
    watcher = ConfigWatcher(cfg)
    with open_estimator(watcher.settings) as estimator:
        print("ready", flush=True)
        for n, line in enumerate(sys.stdin):
            if line.strip() == "done":
                return 0
            recording = RecordedCamera(video)
            camera = Camera(
                watcher.settings, 2.0, opener=lambda _, recording=recording: recording, find=recording.stand_in
            )
            state = engine.new_state(calibrate_seconds=3)
            stopping = signals.catch()
            stopping.clear()  # a new round: the last one's SIGTERM is spent
            analyser = Analyser(estimator, state, 2.0)
            monitor = Monitor(watcher, camera, analyser, Clocks(), [], save_baseline=False, stopping=stopping)
            print(f"round {n}", flush=True)
            monitor.run()
            print(f"ended {n}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
