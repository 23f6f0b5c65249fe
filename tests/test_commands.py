"""Every command in README.md's commands table, run through the installed ``posture-watch`` command.

The table is read from README.md: a command added there without an entry in
CASES fails here. Each case is an invocation with its expected exit status
and the pattern its first line of output must match (stdout, or stderr for
messages and errors). Commands that need a camera get one that does not
exist (``[camera] device = 63``); everything a command writes goes to this
test's own folders (``XDG_*`` variables, ``--history``, ``--config``, paths
under the test's tmp folder).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import desktop as desk
import pytest
from conftest import MODEL, ROOT
from desktop import wait_for

EXE = shutil.which("posture-watch", path=str(Path(sys.executable).parent))


def table_commands(readme: Path = ROOT / "README.md") -> list[str]:
    """The command words in README.md's commands table, in its order (``history export ...`` is ``history``)."""
    section = readme.read_text(encoding="utf-8").split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    words: list[str] = []
    for line in section.splitlines():
        cells = re.split(r"(?<!\\)\|", line)
        if len(cells) < 3 or "`posture-watch " not in cells[1]:
            continue
        for word in re.findall(r"`posture-watch ([a-z][a-z0-9-]*)", cells[1]):
            if word not in words:
                words.append(word)
    return words


@dataclass(frozen=True)
class Case:
    """One invocation: ``args`` (``{name}`` fills in a path, see Context), its status and first line.

    ``stream`` is where the first line is read; ``also`` must appear somewhere
    in that stream. With ``until``, the command is a monitor: once ``until``
    appears on stderr it is sent SIGTERM, and ``status`` is its exit status then.
    ``env`` sets variables for this invocation (None removes one; values are filled in like args).
    """

    args: tuple[str, ...]
    status: int
    first: str
    stream: str = "stdout"
    also: str | None = None
    until: str | None = None
    env: tuple[tuple[str, str | None], ...] = ()


CAMERA_63 = "[camera]\ndevice = 63\n"
NO_DISPLAY = (("DISPLAY", None), ("WAYLAND_DISPLAY", None))

