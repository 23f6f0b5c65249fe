"""Do not disturb: a fullscreen window in focus, or the desktop's own do-not-disturb.

Each check answers False when it cannot tell (no X display, no such desktop),
so a missing desktop feature never holds reminders forever.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess

log = logging.getLogger(__name__)


def fullscreen_focused() -> bool:
    """Whether the focused X11 window is fullscreen (EWMH ``_NET_WM_STATE_FULLSCREEN``)."""
    if not os.environ.get("DISPLAY"):
        return False
    try:
        from Xlib import X, display, error
    except ImportError:
        return False
    try:
        screen = display.Display()
    except Exception:  # Xlib raises several kinds when no display answers
        return False
    try:
        root = screen.screen().root
        active = root.get_full_property(screen.intern_atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType)
        if not active or not active.value or not active.value[0]:
            return False
        window = screen.create_resource_object("window", active.value[0])
        state = window.get_full_property(screen.intern_atom("_NET_WM_STATE"), X.AnyPropertyType)
        return bool(state) and screen.intern_atom("_NET_WM_STATE_FULLSCREEN") in state.value
    except error.XError:
        return False
    finally:
        screen.close()


def _ask(*args: str) -> str | None:
    if shutil.which(args[0]) is None:
        return None
    try:
        result = subprocess.run(args, capture_output=True, text=True, timeout=2, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def desktop_do_not_disturb() -> bool:
    """Whether the notification daemon or desktop says do not disturb (dunst, GNOME)."""
    if _ask("dunstctl", "is-paused") == "true":
        return True
    return _ask("gsettings", "get", "org.gnome.desktop.notifications", "show-banners") == "false"


def active() -> bool:
    """Whether reminders should be held now."""
    return fullscreen_focused() or desktop_do_not_disturb()
