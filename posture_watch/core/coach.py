"""The coach's judge: is the stretch being done? Features and times in; steps, holds, reps and feedback out.

Each catalogue entry names a check: a :data:`KINDS` entry and its parameters
(``check = { kind = "head", tilt = 15 }``). The check says which movement the
camera looks for, measured against the user's own neutral (``Baseline``) the
way the faults are: a target is the configured amount, widened where the
user's neutral is noisier than that. A :class:`Dose` says how long each hold
lasts (0 for a movement that is counted when it comes back), how many times,
and on which sides. :func:`step` advances a :class:`Session` by one analysed
frame and returns what happened; :func:`summary` says what was verified.

Sided stretches: ``side`` is the side being stretched, the side of the
posture the reminder was about; the movement goes toward the other side
("tilt your left ear toward your left shoulder" stretches the right).

A frame that does not show what a check reads is unknown: the hold neither
grows nor breaks, and after a moment the feedback says the camera cannot see.
A hold that is broken pauses; it goes on from where it was, never from zero.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .baseline import Baseline
from .events import json_fields
from .faults import Deviation
from .features import Features

_OTHER = {"left": "right", "right": "left"}
# A position counts as let go (ready for the next rep or hold) below this part of its target.
RELEASE = 0.4
# Feedback about how far to go is given from this part of the target on (below it, the step says it all).
CLOSE = 0.3
# Going this part of the target the other way is a movement the wrong way, not a neutral's noise.
WRONG = 0.6
# A gap between frames longer than this counts only this long toward a hold.
MAX_GAP = 1.0
# Seconds without a readable frame before the feedback says the camera cannot see.
UNSEEN_AFTER = 1.5
UNSEEN = "the camera cannot see you well: face it, head and shoulders in view"
# A slow repetition of a movement takes about this long (what a timed-only one is given).
REP_SECONDS = 5.0
# Holds up to this long are reps, where letting go early is moving too fast.
SHORT_HOLD = 5.0


@dataclass(frozen=True)
class Param:
    """One parameter of a check kind: its range, its default (None: required, or an optional target) and meaning."""

    low: float
    high: float
    default: float | None
    meaning: str


@dataclass(frozen=True)
class Kind:
    """A way of checking a stretch: the movement looked for and the parameters that set how far."""

    meaning: str
    params: Mapping[str, Param] = field(default_factory=dict)
    # The movement goes toward a side: only a sided stretch (the steps name the side) can use it.
    sided: bool = False
    # The camera checks it; False: timed only.
    verified: bool = True
    # Of these optional targets at least one must be given.
    one_of: tuple[str, ...] = ()


KINDS: dict[str, Kind] = {
    "timed": Kind("timed only: the camera cannot tell whether it is done, the window counts the time", verified=False),
    "head": Kind(
        "the head held toward the other side: every target given is reached at once",
        {
            "tilt": Param(5, 45, None, "head roll toward the other shoulder, degrees, against the trunk"),
            "turn": Param(0.05, 0.6, None, "head turned toward the other side, nose offset / ear-to-ear width"),
            "down": Param(0.01, 0.3, None, "nod down: the nose lower against the ears, shoulder widths"),
            "up": Param(0.01, 0.3, None, "chin up: the nose higher against the ears, shoulder widths"),
        },
        sided=True,
        one_of=("tilt", "turn", "down", "up"),
    ),
    "tuck": Kind(
        "the head glides straight back: the face smaller against the shoulders, without nodding down",
        {
            "glide": Param(0.01, 0.3, 0.04, "the face this much smaller against the shoulder width (0.04 = 4 %)"),
            "nod": Param(0.01, 0.3, 0.04, "a nose this much lower against the ears is a nod, not a tuck"),
        },
    ),
    "shrug": Kind(
        "both shoulders rise toward the ears and come down again, counted as cycles",
        {"rise": Param(0.01, 0.3, 0.04, "each shoulder this much nearer its ear, shoulder widths")},
    ),
    "squeeze": Kind(
        "the shoulders drawn back (narrower against the face) or down (further from the ears)",
        {
            "narrow": Param(0.01, 0.3, 0.04, "the shoulders this much narrower against the face (0.04 = 4 %)"),
            "down": Param(0.01, 0.3, 0.04, "each shoulder this much further from its ear, shoulder widths"),
        },
    ),
    "lean": Kind(
        "the trunk bent sideways toward the other side",
        {"degrees": Param(3, 45, 8, "trunk lean toward the other side, degrees")},
        sided=True,
    ),
    "away": Kind("nobody in view: up and away from the desk"),
    "look_away": Kind(
        "the head turned away from the screen, either way, or nobody in view",
        {"turn": Param(0.05, 0.6, 0.2, "head turned, nose offset / ear-to-ear width")},
    ),
}


@dataclass(frozen=True)
class Check:
    """A catalogue entry's check: a kind of :data:`KINDS` and its parameters (defaults filled in)."""

    kind: str = "timed"
    params: Mapping[str, float] = field(default_factory=dict)

    @property
    def verified(self) -> bool:
        return KINDS[self.kind].verified