# Command word -> its invocations, run in this order in one set of folders.
CASES: dict[str, list[Case]] = {
    "run": [
        Case(
            # The missing camera is the first thing said: nobody is asked to sit well in front of it.
            ("run", "--no-tray", "--config", "{camera63}"),
            0,
            r"^posture-watch: camera 63: not found; plug it in or set camera\.device",
            "stderr",
            until=r"posture-watch: camera 63: not found; plug it in or set camera\.device",
        ),
        Case(
            ("run", "--no-tray", "--source", "{short}", "--calibrate", "3", "--config", "{camera63}"),
            0,
            r"^posture-watch: calibrating: the first 3 seconds of \S+\.mp4 with someone in view are taken as the",
            "stderr",
            also=r"posture-watch: the recording came to its end",
        ),
    ],
    "demo": [
        # Without the model it says so first, before making the recording.
        Case(
            ("demo", "--no-tray"),
            2,
            r"^posture-watch: error: pose model not found at .*none\.task \(from \$POSTURE_WATCH_MODEL\)",
            "stderr",
            env=(("POSTURE_WATCH_MODEL", "{tmp}/none.task"),),
        ),
        # A made-up recording, its own settings and history in a temporary folder: a reminder within a minute.
        Case(
            ("demo", "--no-tray"),
            0,
            r"^posture-watch demo: making an 80 s recording of a person sitting well, then with the head forward",
            "stderr",
            until=r"^posture-watch: reminder: Head forward for \d+ s",
            env=(("TMPDIR", "{tmp}"),),
        ),
    ],
    "calibrate": [
        # The missing camera is the first thing said: nobody is asked to sit still for it.
        Case(
            ("calibrate", "--config", "{camera63}"),
            2,
            r"^posture-watch: error: camera 63 was not found; plug it in or set camera\.device",
            "stderr",
        ),
        Case(
            ("calibrate", "--source", "{neutral}", "--seconds", "3"),
            0,
            r"^calibrated: front view from \d+ frames, saved to .*camera-0\.json$",
        ),
    ],
    "replay": [
        Case(
            ("replay", "{neutral}", "--calibrate", "5"),
            0,
            r"^0:00:0\d  calibrated \(front view, \d+ frames\)$",
            also=r"frames analysed, 0 reminder\(s\)",
        ),
        Case(
            ("replay", "{neutral}", "--calibrate", "5", "--json", "--samples", "--config", "{camera63}"),
            0,
            r'^\{"t": [\d.]+, "event": "sample", "view": "front", "features": \{',
            also=r'"event": "summary"',
        ),
        Case(("replay", "{neutral}"), 2, r"^posture-watch: error: no calibration yet: pass --calibrate", "stderr"),
    ],
    "model": [
        Case(("model", "path"), 0, "^{model}$"),
        Case(("model", "verify"), 0, r"^ok: {model} \(sha256 [0-9a-f]{64}\)$"),
        Case(("model", "download", "--url", "{model_url}"), 0, r"^.*[/\\]models[/\\]pose_landmarker_lite\.task$"),
        Case(("model", "import", "{model}"), 0, r"^imported {model} into .*pose_landmarker_lite\.task \(sha256 "),
        # With a verified model in the cache there is nothing to download: no network is reached.
        Case(("model", "download"), 0, r"^the lite model is already there, verified \(sha256 ", "stderr"),
    ],
    "config": [
        Case(("config", "path"), 0, r"^.*[/\\]posture-watch[/\\]config\.toml$"),
        Case(("config", "show"), 0, r"^# defaults$", also=r"\[camera\]"),
        Case(("config", "show", "--config", "{camera63}"), 0, r"^# defaults merged with ", also=r"device = 63"),
        Case(
            ("config", "show", "--explain", "--config", "{camera63}"),
            0,
            r"^# Every setting in force \(defaults merged with .*camera63\.toml\)",
            also=r"camera\.device = 63\n    a whole number from 0 to 63, or a name or id in quotes; default 0 "
            r"\(yours differs\)",
        ),
        Case(("config", "check", "{camera63}"), 0, r"^ok: .*camera63\.toml$"),
    ],
    "uninstall": [
        # A user with a model in the cache and autostart on.
        Case(("model", "import", "{model}"), 0, r"^imported "),
        Case(("autostart", "enable"), 0, r"^enabled: "),
        Case(
            ("uninstall",),
            2,
            r"^posture-watch: error: uninstall needs to know whether to delete your settings, history, .*"
            r"add --yes to delete them, or --keep-data to keep them$",
            "stderr",
        ),
        Case(
            ("uninstall", "--keep-data"),
            0,
            r"^removed the autostart entry .*posture-watch\.desktop$",
            also=r"\nposture-watch itself is still installed; to remove it: .* -m pip uninstall posture-watch",
        ),
        Case(("uninstall", "--yes"), 0, r"^no autostart entry to remove", also=r"\ndeleted .* \(the pose model\)\n"),
    ],
    "autostart": [
        Case(("autostart", "status"), 0, r"^disabled: "),
        Case(("autostart", "enable"), 0, r"^enabled: "),
        Case(("autostart", "status"), 0, r"^enabled: "),
        Case(("autostart", "disable"), 0, r"^disabled: removed "),
    ],
    "doctor": [
        Case(
            ("doctor", "--config", "{camera63}"),
            1,
            r"^ok\s+settings: .*camera63\.toml$",
            also=r"PROBLEM  camera: camera 63 \(backend V4L2\) is not connected",
        ),
    ],
    "cameras": [
        # Whatever cameras this machine has (none, usually), the one the settings name is not among them.
        Case(
            ("cameras", "--config", "{camera63}"),
            0,
            r"^(no cameras found|[* ] \d+  .+  id: .+)$",
            also=r"camera\.device = 63: not connected; plug it in, or set camera\.device",
        ),
    ],
    "report": [
        Case(("report", "--history", "{history}", "--out", "{tmp}/report.html"), 0, r"^.*report\.html$"),
        Case(("report", "--history", "{history}"), 0, r"^.*[/\\]reports[/\\]day-\d{4}-\d\d-\d\d\.html$"),
        Case(("report", "--history", "{history}", "--format", "json"), 0, r"^\{$", also=r'"present_seconds"'),
        Case(("report", "--history", "{history}", "--week", "--format", "json"), 0, r"^\{$", also=r'"days"'),
        Case(("report", "--history", "{history}", "--month", "--out", "{tmp}/month.html"), 0, r"^.*month\.html$"),
        Case(
            ("report", "--history", "{history}", "--day", "2000-01-01"),
            0,
            r"^Nothing was recorded on Saturday 1 January 2000\.$",
        ),
        Case(
            ("report", "--history", "{tmp}/none.sqlite3"),
            2,
            r"^posture-watch: error: .*none\.sqlite3: no history yet",
            "stderr",
        ),
    ],
    "history": [
        Case(("history", "export", "--csv", "{tmp}/csv", "--history", "{history}"), 0, r"^.*csv[/\\]sessions\.csv$"),
        Case(("history", "delete", "--before", "2000-01-01", "--history", "{history}"), 0, r"^deleted 0 record\(s\) "),
        Case(("history", "delete", "--history", "{history}"), 2, r"^posture-watch: error: .*add --yes", "stderr"),
        Case(("history", "delete", "--yes", "--history", "{history}"), 0, r"^deleted [1-9]\d* record\(s\) .*all of it"),
    ],
    "preview": [
        Case(
            ("preview", "--config", "{camera63}"),
            2,
            r"^posture-watch: error: preview needs a desktop display; use replay --plot instead$",
            "stderr",
            env=NO_DISPLAY,
        ),
        # On a display of its own (Xvfb), it gets as far as the camera that is not there.
        Case(
            ("preview", "--config", "{camera63}"),
            2,
            r"^posture-watch: calibrating: sit well, facing the screen, for 10 seconds",
            "stderr",
            also=r"posture-watch: error: camera 63 was not found; plug it in or set camera\.device",
            env=(("DISPLAY", "{display}"), ("WAYLAND_DISPLAY", None)),
        ),
    ],
    "coach": [
        Case(
            ("coach", "--config", "{camera63}"),
            2,
            r"^posture-watch: error: coach needs a desktop display for its window; add --json",
            "stderr",
            env=NO_DISPLAY,
        ),
        Case(
            ("coach", "side_neck_stretch", "--source", "{neutral}", "--calibrate", "5", "--json"),
            0,
            r'^\{"t": [\d.]+, "event": "calibrated", "view": "front"',
            also=r'"event": "summary", "stretch": "side_neck_stretch", .*"verified": false',
        ),
        Case(
            ("coach", "chin_tuck", "--side", "left", "--source", "{neutral}", "--calibrate", "5", "--json"),
            2,
            r"^posture-watch: error: chin_tuck has no sides; leave out --side$",
            "stderr",
        ),
        Case(
            ("coach", "handstand", "--json"),
            2,
            r"^posture-watch: error: no stretch 'handstand' \(or it is disabled in your settings\); ids are: ",
            "stderr",
        ),
    ],
    "record": [
        # Where the recording would go is checked before the camera.
        Case(
            ("record", "--config", "{camera63}", "--seconds", "1", "{camera63}/out.mp4"),
            2,
            r"^posture-watch: error: .*camera63\.toml is a file, not a folder; give a path for out\.mp4",
            "stderr",
        ),
        Case(
            ("record", "--config", "{camera63}", "--seconds", "1", "{tmp}"),
            2,
            r"^posture-watch: error: .*: give a file name ending in \.mp4 or \.avi$",
            "stderr",
        ),
        Case(
            ("record", "--config", "{camera63}", "--seconds", "1", "{tmp}/out.mp4"),
            2,
            r"^posture-watch: error: camera 63 could not be opened; check it is connected",
            "stderr",
        ),
    ],
}


