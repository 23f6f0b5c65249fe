"""The three clocks: an interval clock that counts sleep, the wall clock, and suspend detection.

``now()`` is the time the engine runs on. It never goes backwards and,
unlike ``time.monotonic()``, it keeps counting while the machine is
suspended, so a night with the lid closed is a night away: on Linux it is
``CLOCK_BOOTTIME``; elsewhere the monotonic clock plus every jump of the
wall clock ahead of it, which is what a suspend looks like there.
``slept()`` says how long the machine was asleep since it was last asked.
``wall()`` is the local time users see and set (pause, snooze, quiet hours):
an aware datetime in the zone in force now, looked up at every call, so a
change of zone (travel) shows at once and a day of 23 or 25 hours is what it
is. Its instant is exact, so history stores it as a UTC epoch.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

from .. import localtime

# A wall-clock jump ahead of the monotonic clock larger than this is a suspend, not a clock adjustment.
JUMP = 30.0
# Boot time runs ahead of monotonic time only while suspended; less than this is clock jitter.
SUSPEND = 2.0


class Clocks:
    """The real clocks of this machine."""

    def __init__(self) -> None:
        self.boottime = hasattr(time, "CLOCK_BOOTTIME")
        self._offset = self._drift()
        self._slept = 0.0

    def _drift(self) -> float:
        if self.boottime:
            return time.clock_gettime(time.CLOCK_BOOTTIME) - time.monotonic()
        return time.time() - time.monotonic()

    def now(self) -> float:
        """Seconds on a clock that counts suspended time and never goes backwards."""
        if self.boottime:
            return time.clock_gettime(time.CLOCK_BOOTTIME)
        return time.monotonic() + self._slept

    def wall(self) -> datetime:
        return datetime.now(localtime.zone())

    def slept(self) -> float:
        """Seconds the machine was suspended since the last call (0 if it was not)."""
        drift = self._drift()
        jump, self._offset = drift - self._offset, drift
        if self.boottime:
            return jump if jump >= SUSPEND else 0.0
        # Without a boot-time clock, only a large jump of the wall clock ahead is a suspend.
        if jump > JUMP:
            self._slept += jump
            return jump
        return 0.0

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def wait(self, seconds: float, stop: threading.Event) -> None:
        """Sleep ``seconds``, or less when ``stop`` is set meanwhile."""
        stop.wait(seconds)


def later(wall: datetime, seconds: float) -> datetime:
    """The local wall time ``seconds`` after ``wall``, counted in real seconds across a change of the clocks."""
    assert wall.tzinfo is not None, "wall times are aware"
    return (wall.astimezone(timezone.utc) + timedelta(seconds=seconds)).astimezone(wall.tzinfo)
