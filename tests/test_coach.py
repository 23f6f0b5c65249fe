"""The coach's pure judge on feature sequences, and the catalogue's checks and doses."""

from __future__ import annotations

import pytest
from conftest import ROOT

from posture_watch.advice.stretches import DEFAULT_SECONDS, available, catalogue, read_hold
from posture_watch.core import coach
from posture_watch.core.baseline import Baseline
from posture_watch.core.coach import Dose, Feedback, HoldDone, RepDone, StepShown
from posture_watch.errors import UserError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

NEUTRAL = {
    "head_roll": 2.0,
    "head_yaw": 0.01,
    "nose_lift": -0.08,
    "head_height": 0.5,
    "neck_length": 0.6,
    "face_size": 0.25,
    "shoulder_span": 2.2,
    "left_shoulder_elevation": 0.6,
    "right_shoulder_elevation": 0.6,
    "shoulder_tilt": 0.5,
    "shoulder_x": 0.5,
    "shoulder_y": 0.8,
    "scale": 0.5,
    "head_x": 0.5,
    "head_y": 0.4,
}
SPREAD = {key: abs(value) * 0.004 for key, value in NEUTRAL.items()}
BASELINE = Baseline("front", dict(NEUTRAL), SPREAD, 40)
SIGMAS = 3.0
FPS = 5.0


def moved(**changes: float) -> dict[str, float]:
    """The neutral features with some of them moved by the given amounts."""
    return {key: value + changes.get(key, 0.0) for key, value in NEUTRAL.items()}


def session(stretch: str, side: str | None = None) -> coach.Session:
    entry = next(s for s in catalogue() if s.id == stretch)
    return coach.new_session(entry.id, entry.check, entry.coach_dose(side), BASELINE, SIGMAS)


def play(s: coach.Session, *spans: tuple[float, dict[str, float]], start: float = 0.0) -> list:
    """Feed ``s`` spans of (seconds, features) at FPS; returns every event."""
    events, t = [], start
    for seconds, features in spans:
        for _ in range(round(seconds * FPS)):
            events += coach.step(s, t, features)
            t += 1 / FPS
    return events


