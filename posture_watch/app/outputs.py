"""What the monitor tells its sinks besides the engine's events and the reminders.

Every output of the running monitor goes to every sink (``app.sinks``): the
engine's events (``core.events``), reminders (``advice.reminders.Reminder``)
and these. Each sink picks the types it shows or stores and ignores the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from ..advice.reminders import Reminder
from ..core.engine import Status
from ..core.events import Event
from ..core.features import Features
from .modes import Mode


class Tone(str, Enum):
    """How a note is meant: plain information, or a problem the user should act on."""

    INFO = "info"
    PROBLEM = "problem"


@dataclass(frozen=True)
class Note:
    """Something to tell the user once: on the terminal and, with a title, as a notification."""

    text: str
    title: str | None = None
    tone: Tone = Tone.INFO
    # A note with the same key replaces the one shown before (a calibration's progress, say).
    key: str | None = None


@dataclass(frozen=True)
class ModeChanged:
    before: Mode
    after: Mode
    # What the terminal calls the source: "camera 0", or the recording `run --source` plays.
    source: str


@dataclass(frozen=True)
class Sampled:
    """One analysed frame's features (empty when nobody was seen), at epoch ``at``, judged against ``profile``."""

    at: float
    features: Features
    profile: str | None = None


@dataclass(frozen=True)
class Tick:
    """Once per pass of the loop: everything a status display needs."""

    mode: Mode
    status: Status
    wall: datetime
    # Do-not-disturb holds reminders now.
    quiet: bool
    # Engine time now.
    t: float


@dataclass(frozen=True)
class Answered:
    """The user answered the reminder for alert ``alert_id``: "snoozed" or "done"."""

    alert_id: int
    answer: str


@dataclass(frozen=True)
class Coached:
    """A coach session begun at epoch ``at`` ended with ``summary`` (``coach --json``'s last line), answering the
    reminder for alert ``alert_id`` (None: Stretch now)."""

    alert_id: int | None
    at: float
    summary: Mapping[str, Any]


Output = Event | Reminder | Note | ModeChanged | Sampled | Tick | Answered | Coached
