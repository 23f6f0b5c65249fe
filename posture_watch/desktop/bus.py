"""Small D-Bus requests several desktop parts make of the bus itself."""

from __future__ import annotations

from dbus_fast import Message
from dbus_fast.aio import MessageBus


async def add_match(bus: MessageBus, rule: str) -> None:
    """Ask the bus to deliver the signals ``rule`` matches (``type='signal',interface=...``) to ``bus``."""
    await bus.call(
        Message(
            destination="org.freedesktop.DBus",
            path="/org/freedesktop/DBus",
            interface="org.freedesktop.DBus",
            member="AddMatch",
            signature="s",
            body=[rule],
        )
    )
