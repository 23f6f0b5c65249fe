"""A StatusNotifierItem tray for Linux desktops, spoken over D-Bus in pure Python.

Why not pystray here: its Linux backends are either GTK/AppIndicator (which
need PyGObject and system libraries a venv cannot provide) or XEmbed, which
GNOME, KDE Plasma 6 and most Wayland panels no longer show, and which pastes
the icon onto a black square on panels that do not give it a transparent
visual. StatusNotifierItem (SNI) is what those panels host: the application
publishes its icon as pixels, its tooltip and its menu as D-Bus properties,
and the panel draws them itself, with its own background and theme.

Two objects are exported on the session bus:

* ``/StatusNotifierItem`` with ``org.kde.StatusNotifierItem``: icon pixmaps
  rendered from :func:`posture_watch.desktop.icons.icon_image`, status, the
  app's name as title and the status in words as tooltip;
* ``/MenuBar`` with ``com.canonical.dbusmenu``: the menu of ``desktop.menu``,
  whose clicks become ``command(cmd)`` calls with typed commands, the same
  :class:`~.tray.Tray` sends.

Threading: the D-Bus connection lives on an asyncio loop owned by the thread
that calls :meth:`SniTray.run`. Other threads only hand it a new view
(:meth:`show`) under a lock and wake the loop; the loop compares it with what
it last published and emits signals only for what changed. Menu clicks are queued to a second thread the tray owns, so a
slow command never stalls the replies the panel is waiting for.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import Annotated, Any

from dbus_fast import BusType, DBusError, Message, MessageType, PropertyAccess, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusBool, DBusInt32, DBusSignature, DBusStr, DBusUInt32, DBusVariant
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property, dbus_signal
from PIL import Image

from ..commands import Command
from . import menu
from .bus import add_match
from .icons import STATES, icon_image
from .menu import APP, STARTING, TrayView

log = logging.getLogger(__name__)

WATCHER = "org.kde.StatusNotifierWatcher"
WATCHER_PATH = "/StatusNotifierWatcher"
ITEM_PATH = "/StatusNotifierItem"
MENU_PATH = "/MenuBar"
# Sizes panels ask for most; each host picks the closest, so offering several
# keeps the icon sharp instead of scaled from 64 pixels by the panel.
PIXMAP_SIZES = (16, 22, 24, 32, 48, 64)

# What a D-Bus method or signal without a reply or arguments returns.
Nothing = Annotated[None, DBusSignature("")]
Pixmaps = Annotated[list[list[Any]], DBusSignature("a(iiay)")]
ToolTip = Annotated[list[Any], DBusSignature("(sa(iiay)ss)")]
Layout = Annotated[list[Any], DBusSignature("u(ia{sv}av)")]
GroupProperties = Annotated[list[list[Any]], DBusSignature("a(ia{sv})")]
IntList = Annotated[list[int], DBusSignature("ai")]
StrList = Annotated[list[str], DBusSignature("as")]
Events = Annotated[list[list[Any]], DBusSignature("a(isvu)")]
UpdatesAndErrors = Annotated[list[list[int]], DBusSignature("aiai")]
RevisionAndParent = Annotated[list[int], DBusSignature("ui")]
PropertyUpdates = Annotated[list[list[Any]], DBusSignature("a(ia{sv})a(ias)")]

_instances = itertools.count(1)


@cache
def pixmaps(state: str, level: float = 0.0) -> tuple[tuple[int, int, bytes], ...]:
    """The icon as SNI pixmaps: ARGB32 in network byte order, alpha kept, one per size.

    Pillow has no ARGB mode, but merging the RGBA bands as (A, R, G, B) and
    dumping them gives exactly the big-endian ARGB bytes the spec asks for.
    Alpha is left straight (not premultiplied) as hosts expect.
    """
    big = icon_image(state, level).convert("RGBA")
    out = []
    for size in PIXMAP_SIZES:
        image = big if size == big.width else big.resize((size, size), resample=Image.Resampling.LANCZOS)
        r, g, b, a = image.split()
        out.append((size, size, Image.merge("RGBA", (a, r, g, b)).tobytes()))
    return tuple(out)


def _wire(pixels: tuple[tuple[int, int, bytes], ...]) -> list[list[Any]]:
    return [[w, h, data] for w, h, data in pixels]


def _status(view: TrayView) -> str:
    return "NeedsAttention" if view.state == "alert" else "Active"


class _Item(ServiceInterface):
    """org.kde.StatusNotifierItem: reads the tray's published view; clicks go to the tray."""

    def __init__(self, tray: SniTray) -> None:
        super().__init__("org.kde.StatusNotifierItem")
        self.tray = tray

    @dbus_property(access=PropertyAccess.READ)
    def Category(self) -> DBusStr:
        return "ApplicationStatus"

    @dbus_property(access=PropertyAccess.READ)
    def Id(self) -> DBusStr:
        return APP

    @dbus_property(access=PropertyAccess.READ)
    def Title(self) -> DBusStr:
        return APP

    @dbus_property(access=PropertyAccess.READ)
    def Status(self) -> DBusStr:
        return _status(self.tray._published)

    @dbus_property(access=PropertyAccess.READ)
    def WindowId(self) -> DBusInt32:
        return 0

    @dbus_property(access=PropertyAccess.READ)
    def IconThemePath(self) -> DBusStr:
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def IconName(self) -> DBusStr:
        # Empty on purpose: a name would make the host look up a themed icon
        # and ignore the drawn pixmaps that carry the state.
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def IconPixmap(self) -> Pixmaps:
        view = self.tray._published
        return _wire(pixmaps(view.state, view.level))

    @dbus_property(access=PropertyAccess.READ)
    def OverlayIconName(self) -> DBusStr:
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def OverlayIconPixmap(self) -> Pixmaps:
        return []

    @dbus_property(access=PropertyAccess.READ)
    def AttentionIconName(self) -> DBusStr:
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def AttentionIconPixmap(self) -> Pixmaps:
        return _wire(pixmaps("alert"))

    @dbus_property(access=PropertyAccess.READ)
    def AttentionMovieName(self) -> DBusStr:
        return ""

    @dbus_property(access=PropertyAccess.READ)
    def ToolTip(self) -> ToolTip:
        return ["", [], APP, self.tray._published.tooltip]

    @dbus_property(access=PropertyAccess.READ)
    def ItemIsMenu(self) -> DBusBool:
        # False: a left click is Activate (today's summary), the menu is on the right button.
        return False

    @dbus_property(access=PropertyAccess.READ)
    def Menu(self) -> Annotated[str, DBusSignature("o")]:
        return MENU_PATH

    @dbus_method()
    def Activate(self, x: DBusInt32, y: DBusInt32) -> Nothing:
        self.tray._queue_command(menu.DEFAULT)

    @dbus_method()
    def SecondaryActivate(self, x: DBusInt32, y: DBusInt32) -> Nothing:
        """Middle click: nothing, so a stray click cannot pause or quit."""

    @dbus_method()
    def ContextMenu(self, x: DBusInt32, y: DBusInt32) -> Nothing:
        """Hosts that got a Menu path draw the menu themselves; nothing to do here."""

    @dbus_method()
    def Scroll(self, delta: DBusInt32, orientation: DBusStr) -> Nothing:
        """Scrolling has no meaning for posture; accepted and ignored."""

    @dbus_signal()
    def NewTitle(self) -> Nothing:
        return None

    @dbus_signal()
    def NewIcon(self) -> Nothing:
        return None

    @dbus_signal()
    def NewAttentionIcon(self) -> Nothing:
        return None

    @dbus_signal()
    def NewOverlayIcon(self) -> Nothing:
        return None

    @dbus_signal()
    def NewToolTip(self) -> Nothing:
        return None

    @dbus_signal()
    def NewStatus(self, status: str) -> DBusStr:
        return status