def check_problem(kind: str, params: Mapping[str, Any], sided: bool) -> str | None:
    """What is wrong with a check as written in the catalogue, or None; the loader turns it into a message."""
    if kind not in KINDS:
        return f"unknown check kind '{kind}'; known: {', '.join(KINDS)}"
    spec = KINDS[kind]
    for name, value in params.items():
        if name not in spec.params:
            allowed = ", ".join(spec.params) or "none"
            return f"check kind '{kind}' has no parameter '{name}'; its parameters: {allowed}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"check parameter '{name}' must be a number"
        p = spec.params[name]
        if not p.low <= value <= p.high:
            return f"check parameter '{name}' = {value:g} is outside {p.low:g} to {p.high:g} ({p.meaning})"
    if spec.one_of and not any(name in params for name in spec.one_of):
        return f"check kind '{kind}' needs at least one of {', '.join(spec.one_of)}"
    if spec.sided and not sided:
        return f"check kind '{kind}' moves toward a side: the stretch needs sided = true and steps naming {{other}}"
    return None


def make_check(kind: str, params: Mapping[str, float]) -> Check:
    """A checked kind and parameters (see :func:`check_problem`) with the defaults filled in."""
    defaults = {k: p.default for k, p in KINDS[kind].params.items() if p.default is not None}
    return Check(kind, {**defaults, **{k: float(v) for k, v in params.items()}})


@dataclass(frozen=True)
class Dose:
    """What is asked: holds of ``seconds`` (0: a movement, counted when it comes back), ``times`` on each side."""

    seconds: float
    times: int
    # The sides stretched, in order; (None,) for a stretch without sides.
    sides: tuple[str | None, ...] = (None,)

    @property
    def total_seconds(self) -> float:
        """How long a timed-only stretch runs (a movement counted as a slow one of ``REP_SECONDS``)."""
        return (self.seconds or REP_SECONDS) * self.times * len(self.sides)


@dataclass(frozen=True)
class Position:
    """How far one frame is toward a check's target: ``progress`` 1.0 is there, None unknown."""

    progress: float | None
    # What to change, in plain words; None when the step already says it.
    hint: str | None = None
    # A wrong movement (a nod instead of a tuck): not counted however far it goes.
    blocked: bool = False

    @property
    def reached(self) -> bool:
        return self.progress is not None and self.progress >= 1.0 and not self.blocked

    @property
    def released(self) -> bool:
        """Back near neutral (not gone the other way) or blocked: ready for the next hold or rep."""
        return self.progress is not None and (abs(self.progress) <= RELEASE or self.blocked)


UNKNOWN = Position(None)
# One target of a check: (progress, what to say when short of it, what to say when going the wrong way).
_Target = tuple[float, str, str]


def _toward(targets: list[_Target]) -> Position:
    """The position of the furthest-behind target, with its feedback."""
    progress, short, wrong = min(targets, key=lambda target: target[0])
    hint = wrong if progress <= -WRONG else short if CLOSE <= progress < 1.0 else None
    return Position(progress, hint)


