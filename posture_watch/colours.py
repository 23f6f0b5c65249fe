"""The colours of what the app shows, in one place, so the tray icon and the report speak alike.

``STATES`` are the tray icon's colours: green sitting well, amber a posture
building up, red a reminder, grey paused or no camera, blue away, purple a
call. ``POSTURES`` tell postures apart where several are drawn side by side
(the report's charts): warm colours beside the amber and red of the tray,
none of them near the green, blue, purple or greys that mean something else.
"""

from __future__ import annotations

RGB = tuple[int, int, int]

STATES: dict[str, RGB] = {
    "good": (46, 160, 67),
    "building": (230, 165, 30),
    "alert": (210, 50, 40),
    "paused": (130, 130, 130),
    "away": (90, 120, 170),
    "camera": (110, 110, 110),
    "call": (140, 80, 170),
    "starting": (130, 130, 130),
}

POSTURES: tuple[RGB, ...] = (
    STATES["building"],
    (238, 119, 51),
    STATES["alert"],
    (204, 102, 119),
    (140, 90, 43),
    (136, 34, 85),
    (221, 204, 119),
    (153, 153, 51),
    (190, 140, 100),
)


def hex_colour(rgb: RGB) -> str:
    """``(46, 160, 67)`` -> ``"#2ea043"``."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)
