"""Whether the screen is locked, as the desktop says it over D-Bus (Linux).

Two sources, either enough:

* logind (system bus): the ``LockedHint`` property of this login session,
  which GNOME, KDE Plasma, Cinnamon and the light-locker and xfce4-screensaver
  lockers set while the screen is locked;
* the screen saver (session bus): ``ActiveChanged(bool)`` of
  ``org.freedesktop.ScreenSaver`` (KDE, Xfce, MATE, LXQt) and
  ``org.gnome.ScreenSaver`` (GNOME, Cinnamon), sent as the screen locks or
  blanks and comes back.

The screen counts as locked while any source that knows says so, unlocked
once every source that knows says not, and unknown (None) while none knows.
A missing bus or service is not an error: it is said once in the log, and
the other source (or nothing) is followed. macOS and Windows are not
watched here.

:class:`LockWatcher` runs on a thread of its own with its own asyncio loop;
``on_change`` is called on that thread, once per change, and nothing it
does or fails at reaches the caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable

from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus

from .bus import add_match

log = logging.getLogger(__name__)

LOGIND = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"
SESSION = "org.freedesktop.login1.Session"
SCREENSAVERS = {
    "org.freedesktop.ScreenSaver": "/org/freedesktop/ScreenSaver",
    "org.gnome.ScreenSaver": "/org/gnome/ScreenSaver",
}
PROPERTIES = "org.freedesktop.DBus.Properties"
# Seconds to wait for an answer from a bus or a service while starting.
PATIENCE = 5.0


class LockWatcher:
    """The screen lock: :attr:`locked` now; ``on_change(locked)`` with the first known state, then each change."""

    def __init__(
        self,
        on_change: Callable[[bool], None],
        *,
        session_bus: str | None = None,
        system_bus: str | None = None,
        session_id: str | None = None,
    ) -> None:
        """``session_bus`` / ``system_bus`` are bus addresses (None: the usual ones); ``session_id`` the
        logind session to follow (None: ``$XDG_SESSION_ID``, else the session of this process)."""
        self.on_change = on_change
        self.session_bus, self.system_bus = session_bus, system_bus
        self.session_id = session_id if session_id is not None else os.environ.get("XDG_SESSION_ID")
        # Each source's last word: None until it has said something.
        self._states: dict[str, bool] = {}
        self._reported: bool | None = None
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        # Set once both buses have been asked (subscribed, or found absent): events from then on are seen.
        self.ready = threading.Event()
        # The sources followed, for the log and doctor: "logind", "org.freedesktop.ScreenSaver", ...
        self.sources: list[str] = []
        self._tasks: set[asyncio.Future[None]] = set()

    @property
    def locked(self) -> bool | None:
        """Locked now (True), not (False), or not known (None: no source has said)."""
        with self._lock:
            return _combined(self._states)

    def start(self) -> None:
        """Start watching on a thread of its own; returns at once and never raises."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="lock-watcher", daemon=True)
        try:
            self._thread.start()
        except Exception as exc:  # no thread to be had: the lock is simply not followed
            log.warning("screen lock not followed: %s", exc)
            self.ready.set()

    def stop(self) -> None:
        """Stop watching (safe from any thread, before or after start, twice)."""
        with self._lock:
            loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop has ended already
                loop.call_soon_threadsafe(stopping.set)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=PATIENCE)

    # -- the watcher's own thread ----------------------------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._watch(loop))
        except Exception as exc:
            log.warning("screen lock not followed any more: %s", exc)
        finally:
            self.ready.set()
            with self._lock:
                self._loop = None
            loop.close()

    async def _watch(self, loop: asyncio.AbstractEventLoop) -> None:
        stopping = asyncio.Event()
        with self._lock:
            self._loop, self._stopping = loop, stopping
        buses = []
        missing = []
        for kind, connect in (("system", self._follow_logind), ("session", self._follow_screensavers)):
            try:
                bus = await asyncio.wait_for(connect(), PATIENCE)
            except Exception as exc:  # no such bus, or it does not answer
                missing.append(f"no {kind} bus ({exc or type(exc).__name__})")
                continue
            if bus is not None:
                buses.append(bus)
        if self.sources:
            log.info("screen lock followed through %s", " and ".join(self.sources))
        else:
            log.info("screen lock not followed: %s", "; ".join(missing) or "no logind session or screen saver found")
        self.ready.set()
        try:
            await stopping.wait()
        finally:
            for bus in buses:
                bus.disconnect()

    async def _follow_logind(self) -> MessageBus | None:
        """This session's ``LockedHint`` on the system bus; None (bus closed) when logind has no session for us."""
        bus = await MessageBus(bus_address=self.system_bus, bus_type=BusType.SYSTEM).connect()
        path = await self._session_path(bus)
        if path is None:
            bus.disconnect()
            return None

        def handler(message: Message) -> None:
            if (
                message.message_type == MessageType.SIGNAL
                and message.member == "PropertiesChanged"
                and message.path == path
                and message.body
                and message.body[0] == SESSION
            ):
                changed = message.body[1]
                if "LockedHint" in changed:
                    self._heard("logind", bool(changed["LockedHint"].value))
                elif "LockedHint" in message.body[2]:  # invalidated: ask for it
                    task = asyncio.ensure_future(self._ask_locked_hint(bus, path))
                    self._tasks.add(task)  # a reference, or the task may be collected mid-call
                    task.add_done_callback(self._tasks.discard)

        bus.add_message_handler(handler)
        await add_match(bus, f"type='signal',interface='{PROPERTIES}',member='PropertiesChanged',path='{path}'")
        self.sources.append("logind")
        await self._ask_locked_hint(bus, path, initial=True)
        return bus

    async def _session_path(self, bus: MessageBus) -> str | None:
        """The object path of our logind session: by ``session_id``, else by our process."""
        asks = [("GetSession", "s", self.session_id)] if self.session_id else []
        asks.append(("GetSessionByPID", "u", os.getpid()))
        for member, signature, arg in asks:
            reply = await bus.call(
                Message(
                    destination=LOGIND,
                    path=LOGIND_PATH,
                    interface=f"{LOGIND}.Manager",
                    member=member,
                    signature=signature,
                    body=[arg],
                )
            )
            if reply is not None and reply.message_type == MessageType.METHOD_RETURN:
                return str(reply.body[0])
            log.debug("logind %s(%s): %s", member, arg, reply.body if reply is not None else "no reply")
        return None

    async def _ask_locked_hint(self, bus: MessageBus, path: str, initial: bool = False) -> None:
        reply = await bus.call(
            Message(
                destination=LOGIND,
                path=path,
                interface=PROPERTIES,
                member="Get",
                signature="ss",
                body=[SESSION, "LockedHint"],
            )
        )
        if reply is not None and reply.message_type == MessageType.METHOD_RETURN:
            self._heard("logind", bool(reply.body[0].value), initial)

    async def _follow_screensavers(self) -> MessageBus:
        """``ActiveChanged`` of either screen saver interface on the session bus, and their state now."""
        bus = await MessageBus(bus_address=self.session_bus, bus_type=BusType.SESSION).connect()

        def handler(message: Message) -> None:
            if (
                message.message_type == MessageType.SIGNAL
                and message.member == "ActiveChanged"
                and message.interface in SCREENSAVERS
                and message.body
            ):
                self._heard(message.interface, bool(message.body[0]))

        bus.add_message_handler(handler)
        for name in SCREENSAVERS:
            await add_match(bus, f"type='signal',interface='{name}',member='ActiveChanged'")
        for name, path in SCREENSAVERS.items():
            reply = await bus.call(
                Message(destination=name, path=path, interface=name, member="GetActive", signature="", body=[])
            )
            if reply is not None and reply.message_type == MessageType.METHOD_RETURN:
                self.sources.append(name)
                self._heard(name, bool(reply.body[0]), initial=True)
            else:
                # Not running now; its signals are still listened for, should it start later.
                log.debug("%s: %s", name, reply.body if reply is not None else "no reply")
        return bus

    def _heard(self, source: str, value: bool, initial: bool = False) -> None:
        """A source said locked or not: report the combined state if it changed (never raising)."""
        with self._lock:
            if initial and source in self._states:
                return  # a signal came before the answer to our question: it is newer
            self._states[source] = value
            now = _combined(self._states)
            if now is None or now == self._reported:
                return
            self._reported = now
        log.info("screen %s (%s)", "locked" if now else "unlocked", source)
        try:
            self.on_change(now)
        except Exception:
            log.exception("screen lock change not handled")


def _combined(states: dict[str, bool]) -> bool | None:
    if not states:
        return None
    return any(states.values())

