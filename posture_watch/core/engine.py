"""The decision core: timestamped readings in, typed events out. No clock, no I/O.

``step(state, observation, config)`` advances ``state`` in place by one
observation and returns the events it caused (``core.events``). The same
code runs for the live camera and for replay; the shell around it reads
frames, chooses the stretch and the words, shows reminders and stores
history.

What the camera can tell decides what time counts as (``Observation.camera``):

- a frame with the user in it ("ok" with features): posture is judged, load
  builds while a fault is held and recovers while sitting well;
- a frame with nobody in it ("ok", no features): after ``away_seconds`` the
  user is away; coming back after that long is a break, which recovers load
  and restarts the sitting clock;
- the machine was asleep or the screen locked ("asleep", told on waking):
  the time since the last observation was away;
- the camera is used by another program ("busy", a call): the user is still
  sitting, so the sitting clock runs, but posture is unknown: no load builds
  or recovers and no reminder is shown until the call ends;
- paused by the user ("paused"), or no camera ("off"), or no observation at
  all for ``max_gap_seconds``: unknown. Nothing builds, nothing recovers,
  the sitting clock stands still, and open fault episodes end at the last
  moment they were seen.

Per fault, a frame's reading is over, under or unknown (its landmarks not
visible, another view than the baseline's). A fault starts when most known
readings of the last ``majority_seconds`` are over and ends when most are
under; unknown readings do not vote and do not change the load. While a
fault is active its load grows one second per second of known time,
otherwise it falls by ``recovery_rate`` per second; a reminder is due when
the load reaches ``hold_seconds``, then again after ``cooldown_minutes``
while the fault goes on.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from . import faults, movement
from .baseline import Baseline
from .events import (
    Alert,
    Away,
    Back,
    Break,
    Calibrated,
    CalibrationWaiting,
    Event,
    FaultEnd,
    FaultStart,
    Presence,
)
from .faults import Config
from .features import Features

# What the camera could tell at an observation.
OK, BUSY, OFF, PAUSED, ASLEEP = "ok", "busy", "off", "paused", "asleep"
# Frames whose median position is compared, so one jittery frame is not a movement.
_MOTION_FRAMES = 5
MIN_VOTES = 5
# Presence states in which posture is not known.
_UNKNOWING = ("call", "paused", "unknown")


@dataclass(frozen=True)
class Observation:
    """One moment: when, what the camera saw or why it saw nothing, and the local wall time.

    ``t`` is seconds on a clock that only moves forward in normal use (a
    monotonic clock live, the position in the file on replay). ``features``
    is empty when nobody was seen. ``wall`` is the local wall time of ``t``:
    it drives quiet hours, the daily cap, snooze and the times in events;
    None leaves them out. ``do_not_disturb`` holds reminders (a fullscreen
    window, the desktop's do-not-disturb).
    """

    t: float
    view: str | None = None
    features: Features = field(default_factory=dict)
    wall: datetime | None = None
    do_not_disturb: bool = False
    camera: str = OK


@dataclass
class Track:
    """One decision unit's timeline: a fault, or a family of faults decided together.

    ``fault`` is the fault that names the current (or last) episode.
    """

    fault: str = ""
    active: bool = False
    since: float = 0.0
    # When the posture began, kept when a family's episode changes its name: what a reminder says was held.
    held_since: float = 0.0
    side: str | None = None
    load: float = 0.0
    peak: float = 0.0
    window: deque[tuple[float, bool, str | None, str | None]] = field(default_factory=deque)
    # Time of the last known reading, while known time runs on from it.
    last_known: float | None = None
    # When the last episode ended: onset is never credited before it.
    ended: float = -math.inf
    last_alert: float | None = None
    reminders: int = 0


@dataclass
class State:
    """Everything the engine remembers between observations."""

    baseline: Baseline | None = None
    calibrate_seconds: float | None = None
    calibration_start: float | None = None
    calibration_asked: float | None = None
    calibration_samples: list[tuple[str | None, Features]] = field(default_factory=list)
    calibration_waiting: bool = False
    last_t: float | None = None
    presence: str = "nobody"
    last_seen: float | None = None
    away_since: float | None = None
    sitting_seconds: float = 0.0
    sitting_started: bool = False
    still_since: float | None = None
    still_ref: dict[str, float] = field(default_factory=dict)
    recent_positions: deque[dict[str, float]] = field(default_factory=lambda: deque(maxlen=_MOTION_FRAMES))
    tracks: dict[str, Track] = field(default_factory=dict)
    sitting: Track = field(default_factory=Track)
    last_notification: float | None = None
    snoozed_until: datetime | None = None
    day: date | None = None
    day_count: int = 0

    @property
    def away(self) -> bool:
        return self.away_since is not None

    @property
    def calibrating(self) -> bool:
        return self.calibrate_seconds is not None


@dataclass(frozen=True)
class Status:
    """What the engine knows now, for the tray and the analysis rate; never its internals."""

    presence: str
    calibrating: bool
    away: bool
    sitting_seconds: float
    # The active fault nearest its reminder: (fault, side, seconds held, load / hold).
    worst: tuple[str, str | None, float, float] | None
    # A fault is active or being voted on: look closely.
    deciding: bool


def new_state(baseline: Baseline | None = None, calibrate_seconds: float | None = None) -> State:
    """A fresh state, with a stored baseline or one to be taken from the first seconds the user is seen."""
    state = State(baseline=baseline)
    if calibrate_seconds is not None:
        recalibrate(state, calibrate_seconds)
    return state


def recalibrate(state: State, seconds: float) -> None:
    """Take a new baseline from the next ``seconds`` in which the user is seen."""
    state.calibrate_seconds, state.calibration_start, state.calibration_samples = seconds, None, []
    state.calibration_asked, state.calibration_waiting = None, False


def snooze(state: State, until: datetime) -> None:
    """Hold reminders until the local wall time ``until``."""
    state.snoozed_until = until


def done(state: State, kind: str) -> None:
    """The user did the suggested stretch: that fault's load starts again from zero."""
    track = state.sitting if kind == "sitting" else next((t for t in state.tracks.values() if t.fault == kind), None)
    if track is not None:
        track.load = 0.0
        track.reminders = 0
    if kind == "sitting":
        state.sitting_seconds = 0.0


def status(state: State, config: Config) -> Status:
    """A read-only summary of ``state``."""
    t = state.last_t or 0.0
    worst = None
    active = [track for track in state.tracks.values() if track.active]
    if active:
        track = max(active, key=lambda tr: tr.load / config["faults"][tr.fault]["hold_seconds"])
        worst = (track.fault, track.side, t - track.since, track.load / config["faults"][track.fault]["hold_seconds"])
    deciding = state.calibrating or any(
        track.active or any(vote[1] for vote in track.window) for track in state.tracks.values()
    )
    return Status(state.presence, state.calibrating, state.away, state.sitting_seconds, worst, deciding)


def step(state: State, obs: Observation, config: Config) -> list[Event]:
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
    presence = _presence(obs)
    last = state.last_t
    if obs.camera == ASLEEP and last is not None and not state.away:
        # Asleep or locked since the last observation: that time was away.
        _go_away(state, obs, t, last, "asleep", events)
    elif (
        last is not None
        and t - last > config["presence"]["max_gap_seconds"]
        and not state.away
        and state.presence != "unknown"
    ):
        # Nothing was heard for too long and nobody said why: unknown from the last observation.
        _set_presence(state, obs, "unknown", last, events)
    dt = t - last if last is not None else 0.0
    if state.presence in ("seen", "nobody", "call") and not state.away and state.sitting_started:
        state.sitting_seconds += dt
    state.last_t = t

    if presence == "seen":
        if state.away:
            _come_back(state, obs, config, events)
        state.last_seen = t
        state.sitting_started = True
        _set_presence(state, obs, "seen", t, events)
    elif presence == "nobody":
        # Unseen time counts neither as held nor as sitting well.
        for track in state.tracks.values():
            track.last_known = None
        if not state.away:
            _set_presence(state, obs, "nobody", t, events)
            gone_since = state.last_seen if state.last_seen is not None else t
            if t - gone_since >= config["presence"]["away_seconds"]:
                _go_away(state, obs, t, gone_since, "nobody", events)
    elif presence in _UNKNOWING:
        if state.away:
            # Unknown after time away: the away period ends where knowledge ends.
            _come_back(state, obs, config, events)
        _set_presence(state, obs, presence, t, events)
    if state.calibrating:
        _calibrate(state, obs, presence, events)
    if presence == "seen" and state.baseline is not None and obs.view == state.baseline.view:
        _update_faults(state, obs, config, events)
        _update_stillness(state, obs, config, events)
    if presence == "seen":
        _maybe_alert(state, obs, config, events)
    return events


def _presence(obs: Observation) -> str:
    if obs.camera == OK:
        return "seen" if obs.features else "nobody"
    return {BUSY: "call", PAUSED: "paused"}.get(obs.camera, "unknown")


def _wall(obs: Observation, at: float) -> datetime | None:
    """The local wall time of engine time ``at``, from the observation's pair of clocks."""
    return None if obs.wall is None else obs.wall - timedelta(seconds=obs.t - at)


def _set_presence(state: State, obs: Observation, presence: str, since: float, events: list[Event]) -> None:
    """Change what the camera can tell; changes into and out of not knowing are events."""
    previous, state.presence = state.presence, presence
    if presence == previous:
        return
    if presence in _UNKNOWING:
        # Posture is not known from here on: open episodes end where it was last known.
        _suspend_tracks(state, obs, since, events)
    if presence in _UNKNOWING or previous in _UNKNOWING:
        events.append(Presence(obs.t, obs.wall, presence, since, _wall(obs, since)))


def _suspend_tracks(state: State, obs: Observation, at: float, events: list[Event]) -> None:
    for track in state.tracks.values():
        if track.active:
            _end(track, obs, min(at, track.last_known if track.last_known is not None else at), events)
        track.window.clear()
        track.last_known = None
    state.still_since, state.still_ref = None, {}
    state.recent_positions.clear()


def _shift(state: State, offset: float) -> None:
    """The clock went backwards: move every remembered time so nothing lies in the future."""
    for name in ("calibration_start", "calibration_asked", "last_t", "last_seen", "away_since", "still_since"):
        value = getattr(state, name)
        if value is not None:
            setattr(state, name, value + offset)
    if state.last_notification is not None:
        state.last_notification += offset
    for track in [*state.tracks.values(), state.sitting]:
        track.since += offset
        track.held_since += offset
        track.ended += offset
        if track.last_alert is not None:
            track.last_alert += offset
        if track.last_known is not None:
            track.last_known += offset
        track.window = deque((when + offset, *rest) for when, *rest in track.window)


def _go_away(state: State, obs: Observation, t: float, since: float, reason: str, events: list[Event]) -> None:
    _suspend_tracks(state, obs, since, events)
    state.away_since = since
    state.presence = "away"
    events.append(Away(t, _wall(obs, t), since, _wall(obs, since), reason))


def _come_back(state: State, obs: Observation, config: Config, events: list[Event]) -> None:
    assert state.away_since is not None
    t = obs.t
    gone = t - state.away_since
    state.away_since = None
    events.append(Back(t, obs.wall, round(gone, 3)))
    rate = config["load"]["recovery_rate"]
    for track in state.tracks.values():
        track.load = max(0.0, track.load - rate * gone)
    if gone >= config["presence"]["away_seconds"]:
        events.append(Break(t, obs.wall, round(gone, 3)))
        state.sitting_seconds = 0.0
        state.sitting = Track()


def _calibrate(state: State, obs: Observation, presence: str, events: list[Event]) -> None:
    """Collect ``calibrate_seconds`` from the first moment the user is seen; wait (once said) while they are not."""
    assert state.calibrate_seconds is not None
    t = obs.t
    if state.calibration_asked is None:
        state.calibration_asked = t
    start = state.calibration_start
    if start is not None and t - start >= state.calibrate_seconds:
        baseline = Baseline.from_samples(state.calibration_samples)
        if baseline is not None:
            state.baseline = baseline
            state.calibrate_seconds = state.calibration_start = state.calibration_asked = None
            state.calibration_samples, state.calibration_waiting = [], False
            events.append(Calibrated(t, obs.wall, baseline.view, baseline.frames, dict(baseline.median)))
            return
        # The user was in view too little of the time: start again when they are.
        _calibration_waits(state, obs, events)
        state.calibration_start = start = None
    if presence != "seen":
        if start is None and t - state.calibration_asked >= state.calibrate_seconds:
            _calibration_waits(state, obs, events)
        return
    if start is None:
        state.calibration_start = t
    state.calibration_samples.append((obs.view, obs.features))


def _calibration_waits(state: State, obs: Observation, events: list[Event]) -> None:
    """Say once that calibration waits for the user to sit in view."""
    if not state.calibration_waiting:
        state.calibration_waiting = True
        events.append(CalibrationWaiting(obs.t, obs.wall, len(state.calibration_samples)))
    state.calibration_samples = []


def _update_faults(state: State, obs: Observation, config: Config, events: list[Event]) -> None:
    assert state.baseline is not None
    readings = faults.read(obs.features, state.baseline, config)
    release = config["detection"]["release_fraction"]
    for unit, members in faults.UNITS.items():
        track = state.tracks.setdefault(unit, Track(fault=members[-1]))
        enabled = tuple(m for m in members if config["faults"][m]["enabled"])
        if track.fault not in enabled:
            # Switched off in the settings: its episode ends and its load is forgotten.
            if track.active:
                _end(track, obs, obs.t, events)
            track = state.tracks[unit] = Track(fault=(enabled or members)[-1])
        if not enabled:
            continue
        decided = faults.decide(readings, enabled, track.fault if track.active else None)
        if decided is None:
            continue  # unknown: no vote, no load
        reading, named = decided
        over = faults.over(reading, track.active, release)
        _observe(track, obs, over, reading.side, named, config, events)


def _observe(
    track: Track,
    obs: Observation,
    over: bool,
    side: str | None,
    named: str | None,
    config: Config,
    events: list[Event],
) -> None:
    """Feed one known verdict into a unit's majority window and load."""
    t = obs.t
    dt = t - track.last_known if track.last_known is not None else 0.0
    track.last_known = t
    window = config["detection"]["majority_seconds"]
    track.window.append((t, over, side, named))
    # The vote covers the last majority_seconds, but never fewer than a few
    # known readings: with the camera sampled every few seconds it spans samples.
    while len(track.window) > MIN_VOTES and track.window[0][0] < t - window:
        track.window.popleft()
    overs = [vote for vote in track.window if vote[1]]
    majority = len(overs) * 2 > len(track.window)
    names = Counter(vote[3] for vote in overs if vote[3])
    other = names.most_common(1)[0] if len(names) == 1 else None
    if majority and track.active and other and other[0] != track.fault and other[1] >= MIN_VOTES:
        # The same posture is now clearly another fault of the family: a new episode under its
        # name; the load and the time it has been held go on.
        held_since = track.held_since
        _end(track, obs, t, events)
        _start(track, obs, t, other[0], config, events)
        track.held_since = held_since
        return
    if majority and not track.active:
        # The posture began with the first reading of the window outside
        # neutral (never before the last episode ended); the vote only
        # confirms it, so that time counts as held.
        onset = max(overs[0][0], track.ended)
        sides = Counter(vote[2] for vote in overs if vote[2])
        track.side = sides.most_common(1)[0][0] if sides else None
        named_most = names.most_common(1)[0][0] if names else track.fault
        track.load += t - onset
        _start(track, obs, onset, named_most, config, events)
    elif not majority and track.active:
        _end(track, obs, t, events)
    elif track.active:
        # Capped so that recovery after a very long hold takes bounded time.
        track.load = min(track.load + dt, 2.0 * config["faults"][track.fault]["hold_seconds"])
        track.peak = max(track.peak, track.load)
    if not track.active and not over:
        # A reading outside neutral awaiting the vote neither builds nor recovers:
        # if the vote confirms it, the onset credit above counts that time.
        track.load = max(0.0, track.load - config["load"]["recovery_rate"] * dt)


def _start(track: Track, obs: Observation, since: float, fault: str, config: Config, events: list[Event]) -> None:
    track.active, track.since, track.held_since, track.fault = True, since, since, fault
    track.load = min(track.load, 2.0 * config["faults"][fault]["hold_seconds"])
    track.peak = track.load
    events.append(FaultStart(obs.t, obs.wall, fault, track.side, since, _wall(obs, since)))


def _end(track: Track, obs: Observation, at: float, events: list[Event]) -> None:
    at = max(at, track.since)
    events.append(
        FaultEnd(
            obs.t,
            obs.wall,
            track.fault,
            track.side,
            track.since,
            _wall(obs, track.since),
            round(at - track.since, 3),
            round(track.peak, 3),
        )
    )
    track.active = False
    track.ended = at
    track.reminders = 0


def _update_stillness(state: State, obs: Observation, config: Config, events: list[Event]) -> None:
    """``static_posture``: head and shoulders have not moved meaningfully for ``static_minutes``."""
    name = "static_posture"
    track = state.tracks.setdefault(name, Track(fault=name))
    if not config["faults"][name]["enabled"]:
        if track.active:
            _end(track, obs, obs.t, events)
        state.tracks[name] = Track(fault=name)
        return
    state.recent_positions.append(movement.body_position(obs.features))
    position = {
        k: statistics.median(p[k] for p in state.recent_positions if k in p)
        for k in movement.POSITIONS
        if any(k in p for p in state.recent_positions)
    }
    moved = movement.distance(state.still_ref, position) > config["breaks"]["static_motion"]
    if state.still_since is None or moved or not state.still_ref:
        state.still_since, state.still_ref = obs.t, position
    still = obs.t - state.still_since >= config["breaks"]["static_minutes"] * 60
    # Stillness is a verdict over minutes already; it needs no majority vote.
    track.window.clear()
    _observe(track, obs, still, None, name, config, events)


def _maybe_alert(state: State, obs: Observation, config: Config, events: list[Event]) -> None:
    t, notify = obs.t, config["notify"]
    if obs.wall is not None and obs.wall.date() != state.day:
        state.day, state.day_count = obs.wall.date(), 0
    candidates = []
    cooldown = notify["cooldown_minutes"] * 60
    for track in state.tracks.values():
        hold = config["faults"][track.fault]["hold_seconds"]
        if track.active and track.load >= hold and (track.last_alert is None or t - track.last_alert >= cooldown):
            candidates.append((track.load / hold, track.fault, track))
    sitting_limit = config["breaks"]["sitting_minutes"] * 60
    if state.sitting_seconds >= sitting_limit:
        last = state.sitting.last_alert
        if last is None or t - last >= cooldown:
            candidates.append((state.sitting_seconds / sitting_limit, "sitting", state.sitting))
    if not candidates or _held_back(state, obs, config):
        return
    if obs.do_not_disturb:
        if notify["after_do_not_disturb"] == "drop":
            # Dropped: as if shown, so each waits its cooldown before coming back.
            for _, _, track in candidates:
                track.last_alert = t
        return
    _, name, track = max(candidates, key=lambda c: c[0])
    if name == "sitting":
        held, side = state.sitting_seconds, None
    else:
        held, side = t - track.held_since, track.side
        if name == "static_posture" and state.still_since is not None:
            held = t - state.still_since
    muscles = faults.muscles_for(name, side)
    events.append(Alert(t, obs.wall, name, side, round(held, 3), round(track.load, 3), track.reminders, muscles))
    track.last_alert = t
    track.reminders += 1
    state.last_notification = t
    state.day_count += 1


def _held_back(state: State, obs: Observation, config: Config) -> bool:
    """Whether snooze, the minimum gap, quiet hours or the daily cap hold reminders now."""
    t, notify = obs.t, config["notify"]
    if state.last_notification is not None and t - state.last_notification < notify["min_gap_minutes"] * 60:
        return True
    if obs.wall is None:
        return False
    if state.snoozed_until is not None and obs.wall < state.snoozed_until:
        return True
    if notify["daily_cap"] and state.day_count >= notify["daily_cap"]:
        return True
    quiet = quiet_hours(config)
    if quiet is not None:
        now = obs.wall.hour * 60 + obs.wall.minute
        start, end = quiet
        if start <= now < end if start <= end else (now >= start or now < end):
            return True
    return False


def quiet_hours(config: Config) -> tuple[int, int] | None:
    """Quiet hours as (start, end) minutes after midnight, or None when unset."""
    start, end = config["notify"]["quiet_start"], config["notify"]["quiet_end"]
    if not start or not end:
        return None

    def minutes(hhmm: str) -> int:
        h, m = hhmm.split(":")
        return int(h) * 60 + int(m)

    return minutes(start), minutes(end)
