"""The coach as a child process of the running monitor: its own window and the camera, until it ends.

Start on a reminder, or Stretch now in the tray, starts ``posture-watch
coach`` with the monitor's settings file; the child takes the camera for its
duration and the monitor lets the camera go until the child ends (its mode
holds ``PauseReason.COACH``), so two programs never fight over one camera, and
a crash of the window or the pose model in the child leaves the monitor
running. The child's summary (``coach --json``'s last line) comes back to
the monitor as :class:`CoachEnded`, which it records and which answers the
reminder.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Seconds a child asked to stop (SIGTERM: it stops as q does and reports) is given before it is killed.
STOP_PATIENCE = 10.0


@dataclass(frozen=True)
class CoachEnded:
    """A coach session the monitor started has ended.

    ``summary`` is what ``coach --json`` prints last; None when it ended
    without one: closed before it began (while calibrating), or it failed
    (then ``error`` says why, from its stderr).
    """

    alert_id: int | None
    summary: dict[str, Any] | None
    error: str | None = None


def command(
    stretch: str | None,
    side: str | None,
    config: Path | None,
    source: Path | None = None,
    calibrate: float | None = None,
) -> list[str]:
    """The child's command line: ``posture-watch coach`` in its window, keeping no history of its own."""
    args = [sys.executable, "-m", "posture_watch", "coach", "--no-history"]
    if stretch is not None:
        args.append(stretch)
    if side is not None:
        args += ["--side", side]
    if config is not None:
        args += ["--config", str(config)]
    if source is not None:
        args += ["--source", str(source)]
    if calibrate is not None:
        args += ["--calibrate", f"{calibrate:g}"]
    return args


class CoachProcess:
    """One coach child: started, followed on a thread of its own, and its end posted as :class:`CoachEnded`.

    The child writes its summary (``coach --json``'s last line) to a file of the monitor's (``--report``),
    read when it ends; its stderr says why, when it could not run.
    """

    def __init__(self, args: list[str], alert_id: int | None, post: Callable[[object], None]) -> None:
        self.args, self.alert_id, self.post = args, alert_id, post
        self.proc: subprocess.Popen[str] | None = None
        self._thread: threading.Thread | None = None
        self._report: Path | None = None

    def start(self) -> None:
        fd, name = tempfile.mkstemp(prefix="posture-watch-coach-", suffix=".json")
        os.close(fd)
        self._report = Path(name)
        args = [*self.args, "--report", name]
        log.info("coach: %s", " ".join(args[2:]))
        try:
            self.proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
            )
        except OSError:
            self._report.unlink(missing_ok=True)
            raise
        self._thread = threading.Thread(target=self._follow, name="coach", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _follow(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None and self._report is not None
        said = [line.strip() for line in self.proc.stderr if line.strip()]
        self.proc.wait()
        summary: dict[str, Any] | None = None
        try:
            text = self._report.read_text(encoding="utf-8")
            summary = json.loads(text) if text.strip() else None
        except (OSError, ValueError):
            log.warning("coach: its summary could not be read", exc_info=True)
        finally:
            self._report.unlink(missing_ok=True)
        error = None
        if summary is None and self.proc.returncode != 0:
            error = said[-1] if said else f"the coach ended with status {self.proc.returncode}"
        self.post(CoachEnded(self.alert_id, summary, error))

    def stop(self) -> None:
        """Ask the child to stop (it reports what was done) and wait for it, killing it if it does not end."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(STOP_PATIENCE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
