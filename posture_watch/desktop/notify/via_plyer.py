"""Notifications through plyer, which on Linux needs dbus-python (not a dependency; skipped without it).

plyer's call blocks, so it runs on one executor thread of this backend's own:
a call that hangs holds only that thread, and the notifier's timeout moves on
without it.
"""

from __future__ import annotations

import asyncio
import functools
import importlib.util
import sys
from concurrent.futures import ThreadPoolExecutor

from .backend import APP, Delivery
from .server import Skip


def plyer_available() -> str | None:
    """Why plyer cannot show notifications here, or None when it can."""
    if sys.platform.startswith("linux") and importlib.util.find_spec("dbus") is None:
        # Without dbus-python plyer only runs notify-send and ignores its failure.
        return "plyer needs dbus-python on Linux"
    try:
        from plyer import notification  # noqa: F401 - an attribute of plyer, not a module
    except ImportError as exc:
        return f"plyer does not import ({exc})"
    return None


class PlyerBackend:
    name = "plyer"

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None

    async def show(self, delivery: Delivery) -> None:
        why = plyer_available()
        if why is not None:
            raise Skip(why)
        from plyer import notification

        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="notification-plyer")
        call = functools.partial(
            notification.notify,
            title=delivery.notice.title,
            message=delivery.text(),
            app_name=APP,
            app_icon=str(delivery.icon) if delivery.icon is not None else "",
            timeout=delivery.expire,
        )
        await asyncio.get_running_loop().run_in_executor(self._pool, call)

    async def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None
