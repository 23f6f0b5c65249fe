"""Where the monitor's outputs go: one small class per destination, all with the same interface.

A sink takes every output (``app.outputs.Output``) and acts on the types it
knows, by type dispatch (``functools.singledispatchmethod``); everything else
passes by. ``run`` registers the sinks of a session in one place; tests
register their own beside them. A new destination is one new module here.
"""

from __future__ import annotations

from typing import Protocol

from ..outputs import Output


class Sink(Protocol):
    def take(self, output: Output) -> None:
        """Show, store or ignore one output; never raises for a situation a user can be in."""

    def close(self) -> None:
        """The monitor is ending: finish what is open."""
