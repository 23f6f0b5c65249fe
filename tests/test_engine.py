"""The decision core on synthetic timelines: exact times, recovery, cooldown, snooze, away, gaps."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from posture_watch import config
from posture_watch.advice.reminders import Advisor
from posture_watch.core import engine
from posture_watch.core.baseline import Baseline
from posture_watch.core.engine import Observation
from posture_watch.core.events import Alert

NEUTRAL = {
    "head_height": 0.56,
    "neck_length": 0.63,
    "face_size": 0.25,
    "head_roll": 0.0,
    "head_yaw": 0.0,
    "shoulder_tilt": 0.0,
    "left_shoulder_elevation": 0.62,
    "right_shoulder_elevation": 0.62,
    "shoulder_x": 0.5,
    "shoulder_y": 0.7,
    "head_x": 0.5,
    "head_y": 0.4,
    "scale": 0.4,
}
BASELINE = Baseline(view="front", median=dict(NEUTRAL), spread={k: 0.0 for k in NEUTRAL}, frames=20)
FORWARD = {**NEUTRAL, "head_height": 0.56 * 0.7}  # 30 % lower: forward head
NOON = datetime(2026, 11, 23, 12, 0, 0)


def settings(**overrides: object) -> config.Config:
    return config.defaults().with_changes(**overrides)


def jiggle(features: dict, t: float) -> dict:
    """Small movement so the posture is not static."""
    step = (int(t) // 30) % 2
    return {**features, "head_x": features["head_x"] + 0.2 * step}


def run(
    timeline: Callable[[float], dict | None],
    until: float,
    cfg: config.Config,
    period: float = 0.5,
    state: engine.State | None = None,
    start: float = 0.0,
) -> tuple[engine.State, list[dict]]:
    """Feed frames every ``period`` seconds; ``timeline(t)`` gives features (None = nobody)."""
    state = state or engine.new_state(BASELINE)
    out = []
    n = 0
    while (t := start + n * period) <= until:
        feats = timeline(t)
        obs = Observation(t, "front" if feats else None, feats or {}, NOON + timedelta(seconds=t))
        out.extend(outcomes(state, obs, cfg))
        n += 1
    return state, out


ADVISOR = Advisor()


def outcomes(state: engine.State, obs: Observation, cfg: config.Config) -> list[dict]:
    """One engine step, alerts advised as the pipeline does, all in their JSON form."""
    return [
        (ADVISOR.remind(e, cfg) if isinstance(e, Alert) else e).to_dict() for e in engine.step(state, obs, cfg.core)
    ]


def of(events: list[dict], kind: str, fault: str | None = None) -> list[dict]:
    return [e for e in events if e["event"] == kind and (fault is None or e.get("fault") == fault)]


def test_a_held_fault_alerts_exactly_hold_seconds_after_onset():
    cfg = settings(faults__forward_head__hold_seconds=120)
    _, events = run(lambda t: jiggle(FORWARD if t >= 100 else NEUTRAL, t), 400, cfg)
    start = of(events, "fault_start", "forward_head")[0]
    assert start["since"] == 100.0 and 100 < start["t"] <= 102.5
    alert = of(events, "alert", "forward_head")[0]
    assert alert["t"] == 220.0
    assert alert["held_seconds"] == 120.0
    assert alert["muscles"] == ["suboccipitals", "upper_trapezius", "sternocleidomastoid", "cervical_extensors"]
    assert alert["stretch"]["id"] and alert["stretch"]["steps"]
    assert alert["title"] == "Head forward for 2 min"


def test_brief_well_separated_faults_never_alert():
    cfg = settings(faults__forward_head__hold_seconds=60, breaks__sitting_minutes=240)
    # 20 s forward every 60 s: 20 s of load, then 40 s x 2 of recovery.
    _, events = run(lambda t: jiggle(FORWARD if t % 60 < 20 else NEUTRAL, t), 1800, cfg)
    assert len(of(events, "fault_start", "forward_head")) == 30
    assert of(events, "alert") == []


def test_recovery_is_faster_than_build_up_and_partial():
    cfg = settings(faults__forward_head__hold_seconds=60)

    def timeline(t: float) -> dict:
        # 50 s forward, 10 s upright (recovers 20 s of load), then forward again.
        return jiggle(FORWARD if 100 <= t < 150 or t >= 160 else NEUTRAL, t)

    _, events = run(timeline, 400, cfg)
    end = of(events, "fault_end", "forward_head")[0]
    restart = of(events, "fault_start", "forward_head")[1]
    assert restart["since"] == 160.0
    # Load at the end ~50 s minus recovery; the rest (60 - remaining) builds from 160.
    remaining = 50.0 - 2.0 * (restart["since"] - end["t"]) + (end["t"] - 150.0)
    alert = of(events, "alert", "forward_head")[0]
    assert alert["t"] == pytest.approx(160.0 + 60.0 - remaining, abs=0.5)
    assert alert["t"] < 160 + 60


def test_cooldown_and_gentle_escalation():
    cfg = settings(faults__forward_head__hold_seconds=60, notify__cooldown_minutes=5, notify__escalate_after=2)
    _, events = run(lambda t: jiggle(FORWARD if t >= 10 else NEUTRAL, t), 1200, cfg)
    alerts = of(events, "alert", "forward_head")
    assert [a["t"] for a in alerts] == [70.0, 370.0, 670.0, 970.0]
    assert [a["level"] for a in alerts] == [0, 1, 2, 3]
    assert alerts[1]["title"].startswith("Still:")
    # Ignored twice: the next ones suggest a real break.
    from posture_watch.advice.stretches import catalogue

    break_ids = {s.id for s in catalogue() if "sitting" in s.faults}
    assert alerts[2]["stretch"]["id"] in break_ids
    assert alerts[0]["stretch"]["id"] != alerts[1]["stretch"]["id"]


def test_snooze_holds_reminders_until_it_ends():
    cfg = settings(faults__forward_head__hold_seconds=60)
    state, events = run(lambda t: jiggle(FORWARD if t >= 10 else NEUTRAL, t), 30, cfg)
    engine.snooze(state, NOON + timedelta(seconds=30.0 + 15 * 60))
    _, later = run(lambda t: jiggle(FORWARD, t), 1200, cfg, state=state, start=30.5)
    assert of(events + later, "alert")[0]["t"] == 30.0 + 15 * 60


def test_a_snooze_on_the_night_the_clocks_go_back_holds_reminders_for_its_real_minutes():
    # Snoozed at 01:51 EDT on 2026-11-01 for 30 min: until 01:21 EST, in the hour the wall clock shows twice.
    cfg = settings(faults__forward_head__hold_seconds=60)
    new_york = ZoneInfo("America/New_York")
    snoozed = datetime(2026, 11, 1, 5, 51, tzinfo=timezone.utc)
    state = engine.new_state(BASELINE)
    engine.snooze(state, (snoozed + timedelta(minutes=30)).astimezone(new_york))
    alerts = []
    for n in range(4000):
        t = n * 0.5
        wall = (snoozed + timedelta(seconds=t)).astimezone(new_york)
        alerts += of(outcomes(state, Observation(t, "front", jiggle(FORWARD, t), wall), cfg), "alert")
    assert alerts[0]["t"] == 30 * 60


def test_away_is_a_break_that_ends_faults_and_recovers_load():
    cfg = settings(faults__forward_head__hold_seconds=120, presence__away_seconds=60)

    def timeline(t: float) -> dict | None:
        if 200 <= t < 400:
            return None
        return jiggle(FORWARD if 100 <= t < 300 else NEUTRAL, t)

    state, events = run(timeline, 420, cfg)
    away = of(events, "away")[0]
    # Gone halfway between the last frame with the user (199.5 s) and the first without (200 s).
    assert away["since"] == 199.75 and away["t"] == 260.0
    end = of(events, "fault_end", "forward_head")[0]
    assert end["t"] == 260.0
    back = of(events, "back")[0]
    assert back["t"] == 400.0 and back["away_seconds"] == pytest.approx(200.0)
    assert of(events, "break")[0]["t"] == 400.0
    assert state.tracks["head"].load == 0.0  # the head-down family is one decision
    # 100 s held before leaving is less than the 120 s hold: no reminder.
    assert of(events, "alert") == []


def test_short_absence_is_not_a_break_and_not_held():
    cfg = settings(faults__forward_head__hold_seconds=120, presence__away_seconds=60)
    _, events = run(lambda t: None if 50 <= t < 80 else jiggle(FORWARD, t), 400, cfg)
    assert of(events, "away") == [] and of(events, "break") == []
    # 30 s unseen does not count as held: the reminder comes 30 s after 120 s.
    assert of(events, "alert", "forward_head")[0]["t"] == pytest.approx(150.0, abs=1.0)


def test_sleep_told_on_waking_is_away_and_a_break_never_a_held_posture():
    cfg = settings(faults__forward_head__hold_seconds=120, presence__max_gap_seconds=120)
    state, events = run(lambda t: jiggle(FORWARD, t), 100, cfg)
    # The machine sleeps for three hours; the shell says so on waking, and the same posture is seen.
    wake = 3 * 3600
    asleep = Observation(wake, wall=NOON + timedelta(seconds=wake), camera=engine.CameraSays.ASLEEP, slept=wake - 100)
    woke = outcomes(state, asleep, cfg)
    _, later = run(lambda t: jiggle(FORWARD, t), wake + 300, cfg, state=state, start=wake + 0.5)
    later = woke + later
    assert of(events, "alert") == []
    assert of(later, "away")[0]["since"] == 100.0
    assert of(later, "back")[0]["t"] == wake + 0.5
    assert of(later, "break")
    alert = of(later, "alert", "forward_head")[0]
    assert alert["t"] == pytest.approx(wake + 120, abs=1.0)


def test_an_unexplained_gap_is_unknown_neither_a_break_nor_a_held_posture():
    cfg = settings(faults__forward_head__hold_seconds=120, presence__max_gap_seconds=120)
    state, _events = run(lambda t: jiggle(FORWARD, t), 100, cfg)
    _, later = run(lambda t: jiggle(FORWARD, t), 3 * 3600 + 300, cfg, state=state, start=3 * 3600)
    assert of(later, "away") == [] and of(later, "break") == []
    # The episode ended where the posture was last seen; the load held before the gap is kept.
    assert of(later, "fault_end")[0]["held_seconds"] == pytest.approx(100.0, abs=0.6)
    alert = of(later, "alert", "forward_head")[0]
    assert alert["t"] == pytest.approx(3 * 3600 + 20, abs=1.5)


def test_clock_going_backwards_is_handled():
    cfg = settings(faults__forward_head__hold_seconds=120)
    state, events = run(lambda t: jiggle(FORWARD, t), 100, cfg)
    _, later = run(lambda t: jiggle(FORWARD, t), 150, cfg, state=state, start=50)
    alerts = of(events + later, "alert")
    assert len(alerts) == 1 and alerts[0]["held_seconds"] == pytest.approx(120.0, abs=1.0)
    assert of(later, "fault_end") == []


def test_minimum_gap_between_two_different_reminders():
    cfg = settings(faults__forward_head__hold_seconds=60, faults__head_tilt__hold_seconds=60, notify__min_gap_minutes=2)
    both = {**FORWARD, "head_roll": 20.0}
    _, events = run(lambda t: jiggle(both, t), 400, cfg)
    alerts = of(events, "alert")
    assert [a["t"] for a in alerts[:2]] == [60.0, 180.0]
    assert {a["fault"] for a in alerts[:2]} == {"forward_head", "head_tilt"}


def test_quiet_hours_and_daily_cap():
    cfg = settings(faults__forward_head__hold_seconds=60, notify__quiet_start="11:00", notify__quiet_end="12:05")
    _, events = run(lambda t: jiggle(FORWARD, t), 600, cfg)
    assert of(events, "alert")[0]["t"] == 300.0  # 12:05 local
    cfg = settings(
        faults__forward_head__hold_seconds=60,
        notify__cooldown_minutes=1,
        notify__min_gap_minutes=0,
        notify__daily_cap=3,
    )
    _, events = run(lambda t: jiggle(FORWARD, t), 1200, cfg)
    assert len(of(events, "alert")) == 3


def test_static_posture_alerts_even_when_sitting_well_and_moving_resets_it():
    cfg = settings(breaks__static_minutes=10, faults__static_posture__hold_seconds=60, breaks__sitting_minutes=240)
    still = {**NEUTRAL}
    _, events = run(lambda t: {**still, "head_y": 0.4 + 0.003 * ((t * 2) % 2)}, 900, cfg)
    alert = of(events, "alert", "static_posture")[0]
    assert alert["t"] == pytest.approx(600 + 60, abs=1.0)
    assert alert["stretch"]["id"]
    _, moving = run(lambda t: jiggle(NEUTRAL, t), 900, cfg)
    assert of(moving, "alert") == []


def test_sitting_too_long_suggests_standing_and_a_break_resets_it():
    cfg = settings(breaks__sitting_minutes=30, breaks__static_minutes=120)
    _, events = run(lambda t: jiggle(NEUTRAL, t), 31 * 60, cfg, period=2.0)
    alert = of(events, "alert", "sitting")[0]
    assert alert["t"] == 30 * 60
    assert alert["muscles"] == ["hip_flexors", "gluteals", "lumbar_erectors"]
    # With a 2-minute break at 20 min, 30 minutes are not reached by 31 min.
    _, events = run(lambda t: None if 20 * 60 <= t < 22 * 60 else jiggle(NEUTRAL, t), 31 * 60, cfg, period=2.0)
    assert of(events, "break") and of(events, "alert") == []


def test_sides_decide_the_muscles():
    cfg = settings(faults__head_tilt__hold_seconds=30)
    right = {**NEUTRAL, "head_roll": 20.0}
    left = {**NEUTRAL, "head_roll": -20.0}
    _, events_r = run(lambda t: jiggle(right, t), 60, cfg)
    _, events_l = run(lambda t: jiggle(left, t), 60, cfg)
    r, l_ = of(events_r, "alert", "head_tilt")[0], of(events_l, "alert", "head_tilt")[0]
    assert r["side"] == "right" and l_["side"] == "left"
    assert "right_upper_trapezius" in r["muscles"] and "left_levator_scapulae" in r["muscles"]
    assert "left_upper_trapezius" in l_["muscles"] and "right_levator_scapulae" in l_["muscles"]
    assert "right" in " ".join(r["stretch"]["steps"]) or "left" in " ".join(r["stretch"]["steps"])


def test_disabled_fault_and_missing_data_never_alert():
    cfg = settings(faults__forward_head__enabled=False, faults__forward_head__hold_seconds=30)
    _, events = run(lambda t: jiggle(FORWARD, t), 300, cfg)
    assert of(events, "fault_start", "forward_head") == [] and of(events, "alert", "forward_head") == []
    cfg = settings(faults__forward_head__hold_seconds=30)
    partial = {k: v for k, v in FORWARD.items() if k != "head_height"}
    _, events = run(lambda t: jiggle(partial, t), 300, cfg)
    assert of(events, "fault_start", "forward_head") == []


def test_calibration_from_the_first_seconds():
    cfg = settings(faults__forward_head__hold_seconds=30)
    state = engine.new_state(calibrate_seconds=10)
    _, events = run(lambda t: jiggle(NEUTRAL if t < 20 else FORWARD, t), 80, cfg, state=state)
    calibrated = of(events, "calibrated")[0]
    assert calibrated["t"] == 10.0 and calibrated["view"] == "front" and calibrated["frames"] == 20
    assert of(events, "alert", "forward_head")[0]["t"] == 50.0


def test_stretch_rotation_does_not_repeat_for_the_same_muscles():
    cfg = settings(
        faults__forward_head__hold_seconds=30,
        notify__cooldown_minutes=1,
        notify__min_gap_minutes=0,
        notify__escalate_after=10,
    )
    _, events = run(lambda t: jiggle(FORWARD, t), 600, cfg)
    ids = [a["stretch"]["id"] for a in of(events, "alert")]
    assert len(ids) >= 5
    assert all(a != b for a, b in itertools.pairwise(ids))


def test_movement_down_and_across_is_measured_in_the_same_units():
    from posture_watch.core import movement

    # In a 4:3 picture, 10 % of its height down is as far as 7.5 % of its width across.
    still = {"head_x": 0.5, "head_y": 0.4, "scale": 0.3, "aspect": 0.75}
    across = movement.body_position({**still, "head_x": 0.575})
    down = movement.body_position({**still, "head_y": 0.5})
    here = movement.body_position(still)
    assert movement.distance(here, down) == pytest.approx(movement.distance(here, across))


def test_a_landmark_seen_on_every_other_frame_is_unknown_not_good_posture():
    # The nose (head_height, head_y) hidden on every other frame while the head stays forward.
    cfg = settings(faults__forward_head__hold_seconds=300, breaks__sitting_minutes=240)
    nose = ("head_height", "head_y", "head_x", "nose_lift", "nose_rise")
    hidden = {k: v for k, v in FORWARD.items() if k not in nose}

    def timeline(t: float) -> dict:
        if t < 20:
            return jiggle(NEUTRAL, t)
        return jiggle(FORWARD, t) if int(t * 2) % 2 == 0 else {**hidden, "shoulder_x": 0.5 + 0.2 * ((int(t) // 30) % 2)}

    _, events = run(timeline, 400, cfg)
    starts = of(events, "fault_start", "forward_head")
    assert len(starts) == 1 and of(events, "fault_end", "forward_head") == []
    alert = of(events, "alert", "forward_head")[0]
    assert alert["t"] >= starts[0]["since"] + 300
    assert alert["held_seconds"] == pytest.approx(alert["t"] - starts[0]["since"], abs=0.01)
    assert alert["title"] == "Head forward for 5 min"


def test_a_fault_switched_off_mid_episode_ends_and_is_never_reminded():
    cfg = settings(faults__forward_head__hold_seconds=60)
    state, events = run(lambda t: jiggle(FORWARD, t), 30, cfg)
    assert of(events, "fault_start", "forward_head")
    off = settings(faults__forward_head__hold_seconds=60, faults__forward_head__enabled=False)
    _, later = run(lambda t: jiggle(FORWARD, t), 400, off, state=state, start=30.5)
    assert of(later, "fault_end", "forward_head") and of(later, "alert") == []


def test_two_hours_standing_give_no_stand_up_reminder_and_the_sitting_clock_stands_still():
    cfg = settings(breaks__sitting_minutes=30, breaks__static_minutes=120)
    # Sitting 10 min, then standing (the standing profile's neutral) for two hours, then sitting again.
    state = engine.new_state(BASELINE, stored={"standing": BASELINE})
    state, events = run(lambda t: jiggle(NEUTRAL, t), 10 * 60, cfg, period=2.0, state=state)
    sat = state.sitting.seconds
    engine.use(state, "standing", state.profiles["standing"])
    state, standing = run(lambda t: jiggle(NEUTRAL, t), 130 * 60, cfg, period=2.0, state=state, start=10 * 60 + 2)
    assert state.standing and state.sitting.seconds == sat == 10 * 60
    assert of(events + standing, "alert") == []
    assert not any(unit.track.fault == "sitting" for unit in state.units())
    # Sitting again, the clock goes on from where it stood: due 20 min later.
    engine.use(state, "desk", BASELINE)
    _, sitting = run(lambda t: jiggle(NEUTRAL, t), 151 * 60, cfg, period=2.0, state=state, start=130 * 60 + 2)
    assert [e["t"] for e in of(sitting, "alert", "sitting")] == [pytest.approx(150 * 60, abs=2)]


FRAMED = {**NEUTRAL, "aspect": 0.75}
DESK = Baseline(view="front", median=dict(FRAMED), spread={k: 0.0 for k in FRAMED}, frames=20)
# The same person through a laptop's camera: lower in the picture, larger, to one side.
ON_LAPTOP = {**FRAMED, "shoulder_x": 0.4, "shoulder_y": 0.85, "head_x": 0.4, "head_y": 0.5, "scale": 0.55}
LAPTOP = Baseline(view="front", median=dict(ON_LAPTOP), spread={k: 0.0 for k in ON_LAPTOP}, frames=20)


def test_the_profile_the_picture_matches_is_taken_within_seconds():
    cfg = settings(breaks__sitting_minutes=240, breaks__static_minutes=120)
    state = engine.new_state(stored={"desk": DESK, "laptop": LAPTOP})
    assert state.profile == "desk" and state.baseline is DESK
    # At the laptop from 60 s, back at the desk from 180 s; a forward head at the desk is no change of profile.
    forward = {**FRAMED, "head_height": 0.56 * 0.7, "head_y": 0.45}

    def where(t: float) -> dict:
        return ON_LAPTOP if 60 <= t < 180 else forward if t >= 240 else FRAMED

    state, events = run(where, 300, cfg, state=state)
    chosen = of(events, "profile")
    assert [(e["profile"], e["standing"]) for e in chosen] == [("laptop", False), ("desk", False)]
    assert 60 < chosen[0]["t"] <= 64 and 180 < chosen[1]["t"] <= 184
    assert [(e["fault"], e["t"] > 240) for e in of(events, "fault_start")] == [("forward_head", True)]
    assert state.profile == "desk"
