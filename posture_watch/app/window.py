"""The HighGUI window and the drawing that ``preview`` and ``coach`` share: the picture, its landmarks, banners.

Drawing is pure (numpy images in, images out), so it is tested without a
window; :class:`Window` is the only part that needs a display.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator, Mapping

import cv2
import numpy as np

from ..sense.camera import BUSY, LOST

# The picture is scaled to this height.
HEIGHT = 480
QUIT_KEYS = (ord("q"), ord("Q"), 27)  # 27: Esc
# What the window says while the camera gives no frames, by its status.
CAMERA_NOTES = {BUSY: "camera in use by another program; waiting", LOST: "camera lost; trying again"}
FONT = cv2.FONT_HERSHEY_SIMPLEX

# Colours (BGR). The skeleton is magenta and yellow, colours a face or a room rarely has.
BONE, JOINT, FAINT = (255, 0, 255), (0, 255, 255), (150, 150, 150)
BACKGROUND, TEXT, DIM = (32, 32, 32), (235, 235, 235), (150, 150, 150)
GOOD, BUILDING, OVER = (60, 180, 60), (0, 170, 255), (50, 50, 230)
LOAD = (0, 120, 255)
# Landmarks joined in the skeleton (MediaPipe pose indices: face, arms, trunk).
BONES = (
    (0, 2), (0, 5), (2, 7), (5, 8), (9, 10), (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),
    (11, 23), (12, 24), (23, 24),
)  # fmt: skip
JOINTS = (*range(17), 23, 24)


def display_available(environ: Mapping[str, str] = os.environ, platform: str = sys.platform) -> bool:
    """Whether a window can be opened: always on macOS and Windows, elsewhere an X display that answers."""
    if platform.startswith(("darwin", "win")):
        return True
    name = environ.get("DISPLAY", "")
    if not name:
        # OpenCV's windows are X11 (Qt's xcb); Wayland desktops provide DISPLAY through XWayland.
        return False
    try:
        from Xlib import display as xdisplay
    except ImportError:
        return True
    try:
        xdisplay.Display(name).close()
    except Exception:  # refused, unreachable, unauthorised or malformed: Qt would abort on it
        return False
    return True


def picture(image: np.ndarray, landmarks: np.ndarray | None, min_visibility: float) -> np.ndarray:
    """``image`` scaled to ``HEIGHT`` in colour, with the landmarks (33 x 4, pixels of ``image``) drawn over it."""
    height, width = image.shape[:2]
    scale = HEIGHT / height
    out = cv2.resize(image, (max(1, round(width * scale)), HEIGHT), interpolation=cv2.INTER_LINEAR)
    if out.ndim == 2:
        out = cv2.cvtColor(out, cv2.COLOR_GRAY2BGR)
    if landmarks is not None and landmarks.shape == (33, 4):
        skeleton(out, landmarks, scale, min_visibility)
    return out


def skeleton(picture: np.ndarray, landmarks: np.ndarray, scale: float, min_visibility: float) -> None:
    points = landmarks[:, :2] * scale
    finite = np.isfinite(points).all(axis=1)
    seen = finite & (landmarks[:, 3] >= min_visibility)
    xy = np.clip(np.nan_to_num(points), -1e4, 1e4).round().astype(int)
    for a, b in BONES:
        if finite[a] and finite[b]:
            both = seen[a] and seen[b]
            cv2.line(picture, tuple(xy[a]), tuple(xy[b]), BONE if both else FAINT, 3 if both else 1, cv2.LINE_AA)
    for i in JOINTS:
        if finite[i]:
            cv2.circle(picture, tuple(xy[i]), 5 if seen[i] else 3, JOINT if seen[i] else FAINT, -1, cv2.LINE_AA)


def banner(picture: np.ndarray, text: str, colour: tuple[int, int, int], bottom: bool = False) -> None:
    """``text`` on a black box at the top (or bottom) of the picture, wrapped to its width (a portrait is narrow)."""
    lines = banner_lines(text, picture.shape[1] - 24)
    (_, h), base = cv2.getTextSize(text, FONT, 0.7, 2)
    step = h + base + 6
    first = picture.shape[0] - 12 - (len(lines) - 1) * step if bottom else 12 + h
    widest = max(cv2.getTextSize(line, FONT, 0.7, 2)[0][0] for line in lines)
    last = first + (len(lines) - 1) * step
    cv2.rectangle(picture, (6, first - h - 8), (18 + widest, last + base + 4), (0, 0, 0), -1)
    for i, line in enumerate(lines):
        cv2.putText(picture, line, (12, first + i * step), FONT, 0.7, colour, 2, cv2.LINE_AA)


def banner_lines(text: str, width: int, size: float = 0.7, thickness: int = 2) -> list[str]:
    """``text`` in lines at most ``width`` pixels wide, broken between words (a longer word gets a line of its own)."""
    lines: list[str] = []
    for word in text.split():
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and cv2.getTextSize(joined, FONT, size, thickness)[0][0] <= width:
            lines[-1] = joined
        else:
            lines.append(word)
    return lines or [""]


def text(panel: np.ndarray, words: str, x: int, y: int, colour=TEXT, size: float = 0.45, thickness: int = 1) -> None:
    cv2.putText(panel, words, (x, y), FONT, size, colour, thickness, cv2.LINE_AA)


class Window:
    """A HighGUI window: q, Esc and the close button end it."""

    def __init__(self, name: str) -> None:
        self.name = name
        cv2.namedWindow(name, cv2.WINDOW_AUTOSIZE | cv2.WINDOW_GUI_NORMAL)
        self.quit = False
        # The last key pressed that is not a quit key (-1: none), for windows with more keys.
        self.key = -1

    def show(self, picture: np.ndarray) -> None:
        # Showing a closed window would open it anew.
        if not self.quit and not self._closed():
            cv2.imshow(self.name, picture)

    def wait(self, seconds: float) -> None:
        """Handle the window's events for ``seconds`` (at least a millisecond); notes a quit or another key."""
        key = cv2.waitKey(max(1, round(seconds * 1000)))
        if key != -1 and (key & 0xFF) in QUIT_KEYS:
            self.quit = True
        elif key != -1:
            self.key = key & 0xFF
        self._closed()

    def wait_until(self, moment: float) -> None:
        """Handle the window's events until ``time.monotonic()`` reaches ``moment`` or the window is quit."""
        while not self.quit and time.monotonic() < moment:
            self.wait(moment - time.monotonic())

    def resume(self) -> None:
        """Go on after a quit that ended something shown inside the window, unless the window itself was closed;
        keys pressed meanwhile are forgotten."""
        self.quit, self.key = False, -1
        self._closed()

    def take_key(self) -> int:
        """The last other key pressed since the last call, or -1."""
        key, self.key = self.key, -1
        return key

    def _closed(self) -> bool:
        """Whether the window was closed with its close button (then it is a quit)."""
        if not self.quit:
            try:
                visible = cv2.getWindowProperty(self.name, cv2.WND_PROP_VISIBLE)
            except cv2.error:  # Qt forgets a closed window altogether
                visible = 0
            self.quit = visible < 1
        return self.quit

    def close(self) -> None:
        with contextlib.suppress(cv2.error):  # already closed with its close button
            cv2.destroyWindow(self.name)
        cv2.waitKey(1)


def paced(frames: Iterator[tuple[float, np.ndarray]], window: Window) -> Iterator[tuple[float, np.ndarray]]:
    """A recording's frames in real time, the window handling its events while it waits (a quit cuts the wait)."""
    began: float | None = None
    for t, image in frames:
        began = time.monotonic() - t if began is None else began
        window.wait_until(began + t)
        yield t, image