class _Menu(ServiceInterface):
    """com.canonical.dbusmenu, version 3: the whole menu is one flat level under the root (id 0)."""

    def __init__(self, tray: SniTray) -> None:
        super().__init__("com.canonical.dbusmenu")
        self.tray = tray
        self.revision = 1

    def items(self) -> list[tuple[int, dict[str, Variant]]]:
        """The root's children as (id, properties), in order, for the published view."""

        def properties(item: menu.Item) -> dict[str, Variant]:
            if item.separator:
                return {"type": Variant("s", "separator"), "visible": Variant("b", True)}
            # dbusmenu labels take "_" as a mnemonic marker; a literal one is doubled.
            return {
                "label": Variant("s", item.label.replace("_", "__")),
                "enabled": Variant("b", item.command is not None),
                "visible": Variant("b", True),
            }

        return [(item.id, properties(item)) for item in menu.items(self.tray._published)]

    def _properties(self, item: int) -> dict[str, Variant] | None:
        if item == 0:
            return {"children-display": Variant("s", "submenu")}
        return dict(self.items()).get(item)

    def action(self, item: int) -> Command | None:
        """The command behind ``item`` if it is in the menu as shown now, else None."""
        return next((row.command for row in menu.items(self.tray._published) if row.id == item), None)

    @staticmethod
    def _pick(props: dict[str, Variant], names: list[str]) -> dict[str, Variant]:
        return {k: v for k, v in props.items() if k in names} if names else props

    @dbus_method()
    def GetLayout(self, parentId: DBusInt32, recursionDepth: DBusInt32, propertyNames: StrList) -> Layout:
        props = self._properties(parentId)
        if props is None:
            raise DBusError("org.freedesktop.DBus.Error.InvalidArgs", f"no menu item {parentId}")
        children: list[Variant] = []
        if parentId == 0 and recursionDepth != 0:
            children = [Variant("(ia{sv}av)", [item, self._pick(p, propertyNames), []]) for item, p in self.items()]
        return [self.revision, [parentId, self._pick(props, propertyNames), children]]

    @dbus_method()
    def GetGroupProperties(self, ids: IntList, propertyNames: StrList) -> GroupProperties:
        wanted = ids or [0, *(item for item, _ in self.items())]
        found = [(item, self._properties(item)) for item in wanted]
        return [[item, self._pick(props, propertyNames)] for item, props in found if props is not None]

    @dbus_method()
    def GetProperty(self, id: DBusInt32, name: DBusStr) -> DBusVariant:
        props = self._properties(id)
        if props is None or name not in props:
            raise DBusError("org.freedesktop.DBus.Error.InvalidArgs", f"no property {name!r} on menu item {id}")
        return props[name]

    @dbus_method()
    def Event(self, id: DBusInt32, eventId: DBusStr, data: DBusVariant, timestamp: DBusUInt32) -> Nothing:
        self._event(id, eventId)

    @dbus_method()
    def EventGroup(self, events: Events) -> IntList:
        return [item for item, event_id, _data, _time in events if not self._event(item, event_id)]

    @dbus_method()
    def AboutToShow(self, id: DBusInt32) -> DBusBool:
        # The layout is always current (changes are pushed with LayoutUpdated).
        return False

    @dbus_method()
    def AboutToShowGroup(self, ids: IntList) -> UpdatesAndErrors:
        return [[], [item for item in ids if self._properties(item) is None]]

    def _event(self, item: int, event_id: str) -> bool:
        """Act on one event; False when ``item`` is not in the menu (an error for EventGroup)."""
        if self._properties(item) is None:
            return False
        if event_id == "clicked":
            action = self.action(item)
            if action is not None:
                self.tray._queue_command(action)
        return True

    @dbus_property(access=PropertyAccess.READ)
    def Version(self) -> DBusUInt32:
        return 3

    @dbus_property(access=PropertyAccess.READ)
    def TextDirection(self) -> DBusStr:
        return "ltr"

    @dbus_property(access=PropertyAccess.READ)
    def Status(self) -> DBusStr:
        return "normal"

    @dbus_property(access=PropertyAccess.READ)
    def IconThemePath(self) -> StrList:
        return []

    @dbus_signal()
    def LayoutUpdated(self, revision: int, parent: int) -> RevisionAndParent:
        return [revision, parent]

    @dbus_signal()
    def ItemsPropertiesUpdated(self, updated: list[list[Any]], removed: list[list[Any]]) -> PropertyUpdates:
        return [updated, removed]

    @dbus_signal()
    def ItemActivationRequested(self, id: int, timestamp: int) -> Annotated[list[int], DBusSignature("iu")]:
        return [id, timestamp]


