"""The decision core: timestamped readings in, typed events out. No clock, no I/O.

``step(state, observation, settings)`` advances ``state`` in place by one
observation and returns the events it caused (``core.events``). The same
code runs for the live camera and for replay; the shell around it reads
frames, chooses the stretch and the words, shows reminders and stores
history.

Each concern has a module of its own, and this one runs them in order for
each observation:

- ``presence``: at the desk, away, in a call or unknown, and what that time
  counts as (a break, sitting time, nothing);
- ``calibration``: the user's neutral from the first seconds they are seen;
- ``profiles``: of the user's neutrals for this camera (one per setup: a desk,
  a laptop, standing), the one the picture matches;
- ``framing``: whether the whole picture of the user moved, as a moved camera
  moves it, so that no posture is read from it;
- the units of the fault registry (``faults.UNITS``, ``stillness``,
  ``sitting``), each with a ``tracks.Track`` whose majority vote starts and
  ends episodes and whose load builds while a fault is held;
- ``policy``: which due fault to remind of, and what holds reminders back.

Per fault, a frame's reading is over, under or unknown (its landmarks not
visible, another view than the baseline's); unknown readings do not vote and
do not change the load.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from . import calibration, faults, framing, policy, presence, profiles, stillness, tracks
from .baseline import Baseline
from .calibration import Calibration
from .events import Event, ProfileChosen
from .framing import Framing
from .observation import CameraSays, Observation
from .policy import Reminders, Unit
from .presence import PresenceState, Where
from .profiles import Matching
from .settings import Settings
from .sitting import Sitting
from .stillness import Stillness
from .tracks import Track, Vote

__all__ = ["CameraSays", "Observation", "Settings", "State", "Status", "Where", "new_state", "step"]


@dataclass
class State:
    """Everything the engine remembers between observations, one part per concern."""

    baseline: Baseline | None = None
    calibration: Calibration | None = None
    # The profile in use (its name), and every stored neutral of this camera by profile (the one in use among them).
    profile: str = profiles.DEFAULT
    profiles: dict[str, Baseline] = field(default_factory=dict)
    # Standing at the desk: the sitting clock stands still and no stand-up reminder comes.
    standing: bool = False
    framing: Framing = field(default_factory=Framing)
    matching: Matching = field(default_factory=Matching)
    last_t: float | None = None
    presence: PresenceState = field(default_factory=PresenceState)
    # One track per decision unit of the registry (posture faults and families, stillness).
    tracks: dict[str, Track] = field(default_factory=dict)
    still: Stillness = field(default_factory=Stillness)
    sitting: Sitting = field(default_factory=Sitting)
    reminders: Reminders = field(default_factory=Reminders)

    @property
    def away(self) -> bool:
        return self.presence.away

    @property
    def away_since(self) -> float | None:
        return self.presence.away_since

    @property
    def calibrating(self) -> bool:
        return self.calibration is not None

    @property
    def snoozed_until(self) -> datetime | None:
        return self.reminders.snoozed_until

    @property
    def camera_moved(self) -> bool:
        """The user was told that the camera seems to have moved since the neutral in use was taken."""
        return self.framing.told

    def units(self) -> list[Unit]:
        """The tracks the reminder policy weighs, each with how its held time is told (no sitting while standing)."""
        judges = {stillness.NAME: self.still.held}
        posture = [Unit(track, judges.get(name, _held)) for name, track in self.tracks.items()]
        return posture if self.standing else [*posture, Unit(self.sitting.track, self.sitting.held)]

    # What presence tells the posture side, as it happens (``presence.Postures``).

    def unknown_from(self, at: float, obs: Observation, events: list[Event]) -> None:
        for track in self.tracks.values():
            tracks.suspend(track, obs, at, events)
        self.still.forget()

    def unseen(self) -> None:
        for track in self.tracks.values():
            track.forget_known()


def _held(track: Track, t: float) -> float:
    """How long a posture has been held: since it began, across a change of name within its family."""
    return t - track.held_since


@dataclass(frozen=True)
class Status:
    """What the engine knows now, for the tray and the analysis rate; never its internals."""

    # None before the first observation.
    presence: Where | None
    calibrating: bool
    away: bool
    sitting_seconds: float
    # The active fault nearest its reminder: (fault, side, seconds held, load / hold).
    worst: tuple[str, str | None, float, float] | None
    # A fault is active or being voted on: look closely.
    deciding: bool
    # Reminders are held until this local wall time.
    snoozed_until: datetime | None = None
    # Each posture fault's load as a fraction of its hold (a family's under the fault that names it).
    loads: Mapping[str, float] = field(default_factory=dict)
    # The latest reminder: (engine time, fault).
    latest_alert: tuple[float, str] | None = None
    # The profile in use, standing, and whether the camera seems to have moved since its neutral was taken.
    profile: str = profiles.DEFAULT
    standing: bool = False
    camera_moved: bool = False
    # The profiles with a stored neutral.
    profiles: tuple[str, ...] = ()


def new_state(
    baseline: Baseline | None = None,
    calibrate_seconds: float | None = None,
    stored: Mapping[str, Baseline] | None = None,
    profile: str = profiles.DEFAULT,
) -> State:
    """A fresh state, with a stored baseline or one to be taken from the first seconds the user is seen.

    ``stored`` are the camera's neutrals by profile; ``profile`` the one to start with (``baseline`` when given,
    else the stored one of that name). Standing is the standing profile's.
    """
    state = State(profiles=dict(stored or {}))
    use(state, profile, baseline if baseline is not None else state.profiles.get(profile))
    if calibrate_seconds is not None:
        recalibrate(state, calibrate_seconds)
    return state


def use(state: State, profile: str, baseline: Baseline | None) -> None:
    """Judge against ``baseline`` as the neutral of ``profile`` from now on (None: the profile has none yet)."""
    state.profile, state.baseline = profile, baseline
    if baseline is not None:
        state.profiles[profile] = baseline
    state.standing = profile == profiles.STANDING
    state.framing = Framing()
    state.matching = Matching()


def recalibrate(state: State, seconds: float, profile: str | None = None) -> None:
    """Take a new baseline (for ``profile``, else the one in use) from the next ``seconds`` the user is seen."""
    if profile is not None and profile != state.profile:
        use(state, profile, state.profiles.get(profile))
    state.calibration = Calibration(seconds)


def snooze(state: State, until: datetime | None) -> None:
    """Hold reminders until the local wall time ``until`` (None: no longer)."""
    state.reminders.snoozed_until = until


def answered(state: State, alert_id: int) -> str | None:
    """The user did what the reminder ``alert_id`` suggested: its fault's load starts again from zero.

    Returns that fault, or None when the alert is too old to be known.
    """
    fault = state.reminders.faults.get(alert_id)
    if fault is not None:
        done(state, fault)
    return fault


def done(state: State, kind: str) -> None:
    """The user did the suggested stretch: that fault's load starts again from zero."""
    if kind == "sitting":
        state.sitting.answered()
        return
    track = next((t for t in state.tracks.values() if t.fault == kind), None)
    if track is not None:
        track.answered()


