"""Which muscles each posture loads: the one place this mapping lives.

docs/muscles.md gives the table with its sources. Sides are the person's own
(not the picture's): "right" is the user's right. A fault's side says where
the posture leans, tilts, turns or rises toward.
"""

from __future__ import annotations

# Names shown to users; keys are used in the catalogue and the history.
NAMES = {
    "suboccipitals": "suboccipitals",
    "cervical_extensors": "neck extensors",
    "upper_trapezius": "upper trapezius",
    "levator_scapulae": "levator scapulae",
    "sternocleidomastoid": "SCM",
    "scalenes": "scalenes",
    "pectoralis_major": "pectoralis major",
    "pectoralis_minor": "pectoralis minor",
    "middle_trapezius": "middle trapezius",
    "rhomboids": "rhomboids",
    "thoracic_erectors": "upper back extensors",
    "lumbar_erectors": "lower back extensors",
    "quadratus_lumborum": "quadratus lumborum",
    "hip_flexors": "hip flexors",
    "gluteals": "gluteals",
    "piriformis": "piriformis",
    "wrist_extensors": "wrist extensors",
    "eye_muscles": "eye muscles",
}

# fault -> (muscles loaded on the side of the fault, on the opposite side, on both sides)
_MAP: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "forward_head": ((), (), ("suboccipitals", "upper_trapezius", "sternocleidomastoid", "cervical_extensors")),
    "slouch": ((), (), ("pectoralis_minor", "pectoralis_major", "thoracic_erectors", "upper_trapezius")),
    # Tilting toward a side shortens that side's side-flexors and holds the
    # opposite levator scapulae on stretch.
    "head_tilt": (("scalenes", "upper_trapezius", "sternocleidomastoid"), ("levator_scapulae",), ()),
    # Turning toward a side uses that side's levator scapulae and the opposite SCM.
    "head_turn": (("levator_scapulae",), ("sternocleidomastoid",), ()),
    "uneven_shoulders": (("upper_trapezius", "levator_scapulae"), (), ()),
    "trunk_lean": (("quadratus_lumborum",), (), ("lumbar_erectors",)),
    "too_close": ((), (), ("eye_muscles", "suboccipitals", "upper_trapezius")),
    "static_posture": ((), (), ("upper_trapezius", "cervical_extensors", "lumbar_erectors")),
    "sitting": ((), (), ("hip_flexors", "gluteals", "lumbar_erectors")),
}

_OTHER = {"left": "right", "right": "left"}


def muscles_for(fault: str, side: str | None) -> list[str]:
    """Muscle keys a fault loads, prefixed ``left_``/``right_`` where the side is known.

    With an unknown side, sided muscles are listed without a side.
    """
    same, opposite, both = _MAP[fault]
    if side is None:
        return list(dict.fromkeys([*same, *opposite, *both]))
    other = _OTHER[side]
    return [f"{side}_{m}" for m in same] + [f"{other}_{m}" for m in opposite] + list(both)


def base_muscle(key: str) -> str:
    """``right_upper_trapezius`` -> ``upper_trapezius``."""
    side, _, rest = key.partition("_")
    return rest if side in _OTHER else key


def describe(keys: list[str]) -> str:
    """Human wording: ``"right upper trapezius, suboccipitals and SCM"``."""
    words = []
    for key in keys:
        side, _, rest = key.partition("_")
        words.append(f"{side} {NAMES[rest]}" if side in _OTHER else NAMES[key])
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
