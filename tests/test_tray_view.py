"""What the tray shows, rendered from the mode and the engine's status: one state wins, in words users read."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from posture_watch import config
from posture_watch.app.clocks import later
from posture_watch.app.modes import (
    CameraState,
    CoachOpened,
    LightChanged,
    Mode,
    ScreenLocked,
    UserPaused,
    transition,
)
from posture_watch.app.outputs import Tick
from posture_watch.app.sinks.tray import view
from posture_watch.core import engine
from posture_watch.desktop import menu

SETTINGS = config.defaults()
NOON = datetime(2026, 11, 23, 12)
GOOD = engine.Status("seen", calibrating=False, away=False, sitting_seconds=600.0, worst=None, deciding=False)
BUILDING = replace(GOOD, worst=("forward_head", None, 180.0, 0.5), deciding=True)
WATCHING = Mode()


def shown(status: engine.Status = GOOD, mode: Mode = WATCHING, wall: datetime = NOON, t: float = 600.0, quiet=False):
    return view(Tick(mode, status, wall, quiet, t), SETTINGS)


def test_good_posture_and_the_next_break():
    tray = shown()
    assert (tray.state, tray.tooltip, tray.level) == ("good", "posture good; stand-up break in 20 min", 0.0)
    assert shown(quiet=True).tooltip.endswith("(do not disturb)")


def test_a_posture_building_up_then_reminded():
    tray = shown(BUILDING)
    assert tray.state == "building" and tray.tooltip.startswith("head forward for 3 min") and tray.level == 0.5
    reminded = replace(BUILDING, latest_alert=(590.0, "forward_head"))
    assert shown(reminded).state == "alert"
    # Red only for a while after the reminder, and only for the posture it was about.
    assert shown(reminded, t=590.0 + 121).state == "building"
    assert shown(replace(reminded, latest_alert=(590.0, "head_tilt"))).state == "building"


def test_snoozed_reminders_show_until_when_and_the_menu_offers_to_resume_them():
    snoozed = replace(BUILDING, latest_alert=(590.0, "forward_head"), snoozed_until=NOON + timedelta(minutes=15))
    tray = shown(snoozed)
    assert tray.state == "snoozed" and tray.snoozed_until == "12:15"
    assert tray.tooltip.startswith("reminders snoozed until 12:15; head forward")
    labels = [item.label for item in menu.items(tray)]
    assert "Reminders snoozed until 12:15" in labels and "Resume reminders" in labels
    assert not any(label.startswith("Snooze reminders") for label in labels)
    # Once the snooze is over it is not shown any more.
    assert shown(snoozed, wall=NOON + timedelta(minutes=16)).snoozed_until is None


def test_a_pause_counts_down_in_whole_minutes_from_the_full_length():
    paused = transition(Mode(), UserPaused(NOON + timedelta(minutes=15)))
    tray = shown(BUILDING, paused)
    assert (tray.state, tray.tooltip, tray.paused) == ("paused", "paused for 15 min more", True)
    assert shown(BUILDING, paused, wall=NOON + timedelta(minutes=14, seconds=1)).tooltip == "paused for 1 min more"
    overnight = transition(Mode(), UserPaused(datetime(2026, 11, 24, 6)))
    assert shown(BUILDING, overnight).tooltip == "paused until 06:00"


def test_a_pause_and_a_snooze_on_the_night_the_clocks_go_back_count_down_their_real_minutes():
    # At 01:51 EDT on 2026-11-01, for 30 min: until 01:21 EST, in the hour the wall clock shows twice.
    start = datetime(2026, 11, 1, 5, 51, tzinfo=timezone.utc).astimezone(ZoneInfo("America/New_York"))
    paused = transition(Mode(), UserPaused(later(start, 30 * 60)))
    assert shown(BUILDING, paused, wall=start).tooltip == "paused for 30 min more"
    assert shown(BUILDING, paused, wall=later(start, 20 * 60)).tooltip == "paused for 10 min more"
    snoozed = replace(BUILDING, snoozed_until=later(start, 30 * 60))
    assert shown(snoozed, wall=later(start, 20 * 60)).snoozed_until == "01:21"


def test_the_mode_decides_what_wins():
    assert shown(BUILDING, transition(Mode(), CameraState("missing"))).state == "camera"
    assert shown(BUILDING, transition(Mode(), CameraState("busy"))).state == "call"
    locked = transition(transition(Mode(), CameraState("busy")), ScreenLocked(True))
    assert shown(BUILDING, locked).tooltip.startswith("screen locked")
    assert "too dark" in shown(BUILDING, transition(Mode(), LightChanged(True))).tooltip
    coaching = shown(BUILDING, transition(transition(Mode(), CameraState("busy")), CoachOpened()))
    assert (coaching.state, coaching.tooltip) == ("paused", "a stretch under way: the coach has the camera")
    assert shown(GOOD, Mode(calibrating=True)).state == "starting"
    assert shown(replace(GOOD, away=True)).state == "away"