def _head(d: Deviation, p: Mapping[str, float], toward: str | None) -> Position:
    sign = 1.0 if toward == "right" else -1.0
    targets: list[_Target] = []
    if "tilt" in p:
        if not d.has("head_roll"):
            return UNKNOWN
        # Against the trunk, as the head tilt fault reads it: bending the whole body is not a neck stretch.
        roll = (d.delta("head_roll") - d.lean()) * sign
        targets.append(
            (
                roll / d.threshold("head_roll", p["tilt"]),
                f"tilt a little further: your {toward} ear toward your {toward} shoulder",
                f"the other way: your {toward} ear toward your {toward} shoulder",
            )
        )
    if "turn" in p:
        if not d.has("head_yaw"):
            return UNKNOWN
        yaw = d.delta("head_yaw") * sign
        targets.append(
            (
                yaw / d.threshold("head_yaw", p["turn"]),
                f"turn a little further to your {toward}",
                f"the other way: turn to your {toward}",
            )
        )
    for key, sign_, short, wrong in (
        ("down", -1.0, "nod a little further down", "chin down, not up"),
        ("up", 1.0, "lift your chin a little higher", "chin up, not down"),
    ):
        if key in p:
            if not d.has("nose_lift"):
                return UNKNOWN
            lift = d.delta("nose_lift") * sign_
            targets.append((lift / d.threshold("nose_lift", p[key]), short, wrong))
    return _toward(targets)


def _tuck(d: Deviation, p: Mapping[str, float], toward: str | None) -> Position:
    if not d.has("shoulder_span", "nose_lift"):
        return UNKNOWN
    # The face gets smaller as the head glides back; against the shoulders, so leaning back is not a tuck.
    glide = d.growth("shoulder_span") / d.threshold("shoulder_span", p["glide"], relative=True)
    if -d.delta("nose_lift") >= d.threshold("nose_lift", p["nod"]):
        return Position(glide, "keep your eyes level: glide back, do not nod", blocked=True)
    return _toward([(glide, "glide your head back a little further", "back, not forward: glide your head back")])


def _shrug(d: Deviation, p: Mapping[str, float], toward: str | None) -> Position:
    left, right = "left_shoulder_elevation", "right_shoulder_elevation"
    if not d.has(left, right):
        return UNKNOWN
    # An elevation falls as its shoulder rises toward the ear.
    rises = [-d.delta(key) / d.threshold(key, p["rise"]) for key in (left, right)]
    position = _toward([(min(rises), "lift your shoulders higher, toward your ears", "shoulders up, toward your ears")])
    if position.hint is None and position.progress is not None and position.progress < 1.0 and max(rises) >= 1.0:
        return Position(position.progress, "lift both shoulders together")
    return position


def _squeeze(d: Deviation, p: Mapping[str, float], toward: str | None) -> Position:
    left, right = "left_shoulder_elevation", "right_shoulder_elevation"
    targets: list[float] = []
    if d.has("shoulder_span"):
        targets.append(-d.growth("shoulder_span") / d.threshold("shoulder_span", p["narrow"], relative=True))
    if d.has(left, right):
        targets.append(min(d.delta(key) / d.threshold(key, p["down"]) for key in (left, right)))
    if not targets:
        return UNKNOWN
    # Back or down, whichever the camera sees better.
    return _toward([(max(targets), "draw your shoulders a little further back and down", "shoulders back and down")])


def _lean(d: Deviation, p: Mapping[str, float], toward: str | None) -> Position:
    if not d.has("trunk_lean") and not d.has("shoulder_x", "shoulder_tilt", "scale"):
        return UNKNOWN
    sign = 1.0 if toward == "right" else -1.0
    key = "trunk_lean" if d.has("trunk_lean") else "shoulder_tilt"
    return _toward(
        [
            (
                d.lean() * sign / d.threshold(key, p["degrees"]),
                f"bend a little further to your {toward}",
                f"the other way: bend to your {toward}",
            )
        ]
    )


def _away(d: Deviation, p: Mapping[str, float], toward: str | None) -> Position:
    return Position(1.0 if not d.features else 0.0)


def _look_away(d: Deviation, p: Mapping[str, float], toward: str | None) -> Position:
    if not d.features:
        return Position(1.0)
    if not d.has("head_yaw"):
        return UNKNOWN
    return _toward([(abs(d.delta("head_yaw")) / d.threshold("head_yaw", p["turn"]), "look further away", "")])


_READ: dict[str, Callable[[Deviation, Mapping[str, float], str | None], Position]] = {
    "head": _head,
    "tuck": _tuck,
    "shrug": _shrug,
    "squeeze": _squeeze,
    "lean": _lean,
    "away": _away,
    "look_away": _look_away,
}