class SniTray:
    """A StatusNotifierItem with the interface of :class:`~.tray.Tray`: :meth:`show`, :meth:`run`, :meth:`stop`."""

    def __init__(self, command: Callable[[Command], None], *, bus_address: str | None = None) -> None:
        self.command = command
        self.bus_address = bus_address
        self.bus_name = f"org.kde.StatusNotifierItem-{os.getpid()}-{next(_instances)}"
        self._lock = threading.Lock()
        self._wanted = STARTING
        self._published = self._wanted
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._stop_requested = False
        self._commands: queue.SimpleQueue[Command | None] = queue.SimpleQueue()
        self._item = _Item(self)
        self._menu = _Menu(self)
        self.registered = threading.Event()
        # The connection in use, a new one after one broke.
        self.bus: MessageBus | None = None
        self._tasks: set[asyncio.Future[bool]] = set()

    # -- called from any thread ------------------------------------------------

    def show(self, view: TrayView) -> None:
        """Show ``view``: icon, status, tooltip and menu; signals go out only for what changed.

        An unknown state fails here, in the caller's thread, not later inside the D-Bus loop.
        """
        if view.state not in STATES:
            raise KeyError(f"unknown tray state {view.state!r}; known: {', '.join(STATES)}")
        wanted = replace(view, level=round(view.level, 1))
        with self._lock:
            if wanted == self._wanted:
                return
            self._wanted = wanted
            loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._publish)

    def stop(self) -> None:
        """End :meth:`run`; safe from any thread, before or after it started."""
        with self._lock:
            self._stop_requested = True
            loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed
                loop.call_soon_threadsafe(stopping.set)

    # -- the tray's own thread -------------------------------------------------

    def run(self, setup: Callable[[], None]) -> None:
        """Serve the item on this thread until :meth:`stop`; ``setup`` runs once it is registered.

        ``setup`` is also called when no StatusNotifierWatcher answers, so the
        monitor still starts on a desktop without a tray; the item registers
        as soon as a watcher appears.
        """
        worker = threading.Thread(target=self._deliver, name="sni-commands", daemon=True)
        worker.start()
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._serve(loop, setup))
        finally:
            with self._lock:
                self._loop = None
            loop.close()
            self._commands.put(None)
            worker.join(timeout=5)

    def _deliver(self) -> None:
        """Hand queued menu commands to the callback, one at a time, in order."""
        while (item := self._commands.get()) is not None:
            try:
                self.command(item)
            except Exception:
                log.exception("tray command %s failed", item)

    def _queue_command(self, command: Command) -> None:
        self._commands.put(command)

    async def _serve(self, loop: asyncio.AbstractEventLoop, setup: Callable[[], None]) -> None:
        """Offer the item on the session bus until :meth:`stop`, connecting again when the connection breaks.

        dbus-fast drops a connection whose socket is full for a moment (a slow host on a busy machine), so a
        broken connection is not the end of the icon: a new one offers the item again.
        """
        stopping = asyncio.Event()
        with self._lock:
            self._loop, self._stopping = loop, stopping
            if self._stop_requested:
                return
        started = False
        while not stopping.is_set():
            bus = await MessageBus(bus_address=self.bus_address, bus_type=BusType.SESSION).connect()
            self.bus = bus
            try:
                await self._offer(bus)
                if not started:
                    started = True
                    setup()
                lost = asyncio.ensure_future(bus.wait_for_disconnect())
                stop = asyncio.ensure_future(stopping.wait())
                await asyncio.wait((lost, stop), return_when=asyncio.FIRST_COMPLETED)
                stop.cancel()
                if not stopping.is_set():
                    error = None if lost.cancelled() else lost.exception()
                    log.warning("the tray's connection to the session bus broke (%s); connecting again", error)
                    self.registered.clear()
                    with contextlib.suppress(asyncio.TimeoutError):  # a moment first, unless stop comes
                        await asyncio.wait_for(stopping.wait(), 1.0)
            finally:
                if bus.connected:
                    with contextlib.suppress(Exception):
                        await bus.release_name(self.bus_name)
                    bus.disconnect()
                    with contextlib.suppress(Exception):  # let the transport close before the loop does
                        await asyncio.wait_for(bus.wait_for_disconnect(), 1)

    async def _offer(self, bus: MessageBus) -> None:
        """Export the item and its menu on ``bus``, follow the watcher, and register with it."""
        bus.export(ITEM_PATH, self._item)
        bus.export(MENU_PATH, self._menu)
        await bus.request_name(self.bus_name)
        bus.add_message_handler(self._on_message(bus))
        await add_match(
            bus,
            "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
            f"member='NameOwnerChanged',arg0='{WATCHER}'",
        )
        self._publish()
        await self._register(bus)

    def _on_message(self, bus: MessageBus) -> Callable[[Message], None]:
        """Re-register when the watcher (the panel) comes back, e.g. after a panel restart."""

        def handler(message: Message) -> None:
            if not (
                message.message_type == MessageType.SIGNAL
                and message.member == "NameOwnerChanged"
                and message.body
                and message.body[0] == WATCHER
            ):
                return
            if not message.body[2]:  # the watcher went away; wait for the next one
                self.registered.clear()
                return
            task = asyncio.ensure_future(self._register(bus))
            self._tasks.add(task)  # a reference, or the task may be collected mid-call
            task.add_done_callback(self._tasks.discard)

        return handler

    async def _register(self, bus: MessageBus) -> bool:
        call = bus.call(
            Message(
                destination=WATCHER,
                path=WATCHER_PATH,
                interface=WATCHER,
                member="RegisterStatusNotifierItem",
                signature="s",
                body=[self.bus_name],
            )
        )
        try:
            reply = await asyncio.wait_for(call, 5)
        except asyncio.TimeoutError:
            reply = None
        if reply is None or reply.message_type == MessageType.ERROR:
            detail = reply.body[0] if reply is not None and reply.body else "no reply"
            log.info("no tray host took the icon (%s); it will appear when one starts", detail)
            self.registered.clear()
            return False
        log.debug("tray icon registered as %s", self.bus_name)
        self.registered.set()
        return True

    def _publish(self) -> None:
        """Make the wanted view the published one and tell the host what changed (loop thread only)."""
        with self._lock:
            new = self._wanted
        old, self._published = self._published, new
        if old == new:
            return
        if (old.state, old.level) != (new.state, new.level):
            self._item.NewIcon()
        if _status(old) != _status(new):
            self._item.NewStatus(_status(new))
        if old.tooltip != new.tooltip:
            self._item.NewToolTip()
        if menu.items(old) != menu.items(new):
            self._menu.revision += 1
            self._menu.LayoutUpdated(self._menu.revision, 0)
