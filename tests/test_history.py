"""History: nothing lost to a kill, a versioned schema, retention, export and deletion (the report: test_report.py)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta

import cv2
import numpy as np
import pytest
from conftest import ROOT, run_cli
from make_test_videos import Timeline
from test_scenarios import TEST_CONFIG

from posture_watch import config
from posture_watch.app.record import record
from posture_watch.core.events import FaultStart
from posture_watch.history import store as history
from posture_watch.sense.devices import Device


class Alternating(Timeline):
    """Neutral and forward head in turns of ``period`` seconds, after a neutral start."""

    def __init__(self, period: float) -> None:
        super().__init__(onset=10.0)
        self.period = period

    def amount(self, t: float) -> float:
        return 0.0 if t < self.onset or int((t - self.onset) // self.period) % 2 else 1.0


def test_history_survives_sigkill_half_way(tmp_path, videos, config_file):
    db = tmp_path / "history.sqlite3"
    cfg = config_file(TEST_CONFIG)
    video = videos("forward_head", seconds=240, fps=5, timeline=Alternating(12))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "posture_watch",
            "replay",
            str(video),
            "--config",
            str(cfg),
            "--calibrate",
            "8",
            "--json",
            "--history",
            str(db),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    ended = []
    assert proc.stdout is not None
    for line in proc.stdout:
        event = json.loads(line)
        if event["event"] == "fault_end":
            ended.append(event)
            if len(ended) == 3:
                break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert len(ended) == 3
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        done = conn.execute("SELECT fault, start, end FROM episodes WHERE end IS NOT NULL ORDER BY start").fetchall()
    assert len(done) >= 3
    for event, (fault, start, end) in zip(ended, done, strict=False):
        assert fault == event["fault"]
        assert end - start == pytest.approx(event["held_seconds"], abs=0.01)


def test_schema_is_versioned_and_migrated(tmp_path):
    db = history.connect(tmp_path / "h.sqlite3")
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(history.MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    assert oct((tmp_path / "h.sqlite3").stat().st_mode & 0o777) == "0o600"
    history.connect(tmp_path / "h.sqlite3").close()  # opening again migrates nothing and fails nothing


def _start(fault: str, at: float) -> FaultStart:
    wall = datetime.fromtimestamp(at)
    return FaultStart(0.0, wall, fault, None, 0.0, wall)


def test_an_answer_marks_the_reminder_it_was_given_on(tmp_path):
    from posture_watch.advice.reminders import Reminder
    from posture_watch.core.events import Alert

    path = tmp_path / "h.sqlite3"
    start = datetime(2026, 11, 23, 10, 0)
    recorder = history.Recorder(path, "test", start.timestamp())
    for number, level in ((1, 0), (2, 1), (3, 0)):
        wall = start + timedelta(minutes=10 * number)
        fault = "sitting" if number == 3 else "forward_head"
        alert = Alert(600.0 * number, wall, fault, None, 300.0, 300.0, level, ("suboccipitals",), number)
        recorder.record(Reminder(alert, None, "title", "body"))
    # The first reminder's Done is pressed after the second came: it is the first that was done.
    recorder.respond(1, "done")
    recorder.respond(3, "snoozed")
    recorder.close()
    db = history.connect(path)
    rows = {r["alert_id"]: r["response"] for r in db.execute("SELECT alert_id, response FROM alerts")}
    db.close()
    assert rows == {1: "done", 2: None, 3: "snoozed"}


def test_retention_export_and_delete(tmp_path):
    path = tmp_path / "h.sqlite3"
    now = time.time()
    old = history.Recorder(path, "test", now - 100 * 86400)
    old.record(_start("slouch", now - 100 * 86400))
    old.close(now - 100 * 86400 + 60)
    recent = history.Recorder(path, "test", now - 3600, retention_days=90)
    recent.record(_start("forward_head", now - 3600))
    recent.close(now - 3000)
    with sqlite3.connect(path) as conn:
        assert [r[0] for r in conn.execute("SELECT fault FROM episodes")] == ["forward_head"]

    out = tmp_path / "csv"
    result = run_cli("history", "export", "--csv", out, "--history", path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{t}.csv" for t in history.TABLES)
    assert "forward_head" in (out / "episodes.csv").read_text()

    tomorrow = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%d")
    assert run_cli("history", "delete", "--before", "2000-01-01", "--history", path).returncode == 0
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM episodes").fetchone()[0] == 1
    result = run_cli("history", "delete", "--before", tomorrow, "--history", path)
    assert result.returncode == 0 and "deleted" in result.stdout
    with sqlite3.connect(path) as conn:
        assert all(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] == 0 for t in history.TABLES)
    assert run_cli("history", "delete", "--before", "yesterday", "--history", path).returncode == 2


def test_report_on_an_empty_or_missing_history_says_so(tmp_path):
    result = run_cli("report", "--history", tmp_path / "none.sqlite3")
    assert result.returncode == 2 and "no history yet" in result.stderr


class FakeWebcam:
    """A camera that gives 15 frames a second on a fake clock, whatever rate was asked for."""

    def __init__(self, clock: list[float]) -> None:
        self.n, self.clock = 0, clock

    def isOpened(self) -> bool:
        return True

    def set(self, prop: int, value: float) -> bool:
        return True

    def grab(self) -> bool:
        self.n += 1
        self.clock[0] += 1 / 15
        return True

    def retrieve(self):
        return True, np.full((120, 160, 3), self.n % 255, np.uint8)

    def release(self) -> None:
        pass


def test_record_saves_a_private_replayable_file_at_the_cameras_real_rate(tmp_path):
    now = [0.0]
    out = tmp_path / "me.mp4"
    settings = config.defaults()  # asks for 10 frames a second
    camera = FakeWebcam(now)
    webcam = Device(0, "usb-Fake_Webcam-video-index0", "Fake Webcam")
    frames = record(
        out, 3.0, settings, opener=lambda i: camera, find=lambda spec: webcam, clock=lambda: now[0], wait=lambda s: None
    )
    assert 44 <= frames <= 46
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    capture = cv2.VideoCapture(str(out))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == frames
    assert capture.get(cv2.CAP_PROP_FPS) == pytest.approx(15, abs=0.1)
    capture.release()


def test_replays_recorded_one_after_another_never_overlap(tmp_path, videos):
    video = videos("neutral", seconds=20, fps=5)
    db = tmp_path / "h.sqlite3"
    first = run_cli("replay", video, "--calibrate", "3", "--history", db)
    second = run_cli("replay", video, "--calibrate", "3", "--history", db)
    assert first.returncode == 0 and second.returncode == 0, second.stderr
    assert "the replay is placed at" in second.stderr
    sessions = history.connect(db)
    spans = [tuple(row) for row in sessions.execute("SELECT started, ended FROM sessions ORDER BY started")]
    sessions.close()
    assert len(spans) == 2 and spans[0][1] <= spans[1][0]
    # The recording was made before now: by default a replay is placed when it was recorded.
    assert spans[0][0] <= video.stat().st_mtime
    # A start the user gives that would overlap is refused, with what to do instead.
    asked = datetime.fromtimestamp(spans[0][0]).strftime("%Y-%m-%dT%H:%M:%S")
    third = run_cli("replay", video, "--calibrate", "3", "--history", db, "--start", asked)
    assert third.returncode == 2 and "would overlap a session already in" in third.stderr
    later = datetime.fromtimestamp(spans[1][1] + 3600).strftime("%Y-%m-%dT%H:%M")
    fourth = run_cli("replay", video, "--calibrate", "3", "--history", db, "--start", later)
    assert fourth.returncode == 0, fourth.stderr
