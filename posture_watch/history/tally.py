"""Working out a ``PeriodSummary`` from the history's rows, in one place.

Stretches that began before the period count for the part inside it, and
what a session left open (it was killed, or is still running) counts up to
its last heartbeat. Local days come from ``localtime``, so a day of 23 or 25
hours is that long here too. Each session is its own timeline of states, one
at a time: presence from its rows and, while present, the posture held.
"""

from __future__ import annotations

import itertools
import sqlite3
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, tzinfo
from pathlib import Path
from typing import Any

from .. import localtime
from ..core.faults import REGISTRY, muscles_for
from ..localtime import Period
from .causes import likely_causes
from .store import connect, rows
from .summary import (
    ANSWERED,
    VERIFIED,
    WELL,
    Day,
    PeriodSummary,
    PeriodTotals,
    PostureTime,
    ReminderOutcome,
    Span,
    Stretch,
    Totals,
)

# What the camera could tell, in the order one wins over another where a session's rows overlap.
PRESENCE = ("present", "call", "paused", "unknown", "away")
# A reminder is followed by a break when a break begins within this many seconds of it: long enough
# to save the work and get up, short enough that the break still answers this reminder.
BREAK_AFTER_REMINDER = 300.0
# A coach session answering a reminder begins within this many seconds after the period holding it ends.
COACHED_WITHIN = 86400.0
# Faults whose reminder suggests a break rather than a stretch.
BREAK_FAULTS = ("sitting",)


def read(history: Path, period: Period, day: date | None = None) -> PeriodSummary:
    """The summary of the period holding ``day`` (default today) in the history file ``history``."""
    db = connect(history)
    try:
        return summarize(db, period, day or localtime.today())
    finally:
        db.close()


def summarize(db: sqlite3.Connection, period: Period, day: date, tz: tzinfo | None = None) -> PeriodSummary:
    """The day, week or month holding local date ``day``, in numbers."""
    tz = tz or localtime.zone()
    first, last = localtime.period_days(period, day)
    start, end = localtime.bounds(first, last, tz)
    before = localtime.period_days(period, localtime.previous(period, day)) if period != "day" else None
    history = _History(db, localtime.bounds(*before, tz)[0] if before else start, end)
    days = tuple(_days(history, first, last, tz))
    totals = history.totals(start, end)
    episodes = history.episodes(start, end)
    return PeriodSummary(
        period=period,
        first=first,
        last=last,
        zone=localtime.zone_name(tz),
        start=start,
        end=end,
        totals=totals,
        timeline=tuple(history.timeline(start, end)),
        episodes=tuple(episodes),
        postures=tuple(_postures(episodes, tz)),
        reminders=tuple(r for r in history.reminders if start <= r.at < end),
        lasted_median=_median([r.lasted for r in history.reminders if start <= r.at < end]),
        breaks=tuple(b for b in history.breaks if start <= b.end < end),
        breaks_suggested=sum(start <= r.at < end and r.fault in BREAK_FAULTS for r in history.reminders),
        longest_sitting=_longest_sitting(history.timeline(start, end)),
        muscle_load_seconds=_muscle_load(episodes),
        causes=likely_causes(totals, days if period != "day" else ()),
        days=days,
        profiles=_profiles(db, start, end),
        previous=(
            PeriodTotals(
                before[0],
                before[1],
                history.totals(*localtime.bounds(*before, tz)),
                tuple(_days(history, *before, tz)),
            )
            if before
            else None
        ),
    )


def _profiles(db: sqlite3.Connection, start: float, end: float) -> dict[str, float]:
    """Seconds of the minutes with the user in view, by the profile they were judged against (most first)."""
    seconds = Counter[str]()
    for minute in rows(db, "minutes", start, end):
        if minute["present"] and minute.get("profile"):
            seconds[minute["profile"]] += 60.0
    return dict(seconds.most_common())


def _days(history: _History, first: date, last: date, tz: tzinfo) -> Iterable[Day]:
    for d in localtime.dates(first, last):
        a, b = localtime.day_bounds(d, tz)
        yield Day(d, (b - a) / 3600, history.totals(a, b))


