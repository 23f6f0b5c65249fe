"""Settings: the packaged defaults overridden key by key by the user's TOML file.

``config/default.toml`` is the single source of the defaults and their
documentation; this module adds only what TOML comments cannot enforce: the
allowed range or choices of each key. Types come from the default values.

What loading returns is a frozen :class:`Config`, read like the TOML tables
(``settings["camera"]["device"]``), with the decision core's typed settings
(``.core``) and the checked stretch catalogue (``.stretches``) built once,
when the settings load. Nothing can change it afterwards; a change is a new
``Config`` (:meth:`Config.with_changes`), checked again.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import paths
from .advice.stretches import Stretch, available
from .core.faults import CONFIGURED
from .core.settings import Settings
from .errors import UserError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

__all__ = ["Config", "tomllib"]


class Config(Mapping[str, Any]):
    """Validated settings, frozen: tables read as mappings, lists as tuples."""

    def __init__(self, tables: dict[str, Any], source: Path | str = "config") -> None:
        self._tables: Mapping[str, Any] = _freeze(tables)
        self.core = Settings.from_config(self._tables)
        self.stretches: tuple[Stretch, ...] = available(tables["stretches"], source)

    def __getitem__(self, key: str) -> Any:
        return self._tables[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._tables)

    def __len__(self) -> int:
        return len(self._tables)

    def to_dict(self) -> dict[str, Any]:
        """A plain, mutable copy (for printing as TOML, or building changed settings)."""
        return _thaw(self._tables)

    def with_changes(self, **dotted: Any) -> Config:
        """These settings with some keys changed (``faults__slouch__hold_seconds=10``), checked like a file's."""
        tables, mistakes = self.to_dict(), []
        for key, value in dotted.items():
            *path, last = key.split("__")
            table = tables
            for part in path:
                table = table[part]
            try:
                table[last] = _checked(".".join([*path, last]), value, table[last])
            except _NotAllowed as exc:
                mistakes.append(str(exc))
        _refuse("changed settings", mistakes + _combinations(tables))
        return Config(tables, "changed settings")


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value

# The faults with a [faults.NAME] table, from the fault registry.
FAULTS = CONFIGURED

_CHOICES: dict[str, tuple[str, ...]] = {
    "model.variant": ("lite", "full", "heavy"),
    "view.mode": ("auto", "front", "side"),
    "camera.mode": ("auto", "continuous", "sampling"),
    "notify.after_do_not_disturb": ("deliver", "drop"),
}

_RANGES: dict[str, tuple[float, float]] = {
    "camera.device": (0, 63),
    "camera.width": (160, 3840),
    "camera.height": (120, 2160),
    "camera.fps": (1, 60),
    "camera.sample_interval_seconds": (2, 300),
    "camera.settle_seconds": (0, 10),
    "camera.sample_frames": (1, 30),
    "camera.release_after_away_seconds": (10, 3600),
    "sampling.fps": (0.1, 30),
    "sampling.min_fps": (0.05, 30),
    "sampling.away_fps": (0.02, 30),
    "pose.min_visibility": (0, 1),
    "pose.min_detection_confidence": (0, 1),
    "pose.max_people": (1, 5),
    "pose.min_size": (0, 0.2),
    "calibration.seconds": (2, 120),
    "calibration.noise_sigmas": (1, 10),
    "calibration.moved_seconds": (10, 3600),
    "presence.away_seconds": (5, 3600),
    "presence.max_gap_seconds": (2, 3600),
    "breaks.sitting_minutes": (5, 240),
    "breaks.static_minutes": (2, 120),
    "breaks.static_motion": (0.02, 1),
    "detection.majority_seconds": (0, 60),
    "detection.release_fraction": (0.1, 1),
    "load.recovery_rate": (0.1, 20),
    "notify.cooldown_minutes": (0.5, 240),
    "notify.min_gap_minutes": (0, 60),
    "notify.snooze_minutes": (1, 240),
    "notify.daily_cap": (0, 200),
    "notify.escalate_after": (1, 10),
    "history.retention_days": (0, 3650),
    "faults.*.hold_seconds": (10, 7200),
    "faults.forward_head.head_drop": (0.02, 0.9),
    "faults.forward_head.cva_drop_degrees": (1, 45),
    "faults.forward_head.head_sink": (0.01, 0.5),
    "faults.forward_head.face_growth": (0.05, 2),
    "faults.head_back.rise": (0.05, 1.5),
    "faults.head_back.pitch_degrees": (5, 60),
    "faults.slouch.head_sink": (0.01, 0.5),
    "faults.slouch.trunk_flexion_degrees": (2, 60),
    "faults.slouch.slide_degrees": (1, 45),
    "faults.head_tilt.degrees": (2, 45),
    "faults.head_turn.offset": (0.02, 0.9),
    "faults.uneven_shoulders.degrees": (2, 30),
    "faults.trunk_lean.degrees": (2, 45),
    "faults.too_close.face_growth": (0.05, 2),
}

