"""Reliability: odd recordings, random settings, broken landmarks, a troubled database, a short soak, security."""

from __future__ import annotations

import logging
import math
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import ROOT, json_lines, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posture_watch import config
from posture_watch.advice.reminders import Reminder
from posture_watch.app import baselines
from posture_watch.core import engine, features
from posture_watch.core.events import Alert
from posture_watch.errors import UserError
from posture_watch.history import store as history
from posture_watch.sense import model
from posture_watch.sense.camera import find_device
from posture_watch.sense.pose import choose_user
from posture_watch.sense.video import VideoFile

# --- recordings ---------------------------------------------------------------------------------


def _avi(path: Path, frames: int, size=(160, 120)) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, size)
    for i in range(frames):
        writer.write(np.full((size[1], size[0], 3), (i * 7) % 255, np.uint8))
    writer.release()
    return path


def test_zero_frame_recording_is_a_clear_error(tmp_path):
    path = _avi(tmp_path / "empty.avi", 0)
    result = run_cli("replay", path, "--calibrate", "5")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no readable frames" in result.stderr or "could not be opened" in result.stderr or "empty" in result.stderr


@pytest.mark.parametrize("rate", [0, "nan"])
def test_frame_rate_zero_or_nan_in_the_metadata(tmp_path, rate):
    path = _avi(tmp_path / "clip.avi", 30)
    data = bytearray(path.read_bytes())
    # Zero the stream's rate (and the main header's frame time) so the metadata says 0 or NaN fps.
    strh = data.index(b"strh") + 8
    data[strh + 24 : strh + 28] = (0).to_bytes(4, "little")
    if rate == "nan":
        data[strh + 20 : strh + 24] = (0).to_bytes(4, "little")
    avih = data.index(b"avih") + 8
    data[avih : avih + 4] = (0).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    source = VideoFile(path, 2.0)
    times = [t for t, _ in source.frames()]
    source.close()
    assert source.frames_read == 30
    assert times and all(math.isfinite(t) for t in times) and times == sorted(times)
    assert len(set(times)) == len(times)


def test_4k_recording_replays(tmp_path, videos):
    capture = cv2.VideoCapture(str(videos("neutral", seconds=20, fps=5)))
    frame = cv2.resize(capture.read()[1], (3840, 2160))
    capture.release()
    path = tmp_path / "uhd.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 5, (3840, 2160))
    for _ in range(20):
        writer.write(frame)
    writer.release()
    result = run_cli("replay", path, "--calibrate", "2", "--json")
    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    assert lines[-1]["event"] == "summary" and lines[-1]["frames_read"] == 20
    assert any(e["event"] == "calibrated" for e in lines)


# --- settings -----------------------------------------------------------------------------------

LEAVES = [(table, key) for table, body in config.defaults().items() for key in body if not isinstance(body[key], dict)]
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(LEAVES), VALUES), max_size=4))
def test_random_values_are_accepted_or_named(assignments):
    tables: dict[str, list[str]] = {}
    for (table, key), value in assignments:
        if value is not None:
            tables.setdefault(table, []).append(f"{key} = {_toml_value(value)}")
    text = "".join(f"[{t}]\n" + "\n".join(dict.fromkeys(lines)) + "\n" for t, lines in tables.items())
    try:
        loaded = config.parse(text.encode(), "random.toml")
    except UserError as exc:
        message = str(exc)
        assert message.startswith("random.toml: ")
        assert re.search(
            r"invalid TOML|is not allowed|unknown key|stretch|not UTF-8|must be|looks at the camera|set both", message
        ), message
        return
    assert set(loaded) == set(config.defaults())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_random_bytes_never_crash_the_loader(data):
    try:
        config.parse(data, "noise.toml")
    except UserError as exc:
        assert str(exc).startswith("noise.toml: ")


# --- landmarks ----------------------------------------------------------------------------------