class _History:
    """The rows touching [start, end), read once and cut into any stretch of time inside it."""

    def __init__(self, db: sqlite3.Connection, start: float, end: float) -> None:
        presence = _spans(db, "presence", start, end)
        episodes = _spans(db, "episodes", start, end)
        self.sessions = [(e["session"], Span(e["fault"], e["start"], e["end"], e["side"])) for e in episodes]
        self.all_episodes = [e for _, e in self.sessions]
        held = Counter[str]()
        for e in self.all_episodes:
            held[e.kind] += e.seconds
        # Where postures overlap, the timeline shows the one held longest in all.
        rank = {f: i for i, f in enumerate(sorted(held, key=lambda f: (-held[f], list(REGISTRY).index(f))))}
        # Each session is its own timeline: one monitor runs at a time, and replays recorded side by side
        # each count their own time, as their rows do.
        self.spans = sorted(
            (
                span
                for session in dict.fromkeys(p["session"] for p in presence)
                for span in _timeline(
                    [p for p in presence if p["session"] == session],
                    [e for name, e in self.sessions if name == session],
                    rank,
                )
            ),
            key=lambda span: span.start,
        )
        # Breaks that end a little after the period still tell what followed its last reminders.
        self.breaks = [
            Stretch(b["at"] - b["seconds"], b["at"], b["seconds"])
            for b in rows(db, "breaks", start, end + BREAK_AFTER_REMINDER)
        ]
        # Coach sessions that answered a reminder (begun after it, so from the period's start on), and whether
        # the camera saw their whole dose.
        verified: dict[tuple[str, int], bool] = {}
        for c in rows(db, "coaching", start, end + COACHED_WITHIN):
            if c["alert_id"] is not None:
                key = (c["session"], c["alert_id"])
                verified[key] = verified.get(key, False) or bool(c["verified"])
        self.reminders = [_outcome(a, self.sessions, self.breaks, verified) for a in rows(db, "alerts", start, end)]

    def timeline(self, start: float, end: float) -> list[Span]:
        return [s.clip(start, end) for s in self.spans if s.end > start and s.start < end]

    def episodes(self, start: float, end: float) -> list[Span]:
        return [e.clip(start, end) for e in self.all_episodes if e.end > start and e.start < end]

    def totals(self, start: float, end: float) -> Totals:
        by_kind: defaultdict[str, float] = defaultdict(float)
        for s in self.timeline(start, end):
            by_kind[s.kind] += s.seconds
        faults = Counter[str]()
        sides: dict[str, Counter[str]] = defaultdict(Counter)
        for e in self.episodes(start, end):
            faults[e.kind] += e.seconds
            if e.side is not None:
                sides[e.kind][e.side] += e.seconds
        reminders = [r for r in self.reminders if start <= r.at < end]
        return Totals(
            present_seconds=by_kind[WELL] + sum(by_kind[f] for f in REGISTRY),
            call_seconds=by_kind["call"],
            away_seconds=by_kind["away"],
            paused_seconds=by_kind["paused"],
            unknown_seconds=by_kind["unknown"],
            good_seconds=by_kind[WELL],
            fault_seconds=dict(faults.most_common()),
            side_seconds={f: dict(s.most_common()) for f, s in sides.items()},
            states=dict(sorted(by_kind.items(), key=lambda kv: -kv[1])),
            reminders=len(reminders),
            answered=sum(r.outcome in ANSWERED for r in reminders),
            verified=sum(r.outcome in VERIFIED for r in reminders),
            snoozed=sum(r.outcome == "snoozed" for r in reminders),
            breaks=sum(start <= b.end < end for b in self.breaks),
        )


def _spans(db: sqlite3.Connection, table: str, start: float, end: float) -> list[dict[str, Any]]:
    """Rows of ``table`` overlapping [start, end), with open ends closed at their session's last heartbeat."""
    closed = "coalesce(t.end, max(t.start, coalesce(s.heartbeat, s.started)))"
    query = (
        f"SELECT t.*, {closed} AS closed FROM {table} AS t JOIN sessions AS s ON s.id = t.session "
        f"WHERE t.start < ? AND {closed} > ? ORDER BY t.start"
    )
    spans = []
    for row in db.execute(query, (end, start)):
        span = dict(row)
        span["end"] = span.pop("closed")
        spans.append(span)
    return spans


