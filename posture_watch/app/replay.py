"""``posture-watch replay``: a recording through the whole pipeline, as fast as the machine allows.

The same :class:`~.pipeline.Analyser` the monitor uses judges each analysed
frame; a history file, when asked for, records the replay as the monitor
records a day, and ``--plot`` draws each fault's score to tune the settings.
``app.replay_output`` prints what :meth:`Replay.steps` yields.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

import cv2

from .. import localtime
from ..advice.reminders import Reminder
from ..config import Config
from ..core.features import Features
from ..errors import UserError
from ..history.store import Recorder, busy_until, connect
from ..sense.quality import Quality
from ..sense.video import VideoFile
from . import baselines, plot
from .pipeline import Analyser, Outcome, Stats, open_estimator, replay


@dataclass(frozen=True)
class Step:
    """One analysed frame: its time in the recording, the view and features, and what the pipeline made of it."""

    t: float
    view: str | None
    features: Features
    outcomes: list[Outcome]
    quality: Quality | None = None


class Replay:
    """One replay of ``video``; checks everything it can before the first frame, then yields :class:`Step`."""

    def __init__(
        self,
        video: Path,
        settings: Config,
        calibrate: float | None = None,
        history: Path | None = None,
        plot_to: Path | None = None,
        start: datetime | None = None,
        profile: str | None = None,
    ) -> None:
        """``start`` is the local time the recording began, for the history (default: when the file was made);
        ``profile`` the stored profile to begin with."""
        if plot_to is not None:
            plot.check(plot_to)
        self.video, self.settings, self.calibrate, self.plot_to = video, settings, calibrate, plot_to
        self.state = baselines.resolve(settings, calibrate, required=True, profile=profile)
        self.source = VideoFile(video, settings["sampling"]["fps"])
        count = int(self.source.capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.frames_total: int | None = count if count > 0 else None
        fps = self.source.file_fps
        length = count / fps if count > 0 and fps else 0.0
        # Said when the replay was moved so as not to overlap what the history already holds.
        self.moved: str | None = None
        self.recorder: Recorder | None = None
        self.start = start if start is not None else _recorded_at(video, length)
        if history is not None:
            try:
                self.start = self._place(history, start, length)
                self.recorder = Recorder(history, f"replay:{video.name}", self.start.timestamp())
            except UserError:
                self.source.close()
                raise
            if self.recorder.failing:
                self.source.close()
                raise UserError(f"{history}: cannot write the history there; give a file in a writable folder")
        self.stats = Stats()
        # The reminders given so far: the summary's "alerts".
        self.reminders = 0
        # Per analysed frame (t, readings), and the outcomes, for the plot.
        self._scores: list[plot.Sample] = []
        self._plotted: list[Outcome] = []

    def _place(self, history: Path, asked: datetime | None, length: float) -> datetime:
        """Where the replay goes in the history: at its start, never over a session already there."""
        if not history.exists():
            return self.start
        try:
            db = connect(history)
        except (sqlite3.Error, OSError):
            return self.start  # the Recorder says what is wrong with it
        try:
            taken = busy_until(db, self.start.timestamp(), self.start.timestamp() + length)
        finally:
            db.close()
        if taken is None:
            return self.start
        if asked is not None:
            raise UserError(
                f"--start {asked:%Y-%m-%dT%H:%M} would overlap a session already in {history}; "
                f"give a --start after {localtime.local(taken):%Y-%m-%dT%H:%M:%S}"
            )
        moved = localtime.local(math.ceil(taken)).replace(microsecond=0)
        self.moved = f"{history} already holds {self.start:%H:%M}; the replay is placed at {moved:%Y-%m-%dT%H:%M:%S}"
        return moved

    @property
    def frames_read(self) -> int:
        return self.source.frames_read

    def steps(self) -> Iterator[Step]:
        """Each analysed frame's step, recorded in the history as it happens."""
        settings, recorder, source = self.settings, self.recorder, self.source
        try:
            with open_estimator(settings) as estimator:
                analyser = Analyser(estimator, self.state, settings["sampling"]["fps"])
                frames = replay(source.frames(), analyser, lambda: settings, source.sampler, self.stats, self.start)
                for t, view, feats, outcomes in frames:
                    self.reminders += sum(isinstance(outcome, Reminder) for outcome in outcomes)
                    if recorder is not None:
                        recorder.sample(self.start.timestamp() + t, feats, self.state.profile)
                        for outcome in outcomes:
                            recorder.record(outcome)
                    if self.plot_to is not None:
                        self._scores.append((t, plot.readings(self.state, view, feats, settings)))
                        self._plotted.extend(outcomes)
                    yield Step(t, view, feats, outcomes, analyser.quality)
        finally:
            if recorder is not None:
                recorder.close(self.start.timestamp() + self.stats.last_t)

    def summary(self) -> dict[str, object]:
        """The last line of ``replay --json``; its ``alerts`` are the reminders given."""
        stats = self.stats
        return {
            "t": round(stats.last_t, 3),
            "event": "summary",
            "frames_read": self.frames_read,
            "frames_analysed": stats.frames_analysed,
            "wall_seconds": round(stats.wall_seconds, 3),
            "video_seconds": round(stats.last_t, 3),
            "alerts": self.reminders,
        }

    def finish(self) -> Path | None:
        """Say what went wrong with the calibration, if anything; draw the plot; the plot's path, if any."""
        if self.state.calibrating:
            assert self.calibrate is not None
            length = self.stats.last_t
            if length < self.calibrate:
                raise UserError(
                    f"{self.video} is only {length:.0f} s long, shorter than --calibrate {self.calibrate:g}; "
                    "give fewer seconds"
                )
            raise UserError(
                f"{self.video}: nobody was in view long enough to calibrate ({self.calibrate:g} s were needed); "
                "record yourself sitting well, facing the camera, at the start"
            )
        if self.plot_to is None:
            return None
        plot.write(self.plot_to, self._scores, self._plotted, self.settings, self.video.name)
        return self.plot_to

    def __enter__(self) -> Replay:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.source.close()


def _recorded_at(video: Path, length: float) -> datetime:
    """When a recording began, as far as the file tells: written until its last change, ``length`` seconds long."""
    ended = video.stat().st_mtime
    return localtime.local(ended - length).replace(microsecond=0)
