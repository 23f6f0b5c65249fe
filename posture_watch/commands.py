"""What the user asks of the running monitor: typed commands from the tray, notification buttons and signals.

The tray menu, a notification's buttons and the signal handlers make these;
the monitor takes them off one queue and carries each out on its own thread.
Being types rather than strings, a command that nothing handles is a type
error to the reader and a failing test, never a click silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Pause:
    """Stop watching (the camera is let go) for ``seconds``, or until the next morning when None."""

    seconds: float | None = None


@dataclass(frozen=True)
class Resume:
    """End a pause now."""


@dataclass(frozen=True)
class Snooze:
    """Hold reminders for ``minutes`` (None: the configured ``notify.snooze_minutes``); watching goes on."""

    minutes: float | None = None


@dataclass(frozen=True)
class ResumeReminders:
    """End a snooze now."""


@dataclass(frozen=True)
class Calibrate:
    """Take a new neutral posture from the next seconds the user is seen."""


@dataclass(frozen=True)
class Stand:
    """The user stands at the desk (``standing``) or sits again: the standing profile's neutral, or the sitting
    one's."""

    standing: bool


@dataclass(frozen=True)
class UseProfile:
    """Judge against the neutral of the stored profile ``name`` (one setup of this camera) from now on."""

    name: str


@dataclass(frozen=True)
class Summary:
    """Open the report page of today, this week or this month."""

    period: Literal["day", "week", "month"] = "day"


@dataclass(frozen=True)
class OpenSettings:
    """Open the settings file in the desktop's editor (creating it first)."""


@dataclass(frozen=True)
class Quit:
    """End the monitor."""


@dataclass(frozen=True)
class Answer:
    """A button pressed on the reminder for alert ``alert_id``: "snoozed", "done", or "start" (the coach)."""

    alert_id: int
    answer: Literal["snoozed", "done", "start"]


@dataclass(frozen=True)
class StretchNow:
    """Open the coach with the stretch for the muscles most loaded today."""


Command = (
    Pause
    | Resume
    | Snooze
    | ResumeReminders
    | Calibrate
    | Stand
    | UseProfile
    | Summary
    | OpenSettings
    | Quit
    | Answer
    | StretchNow
)
