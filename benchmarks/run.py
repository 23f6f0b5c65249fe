"""posture-watch benchmark: what the monitor costs, measured against the bare pose model.

    python benchmarks/run.py [--minutes 10] [--drift-minutes 60]

Prints a table. Needs the test extras (pip install '.[test]') and the pose
model ($POSTURE_WATCH_MODEL, or ../shared/models/pose_landmarker_lite.task).
It generates its recordings in a temporary folder with scripts/make_test_videos.py.
Linux only (CPU time and RSS come from the kernel's accounting).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("POSTURE_WATCH_MODEL", str(ROOT.parent / "shared" / "models" / "pose_landmarker_lite.task"))

import cv2  # noqa: E402
import mediapipe as mp  # noqa: E402
from make_test_videos import Timeline, make_video  # noqa: E402
from mediapipe.tasks.python import BaseOptions, vision  # noqa: E402
from soak import rss_mb  # noqa: E402

from posture_watch import config  # noqa: E402
from posture_watch.app.pipeline import Analyser, Stats, open_estimator  # noqa: E402
from posture_watch.app.pipeline import replay as run_pipeline  # noqa: E402
from posture_watch.core import engine  # noqa: E402
from posture_watch.sense.pose import PoseEstimator  # noqa: E402
from posture_watch.sense.video import VideoFile  # noqa: E402

# The wall time each replay starts at (aware, as the monitor's are).
NOW = datetime.now(timezone.utc)

MODEL = Path(os.environ["POSTURE_WATCH_MODEL"])
ROWS: list[tuple[str, str]] = []


def row(name: str, value: str) -> None:
    ROWS.append((name, value))
    print(f"  {name}: {value}", flush=True)


def model_load_seconds() -> float:
    times = []
    for _ in range(3):
        began = time.perf_counter()
        with PoseEstimator(MODEL):
            times.append(time.perf_counter() - began)
    return statistics.median(times)


def bare_inference_ms(video: Path, frames: int = 150) -> float:
    """The floor: PoseLandmarker alone on ready RGB frames, VIDEO mode."""
    capture = cv2.VideoCapture(str(video))
    images = []
    while len(images) < frames:
        ok, bgr = capture.read()
        if not ok:
            break
        images.append(mp.Image(image_format=mp.ImageFormat.SRGB, data=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    capture.release()
    options = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(MODEL)), running_mode=vision.RunningMode.VIDEO, num_poses=2
    )
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        for i, image in enumerate(images[:10]):  # warm-up
            landmarker.detect_for_video(image, i)
        began = time.perf_counter()
        for i, image in enumerate(images):
            landmarker.detect_for_video(image, 1000 + i * 100)
        return (time.perf_counter() - began) / len(images) * 1000


def settings_with(**sampling) -> config.Config:
    settings = config.defaults()
    settings["sampling"].update(sampling)
    return settings


def replay(video: Path, settings: config.Config, calibrate: float = 5.0) -> tuple[Stats, list[dict], float]:
    """The replay pipeline in this process: (stats, events, CPU seconds)."""
    source = VideoFile(video, settings["sampling"]["fps"])
    state = engine.new_state(calibrate_seconds=calibrate)
    stats = Stats()
    cpu = time.process_time()
    with open_estimator(settings) as estimator:
        analyser = Analyser(estimator, state, settings["sampling"]["fps"])
        steps = run_pipeline(source.frames(), analyser, lambda: settings, source.sampler, stats, NOW)
        out = [o.to_dict() for *_, outcomes in steps for o in outcomes]
    source.close()
    return stats, out, time.process_time() - cpu


def pipeline_ms_per_frame(video: Path) -> float:
    """Decode, convert, inference, features and engine, every frame analysed."""
    settings = settings_with(fps=30.0, adaptive=False)
    stats, _, _ = replay(video, settings)
    return stats.wall_seconds / stats.frames_analysed * 1000


PEER = textwrap.dedent("""
    # A minimal webcam posture loop like today's monitors: every frame read and
    # converted, the lite model run 4 times a second, paced like a webcam.
    import sys, time, cv2, mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision
    path, model = sys.argv[1], sys.argv[2]
    cap = cv2.VideoCapture(path)
    fps = cap.get(cv2.CAP_PROP_FPS)
    opts = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=model),
                                        running_mode=vision.RunningMode.VIDEO)
    with vision.PoseLandmarker.create_from_options(opts) as lm:
        start, i, next_t = time.monotonic(), 0, 0.0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            t = i / fps
            i += 1
            time.sleep(max(0.0, start + t - time.monotonic()))
            rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            if t >= next_t:
                next_t += 0.25
                lm.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), int(t * 1000))
