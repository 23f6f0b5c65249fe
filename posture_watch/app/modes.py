"""What the application is doing, as data: watching, calibrating, or paused for its most pressing reason.

The monitor keeps one :class:`Mode` and changes it only through
:func:`transition`, a pure function of the mode and one event (a command of
the user's, the camera's state, the screen lock, the light, calibration
starting or ending, the coach taking the camera or giving it back, the wall
clock passing the end of a pause). The tray,
the tooltip and the terminal render from it, so which state wins is decided
here, once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum


class PauseReason(str, Enum):
    """Why nothing is being judged, most pressing first (the order decides which one the user is shown)."""

    USER = "user"
    LOCKED = "locked"
    # The coach (a child process) has the camera while a stretch is under way.
    COACH = "coach"
    NO_CAMERA = "no camera"
    CALL = "call"
    DARK = "dark"


PRIORITY = tuple(PauseReason)


@dataclass(frozen=True)
class Mode:
    """Every reason for not judging posture that holds now, the end of the user's pause, and calibration."""

    holds: frozenset[PauseReason] = frozenset()
    # When the user's pause ends (local wall time); None while not paused by the user.
    until: datetime | None = None
    calibrating: bool = False

    @property
    def paused(self) -> PauseReason | None:
        """The most pressing reason posture is not judged now, or None while watching."""
        return next((reason for reason in PRIORITY if reason in self.holds), None)

    @property
    def kind(self) -> str:
        """"paused", "calibrating" or "watching"."""
        if self.paused is not None:
            return "paused"
        return "calibrating" if self.calibrating else "watching"


@dataclass(frozen=True)
class UserPaused:
    until: datetime


@dataclass(frozen=True)
class UserResumed:
    pass


@dataclass(frozen=True)
class ClockPassed:
    """The local wall time is now ``wall``: a pause that ends by then has ended."""

    wall: datetime


@dataclass(frozen=True)
class CameraState:
    """The camera's status changed: "ok", "idle", "missing", "lost", "busy" or "paused"."""

    status: str


@dataclass(frozen=True)
class ScreenLocked:
    locked: bool


@dataclass(frozen=True)
class LightChanged:
    """The picture became too dark (or noisy) to judge posture, or good enough again."""

    too_dark: bool


@dataclass(frozen=True)
class CalibrationStarted:
    pass


@dataclass(frozen=True)
class CalibrationEnded:
    pass


@dataclass(frozen=True)
class CoachOpened:
    """The coach took the camera for a stretch."""


@dataclass(frozen=True)
class CoachClosed:
    """The coach ended and gave the camera back."""


ModeEvent = (
    UserPaused
    | UserResumed
    | ClockPassed
    | CameraState
    | ScreenLocked
    | LightChanged
    | CalibrationStarted
    | CalibrationEnded
    | CoachOpened
    | CoachClosed
)
# Camera states that stand for a reason not to judge; any other state clears both.
_CAMERA_HOLDS = {"missing": PauseReason.NO_CAMERA, "lost": PauseReason.NO_CAMERA, "busy": PauseReason.CALL}


def transition(mode: Mode, event: ModeEvent) -> Mode:
    """The mode after ``event``."""
    match event:
        case UserPaused(until=until):
            return replace(mode, holds=mode.holds | {PauseReason.USER}, until=until)
        case UserResumed():
            return replace(mode, holds=mode.holds - {PauseReason.USER}, until=None)
        case ClockPassed(wall=wall):
            # As instants: two wall times of one zone compare as the clock shows them, wrong in the hour
            # a change of the clocks shows twice.
            if mode.until is not None and wall.timestamp() >= mode.until.timestamp():
                return replace(mode, holds=mode.holds - {PauseReason.USER}, until=None)
            return mode
        case CameraState(status=status):
            if status == "paused":  # the camera let go because of a pause: nothing new
                return mode
            held = mode.holds - {PauseReason.NO_CAMERA, PauseReason.CALL}
            reason = _CAMERA_HOLDS.get(status)
            return replace(mode, holds=held | {reason} if reason is not None else held)
        case ScreenLocked(locked=locked):
            return _hold(mode, PauseReason.LOCKED, locked)
        case LightChanged(too_dark=dark):
            return _hold(mode, PauseReason.DARK, dark)
        case CalibrationStarted():
            return replace(mode, calibrating=True)
        case CalibrationEnded():
            return replace(mode, calibrating=False)
        case CoachOpened():
            return _hold(mode, PauseReason.COACH, True)
        case CoachClosed():
            return _hold(mode, PauseReason.COACH, False)
    raise TypeError(f"not a mode event: {event!r}")


def _hold(mode: Mode, reason: PauseReason, on: bool) -> Mode:
    return replace(mode, holds=mode.holds | {reason} if on else mode.holds - {reason})
