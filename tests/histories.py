"""Hand-built histories: days written row by row as the monitor writes them, at local times of the zone in force.

A day is a script of segments, each a presence kind and its minutes; the
postures held inside a segment are (fault, minutes in, minutes long, side).
Away segments also get the break row the monitor writes when the person is
back. Times are local wall times on the given date, so the same script under
``TZ=America/New_York`` lands on the real instants of a clock-change day.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from posture_watch import localtime
from posture_watch.history.store import connect

Posture = tuple[str, float, float, str | None]


@dataclass
class Segment:
    kind: str
    minutes: float
    postures: list[Posture] = field(default_factory=list)


def at(day: date, clock: str, fold: int = 0) -> float:
    """The epoch of local ``clock`` ("HH:MM") on ``day`` in the zone in force (``fold`` 1: a repeated hour's second)."""
    hour, minute = map(int, clock.split(":"))
    return datetime.combine(day, time(hour, minute), localtime.zone()).replace(fold=fold).timestamp()


class History:
    """A history database filled by hand: sessions, presence, postures, reminders and breaks."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db: sqlite3.Connection = connect(path)
        self.sessions = 0
        # The engine numbers its alerts; here one number for the whole history does.
        self.alerts = 0

    def session(self, start: float, end: float | None, heartbeat: float | None = None) -> str:
        self.sessions += 1
        name = f"s{self.sessions}"
        self.db.execute(
            "INSERT INTO sessions (id, started, ended, source, heartbeat) VALUES (?, ?, ?, 'test', ?)",
            (name, start, end, heartbeat if heartbeat is not None else end),
        )
        return name

    def presence(self, session: str, kind: str, start: float, end: float | None) -> None:
        self.db.execute(
            "INSERT INTO presence (session, kind, start, end) VALUES (?, ?, ?, ?)", (session, kind, start, end)
        )

    def episode(self, session: str, fault: str, start: float, end: float | None, side: str | None = None) -> None:
        self.db.execute(
            "INSERT INTO episodes (session, fault, side, start, end, peak_load) VALUES (?, ?, ?, ?, ?, 1.0)",
            (session, fault, side, start, end),
        )

    def alert(self, session: str, when: float, fault: str, response: str | None = None, side: str | None = None):
        """A reminder and its answer; "coached" comes with the coach session that answered it, its dose all seen."""
        self.alerts += 1
        self.db.execute(
            "INSERT INTO alerts (session, at, fault, side, held_seconds, level, muscles, stretch, response, alert_id) "
            "VALUES (?, ?, ?, ?, 300.0, 0, '[]', NULL, ?, ?)",
            (session, when, fault, side, response, self.alerts),
        )
        if response == "coached":
            self.coached(session, when + 60, self.alerts)

    def coached(self, session: str | None, when: float, alert_id: int | None, verified: bool = True) -> None:
        """A coach session of chin tucks begun at ``when``: ten verified, or only four when not ``verified``."""
        done = 10 if verified else 4
        self.db.execute(
            "INSERT INTO coaching (session, alert_id, at, seconds, stretch, asked, done, verified, timed_only) "
            "VALUES (?, ?, ?, 60.0, 'chin_tuck', ?, ?, ?, 0)",
            (
                session,
                alert_id,
                when,
                '{"seconds": 2.0, "times": 10, "sides": [null]}',
                f'[{{"side": null, "holds": {done}}}]',
                int(verified),
            ),
        )

    def away(self, session: str, start: float, end: float) -> None:
        """Time away and the break it makes, as the monitor writes them when the person is back."""
        self.presence(session, "away", start, end)
        self.db.execute("INSERT INTO breaks (session, at, seconds) VALUES (?, ?, ?)", (session, end, end - start))

    def script(self, start: float, segments: list[Segment]) -> str:
        """One session from ``start`` through ``segments``; returns the session's id."""
        end = start + sum(s.minutes for s in segments) * 60
        session = self.session(start, end)
        t = start
        for s in segments:
            stop = t + s.minutes * 60
            if s.kind == "away":
                self.away(session, t, stop)
            else:
                self.presence(session, s.kind, t, stop)
            for fault, offset, minutes, side in s.postures:
                self.episode(session, fault, t + offset * 60, t + (offset + minutes) * 60, side)
            t = stop
        return session

    def close(self) -> None:
        self.db.close()


def sample_day(h: History, day: date) -> str:
    """A plausible working day: head forward much of it, the head turned to the left, a call, lunch, a pause."""
    session = h.script(
        at(day, "08:52"),
        [
            Segment(
                "present",
                108,
                [
                    ("head_turn", 8, 15, "left"),
                    ("forward_head", 28, 24, None),
                    ("head_turn", 58, 12, "left"),
                    ("forward_head", 73, 26, None),
                ],
            ),
            Segment("away", 15),
            Segment("present", 35, [("too_close", 10, 15, None)]),
            Segment("call", 35),
            Segment("present", 25),
            Segment("away", 45),
            Segment(
                "present",
                105,
                [("head_turn", 5, 15, "left"), ("forward_head", 25, 32, None), ("trunk_lean", 60, 10, "right")],
            ),
            Segment("paused", 20),
            Segment(
                "present",
                135,
                [
                    ("head_turn", 10, 25, "left"),
                    ("forward_head", 45, 35, None),
                    ("static_posture", 82, 18, None),
                    ("head_turn", 90, 15, "left"),
                    ("head_turn", 110, 5, "right"),
                ],
            ),
        ],
    )
    for clock, fault, response in (
        ("09:25", "forward_head", "done"),
        ("10:10", "forward_head", None),
        ("10:36", "sitting", None),
        ("12:26", "sitting", "snoozed"),
        ("13:45", "forward_head", "coached"),
        ("14:35", "forward_head", "snoozed"),
        ("15:40", "head_turn", "ignored"),
        ("16:10", "forward_head", "done"),
        ("16:50", "static_posture", "done"),
    ):
        h.alert(session, at(day, clock), fault, response, "left" if fault == "head_turn" else None)
    return session


def workday(h: History, day: date, rng: random.Random, forward: float) -> None:
    """A day of random length and rhythm with head forward about ``forward`` of the time seen."""
    segments = []
    for block in range(rng.randint(3, 5)):
        minutes = rng.uniform(50, 110)
        postures: list[Posture] = []
        t = rng.uniform(2, 10)
        while t < minutes - 8:
            held = min(rng.uniform(6, 25), minutes - t - 1)
            if rng.random() < forward * 1.6:
                postures.append(("forward_head", t, held, None))
            elif rng.random() < 0.3:
                postures.append(("head_turn", t, min(held, 10), rng.choice(["left", "right"])))
            t += held + rng.uniform(3, 25)
        segments.append(Segment("present", minutes, postures))
        if block == 1:
            segments.append(Segment("call", rng.uniform(15, 45)))
        segments.append(Segment("away", rng.uniform(8, 50)))
    session = h.script(at(day, "08:30") + rng.uniform(0, 3600), segments[:-1])
    start = h.db.execute("SELECT started, ended FROM sessions WHERE id = ?", (session,)).fetchone()
    for n in range(rng.randint(3, 9)):
        when = start[0] + (start[1] - start[0]) * (n + 0.5) / 9
        response = rng.choice(["done", "coached", "snoozed", None, "done"])
        h.alert(session, when, rng.choice(["forward_head", "forward_head", "sitting"]), response)


def sample_weeks(h: History, monday: date, weeks: int = 2, skip: tuple[int, ...] = (3,)) -> None:
    """``weeks`` working weeks, the last from ``monday``, each a little better than the one before.

    ``skip`` leaves weekdays (0 is Monday) out of the last week.
    """
    rng = random.Random(7)
    for week in range(weeks - 1, -1, -1):
        for n in range(5):
            if week == 0 and n in skip:
                continue
            forward = 0.3 + 0.03 * week + rng.uniform(-0.12, 0.12)
            workday(h, monday - timedelta(days=7 * week - n), rng, forward)
