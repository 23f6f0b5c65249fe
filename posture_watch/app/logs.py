"""The monitor's log: a rotating file in the per-user log folder, and stderr with --verbose."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from .. import paths
from .sinks.terminal import SAID


def log_file() -> Path:
    return paths.log_dir() / "posture-watch.log"


def setup(verbose: bool) -> Path:
    """Log INFO and up to the file (DEBUG with --verbose, also echoed to stderr)."""
    path = log_file()
    paths.private_dir(path.parent)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    os.chmod(path, 0o600)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    if verbose:
        echo = logging.StreamHandler()
        echo.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        # A line the terminal sink already printed is not echoed a second time.
        echo.addFilter(lambda record: not getattr(record, SAID, False))
        root.addHandler(echo)
    return path
