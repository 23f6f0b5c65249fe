"""The history sink: events, reminders, answers, coach sessions and per-frame features into the SQLite history.

Every pass of the loop is a sign of life, so the session's heartbeat goes on while no frame is analysed
(a call, a pause, the screen locked): what a killed process left open counts up to its last minute.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import singledispatchmethod

from ...advice.reminders import Reminder
from ...core.events import Event
from ...history.store import Recorder
from ..outputs import Answered, Coached, Output, Sampled, Tick


class History:
    """Writes one monitor session through a :class:`~posture_watch.history.store.Recorder`."""

    def __init__(self, recorder: Recorder, now: Callable[[], float]) -> None:
        """``now`` gives the epoch at which the session ends when the monitor stops."""
        self.recorder, self.now = recorder, now

    @singledispatchmethod
    def take(self, output: Output) -> None:
        """Other outputs are not history."""

    @take.register(Event)
    @take.register(Reminder)
    def _(self, outcome: Event | Reminder) -> None:
        self.recorder.record(outcome)

    @take.register
    def _(self, sampled: Sampled) -> None:
        self.recorder.sample(sampled.at, sampled.features, sampled.profile)

    @take.register
    def _(self, tick: Tick) -> None:
        self.recorder.beat(tick.wall.timestamp())

    @take.register
    def _(self, answer: Answered) -> None:
        self.recorder.respond(answer.alert_id, answer.answer)

    @take.register
    def _(self, coached: Coached) -> None:
        self.recorder.coached(coached.at, coached.summary, coached.alert_id)

    def close(self) -> None:
        self.recorder.close(self.now())
