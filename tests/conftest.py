"""Shared test setup: private user folders, the pose model and real photos, generated recordings, D-Bus daemons."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))

import testdata  # noqa: E402 - reads scripts/fetch_test_data.py


def _find(lookup, fallback: Path) -> tuple[Path, str | None]:
    try:
        return lookup(), None
    except testdata.Missing as exc:
        return fallback, str(exc)


# The pose model and the real photos and videos: see tests/testdata.py for where they are looked for.
MODEL, _MODEL_MISSING = _find(testdata.model_path, SHARED / "models" / "pose_landmarker_lite.task")
DATASETS, _DATASETS_MISSING = _find(testdata.datasets_dir, SHARED / "datasets")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Stop with one line saying how to get the model or the data a selected test needs; never skip."""
    if _MODEL_MISSING and items:
        pytest.exit(_MODEL_MISSING, returncode=pytest.ExitCode.USAGE_ERROR)
    if _DATASETS_MISSING and any(getattr(getattr(i, "module", None), "DATASETS", None) is DATASETS for i in items):
        pytest.exit(_DATASETS_MISSING, returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture(autouse=True, scope="session")
def _private_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Point every per-user folder at a temporary one: tests never touch the real ones."""
    home = tmp_path_factory.mktemp("home")
    for var, sub in (
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ):
        os.environ[var] = str(home / sub)
    # The cache just moved: name the model found before, for the CLI runs too.
    os.environ["POSTURE_WATCH_MODEL"] = str(MODEL)


def run_cli(*args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``python -m posture_watch ARGS`` as a user would, capturing its output."""
    return subprocess.run(
        [sys.executable, "-m", "posture_watch", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )


SCRATCH_PICTURES = Path(tempfile.gettempdir()) / "posture-watch-readme-pictures"


def readme_picture(name: str) -> Path:
    """Where a test saves the README's picture ``name``: docs/images when POSTURE_WATCH_SCREENSHOTS=1, else a scratch
    folder, so that an ordinary test run leaves the working tree as it found it (pictures differ by a few pixels)."""
    folder = ROOT / "docs" / "images" if os.environ.get("POSTURE_WATCH_SCREENSHOTS") == "1" else SCRATCH_PICTURES
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def json_lines(stdout: str) -> list[dict]:
    """Parse replay --json output; every line must be a JSON object."""
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def videos(tmp_path_factory: pytest.TempPathFactory):
    """Generated recordings, made once per session on first use: ``videos(name, **kwargs)``."""
    from make_test_videos import make_video

    folder = tmp_path_factory.mktemp("videos")
    made: dict[tuple, Path] = {}

    def get(scenario: str, **kwargs) -> Path:
        key = (scenario, *sorted(kwargs.items()))
        if key not in made:
            name = "-".join([scenario, *(f"{k}{v}" for k, v in sorted(kwargs.items()))])
            made[key] = make_video(folder / f"{name}.mp4", scenario, **kwargs)
        return made[key]

    return get


@pytest.fixture
def config_file(tmp_path: Path):
    """Write a user config with the given TOML text and return its path."""

    def write(text: str, name: str = "config.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def bus_address(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Start dbus-daemons on demand: ``bus_address("name")`` gives the address of a new bus."""
    procs: list[subprocess.Popen] = []

    def start(name: str) -> str:
        socket = tmp_path / f"{name}.bus"
        proc = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address", f"--address=unix:path={socket}"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        procs.append(proc)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip(), "dbus-daemon did not start"  # printed once it listens
        return f"unix:path={socket}"

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="session")
def coach_videos(tmp_path_factory: pytest.TempPathFactory):
    """Recordings of real people doing a stretch (scripts/make_test_videos.py), made once per session on first use.

    ``coach_videos(name)``: "both_sides" (the man of neutral-front-video tilting his head to his left twice,
    then to his right twice, 20 s each), "still" (the same man sitting still), "shrugs" (the man of
    slouching-or-not's upright frames shrugging ten times), "upright" (the same man as he sat), "turned"
    (the woman of head-turn-look-up facing the camera, then her head turned away for 26 s), "facing" (the
    same woman facing the camera throughout).
    """
    from make_test_videos import TURNING_WOMAN, UPRIGHT_MAN, Move, make_coach_video, tilts_and_holds

    man = DATASETS / "neutral-front-video" / "center_focus.mp4"
    upright = DATASETS / "slouching-or-not" / "low-isSlouching__high-notSlouching" / "notSlouching"
    woman = DATASETS / "head-turn-look-up" / "iris_tracking_example.gif"
    facing, turned = (0, 3), (31, 37)
    # Still for the calibration, then ten shrugs of 2.5 s, a second apart.
    shrugs = [Move(6.0), *[Move(2.5, shrug=1.0, ramp=0.8), Move(1.0)] * 10]
    recipes = {
        "both_sides": lambda path: make_coach_video(path, man, tilts_and_holds(20, 2, ("left", "right"))),
        "still": lambda path: make_coach_video(path, man, [Move(40.0)]),
        "shrugs": lambda path: make_coach_video(path, upright, shrugs, person=UPRIGHT_MAN),
        "upright": lambda path: make_coach_video(path, upright, [Move(40.0)], person=UPRIGHT_MAN),
        "turned": lambda path: make_coach_video(
            path, woman, [Move(6.0, frames=facing), Move(26.0, frames=turned), Move(3.0, frames=facing)],
            person=TURNING_WOMAN,
        ),
        "facing": lambda path: make_coach_video(path, woman, [Move(35.0, frames=facing)], person=TURNING_WOMAN),
    }
    folder = tmp_path_factory.mktemp("coach-videos")
    made: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in made:
            made[name] = recipes[name](folder / f"{name}.mp4")
        return made[name]

    return get
