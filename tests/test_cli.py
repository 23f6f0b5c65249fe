"""The command line's rough edges, through the installed ``posture-watch`` command as a user runs it."""

from __future__ import annotations

import csv
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from conftest import MODEL, ROOT

from posture_watch.config import tomllib
from posture_watch.history.store import TABLES, connect

EXE = shutil.which("posture-watch", path=str(Path(sys.executable).parent))
SHA256_LITE = "59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a"


def cli(*args: str | Path, stdin=subprocess.DEVNULL, **env: str | None) -> subprocess.CompletedProcess[str]:
    """Run ``posture-watch ARGS`` off a terminal; ``env`` adds variables (None removes one)."""
    assert EXE, "pip install . must install the posture-watch command beside python"
    environ = dict(os.environ)
    for key, value in env.items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    return subprocess.run(
        [EXE, *map(str, args)],
        capture_output=True,
        text=True,
        stdin=stdin,
        env=environ,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


# A moment with no ambiguity in any time zone's local clock, and its ISO text with the offset in force.
WHEN = datetime(2026, 11, 26, 14, 3, 11)
OFFSET = WHEN.astimezone().isoformat()[19:]
ISO = "2026-11-26T14:03:11" + OFFSET


@pytest.fixture
def history_db(tmp_path: Path) -> Path:
    """A history database with one row in every table, all at WHEN (plus a few seconds)."""
    path = tmp_path / "history.sqlite3"
    t = WHEN.timestamp()
    db = connect(path)
    db.execute(
        "INSERT INTO sessions (id, started, ended, source, heartbeat) VALUES ('s', ?, ?, 'test', ?)",
        (t, t + 60, t + 60),
    )
    db.execute("INSERT INTO presence (session, kind, start, end) VALUES ('s', 'present', ?, ?)", (t, t + 60))
    db.execute("INSERT INTO episodes (session, fault, start, peak_load) VALUES ('s', 'slouch', ?, 1.5)", (t + 0.6,))
    db.execute(
        "INSERT INTO alerts (session, at, fault, held_seconds, level, muscles) "
        "VALUES ('s', ?, 'slouch', 240.0, 0, '[]')",
        (t,),
    )
    db.execute("INSERT INTO minutes (session, minute, frames, present, features) VALUES ('s', ?, 12, 12, '{}')", (t,))
    db.execute("INSERT INTO breaks (session, at, seconds) VALUES ('s', ?, 300.0)", (t,))
    db.close()
    return path


def _count(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return sum(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES)


def test_history_export_writes_local_iso_times(history_db, tmp_path):
    out = tmp_path / "csv"
    result = cli("history", "export", "--csv", out, "--history", history_db)
    assert result.returncode == 0, result.stderr

    def table(name: str) -> dict[str, str]:
        with (out / f"{name}.csv").open(newline="", encoding="utf-8") as f:
            (row,) = list(csv.DictReader(f))
        return row

    sessions = table("sessions")
    assert sessions["started"] == ISO and sessions["ended"] == "2026-11-26T14:04:11" + OFFSET
    assert sessions["heartbeat"] == "2026-11-26T14:04:11" + OFFSET
    assert table("presence")["start"] == ISO and table("presence")["end"] == "2026-11-26T14:04:11" + OFFSET
    episode = table("episodes")
    assert episode["start"] == ISO and episode["end"] == "" and episode["peak_load"] == "1.5"
    alert = table("alerts")
    assert alert["at"] == ISO and alert["held_seconds"] == "240.0"  # a duration, not a time
    assert table("minutes")["minute"] == ISO
    assert table("breaks")["at"] == ISO and table("breaks")["seconds"] == "300.0"


def test_history_delete_all_off_a_terminal_needs_yes(history_db):
    before = _count(history_db)
    result = cli("history", "delete", "--history", history_db)
    assert result.returncode == 2
    assert "add --yes" in result.stderr and "Traceback" not in result.stderr
    assert _count(history_db) == before
    result = cli("history", "delete", "--yes", "--history", history_db)
    assert result.returncode == 0, result.stderr
    assert "deleted" in result.stdout and _count(history_db) == 0


@pytest.mark.skipif(sys.platform == "win32", reason="no pseudo-terminals on Windows")
@pytest.mark.parametrize(("answer", "deleted"), [("n", False), ("", False), ("y", True)])
def test_history_delete_all_asks_on_a_terminal(history_db, answer, deleted):
    import pty

    before = _count(history_db)
    controller, terminal = pty.openpty()
    try:
        os.write(controller, f"{answer}\n".encode())
        result = cli("history", "delete", "--history", history_db, stdin=terminal)
    finally:
        os.close(terminal)
        os.close(controller)
    assert "Delete all of your history" in result.stdout
    if deleted:
        assert result.returncode == 0 and _count(history_db) == 0
    else:
        assert result.returncode == 1 and "nothing deleted" in result.stdout and _count(history_db) == before


@pytest.mark.parametrize("user_config", [None, "[breaks]\nsitting_minutes = 45\n[faults.slouch]\nhead_sink = 0.1\n"])
def test_config_show_prints_toml_that_config_check_accepts(config_file, tmp_path, user_config):
    args = ("--config", config_file(user_config)) if user_config else ()
    shown = cli("config", "show", *args)
    assert shown.returncode == 0, shown.stderr
    settings = tomllib.loads(shown.stdout)
    assert settings["breaks"]["sitting_minutes"] == (45 if user_config else 30)
    if user_config:
        assert settings["faults"]["slouch"]["head_sink"] == 0.1
    saved = tmp_path / "shown.toml"
    saved.write_text(shown.stdout, encoding="utf-8")
    checked = cli("config", "check", saved)
    assert checked.returncode == 0, checked.stderr
    # Showing what was shown changes nothing: the round trip is exact.
    assert tomllib.loads(cli("config", "show", "--config", saved).stdout) == settings


def test_config_check_takes_the_file_as_an_argument(config_file, tmp_path):
    good = config_file("[breaks]\nsitting_minutes = 45\n")
    result = cli("config", "check", good)
    assert result.returncode == 0 and str(good) in result.stdout
    bad = config_file("[breaks]\nsitting_minutes = 4500\n", "bad.toml")
    result = cli("config", "check", bad)
    assert result.returncode == 2 and "breaks.sitting_minutes" in result.stderr
    result = cli("config", "check", tmp_path / "nope.toml")
    assert result.returncode == 2 and "not found" in result.stderr
    assert cli("config", "check", "--config", good).returncode == 0
    result = cli("config", "check", good, "--config", bad)
    assert result.returncode == 2 and "give one" in result.stderr
    result = cli("config", "show", good)
    assert result.returncode == 2 and "--config FILE" in result.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[faults.slouch]\nhold_seconds = 240.5\n",
            "this key takes whole numbers only; in [faults.slouch] head_sink, trunk_flexion_degrees, slide_degrees "
            "take fractions",
        ),
        ("[presence]\naway_seconds = 60.5\n", "this key takes whole numbers only, as does every number in [presence]"),
    ],
)
def test_a_fraction_for_a_whole_number_key_says_which_keys_take_fractions(config_file, text, expected):
    result = cli("config", "check", config_file(text))
    assert result.returncode == 2
    assert "expected a whole number like" in result.stderr and expected in result.stderr