class Context(dict):
    """The values ``{name}`` stands for in a case's args; each is made on first use."""

    def __init__(self, tmp: Path, videos, env: dict[str, str]) -> None:
        super().__init__(tmp=str(tmp), model=str(MODEL))
        self.tmp, self.videos, self.env = tmp, videos, env
        self.servers: list[http.server.ThreadingHTTPServer] = []
        self.stack = contextlib.ExitStack()

    def __missing__(self, key: str) -> str:
        if key == "camera63":
            path = self.tmp / "camera63.toml"
            path.write_text(CAMERA_63, encoding="utf-8")
            value = str(path)
        elif key == "neutral":
            value = str(self.videos("neutral", seconds=20, fps=5))
        elif key == "short":
            value = str(self.videos("neutral", seconds=8, fps=5))
        elif key == "history":
            # A history with something in it, the way a user gets one without a camera.
            value = str(self.tmp / "history.sqlite3")
            result = cli(("replay", self["neutral"], "--calibrate", "5", "--history", value), self.env)
            assert result.returncode == 0, result.stderr
        elif key == "model_url":
            handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(MODEL.parent))
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self.servers.append(server)
            value = f"http://127.0.0.1:{server.server_address[1]}/{MODEL.name}"
        elif key == "display":
            value = self._start_xvfb()
        else:
            raise KeyError(key)
        self[key] = value
        return value

    def _start_xvfb(self) -> str:
        """An X display of its own, started as every desktop test starts one."""
        if desk.missing("Xvfb") and not os.environ.get("CI"):
            pytest.skip("Xvfb is not installed (Debian: xvfb), so preview's window cannot be tried")
        return self.stack.enter_context(desk.xvfb(Path(self.tmp)))["DISPLAY"]

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        self.stack.close()


