"""The pictures posture-watch shows: the tray's state icons and the notifications' icons.

Drawn, not loaded: a coloured disc with a small white glyph, so each reads at
16 pixels and in greyscale. The colour carries the meaning everywhere: green
good, amber a posture building up, red a reminder or an error, grey paused or
no camera, blue away, purple a call, slate reminders snoozed. Both trays and
the notifier draw from here.
"""

from __future__ import annotations

from functools import cache

from PIL import Image, ImageDraw

# state -> (fill colour, glyph)
STATES = {
    "good": ((46, 160, 67), "check"),
    "building": ((230, 165, 30), "bar"),
    "alert": ((210, 50, 40), "bang"),
    "paused": ((130, 130, 130), "pause"),
    "away": ((90, 120, 170), "dot"),
    "camera": ((110, 110, 110), "cross"),
    "call": ((140, 80, 170), "dot"),
    "starting": ((130, 130, 130), "dot"),
    "snoozed": ((70, 85, 110), "zed"),
}
# A notification that is not a reminder: information (neutral) or an error.
NOTICES = {
    "info": ((60, 110, 150), "info"),
    "error": ((200, 30, 30), "cross"),
}
SIZE = 64
WHITE = (255, 255, 255, 255)


def _disc(colour: tuple[int, int, int], glyph: str, level: float) -> Image.Image:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((2, 2, SIZE - 3, SIZE - 3), fill=(*colour, 255), outline=WHITE, width=3)
    if glyph == "check":
        draw.line([(18, 33), (28, 43), (46, 22)], fill=WHITE, width=7)
    elif glyph == "bar":
        draw.rectangle((16, 40, 48, 48), outline=WHITE, width=2)
        draw.rectangle((16, 40, 16 + int(32 * min(max(level, 0.0), 1.0)), 48), fill=WHITE)
        draw.line([(32, 16), (32, 32)], fill=WHITE, width=6)
    elif glyph == "bang":
        draw.line([(32, 14), (32, 38)], fill=WHITE, width=8)
        draw.ellipse((27, 44, 37, 54), fill=WHITE)
    elif glyph == "pause":
        draw.rectangle((21, 18, 28, 46), fill=WHITE)
        draw.rectangle((36, 18, 43, 46), fill=WHITE)
    elif glyph == "cross":
        draw.line([(20, 20), (44, 44)], fill=WHITE, width=7)
        draw.line([(44, 20), (20, 44)], fill=WHITE, width=7)
    elif glyph == "zed":
        draw.line([(21, 20), (43, 20), (21, 44), (43, 44)], fill=WHITE, width=6, joint="curve")
    elif glyph == "info":
        draw.ellipse((28, 13, 36, 21), fill=WHITE)
        draw.rectangle((28, 26, 36, 50), fill=WHITE)
    else:
        draw.ellipse((24, 24, 40, 40), fill=WHITE)
    return image


@cache
def icon_image(state: str, level: float = 0.0) -> Image.Image:
    """The tray icon for ``state``; ``level`` (0-1) fills the bar of "building"."""
    colour, glyph = STATES[state]
    return _disc(colour, glyph, level)


@cache
def notice_image(kind: str, state: str | None = None) -> Image.Image:
    """A notification's icon: a reminder's in its posture ``state``'s colour, else "info" or "error"."""
    if kind == "reminder":
        return icon_image(state if state in STATES else "alert", 1.0)
    colour, glyph = NOTICES[kind]
    return _disc(colour, glyph, 0.0)