@pytest.fixture
def no_model(tmp_path: Path) -> dict[str, str | None]:
    """Environment for a user with an empty model cache and no $POSTURE_WATCH_MODEL."""
    return {"XDG_CACHE_HOME": str(tmp_path / "cache"), "POSTURE_WATCH_MODEL": None}


def test_model_path_without_a_model_says_where_it_would_go(no_model, tmp_path):
    result = cli("model", "path", **no_model)
    assert result.returncode == 0, result.stderr
    where = Path(result.stdout.strip())
    assert where.is_relative_to(tmp_path / "cache") and where.name == "pose_landmarker_lite.task"
    assert not where.exists() and "not there yet" in result.stderr and "model download" in result.stderr


def test_model_import_says_what_it_did(no_model, tmp_path):
    result = cli("model", "import", MODEL, **no_model)
    assert result.returncode == 0, result.stderr
    dest = tmp_path / "cache" / "posture-watch" / "models" / "pose_landmarker_lite.task"
    assert result.stdout.strip() == f"imported {MODEL} into {dest} (sha256 {SHA256_LITE})"
    assert dest.read_bytes() == MODEL.read_bytes()
    assert cli("model", "path", **no_model).stdout.strip() == str(dest)


def test_replay_samples_without_json_says_it_needs_json(tmp_path):
    result = cli("replay", tmp_path / "any.mp4", "--calibrate", "5", "--samples")
    assert result.returncode == 2
    assert "--samples needs --json" in result.stderr and "Traceback" not in result.stderr


