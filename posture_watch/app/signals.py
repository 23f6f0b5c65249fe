"""The signals that end the monitor cleanly (SIGTERM, Ctrl-C, a closed terminal's SIGHUP), caught early.

They are caught before anything heavy is imported or loaded, so one that
comes while the pose model loads ends the run as cleanly as any other: the
handler only sets :data:`STOP`, from a thread of its own so that it never
takes a lock the interrupted code may hold, and the monitor reads it.
"""

from __future__ import annotations

import signal
import threading

# Set once an ending signal has come: the process's one request to stop.
STOP = threading.Event()
# The ending signals this platform has.
ENDING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name))


def _handler(signum: int, frame: object) -> None:
    threading.Thread(target=STOP.set, name="stop", daemon=True).start()


def catch() -> threading.Event:
    """Catch the ending signals (again is harmless); the event they set."""
    for number in ENDING:
        signal.signal(number, _handler)
    return STOP
