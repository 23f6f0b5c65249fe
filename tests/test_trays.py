"""A desktop with no tray host at all: Xvfb, a D-Bus session and dunst, but no panel and no X11 tray.

doctor reports it as a problem with what to install; run says so once (on the
terminal and in one notice), makes no X11 icon that fails to dock, keeps
monitoring, and its icon appears when a panel starts later, as at login.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import desktop as desk
import pytest
from conftest import ROOT
from desktop import PATIENCE, monitor, notifications, registered, wait_for

from posture_watch.desktop import trays

TOOLS = ("Xvfb", "dbus-daemon", "dunst", "xfce4-panel")
pytestmark = pytest.mark.skipif(
    bool(desk.missing(*TOOLS)) and not os.environ.get("CI"), reason=f"needs {', '.join(desk.missing(*TOOLS))}"
)
NOTICE = "posture-watch has no tray icon"


def test_no_tray_host_is_found_said_once_and_the_icon_comes_with_a_panel(tmp_path: Path, videos) -> None:
    video = videos("neutral", seconds=120, fps=5)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[history]\npath = "{tmp_path / "h.sqlite3"}"\n')
    log = tmp_path / "state" / "posture-watch" / "log" / "posture-watch.log"
    with desk.desktop(tmp_path, tray=None) as env:
        host = trays.choose(env)
        assert (host.kind, host.says, host.bus) == (None, trays.OTHER_FIX, True)
        assert trays.choose({**env, "XDG_CURRENT_DESKTOP": "ubuntu:GNOME"}).says == trays.GNOME_FIX

        doctor = subprocess.run(
            [sys.executable, "-m", "posture_watch", "doctor", "--config", str(cfg)],
            env=env, cwd=ROOT, capture_output=True, text=True, timeout=10 * PATIENCE, check=False,
        )  # fmt: skip
        [line] = [line for line in doctor.stdout.splitlines() if line.startswith(("ok       tray", "PROBLEM  tray"))]
        assert line.startswith("PROBLEM  tray: nothing on this desktop shows tray icons") and "trayer" in line, line
        assert doctor.returncode == 1

        with monitor({**env, "XDG_STATE_HOME": str(tmp_path / "state")}, video, cfg) as proc:
            wait_for(lambda: NOTICE in [n[0] for n in notifications(env)], "the no-tray notice", proc=proc)
            wait_for(lambda: log.exists() and "calibrated:" in log.read_text(), "monitoring to go on", proc=proc)
            with desk.panel(tmp_path, env) as panel_env:
                address = panel_env["DBUS_SESSION_BUS_ADDRESS"]
                wait_for(lambda: registered(address), "the icon to register with the panel that started", proc=proc)
                proc.send_signal(signal.SIGTERM)
                err = proc.communicate(timeout=PATIENCE)[1]
    assert proc.returncode == 0, err
    said = [line for line in err.splitlines() if "no tray icon" in line]
    assert len(said) == 1 and trays.OTHER_FIX in said[0] and "the icon appears when a tray starts" in said[0], err
    assert [n[0] for n in notifications(env)].count(NOTICE) == 1
    text = log.read_text()
    assert "Failed to dock" not in text and "Traceback" not in text + err
