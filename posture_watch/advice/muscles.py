"""The muscles' names as users read them.

Which muscles each posture loads is part of the fault registry
(``core.faults``); docs/muscles.md gives the table with its sources. Sides
are the person's own (not the picture's): "right" is the user's right.
"""

from __future__ import annotations

from collections.abc import Iterable

# key -> (name, where it is in plain words)
NAMES = {
    "suboccipitals": ("suboccipitals", "base of the skull"),
    "cervical_extensors": ("neck extensors", "back of the neck"),
    "upper_trapezius": ("upper trapezius", "top of the shoulder"),
    "levator_scapulae": ("levator scapulae", "side and back of the neck"),
    "sternocleidomastoid": ("sternocleidomastoid", "front and side of the neck"),
    "scalenes": ("scalenes", "side of the neck"),
    "pectoralis_major": ("pectoralis major", "chest"),
    "pectoralis_minor": ("pectoralis minor", "front of the shoulder"),
    "middle_trapezius": ("middle trapezius", "between the shoulder blades"),
    "rhomboids": ("rhomboids", "between the shoulder blades"),
    "thoracic_erectors": ("upper back extensors", "upper back"),
    "lumbar_erectors": ("lower back extensors", "lower back"),
    "quadratus_lumborum": ("quadratus lumborum", "side of the lower back"),
    "hip_flexors": ("hip flexors", "front of the hip"),
    "gluteals": ("gluteals", "buttocks"),
    "piriformis": ("piriformis", "deep in the buttock"),
    "wrist_extensors": ("wrist extensors", "back of the forearm"),
    "eye_muscles": ("eye muscles", "eyes"),
}
_SIDES = ("left", "right")


def base_muscle(key: str) -> str:
    """``right_upper_trapezius`` -> ``upper_trapezius``."""
    side, _, rest = key.partition("_")
    return rest if side in _SIDES else key


def _name(key: str, where: bool) -> str:
    side, _, rest = key.partition("_")
    base = rest if side in _SIDES else key
    name, place = NAMES[base]
    text = f"{side} {name}" if side in _SIDES else name
    return f"{text} ({place})" if where else text


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def describe(keys: Iterable[str], where: bool = False) -> str:
    """Human wording: ``"right upper trapezius, suboccipitals and sternocleidomastoid"``.

    With ``where``, each name says where the muscle is: ``"suboccipitals (base of the skull)"``.
    """
    return _join([_name(key, where) for key in keys])
