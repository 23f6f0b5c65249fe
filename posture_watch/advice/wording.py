"""The words of a reminder: the posture in plain language, the muscles, the stretch.

Wellness wording only: it says what the posture loads and what may ease it,
never a diagnosis and never a promise to prevent or treat anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.faults import REGISTRY, words
from .muscles import describe
from .stretches import Stretch

SAFETY = "It may ease stiffness; stop if it hurts. Not medical advice."


def posture_name(kind: str, side: str | None) -> str:
    """Plain words for a posture: ``"Head tilted to the left"``."""
    return words(kind, side)


def duration(seconds: float) -> str:
    """``"12 min"``, ``"1 h 5 min"``, ``"2 h"`` or ``"40 s"``."""
    minutes = int(seconds // 60)
    if minutes == 0:
        return f"{int(seconds)} s"
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``"1 reminder"``, ``"2 reminders"``, ``"0 breaks"``: a number with its noun in the right form."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def message(
    kind: str, side: str | None, held: float, muscles: tuple[str, ...], stretch: Stretch | None, level: int
) -> tuple[str, str]:
    """(title, body) of a reminder; ``level`` counts reminders already given for this episode.

    The title names the posture and how long; the body says which muscles
    it loads and where they are, then the stretch with its dose and its
    numbered steps, one per line, then one safety line.
    """
    posture = posture_name(kind, side)
    title = f"Still: {posture.lower()} for {duration(held)}" if level else f"{posture} for {duration(held)}"
    lines = [f"Your {describe(muscles, where=True)} are working hard. {REGISTRY[kind].tip}".rstrip()]
    if stretch is not None:
        lines.append(f"{stretch.name} ({stretch.hold}):")
        lines += [f"{i}. {step}" for i, step in enumerate(stretch.for_side(side), start=1)]
    lines.append(SAFETY)
    return title, "\n".join(lines)


def coached(summary: Mapping[str, Any]) -> str:
    """One line for a person from a coach session's summary (``coach --json``'s last line): asked, and seen done."""
    name = summary.get("name") or summary["stretch"]
    if summary["timed_only"]:
        ran = "the time ran out" if summary["complete"] else "stopped before the time ran out"
        return f"{name}: timed, not verified ({ran})"
    times = summary["asked"]["times"]
    parts = [
        f"{count} of {times} {unit}" + (f" on the {side['side']}" if side["side"] else "")
        for side in summary["done"]
        for unit, count in side.items()
        if unit != "side"
    ]
    verdict = "verified by the camera" if summary["verified"] else "not all verified"
    return f"{name}: {', '.join(parts)}: {verdict}"
