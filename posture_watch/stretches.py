"""The stretch catalogue and the rotating choice of what to suggest.

The catalogue is ``config/stretches.toml``; users disable entries or add their
own in their config's ``[stretches]`` table. The choice is pure: it takes the
rotation state and returns the stretch and the new state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from .config import FAULTS, tomllib
from .errors import UserError
from .muscles import NAMES, base_muscle

# What an alert can be about: a posture fault, or sitting too long.
ALERT_KINDS = (*FAULTS, "sitting")
_REQUIRED = {"id": str, "name": str, "muscles": list, "faults": list, "steps": list, "hold": str}
_OPTIONAL = {"sided": bool}
_OTHER = {"left": "right", "right": "left"}


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

    def for_side(self, side: str | None) -> list[str]:
        """Steps with ``{side}``/``{other}`` filled in; an unknown side gets both sides in turn."""
        if not self.sided:
            return list(self.steps)
        first = side or "right"
        steps = [s.format(side=first, other=_OTHER[first]) for s in self.steps]
        return steps if side else [*steps, "Repeat on the other side."]


@cache
def catalogue() -> tuple[Stretch, ...]:
    """The packaged catalogue, validated once."""
    text = (resources.files("posture_watch") / "defaults" / "stretches.toml").read_text("utf-8")
    entries = tomllib.loads(text)["stretch"]
    return tuple(_entry(e, "stretches.toml", i) for i, e in enumerate(entries))


def _entry(raw: Any, source: Path | str, index: int) -> Stretch:
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
        if fault not in ALERT_KINDS:
            raise UserError(f"{where}: unknown fault '{fault}'; known: {', '.join(ALERT_KINDS)}")
    return Stretch(
        id=raw["id"],
        name=raw["name"],
        muscles=tuple(raw["muscles"]),
        faults=tuple(raw["faults"]),
        steps=tuple(raw["steps"]),
        hold=raw["hold"],
        sided=raw.get("sided", False),
    )


def validate_user_stretches(section: dict[str, Any], source: Path | str) -> None:
    """Check the config's ``[stretches]`` table: known ids to disable, well-formed custom entries."""
    known = {s.id for s in catalogue()}
    for item in section["disabled"]:
        if item not in known:
            raise UserError(
                f"{source}: stretches.disabled names '{item}', which is not in the catalogue; "
                f"ids are: {', '.join(sorted(known))}"
            )
    for i, raw in enumerate(section["custom"]):
        entry = _entry(raw, f"{source}: stretches.custom", i)
        if entry.id in known:
            raise UserError(f"{source}: stretches.custom id '{entry.id}' is already in the catalogue; pick another")
        known.add(entry.id)


def available(section: dict[str, Any]) -> tuple[Stretch, ...]:
    """Catalogue entries not disabled, then the user's own."""
    disabled = set(section["disabled"])
    own = tuple(_entry(raw, "config", i) for i, raw in enumerate(section["custom"]))
    return tuple(s for s in catalogue() if s.id not in disabled) + own


@dataclass
class Rotation:
    """What was suggested when, so the same stretch is not repeated for the same muscles."""

    count: int = 0
    last_used: dict[str, int] = field(default_factory=dict)
    last_for_muscle: dict[str, str] = field(default_factory=dict)


def choose(options: tuple[Stretch, ...], kind: str, muscles: list[str], rotation: Rotation) -> Stretch | None:
    """The least recently suggested stretch for ``kind``, never the one last given for these muscles.

    Mutates ``rotation`` (part of the engine's state) to record the choice.
    """
    candidates = [s for s in options if kind in s.faults]
    if not candidates:
        return None
    bases = {base_muscle(m) for m in muscles}
    recent = {rotation.last_for_muscle.get(m) for m in bases}
    fresh = [s for s in candidates if s.id not in recent] or candidates
    pick = min(fresh, key=lambda s: rotation.last_used.get(s.id, -1))
    rotation.count += 1
    rotation.last_used[pick.id] = rotation.count
    for m in bases:
        rotation.last_for_muscle[m] = pick.id
    return pick
