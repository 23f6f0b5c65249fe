"""How long the camera is open in sampling mode, and how much later that makes the first reminder.

    python benchmarks/camera.py [--minutes 10] [--hold-minutes 5] [--open-seconds 0.5] [--ramp-seconds 1.0]

The monitor's own :class:`~posture_watch.sense.camera.Camera` at default
settings is driven by a simulated webcam on a simulated clock: it takes
``--open-seconds`` to open (0.1-0.5 s is usual on Linux, 1-3 s with Windows'
Media Foundation), its picture ramps up from a fifth of its brightness over
``--ramp-seconds`` after each opening (auto-exposure finding the light), every
grab takes 1/30 s (a 30 fps device), and the picture it gives is the frame of
a generated recording at that moment. Each analysed frame goes through the
real pipeline (:class:`~posture_watch.app.pipeline.Analyser`: pose model,
features, engine, adaptive rate), and the simulated clock moves on by the
time that analysis really took, so the device stays open while a frame of
its sample is being analysed, as it does in the monitor. The loop does what
``Monitor._analyse`` does with the camera (``idle`` when away, held open
while calibrating, ``urgent`` while a fault is being decided). No real time
passes between samples, so ten minutes are simulated in a minute or two.

Prints:

- for a user sitting steadily (a neutral recording, after calibration): the
  seconds the device takes to open and to settle (as the camera measured
  them), stays open per sample (``Camera.open_seconds / Camera.samples``),
  the share of the time it is open (target at most 10 %), the sample
  interval it stretched to, and the analysed frames' brightness against the
  settled picture's (target at least 97 %);
- for a forward-head recording: the time of the first reminder in sampling
  mode (the default on Linux and Windows) and with ``camera.mode =
  "continuous"``, and the difference.

``--open-seconds 0 --ramp-seconds 0`` is a device that opens at once with a
settled picture.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("POSTURE_WATCH_MODEL", str(ROOT.parent / "shared" / "models" / "pose_landmarker_lite.task"))

import cv2  # noqa: E402
from make_test_videos import Timeline, make_video  # noqa: E402

from posture_watch import config  # noqa: E402
from posture_watch.advice.reminders import Reminder  # noqa: E402
from posture_watch.app.pipeline import Analyser, open_estimator  # noqa: E402
from posture_watch.core import engine  # noqa: E402
from posture_watch.core.events import Calibrated  # noqa: E402
from posture_watch.sense.camera import Camera  # noqa: E402
from posture_watch.sense.devices import Device  # noqa: E402

GRAB = 1 / 30  # seconds a 30 fps webcam takes per frame
# A weekday morning, outside any quiet hours: reminders are not held for the time of day.
WALL_START = datetime(2026, 11, 24, 10, 0, 0, tzinfo=timezone.utc)


class Clock:
    """Simulated monotonic time; ``wait`` returns at once, having moved it on."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def wait(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


class Broadcast:
    """A recording as what a webcam would show at each moment of the simulated clock."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.capture = cv2.VideoCapture(str(path))
        self.fps = self.capture.get(cv2.CAP_PROP_FPS)
        self.frames = int(self.capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.clock = clock
        self.position = -1
        self.image = None

    @property
    def over(self) -> bool:
        return int(self.clock.now * self.fps) >= self.frames

    def picture(self):
        """The frame showing now: later frames are skipped without being decoded."""
        index = min(int(self.clock.now * self.fps), self.frames - 1)
        while self.position < index:
            self.capture.grab()
            self.position += 1
            self.image = None
        if self.image is None:
            _, self.image = self.capture.retrieve()
        return self.image


class SimulatedWebcam:
    """One opening of the simulated device (the ``Capture`` protocol): slow to open, dark at first, 30 fps."""

    def __init__(self, broadcast: Broadcast, open_seconds: float, ramp_seconds: float) -> None:
        self.broadcast = broadcast
        self.finished = False
        broadcast.clock.now += open_seconds
        self.opened = broadcast.clock.now
        self.ramp_seconds = ramp_seconds

    def exposure(self) -> float:
        """The picture's brightness against the settled one: from 0.2 up to 1 over the ramp, smoothly."""
        if self.ramp_seconds <= 0:
            return 1.0
        x = min((self.broadcast.clock.now - self.opened) / self.ramp_seconds, 1.0)
        return 0.2 + 0.8 * x * x * (3 - 2 * x)

    def isOpened(self) -> bool:
        return True

    def grab(self) -> bool:
        self.broadcast.clock.now += GRAB
        self.finished = self.broadcast.over
        return not self.finished

    def retrieve(self):
        picture = self.broadcast.picture()
        exposure = self.exposure()
        if exposure >= 1.0:
            return True, picture.copy()
        return True, cv2.convertScaleAbs(picture, alpha=exposure)

    def set(self, prop: int, value: float) -> bool:
        return True

    def release(self) -> None:
        pass


def simulate(
    video: Path, settings: config.Config, calibrate: float = 10.0, open_seconds: float = 0.5, ramp_seconds: float = 1.0
) -> dict:
    """The monitor's camera handling and pipeline over ``video`` on a simulated clock.

    The steady figures count from the first time the camera is let go after
    calibration (calibrating holds it open).
    """
    with open_estimator(settings) as estimator:
        return _simulate(video, settings, estimator, calibrate, open_seconds, ramp_seconds)


