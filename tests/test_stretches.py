"""The stretch catalogue, the muscle map and the wording of reminders."""

from __future__ import annotations

import itertools
import re

from posture_watch.advice import muscles, wording
from posture_watch.advice.stretches import Rotation, catalogue, choose
from posture_watch.core.faults import REGISTRY, muscles_for

ALERT_KINDS = tuple(REGISTRY)

REQUIRED = {
    "chin_tuck",
    "upper_trap_stretch",
    "levator_stretch",
    "suboccipital_ball_release",
    "scm_stretch",
    "doorway_pec_stretch",
    "scapular_retraction",
    "thoracic_extension",
    "ql_side_bend",
    "seated_figure_four",
    "standing_hip_flexor",
    "wrist_extensor_stretch",
    "upper_trap_ball_wall",
    "shoulder_rolls",
    "eye_break_20_20_20",
    "stand_and_walk",
}


def test_catalogue_has_the_required_entries_complete():
    entries = catalogue()
    ids = [s.id for s in entries]
    assert len(entries) >= 15 and len(set(ids)) == len(ids)
    assert set(ids) >= REQUIRED
    for s in entries:
        assert s.name and s.muscles and s.steps and s.hold and s.faults
    # Every kind of reminder has at least two stretches to rotate through.
    for kind in ALERT_KINDS:
        assert len([s for s in entries if kind in s.faults]) >= 2, kind


def test_sided_steps_name_the_side_or_both():
    upper = next(s for s in catalogue() if s.id == "upper_trap_stretch")
    right = " ".join(upper.for_side("right"))
    assert "left ear toward your left shoulder" in right and "{" not in right
    assert upper.for_side(None)[-1] == "Repeat on the other side."


def test_every_fault_maps_to_muscles_with_sides():
    for fault in ALERT_KINDS:
        assert muscles_for(fault, None)
    assert muscles_for("head_turn", "left") == ("left_levator_scapulae", "right_sternocleidomastoid")
    assert muscles.describe(["right_upper_trapezius", "suboccipitals"]) == "right upper trapezius and suboccipitals"


def test_rotation_avoids_repeating_for_the_same_muscles():
    rotation = Rotation()
    picks = []
    for _ in range(6):
        pick, rotation = choose(catalogue(), "forward_head", muscles_for("forward_head", None), rotation)
        picks.append(pick.id)
    assert all(a != b for a, b in itertools.pairwise(picks))
    assert len(set(picks)) >= 4


def test_reminder_wording_is_plain_and_makes_no_medical_claim():
    stretch = next(s for s in catalogue() if s.id == "chin_tuck")
    title, body = wording.message("forward_head", None, 12 * 60, muscles_for("forward_head", None), stretch, 0)
    assert title == "Head forward for 12 min"
    lines = body.splitlines()
    # The title is not repeated; the muscles are named with where they are, then the dose and numbered steps.
    assert lines[0] == (
        "Your suboccipitals (base of the skull), upper trapezius (top of the shoulder), sternocleidomastoid "
        "(front and side of the neck) and neck extensors (back of the neck) are working hard."
    )
    assert lines[1] == "Chin tuck (hold 2 s, 10 times):"
    assert lines[2].startswith("1. ") and lines[3].startswith("2. ") and lines[4].startswith("3. ")
    assert "Head forward" not in body and "not medical advice" in lines[-1].lower()
    forbidden = re.compile(r"diagnos|prevent|treat|cure|trigger point|disorder", re.I)
    for s in catalogue():
        for kind in s.faults:
            _, text = wording.message(kind, "left", 300, muscles_for(kind, "left"), s, 1)
            assert not forbidden.search(text), text
