"""`posture-watch replay` and `calibrate` from the command line, on generated recordings."""

from __future__ import annotations

import json

from conftest import json_lines, run_cli
from make_test_videos import Timeline

from posture_watch import cli
from posture_watch.app import baselines as calibration
from posture_watch.sense.camera import find_device

FIXED_RATE = "[sampling]\nadaptive = false\n"


def test_replay_json_stream_ends_in_a_summary(videos, config_file):
    video = videos("neutral", seconds=20, fps=5)
    result = run_cli("replay", video, "--calibrate", "5", "--json", "--samples", "--config", config_file(FIXED_RATE))
    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    assert all("t" in e and "event" in e for e in lines)
    assert lines[-1]["event"] == "summary"
    summary = lines[-1]
    assert summary["frames_read"] == 100
    assert summary["frames_analysed"] == 40  # 2 analysed frames a second
    assert summary["wall_seconds"] > 0
    calibrated = [e for e in lines if e["event"] == "calibrated"]
    assert len(calibrated) == 1 and calibrated[0]["view"] == "front" and calibrated[0]["t"] == 5.0
    samples = [e for e in lines if e["event"] == "sample"]
    assert len(samples) == 40
    assert {"head_height", "neck_length", "face_size", "head_roll", "head_yaw", "shoulder_tilt"} <= set(
        samples[0]["features"]
    )
    times = [e["t"] for e in lines]
    assert times == sorted(times)


def test_replay_without_samples_prints_no_sample_lines(videos):
    result = run_cli("replay", videos("neutral", seconds=20, fps=5), "--calibrate", "5", "--json")
    assert result.returncode == 0
    assert not [e for e in json_lines(result.stdout) if e["event"] == "sample"]


def test_replay_text_account_for_people(videos, config_file):
    result = run_cli(
        "replay", videos("neutral", seconds=20, fps=5), "--calibrate", "5", "--config", config_file(FIXED_RATE)
    )
    assert result.returncode == 0, result.stderr
    assert "calibrated (front view" in result.stdout
    assert "40 of 100 frames analysed" in result.stdout
    for line in result.stdout.splitlines():
        try:
            json.loads(line)
        except ValueError:
            continue
        raise AssertionError(f"JSON in the text account: {line}")


def test_replay_needs_a_baseline(videos):
    result = run_cli("replay", videos("neutral", seconds=20, fps=5))
    assert result.returncode == 2
    assert "no calibration yet" in result.stderr and "--calibrate SECONDS" in result.stderr


def test_calibrate_from_a_recording_is_stored_and_used_by_replay(videos):
    video = videos("neutral", seconds=20, fps=5)
    result = run_cli("calibrate", "--source", video, "--seconds", "6")
    assert result.returncode == 0, result.stderr
    camera = find_device(0).id  # the camera the default settings name, as this machine lists it
    stored = calibration.load(camera)
    assert stored is not None and stored.view == "front" and stored.frames >= 10
    assert oct(calibration.path_for(camera).stat().st_mode & 0o777) == "0o600"
    replay = run_cli("replay", video, "--json")
    assert replay.returncode == 0, replay.stderr
    assert json_lines(replay.stdout)[-1]["event"] == "summary"
    calibration.path_for(camera).unlink()


def test_replay_bad_arguments_exit_2(tmp_path, videos):
    missing = run_cli("replay", tmp_path / "missing.mp4", "--calibrate", "5")
    assert missing.returncode == 2 and "no such video file" in missing.stderr
    negative = run_cli("replay", videos("neutral", seconds=20, fps=5), "--calibrate", "-1")
    assert negative.returncode == 2 and "positive number of seconds" in negative.stderr
    empty = videos("away", seconds=20, fps=5, timeline=Timeline(onset=0, ramp=0.1))
    away = run_cli("replay", empty, "--calibrate", "10", "--json")
    assert away.returncode == 2 and "nobody was in view long enough to calibrate" in away.stderr
    for result in (missing, negative, away):
        assert "Traceback" not in result.stderr


def test_console_script_is_installed():
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("posture-watch")
    assert exe.is_file(), "pip install . must install the posture-watch command beside python"
    result = subprocess.run([exe, "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "replay" in result.stdout and "not medical advice" in result.stdout


def test_replay_calibrates_from_the_first_seconds_someone_is_seen(videos):
    # Nobody in view for the first 20 s (an empty room), then the person sits down.
    video = videos("away", seconds=60, fps=5, timeline=Timeline(onset=0, ramp=0.1, until=20))
    result = run_cli("replay", video, "--calibrate", "10", "--json")
    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    waiting = [e for e in lines if e["event"] == "calibration_waiting"]
    calibrated = [e for e in lines if e["event"] == "calibrated"]
    assert len(waiting) == 1 and waiting[0]["t"] < 20
    assert len(calibrated) == 1 and 30 <= calibrated[0]["t"] <= 33


def test_the_json_and_the_text_summaries_count_the_reminders_given(videos, config_file, capsys):
    """Both count what the replay printed as reminders: the JSON's alert lines, the account's REMINDER lines."""
    video = videos("forward_head", seconds=40)
    settings = config_file("[faults.forward_head]\nhold_seconds = 15\n[notify]\nmin_gap_minutes = 0\n")
    assert cli.main(["replay", str(video), "--calibrate", "5", "--config", str(settings), "--json"]) == 0
    lines = json_lines(capsys.readouterr().out)
    reminders = len([e for e in lines if e["event"] == "alert"])
    assert reminders >= 1 and lines[-1]["alerts"] == reminders
    assert cli.main(["replay", str(video), "--calibrate", "5", "--config", str(settings)]) == 0
    account = capsys.readouterr().out
    assert account.count("  REMINDER  ") == reminders and f", {reminders} reminder(s), " in account
