"""A day, a week or a month in numbers: the typed ``PeriodSummary`` that the page, the JSON and the app all read.

Frozen dataclasses, built in one place (``tally``) and only presented by the
page and the JSON, so the two always agree. Times are epochs; ``to_dict``
gives them as local ISO times with their offset (``localtime``).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, tzinfo
from typing import Any

from .. import localtime
from ..localtime import Period
from .causes import Cause

# The state of a moment at the desk with no posture held.
WELL = "well"
# Reminder outcomes. "coached" (a stretch whose whole dose the camera saw done) and "break" (the camera
# saw the person leave) are verified by the camera; "stretched" (a coached stretch the camera could
# not verify: timed only, or stopped before the dose) and "done" are the person's word; all four
# answer the reminder.
OUTCOMES = ("coached", "stretched", "break", "done", "snoozed", "ignored")
ANSWERED = ("coached", "stretched", "break", "done")
VERIFIED = ("coached", "break")


@dataclass(frozen=True)
class Span:
    """One state from ``start`` to ``end`` (epochs): WELL, a presence kind, or a posture (held to ``side``)."""

    kind: str
    start: float
    end: float
    side: str | None = None

    @property
    def seconds(self) -> float:
        return self.end - self.start

    def clip(self, start: float, end: float) -> Span:
        """The part of this span inside [start, end) (the caller checks that they overlap)."""
        return replace(self, start=max(self.start, start), end=min(self.end, end))


@dataclass(frozen=True)
class Stretch:
    """A stretch of time and the ``seconds`` in it that counted (a break: all; sitting: not the pauses)."""

    start: float
    end: float
    seconds: float


@dataclass(frozen=True)
class ReminderOutcome:
    """One reminder and what followed: an ``OUTCOMES`` word, and how long its posture went on after it."""

    at: float
    fault: str
    side: str | None
    outcome: str
    lasted: float | None


@dataclass(frozen=True)
class PostureTime:
    """How long one posture was held in the period, how often, its longest hold, and the hours holding most of it.

    ``mostly`` is (from, to) local hours of the day, set only when one or two hours hold at least half its time.
    """

    fault: str
    seconds: float
    times: int
    longest: Span
    mostly: tuple[int, int] | None


@dataclass(frozen=True)
class Totals:
    """The numbers of one stretch of time: a period, or one of its days.

    ``fault_seconds`` is each posture's own time (postures can overlap); ``states`` is the time in
    each state of the timeline, one state at a time, so they add up to the time recorded.
    """

    present_seconds: float
    call_seconds: float
    away_seconds: float
    paused_seconds: float
    unknown_seconds: float
    good_seconds: float
    fault_seconds: dict[str, float]
    side_seconds: dict[str, dict[str, float]]
    states: dict[str, float]
    reminders: int
    answered: int
    verified: int
    snoozed: int
    breaks: int

    @property
    def desk_seconds(self) -> float:
        """Time at the desk: seen there, or on a call (still sitting)."""
        return self.present_seconds + self.call_seconds

    @property
    def good_share(self) -> float | None:
        """The share of the time seen at the desk with no posture held; None when nobody was seen."""
        return self.good_seconds / self.present_seconds if self.present_seconds > 0 else None

    @property
    def recorded(self) -> bool:
        recorded = self.desk_seconds + self.away_seconds + self.paused_seconds + self.unknown_seconds
        return recorded > 0 or self.reminders > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "present_seconds": _round(self.present_seconds),
            "call_seconds": _round(self.call_seconds),
            "desk_seconds": _round(self.desk_seconds),
            "away_seconds": _round(self.away_seconds),
            "paused_seconds": _round(self.paused_seconds),
            "unknown_seconds": _round(self.unknown_seconds),
            "good_seconds": _round(self.good_seconds),
            "good_share": None if self.good_share is None else round(self.good_share, 4),
            "fault_seconds": {k: _round(v) for k, v in self.fault_seconds.items()},
            "side_seconds": {k: {s: _round(v) for s, v in sides.items()} for k, sides in self.side_seconds.items()},
            "states": {k: _round(v) for k, v in self.states.items()},
            "reminders": self.reminders,
            "answered": self.answered,
            "verified": self.verified,
            "snoozed": self.snoozed,
            "breaks": self.breaks,
        }


@dataclass(frozen=True)
class Day:
    """One local day of a period and its numbers; ``hours`` is 23 or 25 on a clock-change day."""

    date: date
    hours: float
    totals: Totals


@dataclass(frozen=True)
class PeriodSummary:
    """A day, a week or a month of the history, from ``first`` to ``last`` (local dates, both included).

    ``start``/``end`` are the period's epochs; ``days`` has one row per date (one for a day);
    ``previous`` is the period before, for comparison (None for a day).
    """

    period: Period
    first: date
    last: date
    zone: str
    start: float
    end: float
    totals: Totals
    timeline: tuple[Span, ...]
    episodes: tuple[Span, ...]
    postures: tuple[PostureTime, ...]
    reminders: tuple[ReminderOutcome, ...]
    lasted_median: float | None
    breaks: tuple[Stretch, ...]
    breaks_suggested: int
    longest_sitting: Stretch | None
    muscle_load_seconds: dict[str, float]
    causes: tuple[Cause, ...]
    days: tuple[Day, ...]
    previous: PeriodTotals | None
    # Minutes seen at the desk judged against each profile's neutral (a setup: desk, laptop, standing), in seconds.
    profiles: dict[str, float] = field(default_factory=dict)

    @property
    def hours(self) -> float:
        return (self.end - self.start) / 3600

    @property
    def empty(self) -> bool:
        return not self.totals.recorded

    def outcomes(self) -> dict[str, int]:
        """How many reminders had each outcome, in ``OUTCOMES`` order."""
        counts = Counter(r.outcome for r in self.reminders)
        return {o: counts[o] for o in OUTCOMES if counts[o]}

    def to_dict(self, tz: tzinfo | None = None) -> dict[str, Any]:
        """The JSON form: the same numbers as the page, times as local ISO times with their offset."""
        tz = tz or localtime.zone()

        def at(epoch: float | None) -> str | None:
            return localtime.iso(epoch, tz)

        def stretch(s: Stretch | None) -> dict[str, Any] | None:
            return None if s is None else {"start": at(s.start), "end": at(s.end), "seconds": _round(s.seconds)}

        return {
            "period": self.period,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "zone": self.zone,
            "start": at(self.start),
            "end": at(self.end),
            "hours": round(self.hours, 3),
            "recorded": not self.empty,
            "totals": self.totals.to_dict(),
            "postures": [
                {
                    "fault": p.fault,
                    "seconds": _round(p.seconds),
                    "times": p.times,
                    "longest": _episode(p.longest, at),
                    "mostly": None if p.mostly is None else list(p.mostly),
                }
                for p in self.postures
            ],
            "reminders": [
                {
                    "at": at(r.at),
                    "fault": r.fault,
                    "side": r.side,
                    "outcome": r.outcome,
                    "lasted_seconds": None if r.lasted is None else _round(r.lasted),
                }
                for r in self.reminders
            ],
            "outcomes": self.outcomes(),
            "lasted_median_seconds": None if self.lasted_median is None else _round(self.lasted_median),
            "breaks": [stretch(b) for b in self.breaks],
            "breaks_suggested": self.breaks_suggested,
            "longest_sitting": stretch(self.longest_sitting),
            "muscle_load_seconds": {k: _round(v) for k, v in self.muscle_load_seconds.items()},
            "profile_seconds": {k: _round(v) for k, v in self.profiles.items()},
            "causes": [
                {
                    "fault": c.fault,
                    "side": c.side,
                    "cause": c.cause,
                    "fix": c.fix,
                    "evidence": c.evidence,
                    "held_seconds": _round(c.held_seconds),
                    "present_seconds": _round(c.present_seconds),
                    "share": round(c.share, 4),
                    "side_share": None if c.side_share is None else round(c.side_share, 4),
                    "days": c.days,
                }
                for c in self.causes
            ],
            "days": [_day(d) for d in self.days] if self.period != "day" else [],
            "previous": None if self.previous is None else self.previous.to_dict(),
            "timeline": [{"kind": s.kind, "start": at(s.start), "end": at(s.end)} for s in self.timeline],
            "episodes": [_episode(e, at) for e in self.episodes],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


@dataclass(frozen=True)
class PeriodTotals:
    """The period before the one summarized, for comparison: its dates, numbers and days."""

    first: date
    last: date
    totals: Totals
    days: tuple[Day, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
            "totals": self.totals.to_dict(),
            "days": [_day(d) for d in self.days],
        }


def _round(seconds: float) -> float:
    return round(seconds, 1)


def _episode(e: Span, at: Any) -> dict[str, Any]:
    return {"fault": e.kind, "side": e.side, "start": at(e.start), "end": at(e.end), "seconds": _round(e.seconds)}


def _day(d: Day) -> dict[str, Any]:
    return {"date": d.date.isoformat(), "hours": round(d.hours, 3), **d.totals.to_dict()}
