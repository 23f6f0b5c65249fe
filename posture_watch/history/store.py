"""The local history: sessions, presence, fault episodes, reminders and a per-minute summary.

SQLite in WAL mode, every event committed as it happens, so a killed process
loses nothing that had ended. The schema is versioned with ``user_version``
and migrated forward on open. When the database cannot be written (locked,
read-only, disk full) the writes wait in memory, the problem is logged once,
and they are retried with the next write: monitoring never stops for it.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import statistics
import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from functools import singledispatchmethod
from pathlib import Path
from typing import Any

from .. import localtime, paths
from ..advice.reminders import Reminder
from ..core.events import Break, Event, FaultEnd, FaultStart, Presence

log = logging.getLogger(__name__)

# Each entry moves the schema from version i to i + 1.
MIGRATIONS = [
    """
    CREATE TABLE sessions (id TEXT PRIMARY KEY, started REAL NOT NULL, ended REAL, source TEXT NOT NULL);
    CREATE TABLE presence (session TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('present', 'away')),
                           start REAL NOT NULL, end REAL);
    CREATE TABLE episodes (session TEXT NOT NULL, fault TEXT NOT NULL, side TEXT, start REAL NOT NULL,
                           end REAL, peak_load REAL);
    CREATE TABLE alerts (session TEXT NOT NULL, at REAL NOT NULL, fault TEXT NOT NULL, side TEXT,
                         held_seconds REAL NOT NULL, level INTEGER NOT NULL, muscles TEXT NOT NULL,
                         stretch TEXT, response TEXT CHECK (response IN ('done', 'snoozed', 'ignored')));
    CREATE TABLE minutes (session TEXT NOT NULL, minute REAL NOT NULL, frames INTEGER NOT NULL,
                          present INTEGER NOT NULL, features TEXT NOT NULL, PRIMARY KEY (session, minute));
    CREATE TABLE breaks (session TEXT NOT NULL, at REAL NOT NULL, seconds REAL NOT NULL);
    CREATE INDEX episodes_start ON episodes (start);
    CREATE INDEX alerts_at ON alerts (at);
    """,
    # Sessions get a heartbeat; presence records calls, pauses and unknown time as well.
    """
    ALTER TABLE sessions ADD COLUMN heartbeat REAL;
    UPDATE sessions SET heartbeat = coalesce(ended, started);
    CREATE TABLE presence2 (session TEXT NOT NULL,
                            kind TEXT NOT NULL CHECK (kind IN ('present', 'away', 'call', 'paused', 'unknown')),
                            start REAL NOT NULL, end REAL);
    INSERT INTO presence2 SELECT session, kind, start, end FROM presence;
    DROP TABLE presence;
    ALTER TABLE presence2 RENAME TO presence;
    """,
    # A reminder can also be answered with a stretch the camera followed ('coached') or with a break.
    """
    CREATE TABLE alerts2 (session TEXT NOT NULL, at REAL NOT NULL, fault TEXT NOT NULL, side TEXT,
                          held_seconds REAL NOT NULL, level INTEGER NOT NULL, muscles TEXT NOT NULL,
                          stretch TEXT,
                          response TEXT CHECK (response IN ('done', 'snoozed', 'ignored', 'coached', 'break')));
    INSERT INTO alerts2 SELECT session, at, fault, side, held_seconds, level, muscles, stretch, response FROM alerts;
    DROP TABLE alerts;
    ALTER TABLE alerts2 RENAME TO alerts;
    CREATE INDEX alerts_at ON alerts (at);
    """,
    # Each reminder keeps the engine's number for its alert, so a button answers the reminder it is on.
    """
    ALTER TABLE alerts ADD COLUMN alert_id INTEGER;
    """,
    # Coach sessions: the stretch, the dose asked, what the camera saw done, and the reminder answered.
    """
    CREATE TABLE coaching (session TEXT, alert_id INTEGER, at REAL NOT NULL, seconds REAL NOT NULL,
                           stretch TEXT NOT NULL, asked TEXT NOT NULL, done TEXT NOT NULL,
                           verified INTEGER NOT NULL, timed_only INTEGER NOT NULL);
    CREATE INDEX coaching_at ON coaching (at);
    """,
    # Each minute keeps the profile (the setup's neutral) the user was judged against.
    """
    ALTER TABLE minutes ADD COLUMN profile TEXT;
    """,
]
# Seconds between two heartbeats of a running session.
HEARTBEAT = 60.0
TABLES = ("sessions", "presence", "episodes", "alerts", "minutes", "breaks", "coaching")
# Column holding each table's time, for day selection, retention and deletion.
TIME_COLUMN = {
    "sessions": "started",
    "presence": "start",
    "episodes": "start",
    "alerts": "at",
    "minutes": "minute",
    "breaks": "at",
    "coaching": "at",
}
_COACHING = (
    "INSERT INTO coaching (session, alert_id, at, seconds, stretch, asked, done, verified, timed_only) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def path_for(settings: dict[str, Any]) -> Path:
    """The history database the settings name: ``history.path``, else the per-user data folder."""
    configured = settings["history"]["path"]
    return Path(configured).expanduser() if configured else paths.data_dir() / "history.sqlite3"


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating and migrating) a history database, readable by the user only."""
    paths.private_dir(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    # The monitor opens it on one thread and writes on another, never both at once.
    db = sqlite3.connect(path, isolation_level=None, timeout=0.5, check_same_thread=False)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    return db


class Recorder:
    """Writes one session's events as they happen (the monitor and ``replay --history`` alike).

    Times come from the events themselves (the wall time of the moment each
    describes), so a gap, a call or a replay's timeline is stored as it was.
    Presence rows follow the engine's timeline (``Presence`` events): each
    begins where the last ends, so they never overlap and leave no gap.
    A heartbeat on the session, at least once a minute, bounds what a
    report counts for a session that never ended cleanly.
    """

    def __init__(self, path: Path, source: str, started: float, retention_days: int | None = None) -> None:
        self.path = path
        self.session = uuid.uuid4().hex
        self.started = started
        self.pending: list[tuple[str, tuple]] = []
        self.failing = False
        self.db: sqlite3.Connection | None = None
        # The minute being gathered: its start, frames, frames with the user, features, and profiles in use.
        self.minute: tuple[float, int, int, dict[str, list[float]], Counter[str]] | None = None
        # The presence row open now: (kind, start).
        self.row: tuple[str, float] | None = None
        self.last = started
        self.beaten = started
        try:
            self.db = connect(path)
            if retention_days:
                prune(self.db, started - retention_days * 86400)
        except (sqlite3.Error, OSError) as exc:
            self._failed(exc)
        self._write(
            "INSERT INTO sessions (id, started, source, heartbeat) VALUES (?, ?, ?, ?)",
            (self.session, started, source, started),
        )

    def _failed(self, exc: Exception) -> None:
        if not self.failing:
            log.error("history %s cannot be written (%s); keeping events in memory and retrying", self.path, exc)
        self.failing = True

    def _write(self, sql: str, params: tuple) -> None:
        self.pending.append((sql, params))
        try:
            if self.db is None:
                self.db = connect(self.path)
            while self.pending:
                self.db.execute(*self.pending[0])
                self.pending.pop(0)
        except (sqlite3.Error, OSError) as exc:
            self._failed(exc)
            return
        if self.failing:
            log.info("history %s writable again", self.path)
            self.failing = False

    @singledispatchmethod
    def record(self, outcome: Event | Reminder) -> None:
        """Record one outcome of the pipeline at the wall times it carries (other events are not history)."""

    @record.register
    def _(self, event: FaultStart) -> None:
        at = self._at(event)
        if at is not None:
            self._write(
                "INSERT INTO episodes (session, fault, side, start) VALUES (?, ?, ?, ?)",
                (self.session, event.fault, event.side, _epoch(event.since_wall, at)),
            )

    @record.register
    def _(self, event: FaultEnd) -> None:
        at = self._at(event)
        if at is not None:
            end = _epoch(event.since_wall, at) + event.held_seconds
            self._write(
                "UPDATE episodes SET end = ?, peak_load = ?, side = coalesce(side, ?) "
                "WHERE session = ? AND fault = ? AND end IS NULL",
                (end, event.peak_load, event.side, self.session, event.fault),
            )

    @record.register
    def _(self, reminder: Reminder) -> None:
        alert = reminder.alert
        at = self._at(alert)
        if at is None:
            return
        if alert.level > 0:
            self._write(
                "UPDATE alerts SET response = 'ignored' WHERE session = ? AND fault = ? AND response IS NULL",
                (self.session, alert.fault),
            )
        self._write(
            "INSERT INTO alerts (session, at, fault, side, held_seconds, level, muscles, stretch, alert_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                self.session,
                at,
                alert.fault,
                alert.side,
                alert.held_seconds,
                alert.level,
                json.dumps(list(alert.muscles)),
                reminder.stretch.id if reminder.stretch else None,
                alert.id,
            ),
        )

    @record.register
    def _(self, event: Presence) -> None:
        at = self._at(event)
        if at is not None:
            # Asleep is time away: in the history both are away.
            self._presence("away" if event.state == "asleep" else event.state, _epoch(event.since_wall, at))

    @record.register
    def _(self, event: Break) -> None:
        at = self._at(event)
        if at is not None:
            end = _epoch(event.since_wall, at) + event.seconds
            row = (self.session, end, event.seconds)
            self._write("INSERT INTO breaks (session, at, seconds) VALUES (?, ?, ?)", row)

    def _at(self, event: Event) -> float | None:
        """The event's epoch, noted as a sign of life; None for an event without a wall time (not history)."""
        if event.wall is None:
            return None
        at = event.wall.timestamp()
        self.beat(at)
        return at

    def _presence(self, kind: str, since: float) -> None:
        """The timeline is ``kind`` from ``since`` on: the open row ends there, and a new one begins."""
        if self.row is not None:
            if self.row[0] == kind:
                return
            if self.row[1] >= since:  # it turned out to be something else from its start (nobody in view: away)
                self._write("UPDATE presence SET kind = ? WHERE session = ? AND end IS NULL", (kind, self.session))
                self.row = (kind, self.row[1])
                return
        self._close_presence(since)
        self._write("INSERT INTO presence (session, kind, start) VALUES (?, ?, ?)", (self.session, kind, since))
        self.row = (kind, since)

    def _close_presence(self, at: float) -> None:
        self._write("UPDATE presence SET end = ? WHERE session = ? AND end IS NULL", (at, self.session))
        self.row = None

    def beat(self, at: float) -> None:
        """Note that the session is alive at epoch ``at``; written at most once a minute."""
        self.last = max(self.last, at)
        if at - self.beaten >= HEARTBEAT:
            self.beaten = at
            self._write("UPDATE sessions SET heartbeat = ? WHERE id = ?", (at, self.session))

    def respond(self, alert_id: int, response: str) -> None:
        """The user's answer to the reminder of alert ``alert_id`` (numbered by the engine in this session)."""
        self._write(
            "UPDATE alerts SET response = ? WHERE session = ? AND alert_id = ?", (response, self.session, alert_id)
        )

    def coached(self, at: float, summary: Mapping[str, Any], alert_id: int | None) -> None:
        """A coach session of this monitor's, begun at epoch ``at``, has ended with ``summary`` (``coach --json``'s
        last line); it answers the reminder of ``alert_id``, if any."""
        self.beat(at)
        self._write(_COACHING, _coaching(self.session, alert_id, at, summary))
        if alert_id is not None:
            self.respond(alert_id, "coached")

    def sample(self, at: float, features: dict[str, float], profile: str | None = None) -> None:
        """Fold one analysed frame, judged against ``profile``'s neutral, into the per-minute summary."""
        self.beat(at)
        minute = at - at % 60
        if self.minute is not None and self.minute[0] != minute:
            self._flush_minute()
        if self.minute is None:
            self.minute = (minute, 0, 0, {}, Counter())
        start, frames, present, values, profiles = self.minute
        for key, value in features.items():
            values.setdefault(key, []).append(value)
        if features and profile is not None:
            profiles[profile] += 1
        self.minute = (start, frames + 1, present + bool(features), values, profiles)

    def _flush_minute(self) -> None:
        if self.minute is None:
            return
        start, frames, present, values, profiles = self.minute
        means = {k: round(statistics.fmean(v), 4) for k, v in values.items()}
        profile = profiles.most_common(1)[0][0] if profiles else None
        self._write(
            "INSERT OR REPLACE INTO minutes (session, minute, frames, present, features, profile) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (self.session, start, frames, present, json.dumps(means), profile),
        )
        self.minute = None

    def close(self, at: float | None = None) -> None:
        """End the session: close what is still open at ``at`` (default: the last event)."""
        end = at if at is not None else self.last
        self._flush_minute()
        self._write("UPDATE episodes SET end = ? WHERE session = ? AND end IS NULL", (end, self.session))
        self._close_presence(end)
        self._write("UPDATE sessions SET ended = ?, heartbeat = ? WHERE id = ?", (end, end, self.session))
        if self.db is not None:
            self.db.close()
            self.db = None


