"""End to end on a real desktop: tray docked, reminders shown by dunst, live config edits, clean exit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT
from desktop import desktop, docked, missing, notifications
from make_test_videos import Timeline

from posture_watch.advice.stretches import catalogue

CONFIG = """
[notify]
cooldown_minutes = 0.5
min_gap_minutes = 0.0
[faults.forward_head]
enabled = {enabled}
hold_seconds = 15
"""


def wait_for(check, timeout: float, what: str, proc: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the monitor exited ({proc.returncode}) while waiting for {what}")
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.skipif(bool(missing()) and not os.environ.get("CI"), reason=f"needs {', '.join(missing())}")
def test_monitor_on_a_real_desktop(tmp_path, videos):
    video = videos("forward_head", seconds=150, fps=5, timeline=Timeline(onset=10))
    cfg = tmp_path / "config.toml"
    cfg.write_text(CONFIG.format(enabled="true"))
    stretch_names = {s.name for s in catalogue()}

    def head_forward() -> list[tuple[str, str, str]]:
        return [n for n in notifications(env) if n[0].startswith(("Head forward", "Still: head forward"))]

    with desktop(tmp_path) as env:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "posture_watch",
                "run",
                "--source",
                str(video),
                "--config",
                str(cfg),
                "--calibrate",
                "5",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for(lambda: docked(env, "posture-watch"), 30, "the tray icon to dock in trayer", proc)

            first = wait_for(head_forward, 90, "a head-forward reminder", proc)[0]
            summary, _, body = first
            assert summary.startswith("Head forward for") and "suboccipitals" in body
            assert "Head forward" not in body, "the title is not repeated in the body"
            assert any(name in body for name in stretch_names), body

            # A broken edit: reported once, the monitor keeps the previous settings.
            cfg.write_text("[faults.forward_head\nenabled = false\n")
            wait_for(
                lambda: any(n[0] == "posture-watch settings not reloaded" for n in notifications(env)),
                15,
                "the settings error",
                proc,
            )
            count = len(head_forward())
            wait_for(lambda: len(head_forward()) > count, 60, "another reminder under the previous settings", proc)
            errors = [n for n in notifications(env) if n[0] == "posture-watch settings not reloaded"]
            assert len(errors) == 1

            # Disabling the fault stops its reminders within the reload time.
            cfg.write_text(CONFIG.format(enabled="false"))
            time.sleep(6)
            count = len(head_forward())
            time.sleep(40)  # longer than the 30 s cooldown
            assert len(head_forward()) == count
            assert proc.poll() is None

            proc.send_signal(signal.SIGTERM)
            err = proc.communicate(timeout=30)[1]
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
