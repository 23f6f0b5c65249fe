"""The one pipeline, frame to advice, the same for the camera and for replay.

source -> pose -> features -> engine (faults, load, presence, decision) ->
advice (stretch and words) -> sinks (notification, tray, history, terminal).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from ..advice.reminders import Advisor, Reminder
from ..config import Config
from ..core import engine, features
from ..core.baseline import Baseline
from ..core.engine import CameraSays, Observation, State
from ..core.events import Alert, Event
from ..core.rate import next_rate
from ..sense import model
from ..sense.pose import PoseEstimator
from ..sense.quality import Quality, measure
from ..sense.video import Frame, Sampler
from .clocks import later

# What one step of the pipeline gives: the engine's events, with alerts turned into reminders.
Outcome = Event | Reminder


def open_estimator(config: Config) -> PoseEstimator:
    """The pose model named by the config, verified, ready for VIDEO mode."""
    pose = config["pose"]
    return PoseEstimator(model.ensure(config), pose["max_people"], pose["min_detection_confidence"], pose["min_size"])


def sense(
    estimator: PoseEstimator, t: float, image: np.ndarray, settings: Config, baseline: Baseline | None = None
) -> tuple[np.ndarray | None, str | None, features.Features]:
    """The pose and the posture features of one frame: (landmarks, view, features).

    ``baseline``, the user's neutral, tells the user from anyone else in view.
    """
    landmarks = estimator.detect(t, image, baseline)
    height, width = image.shape[:2]
    pose = settings["pose"]
    view, feats = features.compute(landmarks, width, height, pose["min_visibility"], settings["view"]["mode"])
    return landmarks, view, feats


def neutral(state: State) -> Baseline | None:
    """The neutral that tells the user from others in view: none while a new one is taken (the old may not fit)."""
    return None if state.calibrating else state.baseline


@dataclass
class Stats:
    """What a run did, for the replay summary and the benchmarks."""

    frames_analysed: int = 0
    last_t: float = 0.0
    wall_seconds: float = 0.0


class Analyser:
    """Frames and camera states through pose, features, the engine, advice and the adaptive rate.

    Replay and the monitor both use it, so a frame is judged the same way
    whether it came from a file or the camera.
    """

    def __init__(self, estimator: PoseEstimator, state: State, fps: float) -> None:
        self.estimator, self.state, self.rate = estimator, state, fps
        self.advisor = Advisor()
        self.previous: features.Features = {}
        self.status: engine.Status | None = None
        # The picture quality of the last analysed frame.
        self.quality: Quality | None = None

    def frame(
        self, t: float, image: np.ndarray, settings: Config, wall: datetime, sampler: Sampler, dnd: bool = False
    ) -> tuple[str | None, features.Features, list[Outcome]]:
        """(view, features, outcomes) of one frame; sets ``sampler`` to the next analysis rate.

        A frame too poor to judge (``quality``) has no view and no features: its posture is unknown.
        """
        landmarks, view, feats = sense(self.estimator, t, image, settings, neutral(self.state))
        self.quality = measure(image, landmarks)
        if self.quality.poor:
            # Too dark or noisy to judge: someone sits there, found by the model or not, in an unknown posture.
            view, feats = None, {}
            obs = Observation(t, wall=wall, do_not_disturb=dnd, camera=CameraSays.DIM)
        else:
            obs = Observation(t, view, feats, wall, dnd)
        outcomes = self.tell(obs, settings)
        self.status = engine.status(self.state, settings.core)
        self.rate = next_rate(self.status, self.previous, feats, self.rate, settings.core)
        sampler.period = 1.0 / self.rate
        self.previous = feats
        return view, feats, outcomes

    def tell(self, obs: Observation, settings: Config) -> list[Outcome]:
        """Step the engine with an observation (a frame's, or the camera's state) and advise on its alerts."""
        return [
            self.advisor.remind(e, settings) if isinstance(e, Alert) else e
            for e in engine.step(self.state, obs, settings.core)
        ]


def replay(
    frames: Iterator[Frame],
    analyser: Analyser,
    config: Callable[[], Config],
    sampler: Sampler,
    stats: Stats,
    start: datetime,
) -> Iterator[tuple[float, str | None, features.Features, list[Outcome]]]:
    """Run a recording's frames through the pipeline: (t, view, features, outcomes) per analysed frame.

    ``config`` is called once per frame, so a reloaded config applies from the
    next frame. ``start`` is the (aware) local wall time of t = 0.
    """
    began = time.perf_counter()
    try:
        for t, image in frames:
            view, feats, outcomes = analyser.frame(t, image, config(), later(start, t), sampler)
            stats.frames_analysed += 1
            stats.last_t = t
            yield t, view, feats, outcomes
    finally:
        stats.wall_seconds = time.perf_counter() - began
