"""Desktop notifications that never crash or block the monitor.

The app posts a :class:`Notice` to the :class:`Notifier`, which returns at
once; one worker thread tries the backends in order, each in a module of its
own, and the first that takes the notice wins:

1. desktop-notifier (``via_desktop_notifier``): on Linux it speaks
   org.freedesktop.Notifications over dbus-fast to the notification server on
   the session bus (skipped when no server answers there); on macOS and
   Windows the native notification centre.
2. notify-send (``via_notify_send``), with buttons where it supports ``--action``.
3. plyer (``via_plyer``), which on Linux needs dbus-python (skipped without it).
4. the log (``via_log``).

A backend that does not apply here is skipped with a debug line; only a real
failure is logged as a warning. Text is passed as separate arguments or
D-Bus values, never through a shell. Where the server reads markup in the
body (``body-markup``), ``&``, ``<`` and ``>`` are escaped so the text, line
breaks included, is shown as written. Each notice carries an icon for its
kind (``desktop.icons``): a reminder in its posture state's colour, an error,
or information.
"""

from .backend import APP, Backend, Delivery
from .notice import Notice, NoticeKind
from .notifier import Notifier, icon_path
from .server import Server, Skip, body_text, notification_server
from .via_notify_send import notify_send_has_actions, notify_send_help
from .via_plyer import plyer_available

__all__ = [
    "APP",
    "Backend",
    "Delivery",
    "Notice",
    "NoticeKind",
    "Notifier",
    "Server",
    "Skip",
    "body_text",
    "icon_path",
    "notification_server",
    "notify_send_has_actions",
    "notify_send_help",
    "plyer_available",
]