# Keys that take a whole number (in its range) or text, whatever type their default has.
_NUMBER_OR_TEXT = ("camera.device",)
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_CLOCK_KEYS = ("notify.quiet_start", "notify.quiet_end")


def defaults_text() -> str:
    """The packaged ``default.toml``, comments and all."""
    return (resources.files("posture_watch") / "defaults" / "default.toml").read_text("utf-8")


def defaults() -> Config:
    """The packaged default settings."""
    return Config(_default_tables(), "the defaults")


def _default_tables() -> dict[str, Any]:
    return tomllib.loads(defaults_text())


def user_file(override: Path | None = None) -> Path:
    """The file whose settings override the defaults: ``--config`` or the per-user one."""
    return override if override is not None else paths.config_file()


def load(override: Path | None = None) -> Config:
    """Defaults merged with the user file (if any), validated.

    ``override`` is a ``--config FILE``: it must exist. The per-user file is
    optional. Raises :class:`UserError` naming the file and the key.
    """
    path = user_file(override)
    if not path.exists():
        if override is not None:
            raise UserError(f"{path}: config file not found; check the path")
        return defaults()
    return parse(path.read_bytes(), path)


def parse(data: bytes, source: Path | str) -> Config:
    """Merge TOML ``data`` (read from ``source``, for messages) over the defaults.

    Every mistake in the file is found before any is reported, so one
    UserError lists them all (each with its fix); a key with a mistake keeps
    its default while the others are checked, combinations included.
    """
    try:
        user = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise UserError(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{source}: invalid TOML: {exc}; fix the line named") from None
    merged = _default_tables()
    mistakes = _merge(merged, user, "")
    mistakes += _combinations(merged)
    try:
        checked = Config(merged, source)
    except UserError as exc:  # the stretch catalogue's own checks name the source already
        mistakes.append(str(exc).removeprefix(f"{source}: "))
    _refuse(source, mistakes)
    return checked


def _refuse(source: Path | str, mistakes: list[str]) -> None:
    """One UserError naming ``source`` and every mistake in it, or nothing when there is none."""
    if len(mistakes) == 1:
        raise UserError(f"{source}: {mistakes[0]}")
    if mistakes:
        listed = "\n".join(f"  - {m}" for m in mistakes)
        raise UserError(f"{source}: {len(mistakes)} mistakes, each with its fix:\n{listed}")


def get(config: Mapping[str, Any], dotted: str) -> Any:
    """``get(config, "faults.slouch.hold_seconds")``."""
    value: Any = config
    for part in dotted.split("."):
        value = value[part]
    return value


# Keys earlier versions read, with what to write instead: a settings file that worked keeps saying how to fix it.
RETIRED = {
    "camera.index": "it is camera.device now: write `device = {value!r}` under [camera] "
    "(or the camera's name or id in quotes, as `posture-watch cameras` lists them)",
    "camera.warmup_frames": "frames are now read until the picture settles: delete the line "
    "(camera.settle_seconds is the longest wait, in seconds)",
    "faults.head_back.lift": "the front view's head-back threshold is now 'rise' (the nose's rise over the ears "
    "in heights of your own face, default 0.2); delete 'lift', and run `posture-watch calibrate` again so the "
    "neutral has the new measure",
}


def _merge(base: dict[str, Any], user: dict[str, Any], prefix: str) -> list[str]:
    """Put ``user``'s keys into ``base`` where they are allowed; the mistakes, in the file's order."""
    mistakes: list[str] = []
    for key, value in user.items():
        dotted = prefix + key
        if dotted in RETIRED:
            mistakes.append(f"'{dotted}' is no longer used: {RETIRED[dotted].format(value=value)}")
            continue
        if key not in base:
            hint = difflib.get_close_matches(key, list(base), n=1)
            extra = f"; did you mean '{prefix}{hint[0]}'?" if hint else ""
            known = ", ".join(sorted(base))
            mistakes.append(f"unknown key '{dotted}'{extra} (known here: {known})")
            continue
        default = base[key]
        if isinstance(default, dict):
            if not isinstance(value, dict):
                mistakes.append(f"'{dotted}' must be a table like [{dotted}], got {value!r}")
            else:
                mistakes += _merge(default, value, dotted + ".")
            continue
        try:
            base[key] = _checked(dotted, value, default)
        except _NotAllowed as exc:
            mistakes.append(str(exc))
    return mistakes


class _NotAllowed(Exception):
    """One key's value is not allowed; the message says what is expected."""


def _checked(dotted: str, value: Any, default: Any) -> Any:
    """``value`` if it has the default's type and is allowed (:func:`allowed`), else _NotAllowed."""

    def bad(expected: str) -> _NotAllowed:
        return _NotAllowed(f"{dotted} = {value!r} is not allowed; expected {expected}")

    if dotted in _NUMBER_OR_TEXT:
        if isinstance(value, str) and value.strip():
            return value.strip()
        if not isinstance(value, int) or isinstance(value, bool):
            raise bad(allowed(dotted, default))
        default = 0
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise bad(allowed(dotted, default))
        return value
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad(f"a number like {default!r}")
        if isinstance(default, int) and not isinstance(value, int):
            raise bad(f"a whole number like {default!r} ({_fraction_hint(dotted)})")
        low, high = _range(dotted)
        if not math.isfinite(value) or not low <= value <= high:
            raise bad(allowed(dotted, default))
        return float(value) if isinstance(default, float) else value
    if isinstance(default, str):
        if not isinstance(value, str):
            raise bad(f'text in quotes like "{default}"')
        choices = _CHOICES.get(dotted)
        if (choices and value not in choices) or (dotted in _CLOCK_KEYS and value and not _CLOCK.match(value)):
            raise bad(allowed(dotted, default))
        return value
    if isinstance(default, list):
        if not isinstance(value, list):
            raise bad(allowed(dotted, default))
        return copy.deepcopy(value)
    raise bad(type(default).__name__)  # pragma: no cover - defaults hold only the types above


def allowed(dotted: str, default: Any) -> str:
    """What a key accepts, in words: the checks of :func:`_checked` for a key whose default is ``default``."""
    if dotted in _NUMBER_OR_TEXT:
        low, high = _range(dotted)
        return f"a whole number from {_num(low)} to {_num(high)}, or a name or id in quotes"
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, (int, float)):
        low, high = _range(dotted)
        return f"{'a whole number' if isinstance(default, int) else 'a number'} from {_num(low)} to {_num(high)}"
    if isinstance(default, str):
        if dotted in _CHOICES:
            return "one of " + ", ".join(f'"{c}"' for c in _CHOICES[dotted])
        if dotted in _CLOCK_KEYS:
            return 'a local time "HH:MM" (24-hour), or "" for none'
        return "text in quotes"
    if isinstance(default, list):
        return "a list in [brackets]"
    return type(default).__name__  # pragma: no cover - defaults hold only the types above


