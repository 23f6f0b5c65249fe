"""Requests several desktop parts make of the D-Bus daemon itself (Linux; dbus-fast is imported here)."""

from __future__ import annotations

from dbus_fast import Message
from dbus_fast.aio import MessageBus


async def ask_bus(bus: MessageBus, member: str, argument: str) -> Message | None:
    """Call ``org.freedesktop.DBus.<member>(argument)`` on the bus daemon; its reply."""
    return await bus.call(
        Message(
            destination="org.freedesktop.DBus",
            path="/org/freedesktop/DBus",
            interface="org.freedesktop.DBus",
            member=member,
            signature="s",
            body=[argument],
        )
    )


async def add_match(bus: MessageBus, rule: str) -> None:
    """Ask the bus to deliver the signals ``rule`` matches (``type='signal',interface=...``) to ``bus``."""
    await ask_bus(bus, "AddMatch", rule)
