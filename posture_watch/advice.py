"""The words of a reminder: the posture in plain language, the muscles, the stretch.

Wellness wording only: it says what the posture loads and what may ease it,
never a diagnosis and never a promise to prevent or treat anything.
"""

from __future__ import annotations

from .muscles import describe
from .stretches import Stretch

_POSTURE = {
    "forward_head": "Head forward",
    "slouch": "Slouching",
    "head_tilt": "Head tilted to the {side}",
    "head_turn": "Head turned to the {side}",
    "uneven_shoulders": "{Side} shoulder raised",
    "trunk_lean": "Leaning to the {side}",
    "too_close": "Close to the screen",
    "static_posture": "Still in one position",
    "sitting": "Sitting without a break",
}


def posture_name(kind: str, side: str | None) -> str:
    """Plain words for a posture: ``"Head tilted to the left"``."""
    text = _POSTURE[kind]
    if "{" in text:
        if side is None:
            text = text.replace(" to the {side}", " to one side").replace("{Side} shoulder", "One shoulder")
        else:
            text = text.format(side=side, Side=side.capitalize())
    return text


def duration(seconds: float) -> str:
    """``"12 min"``, ``"1 h 5 min"`` or ``"40 s"``."""
    minutes = int(seconds // 60)
    if minutes == 0:
        return f"{int(seconds)} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def message(
    kind: str, side: str | None, held: float, muscles: list[str], stretch: Stretch | None, level: int
) -> tuple[str, str]:
    """(title, body) of a reminder; ``level`` counts reminders already given for this episode."""
    posture = posture_name(kind, side)
    title = f"{'Still: ' if level else ''}{posture.lower() if level else posture} for {duration(held)}"
    lines = [f"{posture} for {duration(held)}: your {describe(muscles)} are working hard."]
    if stretch is not None:
        steps = " ".join(stretch.for_side(side))
        lines.append(f"{stretch.name} ({stretch.hold}): {steps}")
        lines.append("It may ease stiffness; stop if it hurts.")
    return title, "\n".join(lines)
