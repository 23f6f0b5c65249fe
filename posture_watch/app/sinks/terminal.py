"""The terminal sink: one line per change a user should know of, on stderr and in the log."""

from __future__ import annotations

import logging
import sys
from functools import singledispatchmethod

from ...advice.reminders import Reminder
from ...advice.wording import coached, posture_name
from ...core.events import Calibrated, CalibrationWaiting, CameraMoved, FaultEnd, FaultStart, ProfileChosen
from ..modes import PauseReason
from ..outputs import Coached, ModeChanged, Note, Output

log = logging.getLogger(__name__)
# The log record of a line already printed: the --verbose echo to stderr leaves it out.
SAID = "said"


def say(text: str) -> None:
    """One line on the terminal (stderr) and in the log."""
    log.info("%s", text, extra={SAID: True})
    print(f"posture-watch: {text}", file=sys.stderr, flush=True)


class Terminal:
    @singledispatchmethod
    def take(self, output: Output) -> None:
        kind = getattr(output, "kind", None)
        if kind is not None:
            log.debug("%s", kind)

    @take.register
    def _(self, reminder: Reminder) -> None:
        say(f"reminder: {reminder.title}")

    @take.register
    def _(self, event: Calibrated) -> None:
        say(f"calibrated: {event.view} view from {event.frames} frames")

    @take.register
    def _(self, event: CalibrationWaiting) -> None:
        say("waiting for you to sit in view of the camera to calibrate")

    @take.register
    def _(self, event: CameraMoved) -> None:
        say("the camera seems to have moved: calibrate again (Calibrate now in the tray) to judge posture fully")

    @take.register
    def _(self, event: ProfileChosen) -> None:
        say(f"using the profile {event.profile}: the picture matches its neutral")

    @take.register(FaultStart)
    @take.register(FaultEnd)
    def _(self, event: FaultStart | FaultEnd) -> None:
        log.info("%s: %s", event.kind.replace("_", " "), posture_name(event.fault, event.side))

    @take.register
    def _(self, done: Coached) -> None:
        say(f"coach: {coached(done.summary)}")

    @take.register
    def _(self, note: Note) -> None:
        say(note.text)

    @take.register
    def _(self, change: ModeChanged) -> None:
        before, after = change.before, change.after
        if after.until is not None and after.until != before.until:
            say(f"paused until {after.until:%H:%M}")
        elif before.until is not None and after.until is None:
            say("resumed")
        was, now = PauseReason.LOCKED in before.holds, PauseReason.LOCKED in after.holds
        if was != now:
            say("screen locked: the camera is off until it is unlocked" if now else "screen unlocked: watching again")
        was, now = PauseReason.DARK in before.holds, PauseReason.DARK in after.holds
        if was != now:
            say("too dark to see your posture: not judging it until there is more light" if now else "light is back")

    def close(self) -> None:
        """Nothing stays open on a terminal."""
