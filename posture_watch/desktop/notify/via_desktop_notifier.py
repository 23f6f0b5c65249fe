"""Notifications through desktop-notifier: org.freedesktop.Notifications over dbus-fast on Linux, the
native notification centre on macOS and Windows.

On Linux it is skipped when no notification server answers on the session
bus. Buttons are offered where the server has actions; a click comes back
through the notice's delivery. A notice with a ``replaces`` key first
withdraws the one shown before under that key.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

from .backend import APP, Delivery
from .server import Skip


class DesktopNotifierBackend:
    name = "desktop-notifier"

    def __init__(self) -> None:
        self._dn: Any = None  # desktop_notifier.DesktopNotifier, made on the worker's loop
        # Notices to withdraw at close: their replaces key (or identifier, for one with buttons) -> identifier.
        self._kept: dict[str, str] = {}

    async def show(self, delivery: Delivery) -> None:
        try:
            from desktop_notifier import Button, Capability, DesktopNotifier, Icon, Urgency
        except ImportError as exc:
            raise Skip(f"desktop-notifier does not import ({exc})") from exc
        if sys.platform.startswith("linux"):
            await delivery.ask_server()
        if self._dn is None:
            self._dn = DesktopNotifier(app_name=APP)
        notifier, notice = self._dn, delivery.notice
        buttons: list[Button] = []
        if notice.actions:
            if delivery.server is not None:
                can = delivery.server.actions
            else:
                can = Capability.BUTTONS in await notifier.get_capabilities()
            if can:
                buttons = [
                    Button(title=label, identifier=key, on_pressed=lambda key=key: delivery.click(key))
                    for key, label in notice.actions
                ]
        if notice.replaces is not None and (old := self._kept.pop(notice.replaces, None)) is not None:
            await self._clear(old)
        dispatched: list[str] = []
        key = notice.replaces
        try:
            identifier = await notifier.send(
                notice.title,
                delivery.text(),
                urgency=Urgency.Normal,
                icon=Icon(path=delivery.icon) if delivery.icon is not None else None,
                buttons=buttons,
                on_dispatched=lambda: dispatched.append("yes"),
                # Closed by the user: nothing left to withdraw.
                on_clicked=lambda: self._forget(key, identifier),
                on_dismissed=lambda: self._forget(key, identifier),
                timeout=delivery.expire,
            )
        except BaseException:
            self._dn = None  # a new connection next time
            raise
        if not dispatched:
            # desktop-notifier logs the cause itself; a new connection is made next time.
            self._dn = None
            raise RuntimeError("it did not deliver the notification")
        if notice.kept:
            self._kept[key if key is not None else identifier] = identifier

    def _forget(self, key: str | None, identifier: str) -> None:
        slot = key if key is not None else identifier
        if self._kept.get(slot) == identifier:
            del self._kept[slot]

    async def _clear(self, identifier: str) -> None:
        if self._dn is not None:
            with contextlib.suppress(KeyError):  # closed already: the backend no longer knows it
                await self._dn.clear(identifier)

    async def close(self) -> None:
        kept, self._kept = list(self._kept.values()), {}
        for identifier in kept:
            await self._clear(identifier)