def of(events: list, kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


def test_a_clean_set_of_chin_tucks_is_ten_reps_verified():
    s = session("chin_tuck")
    tuck = moved(shoulder_span=0.2)  # the face about 8 % smaller against the shoulders, the eyes level
    events = play(s, *[(3.0, tuck), (2.0, NEUTRAL)] * 10)
    holds = of(events, HoldDone)
    assert [h.n for h in holds] == list(range(1, 11))
    assert all(h.seconds >= 2.0 - 1e-6 for h in holds)
    assert s.finished and coach.summary(s).verified
    assert coach.summary(s).to_dict(s.last_t or 0)["done"] == [{"side": None, "holds": 10}]


def test_a_nod_is_feedback_not_a_tuck():
    s = session("chin_tuck")
    # Nodding down makes the face look smaller too; the nose dropping against the ears gives it away.
    nod = moved(shoulder_span=0.2, nose_lift=-0.08)
    events = play(s, *[(3.0, nod), (2.0, NEUTRAL)] * 3)
    assert not of(events, HoldDone)
    assert "keep your eyes level: glide back, do not nod" in [f.text for f in of(events, Feedback)]
    assert not coach.summary(s).verified


def test_tucks_let_go_too_soon_say_slower():
    s = session("chin_tuck")
    events = play(s, *[(1.0, moved(shoulder_span=0.2)), (1.0, NEUTRAL)] * 3)
    assert "slower: hold it" in [f.text for f in of(events, Feedback)]


def test_half_the_range_is_not_a_hold_and_says_go_further():
    s = session("side_neck_stretch", "right")
    # The stretch of the right side tilts the head to the left: roll goes negative; half of the 15 degrees.
    events = play(s, (30.0, moved(head_roll=-7.5)))
    assert not of(events, HoldDone)
    assert [f.text for f in of(events, Feedback)] == ["tilt a little further: your left ear toward your left shoulder"]
    assert s.held == 0.0


def test_the_wrong_way_says_the_other_way():
    s = session("side_neck_stretch", "right")
    events = play(s, (5.0, moved(head_roll=20.0)))
    assert [f.text for f in of(events, Feedback)] == ["the other way: your left ear toward your left shoulder"]


def test_a_broken_hold_pauses_and_goes_on():
    s = session("side_neck_stretch", "left")
    tilt = moved(head_roll=20.0)
    events = play(s, (12.0, tilt), (4.0, NEUTRAL))
    assert not of(events, HoldDone)
    assert 11.0 <= s.held <= 12.0, "the timer kept what was held"
    assert "back into the stretch: the timer waits" in [f.text for f in of(events, Feedback)]
    events = play(s, (9.0, tilt), start=16.0)
    holds = of(events, HoldDone)
    assert len(holds) == 1 and holds[0].side == "left"
    # It finished after about 8 more seconds, not 20: the 12 held before counted.
    assert holds[0].t < 16.0 + 9.5


def test_landmarks_lost_for_a_second_do_not_break_a_hold():
    s = session("side_neck_stretch", "left")
    tilt = moved(head_roll=20.0)
    events = play(s, (10.0, tilt), (1.0, {}), (11.0, tilt))
    holds = of(events, HoldDone)
    assert len(holds) == 1 and holds[0].seconds >= 20.0 - 1e-6
    assert not [f for f in of(events, Feedback) if "timer" in f.text or "slower" in f.text]


def test_a_long_time_unseen_says_so():
    s = session("side_neck_stretch", "left")
    events = play(s, (1.0, NEUTRAL), (3.0, {}))
    assert [f.text for f in of(events, Feedback)] == [coach.UNSEEN]


def test_both_sides_are_counted_separately():
    s = session("side_neck_stretch")
    assert s.dose == Dose(20.0, 2, ("right", "left"))
    to_left, to_right = moved(head_roll=-20.0), moved(head_roll=20.0)
    # The right side first (the head to the left), twice; a hold on the wrong side does not count for it.
    events = play(s, (22.0, to_right), (3, NEUTRAL), *[(22.0, to_left), (3.0, NEUTRAL)] * 2)
    steps = of(events, StepShown)
    assert [(e.side, e.number) for e in steps] == [("right", 1), ("left", 2)]
    assert [(h.side, h.n) for h in of(events, HoldDone)] == [("right", 1), ("right", 2)]
    events = play(s, *[(22.0, to_right), (3.0, NEUTRAL)] * 2, start=100.0)
    assert [(h.side, h.n) for h in of(events, HoldDone)] == [("left", 1), ("left", 2)]
    done = coach.summary(s)
    assert done.done == (2, 2) and done.verified and s.finished


def test_one_side_asked_is_one_side_done():
    s = session("side_neck_stretch", "left")
    play(s, *[(22.0, moved(head_roll=20.0)), (3.0, NEUTRAL)] * 2)
    assert coach.summary(s).done == (2,) and coach.summary(s).verified


def test_nothing_done_is_not_verified():
    s = session("side_neck_stretch")
    play(s, (60.0, NEUTRAL))
    done = coach.summary(s)
    assert done.done == (0, 0) and not done.verified and not done.complete


def test_shoulder_rolls_count_cycles_up_and_down():
    s = session("shoulder_rolls")
    up = moved(left_shoulder_elevation=-0.08, right_shoulder_elevation=-0.08)
    events = play(s, *[(1.0, up), (1.0, NEUTRAL)] * 10)
    assert [r.n for r in of(events, RepDone)] == list(range(1, 11))
    assert coach.summary(s).verified and coach.summary(s).unit == "reps"


def test_one_shoulder_up_is_not_a_shrug():
    s = session("shoulder_rolls")
    events = play(s, *[(1.0, moved(left_shoulder_elevation=-0.08)), (1.0, NEUTRAL)] * 4)
    assert not of(events, RepDone)
    assert "lift both shoulders together" in [f.text for f in of(events, Feedback)]


def test_squeeze_counts_shoulders_drawn_back():
    s = session("scapular_retraction")
    back = moved(shoulder_span=-0.2)  # about 9 % narrower against the face
    events = play(s, *[(6.0, back), (2.0, NEUTRAL)] * 10)
    assert len(of(events, HoldDone)) == 10 and coach.summary(s).verified


def test_levator_needs_the_turn_and_the_nod_together():
    s = session("levator_stretch", "left")
    # Stretching the left side: the nose toward the right armpit, turned right (yaw +) and down.
    turned = moved(head_yaw=0.3)
    events = play(s, (25.0, turned))
    assert not of(events, HoldDone)
    assert "nod a little further down" not in [f.text for f in of(events, Feedback)]
    events = play(s, (22.0, moved(head_yaw=0.3, nose_lift=-0.06)), start=30.0)
    assert len(of(events, HoldDone)) == 1


def test_walking_away_counts_the_time_out_of_view():
    s = session("stand_and_walk")
    play(s, (5.0, NEUTRAL), (60.0, {}), (5.0, NEUTRAL), (61.0, {}))
    assert coach.summary(s).verified


def test_a_timed_stretch_runs_its_time_and_is_not_verified():
    s = session("doorway_pec_stretch")
    events = play(s, (31.0, NEUTRAL))
    done = coach.summary(s)
    assert s.finished and done.timed_only and done.complete and not done.verified
    assert not of(events, HoldDone) and not of(events, Feedback)


def test_every_catalogue_entry_is_checked_or_timed_only():
    """Each packaged entry says how it is checked (a kind with its parameters) or that it is timed only."""
    raw = tomllib.loads((ROOT / "config" / "stretches.toml").read_text("utf-8"))["stretch"]
    by_id = {s.id: s for s in catalogue()}
    for entry in raw:
        assert "check" in entry, f"{entry['id']} does not say how it is checked (check = {{ kind = ... }})"
        stretch = by_id[entry["id"]]
        assert stretch.check.kind in coach.KINDS
        assert stretch.check.verified == (stretch.check.kind != "timed"), entry["id"]
        assert stretch.dose is not None, f"{entry['id']}: the coach cannot read the dose {entry['hold']!r}"
    verified = {s.id for s in catalogue() if s.check.verified}
    assert {"side_neck_stretch", "upper_trap_stretch", "chin_tuck", "shoulder_rolls", "stand_and_walk"} <= verified
    assert {"doorway_pec_stretch", "standing_hip_flexor", "upper_trap_ball_wall"}.isdisjoint(verified)


@pytest.mark.parametrize(
    ("text", "dose"),
    [
        ("hold 2 s, 10 times", (2.0, 10)),
        ("hold 20 s, 2 to 3 times", (20.0, 2)),
        ("hold 60 to 90 s", (60.0, 1)),
        ("hold 30 s each side", (30.0, 2)),
        ("10 slow circles", (0.0, 10)),
        ("20 s", (20.0, 1)),
        ("2 to 5 minutes", (120.0, 1)),
        ("until it feels easier", None),
    ],
)
def test_hold_texts_are_read_as_doses(text, dose):
    assert read_hold(text) == dose


def _section(*custom: dict) -> dict:
    return {"disabled": [], "custom": list(custom)}


CUSTOM = {"id": "mine", "name": "Mine", "muscles": ["upper_trapezius"], "faults": ["head_tilt"], "steps": ["Do it."]}


def test_custom_stretches_are_timed_only_unless_they_say():
    mine = available(_section({**CUSTOM, "hold": "as long as it feels good"}))[-1]
    assert mine.check.kind == "timed" and mine.dose is None
    assert mine.coach_dose(None) == Dose(DEFAULT_SECONDS, 1)
    own = {**CUSTOM, "hold": "10 slow circles", "check": {"kind": "shrug", "rise": 0.05}}
    assert available(_section(own))[-1].check == coach.Check("shrug", {"rise": 0.05})


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ({"kind": "jump"}, "unknown check kind 'jump'; known: timed, head"),
        ({"kind": "shrug", "height": 1}, "check kind 'shrug' has no parameter 'height'; its parameters: rise"),
        ({"kind": "shrug", "rise": 5}, "check parameter 'rise' = 5 is outside 0.01 to 0.3"),
        ({"kind": "head", "tilt": 15}, "check kind 'head' moves toward a side: the stretch needs sided = true"),
        ({"kind": "head"}, "check kind 'head' needs at least one of tilt, turn, down, up"),
        ("timed", "'check' must be a table with a kind"),
    ],
)
def test_a_wrong_check_says_what_to_fix(check, message):
    with pytest.raises(UserError, match="stretches.custom: stretch #1 \\('mine'\\): " + message.replace("(", "\\(")):
        available(_section({**CUSTOM, "hold": "20 s", "check": check}))


def test_a_profile_is_looking_away_and_unknown_to_the_other_checks():
    """Seen side-on by a camera that took the neutral from the front: turned right away from the screen."""
    profile = {"cva": 50.0, "head_pitch": 5.0, "scale": 0.2}
    s = session("eye_break_20_20_20")
    for i in range(110):
        coach.step(s, i / FPS, profile, "side")
    assert coach.summary(s).verified
    s = session("side_neck_stretch", "left")
    for i in range(110):
        coach.step(s, i / FPS, moved(head_roll=20.0) | profile, "side")
    assert s.held == 0.0 and s.position.progress is None


def test_stretch_now_is_for_the_muscles_most_loaded_today():
    from posture_watch.advice.stretches import for_muscles

    options = catalogue()
    stretch, side = for_muscles(options, {"left_levator_scapulae": 900.0, "suboccipitals": 300.0})
    assert stretch is not None and stretch.id == "levator_stretch" and side == "left"
    # The most loaded muscle decides; of its stretches the one for more of the day's load, then a verified one.
    stretch, side = for_muscles(options, {"suboccipitals": 1200.0, "upper_trapezius": 600.0})
    assert stretch is not None and stretch.id == "chin_tuck" and side is None
    assert for_muscles(options, {}) == (None, None)
