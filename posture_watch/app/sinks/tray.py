"""The tray sink: the icon, tooltip and menu rendered from the mode and the engine's status at each tick."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import singledispatchmethod

from ...advice.wording import duration, posture_name
from ...config import Config
from ...desktop.menu import TrayView
from ...desktop.trays import Tray
from ..modes import PauseReason
from ..outputs import Output, Tick

# An alert colours the tray red for this long while its fault goes on.
ALERT_SHOWN = 120.0
# How the tray says each reason for not judging posture (the user's own pause is counted down).
_PAUSED = {
    PauseReason.COACH: ("paused", "a stretch under way: the coach has the camera"),
    PauseReason.LOCKED: ("paused", "screen locked: the camera is off"),
    PauseReason.NO_CAMERA: ("camera", "camera not found; trying again"),
    PauseReason.CALL: ("call", "camera in use by another program (a call?); reminders held"),
    PauseReason.DARK: ("camera", "too dark to see your posture; waiting for more light"),
}


def view(tick: Tick, settings: Config) -> TrayView:
    """What the tray shows at ``tick``; the most pressing state wins, as the mode decides."""
    mode, status, wall = tick.mode, tick.status, tick.wall
    # Instants compared (and subtracted) as instants, right also in the hour a change of the clocks shows twice.
    now = wall.timestamp()
    snoozed = status.snoozed_until
    if snoozed is not None and snoozed.timestamp() <= now:
        snoozed = None
    menu = {
        "paused": mode.paused == PauseReason.USER,
        "snoozed_until": f"{snoozed:%H:%M}" if snoozed is not None else None,
        "snooze_minutes": settings["notify"]["snooze_minutes"],
        "standing": status.standing,
        "profile": status.profile,
        "profiles": status.profiles,
    }
    if mode.paused == PauseReason.USER:
        assert mode.until is not None
        left = mode.until.timestamp() - now
        # Whole minutes, rounded up: right after "Pause for 15 min" it says 15, not 14.
        words = f"until {mode.until:%H:%M}" if left > 3600 else f"for {duration(math.ceil(left / 60) * 60)} more"
        return TrayView("paused", tooltip=f"paused {words}", **menu)
    if mode.paused is not None:
        state, words = _PAUSED[mode.paused]
        return TrayView(state, tooltip=words, **menu)
    if mode.calibrating:
        return TrayView("starting", tooltip="calibrating: sit well and face the screen", **menu)
    if status.away:
        return TrayView("away", tooltip="away (a break)", **menu)
    left = settings["breaks"]["sitting_minutes"] * 60 - status.sitting_seconds
    after = "; standing" if status.standing else f"; stand-up break in {duration(max(left, 0))}"
    after += " (do not disturb)" if tick.quiet else ""
    if status.camera_moved:
        after += "; the camera seems to have moved: Calibrate now"
    if snoozed is not None:
        posture = "posture good" if status.worst is None else posture_name(status.worst[0], status.worst[1]).lower()
        return TrayView("snoozed", tooltip=f"reminders snoozed until {snoozed:%H:%M}; {posture}{after}", **menu)
    if status.worst is None:
        return TrayView("good", tooltip=f"posture good{after}", **menu)
    name, side, held, level = status.worst
    text = f"{posture_name(name, side).lower()} for {duration(held)}{after}"
    alert = status.latest_alert
    if alert is not None and alert[1] == name and tick.t - alert[0] <= ALERT_SHOWN:
        return TrayView("alert", 1.0, text, **menu)
    return TrayView("building", min(level, 1.0), text, **menu)


class TraySink:
    """Shows each tick's view on a tray (which itself sends only what changed to the host)."""

    def __init__(self, tray: Tray, settings: Callable[[], Config]) -> None:
        self.tray, self.settings = tray, settings

    @singledispatchmethod
    def take(self, output: Output) -> None:
        """Only ticks change the tray."""

    @take.register
    def _(self, tick: Tick) -> None:
        self.tray.show(view(tick, self.settings()))

    def close(self) -> None:
        self.tray.stop()