def _range(dotted: str) -> tuple[float, float]:
    if dotted in _RANGES:
        return _RANGES[dotted]
    parts = dotted.split(".")
    return _RANGES[".".join([parts[0], "*", *parts[2:]])]


def _fraction_hint(dotted: str) -> str:
    """For a fraction given to a whole-number key: which keys beside it do take fractions."""
    table, _, _ = dotted.rpartition(".")
    siblings = get(_default_tables(), table) if table else _default_tables()
    fractional = [k for k, v in siblings.items() if isinstance(v, float)]
    where = f"[{table}]" if table else "the top level"
    if not fractional:
        return f"this key takes whole numbers only, as does every number in {where}"
    verb = "takes" if len(fractional) == 1 else "take"
    return f"this key takes whole numbers only; in {where} {', '.join(fractional)} {verb} fractions"


def _num(x: float) -> str:
    return f"{x:g}"


def _combinations(config: Mapping[str, Any]) -> list[str]:
    """Combinations of keys that are each allowed but together would quietly stop monitoring."""
    mistakes = []
    gap = config["presence"]["max_gap_seconds"]
    # Anything that spaces two looks at the camera further apart than the gap
    # limit turns every interval into unknown time: no posture, no break.
    spacings = {
        "camera.sample_interval_seconds": config["camera"]["sample_interval_seconds"],
        "sampling.min_fps": 1 / config["sampling"]["min_fps"],
        "sampling.away_fps": 1 / config["sampling"]["away_fps"],
    }
    for key, seconds in spacings.items():
        if seconds >= gap:
            value = get(config, key)
            mistakes.append(
                f"{key} = {value:g} looks at the camera every {seconds:g} s, but "
                f"presence.max_gap_seconds = {gap:g} treats any pause that long as unknown time, so nothing would "
                f"be measured; make presence.max_gap_seconds larger than {seconds:g} or look more often"
            )
    notify = config["notify"]
    if bool(notify["quiet_start"]) != bool(notify["quiet_end"]):
        mistakes.append(
            f"notify.quiet_start = {notify['quiet_start']!r} and notify.quiet_end = "
            f"{notify['quiet_end']!r}: set both (or neither) for quiet hours"
        )
    return mistakes
