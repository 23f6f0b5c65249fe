"""The decision core: timestamped features in, events out. No clock, no I/O.

``step(state, observation, config)`` advances the state and returns the
events: ``calibrated``, ``fault_start``, ``fault_end``, ``away``, ``back``,
``break`` and ``alert`` (a reminder to show now). The same code runs for the
live camera and for replay; the shell around it reads frames, shows
reminders and stores history.

Timing in brief: a fault starts when most frames of the last
``majority_seconds`` are outside neutral and ends when most are back inside.
While it is active its load grows one second per second, otherwise it falls
by ``recovery_rate`` per second; a reminder is due when the load reaches
``hold_seconds``, then again after ``cooldown_minutes`` while the fault goes
on. Nobody seen for ``away_seconds``, or a gap in timestamps, is time away:
faults end, load recovers, and a long enough absence is a break.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from . import faults
from .advice import message
from .calibration import Baseline
from .config import Config, quiet_hours
from .features import Features
from .muscles import muscles_for
from .stretches import Rotation, available, choose

Event = dict[str, Any]
_MOTION_KEYS = ("head_x", "head_y", "shoulder_x", "shoulder_y")
# Frames whose median position is compared, so one jittery frame is not a movement.
_MOTION_FRAMES = 5
MIN_VOTES = 3


@dataclass(frozen=True)
class Observation:
    """One analysed frame: when, what the camera saw, and the local wall time.

    ``t`` is seconds on any clock that only moves forward in normal use (a
    monotonic clock live, the position in the file on replay). ``features``
    is empty when nobody was seen. ``local`` drives quiet hours and the daily
    cap; None leaves both out. ``do_not_disturb`` holds reminders (a
    fullscreen window, the desktop's do-not-disturb); what happens to them
    afterwards is ``notify.after_do_not_disturb``.
    """

    t: float
    view: str | None = None
    features: Features = field(default_factory=dict)
    local: datetime | None = None
    do_not_disturb: bool = False


@dataclass
class Track:
    """One fault's timeline."""

    active: bool = False
    since: float = 0.0
    side: str | None = None
    load: float = 0.0
    peak: float = 0.0
    window: deque[tuple[float, bool, str | None]] = field(default_factory=deque)
    last_alert: float | None = None
    reminders: int = 0


@dataclass
class State:
    """Everything the engine remembers between frames."""

    baseline: Baseline | None = None
    calibrate_seconds: float | None = None
    calibrate_until: float | None = None
    calibration_samples: list[tuple[str | None, Features]] = field(default_factory=list)
    last_t: float | None = None
    last_was_present: bool = False
    last_seen: float | None = None
    away_since: float | None = None
    sitting_since: float | None = None
    still_since: float | None = None
    still_ref: dict[str, float] = field(default_factory=dict)
    recent_positions: deque[dict[str, float]] = field(default_factory=lambda: deque(maxlen=_MOTION_FRAMES))
    tracks: dict[str, Track] = field(default_factory=dict)
    sitting: Track = field(default_factory=Track)
    last_notification: float | None = None
    snoozed_until: float | None = None
    day: date | None = None
    day_count: int = 0
    rotation: Rotation = field(default_factory=Rotation)

    @property
    def away(self) -> bool:
        return self.away_since is not None


def new_state(baseline: Baseline | None = None, calibrate_seconds: float | None = None) -> State:
    """A fresh state, with a stored baseline or one to be taken from the first seconds."""
    state = State(baseline=baseline)
    if calibrate_seconds is not None:
        recalibrate(state, calibrate_seconds)
    return state


def recalibrate(state: State, seconds: float) -> None:
    """Take a new baseline from the next ``seconds`` of observations."""
    state.calibrate_seconds, state.calibrate_until, state.calibration_samples = seconds, None, []


def snooze(state: State, t: float, minutes: float) -> None:
    """Hold reminders until ``t + minutes``."""
    state.snoozed_until = t + minutes * 60


def done(state: State, kind: str) -> None:
    """The user did the suggested stretch: that fault's load starts again from zero."""
    track = state.sitting if kind == "sitting" else state.tracks.get(kind)
    if track is not None:
        track.load = 0.0
        track.reminders = 0
    if kind == "sitting" and state.last_t is not None:
        state.sitting_since = state.last_t


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
    gap = state.last_t is not None and t - state.last_t > config["presence"]["max_gap_seconds"]
    if gap and not state.away:
        # A gap (sleep, camera stopped) is time away, never a posture held through it.
        assert state.last_t is not None
        _go_away(state, state.last_t, state.last_t, events)
    present = bool(obs.features)
    # Load counts only time between two frames that both saw the user.
    dt = t - state.last_t if state.last_t is not None and state.last_was_present and not state.away else 0.0
    state.last_t, state.last_was_present = t, present

    if present:
        if state.away:
            _come_back(state, t, config, events)
        state.last_seen = t
        if state.sitting_since is None:
            state.sitting_since = t
    elif not state.away and state.last_seen is not None and t - state.last_seen >= config["presence"]["away_seconds"]:
        _go_away(state, t, state.last_seen, events)

    if state.calibrate_seconds is not None:
        _calibrate(state, obs, events)
    if present and state.baseline is not None and obs.view == state.baseline.view:
        _update_faults(state, obs, dt, config, events)
        _update_stillness(state, obs, dt, config, events)
    elif present:
        # Wrong view or no baseline yet: no evidence either way, so no fault.
        for name, track in state.tracks.items():
            _observe(state, name, track, t, False, None, dt, config, events)
    _maybe_alert(state, obs, config, events)
    return events


def _shift(state: State, offset: float) -> None:
    """The clock went backwards: move every remembered time so nothing lies in the future."""
    for name in (
        "calibrate_until",
        "last_t",
        "last_seen",
        "away_since",
        "sitting_since",
        "still_since",
        "last_notification",
        "snoozed_until",
    ):
        value = getattr(state, name)
        if value is not None:
            setattr(state, name, value + offset)
    for track in [*state.tracks.values(), state.sitting]:
        track.since += offset
        if track.last_alert is not None:
            track.last_alert += offset
        track.window = deque((when + offset, flag, side) for when, flag, side in track.window)


def _go_away(state: State, t: float, since: float, events: list[Event]) -> None:
    for name, track in state.tracks.items():
        if track.active:
            _end(name, track, t, events)
        track.window.clear()
    state.away_since = since
    events.append({"t": t, "event": "away", "since": since})


def _come_back(state: State, t: float, config: Config, events: list[Event]) -> None:
    assert state.away_since is not None
    gone = t - state.away_since
    state.away_since = None
    events.append({"t": t, "event": "back", "away_seconds": round(gone, 3)})
    rate = config["load"]["recovery_rate"]
    for track in state.tracks.values():
        track.load = max(0.0, track.load - rate * gone)
    if gone >= config["presence"]["away_seconds"]:
        events.append({"t": t, "event": "break", "seconds": round(gone, 3)})
        state.sitting_since = t
        state.sitting = Track()
        state.still_since = None
        state.still_ref = {}
        state.recent_positions.clear()


def _calibrate(state: State, obs: Observation, events: list[Event]) -> None:
    assert state.calibrate_seconds is not None
    if state.calibrate_until is None:
        state.calibrate_until = obs.t + state.calibrate_seconds
    if obs.t < state.calibrate_until:
        state.calibration_samples.append((obs.view, obs.features) if obs.features else (None, {}))
        return
    state.baseline = Baseline.from_samples(state.calibration_samples)
    state.calibrate_seconds = state.calibrate_until = None
    state.calibration_samples = []
    events.append(
        {
            "t": obs.t,
            "event": "calibrated",
            "view": state.baseline.view,
            "frames": state.baseline.frames,
            "baseline": {k: round(v, 4) for k, v in state.baseline.median.items()},
        }
    )


def _update_faults(state: State, obs: Observation, dt: float, config: Config, events: list[Event]) -> None:
    assert state.baseline is not None
    readings = faults.read(obs.features, state.baseline, config)
    release = config["detection"]["release_fraction"]
    for name in faults.POSTURE_FAULTS:
        track = state.tracks.setdefault(name, Track())
        reading = readings.get(name)
        if not config["faults"][name]["enabled"]:
            if track.active:
                _end(name, track, obs.t, events)
            state.tracks[name] = Track()
            continue
        over = reading is not None and faults.over(reading, track.active, release)
        _observe(state, name, track, obs.t, over, reading.side if reading else None, dt, config, events)


def _observe(
    state: State,
    name: str,
    track: Track,
    t: float,
    over: bool,
    side: str | None,
    dt: float,
    config: Config,
    events: list[Event],
) -> None:
    """Feed one frame's verdict into a fault's majority window and load."""
    window = config["detection"]["majority_seconds"]
    track.window.append((t, over, side))
    # The vote covers the last majority_seconds, but never fewer than a few
    # frames: with the camera sampled every few seconds it spans samples.
    while len(track.window) > MIN_VOTES and track.window[0][0] < t - window:
        track.window.popleft()
    votes = [flag for _, flag, _ in track.window]
    majority = sum(votes) * 2 > len(votes)
    hold = config["faults"][name]["hold_seconds"]
    if majority and not track.active:
        # The posture began with the first frame of the window outside neutral;
        # the vote only confirms it, so that time counts as held.
        onset = next(when for when, flag, _ in track.window if flag)
        sides = Counter(s for _, flag, s in track.window if flag and s)
        track.active, track.since = True, onset
        track.side = sides.most_common(1)[0][0] if sides else None
        track.load = min(track.load + (t - onset), 2.0 * hold)
        track.peak = track.load
        events.append({"t": t, "event": "fault_start", "fault": name, "side": track.side, "since": onset})
    elif not majority and track.active:
        _end(name, track, t, events)
    elif track.active:
        # Capped so that recovery after a very long hold takes bounded time.
        track.load = min(track.load + dt, 2.0 * hold)
        track.peak = max(track.peak, track.load)
    if not track.active and not over:
        # A frame outside neutral awaiting the vote neither builds nor recovers:
        # if the vote confirms it, the onset credit above counts that time.
        track.load = max(0.0, track.load - config["load"]["recovery_rate"] * dt)


def _end(name: str, track: Track, t: float, events: list[Event]) -> None:
    events.append(
        {
            "t": t,
            "event": "fault_end",
            "fault": name,
            "side": track.side,
            "held_seconds": round(t - track.since, 3),
            "peak_load": round(track.peak, 3),
        }
    )
    track.active = False
    track.reminders = 0


def _update_stillness(state: State, obs: Observation, dt: float, config: Config, events: list[Event]) -> None:
    """``static_posture``: head and shoulders have not moved meaningfully for ``static_minutes``."""
    name = "static_posture"
    track = state.tracks.setdefault(name, Track())
    if not config["faults"][name]["enabled"]:
        if track.active:
            _end(name, track, obs.t, events)
        state.tracks[name] = Track()
        return
    # Positions in body units (shoulder widths), so the limit means the same near or far.
    scale = max(obs.features.get("scale", 0.0), 1e-3)
    state.recent_positions.append({k: obs.features[k] / scale for k in _MOTION_KEYS if k in obs.features})
    position = {
        k: statistics.median(p[k] for p in state.recent_positions if k in p)
        for k in _MOTION_KEYS
        if any(k in p for p in state.recent_positions)
    }
    limit = config["breaks"]["static_motion"]
    moved = any(abs(position[k] - state.still_ref[k]) > limit for k in position if k in state.still_ref)
    if state.still_since is None or moved or not state.still_ref:
        state.still_since, state.still_ref = obs.t, position
    still = obs.t - state.still_since >= config["breaks"]["static_minutes"] * 60
    # Stillness is a verdict over minutes already; it needs no majority vote.
    track.window.clear()
    _observe(state, name, track, obs.t, still, None, dt, config, events)


def _maybe_alert(state: State, obs: Observation, config: Config, events: list[Event]) -> None:
    t, notify = obs.t, config["notify"]
    if obs.local is not None and obs.local.date() != state.day:
        state.day, state.day_count = obs.local.date(), 0
    candidates = []
    cooldown = notify["cooldown_minutes"] * 60
    for name, track in state.tracks.items():
        hold = config["faults"][name]["hold_seconds"]
        if track.active and track.load >= hold and (track.last_alert is None or t - track.last_alert >= cooldown):
            candidates.append((track.load / hold, name, track))
    sitting_limit = config["breaks"]["sitting_minutes"] * 60
    if not state.away and state.sitting_since is not None and t - state.sitting_since >= sitting_limit:
        last = state.sitting.last_alert
        if last is None or t - last >= cooldown:
            candidates.append(((t - state.sitting_since) / sitting_limit, "sitting", state.sitting))
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
        assert state.sitting_since is not None
        held, side = t - state.sitting_since, None
    else:
        held, side = t - track.since, track.side
        if name == "static_posture" and state.still_since is not None:
            held = t - state.still_since
    muscles = muscles_for(name, side)
    escalated = track.reminders >= notify["escalate_after"]
    stretch = choose(available(config["stretches"]), "sitting" if escalated else name, muscles, state.rotation)
    title, body = message(name, side, held, muscles, stretch, track.reminders)
    events.append(
        {
            "t": t,
            "event": "alert",
            "fault": name,
            "side": side,
            "held_seconds": round(held, 3),
            "load": round(track.load, 3),
            "muscles": muscles,
            "level": track.reminders,
            "stretch": None
            if stretch is None
            else {
                "id": stretch.id,
                "name": stretch.name,
                "steps": stretch.for_side(side),
                "hold": stretch.hold,
            },
            "title": title,
            "body": body,
        }
    )
    track.last_alert = t
    track.reminders += 1
    state.last_notification = t
    state.day_count += 1


def _held_back(state: State, obs: Observation, config: Config) -> bool:
    """Whether snooze, the minimum gap, quiet hours or the daily cap hold reminders now."""
    t, notify = obs.t, config["notify"]
    if state.snoozed_until is not None and t < state.snoozed_until:
        return True
    if state.last_notification is not None and t - state.last_notification < notify["min_gap_minutes"] * 60:
        return True
    if obs.local is not None:
        if notify["daily_cap"] and state.day_count >= notify["daily_cap"]:
            return True
        quiet = quiet_hours(config)
        if quiet is not None:
            now = obs.local.hour * 60 + obs.local.minute
            start, end = quiet
            inside = start <= now < end if start <= end else (now >= start or now < end)
            if inside:
                return True
    return False
