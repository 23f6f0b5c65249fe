"""``posture-watch coach --source V --json`` on recordings of a real person, through the real pose model.

The recordings are made at test time (scripts/make_test_videos.py) from real people of the shared
data sets: the man of neutral-front-video sitting still as he was recorded, or with his head tilted
toward each shoulder and held there; the man of slouching-or-not's upright webcam frames as they
are, or shrugging; the woman of head-turn-look-up facing the camera, or turning her head away.
"""

from __future__ import annotations

import functools
import itertools
import json
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

# DATASETS: the recordings come from the shared data sets, which a run of these tests needs.
from conftest import DATASETS, json_lines, run_cli  # noqa: F401

from posture_watch import config
from posture_watch.app import coach as coaching
from posture_watch.app.coaching import CoachEnded, CoachProcess, command
from posture_watch.app.pipeline import open_estimator
from posture_watch.core import engine
from posture_watch.core.events import Calibrated
from posture_watch.errors import UserError
from posture_watch.history.store import connect
from posture_watch.sense.camera import Camera
from posture_watch.sense.devices import Device, index_id, index_name
from posture_watch.sense.video import VideoFile


def coach(*args: str | Path) -> list[dict]:
    result = run_cli("coach", *args, "--calibrate", "5", "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = json_lines(result.stdout)
    assert lines[0]["event"] == "calibrated" and lines[-1]["event"] == "summary"
    return lines


def test_a_side_neck_stretch_held_to_each_side_is_verified(coach_videos):
    lines = coach("side_neck_stretch", "--source", coach_videos("both_sides"))
    holds = [(e["side"], e["n"]) for e in lines if e["event"] == "hold"]
    assert holds == [("right", 1), ("right", 2), ("left", 1), ("left", 2)]
    assert all(e["seconds"] >= 20.0 for e in lines if e["event"] == "hold")
    steps = [e for e in lines if e["event"] == "step"]
    assert [s["side"] for s in steps] == ["right", "left"]
    assert "Tilt your left ear toward your left shoulder without lifting the shoulder." in steps[0]["steps"]
    summary = lines[-1]
    assert summary["verified"] is True and summary["timed_only"] is False
    assert summary["asked"] == {"seconds": 20.0, "times": 2, "sides": ["right", "left"]}
    assert summary["done"] == [{"side": "right", "holds": 2}, {"side": "left", "holds": 2}]


def test_the_same_man_sitting_still_has_nothing_verified(coach_videos):
    lines = coach("side_neck_stretch", "--source", coach_videos("still"))
    assert not [e for e in lines if e["event"] in ("hold", "rep")]
    summary = lines[-1]
    assert summary["verified"] is False
    assert summary["done"] == [{"side": "right", "holds": 0}, {"side": "left", "holds": 0}]
    # Sitting still is not the wrong way either: nothing to correct but the step itself.
    assert not [e for e in lines if e["event"] == "feedback" and "other way" in e["text"]]


def test_one_side_asked_on_the_tilting_recording(coach_videos):
    # --side left stretches the left side: the head toward the right shoulder, held in the second half.
    lines = coach("side_neck_stretch", "--side", "left", "--source", coach_videos("both_sides"))
    assert [(e["side"], e["n"]) for e in lines if e["event"] == "hold"] == [("left", 1), ("left", 2)]
    assert lines[-1]["verified"] is True and lines[-1]["asked"]["sides"] == ["left"]
    # Tilted the other way first: it said so, in plain words.
    assert "the other way: your right ear toward your right shoulder" in [
        e["text"] for e in lines if e["event"] == "feedback"
    ]


def test_shoulder_rolls_count_each_shrug_up_and_down_into_the_history(coach_videos, tmp_path):
    history = tmp_path / "history.sqlite3"
    lines = coach("shoulder_rolls", "--source", coach_videos("shrugs"), "--history", history)
    assert [e["n"] for e in lines if e["event"] == "rep"] == list(range(1, 11))
    assert lines[-1]["verified"] is True and lines[-1]["done"] == [{"side": None, "reps": 10}]
    db = connect(history)
    try:
        (row,) = [dict(r) for r in db.execute("SELECT * FROM coaching")]
    finally:
        db.close()
    assert row["stretch"] == "shoulder_rolls" and row["verified"] == 1 and row["timed_only"] == 0
    assert row["session"] is None and row["alert_id"] is None, "on its own it answers no reminder"
    assert json.loads(row["asked"]) == {"seconds": 0.0, "times": 10, "sides": [None]}
    assert json.loads(row["done"]) == [{"side": None, "reps": 10}]


def test_sitting_upright_is_no_shrug_and_nothing_to_correct(coach_videos):
    lines = coach("shoulder_rolls", "--source", coach_videos("upright"))
    assert not [e for e in lines if e["event"] in ("rep", "feedback")]
    assert lines[-1]["verified"] is False and lines[-1]["done"] == [{"side": None, "reps": 0}]


def test_the_eye_break_counts_the_time_the_head_is_turned_away(coach_videos):
    lines = coach("eye_break_20_20_20", "--source", coach_videos("turned"))
    holds = [e for e in lines if e["event"] == "hold"]
    assert len(holds) == 1 and holds[0]["seconds"] >= 20.0
    assert lines[-1]["verified"] is True
    lines = coach("eye_break_20_20_20", "--source", coach_videos("facing"))
    assert not [e for e in lines if e["event"] == "hold"] and lines[-1]["verified"] is False


def test_a_turned_head_without_the_nod_is_no_levator_stretch_and_says_so(coach_videos):
    # Stretching the left side: the nose toward the right armpit. She turns, but keeps her chin up.
    lines = coach("levator_stretch", "--side", "left", "--source", coach_videos("turned"))
    assert not [e for e in lines if e["event"] == "hold"] and lines[-1]["verified"] is False
    assert "nod a little further down" in [e["text"] for e in lines if e["event"] == "feedback"]


def test_the_monitors_coach_child_reports_its_summary_or_why_it_could_not_run(coach_videos, tmp_path):
    """What Start and Stretch now run: ``posture-watch coach`` as a child, its end posted to the monitor."""
    posted: list[CoachEnded] = []
    done = threading.Event()

    def post(event: object) -> None:
        assert isinstance(event, CoachEnded)
        posted.append(event)
        done.set()

    # With --json a recording runs as fast as it decodes, without a window (the monitor's child shows one).
    child = CoachProcess([*command("shoulder_rolls", None, None, coach_videos("shrugs"), 5.0), "--json"], 7, post)
    child.start()
    assert done.wait(300) and not child.running
    (ended,) = posted
    assert ended.alert_id == 7 and ended.error is None and ended.summary is not None
    assert ended.summary["verified"] is True and ended.summary["name"] == "Shoulder rolls"
    posted.clear()
    done.clear()
    child = CoachProcess([*command("shoulder_rolls", None, None, tmp_path / "gone.mp4", 5.0), "--json"], None, post)
    child.start()
    assert done.wait(120)
    (ended,) = posted
    gone = tmp_path / "gone.mp4"
    assert ended.summary is None and ended.error == f"posture-watch: error: {gone}: no such video file; check the path"


def test_the_coach_calibrates_at_aware_wall_times_counted_from_when_it_began(coach_videos):
    """The engine's wall times are aware and counted in real seconds from ``began``, here across the spring change
    of the clocks (01:59:58 + 5 s is 03:00:03 summer time); the history stores ``began`` as a UTC epoch."""
    settings = config.defaults()
    paris = ZoneInfo("Europe/Paris")
    began = datetime(2026, 3, 29, 1, 59, 58, tzinfo=paris)
    stretch = coaching.by_id(settings, "side_neck_stretch")
    coached = coaching.Coaching(stretch, None, settings, engine.new_state(calibrate_seconds=5.0), began)
    said: list[object] = []
    video = VideoFile(coach_videos("still"), coaching.FPS)
    try:
        with open_estimator(settings) as estimator:
            frames = itertools.takewhile(lambda frame: frame[0] < 7.0, video.frames())
            coaching.follow(coached, estimator, frames, lambda c, output: said.append(output))
    finally:
        video.close()
    (calibrated,) = [e for e in said if isinstance(e, Calibrated)]
    assert calibrated.wall is not None and calibrated.wall.utcoffset() == timedelta(hours=2)
    assert calibrated.wall.timestamp() == began.timestamp() + calibrated.t, "real seconds from when it began"
    assert calibrated.wall.replace(tzinfo=None) == datetime(2026, 3, 29, 3, 0, 3) + timedelta(seconds=calibrated.t - 5)
    assert coached.session is not None and coached.began.timestamp() == 1774745998.0


def test_the_coach_says_the_camera_is_in_use_and_does_not_wait_for_it_forever(monkeypatch):
    """Another program holds the webcam (mocked: there is no webcam here): the coach gives up after its patience."""

    class Held:
        def isOpened(self) -> bool:
            return False

        def release(self) -> None:
            pass

    camera_0 = Device(0, index_id(0), index_name(0))  # the camera the settings name (camera.device = 0)
    monkeypatch.setattr(coaching, "Camera", functools.partial(Camera, opener=lambda i: Held(), find=lambda s: camera_0))
    monkeypatch.setattr(coaching, "PATIENCE", 3.0)
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    settings = config.defaults()
    said: list[object] = []
    tuck = coaching.by_id(settings, "chin_tuck")
    with pytest.raises(UserError, match=r"^camera 0 is in use by another program; close it and try again$"):
        coaching.run(settings, tuck, None, None, 5.0, True, lambda c, output: said.append(output))
    assert said == [], "nothing judged without a frame"