def _simulate(
    video: Path, settings: config.Config, estimator, calibrate: float, open_seconds: float, ramp_seconds: float
) -> dict:
    clock = Clock()
    broadcast = Broadcast(video, clock)
    webcams: list[SimulatedWebcam] = []
    exposures: list[float] = []  # each analysed frame's brightness against the settled picture

    def open_webcam(index: int) -> SimulatedWebcam:
        webcams.append(SimulatedWebcam(broadcast, open_seconds, ramp_seconds))
        return webcams[-1]

    fps = settings["sampling"]["fps"]
    camera = Camera(
        settings,
        fps,
        opener=open_webcam,
        find=lambda spec: Device(0, "simulated", "simulated webcam"),
        clock=clock,
        wait=clock.wait,
    )
    state = engine.new_state(calibrate_seconds=calibrate)
    analyser = Analyser(estimator, state, fps)
    camera.hold_open = state.calibrating
    calibrated = False
    steady_from = None  # (clock, open seconds, samples) when the camera was first let go after calibrating
    first_reminder = None
    analysed = 0
    analysis_seconds = 0.0
    while not camera.finished and not broadcast.over:
        if calibrated and steady_from is None and camera.capture is None:
            steady_from = (clock.now, camera.open_seconds, camera.samples)
        frame = camera.next_frame()
        if frame is None:
            continue
        t, image = frame
        exposures.append(webcams[-1].exposure())
        began = time.perf_counter()
        _, _, outcomes = analyser.frame(t, image, settings, WALL_START + timedelta(seconds=t), camera.sampler)
        spent = time.perf_counter() - began
        clock.now += spent  # the device stays open while its frame is analysed
        analysed += 1
        analysis_seconds += spent
        away_for = t - state.away_since if state.away_since is not None else 0.0
        camera.idle = away_for >= settings["camera"]["release_after_away_seconds"]
        camera.hold_open = state.calibrating
        camera.urgent = analyser.status is not None and analyser.status.deciding
        for outcome in outcomes:
            calibrated = calibrated or isinstance(outcome, Calibrated)
            if isinstance(outcome, Reminder) and first_reminder is None:
                first_reminder = {"t": round(outcome.alert.t, 1), "fault": outcome.alert.fault}
    camera.close()
    end = clock.now
    start, open_before, samples_before = steady_from or (0.0, 0.0, 0)
    samples = camera.samples - samples_before
    open_seconds = camera.open_seconds - open_before
    key = camera.device.id
    return {
        "open_seconds_device": round(camera.opening.get(key, 0.0), 3),
        "settle_seconds": round(camera.settling_time.get(key, 0.0), 3),
        "sample_interval_stretched_to": round(camera.gap(), 1),
        "unsettled_samples": camera.unsettled,
        "lowest_exposure_analysed": round(min(exposures), 3) if exposures else None,
        "simulated_seconds": round(end - start, 1),
        "samples": samples,
        "open_seconds": round(open_seconds, 2),
        "open_seconds_per_sample": round(open_seconds / samples, 3) if samples else None,
        "open_share": round(open_seconds / (end - start), 4) if end > start else None,
        "frames_analysed": analysed,
        "analysis_ms_per_frame": round(analysis_seconds / analysed * 1000, 1) if analysed else None,
        "first_reminder": first_reminder,
        "calibrated": calibrated,
    }


def with_mode(mode: str) -> config.Config:
    return config.defaults().with_changes(camera__mode=mode)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="simulated minutes of steady sitting")
    parser.add_argument("--hold-minutes", type=float, default=8.0, help="minutes of forward head after the onset")
    parser.add_argument("--open-seconds", type=float, default=0.5, help="how long the device takes to open")
    parser.add_argument("--ramp-seconds", type=float, default=1.0, help="how long its picture takes to brighten")
    args = parser.parse_args()
    defaults = config.defaults()["camera"]
    device = {"open_seconds": args.open_seconds, "ramp_seconds": args.ramp_seconds}
    result: dict = {
        "camera_defaults": {k: defaults[k] for k in ("sample_interval_seconds", "settle_seconds", "sample_frames")},
        "device": device,
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("making recordings...", flush=True)
        steady_video = make_video(folder / "neutral.mp4", "neutral", args.minutes * 60 + 15, 10)
        onset = 60.0
        forward_video = make_video(
            folder / "forward_head.mp4",
            "forward_head",
            onset + args.hold_minutes * 60,
            10,
            Timeline(onset=onset, ramp=5),
        )

        steady = simulate(steady_video, with_mode("sampling"), **device)
        result["steady_sampling"] = steady
        print(
            f"sitting steadily, sampling mode, {steady['simulated_seconds'] / 60:.1f} simulated min: "
            f"opening {steady['open_seconds_device']:.2f} s, settling {steady['settle_seconds']:.2f} s; "
            f"{steady['samples']} samples, open {steady['open_seconds_per_sample']:.2f} s per sample, "
            f"{steady['open_share'] * 100:.1f} % of the time (target at most 10 %), interval stretched to "
            f"{steady['sample_interval_stretched_to']:g} s; analysed frames at least "
            f"{steady['lowest_exposure_analysed'] * 100:.0f} % of the settled brightness; "
            f"{steady['frames_analysed']} frames analysed at {steady['analysis_ms_per_frame']} ms",
            flush=True,
        )

        times = {}
        for mode in ("sampling", "continuous"):
            run = simulate(forward_video, with_mode(mode), **device)
            result[f"forward_head_{mode}"] = run
            reminder = run["first_reminder"]
            times[mode] = reminder["t"] if reminder else None
            print(
                f"forward head from {onset:g} s, {mode}: first reminder at {times[mode]} s "
                f"({reminder['fault'] if reminder else 'none'}); camera open {run['open_share'] * 100:.1f} % "
                f"of the time, {run['frames_analysed']} frames analysed",
                flush=True,
            )
        if None not in times.values():
            later = times["sampling"] - times["continuous"]
            result["first_reminder_later_seconds"] = round(later, 1)
            print(f"first reminder in sampling mode: {later:+.1f} s against continuous")
    print()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
