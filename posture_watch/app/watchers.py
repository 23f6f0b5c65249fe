"""Watchers: what the desktop says, asked off the frame path, posted to the monitor as events.

A watcher runs on a thread of its own (or a bus connection's) and posts an
event to the monitor's inbox when what it watches changes, so no check of
the desktop (a process spawned, an X server or D-Bus asked) ever runs while
a frame waits. Each is started and stopped by the monitor, the same way:
do-not-disturb, and the screen lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ..desktop import dnd
from ..desktop.lock import LockWatcher
from .modes import ScreenLocked

log = logging.getLogger(__name__)

Post = Callable[[object], None]
# Seconds between two do-not-disturb checks (each may ask the X server and the desktop).
DND_EVERY = 5.0


class Watcher(Protocol):
    def start(self, post: Post) -> None:
        """Begin watching; post an event for the state found first and for every change."""

    def stop(self) -> None:
        """Stop watching; returns promptly."""


@dataclass(frozen=True)
class DoNotDisturb:
    """The desktop asks for no interruptions (a fullscreen window in focus, its do-not-disturb switch)."""

    on: bool


class DoNotDisturbWatcher:
    """Checks for do-not-disturb every ``every`` seconds on a thread of its own."""

    def __init__(self, check: Callable[[], bool] = dnd.active, every: float = DND_EVERY) -> None:
        self.check, self.every = check, every
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, post: Post) -> None:
        self._thread = threading.Thread(target=self._watch, args=(post,), name="do-not-disturb", daemon=True)
        self._thread.start()

    def _watch(self, post: Post) -> None:
        last: bool | None = None
        while not self._stopping.is_set():
            try:
                on = bool(self.check())
            except Exception:  # a desktop that answers oddly is a desktop without do-not-disturb
                log.debug("do-not-disturb check failed", exc_info=True)
                on = False
            if on != last:
                last = on
                log.info("do not disturb %s", "on: holding reminders" if on else "off")
                post(DoNotDisturb(on))
            self._stopping.wait(self.every)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)


class ScreenLockWatcher:
    """The screen lock as the desktop says it (:mod:`~posture_watch.desktop.lock`), posted as
    :class:`~.modes.ScreenLocked`: while it is locked the monitor keeps the camera off and counts the time away."""

    def __init__(self, session_bus: str | None = None, system_bus: str | None = None) -> None:
        """The bus addresses (None: the desktop's own)."""
        self.session_bus, self.system_bus = session_bus, system_bus
        self.lock: LockWatcher | None = None

    def start(self, post: Post) -> None:
        self.lock = LockWatcher(
            lambda locked: post(ScreenLocked(locked)), session_bus=self.session_bus, system_bus=self.system_bus
        )
        self.lock.start()

    def stop(self) -> None:
        if self.lock is not None:
            self.lock.stop()
