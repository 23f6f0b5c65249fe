"""The screen lock watcher against real D-Bus daemons, with stand-ins for the screen saver and logind.

Each test starts its own dbus-daemon (a session bus, and one given as the
system bus), puts a fake ``org.freedesktop.ScreenSaver`` or logind on it, and
waits for the watcher's reports as events, never for a length of time.
"""

from __future__ import annotations

import asyncio
import os
import queue
import shutil
import threading
from typing import Annotated

import pytest
from dbus_fast import BusType, PropertyAccess
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusBool, DBusObjectPath, DBusSignature, DBusStr, DBusUInt32
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property, dbus_signal

from posture_watch.desktop.lock import LockWatcher

pytestmark = pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="needs dbus-daemon (Debian: dbus)")
Nothing = Annotated[None, DBusSignature("")]
SESSION_PATH = "/org/freedesktop/login1/session/_32"
PATIENCE = 30.0  # a bound on waiting for an event, not a margin the test relies on


class Service:
    """A D-Bus service run on a thread of its own: ``call(coroutine)`` runs a step on its loop and waits."""

    def __init__(self, address: str, name: str, objects: dict[str, ServiceInterface]) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

        async def serve() -> MessageBus:
            bus = await MessageBus(bus_address=address, bus_type=BusType.SESSION).connect()
            for path, interface in objects.items():
                bus.export(path, interface)
            await bus.request_name(name)
            return bus

        self.bus = self.run(serve())

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(PATIENCE)

    def call(self, function) -> None:
        async def step() -> None:
            function()

        self.run(step())

    def close(self) -> None:
        self.call(self.bus.disconnect)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(PATIENCE)


class ScreenSaver(ServiceInterface):
    def __init__(self, name: str = "org.freedesktop.ScreenSaver") -> None:
        super().__init__(name)
        self.active = False

    @dbus_method()
    def GetActive(self) -> DBusBool:
        return self.active

    @dbus_signal()
    def ActiveChanged(self) -> DBusBool:
        return self.active


class Manager(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.freedesktop.login1.Manager")

    @dbus_method()
    def GetSession(self, session_id: DBusStr) -> DBusObjectPath:
        return SESSION_PATH

    @dbus_method()
    def GetSessionByPID(self, pid: DBusUInt32) -> DBusObjectPath:
        return SESSION_PATH


class Session(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.freedesktop.login1.Session")
        self.locked = False

    @dbus_property(access=PropertyAccess.READ)
    def LockedHint(self) -> DBusBool:
        return self.locked

    def set_locked(self, value: bool) -> None:
        self.locked = value
        self.emit_properties_changed({"LockedHint": value})


def next_report(reports: queue.Queue) -> bool:
    return reports.get(timeout=PATIENCE)


def test_screen_saver_active_changed_is_reported_in_order(bus_address):
    session = bus_address("session")
    saver = ScreenSaver()
    service = Service(session, "org.freedesktop.ScreenSaver", {"/org/freedesktop/ScreenSaver": saver})
    reports: queue.Queue[bool] = queue.Queue()
    watcher = LockWatcher(reports.put, session_bus=session, system_bus=bus_address("empty-system"))
    try:
        watcher.start()
        assert watcher.ready.wait(PATIENCE)
        assert watcher.sources == ["org.freedesktop.ScreenSaver"]
        assert next_report(reports) is False  # the state when it started
        for active in (True, False):

            def change(active: bool = active) -> None:
                saver.active = active
                saver.ActiveChanged()

            service.call(change)
            assert next_report(reports) is active
            assert watcher.locked is active
    finally:
        watcher.stop()
        service.close()
    assert reports.empty()


def test_logind_locked_hint_on_the_system_bus_and_gnome_screensaver_together(bus_address):
    system, session = bus_address("system"), bus_address("session")
    logind_session = Session()
    logind = Service(
        system, "org.freedesktop.login1", {"/org/freedesktop/login1": Manager(), SESSION_PATH: logind_session}
    )
    gnome = ScreenSaver("org.gnome.ScreenSaver")
    saver = Service(session, "org.gnome.ScreenSaver", {"/org/gnome/ScreenSaver": gnome})
    reports: queue.Queue[bool] = queue.Queue()
    watcher = LockWatcher(reports.put, session_bus=session, system_bus=system, session_id="32")
    try:
        watcher.start()
        assert watcher.ready.wait(PATIENCE)
        assert watcher.sources == ["logind", "org.gnome.ScreenSaver"]
        assert next_report(reports) is False
        logind.call(lambda: logind_session.set_locked(True))
        assert next_report(reports) is True
        logind.call(lambda: logind_session.set_locked(False))
        assert next_report(reports) is False

        def blank(active: bool) -> None:
            gnome.active = active
            gnome.ActiveChanged()

        saver.call(lambda: blank(True))
        assert next_report(reports) is True
        saver.call(lambda: blank(False))
        assert next_report(reports) is False
        assert watcher.locked is False
    finally:
        watcher.stop()
        logind.close()
        saver.close()
    assert reports.empty()


def test_locked_while_any_source_says_so():
    reports: list[bool] = []
    watcher = LockWatcher(reports.append)
    assert watcher.locked is None
    for source, value in (("logind", True), ("org.gnome.ScreenSaver", True), ("logind", False)):
        watcher._heard(source, value)
    assert watcher.locked is True and reports == [True]
    watcher._heard("org.gnome.ScreenSaver", False)
    assert watcher.locked is False and reports == [True, False]


def test_no_bus_at_all_is_unknown_and_said_once(caplog, tmp_path):
    caplog.set_level("INFO", logger="posture_watch.desktop.lock")
    reports: list[bool] = []
    nowhere = f"unix:path={tmp_path / 'none.bus'}"
    watcher = LockWatcher(reports.append, session_bus=nowhere, system_bus=nowhere)
    watcher.start()
    assert watcher.ready.wait(PATIENCE)
    watcher.stop()
    watcher.stop()  # twice is fine
    assert watcher.locked is None and reports == [] and watcher.sources == []
    said = [r.getMessage() for r in caplog.records if "screen lock" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("screen lock not followed: no system bus")


def test_a_failing_callback_does_not_reach_the_caller(bus_address):
    session = bus_address("session")
    service = Service(session, "org.freedesktop.ScreenSaver", {"/org/freedesktop/ScreenSaver": ScreenSaver()})
    calls = queue.Queue()

    def broken(locked: bool) -> None:
        calls.put(locked)
        raise RuntimeError("the monitor's queue is gone")

    watcher = LockWatcher(broken, session_bus=session, system_bus=os.devnull)
    try:
        watcher.start()
        assert watcher.ready.wait(PATIENCE)
        assert calls.get(timeout=PATIENCE) is False
        assert watcher.locked is False
    finally:
        watcher.stop()
        service.close()
