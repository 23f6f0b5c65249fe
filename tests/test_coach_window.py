"""The coach's window on an X display: a real man holding a side neck stretch (the README's picture); the coach
opened by the running monitor from a reminder's Start button and from the tray's Stretch now, on a real desktop."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

# DATASETS: the recording comes from the shared data sets, which a run of this test needs.
from conftest import DATASETS, ROOT, readme_picture  # noqa: F401
from desktop import desktop, get, menu, menu_click, missing, monitor, notifications, press, registered, wait_for, xvfb
from make_test_videos import Timeline

from posture_watch.app import coach, window
from posture_watch.history.store import connect

TOOLS = ("Xvfb", "xdotool", "import")
needs_x = pytest.mark.skipif(bool(missing(*TOOLS)), reason=f"needs {', '.join(missing(*TOOLS))}")


@pytest.fixture(scope="module")
def display(tmp_path_factory) -> Iterator[dict[str, str]]:
    with xvfb(tmp_path_factory.mktemp("xvfb"), (1280, 800)) as env:
        yield env


def window_box(env: dict[str, str]) -> tuple[str, tuple[int, int, int, int]] | None:
    """The coach window's id and (x, y, width, height) once it is mapped."""
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", coach.WINDOW], env=env, capture_output=True, text=True
    ).stdout.split()
    if not found:
        return None
    shell = subprocess.run(
        ["xdotool", "getwindowgeometry", "--shell", found[0]], env=env, capture_output=True, text=True
    ).stdout
    box = dict(line.split("=") for line in shell.split())
    return found[0], (int(box["X"]), int(box["Y"]), int(box["WIDTH"]), int(box["HEIGHT"]))


def shot(env: dict[str, str], box: tuple[int, int, int, int], path: Path) -> np.ndarray:
    x, y, w, h = box
    crop = ["-crop", f"{w}x{h}+{x}+{y}", "+repage"]
    subprocess.run(["import", "-window", "root", *crop, str(path)], env=env, check=True, timeout=60)
    image = cv2.imread(str(path))
    assert image is not None
    return image


def count(image: np.ndarray, bgr: tuple[int, int, int], tolerance: int = 12) -> int:
    return int((np.abs(image.astype(int) - bgr).max(axis=2) <= tolerance).sum())