def _person(cx: float, visibility: float = 1.0) -> np.ndarray:
    lm = np.zeros((33, 4))
    pts = {
        0: (cx, 200),
        2: (cx + 20, 185),
        5: (cx - 20, 185),
        7: (cx + 45, 195),
        8: (cx - 45, 195),
        11: (cx + 100, 300),
        12: (cx - 100, 300),
    }
    for i, (x, y) in pts.items():
        lm[i] = (x, y, 0, visibility)
    return lm


def test_broken_landmarks_never_raise_a_fault():
    from test_engine import jiggle, outcomes

    from posture_watch.core.baseline import Baseline

    cfg = config.defaults().with_changes(faults__forward_head__hold_seconds=10)
    # The person as they sit, whole, is the neutral: only the broken landmarks could make a fault.
    _, whole = features.compute(_person(320), 640, 480)
    state = engine.new_state(Baseline("front", whole, {k: 0.0 for k in whole}, 20))
    out = []
    for i in range(600):
        t = i * 0.5
        lm = _person(320)
        if i % 3 == 0:
            lm[:, :2] = np.nan  # all coordinates lost
        elif i % 3 == 1:
            lm[11:13, 3] = 0.05  # shoulders out of the frame
        view, feats = features.compute(lm, 640, 480)
        assert all(math.isfinite(v) for v in feats.values())
        out += outcomes(state, engine.Observation(t, view, feats), cfg)
        # Values that are not numbers reaching the engine directly count as missing.
        nan = {**jiggle(whole, t), "head_height": math.nan, "shoulder_y": math.inf}
        out += outcomes(state, engine.Observation(t + 0.25, "front", nan), cfg)
    assert not [e for e in out if e["event"] in ("fault_start", "alert") and e["fault"] != "sitting"]


def test_two_people_swapping_places_keep_features_sane():
    previous = None
    chosen = []
    for step in range(21):
        a, b = 200 + step * 12, 440 - step * 12  # they cross in the middle
        person = choose_user([_person(b), _person(a, 0.9)], 640, 480, previous)
        previous = person
        chosen.append(person[0, 0])
        view, feats = features.compute(person, 640, 480)
        assert view == "front" and all(math.isfinite(v) for v in feats.values())
    # Followed by continuity: the path has no jump larger than the crossing step.
    assert max(abs(np.diff(chosen))) <= 24 + 1e-9


# --- history ------------------------------------------------------------------------------------


def _alert(fault: str = "forward_head") -> Reminder:
    alert = Alert(0.0, datetime.now(), fault, None, 60.0, 60.0, 0, ("suboccipitals",), 1)
    return Reminder(alert, None, "Head forward for 1 min", "body")


def test_locked_database_is_written_later(tmp_path, caplog):
    path = tmp_path / "h.sqlite3"
    recorder = history.Recorder(path, "test", time.time())
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time\n"
            f"db = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "db.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(4); db.execute('COMMIT')",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    with caplog.at_level(logging.ERROR):
        for _ in range(3):
            recorder.record(_alert())
    assert recorder.failing and len(recorder.pending) >= 3
    assert len([r for r in caplog.records if "cannot be written" in r.message]) == 1
    holder.wait()
    recorder.record(_alert("slouch"))
    assert not recorder.failing and not recorder.pending
    recorder.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM alerts").fetchone()[0] == 4


@pytest.mark.parametrize("trouble", ["read-only", "disk full"])
def test_unwritable_database_keeps_monitoring(tmp_path, trouble, caplog):
    path = tmp_path / "h.sqlite3"
    recorder = history.Recorder(path, "test", time.time())
    assert recorder.db is not None
    if trouble == "read-only":
        recorder.db.execute("PRAGMA query_only = ON")
    else:
        # A size-limited database: no page beyond the ones it has.
        pages = recorder.db.execute("PRAGMA page_count").fetchone()[0]
        recorder.db.execute(f"PRAGMA max_page_count = {pages}")
    with caplog.at_level(logging.ERROR):
        for i in range(200):
            recorder.record(_alert())
            recorder.sample(time.time() + i * 60, {"head_y": 0.4})
    assert recorder.failing
    assert len([r for r in caplog.records if "cannot be written" in r.message]) == 1
    # Space (or write access) comes back: everything kept in memory is written.
    if trouble == "read-only":
        recorder.db.execute("PRAGMA query_only = OFF")
    else:
        recorder.db.execute("PRAGMA max_page_count = 1073741823")
    recorder.record(_alert())
    assert not recorder.failing
    recorder.close()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM alerts").fetchone()[0] == 201


