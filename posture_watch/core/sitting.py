"""``sitting``: present for ``[breaks] sitting_minutes`` without a break.

The sitting clock runs while the user is at the desk (seen, briefly out of
view, or in a call) and stands still while nothing is known; a break resets
it. Its track's load is the clock itself, so the reminder policy treats it as
any other fault: due when the load reaches the hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .tracks import Track

NAME = "sitting"


@dataclass
class Sitting:
    seconds: float = 0.0
    # The clock starts when the user is first seen, not when the monitor starts.
    started: bool = False
    track: Track = field(default_factory=lambda: Track(fault=NAME))

    def advance(self, seconds: float) -> None:
        if self.started:
            self.seconds += seconds
            self.track.load = self.seconds
            self.track.active = self.seconds > 0

    def took_break(self) -> None:
        self.seconds = 0.0
        self.track = Track(fault=NAME)

    def answered(self) -> None:
        """The user stood up as suggested: the clock starts again."""
        self.track.answered()
        self.seconds = 0.0

    def held(self, track: Track, t: float) -> float:
        return self.seconds