def status(state: State, settings: Settings) -> Status:
    """A read-only summary of ``state``."""
    t = state.last_t or 0.0
    worst = None
    active = [track for track in state.tracks.values() if track.active]
    if active:
        track = max(active, key=lambda tr: tr.load / settings.hold(tr.fault))
        worst = (track.fault, track.side, t - track.since, track.load / settings.hold(track.fault))
    deciding = state.calibrating or any(
        track.active or any(vote.over for vote in track.window) for track in state.tracks.values()
    )
    loads = {
        track.fault: track.load / settings.hold(track.fault)
        for track in state.tracks.values()
        if track.fault in faults.POSTURE_FAULTS
    }
    return Status(
        state.presence.where,
        state.calibrating,
        state.away,
        state.sitting.seconds,
        worst,
        deciding,
        state.reminders.snoozed_until,
        loads,
        state.reminders.latest,
        state.profile,
        state.standing,
        state.camera_moved,
        tuple(state.profiles),
    )


def step(state: State, obs: Observation, settings: Settings) -> list[Event]:
    """Advance ``state`` (in place) by one observation and return what happened."""
    events: list[Event] = []
    t = obs.t
    if not math.isfinite(t):
        return events
    if not all(math.isfinite(v) for v in obs.features.values()):
        # A value that is not a number is missing data, never evidence of a fault.
        obs = replace(obs, features={k: v for k, v in obs.features.items() if math.isfinite(v)})
    if state.last_t is not None and t < state.last_t:
        _shift(state, t - state.last_t)
    last, state.last_t = state.last_t, t
    changes = presence.step(state.presence, obs, last, settings, state, events)
    # Standing, the sitting clock stands still.
    state.sitting.advance(0.0 if state.standing else changes.sitting)
    if changes.back_after is not None:
        for track in state.tracks.values():
            track.recover(changes.back_after, settings)
    if changes.took_break:
        state.sitting.took_break()
    seen = state.presence.where == Where.SEEN
    if seen:
        state.sitting.started = True
    if state.calibration is not None:
        baseline = calibration.step(state.calibration, obs, seen, events)
        if baseline is not None:
            use(state, state.profile, baseline)
            state.calibration = None
    elif seen and state.baseline is not None:
        chosen = profiles.pick(state.matching, obs, state.profile, state.profiles, settings)
        if chosen is not None:
            use(state, chosen, state.profiles[chosen])
            events.append(ProfileChosen(t, obs.wall, chosen, state.standing))
    if seen and state.baseline is not None and obs.view == state.baseline.view:
        judged = framing.judged(state.framing, obs, state.baseline, settings, events)
        _update_faults(state, replace(obs, features=judged), settings, events)
        stillness.update(state.still, state.tracks, obs, settings, events)
    if seen:
        policy.maybe_alert(state.reminders, state.units(), obs, settings, events)
    return events


