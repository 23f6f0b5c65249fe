"""The entry point of the ``posture-watch`` command and ``python -m posture_watch``.

It does one thing before importing the rest: for ``run``, it catches the
signals that end the monitor (``app.signals``), so a SIGTERM a fraction of a
second after the start already ends it cleanly.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["run"]:
        from .app import signals

        signals.catch()
    from .cli import main as cli

    return cli(args)