def record_coaching(path: Path, at: float, summary: Mapping[str, Any]) -> None:
    """A coach session run on its own (``posture-watch coach``), begun at epoch ``at``: it answers no reminder."""
    db = connect(path)
    try:
        db.execute(_COACHING, _coaching(None, None, at, summary))
    finally:
        db.close()


def _coaching(session: str | None, alert_id: int | None, at: float, summary: Mapping[str, Any]) -> tuple:
    return (
        session,
        alert_id,
        at,
        float(summary["seconds"]),
        str(summary["stretch"]),
        json.dumps(summary["asked"]),
        json.dumps(summary["done"]),
        int(bool(summary["verified"])),
        int(bool(summary["timed_only"])),
    )


def _epoch(wall: datetime | None, default: float) -> float:
    return wall.timestamp() if wall is not None else default


def busy_until(db: sqlite3.Connection, start: float, end: float) -> float | None:
    """The latest end (or last heartbeat) of the sessions overlapping [start, end], or None when there is none."""
    row = db.execute(
        "SELECT max(coalesce(ended, heartbeat, started)) FROM sessions "
        "WHERE started <= ? AND coalesce(ended, heartbeat, started) >= ?",
        (end, start),
    ).fetchone()
    return row[0] if row is not None else None


def prune(db: sqlite3.Connection, before: float) -> int:
    """Delete everything older than epoch ``before``; returns the rows removed."""
    removed = 0
    for table in TABLES:
        removed += db.execute(f"DELETE FROM {table} WHERE {TIME_COLUMN[table]} < ?", (before,)).rowcount
    return removed


