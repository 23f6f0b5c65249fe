"""What to install when OpenCV or MediaPipe cannot load a library of the operating system.

Their wheels link to libraries every desktop has (OpenGL, EGL, GLib, XCB);
a server, a container or a minimal install may lack them, and then the
first ``import cv2`` or the pose model's first use fails deep inside with a
loader error. :func:`advice` turns that error into what to install.
"""

from __future__ import annotations

import re

# "libEGL.so.1: cannot open shared object file" (Linux), "Library not loaded: ..." (macOS).
_MISSING = re.compile(r"(\S+?): cannot open shared object file|Library not loaded: (\S+)")
# One install line per family of systems, for every library the wheels load: after one
# is installed, the next missing one would otherwise stop the program again.
INSTALL = (
    "on Debian or Ubuntu: sudo apt install libgl1 libegl1 libgles2 libglib2.0-0 libxcb1; "
    "on Fedora: sudo dnf install mesa-libGL mesa-libEGL libglvnd-gles glib2 libxcb"
)


def advice(exc: BaseException) -> str | None:
    """The message for a library that could not be loaded, or None when ``exc`` is something else."""
    if not isinstance(exc, (ImportError, OSError)):
        return None
    found = _MISSING.search(str(exc))
    if found is None:
        return None
    name = found.group(1) or found.group(2)
    return (
        f"{name} is missing: OpenCV and MediaPipe load libraries that a desktop has but this system lacks; {INSTALL}"
    )
