"""The org.freedesktop.Notifications server on the session bus: who it is, what it can show, closing a notice."""

from __future__ import annotations

import asyncio
import html
import logging
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)

SERVER = "org.freedesktop.Notifications"
SERVER_PATH = "/org/freedesktop/Notifications"


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


def body_text(body: str, server: Server | None) -> str:
    """The body as ``server`` should get it: ``&``, ``<``, ``>`` escaped where it reads markup.

    Line breaks stay as they are; every server shows them as line breaks.
    """
    return html.escape(body, quote=False) if server is not None and server.markup else body


async def _connect():  # type: ignore[no-untyped-def]
    from dbus_fast.aio import MessageBus

    try:
        return await MessageBus().connect()
    except Exception as exc:  # no address, refused, bad address: all mean no session bus
        log.debug("no D-Bus session bus: %s", exc)
        raise Skip("no D-Bus session bus") from exc


async def ask_server() -> Server:
    """Ask the session bus for its notification server; :class:`Skip` when there is none."""
    from dbus_fast import Message, MessageType

    bus = await _connect()
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


async def close_notification(ids: list[int]) -> None:
    """Withdraw the notifications ``ids`` (server ids) with CloseNotification; ones already gone are no error."""
    from dbus_fast import Message

    if not ids:
        return
    bus = await _connect()
    try:
        for nid in ids:
            await bus.call(
                Message(
                    destination=SERVER,
                    path=SERVER_PATH,
                    interface=SERVER,
                    member="CloseNotification",
                    signature="u",
                    body=[nid],
                )
            )
    finally:
        bus.disconnect()


def server_or_skip(outcome: Server | BaseException) -> Server:
    """The server, or :class:`Skip` saying in words why there is none."""
    if isinstance(outcome, Server):
        return outcome
    if isinstance(outcome, Skip):
        raise outcome
    if isinstance(outcome, (TimeoutError, asyncio.TimeoutError)):
        raise Skip("the session bus or its notification server did not answer in time")
    if isinstance(outcome, ImportError):
        raise Skip(f"dbus-fast does not import ({outcome})")
    raise Skip(f"no notification server ({outcome!r})")


def notification_server(timeout: float = 2.0) -> Server:
    """The notification server on the session bus; raises :class:`Skip` saying why there is none.

    Linux (and other D-Bus desktops) only; for doctor. Runs a short-lived loop
    on a helper thread, so it works from any thread; bounded by ``timeout``.
    """
    found: list[Server | BaseException] = []

    def ask() -> None:
        try:
            found.append(asyncio.run(asyncio.wait_for(ask_server(), timeout)))
        except (Exception, asyncio.CancelledError) as exc:
            found.append(exc)

    thread = threading.Thread(target=ask, name="notification-server-check", daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return server_or_skip(found[0] if found else TimeoutError())
