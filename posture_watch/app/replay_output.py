"""What ``posture-watch replay`` prints: a JSON line per outcome for scripts, or a short account for a person.

Both take each :class:`~.replay.Step` as the replay yields it and end with
the replay's summary; the account describes each outcome in one line
(:func:`describe`) at its time in the recording, with a progress bar on a
terminal.
"""

from __future__ import annotations

import json
import sys

from ..advice.reminders import Reminder
from ..advice.wording import posture_name
from ..core import events as ev
from .pipeline import Outcome
from .replay import Replay, Step

# The indent of a reminder's body under its title.
INDENT = " " * 10


class JsonPrinter:
    """One JSON object per line: each outcome's ``to_dict()`` (and, with ``samples``, each analysed frame's)."""

    def __init__(self, samples: bool = False) -> None:
        self.samples = samples

    def step(self, step: Step) -> None:
        if self.samples:
            features = {k: round(float(v), 4) for k, v in step.features.items()}
            line = {"t": round(step.t, 3), "event": "sample", "view": step.view, "features": features}
            if step.quality is not None:
                line["quality"] = step.quality.to_dict()
            print(json.dumps(line), flush=True)
        for outcome in step.outcomes:
            print(json.dumps(outcome.to_dict()), flush=True)

    def summary(self, summary: dict) -> None:
        print(json.dumps(summary), flush=True)


class TextPrinter:
    """A short account for a person, with a progress bar on a terminal."""

    def __init__(self, replay: Replay) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=replay.frames_total, unit="frame", disable=not sys.stderr.isatty(), leave=False)
        self.source = replay

    def step(self, step: Step) -> None:
        self.bar.update(self.source.frames_read - self.bar.n)
        for outcome in step.outcomes:
            line = describe(outcome)
            if line:
                self.bar.write(f"{clock(outcome.t)}  {line}")

    def summary(self, summary: dict) -> None:
        self.bar.close()
        speed = summary["video_seconds"] / summary["wall_seconds"] if summary["wall_seconds"] else 0
        print(
            f"{summary['frames_analysed']} of {summary['frames_read']} frames analysed, "
            f"{summary['alerts']} reminder(s), {summary['wall_seconds']:.1f} s ({speed:.1f}x real time)"
        )


def describe(outcome: Outcome) -> str:
    """One outcome in words for the account; empty for those it leaves out (presence changes)."""
    match outcome:
        case Reminder(title=title, body=body):
            return f"REMINDER  {title}\n{INDENT}{body.replace(chr(10), chr(10) + INDENT)}"
        case ev.Calibrated(view=view, frames=frames):
            return f"calibrated ({view} view, {frames} frames)"
        case ev.CalibrationWaiting():
            return "waiting for someone to sit in view to calibrate"
        case ev.FaultStart(fault=fault, side=side):
            return f"{posture_name(fault, side)}: started"
        case ev.FaultEnd(fault=fault, side=side, held_seconds=held):
            return f"{posture_name(fault, side)}: ended after {held:.0f} s"
        case ev.Away():
            return "away"
        case ev.Back(away_seconds=seconds):
            return f"back after {seconds:.0f} s"
        case ev.Break():
            return "that counts as a break"
        case ev.CameraMoved():
            return "the camera seems to have moved: calibrate again"
        case ev.ProfileChosen(profile=profile, standing=standing):
            return f"profile {profile}" + (" (standing)" if standing else "")
        case _:
            return ""


def clock(t: float) -> str:
    """Seconds into the recording as H:MM:SS."""
    minutes, seconds = divmod(int(t), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"
