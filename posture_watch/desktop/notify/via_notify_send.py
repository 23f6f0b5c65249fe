"""Notifications through notify-send (libnotify), run as a subprocess on the worker's loop.

With ``--print-id`` it learns the server's id of each notice, so a notice
with a ``replaces`` key is shown with ``--replace-id`` in place of the one
before, and :meth:`close` withdraws notices with CloseNotification. With
``--action`` (libnotify 0.7.10 and later) it shows buttons: notify-send then
stays to wait for a click and prints the chosen key, which a task on the loop
reads. Its output is line-buffered through ``stdbuf`` so the id comes at once,
not when the notice closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
import subprocess
import sys
from functools import cache
from typing import Any

from .backend import APP, Delivery
from .server import Skip, close_notification

log = logging.getLogger(__name__)

# Without --print-id a notify-send that waits for a click gives no sign that it is showing: it is taken as
# showing once it has not failed for this long.
QUIET_START = 2.0


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


def _error(stderr: bytes, returncode: int | None) -> RuntimeError:
    text = "; ".join(stderr.decode(errors="replace").split("\n")).strip("; ")
    return RuntimeError(text or f"exit status {returncode}")


class NotifySendBackend:
    name = "notify-send"

    def __init__(self) -> None:
        # Server ids of notices to withdraw at close, by replaces key (or by id, for one with buttons).
        self._ids: dict[str, int] = {}
        # The notify-send processes still running: each with its reader of clicks, or its reaper once killed.
        self._waiting: dict[asyncio.subprocess.Process, asyncio.Future[Any]] = {}

    async def show(self, delivery: Delivery) -> None:
        exe = shutil.which("notify-send")
        if exe is None:
            raise Skip("notify-send is not installed")
        if sys.platform.startswith("linux"):
            with contextlib.suppress(Skip):
                await delivery.ask_server()  # for its capabilities: buttons, markup
        try:
            await self._attempt(delivery, exe)
        except Exception as exc:
            if delivery.no_server and not isinstance(exc, Skip):  # failing without a server is expected, not news
                raise Skip(f"{exc}; {delivery.no_server}") from exc
            raise

    async def _attempt(self, delivery: Delivery, exe: str) -> None:
        notice, options = delivery.notice, notify_send_help()
        print_id = "--print-id" in options
        args = [exe, "--app-name", APP, "--urgency", "normal", "--expire-time", str(delivery.expire * 1000)]
        if delivery.icon is not None:
            args += ["--icon", str(delivery.icon)]
        if notice.replaces is not None and "--replace-id" in options and notice.replaces in self._ids:
            args += ["--replace-id", str(self._ids[notice.replaces])]
        buttons = bool(notice.actions) and "--action" in options
        if buttons and delivery.server is not None and not delivery.server.actions:
            buttons = False
        if buttons and not shutil.which("stdbuf"):
            print_id = False  # it would come only when the notice closes
        if print_id:
            args.append("--print-id")
        if buttons:
            args += [f"--action={key}={label}" for key, label in notice.actions]
            if print_id:
                args = ["stdbuf", "-oL", *args]
        proc = await asyncio.create_subprocess_exec(
            *args,
            notice.title,
            delivery.text(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            nid = await (self._started(proc, print_id) if buttons else self._ended(proc, print_id))
        except BaseException:  # failed, or the attempt's time ran out: no process left behind
            if proc.returncode is None:
                proc.kill()
                # close() reaps it while the loop runs: pipes that outlive the loop would fail to close at exit.
                self._waiting[proc] = asyncio.ensure_future(proc.wait())
            raise
        if nid is not None and notice.kept:
            self._ids[notice.replaces if notice.replaces is not None else f"#{nid}"] = nid
        if buttons:
            self._waiting[proc] = asyncio.ensure_future(self._clicks(proc, delivery, nid))

    @staticmethod
    async def _ended(proc: asyncio.subprocess.Process, print_id: bool) -> int | None:
        """Without buttons notify-send exits once the server has the notice: its id, if printed."""
        out, err = await proc.communicate()
        if proc.returncode != 0:
            raise _error(err, proc.returncode)
        return int(out.split()[0]) if print_id and out.split() else None

    @staticmethod
    async def _started(proc: asyncio.subprocess.Process, print_id: bool) -> int | None:
        """With buttons notify-send stays: shown once it prints the id (or, without one, has not failed at once)."""
        assert proc.stdout is not None and proc.stderr is not None
        if print_id:
            first = (await proc.stdout.readline()).strip()
            if first not in (b"", b"0"):  # libnotify prints 0 when no server took the notice
                return int(first)
        else:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(proc.wait(), QUIET_START)
            if proc.returncode in (None, 0):  # still showing, or already clicked and gone
                return None
        await proc.wait()
        raise _error(await proc.stderr.read(), proc.returncode)

    async def _clicks(self, proc: asyncio.subprocess.Process, delivery: Delivery, nid: int | None) -> None:
        """Report each key notify-send prints until it exits (the notice closed)."""
        assert proc.stdout is not None
        keys = {key for key, _ in delivery.notice.actions}
        try:
            async for line in proc.stdout:
                key = line.decode(errors="replace").strip()
                if key in keys:
                    delivery.click(key)
            await proc.wait()
        finally:
            self._waiting.pop(proc, None)
            if nid is not None and self._ids.get(f"#{nid}") == nid:
                del self._ids[f"#{nid}"]

    async def close(self) -> None:
        ids, self._ids = list(self._ids.values()), {}
        waiting, self._waiting = dict(self._waiting), {}
        for proc in waiting:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGINT)  # notify-send closes its notice on SIGINT (libnotify 0.8)
        try:
            await close_notification(ids)
        except Exception as exc:  # the server went first: nothing left to withdraw
            log.debug("closing notifications: %s", exc)
        for proc, reader in waiting.items():
            try:
                await asyncio.wait_for(proc.wait(), 1.0)
            except asyncio.TimeoutError:
                proc.kill()
            reader.cancel()
