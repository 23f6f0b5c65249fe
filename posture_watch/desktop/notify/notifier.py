"""The notifier: one worker thread takes notices off a queue and tries the backends in order.

:meth:`Notifier.post` only queues the notice and returns: the monitor never
waits for a notification server, a daemon or a subprocess. The worker runs
one asyncio loop on which every backend attempt is bounded by ``timeout``
and cancelled when it runs out; clicks on buttons come back on that loop
too. :meth:`Notifier.close` withdraws what must not outlive the monitor (a
reminder with dead buttons, a notice with a ``replaces`` key) and ends the
worker, bounded as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import queue
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path

from .. import icons
from .backend import Backend, Delivery
from .notice import Notice, NoticeKind
from .server import Skip
from .via_desktop_notifier import DesktopNotifierBackend
from .via_log import LogBackend
from .via_notify_send import NotifySendBackend
from .via_plyer import PlyerBackend

log = logging.getLogger(__name__)


@cache
def icon_path(kind: NoticeKind, state: str | None = None) -> Path | None:
    """The icon of a notice of ``kind`` (a reminder's in its ``state``'s colour) as a PNG in the user cache.

    Written once per run, so a new version's drawing replaces an old file; None if it cannot be written.
    """
    from ... import paths

    name = f"{kind.value}-{state}" if kind is NoticeKind.REMINDER and state else kind.value
    path = paths.cache_dir() / f"notice-{name}.png"
    try:
        data = io.BytesIO()
        icons.notice_image(kind.value, state).save(data, format="PNG")
        paths.write_private(path, data.getvalue())
    except Exception as exc:  # an icon is a nicety: go on without one
        log.debug("no notification icon: %s", exc)
        return None
    return path


def default_backends() -> list[Backend]:
    """desktop-notifier, then notify-send, then plyer; the log comes after whichever list is used."""
    return [DesktopNotifierBackend(), NotifySendBackend(), PlyerBackend()]


class Notifier:
    """Shows notices through the first backend that takes each; reports button clicks with ``on_action(key, tag)``.

    ``on_action`` is called on the notifier's worker thread and must not
    block it. ``backends`` replaces the built-in chain (tests); the log is
    always the last resort. ``timeout`` bounds each backend attempt.
    ``last_backend`` names the backend that took the latest notice.
    """

    def __init__(
        self,
        on_action: Callable[[str, object], None] = lambda key, tag: None,
        backends: list[Backend] | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.on_action = on_action
        self.timeout = timeout
        self._fallback = LogBackend()
        self.backends: list[Backend] = [*(default_backends() if backends is None else backends), self._fallback]
        self.last_backend = ""
        self._notices: queue.SimpleQueue[Notice] = queue.SimpleQueue()
        self._lock = threading.Condition()
        self._posted = self._through = 0
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._current: asyncio.Future[None] | None = None
        self._closing = False
        self._close_within = 2.0

    # --- any thread --------------------------------------------------------------------------

    def post(self, notice: Notice) -> None:
        """Queue ``notice`` for the worker; returns at once. After :meth:`close` the notice goes to the log."""
        with self._lock:
            if self._closing:
                log.info("not shown (closing): %s", notice.title)
                return
            self._posted += 1
            self._notices.put(notice)
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="notifications", daemon=True)
                self._thread.start()
            loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(wake.set)

    def flush(self, timeout: float) -> bool:
        """Wait until every notice posted so far was shown (or logged, or dropped by close); False on timeout."""
        with self._lock:
            target = self._posted
            return self._lock.wait_for(lambda: self._through >= target, timeout)

    def close(self, timeout: float = 2.0) -> None:
        """Withdraw notices still on screen that have buttons or a ``replaces`` key, and end the worker.

        Notices still queued are not shown; the one on its way is cancelled.
        Returns within about ``timeout`` seconds whatever the backends do.
        """
        with self._lock:
            self._closing = True
            self._close_within = max(timeout - 0.2, 0.1)
            thread, loop = self._thread, self._loop
        if thread is None:
            return
        if loop is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._stop)
        thread.join(timeout)
        if thread.is_alive():
            log.debug("notifications still closing after %gs", timeout)

    # --- the worker thread -------------------------------------------------------------------

    def _work(self) -> None:
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._serve(loop))
        finally:
            for task in asyncio.all_tasks(loop):
                task.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.sleep(0))  # let cancelled tasks end
            # Not loop.shutdown_default_executor(): a backend stuck in a blocking call must not hold the exit.
            loop.close()
            with self._lock:
                self._loop = None
                self._through = self._posted
                self._lock.notify_all()

    async def _serve(self, loop: asyncio.AbstractEventLoop) -> None:
        wake = asyncio.Event()
        with self._lock:
            self._loop, self._wake = loop, wake
        while not self._closing:
            try:
                notice = self._notices.get_nowait()
            except queue.Empty:
                await wake.wait()
                wake.clear()
                continue
            self._current = asyncio.ensure_future(self._deliver(notice))
            try:
                await self._current
            except asyncio.CancelledError:
                if not self._closing:
                    raise
            finally:
                self._current = None
                with self._lock:
                    self._through += 1
                    self._lock.notify_all()
        closed = await asyncio.wait(
            [asyncio.ensure_future(backend.close()) for backend in self.backends], timeout=self._close_within
        )
        for task in closed[0]:
            if not task.cancelled() and task.exception() is not None:  # closing is best effort
                log.debug("closing a notification backend: %s", task.exception())

    def _stop(self) -> None:
        """On the loop: cancel the notice on its way and wake the worker to close."""
        if self._current is not None:
            self._current.cancel()
        if self._wake is not None:
            self._wake.set()

    async def _deliver(self, notice: Notice) -> None:
        delivery = Delivery(notice, icon_path(notice.kind, notice.state), self._clicked)
        for backend in self.backends:
            try:
                await asyncio.wait_for(backend.show(delivery), self.timeout)
            except Skip as exc:
                log.debug("notification backend %s skipped: %s", backend.name, exc)
                continue
            except asyncio.TimeoutError:
                log.warning(
                    "notification backend %s did not answer within %gs; trying the next", backend.name, self.timeout
                )
                continue
            except Exception as exc:  # any backend failure means: try the next one
                log.warning("notification backend %s failed (%s); trying the next", backend.name, exc)
                continue
            if backend is not self._fallback:
                self._fallback.outage = False  # a later outage is news again
            self.last_backend = backend.name
            return

    def _clicked(self, key: str, tag: object) -> None:
        """A button was pressed: tell the app (on this loop's thread; ``on_action`` must not block)."""
        try:
            self.on_action(key, tag)
        except Exception:
            log.exception("handling the %r button failed", key)
