"""Desktop notifications that never crash or block the monitor.

Backends, in order; the first that takes the notification wins:

1. desktop-notifier: on Linux it speaks org.freedesktop.Notifications over
   dbus-fast to the notification server on the session bus (it is skipped
   when no server answers there); on macOS and Windows it uses the native
   notification centre. Reminders get "Snooze N min" and "Done" buttons
   where the server offers actions, and a click comes back as
   ``on_action("snooze" | "done", tag)``.
2. notify-send (libnotify), with the same buttons when it supports ``--action``.
3. plyer, which on Linux needs dbus-python (not a dependency; skipped without it).
4. the log.

The chain runs on a worker thread and every attempt is bounded by
``timeout``; :meth:`Notifier.send` waits for the outcome at most ``wait``
seconds, so a hung server or daemon never holds up the monitor. A backend
that does not apply here is skipped with a debug line; only a real failure
is logged as a warning. Text is passed as separate arguments or D-Bus
values, never through a shell. Where the server reads markup in the body
(``body-markup``), ``&``, ``<`` and ``>`` are escaped so the text, line
breaks included, is shown as written.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import html
import io
import logging
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

log = logging.getLogger(__name__)

APP = "posture-watch"
SERVER = "org.freedesktop.Notifications"
SERVER_PATH = "/org/freedesktop/Notifications"
# How long a notification stays up: reminders with buttons longer, so there is time to choose.
EXPIRE_SECONDS, EXPIRE_WITH_BUTTONS_SECONDS = 15, 60
ICON_FILE = "notification-icon.png"
Backend = Callable[[str, str], None]
T = TypeVar("T")


class Skip(Exception):
    """A backend that does not apply here (not installed, no server): skipped without a warning."""


@dataclass(frozen=True)
class Server:
    """The org.freedesktop.Notifications server answering on the session bus."""

    name: str
    vendor: str
    version: str
    capabilities: frozenset[str]

    @property
    def actions(self) -> bool:
        """Whether it can show buttons (dunst keeps them behind its context menu, shown as "(A)")."""
        return "actions" in self.capabilities

    @property
    def markup(self) -> bool:
        """Whether it reads the body as markup, so ``&``, ``<`` and ``>`` must be escaped."""
        return "body-markup" in self.capabilities


def actions(snooze_minutes: float) -> dict[str, str]:
    """The buttons of a reminder: action key -> label."""
    return {"snooze": f"Snooze {snooze_minutes:g} min", "done": "Done"}


# Labels for the default snooze, kept for callers that read them.
ACTIONS = actions(15)


async def _ask_server() -> Server:
    """Ask the session bus for its notification server; :class:`Skip` when there is none."""
    from dbus_fast import Message, MessageType
    from dbus_fast.aio import MessageBus

    try:
        bus = await MessageBus().connect()
    except Exception as exc:  # no address, refused, bad address: all mean no session bus
        log.debug("no D-Bus session bus: %s", exc)
        raise Skip("no D-Bus session bus") from exc
    try:
        answers = []
        for member in ("GetCapabilities", "GetServerInformation"):
            reply = await bus.call(Message(destination=SERVER, path=SERVER_PATH, interface=SERVER, member=member))
            if reply is None or reply.message_type != MessageType.METHOD_RETURN:
                error = getattr(reply, "error_name", None) or "no reply"
                raise Skip(f"no notification server on the session bus ({error})")
            answers.append(reply.body)
        (caps,), (name, vendor, version, *_) = answers
        return Server(str(name), str(vendor), str(version), frozenset(map(str, caps)))
    finally:
        bus.disconnect()


def notification_server(timeout: float = 2.0) -> Server:
    """The notification server on the session bus; raises :class:`Skip` saying why there is none.

    Linux (and other D-Bus desktops) only. Runs a short-lived loop on a
    helper thread, so it works from any thread; bounded by ``timeout``.
    """
    found: list[Server | BaseException] = []

    def ask() -> None:
        try:
            found.append(asyncio.run(asyncio.wait_for(_ask_server(), timeout)))
        except (Exception, asyncio.CancelledError) as exc:
            found.append(exc)

    thread = threading.Thread(target=ask, name="notification-server-check", daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return _server_or_skip(found[0] if found else TimeoutError())


def _server_or_skip(outcome: Server | BaseException) -> Server:
    if isinstance(outcome, Server):
        return outcome
    if isinstance(outcome, Skip):
        raise outcome
    if isinstance(outcome, (TimeoutError, asyncio.TimeoutError)):
        raise Skip("the session bus or its notification server did not answer in time")
    if isinstance(outcome, ImportError):
        raise Skip(f"dbus-fast does not import ({outcome})")
    raise Skip(f"no notification server ({outcome!r})")


def body_text(body: str, server: Server | None) -> str:
    """The body as ``server`` should get it: ``&``, ``<``, ``>`` escaped where it reads markup.

    Line breaks stay as they are; every server shows them as line breaks.
    """
    return html.escape(body, quote=False) if server is not None and server.markup else body


@cache
def notify_send_help() -> str:
    """``notify-send --help``, or "" without notify-send."""
    exe = shutil.which("notify-send")
    if exe is None:
        return ""
    try:
        return subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=5, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def notify_send_has_actions() -> bool:
    """Whether the installed notify-send can show buttons (libnotify 0.7.10 and later)."""
    return "--action" in notify_send_help()


# Tests and callers clear the cache through the function they know.
notify_send_has_actions.cache_clear = notify_send_help.cache_clear  # type: ignore[attr-defined]


def icon_path() -> Path | None:
    """The green "good" tray icon as a PNG in the user cache, written once; None if it cannot be."""
    from .. import paths

    path = paths.cache_dir() / ICON_FILE
    if path.exists():
        return path
    try:
        from .tray import icon_image

        data = io.BytesIO()
        icon_image("good").save(data, format="PNG")
        paths.write_private(path, data.getvalue())
    except Exception as exc:  # an icon is a nicety: go on without one
        log.debug("no notification icon: %s", exc)
        return None
    return path


def plyer_available() -> str | None:
    """Why plyer cannot show notifications here, or None when it can."""
    if sys.platform.startswith("linux"):
        import importlib.util

        if importlib.util.find_spec("dbus") is None:
            # Without dbus-python plyer only runs notify-send and ignores its failure.
            return "plyer needs dbus-python on Linux"
    try:
        from plyer import notification  # noqa: F401 - an attribute of plyer, not a module
    except ImportError as exc:
        return f"plyer does not import ({exc})"
    return None


@dataclass
class _Reminder:
    """One notification on its way through the backends."""

    title: str
    body: str
    actions: bool
    tag: object
    done: threading.Event = field(default_factory=threading.Event)
    outcome: str = ""
    server: Server | None = None
    # Why there is no notification server (Linux), once asked; "" while unknown.
    no_server: str = ""

    def text(self) -> str:
        return body_text(self.body, self.server)


def _ours(method: Callable[..., None]) -> Callable[..., None]:
    """Mark a built-in backend: it takes the whole reminder, not only (title, body)."""
    method.takes_reminder = True  # type: ignore[attr-defined]
    return method


class Notifier:
    """Shows notifications; reports Snooze/Done clicks on reminders through ``on_action(key, tag)``.

    ``backends``: (name, callable(title, body)) pairs to use instead of the
    built-in chain (tests). ``timeout`` bounds each attempt. ``wait`` is the
    most :meth:`send` blocks its caller: by default ``timeout`` for the
    built-in chain, and for backends passed in the whole chain (each attempt
    still bounded by ``timeout``). ``snooze_minutes`` labels the Snooze
    button and may be changed at any time.
    """

    def __init__(
        self,
        on_action: Callable[[str, object], None] = lambda key, tag: None,
        backends: list[tuple[str, Backend]] | None = None,
        timeout: float = 5.0,
        snooze_minutes: float = 15,
        wait: float | None = None,
    ) -> None:
        self.on_action = on_action
        self.timeout = timeout
        self.snooze_minutes = snooze_minutes
        if backends is None:
            self.backends: list[tuple[str, Callable[..., None]]] = [
                ("desktop-notifier", self._desktop_notifier),
                ("notify-send", self._notify_send),
                ("plyer", self._plyer),
            ]
            self.wait: float | None = timeout if wait is None else wait
        else:
            self.backends = list(backends)
            self.wait = wait
        self.last_backend = ""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_lock = threading.Lock()
        self._dn: Any = None  # desktop_notifier.DesktopNotifier, made on the loop's thread
        self._warned_none = False

    def send(self, title: str, body: str, actions: bool = False, tag: object = None) -> str:
        """Show a notification; ``actions`` adds Snooze and Done buttons where they can be shown.

        Returns the backend that took it ("log" if none did), or "pending"
        when the backends are still being tried as ``wait`` runs out; the
        chain then goes on in the background.
        """
        reminder = _Reminder(title, body, actions, tag)
        threading.Thread(target=self._chain, args=(reminder,), name="notification", daemon=True).start()
        if not reminder.done.wait(self.wait):
            log.debug("notification %r still on its way after %gs", title, self.wait)
            return "pending"
        return reminder.outcome

    # --- the chain ---------------------------------------------------------------------------

    def _chain(self, reminder: _Reminder) -> None:
        try:
            reminder.outcome = self._try_each(reminder)
            self.last_backend = reminder.outcome
        finally:
            reminder.done.set()

    def _try_each(self, reminder: _Reminder) -> str:
        for name, backend in self.backends:
            if getattr(backend, "takes_reminder", False):
                attempt: Callable[[], None] = lambda backend=backend: backend(reminder)  # noqa: E731
            else:
                attempt = lambda backend=backend: backend(reminder.title, reminder.body)  # noqa: E731
            try:
                _within(self.timeout, attempt)
            except Skip as exc:
                log.debug("notification backend %s skipped: %s", name, exc)
                continue
            except TimeoutError:
                log.warning("notification backend %s did not answer within %gs; trying the next", name, self.timeout)
                continue
            except Exception as exc:  # any backend failure means: try the next one
                log.warning("notification backend %s failed (%s); trying the next", name, exc)
                continue
            self._warned_none = False  # a later outage is news again
            return name
        if not self._warned_none:
            self._warned_none = True
            log.warning(
                "no notification could be shown: install a notification daemon (such as dunst) or run "
                "posture-watch from your desktop session; reminders go to this log meanwhile"
            )
        log.info("reminder: %s: %s", reminder.title, reminder.body.replace("\n", " "))
        return "log"

    def _ask_server(self, reminder: _Reminder) -> Server:
        """The notification server, asked once per reminder; :class:`Skip` when there is none."""
        if reminder.server is not None:
            return reminder.server
        if reminder.no_server:
            raise Skip(reminder.no_server)
        try:
            reminder.server = self._on_loop(_ask_server())
        except Exception as exc:
            try:
                _server_or_skip(exc)
            except Skip as skip:
                reminder.no_server = str(skip)
                raise skip from exc
        return reminder.server

    def _clicked(self, key: str, tag: object) -> None:
        """A button was pressed: tell the caller on a thread of its own, so no loop waits on it."""

        def call() -> None:
            try:
                self.on_action(key, tag)
            except Exception:
                log.exception("handling the %r button failed", key)

        threading.Thread(target=call, name="notification-action", daemon=True).start()

    # --- desktop-notifier --------------------------------------------------------------------

    def _on_loop(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the notifier's own asyncio loop (a daemon thread), bounded by ``timeout``."""
        with self._loop_lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="notifications-loop", daemon=True).start()
                self._loop = loop
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(self.timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError from None

    @_ours
    def _desktop_notifier(self, reminder: _Reminder) -> None:
        try:
            import desktop_notifier  # noqa: F401
        except ImportError as exc:
            raise Skip(f"desktop-notifier does not import ({exc})") from exc
        if sys.platform.startswith("linux"):
            self._ask_server(reminder)
        self._on_loop(self._desktop_notifier_send(reminder))

    async def _desktop_notifier_send(self, reminder: _Reminder) -> None:
        from desktop_notifier import Button, Capability, DesktopNotifier, Icon, Urgency

        if self._dn is None:
            icon = icon_path()
            self._dn = DesktopNotifier(app_name=APP, app_icon=Icon(path=icon) if icon else None)
        notifier = self._dn
        buttons: list[Button] = []
        if reminder.actions:
            if reminder.server is not None:
                can = reminder.server.actions
            else:
                can = Capability.BUTTONS in await notifier.get_capabilities()
            if can:
                buttons = [
                    Button(title=label, identifier=key, on_pressed=lambda key=key: self._clicked(key, reminder.tag))
                    for key, label in actions(self.snooze_minutes).items()
                ]
        dispatched: list[str] = []
        await notifier.send(
            reminder.title,
            reminder.text(),
            urgency=Urgency.Normal,
            buttons=buttons,
            on_dispatched=lambda: dispatched.append("yes"),
            timeout=EXPIRE_WITH_BUTTONS_SECONDS if buttons else EXPIRE_SECONDS,
        )
        if not dispatched:
            # desktop-notifier logs the cause itself; a new connection is made next time.
            self._dn = None
            raise RuntimeError("it did not deliver the notification")

    # --- notify-send -------------------------------------------------------------------------

    def _notify_send_args(self, reminder: _Reminder, expire: int) -> list[str]:
        exe = shutil.which("notify-send")
        if exe is None:
            raise Skip("notify-send is not installed")
        args = [exe, "--app-name", APP, "--urgency", "normal", "--expire-time", str(expire * 1000)]
        icon = icon_path()
        if icon is not None:
            args += ["--icon", str(icon)]
        return args

    @_ours
    def _notify_send(self, reminder: _Reminder) -> None:
        if sys.platform.startswith("linux"):
            with contextlib.suppress(Skip):
                self._ask_server(reminder)  # for its capabilities: buttons, markup
        try:
            self._notify_send_attempt(reminder)
        except (Skip, TimeoutError):
            raise
        except Exception as exc:
            if reminder.no_server:  # failing without a server is expected, not news
                raise Skip(f"{exc}; {reminder.no_server}") from exc
            raise

    def _notify_send_attempt(self, reminder: _Reminder) -> None:
        can = reminder.actions and notify_send_has_actions()
        if can and reminder.server is not None and not reminder.server.actions:
            can = False
        if not can:
            args = self._notify_send_args(reminder, EXPIRE_SECONDS)
            result = subprocess.run(
                [*args, reminder.title, reminder.text()],
                capture_output=True,
                text=True,
                timeout=self.timeout * 0.8,
                check=False,
            )
            if result.returncode != 0:
                raise RuntimeError("; ".join(result.stderr.split("\n")).strip("; ") or f"exit {result.returncode}")
            return
        self._notify_send_with_buttons(reminder)

    def _notify_send_with_buttons(self, reminder: _Reminder) -> None:
        """notify-send --action waits for a click and prints the chosen key; a thread waits with it.

        Success is known when it prints the notification's id (``--print-id``)
        or an action, or exits cleanly; an early failure tries the next backend.
        """
        args = self._notify_send_args(reminder, EXPIRE_WITH_BUTTONS_SECONDS)
        buttons = actions(self.snooze_minutes)
        args += [f"--action={key}={label}" for key, label in buttons.items()]
        print_id = "--print-id" in notify_send_help()
        if print_id:
            args.append("--print-id")
        proc = subprocess.Popen(
            [*args, reminder.title, reminder.text()],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        lines: queue.Queue[str | None] = queue.Queue()

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.put(line.strip())
            lines.put(None)

        threading.Thread(target=read, name="notify-send-actions", daemon=True).start()
        try:
            first = lines.get(timeout=max(0.1, self.timeout * 0.8))
        except queue.Empty:
            if print_id:  # a server that answers gives the id at once
                proc.kill()
                raise TimeoutError from None
            first = ""  # older notify-send prints nothing until a click: it is showing
        if first == "0":  # libnotify's id when no server took it; it exits with an error next
            first = None
        if first is None:  # ended without a word
            proc.wait(5)
            if proc.returncode != 0:
                err = "; ".join(proc.stderr.read().split("\n")).strip("; ") if proc.stderr else ""
                raise RuntimeError(err or f"exit status {proc.returncode}")
            return

        def wait_for_click(line: str | None) -> None:
            try:
                while line is not None:
                    if line in buttons:
                        self._clicked(line, reminder.tag)
                    line = lines.get(timeout=10 * 60)
            except queue.Empty:
                pass
            finally:
                if proc.poll() is None:
                    proc.kill()
                proc.wait()

        threading.Thread(target=wait_for_click, args=(first,), name="notify-send-click", daemon=True).start()

    # --- plyer -------------------------------------------------------------------------------

    @_ours
    def _plyer(self, reminder: _Reminder) -> None:
        why = plyer_available()
        if why is not None:
            raise Skip(why)
        from plyer import notification

        icon = icon_path()
        notification.notify(
            title=reminder.title,
            message=reminder.text(),
            app_name=APP,
            app_icon=str(icon) if icon else "",
            timeout=EXPIRE_SECONDS,
        )


def _within(timeout: float, attempt: Callable[[], None]) -> None:
    """Run ``attempt`` on a worker thread; re-raise what it raised, TimeoutError if it took too long."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            attempt()
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, name="notification-attempt", daemon=True)
    worker.start()
    worker.join(timeout)
    if not outcome:
        raise TimeoutError
    if outcome[0] is not None:
        raise outcome[0]
