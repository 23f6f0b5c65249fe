"""The shell around the engine: frames in, events out, the same for camera and replay.

source -> pose -> features -> engine (faults, load, decision) -> sinks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from . import engine, features, model
from .calibration import Baseline
from .config import Config
from .engine import Event, Observation, State
from .pose import PoseEstimator
from .sampling import next_rate
from .sources import FrameSource, Sampler


def open_estimator(config: Config) -> PoseEstimator:
    """The pose model named by the config, verified, ready for VIDEO mode."""
    pose = config["pose"]
    return PoseEstimator(model.ensure(config), pose["max_people"], pose["min_detection_confidence"])


def observe(
    estimator: PoseEstimator, t: float, image: np.ndarray, config: Config
) -> tuple[str | None, features.Features]:
    """Pose and features of one frame."""
    landmarks = estimator.detect(t, image)
    height, width = image.shape[:2]
    return features.compute(landmarks, width, height, config["pose"]["min_visibility"], config["view"]["mode"])


@dataclass
class Stats:
    """What a run did, for the replay summary and the benchmarks."""

    frames_analysed: int = 0
    last_t: float = 0.0
    wall_seconds: float = 0.0


class Analyser:
    """One analysed frame through pose, features, the engine and the adaptive rate.

    Replay and the monitor both use it, so a frame is judged the same way
    whether it came from a file or the camera.
    """

    def __init__(self, estimator: PoseEstimator, state: State, fps: float) -> None:
        self.estimator, self.state, self.rate = estimator, state, fps
        self.previous: features.Features = {}

    def frame(
        self,
        t: float,
        image: np.ndarray,
        settings: Config,
        local: datetime,
        sampler: Sampler,
        do_not_disturb: bool = False,
    ) -> tuple[str | None, features.Features, list[Event]]:
        """(view, features, engine events) of one frame; sets ``sampler`` to the next analysis rate."""
        view, feats = observe(self.estimator, t, image, settings)
        found = engine.step(self.state, Observation(t, view, feats, local, do_not_disturb), settings)
        self.rate = next_rate(self.state, self.previous, feats, self.rate, settings)
        sampler.period = 1.0 / self.rate
        self.previous = feats
        return view, feats, found


def events(
    source: FrameSource,
    estimator: PoseEstimator,
    config: Callable[[], Config],
    state: State,
    stats: Stats,
    start: datetime,
    samples: bool = False,
) -> Iterator[Event]:
    """Run a recording through the pipeline, yielding the engine's events as they happen.

    ``config`` is called once per frame, so a reloaded config applies from the
    next frame. ``start`` is the local wall time of t = 0.
    """
    began = time.perf_counter()
    analyser = Analyser(estimator, state, config()["sampling"]["fps"])
    try:
        for t, image in source.frames():
            settings = config()
            view, feats, found = analyser.frame(t, image, settings, start + timedelta(seconds=t), source.sampler)
            stats.frames_analysed += 1
            stats.last_t = t
            if samples:
                yield {
                    "t": round(t, 3),
                    "event": "sample",
                    "view": view,
                    "features": {k: round(float(v), 4) for k, v in feats.items()},
                }
            for event in found:
                event["t"] = round(event["t"], 3)
                yield event
    finally:
        stats.wall_seconds = time.perf_counter() - began


def calibrate(source: FrameSource, estimator: PoseEstimator, config: Config, seconds: float) -> Baseline:
    """Record a baseline from the first ``seconds`` of a source."""
    samples: list[tuple[str | None, features.Features]] = []
    first: float | None = None
    for t, image in source.frames():
        first = t if first is None else first
        if t - first >= seconds:
            break
        samples.append(observe(estimator, t, image, config))
    return Baseline.from_samples(samples)
