"""The system tray icon: the state at a glance, the posture in the tooltip, a menu of commands.

The icon (``desktop.icons``) shows the state. Menu choices become commands
for the monitor; the tray never touches the camera or the engine itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import Any

from PIL import Image

from ..commands import Command
from . import menu
from .icons import icon_image
from .menu import APP, STARTING, TrayView

log = logging.getLogger(__name__)


class Tray:
    """A pystray icon whose menu (``desktop.menu``) sends typed commands through ``command(cmd)``.

    Used on macOS and Windows, whose pystray backends have menus, and on
    Linux desktops whose only tray host is a plain XEmbed tray (trayer,
    stalonetray), where pystray's X11 backend docks: no menu there, a left
    click runs the default item, today's summary.
    """

    def __init__(self, command: Callable[[Command], None]) -> None:
        import pystray

        self.command = command
        self._pystray = pystray
        title = f"{APP}: {STARTING.tooltip}"
        self.icon = _icon_class(pystray)(APP, icon_image(STARTING.state), title, self._menu(STARTING))
        self._shown = STARTING
        # Updates go to pystray from a thread of their own, latest first: pystray waits for its
        # loop to take each one, and a tray stuck in X must not hold up the monitor.
        self._wish = STARTING
        self._wished = threading.Condition()
        # pystray's setters hand work to its loop: none before the loop runs.
        self._running = threading.Event()
        threading.Thread(target=self._apply, name="tray-updates", daemon=True).start()

    def _menu(self, view: TrayView) -> Any:
        """The pystray menu of ``view``'s rows; the default item is today's summary, the left click."""
        pystray = self._pystray

        def entry(row: menu.Item) -> Any:
            if row.separator:
                return pystray.Menu.SEPARATOR
            if row.command is None:
                return pystray.MenuItem(row.label, None, enabled=False)
            command = row.command
            return pystray.MenuItem(row.label, lambda *_: self.command(command), default=command == menu.DEFAULT)

        return pystray.Menu(*(entry(row) for row in menu.items(view)))

    def show(self, view: TrayView) -> None:
        """Show ``view`` (only what changed); never waits for the tray."""
        with self._wished:
            self._wish = replace(view, level=round(view.level, 1))
            self._wished.notify()

    def _apply(self) -> None:
        self._running.wait()
        while True:
            with self._wished:
                while self._wish == self._shown:
                    self._wished.wait()
                old, new = self._shown, self._wish
                self._shown = new
            if (old.state, old.level) != (new.state, new.level):
                self.icon.icon = icon_image(new.state, new.level)
            if old.tooltip != new.tooltip:
                self.icon.title = f"{APP}: {new.tooltip}"
            if menu.items(old) != menu.items(new):
                self.icon.menu = self._menu(new)

    def run(self, setup: Callable[[], None]) -> None:
        """Run the tray loop on this thread; ``setup`` starts the monitor once the icon is up."""

        def started(icon: object) -> None:
            self.icon.visible = True
            # pystray keeps a title set while the icon was hidden without showing it.
            self.icon._update_title()
            self._running.set()
            setup()

        self.icon.run(setup=started)

    def stop(self) -> None:
        """End the tray loop, waiting at most STOP_SECONDS: pystray hands the stop to its loop and waits for it, and
        an X11 loop caught in a round trip to the server (python-xlib shares one connection between threads) would
        otherwise hold the monitor's exit for ever. The loop's thread is a daemon: the process ends without it."""
        stopping = threading.Thread(target=self.icon.stop, name="tray-stop", daemon=True)
        stopping.start()
        stopping.join(STOP_SECONDS)
        if stopping.is_alive():
            log.warning("the tray icon did not close within %g s; leaving it to end with the process", STOP_SECONDS)


# How long ending the monitor waits for the tray icon to close.
STOP_SECONDS = 10.0


# Behind the icon when the tray's background cannot be read (a tray of another depth).
FALLBACK_BACKGROUND = (128, 128, 128)


def _icon_class(pystray: Any) -> type:
    """pystray's Icon, or on its X11 backend one that takes clicks and draws on the tray's background."""
    if pystray.Icon.__module__ != "pystray._xorg":
        return pystray.Icon
    return _xembed_icon()


@cache
def _xembed_icon() -> type:
    """A pystray X11 (XEmbed) icon fixed for plain X11 trays.

    pystray's own window selects no button events, so the X server never tells
    it about a click, and it pastes the RGBA icon onto a black RGB square. This
    one selects ButtonPress/ButtonRelease (a left click runs the menu's default
    item), and once docked takes its parent's background (``ParentRelative``,
    allowed only between windows of one depth), reads that background back and
    blends the icon over it, so the corners show the tray, antialiased edges too.

    Its event loop also waits with a timeout: pystray's blocks in a read of the
    X socket, and an event another thread happened to read off it (the one
    that ends the loop, say) waited there until the next one came, so stop()
    could return with the loop still running.
    """
    import select

    import Xlib.error
    from pystray import _xorg
    from Xlib import X

    class XembedIcon(_xorg.Icon):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._parent_relative = False
            self._stopping = False
            super().__init__(*args, **kwargs)
            self._message_handlers[X.ReparentNotify] = self._on_reparent

        def _stop(self) -> None:
            self._stopping = True
            super()._stop()

        def _events(self) -> Any:
            while not self._stopping:
                if self._display.pending_events():
                    yield self._display.next_event()
                else:
                    select.select([self._display], [], [], 0.2)

        def _create_window(self) -> Any:
            window = super()._create_window()
            with _xorg.display_manager(self._display):
                window.change_attributes(
                    event_mask=X.ExposureMask | X.StructureNotifyMask | X.ButtonPressMask | X.ButtonReleaseMask
                )
            return window

        def _on_reparent(self, event: Any) -> None:
            """Docked (or undocked): show the new parent's background behind the icon when the depths allow."""
            if event.window.id != self._window.id:
                return
            try:
                with _xorg.display_manager(self._display):
                    same = event.parent.get_geometry().depth == self._window.get_geometry().depth
                    self._window.change_attributes(background_pixmap=X.ParentRelative if same else X.NONE)
                self._parent_relative = same
            except (_xorg.XError, Xlib.error.XError) as exc:
                log.debug("tray background: %s", exc)
                self._parent_relative = False
            self._draw()

        def _background(self, width: int, height: int) -> Image.Image:
            """What the tray shows behind the window, read back after clearing it to its background."""
            if self._parent_relative:
                try:
                    self._window.clear_area(0, 0, width, height)
                    reply = self._window.get_image(0, 0, width, height, X.ZPixmap, 0xFFFFFFFF)
                    info = self._display.display.info
                    bits = {f.depth: f.bits_per_pixel for f in info.pixmap_formats}.get(reply.depth)
                    if reply.depth == 24 and bits == 32 and len(reply.data) >= width * height * 4:
                        raw = "BGRX" if info.image_byte_order == X.LSBFirst else "XRGB"
                        return Image.frombytes("RGB", (width, height), bytes(reply.data), "raw", raw)
                except Exception as exc:  # not viewable yet, or an unusual format: the fallback colour
                    log.debug("tray background not readable: %s", exc)
            return Image.new("RGB", (width, height), FALLBACK_BACKGROUND)

        def _draw(self) -> None:
            try:
                size = self._window.get_geometry()
                width, height = size.width, size.height
                icon = self._icon.convert("RGBA").resize((width, height), Image.Resampling.LANCZOS)
                image = self._background(width, height).convert("RGBA")
                image.alpha_composite(icon)
                self._window.put_pil_image(self._gc, 0, 0, image.convert("RGB"))
            except Xlib.error.BadDrawable:
                pass  # the window has been destroyed

    return XembedIcon
