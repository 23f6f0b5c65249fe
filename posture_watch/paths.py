"""Per-user locations, from platformdirs, so every OS gets its native folders."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import PlatformDirs

APP = "posture-watch"
_DIRS = PlatformDirs(APP, appauthor=False)


def config_file() -> Path:
    """The user's own config file (it may not exist yet)."""
    return Path(_DIRS.user_config_dir) / "config.toml"


def data_dir() -> Path:
    """Where calibrations live."""
    return Path(_DIRS.user_data_dir)


def cache_dir() -> Path:
    """Where the downloaded pose model lives."""
    return Path(_DIRS.user_cache_dir)


def log_dir() -> Path:
    """Where the monitor's rotating log lives."""
    return Path(_DIRS.user_log_dir)


def state_dir() -> Path:
    """Where the single-instance lock lives (kept per user across sessions)."""
    return Path(_DIRS.user_state_dir)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by the user only, and return it."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` atomically to a user-only file: a crash leaves the old file intact."""
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
