"""Which tray this desktop can show, decided in one place for `run` and `doctor`, and the tray that shows it.

On Linux a StatusNotifierWatcher on the session bus (KDE Plasma, GNOME with
the AppIndicator extension, XFCE, Cinnamon, LXQt, Budgie, waybar...) hosts
the StatusNotifierItem tray (``desktop.sni``); on X11 an owner of the
``_NET_SYSTEM_TRAY_S<screen>`` selection (trayer, stalonetray, older panels)
hosts the XEmbed icon (``desktop.tray`` on pystray's X11 backend); macOS and
Windows have pystray's own. Anything else has no tray host: :func:`choose`
says why and what to install, and no pystray icon is made to fail docking
over and over. With a session bus an SNI item still waits there, so the icon
appears as soon as a panel starts (as at login, when the monitor may start
first).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol, TypeVar

from ..commands import Command
from .menu import TrayView

log = logging.getLogger(__name__)
T = TypeVar("T")

WATCHER = "org.kde.StatusNotifierWatcher"
GNOME_FIX = (
    "GNOME shows no tray icons without an extension: install and enable 'AppIndicator and KStatusNotifierItem "
    "Support' (gnome-shell-extension-appindicator; Ubuntu has it already) and log in again"
)
OTHER_FIX = (
    "nothing on this desktop shows tray icons (no StatusNotifierItem host on the session bus, no X11 system tray): "
    "add a panel with a system tray, such as xfce4-panel with its Status Tray plugin, or a standalone tray such as "
    "stalonetray or trayer"
)
NO_DISPLAY = "no desktop display"


class Tray(Protocol):
    """What both trays offer the app."""

    def show(self, view: TrayView) -> None:
        """Show ``view``; never waits for the tray host."""

    def run(self, setup: Callable[[], None]) -> None:
        """Serve the tray on this thread until :meth:`stop`; ``setup`` runs once it is up."""

    def stop(self) -> None:
        """End :meth:`run`; safe from any thread."""


@dataclass(frozen=True)
class Host:
    """The tray host found: ``kind`` "sni", "xembed" or "pystray", or None with the reason and what to install.

    ``says``: the host in words, or why there is none and how to get one.
    ``bus``: a session bus is there, so an SNI item can wait on it for a host.
    """

    kind: Literal["sni", "xembed", "pystray"] | None
    says: str
    bus: bool = False


def _answer(what: str, ask: Callable[[], T], timeout: float) -> T | None:
    """``ask()`` on a helper thread, so a display or bus that does not answer holds nobody; None on failure."""
    answer: list[T] = []

    def run() -> None:
        try:
            answer.append(ask())
        except Exception as exc:
            log.debug("%s: %s", what, exc)

    thread = threading.Thread(target=run, name=f"tray-check-{what}", daemon=True)
    thread.start()
    thread.join(timeout)
    return answer[0] if answer else None


def sni_host(bus_address: str | None = None, timeout: float = 2.0) -> bool | None:
    """Whether a StatusNotifierWatcher is on the session bus: None when there is no session bus at all."""

    async def ask() -> bool:
        from dbus_fast import MessageType
        from dbus_fast.aio import MessageBus

        from .bus import ask_bus

        bus = await MessageBus(bus_address=bus_address).connect()
        try:
            reply = await ask_bus(bus, "NameHasOwner", WATCHER)
            return reply is not None and reply.message_type == MessageType.METHOD_RETURN and bool(reply.body[0])
        finally:
            bus.disconnect()

    return _answer("session bus", lambda: asyncio.run(asyncio.wait_for(ask(), timeout)), timeout + 0.5)


def x11_tray(display: str, timeout: float = 2.0) -> bool:
    """Whether some window on ``display`` owns the system tray selection of its screen (an XEmbed tray)."""

    def ask() -> bool:
        from Xlib import X
        from Xlib import display as xdisplay

        screen = xdisplay.Display(display)
        try:
            selection = screen.intern_atom(f"_NET_SYSTEM_TRAY_S{screen.get_default_screen()}")
            return screen.get_selection_owner(selection) != X.NONE
        finally:
            screen.close()

    return bool(_answer("X11 tray", ask, timeout))


def choose(env: Mapping[str, str] | None = None, platform: str = sys.platform) -> Host:
    """The tray host this desktop offers (``env``: the environment that reaches it, this process's by default)."""
    env = os.environ if env is None else env
    if not platform.startswith("linux"):
        try:
            import pystray

            return Host("pystray", f"the system tray (pystray backend {pystray.Icon.__module__})")
        except Exception as exc:  # pystray raises several kinds when no backend fits
            return Host(None, f"no tray backend ({exc}); reinstall posture-watch")
    sni = sni_host(env.get("DBUS_SESSION_BUS_ADDRESS"))
    bus = sni is not None
    if sni:
        return Host("sni", "StatusNotifierItem (menu available)", bus)
    display = env.get("DISPLAY")
    if display and x11_tray(display):
        return Host("xembed", "X11 tray icon: no menu on most panels; Ctrl-C or SIGTERM stops the monitor", bus)
    if not display and not env.get("WAYLAND_DISPLAY"):
        return Host(None, NO_DISPLAY, bus)
    return Host(None, GNOME_FIX if "GNOME" in env.get("XDG_CURRENT_DESKTOP", "").upper() else OTHER_FIX, bus)


def open(host: Host, command: Callable[[Command], None]) -> Tray | None:
    """The tray for ``host``, sending menu choices to ``command``; None where no tray can ever show.

    With no host but a session bus, an SNI item that waits for one. Raises
    what pystray raises when none of its backends fits.
    """
    if host.kind == "sni" or (host.kind is None and host.bus):
        from .sni import SniTray

        return SniTray(command)
    if host.kind is None:
        return None
    if host.kind == "xembed":
        os.environ.setdefault("PYSTRAY_BACKEND", "xorg")  # the tray found is an XEmbed one, whatever else imports
    from .tray import Tray as PystrayTray

    return PystrayTray(command)
