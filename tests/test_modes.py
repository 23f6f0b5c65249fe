"""The application's modes: every event from every mode, and which reason the user is shown."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import product
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posture_watch.app.clocks import later
from posture_watch.app.modes import (
    PRIORITY,
    CalibrationEnded,
    CalibrationStarted,
    CameraState,
    ClockPassed,
    CoachClosed,
    CoachOpened,
    LightChanged,
    Mode,
    PauseReason,
    ScreenLocked,
    UserPaused,
    UserResumed,
    transition,
)

NOON = datetime(2026, 11, 30, 12, 0)
CAMERA = ("ok", "idle", "missing", "lost", "busy", "paused")
EVENTS = st.one_of(
    st.builds(UserPaused, st.integers(1, 120).map(lambda m: NOON + timedelta(minutes=m))),
    st.just(UserResumed()),
    st.builds(ClockPassed, st.integers(0, 180).map(lambda m: NOON + timedelta(minutes=m))),
    st.builds(CameraState, st.sampled_from(CAMERA)),
    st.builds(ScreenLocked, st.booleans()),
    st.builds(LightChanged, st.booleans()),
    st.just(CalibrationStarted()),
    st.just(CalibrationEnded()),
    st.just(CoachOpened()),
    st.just(CoachClosed()),
)


@given(st.lists(EVENTS, max_size=40))
def test_any_sequence_matches_each_reason_followed_on_its_own(events):
    """Each reason is on exactly when its own last event said so; the shown reason is the most pressing one."""
    mode = Mode()
    user_until: datetime | None = None
    camera = "idle"
    locked = dark = calibrating = coaching = False
    for event in events:
        mode = transition(mode, event)
        match event:
            case UserPaused(until=until):
                user_until = until
            case UserResumed():
                user_until = None
            case ClockPassed(wall=wall):
                if user_until is not None and wall >= user_until:
                    user_until = None
            case CameraState(status=status):
                camera = camera if status == "paused" else status
            case ScreenLocked(locked=on):
                locked = on
            case LightChanged(too_dark=on):
                dark = on
            case CalibrationStarted():
                calibrating = True
            case CalibrationEnded():
                calibrating = False
            case CoachOpened():
                coaching = True
            case CoachClosed():
                coaching = False
        expected = {
            PauseReason.USER: user_until is not None,
            PauseReason.COACH: coaching,
            PauseReason.LOCKED: locked,
            PauseReason.NO_CAMERA: camera in ("missing", "lost"),
            PauseReason.CALL: camera == "busy",
            PauseReason.DARK: dark,
        }
        assert mode.holds == {reason for reason, on in expected.items() if on}
        assert mode.until == user_until
        shown = next((reason for reason in PRIORITY if expected[reason]), None)
        assert mode.paused == shown
        assert mode.kind == ("paused" if shown else "calibrating" if calibrating else "watching")


@pytest.mark.parametrize(("first", "second"), list(product(PRIORITY, PRIORITY)))
def test_the_more_pressing_reason_is_shown_whichever_came_first(first, second):
    make = {
        PauseReason.USER: UserPaused(NOON + timedelta(hours=1)),
        PauseReason.COACH: CoachOpened(),
        PauseReason.LOCKED: ScreenLocked(True),
        PauseReason.NO_CAMERA: CameraState("missing"),
        PauseReason.CALL: CameraState("busy"),
        PauseReason.DARK: LightChanged(True),
    }
    mode = transition(transition(Mode(calibrating=True), make[first]), make[second])
    held = {first, second}
    if {first, second} == {PauseReason.NO_CAMERA, PauseReason.CALL}:
        held = {second}  # one camera: its latest state is the one that holds
    assert mode.paused == min(held, key=PRIORITY.index)
    assert mode.kind == "paused"


def test_a_pause_ends_at_its_wall_time_not_before():
    mode = transition(Mode(), UserPaused(NOON + timedelta(minutes=15)))
    assert transition(mode, ClockPassed(NOON + timedelta(minutes=14, seconds=59))).paused == PauseReason.USER
    after = transition(mode, ClockPassed(NOON + timedelta(minutes=15)))
    assert after.paused is None and after.until is None and after.kind == "watching"


def test_a_pause_on_the_night_the_clocks_go_back_lasts_its_real_minutes():
    # Paused at 01:51 EDT on 2026-11-01 for 30 min: until 01:21 EST, in the hour the wall clock shows twice.
    start = datetime(2026, 11, 1, 5, 51, tzinfo=timezone.utc).astimezone(ZoneInfo("America/New_York"))
    mode = transition(Mode(), UserPaused(later(start, 30 * 60)))
    for minutes, paused in ((1, True), (29, True), (30, False)):
        assert (transition(mode, ClockPassed(later(start, minutes * 60))).paused == PauseReason.USER) == paused


def test_the_camera_coming_back_clears_only_the_camera_reasons():
    mode = Mode(holds=frozenset({PauseReason.LOCKED, PauseReason.CALL}))
    assert transition(mode, CameraState("ok")).holds == {PauseReason.LOCKED}
    assert transition(mode, CameraState("paused")) == mode


def test_not_a_mode_event_is_an_error():
    with pytest.raises(TypeError):
        transition(Mode(), "pause")  # type: ignore[arg-type]
