"""From an alert of the core to a reminder a person reads: which stretch, and the words.

The core says a reminder is due and why; this picks the stretch (rotating,
and suggesting a real break after ``escalate_after`` ignored reminders) and
writes the title and body. It remembers the rotation between reminders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ..core.events import Alert
from ..core.settings import Settings
from .stretches import Rotation, Stretch, choose
from .wording import message


class AdviceSettings(Protocol):
    """What advice reads of the settings: the checked stretch list and the core's notify group."""

    @property
    def stretches(self) -> tuple[Stretch, ...]: ...

    @property
    def core(self) -> Settings: ...


@dataclass(frozen=True)
class Reminder:
    """An alert with the stretch to suggest and its words."""

    alert: Alert
    stretch: Stretch | None
    title: str
    body: str

    @property
    def t(self) -> float:
        """When the alert was decided, as an event's ``t``."""
        return self.alert.t

    def to_dict(self) -> dict[str, Any]:
        """The alert's JSON form with the stretch, title and body, as ``replay --json`` prints it."""
        out = self.alert.to_dict()
        out["stretch"] = (
            None
            if self.stretch is None
            else {
                "id": self.stretch.id,
                "name": self.stretch.name,
                "steps": self.stretch.for_side(self.alert.side),
                "hold": self.stretch.hold,
            }
        )
        out["title"], out["body"] = self.title, self.body
        return out


class Advisor:
    """Turns alerts into reminders with the settings in force."""

    def __init__(self) -> None:
        self.rotation = Rotation()

    def remind(self, alert: Alert, settings: AdviceSettings) -> Reminder:
        escalated = alert.level >= settings.core.notify.escalate_after
        kind = "sitting" if escalated else alert.fault
        stretch, self.rotation = choose(settings.stretches, kind, alert.muscles, self.rotation)
        title, body = message(alert.fault, alert.side, alert.held_seconds, alert.muscles, stretch, alert.level)
        return Reminder(alert, stretch, title, body)