def position(
    check: Check, features: Features, baseline: Baseline, sigmas: float, side: str | None, view: str | None = "front"
) -> Position:
    """Where one frame is against ``check``'s target, for a stretch of ``side``: its ``view`` and ``features``."""
    read = _READ.get(check.kind)
    d = Deviation(features, baseline, sigmas)
    if read is None:
        return UNKNOWN
    if check.kind == "away":
        return read(d, check.params, None)
    if check.kind == "look_away" and features and view != baseline.view:
        # Seen in profile by a camera that saw the neutral from the front: turned right away from the screen.
        return Position(1.0)
    if features and (view != baseline.view or baseline.view != "front"):
        return UNKNOWN  # the other checks read the front view
    if not features and check.kind != "look_away":
        return UNKNOWN
    return read(d, check.params, _OTHER.get(side or ""))


# Events of a session. Each has the time of the frame it happened at and its JSON form.


@dataclass(frozen=True)
class CoachEvent:
    kind: ClassVar[str] = "event"
    t: float

    def to_dict(self) -> dict[str, Any]:
        """The JSON line of the event: ``t`` and ``event`` first, seconds to hundredths."""
        return json_fields(self, 2)


@dataclass(frozen=True)
class StepShown(CoachEvent):
    """A side begins (or the stretch, without sides): its steps are shown."""

    kind: ClassVar[str] = "step"
    side: str | None
    # 1 for the first side, 2 for the second.
    number: int


@dataclass(frozen=True)
class HoldDone(CoachEvent):
    """A hold reached its time: the ``n``-th of ``of`` on ``side``."""

    kind: ClassVar[str] = "hold"
    side: str | None
    seconds: float
    n: int
    of: int


@dataclass(frozen=True)
class RepDone(CoachEvent):
    """A movement went there and came back: the ``n``-th of ``of`` on ``side``."""

    kind: ClassVar[str] = "rep"
    side: str | None
    n: int
    of: int


@dataclass(frozen=True)
class Feedback(CoachEvent):
    """What to change now, in plain words."""

    kind: ClassVar[str] = "feedback"
    text: str


@dataclass(frozen=True)
class Finished(CoachEvent):
    """The whole dose is done."""

    kind: ClassVar[str] = "finished"


@dataclass
class Session:
    """One coached stretch under way: what is asked, what has been done, what the last frame showed."""

    stretch: str
    check: Check
    dose: Dose
    baseline: Baseline
    sigmas: float
    started: float | None = None
    last_t: float | None = None
    # Index into dose.sides, and what each side has done so far.
    side_index: int = 0
    done: list[int] = field(default_factory=list)
    # Seconds of the hold under way (paused, not lost, while it is broken).
    held: float = 0.0
    # The last frame was in position (so the time since it counts).
    was_in: bool = False
    # A hold or rep was counted: the position must be let go before the next.
    waiting_release: bool = False
    # A movement reached its target and counts when it comes back.
    reached: bool = False
    last_seen: float | None = None
    position: Position = UNKNOWN
    hint: str | None = None
    _pending: str | None = None
    finished: bool = False

    def __post_init__(self) -> None:
        self.done = [0] * len(self.dose.sides)

    @property
    def side(self) -> str | None:
        return self.dose.sides[min(self.side_index, len(self.dose.sides) - 1)]

    @property
    def count(self) -> int:
        """Holds or reps done on the current side."""
        return self.done[min(self.side_index, len(self.done) - 1)]

    @property
    def seconds(self) -> float:
        """How long the session has run."""
        return 0.0 if self.started is None or self.last_t is None else self.last_t - self.started


def new_session(stretch: str, check: Check, dose: Dose, baseline: Baseline, sigmas: float) -> Session:
    return Session(stretch, check, dose, baseline, sigmas)


