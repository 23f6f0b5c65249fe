"""Desktop notifications that never crash or block the monitor.

Backends in order: notify-send with Snooze and Done buttons (Linux desktops
whose notify-send supports actions), plyer (every platform), plain
notify-send, and finally the log. Each attempt runs on a worker thread with a
time limit, so a backend that hangs is abandoned and the next one tried.
Text is passed as separate arguments, never through a shell.
"""

from __future__ import annotations

import importlib.util
import logging
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from functools import cache

log = logging.getLogger(__name__)

APP = "posture-watch"
ACTIONS = {"snooze": "Snooze 15 min", "done": "Done"}
Backend = Callable[[str, str], None]


@cache
def notify_send_has_actions() -> bool:
    """Whether the installed notify-send can show buttons (libnotify 0.7.10 and later)."""
    exe = shutil.which("notify-send")
    if exe is None:
        return False
    try:
        out = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=5, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--action" in out


def plyer_backend(title: str, body: str) -> None:
    if sys.platform.startswith("linux") and importlib.util.find_spec("dbus") is None:
        # Without dbus-python plyer only runs notify-send and ignores its
        # failure; the notify-send backend does the same and notices.
        raise RuntimeError("plyer has no D-Bus backend here")
    from plyer import notification

    notification.notify(title=title, message=body, app_name=APP, timeout=15)


def notify_send_backend(title: str, body: str) -> None:
    exe = shutil.which("notify-send")
    if exe is None:
        raise FileNotFoundError("notify-send is not installed")
    subprocess.run(
        [exe, "--app-name", APP, "--expire-time", "15000", title, body], check=True, timeout=10, capture_output=True
    )


class Notifier:
    """Shows reminders; reports Snooze/Done clicks through ``on_action(key, tag)``."""

    def __init__(
        self,
        on_action: Callable[[str, object], None] = lambda key, tag: None,
        backends: list[tuple[str, Backend]] | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.on_action = on_action
        self.backends = (
            backends if backends is not None else [("plyer", plyer_backend), ("notify-send", notify_send_backend)]
        )
        self.timeout = timeout
        self.last_backend = ""

    def send(self, title: str, body: str, actions: bool = False, tag: object = None) -> str:
        """Show a notification; returns the backend that took it ("log" if none did)."""
        if actions and notify_send_has_actions():
            threading.Thread(target=self._with_actions, args=(title, body, tag), daemon=True).start()
            self.last_backend = "notify-send"
            return self.last_backend
        return self._plain(title, body)

    def _plain(self, title: str, body: str) -> str:
        """Try the backends without buttons in turn, then the log."""
        for name, backend in self.backends:
            if _within(self.timeout, backend, title, body):
                self.last_backend = name
                return name
            log.warning("notification backend %s failed; trying the next", name)
        log.warning("no notification backend worked; reminder: %s: %s", title, body.replace("\n", " "))
        self.last_backend = "log"
        return "log"

    def _with_actions(self, title: str, body: str, tag: object) -> None:
        """notify-send waits for a click and prints the chosen action; runs on its own thread."""
        exe = shutil.which("notify-send")
        args = [exe or "notify-send", "--app-name", APP, "--expire-time", "60000"]
        args += [f"--action={key}={label}" for key, label in ACTIONS.items()]
        try:
            result = subprocess.run([*args, title, body], capture_output=True, text=True, timeout=600, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("notify-send with actions failed (%s); reminder: %s", exc, title)
            return
        if result.returncode != 0:
            log.warning("notify-send with actions failed: %s", result.stderr.strip())
            self._plain(title, body)
            return
        choice = result.stdout.strip()
        if choice in ACTIONS:
            self.on_action(choice, tag)


def _within(timeout: float, backend: Backend, title: str, body: str) -> bool:
    """Run ``backend`` on a worker thread; False if it raised or did not finish in time."""
    outcome: list[bool] = []

    def attempt() -> None:
        try:
            backend(title, body)
            outcome.append(True)
        except Exception as exc:  # any backend failure means: try the next one
            log.debug("notification backend raised %r", exc)
            outcome.append(False)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(outcome and outcome[0])