def _timeline(presence: list[dict[str, Any]], episodes: list[Span], rank: dict[str, int]) -> list[Span]:
    """One session's states one at a time: presence from its rows, and while present the posture held (or WELL).

    Where rows overlap, the first kind in ``PRESENCE`` wins, and the posture ranked first.
    """
    changes: dict[float, list[tuple[Counter[str], str, int]]] = defaultdict(list)
    seen: Counter[str] = Counter()
    held: Counter[str] = Counter()
    for p in presence:
        if p["end"] > p["start"]:
            changes[p["start"]].append((seen, p["kind"], 1))
            changes[p["end"]].append((seen, p["kind"], -1))
    for e in episodes:
        if e.end > e.start:
            changes[e.start].append((held, e.kind, 1))
            changes[e.end].append((held, e.kind, -1))
    times = sorted(changes)
    out: list[Span] = []
    for a, b in itertools.pairwise(times):
        for counter, key, step in changes[a]:
            counter[key] += step
        kind = next((k for k in PRESENCE if seen[k] > 0), None)
        if kind is None:
            continue
        if kind == "present":
            postures = [f for f, n in held.items() if n > 0]
            kind = min(postures, key=rank.__getitem__) if postures else WELL
        if out and out[-1].kind == kind and out[-1].end == a:
            out[-1] = Span(kind, out[-1].start, b)
        else:
            out.append(Span(kind, a, b))
    return out


def _outcome(
    alert: dict[str, Any], episodes: list[tuple[str, Span]], breaks: list[Stretch], coached: dict[tuple[str, int], bool]
) -> ReminderOutcome:
    """What followed one reminder: the answer given, or a break the camera saw begin soon after, or nothing.

    A reminder answered with the coach is "coached" only when the camera saw the whole dose of a session
    that answered it (``coached``: (session, alert id) to that); otherwise "stretched".
    """
    at, response = alert["at"], alert["response"]
    broke = any(at <= b.start <= at + BREAK_AFTER_REMINDER for b in breaks)
    if response == "coached":
        outcome = "coached" if coached.get((alert["session"], alert.get("alert_id")), False) else "stretched"
    elif response == "break":
        outcome = response
    elif broke:
        outcome = "break"
    else:
        outcome = response if response in ("done", "snoozed") else "ignored"
    lasted = None
    for session, e in episodes:
        if session == alert["session"] and e.kind == alert["fault"] and e.start <= at <= e.end:
            lasted = e.end - at
    return ReminderOutcome(at, alert["fault"], alert["side"], outcome, lasted)


def _median(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def _postures(episodes: list[Span], tz: tzinfo) -> Iterable[PostureTime]:
    by_fault: dict[str, list[Span]] = defaultdict(list)
    for e in episodes:
        by_fault[e.kind].append(e)
    for fault, held in sorted(by_fault.items(), key=lambda kv: -sum(e.seconds for e in kv[1])):
        hours = Counter[int]()
        for e in held:
            t = e.start
            while t < e.end:
                hours[localtime.local(t, tz).hour] += min(60.0, e.end - t)
                t += 60.0
        total = sum(e.seconds for e in held)
        yield PostureTime(fault, total, len(held), max(held, key=lambda e: e.seconds), _mostly(hours, total))


def _mostly(hours: Counter[int], total: float) -> tuple[int, int] | None:
    """The one hour of the day, or else the two, holding at least half of ``total``; None when it is spread out."""
    for width in (1, 2):
        best = max(range(24), key=lambda h: sum(hours[(h + i) % 24] for i in range(width)))
        if total > 0 and sum(hours[(best + i) % 24] for i in range(width)) >= total / 2:
            return best, (best + width) % 24
    return None


def _longest_sitting(timeline: list[Span]) -> Stretch | None:
    """The longest time seated (call included) between breaks, or between stretches where nothing was recorded.

    A pause or a stretch the camera could not read stops the count but does not end the stretch, as
    the sitting clock stands still for them.
    """
    best: Stretch | None = None
    run: Stretch | None = None
    for span in timeline:
        if span.kind == "away" or (run is not None and span.start > run.end):
            run = None
        if span.kind == "away":
            continue
        sitting = span.seconds if span.kind not in ("paused", "unknown") else 0.0
        run = Stretch(span.start if run is None else run.start, span.end, sitting + (run.seconds if run else 0.0))
        if run.seconds > 0 and (best is None or run.seconds > best.seconds):
            best = run
    return best


def _muscle_load(episodes: list[Span]) -> dict[str, float]:
    load = Counter[str]()
    for e in episodes:
        for muscle in muscles_for(e.kind, e.side):
            load[muscle] += e.seconds
    return dict(load.most_common())