def step(session: Session, t: float, features: Features, view: str | None = "front") -> list[CoachEvent]:
    """Advance ``session`` (in place) by one analysed frame at ``t`` (seconds, any origin): its ``features`` and
    the ``view`` they were read in (None with nobody in view)."""
    events: list[CoachEvent] = []
    if session.finished:
        return events
    if session.started is None:
        session.started = t
        events.append(StepShown(t, session.side, 1))
    dt = 0.0 if session.last_t is None else min(max(t - session.last_t, 0.0), MAX_GAP)
    session.last_t = t
    if not session.check.verified:
        session.held += dt
        if session.held >= session.dose.total_seconds / len(session.dose.sides) - 1e-9:
            session.done[session.side_index] = session.dose.times
            _next_side(session, t, events)
        return events
    pos = position(session.check, features, session.baseline, session.sigmas, session.side, view)
    session.position = pos
    if pos.progress is None:
        session.was_in = False
        seen = session.last_seen if session.last_seen is not None else session.started
        _say(session, t, UNSEEN if t - seen >= UNSEEN_AFTER else None, events)
        return events
    session.last_seen = t
    hint = pos.hint
    if session.waiting_release:
        if pos.released:
            session.waiting_release = False
            if session.reached:
                session.reached = False
                _count(session, t, events, RepDone(t, session.side, session.count + 1, session.dose.times))
        elif not pos.reached and not pos.blocked:
            hint = None  # on the way back: nothing to correct
        else:
            hint = "now relax back to neutral" if not session.reached else None
    elif pos.reached:
        if session.was_in:
            session.held += dt
        if session.held >= session.dose.seconds - 1e-9:
            session.waiting_release = True
            if session.dose.seconds > 0:
                seconds, session.held = session.held, 0.0
                _count(session, t, events, HoldDone(t, session.side, seconds, session.count + 1, session.dose.times))
            else:
                session.reached = True
    elif session.held > 0 and hint is None:
        # A hold broken: its timer waits where it was.
        hint = "slower: hold it" if session.dose.seconds <= SHORT_HOLD else "back into the stretch: the timer waits"
    session.was_in = pos.reached and not session.waiting_release
    if not session.finished:
        _say(session, t, hint, events)
    return events


def _count(session: Session, t: float, events: list[CoachEvent], event: CoachEvent) -> None:
    session.done[session.side_index] += 1
    events.append(event)
    if session.count >= session.dose.times:
        _next_side(session, t, events)


def _next_side(session: Session, t: float, events: list[CoachEvent]) -> None:
    session.side_index += 1
    session.held, session.reached, session.was_in = 0.0, False, False
    if session.side_index >= len(session.dose.sides):
        session.finished = True
        session.hint = None
        events.append(Finished(t))
    else:
        events.append(StepShown(t, session.side, session.side_index + 1))


def _say(session: Session, t: float, hint: str | None, events: list[CoachEvent]) -> None:
    """Feedback that holds for two frames in a row is said, once; a hint that comes and goes is not."""
    if hint is None:
        session.hint = session._pending = None
        return
    if hint == session._pending and hint != session.hint:
        session.hint = hint
        events.append(Feedback(t, hint))
    session._pending = hint


@dataclass(frozen=True)
class Summary:
    """What a session asked and what the camera saw done."""

    stretch: str
    check: str
    dose: Dose
    # Holds or reps the camera verified on each side of dose.sides (a timed-only stretch: the times it ran).
    done: tuple[int, ...]
    timed_only: bool
    seconds: float
    # Every hold or rep on every side was done (or, timed only, the time ran out).
    complete: bool

    @property
    def verified(self) -> bool:
        """The camera saw the whole dose done."""
        return self.complete and not self.timed_only

    @property
    def unit(self) -> str:
        return "seconds" if self.timed_only else "holds" if self.dose.seconds > 0 else "reps"

    def to_dict(self, t: float) -> dict[str, Any]:
        """The last line of ``coach --json``."""
        asked = {"seconds": self.dose.seconds, "times": self.dose.times, "sides": list(self.dose.sides)}
        return {
            "t": round(t, 3),
            "event": "summary",
            "stretch": self.stretch,
            "check": self.check,
            "asked": asked,
            "done": [{"side": side, self.unit: n} for side, n in zip(self.dose.sides, self.done, strict=True)],
            "verified": self.verified,
            "timed_only": self.timed_only,
            "complete": self.complete,
            "seconds": round(self.seconds, 1),
        }


def summary(session: Session) -> Summary:
    """What ``session`` has done so far (the whole of it once it is finished or stopped)."""
    timed = not session.check.verified
    done = tuple(session.done)
    return Summary(
        session.stretch,
        session.check.kind,
        session.dose,
        done,
        timed,
        session.seconds,
        all(n >= session.dose.times for n in done),
    )
