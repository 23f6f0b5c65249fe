"""The system tray icon: the state at a glance, the posture in the tooltip, a menu of commands.

The icon (``desktop.icons``) shows the state. Menu choices become commands
for the monitor; the tray never touches the camera or the engine itself.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from functools import cache, wraps
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
        """End the tray loop, waiting at most STOP_SECONDS: pystray hands the stop to its loop and waits for it, and a
        loop that never answers (a tray host or X server that stopped answering it) must not hold the monitor's exit
        for ever. The loop's thread is a daemon: the process ends without it."""
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

    Only the loop's thread talks to the X server. pystray hands a change made on
    another thread (show, icon, title, stop) to its loop as an X client message
    sent and flushed on the caller's thread, over the loop's own connection, and
    python-xlib cannot share a connection so: a flush begun while the loop reads
    events sends without reading; if the loop then starts a round trip, it waits
    for that flush to wake it, and the flush, seeing a reply to read, returns
    without doing so as if the loop were still reading. The loop then waits for
    ever (in ``get_geometry`` or ``sync``) and the tooltip and icon stop
    changing. So this icon replaces pystray's hand-over (``_rewrite_implementation``,
    which pystray calls with exactly the methods to move, hence a subclass): a
    change from another thread is queued, the loop is woken through a pipe of its
    own, runs it and tells the caller, who waits as pystray's caller does; once
    the loop has ended, changes are dropped instead. A second X connection for
    the callers' messages would also keep them apart, but a pipe needs no X
    client. The loop sends all it has queued, then waits in ``select`` on the X
    socket and that pipe.
    """
    import select

    import Xlib.error
    from pystray import _xorg
    from Xlib import X

    class XembedIcon(_xorg.Icon):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._parent_relative = False
            self._stopping = False
            # Changes for the loop: (method, done, error); the pipe's write end while the loop runs.
            self._calls: deque[tuple[Callable[[], None], threading.Event, list[Exception]]] = deque()
            self._calls_lock = threading.Lock()
            self._wake: int | None = None
            self._ended = False
            super().__init__(*args, **kwargs)
            self._message_handlers[X.ReparentNotify] = self._on_reparent

        def _rewrite_implementation(self, *methods: Callable[[], None]) -> None:
            """Make each of pystray's ``methods`` run on the loop's thread, whoever calls it."""
            for method in methods:
                setattr(self, method.__name__, self._on_loop(method))

        def _on_loop(self, method: Callable[[], None]) -> Callable[[], None]:
            @wraps(method)
            def call() -> None:
                if threading.current_thread() is getattr(self, "_thread", None):
                    method()
                    return
                done = threading.Event()
                error: list[Exception] = []
                with self._calls_lock:
                    if self._ended:
                        return
                    self._calls.append((method, done, error))
                    if self._wake is not None:
                        os.write(self._wake, b"\0")
                done.wait()
                if error:
                    raise error[0]

            return call

        def _run_calls(self) -> None:
            while True:
                with self._calls_lock:
                    if not self._calls:
                        return
                    method, done, error = self._calls.popleft()
                try:
                    method()
                except Exception as exc:  # the caller's to handle, as with pystray's own hand-over
                    error.append(exc)
                finally:
                    done.set()

        def _run(self) -> None:
            # pystray names the loop's thread only after letting setup() start, which may then change the icon.
            self._thread = threading.current_thread()
            self._wake_read, wake = os.pipe()
            with self._calls_lock:
                self._wake = wake
            try:
                super()._run()
            finally:
                with self._calls_lock:
                    self._ended = True
                    self._wake = None
                    left = list(self._calls)
                    self._calls.clear()
                for _, done, _ in left:
                    done.set()
                os.close(self._wake_read)
                os.close(wake)

        def _stop(self) -> None:
            # The loop ends here, not only on the DestroyNotify, which a window already gone never gets.
            self._stopping = True
            super()._stop()

        def _assert_docked(self) -> None:
            """Ask the tray to dock the icon once per tray. pystray asks again on every show and icon change, and
            trayer, asked twice in a row, embeds the window and then lets go of it, leaving it undocked on the root."""
            if self._systray_manager is None:
                self._dock_window()
            assert self._systray_manager

        def _events(self) -> Any:
            while not self._stopping:
                self._run_calls()
                self._display.flush()
                if self._display.pending_events():
                    yield self._display.next_event()
                elif self._wake_read in select.select([self._display, self._wake_read], [], [])[0]:
                    os.read(self._wake_read, 512)

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
