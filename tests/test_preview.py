"""Seeing what posture-watch sees: `replay --plot` and the `preview` window (on Xvfb), and its drawing."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import DATASETS, ROOT, json_lines, run_cli
from desktop import wait_for
from desktop import xvfb as x_server
from make_test_videos import Timeline

from posture_watch import cli, config
from posture_watch.app import coach, plot, preview
from posture_watch.app import window as gui
from posture_watch.app.pipeline import open_estimator
from posture_watch.core import engine, faults
from posture_watch.core.events import Alert, FaultEnd, FaultStart
from posture_watch.core.faults import Reading
from posture_watch.history.store import connect, path_for

X_TOOLS = ("Xvfb", "xdotool", "import")
MISSING_X = [name for name in X_TOOLS if shutil.which(name) is None]
needs_x = pytest.mark.skipif(bool(MISSING_X) and not os.environ.get("CI"), reason=f"needs {', '.join(MISSING_X)}")


def count(image: np.ndarray, bgr: tuple[int, int, int], tolerance: int = 12) -> int:
    """Pixels of ``image`` within ``tolerance`` of colour ``bgr`` in every channel."""
    return int((np.abs(image.astype(int) - np.array(bgr)) <= tolerance).all(axis=2).sum())


# --- replay --plot -----------------------------------------------------------------------------------------------


def test_replay_plot_draws_the_forward_head_score(videos, tmp_path, monkeypatch, capsys):
    video = videos("forward_head", seconds=40)
    out = tmp_path / "scores.png"
    drawn: list[list[str]] = []
    write = plot.write

    def spy(*args, **kwargs):
        drawn.append(write(*args, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(plot, "write", spy)
    assert cli.main(["replay", str(video), "--calibrate", "5", "--plot", str(out)]) == 0
    assert f"plot written to {out}" in capsys.readouterr().err

    (names,) = drawn
    assert names[0] == "forward_head"
    assert set(names) <= set(faults.POSTURE_FAULTS)
    image = cv2.imread(str(out))
    assert image is not None
    height, width = image.shape[:2]
    assert (width, height) == (1200, 100 + 200 * len(names))  # 12 x (1 + 2 per panel) inches at 100 dpi
    assert (image < 250).any(axis=2).mean() > 0.05, "the figure is blank"
    assert count(image, (180, 119, 31), 30) > 500, "no score line (tab:blue)"
    # The forward-head episode is shaded (tab:orange at alpha 0.25 on white) in the top panel only.
    span = count(image[: height // len(names)], (194, 223, 255), 6)
    assert span > 5000
    assert count(image[height // len(names) :], (194, 223, 255), 6) < span / 10


def test_replay_plot_with_json_keeps_stdout_json(videos, tmp_path):
    out = tmp_path / "scores.png"
    result = run_cli("replay", videos("forward_head", seconds=40), "--calibrate", "5", "--json", "--plot", out)
    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    assert lines[-1]["event"] == "summary"
    assert any(e["event"] == "fault_start" and e["fault"] == "forward_head" for e in lines)
    assert "plot written" not in result.stderr
    assert cv2.imread(str(out)) is not None


def test_replay_plot_refuses_a_file_it_cannot_write_before_replaying(tmp_path):
    result = run_cli("replay", tmp_path / "missing.mp4", "--calibrate", "5", "--plot", tmp_path / "scores.txt")
    assert result.returncode == 2
    assert "--plot" in result.stderr and ".png" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("replay", tmp_path / "x.mp4", "--calibrate", "5", "--plot", tmp_path / "no" / "scores.png")
    assert result.returncode == 2 and "does not exist" in result.stderr


def test_plot_shades_spans_marks_reminders_and_returns_what_it_drew(tmp_path):
    settings = config.defaults()
    samples = []
    for i in range(60):
        t = i * 0.5
        head = 2.0 if 10 <= t < 20 else 0.1
        samples.append((t, {"forward_head": Reading(head)} | ({"head_tilt": Reading(0.3, "left")} if i % 2 else {})))
    outcomes = [
        FaultStart(11.0, None, "forward_head", None, 10.0, None),
        Alert(15.0, None, "forward_head", None, 5.0, 5.0, 0, (), 1),
        Alert(25.0, None, "sitting", None, 1800.0, 1800.0, 0, (), 2),
        FaultEnd(21.0, None, "forward_head", None, 10.0, None, 10.0, 10.0),
    ]
    out = tmp_path / "scores.png"
    assert plot.write(out, samples, outcomes, settings, "made up") == ["forward_head", "head_tilt"]
    image = cv2.imread(str(out))
    assert image.shape[:2] == (500, 1200)
    assert count(image[:250], (194, 223, 255), 6) > 2000  # the forward-head span
    assert count(image[:250], (191, 103, 148), 30) > 100  # its reminder (tab:purple)

    empty = tmp_path / "empty.png"
    assert plot.write(empty, [(0.0, {}), (1.0, {})], [], settings) == []
    assert cv2.imread(str(empty)) is not None


# --- draw() ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_frame(tmp_path_factory) -> tuple[np.ndarray, np.ndarray]:
    """A frame of a generated recording (head forward) and its landmarks from the pose model."""
    from make_test_videos import make_video

    video = make_video(tmp_path_factory.mktemp("frame") / "fh.mp4", "forward_head", seconds=3, fps=5)
    capture = cv2.VideoCapture(str(video))
    ok, image = capture.read()
    capture.release()
    assert ok
    with open_estimator(config.defaults()) as estimator:
        landmarks = estimator.detect(0.0, image)
    assert landmarks is not None and landmarks.shape == (33, 4)
    return image, landmarks


def test_draw_shows_the_picture_the_landmarks_and_each_score(real_frame):
    image, landmarks = real_frame
    settings = config.defaults()
    before = image.copy()
    status = dataclasses.replace(
        engine.status(engine.new_state(), settings.core), presence="seen", worst=("forward_head", None, 42.0, 0.14)
    )
    readings = {"forward_head": Reading(2.0), "head_tilt": Reading(0.2, "left")}
    out = preview.draw(image, landmarks, readings, status, settings, {"forward_head": 0.14})
    assert np.array_equal(image, before), "draw() must not change its input"
    height, width = image.shape[:2]
    picture_width = round(width * gui.HEIGHT / height)
    assert out.shape == (gui.HEIGHT, picture_width + preview.PANEL, 3)
    picture, panel = out[:, :picture_width], out[:, picture_width:]
    assert count(picture, gui.BONE) > 300, "the skeleton is drawn"
    assert count(picture, gui.JOINT) > 100, "the landmarks are drawn"
    # The picture itself is there: the photo's colours, not a blank.
    assert picture.std() > 30
    assert count(panel, gui.BACKGROUND, 0) > panel.shape[0] * panel.shape[1] // 2
    assert count(panel, gui.OVER, 0) > 100, "forward_head over its threshold: a red bar"
    assert count(panel, gui.GOOD, 0) > 30, "head_tilt in neutral: a green bar"
    assert count(panel, gui.LOAD, 0) > 20, "the load building toward the reminder"

    calibrating = dataclasses.replace(status, calibrating=True, worst=None)
    nobody = preview.draw(image, None, {}, calibrating, settings, note="waiting for the camera")
    assert count(nobody[:, :picture_width], gui.BONE) == 0
    assert count(nobody[:60, :300], gui.BUILDING, 0) > 50, "the calibrating banner"
    assert count(nobody[:, picture_width:], gui.OVER, 0) == 0, "no score: no bar"

    small = preview.draw(cv2.resize(image, (320, 240)), landmarks / 2, readings, None, settings)
    assert small.shape == out.shape


def test_banners_fit_a_portrait_recording():
    """A phone held upright (480x848) leaves a narrow picture: each banner is wrapped inside it, not cut off."""
    capture = cv2.VideoCapture(str(DATASETS / "neutral-front-video" / "center_focus.mp4"))
    ok, image = capture.read()
    capture.release()
    assert ok and image.shape[:2] == (848, 480)
    settings = config.defaults()
    calibrating = dataclasses.replace(engine.status(engine.new_state(), settings.core), calibrating=True)
    plain = preview.draw(image, None, {}, None, settings)
    picture_width = round(480 * gui.HEIGHT / 848)
    end = "end of the recording: q quits"
    assert cv2.getTextSize(end, gui.FONT, 0.7, 2)[0][0] > picture_width, "the banner is wider than the picture"
    lines = gui.banner_lines(end, picture_width - 24)
    assert len(lines) > 1 and " ".join(lines) == end
    assert all(cv2.getTextSize(line, gui.FONT, 0.7, 2)[0][0] <= picture_width - 24 for line in lines)
    for status, note in ((None, end), (calibrating, None)):
        out = preview.draw(image, None, {}, status, settings, note=note)
        changed = (out != plain).any(axis=2)
        assert changed[:, :picture_width].sum() > 500, "the banner is drawn"
        # Nothing reaches the picture's right edge.
        assert not changed[:, picture_width - 4 : picture_width].any()


# --- the preview window, on Xvfb -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xvfb(tmp_path_factory) -> Iterator[dict[str, str]]:
    """An X display of its own; yields the environment that reaches it."""
    with x_server(tmp_path_factory.mktemp("xvfb"), (1280, 800)) as env:
        yield env

def window_id(env: dict[str, str]) -> str | None:
    found = subprocess.run(
        ["xdotool", "search", "--name", preview.WINDOW], env=env, capture_output=True, text=True, check=False
    )
    return found.stdout.split()[0] if found.stdout.strip() else None


def screenshot(env: dict[str, str], path: Path) -> np.ndarray:
    subprocess.run(["import", "-window", "root", str(path)], env=env, check=True, capture_output=True, timeout=30)
    image = cv2.imread(str(path))
    assert image is not None
    return image


def start_preview(env: dict[str, str], video: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "posture_watch", "preview", "--source", str(video), "--calibrate", "3"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


@needs_x
def test_preview_shows_the_picture_and_scores_and_quits_on_q(xvfb, videos, tmp_path):
    video = videos("forward_head", seconds=40, fps=10, timeline=Timeline(onset=6, ramp=2))
    proc = start_preview(xvfb, video)
    try:
        window = wait_for(lambda: window_id(xvfb), "the preview window", proc=proc)

        def overlay_with_a_fault() -> list[np.ndarray]:
            shot = screenshot(xvfb, tmp_path / "screen.png")
            return [shot] if count(shot, gui.OVER, 0) > 100 else []

        # Calibrated on the first 3 s, then the head comes forward from 6 s: its bar turns red.
        (shot,) = wait_for(overlay_with_a_fault, "the forward-head bar over its threshold", proc=proc)
        assert count(shot, gui.BONE) > 300, "the skeleton over the picture"
        assert count(shot, gui.JOINT) > 100, "the landmarks"
        assert count(shot, gui.BACKGROUND, 0) > 50_000, "the score panel"
        assert count(shot, gui.GOOD, 0) > 100, "faults in neutral have green bars"
        # The picture: the recording's wall and photo, not a black window.
        picture = shot[:480, :600]
        assert picture.std() > 30 and (picture.mean(axis=2) > 100).mean() > 0.3

        subprocess.run(["xdotool", "windowfocus", "--sync", window, "key", "q"], env=xvfb, check=True, timeout=30)
        assert proc.wait(20) == 0
        stderr = proc.stderr.read()
        assert "calibrated: front view" in stderr and "Traceback" not in stderr
    finally:
        stop(proc)


@needs_x
def test_preview_quits_when_its_window_is_closed(xvfb, videos):
    from Xlib import X, display, protocol
    from Xlib.error import XError

    proc = start_preview(xvfb, videos("forward_head", seconds=40, fps=10, timeline=Timeline(onset=6, ramp=2)))
    try:
        window = int(wait_for(lambda: window_id(xvfb), "the preview window", proc=proc))
        # What a window manager's close button sends; sent again while a busy machine has not got to it.
        screen = display.Display(xvfb["DISPLAY"])
        try:
            target = screen.create_resource_object("window", window)
            close = protocol.event.ClientMessage(
                window=target,
                client_type=screen.intern_atom("WM_PROTOCOLS"),
                data=(32, [screen.intern_atom("WM_DELETE_WINDOW"), X.CurrentTime, 0, 0, 0]),
            )
            deadline = time.monotonic() + 60
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    target.send_event(close, event_mask=X.NoEventMask)
                    screen.flush()
                except XError:  # the window is gone already
                    break
                time.sleep(3.0)
        finally:
            screen.close()
        assert proc.wait(10) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        stop(proc)


def window_width(env: dict[str, str], window: str) -> int:
    found = subprocess.run(
        ["xdotool", "getwindowgeometry", window], env=env, capture_output=True, text=True, check=False, timeout=30
    )
    size = next((line.split()[-1] for line in found.stdout.splitlines() if "Geometry:" in line), "0x0")
    return int(size.split("x")[0])


def coach_and_go_back(env: dict[str, str], proc: subprocess.Popen) -> str:
    """Press s in the preview once calibrated, q to end the coach, q again to end the preview; its stderr."""
    window = wait_for(lambda: window_id(env), "the preview window", proc=proc)
    watching = gui.HEIGHT * 640 // 480 + preview.PANEL
    wait_for(lambda: window_width(env, window) == watching, "the preview's picture and panel", proc=proc)

    def press(key: str, width: int) -> bool:
        subprocess.run(["xdotool", "windowfocus", "--sync", window, "key", key], env=env, timeout=30, check=True)
        return window_width(env, window) == width

    # s once calibrated (3 s in): the window becomes the coach's, wider for its panel.
    coaching = gui.HEIGHT * 640 // 480 + coach.PANEL
    wait_for(lambda: press("s", coaching), "the coach in the preview's window", proc=proc)
    # q ends the coach, not the preview; q again ends the preview.
    press("q", coaching)
    wait_for(lambda: window_width(env, window) == watching, "the preview again", proc=proc)
    subprocess.run(["xdotool", "windowfocus", "--sync", window, "key", "q"], env=env, check=True, timeout=30)
    assert proc.wait(20) == 0
    return proc.stderr.read()


@needs_x
def test_s_in_the_preview_coaches_a_stretch_in_the_same_window_and_q_goes_back(xvfb, videos):
    proc = start_preview(xvfb, videos("neutral", seconds=60, fps=10))
    try:
        stderr = coach_and_go_back(xvfb, proc)
        assert "posture-watch: coach: " in stderr and "not all verified" in stderr, stderr
        assert "Traceback" not in stderr
    finally:
        stop(proc)


# The preview on the camera, the webcam being a recording played as one (there is no webcam here).
ON_THE_CAMERA = """
import functools, sys
from pathlib import Path
from posture_watch.app import preview
from posture_watch.sense.camera import Camera, RecordedCamera
recording = RecordedCamera(Path(sys.argv[1]))
preview.Camera = functools.partial(Camera, opener=lambda index: recording, find=recording.stand_in)
sys.exit(preview.preview(None, None, 3.0))
"""


@needs_x
def test_a_stretch_coached_in_the_preview_on_the_camera_goes_in_the_history(xvfb, videos, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    env = {**xvfb, "XDG_DATA_HOME": str(tmp_path / "data")}
    video = videos("neutral", seconds=60, fps=10)
    proc = subprocess.Popen(
        [sys.executable, "-c", ON_THE_CAMERA, str(video)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        stderr = coach_and_go_back(env, proc)
        assert "posture-watch: coach: " in stderr and "Traceback" not in stderr, stderr
        assert "calibration saved to " in stderr, "the camera's neutral is stored as before"
    finally:
        stop(proc)
    # As `coach` records a session on the camera: in the user's history, answering no reminder.
    db = connect(path_for(config.defaults()))
    try:
        (row,) = [dict(r) for r in db.execute("SELECT * FROM coaching")]
    finally:
        db.close()
    assert row["session"] is None and row["alert_id"] is None
    assert row["verified"] == 0 and row["stretch"] in {s.id for s in config.defaults().stretches}


# --- without a display -------------------------------------------------------------------------------------------


def test_preview_without_a_display_says_so_in_one_line(monkeypatch, tmp_path):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    result = run_cli("preview", "--source", tmp_path / "any.mp4")
    assert result.returncode == 2
    assert result.stderr == f"posture-watch: error: {preview.NO_DISPLAY}\n"
    assert result.stdout == ""


def test_a_display_that_does_not_answer_is_no_display():
    free = next(n for n in range(500, 600) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    assert not gui.display_available({"DISPLAY": f":{free}"}, "linux")
    assert not gui.display_available({}, "linux")
    assert gui.display_available({}, "darwin") and gui.display_available({}, "win32")
