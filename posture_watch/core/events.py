"""What the decision core says happened: typed, frozen events, each carrying its times.

Every event has ``t``, the engine time at which it was decided (a monotonic
clock live, the position in the file on replay), and ``wall``, the local
wall time of that moment when the observation carried one. Events about a
stretch of time also carry when it began (``since`` and ``since_wall``), so
history records what the event describes, not when the shell got to it.

``to_dict`` gives the JSON form that ``replay --json`` prints.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar


@dataclass(frozen=True)
class Event:
    """Base of all events."""

    kind: ClassVar[str] = "event"
    t: float
    wall: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"t": ..., "event": kind, ...}`` with times rounded to milliseconds."""
        return json_fields(self)


def json_fields(event: Any, digits: int = 3) -> dict[str, Any]:
    """A dataclass event as ``{"t": ..., "event": its kind, ...}``: its fields but the wall times, numbers
    rounded to ``digits`` (``t`` to milliseconds). The engine's events and the coach's share it."""
    out: dict[str, Any] = {"t": round(event.t, 3), "event": event.kind}
    for f in fields(event):
        if f.name not in ("t", "wall", "since_wall"):
            value = getattr(event, f.name)
            out[f.name] = round(value, digits) if isinstance(value, float) else value
    return out


@dataclass(frozen=True)
class Calibrated(Event):
    """A new neutral baseline was taken."""

    kind: ClassVar[str] = "calibrated"
    view: str
    frames: int
    baseline: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["baseline"] = {k: round(v, 4) for k, v in self.baseline.items()}
        return out


@dataclass(frozen=True)
class CalibrationWaiting(Event):
    """Calibration is due but nobody (or too little) was seen: it waits for the user to sit in view."""

    kind: ClassVar[str] = "calibration_waiting"
    frames_seen: int


@dataclass(frozen=True)
class FaultStart(Event):
    """A posture fault began at ``since`` (confirmed by the vote at ``t``)."""

    kind: ClassVar[str] = "fault_start"
    fault: str
    side: str | None
    since: float
    since_wall: datetime | None


@dataclass(frozen=True)
class FaultEnd(Event):
    """A posture fault that began at ``since`` ended at ``t``."""

    kind: ClassVar[str] = "fault_end"
    fault: str
    side: str | None
    since: float
    since_wall: datetime | None
    held_seconds: float
    peak_load: float


@dataclass(frozen=True)
class Away(Event):
    """The user left the desk at ``since`` (noticed at ``t``); ``reason`` is "nobody" or "asleep"."""

    kind: ClassVar[str] = "away"
    since: float
    since_wall: datetime | None
    reason: str


@dataclass(frozen=True)
class Back(Event):
    """The user is back after ``away_seconds`` away, which began at ``since`` (noticed at ``t``)."""

    kind: ClassVar[str] = "back"
    away_seconds: float
    since: float
    since_wall: datetime | None


@dataclass(frozen=True)
class Break(Event):
    """The time away, from ``since`` for ``seconds``, was long enough to count as a break."""

    kind: ClassVar[str] = "break"
    seconds: float
    since: float
    since_wall: datetime | None


@dataclass(frozen=True)
class Presence(Event):
    """The timeline changed at ``since``: now "present", "away", "asleep", "call", "paused" or "unknown"."""

    kind: ClassVar[str] = "presence"
    state: str
    since: float
    since_wall: datetime | None


@dataclass(frozen=True)
class CameraMoved(Event):
    """The whole picture of the user has been moved since ``since``, as a moved camera moves it: time to recalibrate.

    How it moved: the shoulders ``across`` (toward the user's right) and ``down``, in the neutral's shoulder
    widths, ``size`` times as large, the shoulder line turned ``turn`` degrees (the right shoulder lower).
    """

    kind: ClassVar[str] = "camera_moved"
    since: float
    since_wall: datetime | None
    across: float
    down: float
    size: float
    turn: float


@dataclass(frozen=True)
class ProfileChosen(Event):
    """The picture matches the neutral of another profile of this camera: it is the one in use from now on."""

    kind: ClassVar[str] = "profile"
    profile: str
    standing: bool


@dataclass(frozen=True)
class Alert(Event):
    """A reminder is due now for ``fault`` (a posture fault, or "sitting").

    ``level`` counts the reminders already given for this episode; what to
    suggest and the words are chosen outside the core (``advice``). ``id``
    numbers the alerts of one run from 1, so an answer to a reminder (a
    notification's button) names the alert it belongs to.
    """

    kind: ClassVar[str] = "alert"
    fault: str
    side: str | None
    held_seconds: float
    load: float
    level: int
    muscles: tuple[str, ...]
    id: int

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["muscles"] = list(self.muscles)
        return out