def _shift(state: State, offset: float) -> None:
    """The clock went backwards: move every remembered time so nothing lies in the future."""
    if state.last_t is not None:
        state.last_t += offset
    if state.calibration is not None:
        state.calibration.shift(offset)
    state.presence.shift(offset)
    state.still.shift(offset)
    state.reminders.shift(offset)
    state.framing.shift(offset)
    state.matching.shift(offset)
    for track in [*state.tracks.values(), state.sitting.track]:
        track.shift(offset)


def _update_faults(state: State, obs: Observation, settings: Settings, events: list[Event]) -> None:
    """Read each posture unit of the registry from this frame and feed its verdict to its track."""
    assert state.baseline is not None
    readings = faults.read(obs.features, state.baseline, settings)
    release = settings.detection.release_fraction
    for unit, members in faults.UNITS.items():
        track = state.tracks.setdefault(unit, Track(fault=members[-1]))
        enabled = tuple(m for m in members if settings.faults[m].enabled)
        if track.fault not in enabled:
            # Switched off in the settings: its episode ends and its load is forgotten.
            if track.active:
                tracks.end(track, obs, obs.t, events)
            track = state.tracks[unit] = Track(fault=(enabled or members)[-1])
        if not enabled:
            continue
        # The posture under way, or awaiting the vote: a frame that cannot read it says nothing of it.
        decided = faults.decide(readings, enabled, track.fault if track.active else tracks.candidate(track))
        if decided is None:
            continue  # unknown: no vote, no load
        reading, named = decided
        over = faults.over(reading, track.active, release)
        tracks.observe(track, obs, Vote(obs.t, over, reading.side, named), settings, events)
