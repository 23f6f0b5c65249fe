"""What a tray shows, and its menu, once for both trays: a :class:`TrayView` in, menu :class:`Item` rows out.

The StatusNotifierItem tray (``desktop.sni``) publishes these rows over
dbusmenu, the pystray one (``desktop.tray``) builds its menu from them; each
row carries the typed command (``posture_watch.commands``) a click sends.
Row ids are stable across views, as dbusmenu hosts may cache them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..commands import (
    Calibrate,
    Command,
    OpenSettings,
    Pause,
    Quit,
    Resume,
    ResumeReminders,
    Snooze,
    Stand,
    StretchNow,
    Summary,
    UseProfile,
)

APP = "posture-watch"


@dataclass(frozen=True)
class TrayView:
    """Everything a tray shows: the icon's state and fill, the status in words, and what the menu offers.

    ``state``: good, building, alert, paused, away, camera, call, starting or
    snoozed (``desktop.icons.STATES``). ``tooltip``: the status without the
    app's name; each tray adds the name as its host expects.
    ``snoozed_until``: the local "HH:MM" while reminders are snoozed.
    ``standing``: the user stands at the desk; ``profile`` the setup whose neutral is in use, of ``profiles``
    (those with a stored neutral).
    """

    state: str
    level: float = 0.0
    tooltip: str = ""
    paused: bool = False
    snoozed_until: str | None = None
    snooze_minutes: float = 15
    standing: bool = False
    profile: str = ""
    profiles: tuple[str, ...] = ()


STARTING = TrayView("starting", tooltip="starting")


@dataclass(frozen=True)
class Item:
    """One menu row: an entry with its command, a greyed status line (no command), or a separator."""

    id: int
    label: str = ""
    command: Command | None = None
    separator: bool = False


# Stable ids (the dbusmenu ids of the SNI tray).
STATUS, SEP_1, PAUSE_15, PAUSE_60, PAUSE_TOMORROW, RESUME, SNOOZE = 1, 2, 3, 4, 5, 6, 7
SEP_2, CALIBRATE, SUMMARY, SETTINGS, SEP_3, QUIT = 8, 9, 10, 11, 12, 13
SNOOZED, RESUME_REMINDERS, WEEK, MONTH, STRETCH_NOW = 14, 15, 16, 17, 18
STAND = 19
# "Use profile NAME": this id and the ones after it, in the profiles' order.
PROFILES = 100
# The left click on the icon: today's summary.
DEFAULT: Command = Summary("day")


def items(view: TrayView) -> list[Item]:
    """The menu for ``view``, in order: status, pause or resume, snooze or its end, then the fixed entries."""
    rows = [Item(STATUS, view.tooltip or APP), Item(SEP_1, separator=True)]
    if view.paused:
        rows.append(Item(RESUME, "Resume", Resume()))
    else:
        rows += [
            Item(PAUSE_15, "Pause for 15 min", Pause(15 * 60)),
            Item(PAUSE_60, "Pause for 1 h", Pause(60 * 60)),
            Item(PAUSE_TOMORROW, "Pause until tomorrow", Pause(None)),
        ]
    if view.snoozed_until is not None:
        rows += [
            Item(SNOOZED, f"Reminders snoozed until {view.snoozed_until}"),
            Item(RESUME_REMINDERS, "Resume reminders", ResumeReminders()),
        ]
    else:
        rows.append(Item(SNOOZE, f"Snooze reminders {view.snooze_minutes:g} min", Snooze(view.snooze_minutes)))
    return [
        *rows,
        Item(SEP_2, separator=True),
        Item(STRETCH_NOW, "Stretch now", StretchNow()),
        Item(STAND, "Sitting again" if view.standing else "Standing now", Stand(not view.standing)),
        *(
            Item(PROFILES + number, f"Use profile {name}", UseProfile(name))
            for number, name in enumerate(view.profiles)
            if name != view.profile
        ),
        Item(CALIBRATE, "Calibrate now", Calibrate()),
        Item(SUMMARY, "Today's summary", DEFAULT),
        Item(WEEK, "This week", Summary("week")),
        Item(MONTH, "This month", Summary("month")),
        Item(SETTINGS, "Open settings", OpenSettings()),
        Item(SEP_3, separator=True),
        Item(QUIT, "Quit", Quit()),
    ]
