"""Likely causes in the setup: a posture held for much of the time seen at the desk, or mostly to one side.

The words (what probably causes it, and the fix) are the fault registry's
``Fault.setup``; this module decides where the history holds the evidence and
names the numbers each cause rests on. A posture held now and then says
nothing about a desk; one held for a good part of the day, or always to the
same side, usually has a cause in the setup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..advice.wording import count, duration, posture_name
from ..core.faults import REGISTRY

if TYPE_CHECKING:
    from .summary import Day, Totals

# A posture points at the setup when it fills at least this share of the time seen at the desk: a
# fifth of the day is far more than the episodes everyone has while reading, reaching or thinking.
SHARE = 0.2
# ...and adds up to at least this long: a fifth of a short session is too little to judge a desk by.
MIN_SECONDS = 20 * 60.0
# A one-sided cause needs at least this part of the posture's time held to the same side: looking
# around turns the head both ways about equally, a screen off to one side turns it mostly one way.
ONE_SIDE = 0.75


@dataclass(frozen=True)
class Cause:
    """A likely cause in the setup, with its fix and the numbers it rests on.

    ``share`` is the posture's part of the time seen at the desk; ``side_share`` its part held to
    ``side`` (one-sided causes only); ``days`` the days of a week or month where the evidence held.
    """

    fault: str
    side: str | None
    cause: str
    fix: str
    evidence: str
    held_seconds: float
    present_seconds: float
    share: float
    side_share: float | None
    days: int | None


def likely_causes(totals: Totals, days: Sequence[Day] = ()) -> tuple[Cause, ...]:
    """The causes the period's numbers bear out, most time first.

    ``days`` (a week's or a month's) are counted where each cause's evidence holds on its own.
    """
    causes = []
    for fault in totals.fault_seconds:
        found = _evidence(fault, totals)
        if found is None:
            continue
        side, seconds, side_share = found
        recorded = [d for d in days if d.totals.present_seconds > 0]
        on_days = sum(_evidence(fault, d.totals) is not None for d in recorded) if days else None
        setup = REGISTRY[fault].setup
        assert setup is not None
        share = seconds / totals.present_seconds
        evidence = (
            f"{posture_name(fault, side)} for {duration(seconds)}: {percent(share)} of the "
            f"{duration(totals.present_seconds)} you were seen at the desk"
        )
        if side_share is not None:
            evidence += f", and {percent(side_share)} of all the time it was held to either side"
        if on_days is not None:
            evidence += f"; on {on_days} of the {count(len(recorded), 'day')} recorded"
        causes.append(
            Cause(
                fault=fault,
                side=side,
                cause=setup.cause.format(side=side),
                fix=setup.fix.format(side=side),
                evidence=evidence + ".",
                held_seconds=seconds,
                present_seconds=totals.present_seconds,
                share=share,
                side_share=side_share,
                days=on_days,
            )
        )
    return tuple(sorted(causes, key=lambda c: -c.held_seconds))


def _evidence(fault: str, totals: Totals) -> tuple[str | None, float, float | None] | None:
    """(side, seconds, side's share) where the evidence for ``fault``'s cause holds in ``totals``, else None."""
    setup = REGISTRY[fault].setup
    held = totals.fault_seconds.get(fault, 0.0)
    if setup is None or held < MIN_SECONDS or held < SHARE * totals.present_seconds:
        return None
    if not setup.one_sided:
        return None, held, None
    sides = totals.side_seconds.get(fault, {})
    if not sides:
        return None
    side, seconds = max(sides.items(), key=lambda kv: kv[1])
    share = seconds / held
    return (side, seconds, share) if share >= ONE_SIDE else None


def percent(share: float) -> str:
    """``0.263`` -> ``"26%"``."""
    return f"{round(share * 100)}%"
