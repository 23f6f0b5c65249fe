"""One presence timeline and known time only, in the decision core: each defect of a day counted wrongly.

Each test drives ``engine.step`` with the observations a sampled camera
would give (a frame every 10 s, or the camera's state) and checks the
timeline the events describe, the breaks and the load.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest
from test_engine import BASELINE, FORWARD, NEUTRAL, NOON, jiggle, of, outcomes, settings

from posture_watch.core import engine
from posture_watch.core.engine import CameraSays, Observation

SAMPLE = 10.0
TILTED = {**NEUTRAL, "head_roll": 15.0}
EYES_HIDDEN = {k: v for k, v in NEUTRAL.items() if k != "head_roll"}
SEEN = {"seated": NEUTRAL, "nobody": None, "call": CameraSays.BUSY, "paused": CameraSays.PAUSED}

Seen = Callable[[float], "dict | CameraSays | None"]


def day(seen: Seen, end: float, cfg, period: float = SAMPLE, state=None, start: float = 0.0):
    """Feed the observation ``seen(t)`` every ``period`` s until ``end``: features, None (nobody), or a CameraSays."""
    state = state or engine.new_state(BASELINE)
    events = []
    n = 0
    while (t := start + n * period) <= end:
        what = seen(t)
        wall = NOON + timedelta(seconds=t)
        if isinstance(what, CameraSays):
            obs = Observation(t, wall=wall, camera=what)
        else:
            obs = Observation(t, "front" if what else None, jiggle(what, t) if what else {}, wall)
        events += outcomes(state, obs, cfg)
        n += 1
    return state, events


def script(*parts: tuple[float, str]) -> tuple[Seen, float]:
    """Minutes of the day, each with what the camera sees ("seated", "nobody", "call", "paused"), and its end."""
    edges = list(itertools.accumulate(minutes * 60 for minutes, _ in parts))

    def seen(t: float):
        index = next((i for i, edge in enumerate(edges) if t < edge), len(parts) - 1)
        return SEEN[parts[index][1]]

    return seen, edges[-1]


def rows(events: list[dict]) -> list[tuple[str, float]]:
    """The timeline as (state, since) from the presence events, checked to run forward without overlap.

    A state that another replaces from its very start (nobody in view turning out to be away) was never a
    row of its own: the history keeps the later one, and so does this.
    """
    timeline: list[tuple[str, float]] = []
    for e in of(events, "presence"):
        if timeline and timeline[-1][1] == e["since"]:
            timeline.pop()
        timeline.append((e["state"], e["since"]))
    assert all(a[1] < b[1] for a, b in itertools.pairwise(timeline)), timeline
    return timeline


@pytest.mark.parametrize("between", ["call", "paused"])
def test_absence_after_a_call_or_a_pause_begins_at_the_first_empty_frame(between):
    cfg = settings(presence__away_seconds=60, breaks__sitting_minutes=240)
    _, events = day(*script((10, "seated"), (60, between), (5, "nobody"), (1, "seated")), cfg)
    away, brk = of(events, "away"), of(events, "break")
    assert len(away) == 1 and len(brk) == 1
    # Halfway between the last sample of the call (69:50) and the first of nobody (70:00).
    assert away[0]["since"] == pytest.approx(70 * 60 - SAMPLE / 2)
    assert brk[0]["seconds"] == pytest.approx(5 * 60, abs=SAMPLE)
    first = 10 * 60 if between == "paused" else 10 * 60 - SAMPLE / 2  # a pause is known to the second
    assert rows(events)[-3:] == [
        (between, pytest.approx(first)),
        ("away", pytest.approx(70 * 60 - SAMPLE / 2)),
        ("present", pytest.approx(75 * 60 - SAMPLE / 2)),
    ]


def test_waking_to_an_empty_desk_is_one_absence_from_the_moment_the_machine_slept():
    cfg = settings(presence__away_seconds=60, breaks__sitting_minutes=240)
    state, events = day(*script((10, "seated")), cfg)
    # Suspended just after the last frame for two hours; told on waking; nobody for 5 min, then seated again.
    wake = 10 * 60 + 5 + 2 * 3600
    asleep = Observation(wake, wall=NOON + timedelta(seconds=wake), camera=CameraSays.ASLEEP, slept=2 * 3600)
    events += outcomes(state, asleep, cfg)
    seen, end = script((5, "nobody"), (1, "seated"))
    _, later = day(lambda t: seen(t - wake), wake + end, cfg, state=state, start=wake + SAMPLE)
    events += later
    away, brk = of(events, "away"), of(events, "break")
    assert len(away) == 1 and away[0]["since"] == pytest.approx(10 * 60 + 5) and away[0]["reason"] == "asleep"
    assert len(brk) == 1 and brk[0]["seconds"] == pytest.approx(2 * 3600 + 5 * 60, abs=SAMPLE)
    assert [state for state, _ in rows(events)] == ["present", "asleep", "away", "present"]


def test_a_start_with_nobody_in_view_is_away_from_the_start():
    cfg = settings(presence__away_seconds=60)
    _, events = day(*script((60, "nobody"), (10, "seated")), cfg)
    assert rows(events) == [("away", 0.0), ("present", pytest.approx(3600 - SAMPLE / 2))]
    assert of(events, "away")[0]["since"] == 0.0


def test_an_unknown_stretch_is_neither_held_nor_recovered():
    cfg = settings(faults__head_tilt__hold_seconds=300, breaks__sitting_minutes=240)
    # Tilted for 100 s, the eyes hidden for 300 s, then one tilted frame: no credit for the 300 s.
    state, events = day(lambda t: TILTED if t <= 100 or t >= 400 else EYES_HIDDEN, 400.0, cfg, period=0.5)
    assert state.tracks["head_tilt"].load == pytest.approx(99.5, abs=1.0)
    assert of(events, "alert") == []
    # Held 185.5 s, hidden 300 s, then one upright frame: nothing recovered either.
    state, _ = day(lambda t: TILTED if t <= 185.5 else EYES_HIDDEN if t < 485.5 else NEUTRAL, 485.5, cfg, 0.5)
    assert state.tracks["head_tilt"].load == pytest.approx(185.5, abs=1.0)


def test_a_posture_seen_only_on_every_other_frame_still_starts():
    # The nose (head_height, head_y) hidden on every other frame: the frames that cannot see the head
    # forward say nothing of it, so the vote does not tie four to four for ever.
    cfg = settings(faults__forward_head__hold_seconds=60, detection__majority_seconds=3.5)
    hidden = {k: v for k, v in FORWARD.items() if k not in ("head_height", "head_y", "nose_lift")}

    def seen(t: float) -> dict:
        return NEUTRAL if t < 20 else FORWARD if int(t * 2) % 2 == 0 else hidden

    _, events = day(seen, 200.0, cfg, period=0.5)
    assert of(events, "fault_start", "forward_head")
    assert of(events, "alert", "forward_head")


def test_a_break_measured_with_samples_counts_the_time_between_them_halfway():
    # With a sample every 10 s, nobody in view from 100 s to 165 s: away from 95 s to 165 s.
    cfg = settings(presence__away_seconds=60)
    _, events = day(lambda t: None if 100 <= t < 170 else NEUTRAL, 300.0, cfg)
    assert [round(b["seconds"]) for b in of(events, "break")] == [70]


def test_a_picture_too_dark_to_judge_is_present_but_unknown():
    # Forward head for 60 s, then 200 s too dark to judge, then the same posture in good light.
    cfg = settings(faults__forward_head__hold_seconds=120, breaks__sitting_minutes=240)

    def seen(t: float):
        return CameraSays.DIM if 60 <= t < 260 else FORWARD

    state, events = day(seen, 400.0, cfg, period=0.5)
    assert of(events, "away") == [] and of(events, "break") == []
    assert [s for s, _ in rows(events)] == ["present", "unknown", "present"]
    # The episode ended where the posture was last judged; the dark time counted neither way.
    assert of(events, "fault_end", "forward_head")[0]["held_seconds"] == pytest.approx(60.0, abs=1.0)
    alert = of(events, "alert", "forward_head")[0]
    assert alert["t"] == pytest.approx(260 + 60, abs=1.5)
    # Present all along: the sitting clock ran through the dark.
    assert state.sitting.seconds == pytest.approx(400.0, abs=1.0)


def test_the_sitting_clock_takes_back_the_minute_out_of_view_that_turned_out_to_be_away():
    # Seated 10 min, then nobody in view: present at first, away from the first empty sample once a minute
    # has passed. While away, the sitting clock holds the 10 min seated, not the minute it took to tell.
    cfg = settings(presence__away_seconds=60, breaks__sitting_minutes=240)
    state, events = day(*script((10, "seated"), (5, "nobody")), cfg)
    assert state.away and of(events, "away")[0]["since"] == pytest.approx(10 * 60 - SAMPLE / 2)
    assert engine.status(state, cfg.core).sitting_seconds == pytest.approx(10 * 60 - SAMPLE / 2)