@needs_x
def test_the_coach_window_counts_a_real_hold_and_stops_on_q(display, coach_videos, tmp_path):
    video = coach_videos("both_sides")
    proc = subprocess.Popen(
        [sys.executable, "-m", "posture_watch", "coach", "side_neck_stretch", "--source", str(video),
         "--calibrate", "5"],
        cwd=ROOT, env=display, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        found, _ = wait_for(lambda: window_box(display), "the coach window", proc=proc)
        # The window is mapped before it takes the size of its first picture: the man's portrait beside the panel.
        w, h = round(window.HEIGHT * 480 / 848) + coach.PANEL, window.HEIGHT
        (_, box) = wait_for(lambda: (b := window_box(display)) and b[1][2:] == (w, h) and b, "its size", proc=proc)
        picture_width = w - coach.PANEL

        def holding() -> list[np.ndarray]:
            image = shot(display, box, tmp_path / "coach.png")
            panel = image[:, picture_width:]
            # In the stretch: the big timer and the bar toward the target turn green.
            return [image] if count(panel, window.GOOD, 20) > 1500 else []

        (image,) = wait_for(holding, "a hold under way, its timer green", proc=proc)
        # The README's picture a few seconds into the hold, if it still goes on (the timer counting).
        time.sleep(6.0)
        image = next(iter(holding()), image)
        assert count(image[:, :picture_width], window.BONE) > 200, "the landmarks over the picture"
        assert count(image[:, picture_width:], window.BACKGROUND, 0) > 50_000, "the panel"
        saved = readme_picture("coach.png")
        cv2.imwrite(str(saved), image, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        assert saved.stat().st_size < 200_000
        subprocess.run(["xdotool", "windowfocus", "--sync", found, "key", "q"], env=display, check=True, timeout=30)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    # Stopped during the first hold: said in one line, nothing verified yet on either side.
    assert out.strip() == (
        "Side neck stretch: 0 of 2 holds on the right, 0 of 2 holds on the left: not all verified"
    ), out


@needs_x
def test_the_coach_window_says_the_dose_is_done_and_closes_itself(display, coach_videos, tmp_path):
    """A 20-20-20 eye break, the head turned away for 26 s: the window says it is done and goes, nothing pressed;
    the session is in the history, verified."""
    history = tmp_path / "history.sqlite3"
    proc = subprocess.Popen(
        [sys.executable, "-m", "posture_watch", "coach", "eye_break_20_20_20", "--source",
         str(coach_videos("turned")), "--calibrate", "5", "--history", str(history)],
        cwd=ROOT, env=display, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: window_box(display), "the coach window", proc=proc)

        def done() -> bool:
            found = window_box(display)
            if found is None or found[1][2] <= coach.PANEL:
                return False
            image = shot(display, found[1], tmp_path / "coach.png")
            # The banner over the top of the picture, in the colour of a stretch done.
            return count(image[:60, : found[1][2] - coach.PANEL], window.GOOD, 20) > 150

        wait_for(done, "the window saying the dose is done", timeout=120, proc=proc)
        out, err = proc.communicate(timeout=coach.DONE_SHOWN + 30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert window_box(display) is None, "the window closed itself"
    assert out.strip() == "20-20-20 eye break: 1 of 1 holds: verified by the camera", out
    db = connect(history)
    try:
        (row,) = [dict(r) for r in db.execute("SELECT stretch, verified FROM coaching")]
    finally:
        db.close()
    assert row == {"stretch": "eye_break_20_20_20", "verified": 1}


MONITOR_CONFIG = """
[notify]
cooldown_minutes = 0.5
min_gap_minutes = 0.0
[faults.forward_head]
hold_seconds = 15
[history]
path = "{history}"
"""
PANEL_TOOLS = ("Xvfb", "dbus-daemon", "xfce4-panel", "dunst", "dunstctl", "xdotool")


def close_coach(env: dict[str, str], proc: subprocess.Popen, tmp_path: Path) -> None:
    """Wait for the coach's window and its stretch to begin (the calibrating banner gone), then q: it stops."""
    found, _ = wait_for(lambda: window_box(env), "the coach window", proc=proc)

    def begun() -> bool:
        # The window's size as it is now: it is mapped before it takes the size of its first picture.
        _, box = window_box(env) or ("", (0, 0, 0, 0))
        if box[2] <= coach.PANEL or box[3] != window.HEIGHT:
            return False
        picture = shot(env, box, tmp_path / "coach.png")[:40, : box[2] - coach.PANEL]
        return count(picture, window.BUILDING, 20) == 0 and count(picture, window.BONE) + picture.std() > 20

    wait_for(begun, "the stretch to begin", proc=proc)
    subprocess.run(["xdotool", "windowfocus", "--sync", found, "key", "q"], env=env, check=True, timeout=30)
    wait_for(lambda: window_box(env) is None, "the coach window to close", proc=proc)


@pytest.mark.skipif(bool(missing(*PANEL_TOOLS)), reason=f"needs {', '.join(missing(*PANEL_TOOLS))}")
def test_start_on_a_reminder_and_stretch_now_in_the_tray_open_the_coach(tmp_path, videos):
    video = videos("forward_head", seconds=150, fps=5, timeline=Timeline(onset=8))
    history = tmp_path / "history.sqlite3"
    cfg = tmp_path / "config.toml"
    cfg.write_text(MONITOR_CONFIG.format(history=history))
    with desktop(tmp_path, tray="panel") as env, monitor(env, video, cfg) as proc:
        address = env["DBUS_SESSION_BUS_ADDRESS"]

        def reminders() -> list[tuple[str, str, str]]:
            return [n for n in notifications(env) if n[0].startswith("Head forward")]

        wait_for(reminders, "a head-forward reminder", timeout=120, proc=proc)
        # Start, in dunst's menu of the reminder's buttons: the coach opens with the reminder's stretch.
        press(env, "Start")
        close_coach(env, proc, tmp_path)
        # Stretch now, in the tray's menu: the coach opens with the stretch for the muscles most loaded today.
        (entry,) = wait_for(lambda: registered(address), "the tray item", proc=proc)
        name, _, path = entry.partition("/")
        path = f"/{path}" if path else "/StatusNotifierItem"
        menu_path = get(address, name, path, "org.kde.StatusNotifierItem", "Menu")
        _, labels = menu(address, name, menu_path)
        menu_click(address, name, menu_path, labels["Stretch now"])
        close_coach(env, proc, tmp_path)
        db = connect(history)
        try:
            wait_for(lambda: db.execute("SELECT count(*) FROM coaching").fetchone()[0] == 2, "both sessions kept")
        finally:
            db.close()
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert err.count("posture-watch: coach: ") == 2, err
    db = connect(history)
    try:
        sessions = [dict(r) for r in db.execute("SELECT * FROM coaching ORDER BY at")]
        answered = [dict(r) for r in db.execute("SELECT alert_id, response, stretch FROM alerts ORDER BY at")]
    finally:
        db.close()
    first = answered[0]
    assert first["response"] == "coached" and sessions[0]["alert_id"] == first["alert_id"]
    assert sessions[0]["stretch"] == first["stretch"], "Start opens the reminder's own stretch"
    assert sessions[1]["alert_id"] is None, "Stretch now answers no reminder"
    assert all(s["verified"] == 0 for s in sessions), "stopped with q before any of the dose"
