"""The stretch catalogue, checked completely when the settings load, and the rotating choice.

The catalogue is ``config/stretches.toml``; users disable entries or add their
own in their config's ``[stretches]`` table. Everything that could go wrong
with an entry (a missing key, an unknown muscle or fault, a placeholder in
its steps other than ``{side}``/``{other}`` of a sided stretch) is found here,
when the settings are read, so a stretch that passed can always be shown.
The choice is pure: it takes the rotation and returns the stretch and the
new rotation.

Each entry also says how the coach checks it (``check``, a kind of
``core.coach.KINDS`` with its parameters; the user's own stretches are timed
only unless they say otherwise), and its ``hold`` text is read for the dose
the coach asks for (:func:`read_hold`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..core.coach import Check, Dose, check_problem, make_check
from ..core.faults import REGISTRY
from ..errors import UserError
from .muscles import NAMES, base_muscle

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

_REQUIRED = {"id": str, "name": str, "muscles": list, "faults": list, "steps": list, "hold": str}
_OPTIONAL = {"sided": bool, "check": dict}
_OTHER = {"left": "right", "right": "left"}
_SIDE_FIELDS = {"side", "other"}


@dataclass(frozen=True)
class Stretch:
    """One catalogue entry."""

    id: str
    name: str
    muscles: tuple[str, ...]
    faults: tuple[str, ...]
    steps: tuple[str, ...]
    hold: str
    sided: bool = False
    check: Check = field(default_factory=Check)
    # The dose read from ``hold``: seconds of each hold (0: a movement) and how many times; None when
    # the text gives no time the coach can read (then it counts DEFAULT_SECONDS).
    dose: tuple[float, int] | None = None

    def coach_dose(self, side: str | None) -> Dose:
        """What the coach asks: on ``side`` only, or, for a sided stretch without one, on the right then the left."""
        seconds, times = self.dose or (DEFAULT_SECONDS, 1)
        if not self.sided:
            return Dose(seconds, times)
        return Dose(seconds, times, (side,) if side else ("right", "left"))

    def for_side(self, side: str | None) -> list[str]:
        """Steps with ``{side}``/``{other}`` filled in; an unknown side gets both sides in turn."""
        if not self.sided:
            return list(self.steps)
        first = side or "right"
        steps = [s.format(side=first, other=_OTHER[first]) for s in self.steps]
        return steps if side else [*steps, "Repeat on the other side."]


# A timed stretch whose hold text gives no time the coach can read runs this long.
DEFAULT_SECONDS = 30.0
_NUMBER = r"(\d+(?:\.\d+)?)(?: to \d+(?:\.\d+)?)?"
_HOLD_PATTERNS = (
    # "hold 20 s, 2 times", "hold 20 s, 2 to 3 times", "hold 60 to 90 s"
    (re.compile(rf"^hold {_NUMBER} s(?:, {_NUMBER} times)?$"), lambda m: (float(m[1]), int(float(m[2] or 1)))),
    # "hold 30 s each side": the times stand for the sides
    (re.compile(rf"^hold {_NUMBER} s each (?:side|arm|leg)$"), lambda m: (float(m[1]), 2)),
    # "10 slow circles", "5 slow repetitions", "10 times"
    (re.compile(rf"^{_NUMBER} (?:slow )?(?:circles|repetitions|reps|times)$"), lambda m: (0.0, int(float(m[1])))),
    # "20 s", "2 to 5 minutes"
    (re.compile(rf"^{_NUMBER} (s|seconds?|min|minutes?)$"), lambda m: (float(m[1]) * (60 if m[2][0] == "m" else 1), 1)),
)


def read_hold(text: str) -> tuple[float, int] | None:
    """(seconds of each hold, times) from a catalogue ``hold`` text; the lower of a range; None if unreadable."""
    text = " ".join(text.lower().split())
    for pattern, dose in _HOLD_PATTERNS:
        found = pattern.match(text)
        if found:
            return dose(found)
    return None


@cache
def catalogue() -> tuple[Stretch, ...]:
    """The packaged catalogue, validated once."""
    text = (resources.files("posture_watch") / "defaults" / "stretches.toml").read_text("utf-8")
    entries = tomllib.loads(text)["stretch"]
    return tuple(_entry(e, "stretches.toml", i, packaged=True) for i, e in enumerate(entries))


def _placeholders(step: str) -> set[str]:
    """The ``{names}`` in a step; ValueError for a lone brace."""
    return {name for _, name, _, _ in string.Formatter().parse(step) if name is not None}


def _entry(raw: Any, source: Path | str, index: int, packaged: bool = False) -> Stretch:
    where = f"{source}: stretch #{index + 1}"
    if not isinstance(raw, dict):
        raise UserError(f"{where} must be a table with keys {', '.join(_REQUIRED)}")
    if isinstance(raw.get("id"), str):
        where += f" ('{raw['id']}')"
    for key, kind in _REQUIRED.items():
        if not isinstance(raw.get(key), kind) or not raw[key]:
            raise UserError(f"{where}: '{key}' is missing or not a non-empty {kind.__name__}")
    for key in raw:
        if key not in _REQUIRED and key not in _OPTIONAL:
            raise UserError(f"{where}: unknown key '{key}'; allowed: {', '.join([*_REQUIRED, *_OPTIONAL])}")
    if not isinstance(raw.get("sided", False), bool):
        raise UserError(f"{where}: 'sided' must be true or false")
    for key in ("muscles", "faults", "steps"):
        if not all(isinstance(x, str) and x for x in raw[key]):
            raise UserError(f"{where}: every item of '{key}' must be text")
    for muscle in raw["muscles"]:
        if muscle not in NAMES:
            raise UserError(f"{where}: unknown muscle '{muscle}'; known: {', '.join(NAMES)}")
    for fault in raw["faults"]:
        if fault not in REGISTRY:
            raise UserError(f"{where}: unknown fault '{fault}'; known: {', '.join(REGISTRY)}")
    sided = raw.get("sided", False)
    allowed = _SIDE_FIELDS if sided else set()
    for step in raw["steps"]:
        try:
            unknown = _placeholders(step) - allowed
        except ValueError:
            raise UserError(f"{where}: the step {step!r} has a lone {{ or }}; write {{{{ or }}}} for a brace") from None
        if unknown:
            raise UserError(
                f"{where}: the step {step!r} has the placeholder {{{sorted(unknown)[0]}}}, which nothing fills; "
                "only {side} and {other} are filled, in a stretch with sided = true"
            )
    check = _check(raw.get("check", {"kind": "timed"}), sided, where)
    dose = read_hold(raw["hold"])
    if packaged and (dose is None or "check" not in raw):
        # The packaged catalogue says how each entry is checked and gives a dose the coach can read.
        raise UserError(f"{where}: every packaged stretch needs a check and a hold like 'hold 20 s, 2 times'")
    return Stretch(
        id=raw["id"],
        name=raw["name"],
        muscles=tuple(raw["muscles"]),
        faults=tuple(raw["faults"]),
        steps=tuple(raw["steps"]),
        hold=raw["hold"],
        sided=sided,
        check=check,
        dose=dose,
    )


def _check(raw: Any, sided: bool, where: str) -> Check:
    """The entry's ``check`` table, checked against the coach's kinds."""
    if not isinstance(raw, dict) or not isinstance(raw.get("kind"), str):
        raise UserError(f'{where}: \'check\' must be a table with a kind, like {{ kind = "timed" }}')
    params = {k: v for k, v in raw.items() if k != "kind"}
    problem = check_problem(raw["kind"], params, sided)
    if problem is not None:
        raise UserError(f"{where}: {problem}")
    return make_check(raw["kind"], params)


def available(section: dict[str, Any], source: Path | str = "config") -> tuple[Stretch, ...]:
    """Catalogue entries not disabled, then the user's own; UserError for anything wrong in the table."""
    known = {s.id for s in catalogue()}
    for item in section["disabled"]:
        if item not in known:
            raise UserError(
                f"{source}: stretches.disabled names '{item}', which is not in the catalogue; "
                f"ids are: {', '.join(sorted(known))}"
            )
    own = []
    for i, raw in enumerate(section["custom"]):
        entry = _entry(raw, f"{source}: stretches.custom", i)
        if entry.id in known:
            raise UserError(f"{source}: stretches.custom id '{entry.id}' is already in the catalogue; pick another")
        known.add(entry.id)
        own.append(entry)
    disabled = set(section["disabled"])
    return tuple(s for s in catalogue() if s.id not in disabled) + tuple(own)


