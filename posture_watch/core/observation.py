"""One moment as the core is told it: when, what the camera saw, or why it saw nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum

from .features import Features


class CameraSays(str, Enum):
    """What the camera could tell at an observation."""

    # A frame: the user in it (features), or nobody (no features).
    OK = "ok"
    # Another program has the camera: a call.
    BUSY = "busy"
    # No camera, or it stopped giving pictures.
    OFF = "off"
    # Paused by the user.
    PAUSED = "paused"
    # Told on waking: the machine was asleep for ``Observation.slept`` seconds.
    ASLEEP = "asleep"
    # The screen is locked: the camera is not opened, and the user is away.
    LOCKED = "locked"
    # Someone is in the picture, but it is too dark or noisy to judge their posture.
    DIM = "dim"


@dataclass(frozen=True)
class Observation:
    """One moment: when, what the camera saw or why it saw nothing, and the local wall time.

    ``t`` is seconds on a clock that only moves forward in normal use (a
    monotonic clock live, the position in the file on replay). ``features``
    is empty when nobody was seen. ``wall`` is the local wall time of ``t``:
    it drives quiet hours, the daily cap, snooze and the times in events;
    None leaves them out. ``do_not_disturb`` holds reminders (a fullscreen
    window, the desktop's do-not-disturb). ``slept`` is how long the machine
    was suspended, told with ``camera=ASLEEP`` on waking.
    """

    t: float
    view: str | None = None
    features: Features = field(default_factory=dict)
    wall: datetime | None = None
    do_not_disturb: bool = False
    camera: CameraSays = CameraSays.OK
    slept: float = 0.0

    def wall_at(self, at: float) -> datetime | None:
        """The local wall time of engine time ``at``, from this observation's pair of clocks.

        Counted in real seconds: across a change of the clocks the wall time keeps its zone and gets
        the offset in force at that moment (an hour that happens twice is told apart).
        """
        if self.wall is None:
            return None
        if self.wall.tzinfo is None:
            return self.wall - timedelta(seconds=self.t - at)
        return (self.wall.astimezone(timezone.utc) - timedelta(seconds=self.t - at)).astimezone(self.wall.tzinfo)