def cli(args: tuple[str, ...], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    assert EXE, "pip install . must install the posture-watch command beside python"
    return subprocess.run(
        [EXE, *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
        timeout=180,
        check=False,
    )


def monitor(args: tuple[str, ...], env: dict[str, str], until: str, patience: float = 120) -> tuple[int, str, str]:
    """Start a monitor, wait for ``until`` on its stderr, stop it with SIGTERM: (status, stdout, stderr)."""
    assert EXE, "pip install . must install the posture-watch command beside python"
    proc = subprocess.Popen(
        [EXE, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    err: list[str] = []
    ended = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            err.append(line)
        ended.set()

    def said() -> bool:
        return any(re.search(until, line) for line in list(err))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        with contextlib.suppress(AssertionError):  # timed out: the assertions below show what it did say
            wait_for(lambda: ended.is_set() or said(), f"{until!r} on the monitor's stderr", timeout=patience)
        assert said(), f"never said {until!r}:\n{''.join(err)}"
        assert proc.poll() is None, f"ended early with {proc.returncode}:\n{''.join(err)}"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            status = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            status = proc.wait()
    reader.join(timeout=10)
    out = proc.stdout.read() if proc.stdout is not None else ""
    return status, out, "".join(err)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The environment of a user whose folders are all this test's own (no stored calibration, no settings)."""
    environ = dict(os.environ)
    for var in ("CONFIG", "DATA", "STATE", "CACHE"):
        environ[f"XDG_{var}_HOME"] = str(tmp_path / "xdg" / var.lower())
    # matplotlib (replay --plot) keeps its font cache in the session's cache folder, not rebuilt per test.
    environ.setdefault("MPLCONFIGDIR", str(Path(os.environ["XDG_CACHE_HOME"]) / "matplotlib"))
    environ["POSTURE_WATCH_MODEL"] = str(MODEL)
    return environ


def test_every_command_in_the_readme_table_has_cases():
    words = table_commands()
    assert {"run", "replay", "record", "history"} <= set(words), f"README.md's commands table not understood: {words}"
    missing = [w for w in words if w not in CASES]
    assert not missing, f"README.md's commands table has {missing}: add how to run them to CASES in {__file__}"
    stale = [w for w in CASES if w not in words]
    assert not stale, f"CASES has {stale}, which README.md's commands table does not list"


@pytest.mark.parametrize("command", table_commands())
def test_command(command: str, env, tmp_path: Path, videos):
    assert command in CASES, f"README.md lists `posture-watch {command}`: add how to run it to CASES"
    context = Context(tmp_path, videos, env)
    try:
        for case in CASES[command]:
            args = tuple(arg.format_map(context) for arg in case.args)
            case_env = dict(env)
            for name, value in case.env:
                if value is None:
                    case_env.pop(name, None)
                else:
                    case_env[name] = value.format_map(context)
            if case.until is not None:
                status, out, err = monitor(args, case_env, case.until)
            else:
                result = cli(args, case_env)
                status, out, err = result.returncode, result.stdout, result.stderr
            shown = f"posture-watch {' '.join(args)}\n--- stdout\n{out}--- stderr\n{err}"
            assert status == case.status, shown
            text = out if case.stream == "stdout" else err
            assert re.search(_pattern(case.first, context), text.splitlines()[0] if text else ""), shown
            if case.also is not None:
                assert re.search(_pattern(case.also, context), text), shown
    finally:
        context.close()
    if command == "record":
        assert not (tmp_path / "out.mp4").exists(), "record without a camera left a file"
    if command == "demo":
        assert not list(tmp_path.glob("posture-watch-demo-*")), "the demo left its temporary folder"
        assert not list((tmp_path / "xdg" / "data").glob("**/history.sqlite3")), "the demo wrote the user's history"


def _pattern(pattern: str, context: Context) -> str:
    """A pattern with ``{model}`` and ``{tmp}`` replaced by those paths, matched literally."""
    return re.sub(r"\{(model|tmp)\}", lambda m: re.escape(context[m.group(1)]), pattern)


def test_the_readme_names_every_package_the_tests_need():
    """The Debian packages `.ci/run` installs for the desktop tests are the ones README.md tells a developer."""
    packages = re.search(r'^PACKAGES="([^"]+)"', (ROOT / ".ci" / "run").read_text(encoding="utf-8"), re.M)
    assert packages, ".ci/run no longer sets PACKAGES"
    development = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Development\n", 1)[1]
    named = set(re.findall(r"`([a-z0-9 .+-]+)`", development))
    assert " ".join(packages[1].split()) in named, f"README.md's Development section should list `{packages[1]}`"