@dataclass(frozen=True)
class Rotation:
    """What was suggested when, so the same stretch is not repeated for the same muscles."""

    count: int = 0
    last_used: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    last_for_muscle: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


def choose(
    options: tuple[Stretch, ...], kind: str, muscles: tuple[str, ...] | list[str], rotation: Rotation
) -> tuple[Stretch | None, Rotation]:
    """The least recently suggested stretch for ``kind``, never the one last given for these muscles.

    Returns the stretch (None when nothing answers ``kind``) and the rotation after the choice.
    """
    candidates = [s for s in options if kind in s.faults]
    if not candidates:
        return None, rotation
    bases = {base_muscle(m) for m in muscles}
    recent = {rotation.last_for_muscle.get(m) for m in bases}
    fresh = [s for s in candidates if s.id not in recent] or candidates
    pick = min(fresh, key=lambda s: rotation.last_used.get(s.id, -1))
    count = rotation.count + 1
    return pick, Rotation(
        count,
        MappingProxyType({**rotation.last_used, pick.id: count}),
        MappingProxyType({**rotation.last_for_muscle, **dict.fromkeys(bases, pick.id)}),
    )


def for_muscles(options: tuple[Stretch, ...], loads: Mapping[str, float]) -> tuple[Stretch | None, str | None]:
    """The stretch for the muscle that carried the most load, and the side it carried it on (for a sided stretch).

    ``loads`` are seconds per muscle key, with or without a side (``left_upper_trapezius``), as a
    report's ``muscle_load_seconds``. Of the stretches for that muscle, the one for the most of the
    load wins, then one the coach can verify, then the catalogue's order. (None, None) without loads.
    """
    if not loads:
        return None, None
    top = max(loads, key=lambda key: loads[key])
    muscle = base_muscle(top)
    candidates = [s for s in options if muscle in s.muscles]
    if not candidates:
        return None, None

    def covered(s: Stretch) -> tuple[float, bool]:
        return sum(seconds for key, seconds in loads.items() if base_muscle(key) in s.muscles), s.check.verified

    best = max(candidates, key=covered)
    side = top.partition("_")[0] if top != muscle else None
    return best, side if best.sided else None
