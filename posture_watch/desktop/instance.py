"""One monitor per user: an OS file lock, released by the OS even if the process dies."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .. import paths


class AlreadyRunning(Exception):
    """Another monitor holds the lock; its pid is in the message when known."""


class InstanceLock:
    """Hold with ``with InstanceLock(): ...``; raises AlreadyRunning if another monitor has it."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or paths.state_dir() / "monitor.lock"
        self._fd: int | None = None

    def __enter__(self) -> InstanceLock:
        paths.private_dir(self.path.parent)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(fd)
        except OSError:  # PermissionError on Windows, BlockingIOError elsewhere
            raise AlreadyRunning(f"posture-watch is already running (pid {_holder(fd) or 'unknown'})") from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _holder(fd: int) -> str:
    """The pid the running monitor wrote, or "" where its lock keeps the file from being read (Windows)."""
    try:
        return os.read(fd, 32).decode(errors="replace").strip()
    except OSError:
        return ""
    finally:
        os.close(fd)


if sys.platform.startswith("win"):
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