def test_runtime_dependencies_are_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {req.split(">")[0].split(";")[0].strip() for req in project["dependencies"]}
    assert {"matplotlib", "tomli-w", "platformdirs"} <= names  # replay --plot draws charts, config show writes TOML
    assert any(req.startswith("pooch") for req in project["optional-dependencies"]["test"])


def test_calibrate_on_a_recording_shorter_than_asked_says_it_is_too_short(videos):
    clip = videos("neutral", seconds=6, fps=5)
    result = cli("calibrate", "--source", clip, "--seconds", "30")
    assert result.returncode == 2
    assert "is only 6 s long, shorter than --seconds 30; give fewer" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_version_names_the_package_version():
    from posture_watch import __version__

    result = cli("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"posture-watch {__version__}"


def test_doctor_says_whether_the_camera_in_use_has_a_calibration(config_file, videos, tmp_path):
    # Camera 62 is this test's own: no other test stores a calibration for it.
    settings = config_file("[camera]\ndevice = 62\n")
    home = {f"XDG_{v}_HOME": str(tmp_path / v.lower()) for v in ("CONFIG", "DATA", "STATE", "CACHE")}

    def calibration_line() -> str:
        result = cli("doctor", "--config", settings, **home)
        (line,) = [ln for ln in result.stdout.splitlines() if "calibration:" in ln]
        return line

    before = calibration_line()
    assert before.startswith("ok       calibration: none yet for camera 62: ") and "posture-watch calibrate" in before
    clip = videos("neutral", seconds=8, fps=5)
    made = cli("calibrate", "--source", clip, "--seconds", "3", "--config", settings, **home)
    assert made.returncode == 0, made.stderr
    after = calibration_line()
    assert after.startswith("ok       calibration: camera 62: front view from "), after
    assert str(tmp_path / "data" / "posture-watch" / "calibration" / "camera-62.json") in after
    # When it was made, in the user's zone: 2023-11-14 22:13:20 UTC is 03:43 the next day in Kolkata.
    os.utime(tmp_path / "data" / "posture-watch" / "calibration" / "camera-62.json", (1_700_000_000, 1_700_000_000))
    home["TZ"] = "Asia/Kolkata"
    assert " made 2023-11-15 03:43 (" in calibration_line()
    (tmp_path / "data" / "posture-watch" / "calibration" / "camera-62.json").write_text("{", encoding="utf-8")
    damaged = calibration_line()
    assert damaged.startswith("PROBLEM  calibration: ") and "run `posture-watch calibrate`" in damaged


def _installed_user(home: Path) -> dict[str, str]:
    """The environment of a user with settings, a calibration, a history, a log, a model and autostart on."""
    env = {f"XDG_{v}_HOME": str(home / v.lower()) for v in ("CONFIG", "DATA", "STATE", "CACHE")}
    (home / "config" / "posture-watch").mkdir(parents=True)
    (home / "config" / "posture-watch" / "config.toml").write_text("[camera]\ndevice = 1\n", encoding="utf-8")
    (home / "data" / "posture-watch" / "calibration").mkdir(parents=True)
    (home / "data" / "posture-watch" / "calibration" / "camera-1.json").write_text("{}", encoding="utf-8")
    (home / "data" / "posture-watch" / "history.sqlite3").write_bytes(b"")
    (home / "state" / "posture-watch" / "log").mkdir(parents=True)
    (home / "state" / "posture-watch" / "log" / "posture-watch.log").write_text("...", encoding="utf-8")
    assert cli("model", "import", MODEL, **env).returncode == 0
    assert cli("autostart", "enable", **env).returncode == 0
    return env


FOLDERS = ("config", "data", "state", "cache")


def test_uninstall_off_a_terminal_must_be_told_about_the_data_and_changes_nothing_until_it_is(tmp_path):
    env = _installed_user(tmp_path)
    entry = tmp_path / "config" / "autostart" / "posture-watch.desktop"
    refused = cli("uninstall", **env)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "add --yes to delete them, or --keep-data to keep them" in refused.stderr
    assert entry.exists() and all((tmp_path / f / "posture-watch").is_dir() for f in FOLDERS)

    kept = cli("uninstall", "--keep-data", **env)
    assert kept.returncode == 0, kept.stderr
    assert f"removed the autostart entry {entry}" in kept.stdout and not entry.exists()
    assert all((tmp_path / f / "posture-watch").is_dir() for f in FOLDERS)
    assert f"kept {tmp_path / 'data' / 'posture-watch'} (history, calibrations and reports)" in kept.stdout
    # The python of the environment it runs in (the console script's, python or python3).
    python = re.search(r"to remove it: (\S+) -m pip uninstall posture-watch", kept.stdout)
    assert python and Path(python.group(1)).parent == Path(sys.executable).parent, kept.stdout

    gone = cli("uninstall", "--yes", **env)
    assert gone.returncode == 0, gone.stderr
    assert "no autostart entry to remove" in gone.stdout
    for folder in FOLDERS:
        assert not (tmp_path / folder / "posture-watch").exists()
        assert f"deleted {tmp_path / folder / 'posture-watch'} (" in gone.stdout
    # The log folder inside the state folder goes with it, named once.
    assert f"deleted {tmp_path / 'state' / 'posture-watch'} (the running monitor's lock, the log)" in gone.stdout
    assert str(tmp_path / "state" / "posture-watch" / "log") not in gone.stdout + refused.stderr
    # The model file the environment names is the user's own: left, and said so.
    assert f"left the model file at {MODEL}, which $POSTURE_WATCH_MODEL names" in gone.stdout
    assert MODEL.is_file()


@pytest.mark.skipif(sys.platform == "win32", reason="no pseudo-terminals on Windows")
@pytest.mark.parametrize(("answer", "deleted"), [("n", False), ("y", True)])
def test_uninstall_asks_on_a_terminal_before_deleting_the_data(tmp_path, answer, deleted):
    import pty

    env = _installed_user(tmp_path)
    controller, terminal = pty.openpty()
    try:
        os.write(controller, f"{answer}\n".encode())
        result = cli("uninstall", stdin=terminal, **env)
    finally:
        os.close(terminal)
        os.close(controller)
    assert result.returncode == 0, result.stderr
    assert "posture-watch keeps these folders on this computer:" in result.stdout
    assert f"{tmp_path / 'cache' / 'posture-watch'}  the pose model (5.8 MB)" in result.stdout
    assert "Delete them too? This cannot be undone. [y/N]" in result.stdout
    assert not (tmp_path / "config" / "autostart" / "posture-watch.desktop").exists()
    assert all((tmp_path / f / "posture-watch").is_dir() != deleted for f in FOLDERS)


def test_uninstall_names_the_command_for_the_way_it_was_installed():
    from posture_watch.app.uninstall import removal_command

    pipx = "/home/ada/.local/share/pipx/venvs/posture-watch"
    assert removal_command(pipx, "/usr", f"{pipx}/bin/python") == "pipx uninstall posture-watch"
    venv = "/home/ada/pw-env"
    assert removal_command(venv, "/usr", f"{venv}/bin/python") == (
        f"{venv}/bin/python -m pip uninstall posture-watch (or delete {venv}, if you made that environment for "
        "posture-watch)"
    )
    assert removal_command("/usr", "/usr", "/usr/bin/python3") == "/usr/bin/python3 -m pip uninstall posture-watch"


def test_uninstall_leaves_everything_while_a_monitor_runs(tmp_path):
    from posture_watch.desktop.instance import InstanceLock

    env = _installed_user(tmp_path)
    with InstanceLock(tmp_path / "state" / "posture-watch" / "monitor.lock"):
        result = cli("uninstall", "--yes", **env)
    assert result.returncode == 2 and f"already running (pid {os.getpid()})" in result.stderr
    assert "Quit it (tray menu, or Ctrl-C in its terminal) and run uninstall again" in result.stderr
    assert (tmp_path / "config" / "autostart" / "posture-watch.desktop").exists()
    assert all((tmp_path / f / "posture-watch").is_dir() for f in FOLDERS)


@pytest.mark.parametrize(
    ("module", "error"),
    [
        ("cv2", "ImportError('libxcb.so.1: cannot open shared object file: No such file or directory')"),
        ("mediapipe", "OSError('libEGL.so.1: cannot open shared object file: No such file or directory')"),
    ],
)
def test_a_system_library_missing_says_what_to_install(tmp_path, module, error):
    """A server or container without a desktop's libraries: OpenCV's import or MediaPipe's loader fails in them."""
    (tmp_path / module).mkdir()
    (tmp_path / module / "__init__.py").write_text(f"raise {error}\n", encoding="utf-8")
    result = cli("demo", "--no-tray", PYTHONPATH=str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    name = error.split("'")[1].split(":")[0]
    (line,) = [ln for ln in result.stderr.splitlines() if ln.startswith("posture-watch: error:")]
    assert line.startswith(f"posture-watch: error: {name} is missing: OpenCV and MediaPipe load libraries")
    assert "sudo apt install libgl1 libegl1 libgles2 libglib2.0-0 libxcb1" in line
