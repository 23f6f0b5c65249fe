"""End to end on a real desktop: tray docked, reminders shown by dunst, live config edits, clean exit."""

from __future__ import annotations

import os

import pytest
from desktop import PATIENCE, desktop, docked, missing, monitor, notifications, wait_for
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
TOOLS = ("Xvfb", "dbus-daemon", "dunst", "dunstctl", "trayer", "notify-send")


@pytest.mark.skipif(bool(missing(*TOOLS)) and not os.environ.get("CI"), reason=f"needs {', '.join(missing(*TOOLS))}")
def test_monitor_on_a_real_desktop(tmp_path, videos):
    # Long enough after the fault is switched off for more than two 30 s cooldowns with the head still forward.
    video = videos("forward_head", seconds=130, fps=5, timeline=Timeline(onset=10))
    cfg = tmp_path / "config.toml"
    cfg.write_text(CONFIG.format(enabled="true"))
    log = tmp_path / "state" / "posture-watch" / "log" / "posture-watch.log"
    stretch_names = {s.name for s in catalogue()}

    def head_forward() -> list[tuple[str, str, str]]:
        return [n for n in notifications(env) if n[0].startswith(("Head forward", "Still: head forward"))]

    def logged() -> list[str]:
        return log.read_text().splitlines() if log.exists() else []

    with desktop(tmp_path) as env, monitor({**env, "XDG_STATE_HOME": str(tmp_path / "state")}, video, cfg) as proc:
        wait_for(lambda: docked(env, "posture-watch"), "the tray icon to dock in trayer", proc=proc)

        first = wait_for(head_forward, "a head-forward reminder", proc=proc)[0]
        summary, _, body = first
        assert summary.startswith("Head forward for") and "suboccipitals" in body
        assert "Head forward" not in body, "the title is not repeated in the body"
        assert any(name in body for name in stretch_names), body

        # A broken edit: reported once, the monitor keeps the previous settings.
        cfg.write_text("[faults.forward_head\nenabled = false\n")
        wait_for(
            lambda: any(n[0] == "posture-watch settings not reloaded" for n in notifications(env)),
            "the settings error",
            proc=proc,
        )
        count = len(head_forward())
        wait_for(lambda: len(head_forward()) > count, "another reminder under the previous settings", proc=proc)
        errors = [n for n in notifications(env) if n[0] == "posture-watch settings not reloaded"]
        assert len(errors) == 1

        # Disabling the fault stops its reminders from the reload on, to the end of the recording.
        cfg.write_text(CONFIG.format(enabled="false"))
        wait_for(lambda: any("settings reloaded from" in line for line in logged()), "the reload", proc=proc)
        err = proc.communicate(timeout=10 * PATIENCE)[1]
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "the recording came to its end" in err
    lines = logged()
    reload = next(i for i, line in enumerate(lines) if "settings reloaded from" in line)
    reminders = [i for i, line in enumerate(lines) if "app.sinks.terminal: reminder: " in line]
    assert reminders and max(reminders) < reload, lines[reload:]
