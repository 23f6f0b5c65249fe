"""The notification sink: reminders with their buttons, calibration's progress, and notes with a title."""

from __future__ import annotations

from collections.abc import Callable
from functools import singledispatchmethod

from ...advice.reminders import Reminder
from ...config import Config
from ...core.events import Calibrated, CalibrationWaiting, CameraMoved
from ...desktop.notify import Notice, NoticeKind, Notifier
from ..modes import PauseReason
from ..outputs import ModeChanged, Note, Output, Tone

# Calibration's notices replace each other: "calibrating", "waiting for you", "calibrated"; the camera moved
# ("recalibrate?") gives way to them too.
CALIBRATION = "calibration"
# The button on "the camera seems to have moved", and the tag its click comes back with.
RECALIBRATE = "recalibrate"
# What is said once as the picture becomes too poor to judge posture by.
TOO_DARK = (
    "Too dark to see your posture",
    "posture-watch does not judge your posture in this light, and counts the time as unknown. "
    "More light on you, and it watches again.",
)


class Notices:
    """Posts notices through a :class:`~posture_watch.desktop.notify.Notifier`; never waits for it."""

    def __init__(self, notifier: Notifier, settings: Callable[[], Config]) -> None:
        self.notifier, self.settings = notifier, settings

    @singledispatchmethod
    def take(self, output: Output) -> None:
        """Everything else stays off the screen."""

    @take.register
    def _(self, reminder: Reminder) -> None:
        notify = self.settings()["notify"]
        buttons = (("snooze", f"Snooze {notify['snooze_minutes']:g} min"), ("done", "Done"))
        if reminder.stretch is not None:
            # Start opens the coach with the reminder's stretch.
            buttons = (("start", "Start"), *buttons)
        self.notifier.post(
            Notice(
                reminder.title,
                reminder.body,
                NoticeKind.REMINDER,
                state="alert",
                actions=buttons if notify["actions"] else (),
                tag=reminder.alert.id,
            )
        )

    @take.register
    def _(self, event: Calibrated) -> None:
        text = "Your neutral posture is set. Reminders start from now."
        self.notifier.post(Notice("Calibrated", text, replaces=CALIBRATION))

    @take.register
    def _(self, event: CalibrationWaiting) -> None:
        text = "Waiting for you to sit in view of the camera to calibrate."
        self.notifier.post(Notice("posture-watch is waiting for you", text, replaces=CALIBRATION))

    @take.register
    def _(self, event: CameraMoved) -> None:
        text = (
            "The whole picture of you has moved, as it does when the camera is moved, so your posture is judged "
            "less until you recalibrate. Sit well and press Recalibrate, or choose Calibrate now in the tray."
        )
        actions = (("calibrate", "Recalibrate"),) if self.settings()["notify"]["actions"] else ()
        title = "The camera seems to have moved: recalibrate?"
        self.notifier.post(Notice(title, text, actions=actions, tag=RECALIBRATE, replaces=CALIBRATION))

    @take.register
    def _(self, change: ModeChanged) -> None:
        if PauseReason.DARK in change.after.holds - change.before.holds:  # once per dark spell
            self.notifier.post(Notice(*TOO_DARK, replaces="light"))

    @take.register
    def _(self, note: Note) -> None:
        if note.title is not None:
            kind = NoticeKind.ERROR if note.tone == Tone.PROBLEM else NoticeKind.INFO
            self.notifier.post(Notice(note.title, note.text, kind, replaces=note.key))

    def close(self) -> None:
        self.notifier.close()
