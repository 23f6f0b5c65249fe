"""The one protocol every notification backend implements, and what an attempt hands it.

A backend is an object with a ``name`` and two coroutines, run on the
notifier's one worker loop: :meth:`Backend.show` shows a notice (or raises
:class:`Skip` when it does not apply here, or anything else when it failed,
and the next backend is tried), :meth:`Backend.close` withdraws what it shows
that must not outlive the notifier and lets go of its processes and
connections. The notifier bounds every call with a timeout, so a backend
never needs its own; one that must block (plyer) runs the blocking part on an
executor of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .notice import Notice
from .server import Server, Skip, ask_server, body_text, server_or_skip

APP = "posture-watch"
# How long a notification stays up: reminders with buttons longer, so there is time to choose.
EXPIRE_SECONDS, EXPIRE_WITH_BUTTONS_SECONDS = 15, 60


@dataclass
class Delivery:
    """One notice on its way through the backends, with what they share: its icon and the server, asked once."""

    notice: Notice
    icon: Path | None
    # Reports a button pressed on this notice: on_action(key, notice.tag).
    clicked: Callable[[str, object], None]
    server: Server | None = None
    # Why there is no notification server (Linux), once asked; "" while unknown.
    no_server: str = ""

    def click(self, key: str) -> None:
        self.clicked(key, self.notice.tag)

    def text(self) -> str:
        """The body as the server should get it (escaped where it reads markup)."""
        return body_text(self.notice.body, self.server)

    @property
    def expire(self) -> int:
        """Seconds the notice stays up: longer with buttons, so there is time to choose."""
        return EXPIRE_WITH_BUTTONS_SECONDS if self.notice.actions else EXPIRE_SECONDS

    async def ask_server(self) -> Server:
        """The notification server, asked once per notice; :class:`Skip` when there is none."""
        if self.server is not None:
            return self.server
        if self.no_server:
            raise Skip(self.no_server)
        try:
            self.server = await ask_server()
        except Exception as exc:
            try:
                server_or_skip(exc)
            except Skip as skip:
                self.no_server = str(skip)
                raise skip from exc
        return self.server


class Backend(Protocol):
    """A way to show notices; see the module's docstring."""

    name: str

    async def show(self, delivery: Delivery) -> None:
        """Show ``delivery.notice``: raise :class:`Skip` when this backend does not apply, anything when it failed."""

    async def close(self) -> None:
        """Withdraw the notices with buttons or a ``replaces`` key still shown; end processes and connections."""
