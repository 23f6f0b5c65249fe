"""What the app asks the notifier to show: one :class:`Notice`, whatever backend ends up showing it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class NoticeKind(Enum):
    """What a notice is, which decides its icon: a reminder, information, or an error."""

    REMINDER = "reminder"
    INFO = "info"
    ERROR = "error"


@dataclass(frozen=True)
class Notice:
    """One notification.

    ``state``: for a reminder, the tray state whose colour its icon takes
    ("building" or "alert"). ``actions``: (key, label) buttons, shown where
    the server offers actions; a click comes back as ``on_action(key, tag)``.
    ``replaces``: a notice with the same key takes the place of the one shown
    before (the "calibrating" notice becomes "calibrated").
    """

    title: str
    body: str
    kind: NoticeKind = NoticeKind.INFO
    state: str | None = None
    actions: tuple[tuple[str, str], ...] = ()
    tag: object = None
    replaces: str | None = None

    @property
    def kept(self) -> bool:
        """Whether the notice must be withdrawn when the notifier closes: its buttons would be dead, or it has a key."""
        return bool(self.actions) or self.replaces is not None
