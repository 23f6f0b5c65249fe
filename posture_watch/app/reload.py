"""Files the running monitor re-reads when they change: the settings and the stored calibration.

An invalid settings edit keeps the last good settings; its error is reported
once, not on every check, and again only if the file changes to another error.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from .. import config
from ..errors import UserError

log = logging.getLogger(__name__)


class FileWatch:
    """Notices that a file was written, created or removed since the last look."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen = self._stamp()

    def _stamp(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def changed(self) -> bool:
        stamp = self._stamp()
        if stamp == self._seen:
            return False
        self._seen = stamp
        return True


class ConfigWatcher:
    """Holds the settings in force; :meth:`poll` picks up edits of the file."""

    def __init__(self, override: Path | None, on_error: Callable[[str], None] = lambda message: None) -> None:
        self.override = override
        self.path = config.user_file(override)
        self.on_error = on_error
        self.settings = config.load(override)
        self._watch = FileWatch(self.path)
        self._last_error = ""

    def poll(self) -> bool:
        """Re-read the file if it changed; True when new settings took effect."""
        if not self._watch.changed():
            return False
        try:
            self.settings = config.load(self.override)
        except UserError as exc:
            message = f"{exc} (keeping the previous settings)"
            if message != self._last_error:
                self._last_error = message
                log.error("settings not reloaded: %s", message)
                self.on_error(message)
            return False
        self._last_error = ""
        log.info("settings reloaded from %s", self.path)
        return True