# --- soak (the long one is benchmarks/soak.py) --------------------------------------------------


def test_short_soak_memory_and_threads_stay_flat(videos):
    from soak import replay_loop

    video = videos("forward_head", seconds=60, fps=5)
    samples = replay_loop(video, minutes=16, every_minutes=2)
    warm = [s for s in samples if s["minutes"] >= 4]
    assert len(warm) >= 5
    assert {s["threads"] for s in warm} == {warm[0]["threads"]}
    assert warm[-1]["rss_mb"] - warm[0]["rss_mb"] < 8, samples


# --- security -----------------------------------------------------------------------------------


def test_nothing_goes_through_a_shell_and_the_only_address_is_the_model():
    sources = {p: p.read_text() for p in (ROOT / "posture_watch").rglob("*.py")}
    for path, text in sources.items():
        assert "shell=True" not in text and "os.system(" not in text and "os.popen(" not in text, path
    addresses = {m for text in sources.values() for m in re.findall(r"\w+://[^\s\"')]*", text)}
    assert addresses and all(a.startswith("https://storage.googleapis.com/mediapipe-models/") for a in addresses)
    assert model.url_for("lite").startswith("https://storage.googleapis.com/mediapipe-models/")
    with pytest.raises(UserError, match="only downloaded over https"):
        model.download("lite", "http://example.org/pose_landmarker_lite.task")


def test_no_frame_is_written_and_files_are_private(tmp_path, videos, config_file):
    from posture_watch import paths

    home = Path(os.environ["XDG_DATA_HOME"]).parent
    db = tmp_path / "h.sqlite3"
    result = run_cli("replay", videos("forward_head", seconds=30, fps=5), "--calibrate", "5", "--history", db)
    assert result.returncode == 0, result.stderr
    stored = baselines.path_for(find_device(0).id)
    try:
        assert run_cli("calibrate", "--source", videos("neutral", seconds=20, fps=5), "--seconds", "5").returncode == 0
        pictures = [
            p
            for p in [*home.rglob("*"), *tmp_path.rglob("*")]
            if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".mp4", ".avi", ".bmp", ".webp")
            and "videos" not in p.parts[-2]
            # The app's own notification icons, drawn, never a frame.
            and not (p.parent == paths.cache_dir() and p.name.startswith("notice-"))
        ]
        assert pictures == []
        ours = [p for p in home.rglob("*") if "posture-watch" in p.parts and p.is_file()]
        assert ours
        for path in [db, *ours]:
            assert path.stat().st_mode & 0o077 == 0, path
    finally:
        stored.unlink(missing_ok=True)  # other tests expect no stored calibration, pass or fail


def test_a_pipeline_thread_never_waits_on_notifications():
    # The monitor posts reminders to the notifier's queue; its worker bounds every backend by a timeout.
    import asyncio

    from posture_watch.desktop.notify import Notice, Notifier

    release = threading.Event()

    class Stuck:
        name = "stuck"

        async def show(self, delivery) -> None:
            await asyncio.get_running_loop().run_in_executor(None, release.wait)

        async def close(self) -> None:
            pass

    notifier = Notifier(backends=[Stuck()], timeout=0.3)
    notifier.post(Notice("t", "b"))  # returns while the backend is stuck
    assert notifier.flush(60) and notifier.last_backend == "log"
    release.set()
    notifier.close()
