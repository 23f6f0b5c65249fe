"""``posture-watch coach --source V --json`` on recordings of a real person, through the real pose model.

The recordings are made at test time (scripts/make_test_videos.py) from real people of the shared
data sets: the man of neutral-front-video sitting still as he was recorded, or with his head tilted
toward each shoulder and held there; the man of slouching-or-not's upright webcam frames as they
are, or shrugging.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DATASETS, json_lines, run_cli
from make_test_videos import UPRIGHT_MAN, Move, make_coach_video, tilts_and_holds

MAN = DATASETS / "neutral-front-video" / "center_focus.mp4"
UPRIGHT = DATASETS / "slouching-or-not" / "low-isSlouching__high-notSlouching" / "notSlouching"
# Still for the calibration, then ten shrugs of 2.5 s, a second apart.
SHRUGS = [Move(6.0), *[Move(2.5, shrug=1.0, ramp=0.8), Move(1.0)] * 10]


@pytest.fixture(scope="module")
def recordings(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("coach")
    return {
        # The side neck stretch of the right side tilts the head to the left: twice, then twice to the right.
        "both_sides": make_coach_video(folder / "both-sides.mp4", MAN, tilts_and_holds(20, 2, ("left", "right"))),
        "still": make_coach_video(folder / "still.mp4", MAN, [Move(40.0)]),
        "shrugs": make_coach_video(folder / "shrugs.mp4", UPRIGHT, SHRUGS, person=UPRIGHT_MAN),
        "upright": make_coach_video(folder / "upright.mp4", UPRIGHT, [Move(40.0)], person=UPRIGHT_MAN),
    }


def coach(*args: str | Path) -> list[dict]:
    result = run_cli("coach", *args, "--calibrate", "5", "--json")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    lines = json_lines(result.stdout)
    assert lines[0]["event"] == "calibrated" and lines[-1]["event"] == "summary"
    return lines


def test_a_side_neck_stretch_held_to_each_side_is_verified(recordings):
    lines = coach("side_neck_stretch", "--source", recordings["both_sides"])
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


def test_the_same_man_sitting_still_has_nothing_verified(recordings):
    lines = coach("side_neck_stretch", "--source", recordings["still"])
    assert not [e for e in lines if e["event"] in ("hold", "rep")]
    summary = lines[-1]
    assert summary["verified"] is False
    assert summary["done"] == [{"side": "right", "holds": 0}, {"side": "left", "holds": 0}]
    # Sitting still is not the wrong way either: nothing to correct but the step itself.
    assert not [e for e in lines if e["event"] == "feedback" and "other way" in e["text"]]


def test_one_side_asked_on_the_tilting_recording(recordings):
    # --side left stretches the left side: the head toward the right shoulder, held in the second half.
    lines = coach("side_neck_stretch", "--side", "left", "--source", recordings["both_sides"])
    assert [(e["side"], e["n"]) for e in lines if e["event"] == "hold"] == [("left", 1), ("left", 2)]
    assert lines[-1]["verified"] is True and lines[-1]["asked"]["sides"] == ["left"]
    # Tilted the other way first: it said so, in plain words.
    assert "the other way: your right ear toward your right shoulder" in [
        e["text"] for e in lines if e["event"] == "feedback"
    ]


def test_shoulder_rolls_count_each_shrug_up_and_down(recordings):
    lines = coach("shoulder_rolls", "--source", recordings["shrugs"])
    assert [e["n"] for e in lines if e["event"] == "rep"] == list(range(1, 11))
    assert lines[-1]["verified"] is True and lines[-1]["done"] == [{"side": None, "reps": 10}]


def test_sitting_upright_is_no_shrug_and_nothing_to_correct(recordings):
    lines = coach("shoulder_rolls", "--source", recordings["upright"])
    assert not [e for e in lines if e["event"] in ("rep", "feedback")]
    assert lines[-1]["verified"] is False and lines[-1]["done"] == [{"side": None, "reps": 0}]
