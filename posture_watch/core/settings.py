"""The settings the decision core reads, as one frozen, typed object built once when the settings load.

The shell validates the user's TOML against the packaged defaults (``config``)
and builds this from the result; the core never looks a key up by name in a
dictionary, so a misspelt key is an AttributeError at load, not a KeyError in
the middle of a day. Each group mirrors a table of ``config/default.toml``,
where every key is documented with its unit and range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class FaultSettings:
    """One ``[faults.NAME]`` table: on or off, the hold before a reminder, and the rule's own thresholds."""

    enabled: bool
    hold_seconds: float
    # The rule's thresholds by key (``degrees``, ``head_drop``, ...), read as ``params["degrees"]``.
    params: Mapping[str, float]


@dataclass(frozen=True)
class Detection:
    majority_seconds: float
    release_fraction: float
    # Two known readings further apart than this leave the time between them unknown: neither held
    # nor recovered. Half as much again as the longest spacing the camera's sampling gives.
    known_gap_seconds: float


@dataclass(frozen=True)
class Presence:
    away_seconds: float
    max_gap_seconds: float


@dataclass(frozen=True)
class Breaks:
    sitting_minutes: float
    static_minutes: float
    static_motion: float


@dataclass(frozen=True)
class Notify:
    cooldown_minutes: float
    min_gap_minutes: float
    daily_cap: int
    # Quiet hours as (start, end) minutes after local midnight, or None when unset.
    quiet: tuple[int, int] | None
    after_do_not_disturb: str
    escalate_after: int


@dataclass(frozen=True)
class Sampling:
    fps: float
    adaptive: bool
    min_fps: float
    away_fps: float


@dataclass(frozen=True)
class Settings:
    """Everything the core reads, grouped as ``config/default.toml`` groups it."""

    faults: Mapping[str, FaultSettings]
    noise_sigmas: float
    # Seen seconds the whole picture of the user must stay moved before the camera is said to have moved.
    moved_seconds: float
    detection: Detection
    presence: Presence
    breaks: Breaks
    recovery_rate: float
    notify: Notify
    sampling: Sampling

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """Build from validated settings (the defaults merged with the user's file)."""
        faults = {
            name: FaultSettings(
                bool(table["enabled"]),
                float(table["hold_seconds"]),
                MappingProxyType({k: float(v) for k, v in table.items() if k not in ("enabled", "hold_seconds")}),
            )
            for name, table in config["faults"].items()
        }
        notify, sampling = config["notify"], config["sampling"]
        return cls(
            faults=MappingProxyType(faults),
            noise_sigmas=float(config["calibration"]["noise_sigmas"]),
            moved_seconds=float(config["calibration"]["moved_seconds"]),
            detection=Detection(
                **_floats(config["detection"]),
                known_gap_seconds=1.5 * max(config["camera"]["sample_interval_seconds"], 1 / sampling["min_fps"]),
            ),
            presence=Presence(**_floats(config["presence"])),
            breaks=Breaks(**_floats(config["breaks"])),
            recovery_rate=float(config["load"]["recovery_rate"]),
            notify=Notify(
                cooldown_minutes=float(notify["cooldown_minutes"]),
                min_gap_minutes=float(notify["min_gap_minutes"]),
                daily_cap=int(notify["daily_cap"]),
                quiet=_quiet_hours(notify["quiet_start"], notify["quiet_end"]),
                after_do_not_disturb=str(notify["after_do_not_disturb"]),
                escalate_after=int(notify["escalate_after"]),
            ),
            sampling=Sampling(
                fps=float(sampling["fps"]),
                adaptive=bool(sampling["adaptive"]),
                min_fps=float(sampling["min_fps"]),
                away_fps=float(sampling["away_fps"]),
            ),
        )

    def hold(self, fault: str) -> float:
        """Seconds of load before a reminder for ``fault`` (``sitting``: the stand-up interval)."""
        if fault == "sitting":
            return self.breaks.sitting_minutes * 60
        return self.faults[fault].hold_seconds

    def enabled(self, fault: str) -> bool:
        return fault == "sitting" or self.faults[fault].enabled


def _floats(table: Mapping[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in table.items()}


def _quiet_hours(start: str, end: str) -> tuple[int, int] | None:
    if not start or not end:
        return None

    def minutes(hhmm: str) -> int:
        h, m = hhmm.split(":")
        return int(h) * 60 + int(m)

    return minutes(start), minutes(end)