def rows(db: sqlite3.Connection, table: str, start: float, end: float) -> list[dict[str, Any]]:
    """Rows of ``table`` whose time falls in [start, end)."""
    column = TIME_COLUMN[table]
    query = f"SELECT * FROM {table} WHERE {column} >= ? AND {column} < ? ORDER BY {column}"
    return [dict(r) for r in db.execute(query, (start, end))]


# Columns holding epoch seconds; the CSV export writes them as local ISO times.
EPOCH_COLUMNS = frozenset({"started", "ended", "heartbeat", "start", "end", "at", "minute"})


def export_csv(db: sqlite3.Connection, folder: Path) -> list[Path]:
    """Write each table to ``folder/TABLE.csv``, times as local ISO times with their offset; returns the files."""
    import csv

    paths.private_dir(folder)
    tz = localtime.zone()
    written = []
    for table in TABLES:
        cursor = db.execute(f"SELECT * FROM {table} ORDER BY {TIME_COLUMN[table]}")
        columns = [d[0] for d in cursor.description]
        times = [i for i, name in enumerate(columns) if name in EPOCH_COLUMNS]
        path = folder / f"{table}.csv"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            for row in cursor:
                values = list(row)
                for i in times:
                    values[i] = localtime.iso(values[i], tz)
                writer.writerow(values)
        written.append(path)
    return written
