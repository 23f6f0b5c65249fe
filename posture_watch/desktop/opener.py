"""Opening a file with the desktop's own handler, and a page in the browser; False when nothing can.

The app then tells the user where the file is instead (a notice with its
path), so "Open settings" with no editor and a report with no browser still
lead somewhere.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import webbrowser
from pathlib import Path

log = logging.getLogger(__name__)

# xdg-open fails at once when it finds no handler; one still running after this is showing the file.
HANDLER_WAIT = 3.0


def open_file(path: Path) -> bool:
    """Open ``path`` with the desktop's handler for its type (xdg-open, macOS open, Windows' association)."""
    if sys.platform == "win32":
        try:
            os.startfile(path)  # type: ignore[attr-defined]
        except OSError as exc:
            log.warning("nothing opens %s: %s", path, exc)
            return False
        return True
    exe = shutil.which("open" if sys.platform == "darwin" else "xdg-open")
    if exe is None:
        log.warning("no %s to open %s", "open" if sys.platform == "darwin" else "xdg-open", path)
        return False
    proc = subprocess.Popen(
        [exe, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        status = proc.wait(HANDLER_WAIT)
    except subprocess.TimeoutExpired:
        return True
    if status != 0:
        log.warning("%s could not open %s (exit status %d)", Path(exe).name, path, status)
    return status == 0


def open_page(path: Path) -> bool:
    """Open the local page ``path`` in the browser."""
    return webbrowser.open(path.as_uri())