""")


def run_measured(*commands: list[str], env: dict[str, str]) -> list[tuple[float, float]]:
    """(CPU seconds, peak RSS in MB) of each command, run side by side to their ends.

    The peak comes from the kernel's VmHWM while the process runs: the
    ru_maxrss that wait4 reports also counts the benchmark's own memory,
    which the child inherits until it execs.
    """
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for c in commands]
    peaks = [0.0] * len(procs)
    cpu: list[float | None] = [None] * len(procs)
    while None in cpu:
        for i, proc in enumerate(procs):
            if cpu[i] is not None:
                continue
            try:
                for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peaks[i] = max(peaks[i], int(line.split()[1]) / 1024)
            except OSError:
                pass
            pid, _, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = 0
                cpu[i] = usage.ru_utime + usage.ru_stime
        time.sleep(0.5)
    return [(c or 0.0, peak) for c, peak in zip(cpu, peaks, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the real-time monitoring run")
    parser.add_argument("--drift-minutes", type=float, default=60.0, help="replayed minutes for the RSS drift")
    args = parser.parse_args()
    print(
        f"posture-watch benchmark on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("making recordings...", flush=True)
        v640_30 = make_video(folder / "n640x30.mp4", "neutral", 120, 30)
        monitor_video = make_video(
            folder / "monitor.mp4", "forward_head", args.minutes * 60, 10, Timeline(onset=args.minutes * 30, ramp=5)
        )

        row("model load (lite)", f"{model_load_seconds() * 1000:.0f} ms")
        floor = bare_inference_ms(v640_30)
        row("bare PoseLandmarker, 640x480", f"{floor:.1f} ms/frame")
        whole = pipeline_ms_per_frame(v640_30)
        row("whole pipeline per analysed frame", f"{whole:.1f} ms/frame ({whole / floor:.2f}x the bare model)")

        stats, _, _ = replay(v640_30, config.defaults())
        row(
            "replay of 30 fps 640x480 at defaults",
            f"{stats.last_t / stats.wall_seconds:.1f}x real time "
            f"({stats.frames_analysed} of {int(stats.last_t * 30)} frames analysed)",
        )

        env = {
            **os.environ,
            "XDG_STATE_HOME": str(folder / "state"),
            "XDG_DATA_HOME": str(folder / "data"),
            "XDG_CONFIG_HOME": str(folder / "config"),
        }
        peer_script = folder / "peer.py"
        peer_script.write_text(PEER)
        print(f"monitoring {args.minutes:g} min in real time (ours and the peer loop side by side)...", flush=True)
        (ours, ours_rss), (peer, _) = run_measured(
            [
                sys.executable,
                "-m",
                "posture_watch",
                "run",
                "--no-tray",
                "--source",
                str(monitor_video),
                "--calibrate",
                "10",
            ],
            [sys.executable, str(peer_script), str(monitor_video), str(MODEL)],
            env=env,
        )
        per_min = ours / args.minutes
        row(
            "monitoring at defaults (run --no-tray --source, 640x480 10 fps)",
            f"{per_min:.2f} CPU s/min = {per_min / 60 * 100:.2f}% of one core",
        )
        row(
            "peer-style loop (every frame read, 4 analysed/s)",
            f"{peer / args.minutes:.2f} CPU s/min = {peer / args.minutes / 60 * 100:.2f}% of one core; "
            f"ours is {ours / peer:.2f}x of it",
        )

        print(f"replaying {args.drift_minutes:g} min for memory...", flush=True)
        settings = config.defaults()
        state = engine.new_state(calibrate_seconds=5)
        offset, samples = 0.0, []
        with open_estimator(settings) as estimator:
            analyser = Analyser(estimator, state, settings["sampling"]["fps"])
            while offset < args.drift_minutes * 60:
                source = VideoFile(v640_30, settings["sampling"]["fps"])
                stats = Stats()
                shifted = ((t + offset, image) for t, image in source.frames())
                for _ in run_pipeline(shifted, analyser, lambda: settings, source.sampler, stats, NOW):
                    pass
                source.close()
                offset += stats.last_t + 1 / 30
                samples.append((offset / 60, rss_mb()))
        warm = [s for s in samples if s[0] >= 5] or samples
        hours = (warm[-1][0] - warm[0][0]) / 60 or 1
        row("peak RSS of the monitor", f"{ours_rss:.0f} MB")
        row(
            f"RSS drift over {args.drift_minutes:g} min of replay",
            f"{(warm[-1][1] - warm[0][1]) / hours:+.1f} MB per hour ({warm[0][1]:.0f} -> {warm[-1][1]:.0f} MB)",
        )

        print("alert timing, adaptive defaults against fixed 4 fps...", flush=True)
        cfg = {"hold_seconds": 20}
        worst = 0.0
        for scenario in ("forward_head", "slouch", "head_tilt", "trunk_lean", "too_close"):
            video = make_video(folder / f"{scenario}.mp4", scenario, 60, 10, Timeline(onset=15))
            times = []
            for sampling in ({}, {"fps": 4.0, "adaptive": False}):
                s = settings_with(**sampling)
                s["faults"][scenario].update(cfg)
                s["notify"]["min_gap_minutes"] = 0.0
                _, evs, _ = replay(video, s, calibrate=10)
                times.append(next((e["t"] for e in evs if e["event"] == "alert" and e["fault"] == scenario), None))
            if None not in times:
                worst = max(worst, times[0] - times[1])
            row(f"  alert {scenario}", f"adaptive {times[0]} s, fixed 4 fps {times[1]} s")
        row("latest adaptive alert against fixed 4 fps", f"{worst:+.1f} s")
    print()
    print(json.dumps(dict(ROWS), indent=2))


if __name__ == "__main__":
    main()
