"""The report's charts as inline SVG: crisp at any size and in print, small, and with real, selectable text.

Each function returns one ``<svg>`` element sized by its viewBox, so it
scales with the page's width (inline in HTML, it needs no namespace). Times on an axis are local, on whole hours. A
chart is only asked for where there is something to draw; the page decides.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable, Sequence
from datetime import tzinfo

from .. import localtime

WIDTH = 720
GRID = "#d8d8d8"
INK = "#333"
SOFT = "#666"
# Hours between labelled ticks: the first that leaves room for a label.
HOUR_STEPS = (1, 2, 3, 4, 6, 12)


def _svg(height: float, body: list[str], label: str) -> str:
    return (
        f'<svg viewBox="0 0 {WIDTH} {height:.0f}" role="img" aria-label="{html.escape(label)}">'
        f'{"".join(body)}</svg>'
    )


def _text(x: float, y: float, text: str, anchor: str = "middle", colour: str = INK, size: int = 12) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{colour}" font-size="{size}">'
        f"{html.escape(text)}</text>"
    )


def _rect(x: float, y: float, w: float, h: float, colour: str) -> str:
    return f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" fill="{colour}"/>'


def strip(
    spans: Sequence[tuple[str, float, float]],
    start: float,
    end: float,
    colour: Callable[[str], str],
    tz: tzinfo,
    label: str,
) -> str:
    """The day as one coloured strip: each moment in the colour of its state, with whole local hours below.

    ``spans`` are (kind, start, end) epochs; the strip runs from the whole hour before the first to
    the whole hour after the last, within [start, end). Each column of the drawing takes the state
    that filled most of it, so a day of many short episodes stays a small drawing.
    """
    ticks = localtime.whole_hours(start, end, tz)
    first = max([t for t in ticks if t <= spans[0][1]], default=start)
    last = min([t for t in ticks if t >= spans[-1][2]], default=end)
    left, right, top, bar = 20.0, WIDTH - 20.0, 6.0, 38.0
    scale = (right - left) / (last - first)
    columns = int(right - left)
    filled: list[dict[str, float]] = [{} for _ in range(columns)]
    for kind, a, b in spans:
        lo, hi = (a - first) * scale, (b - first) * scale
        for i in range(max(int(lo), 0), min(int(hi) + 1, columns)):
            part = min(hi, i + 1) - max(lo, i)
            if part > 0:
                filled[i][kind] = filled[i].get(kind, 0.0) + part
    body = [_rect(left, top, right - left, bar, "#f2f2f2")]
    run: tuple[str, int] | None = None
    for i in range(columns + 1):
        kind = max(filled[i], key=filled[i].__getitem__) if i < columns and filled[i] else None
        if run is not None and kind != run[0]:
            body.append(_rect(left + run[1], top, i - run[1], bar, colour(run[0])))
            run = None
        if kind is not None and run is None:
            run = (kind, i)
    shown = [t for t in ticks if first <= t <= last]
    step = next((s for s in HOUR_STEPS if s * 3600 * scale >= 46), 24)
    for n, t in enumerate(shown):
        x = left + (t - first) * scale
        body.append(f'<line x1="{x:.1f}" y1="{top + bar}" x2="{x:.1f}" y2="{top + bar + 5}" stroke="{SOFT}"/>')
        if n % step == 0:
            body.append(_text(x, top + bar + 19, localtime.local(t, tz).strftime("%H:%M"), colour=SOFT))
    return _svg(top + bar + 26, body, label)


def bars(rows: Sequence[tuple[str, str, float, str]], colour: str, label: str) -> str:
    """Horizontal bars in the order given: (name, a smaller second line, value, the value's words) per row."""
    names, top, row = 230.0, 4.0, 36.0
    most = max(value for _, _, value, _ in rows) or 1.0
    room = WIDTH - names - 90
    body = []
    for i, (name, second, value, words) in enumerate(rows):
        y = top + i * row
        width = max(room * value / most, 1.0)
        body.append(_text(names - 10, y + 14, name, "end"))
        body.append(_text(names - 10, y + 28, second, "end", SOFT, 11))
        body.append(_rect(names, y + 5, width, row - 12, colour))
        body.append(_text(names + width + 6, y + 21, words, "start", SOFT))
    return _svg(top + len(rows) * row, body, label)


def columns(
    labels: Sequence[str],
    stacks: Sequence[dict[str, float]],
    order: Sequence[str],
    colour: Callable[[str], str],
    unit: float,
    unit_words: Callable[[float], str],
    label: str,
    totals: Sequence[str] | None = None,
) -> str:
    """A column per label with its values stacked in ``order``, on gridlines every whole ``unit``.

    ``totals`` are written above the columns where given (and where they fit).
    """
    left, right, top, height = 44.0, WIDTH - 6.0, 18.0, 190.0
    most = max((sum(s.values()) for s in stacks), default=0.0)
    steps = max(1, int(most / unit / 5) + 1)
    top_value = max(unit * steps * (int(most / (unit * steps)) + 1), unit)
    scale = height / top_value
    slot = (right - left) / len(labels)
    width = min(slot * 0.7, 56.0)
    body = []
    value = 0.0
    while value <= top_value + 1e-9:
        y = top + height - value * scale
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 6, y + 4, unit_words(value), "end", SOFT))
        value += unit * steps
    for i, (name, stack) in enumerate(zip(labels, stacks, strict=True)):
        x = left + i * slot + (slot - width) / 2
        y = top + height
        for kind in order:
            h = stack.get(kind, 0.0) * scale
            if h > 0:
                y -= h
                body.append(_rect(x, y, width, h, colour(kind)))
        if totals is not None and totals[i] and slot >= 60:
            body.append(_text(x + width / 2, y - 5, totals[i], colour=SOFT))
        body.append(_text(x + width / 2, top + height + 16, name))
    return _svg(top + height + 24, body, label)


def lines(
    labels: Sequence[str],
    series: Sequence[tuple[Sequence[float | None], str, bool]],
    label: str,
) -> str:
    """Shares (0 to 1) per label as lines, one per (values, colour, dashed); a missing value breaks the line."""
    left, right, top, height = 44.0, WIDTH - 6.0, 10.0, 160.0
    slot = (right - left) / len(labels)
    body = []
    for share in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = top + height * (1 - share)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 6, y + 4, f"{round(share * 100)}%", "end", SOFT))
    for values, colour, dashed in series:
        points = [
            None if v is None else (left + (i + 0.5) * slot, top + height * (1 - v)) for i, v in enumerate(values)
        ]
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        for a, b in itertools.pairwise(points):
            if a is not None and b is not None:
                body.append(
                    f'<line x1="{a[0]:.1f}" y1="{a[1]:.1f}" x2="{b[0]:.1f}" y2="{b[1]:.1f}" '
                    f'stroke="{colour}" stroke-width="2.5"{dash}/>'
                )
        for p in points:
            if p is not None:
                body.append(f'<circle cx="{p[0]:.1f}" cy="{p[1]:.1f}" r="{3 if dashed else 4}" fill="{colour}"/>')
    for i, name in enumerate(labels):
        body.append(_text(left + (i + 0.5) * slot, top + height + 16, name))
    return _svg(top + height + 24, body, label)
