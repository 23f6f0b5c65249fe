"""What a day (or week) looked like: numbers for scripts, a page with charts for people.

The numbers come straight from the history; the page adds a few plain
sentences and matplotlib charts embedded as images, so it is one file that
opens anywhere and can be shown to a physiotherapist.
"""

from __future__ import annotations

import base64
import html
import io
import json
import sqlite3
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from ..advice.muscles import base_muscle, describe
from ..advice.wording import duration, posture_name
from ..core.faults import muscles_for
from .store import rows

BREAK_KINDS = ("sitting", "static_posture")


def _clip(start: float, end: float | None, lo: float, hi: float) -> float:
    return max(0.0, min(end if end is not None else hi, hi) - max(start, lo))


def summarize(db: sqlite3.Connection, start: float, end: float) -> dict[str, Any]:
    """The period [start, end) in numbers; everything the page shows comes from here."""
    # Episodes and presence that began before the period still count for the part inside it; what a
    # session left open (it was killed, or is still running) counts up to its last heartbeat.
    episodes = _spans(db, "episodes", start, end)
    presence = _spans(db, "presence", start, end)
    alerts = rows(db, "alerts", start, end)
    breaks = rows(db, "breaks", start, end)
    fault_seconds: Counter[str] = Counter()
    by_hour: dict[str, Counter[int]] = defaultdict(Counter)
    muscle_seconds: Counter[str] = Counter()
    for ep in episodes:
        seconds = _clip(ep["start"], ep["end"], start, end)
        fault_seconds[ep["fault"]] += seconds
        by_hour[ep["fault"]][datetime.fromtimestamp(max(ep["start"], start)).hour] += seconds
        for muscle in muscles_for(ep["fault"], ep["side"]):
            muscle_seconds[muscle] += seconds
    present = sum(_clip(p["start"], p["end"], start, end) for p in presence if p["kind"] == "present")
    away = sum(_clip(p["start"], p["end"], start, end) for p in presence if p["kind"] == "away")
    responses = Counter(a["response"] or "no answer" for a in alerts)
    summary: dict[str, Any] = {
        "start": datetime.fromtimestamp(start).isoformat(timespec="seconds"),
        "end": datetime.fromtimestamp(end).isoformat(timespec="seconds"),
        "present_seconds": round(present, 1),
        "away_seconds": round(away, 1),
        "fault_seconds": {k: round(v, 1) for k, v in fault_seconds.most_common()},
        "fault_episodes": dict(Counter(ep["fault"] for ep in episodes)),
        "busiest_hours": {f: _busiest(h) for f, h in by_hour.items()},
        "muscle_load_seconds": {k: round(v, 1) for k, v in muscle_seconds.most_common()},
        "alerts": len(alerts),
        "alerts_by_fault": dict(Counter(a["fault"] for a in alerts)),
        "responses": dict(responses),
        "breaks_taken": len(breaks),
        "breaks_suggested": sum(a["fault"] in BREAK_KINDS for a in alerts),
        "timeline": {
            "episodes": [
                {"fault": e["fault"], "side": e["side"], "start": e["start"], "end": e["end"]} for e in episodes
            ],
            "away": [{"start": p["start"], "end": p["end"]} for p in presence if p["kind"] == "away"],
            "alerts": [{"at": a["at"], "fault": a["fault"], "stretch": a["stretch"]} for a in alerts],
            "breaks": [{"at": b["at"], "seconds": b["seconds"]} for b in breaks],
        },
    }
    summary["sentences"] = sentences(summary)
    return summary


def _spans(db: sqlite3.Connection, table: str, start: float, end: float) -> list[dict[str, Any]]:
    """Rows of ``table`` overlapping [start, end), with open ends closed at their session's last heartbeat."""
    closed = "coalesce(t.end, max(t.start, coalesce(s.heartbeat, s.started)))"
    query = (
        f"SELECT t.*, {closed} AS closed FROM {table} AS t JOIN sessions AS s ON s.id = t.session "
        f"WHERE t.start < ? AND {closed} >= ? ORDER BY t.start"
    )
    spans = []
    for row in db.execute(query, (end, start)):
        span = dict(row)
        span["end"] = span.pop("closed")
        spans.append(span)
    return spans


def _busiest(hours: Counter[int]) -> list[int]:
    """The two consecutive hours holding most of a fault's time, as [from, to)."""
    best = max(range(24), key=lambda h: hours[h] + hours[(h + 1) % 24])
    return [best, best + 2]


def sentences(s: dict[str, Any]) -> list[str]:
    """A few plain sentences for the top of the page."""
    out = []
    for fault, seconds in list(s["fault_seconds"].items())[:3]:
        frm, to = s["busiest_hours"][fault]
        text = f"{posture_name(fault, None)} for {duration(seconds)}, mostly between {frm:02d}:00 and {to % 24:02d}:00"
        out.append(text)
    if s["muscle_load_seconds"]:
        top = next(iter(s["muscle_load_seconds"]))
        if out:
            out[0] += f"; the {describe([top])} carried most load"
    if not out:
        out.append(
            "No posture was held long enough to count"
            if s["present_seconds"]
            else "Nothing was recorded in this period"
        )
    out = [t + "." for t in out]
    out.append(f"{s['alerts']} reminder(s); {s['breaks_taken']} break(s) taken, {s['breaks_suggested']} suggested.")
    return out


def muscle_groups(load: dict[str, float]) -> dict[str, float]:
    """Muscle load summed over sides: the chart's groups."""
    groups: Counter[str] = Counter()
    for key, seconds in load.items():
        groups[base_muscle(key)] += seconds
    return dict(groups.most_common())


def _png(fig: Any) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def charts(s: dict[str, Any]) -> dict[str, str]:
    """The page's charts as base64 PNGs, by title."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib.figure import Figure

    out = {}
    timeline = s["timeline"]
    faults = sorted({e["fault"] for e in timeline["episodes"]}) or ["(none)"]
    fig = Figure(figsize=(9, 0.6 * len(faults) + 1.8))
    ax = fig.subplots()
    start, end = datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"])
    for row, fault in enumerate(faults):
        spans = [
            (e["start"], (e["end"] or e["start"]) - e["start"]) for e in timeline["episodes"] if e["fault"] == fault
        ]
        ax.broken_barh(
            [(mdates.date2num(datetime.fromtimestamp(a)), b / 86400) for a, b in spans],
            (row - 0.35, 0.7),
            color="#d98c1f",
        )
    for p in timeline["away"]:
        a = mdates.date2num(datetime.fromtimestamp(p["start"]))
        b = mdates.date2num(datetime.fromtimestamp(p["end"] or p["start"]))
        ax.axvspan(a, b, color="#5a78aa", alpha=0.25, lw=0)
    for a in timeline["alerts"]:
        ax.axvline(mdates.date2num(datetime.fromtimestamp(a["at"])), color="#d2322a", lw=1.5)
    for b in timeline["breaks"]:
        ax.plot(mdates.date2num(datetime.fromtimestamp(b["at"])), -0.8, marker="^", color="#2ea043")
    ax.set_yticks(range(len(faults)), [posture_name(f, None) if f != "(none)" else f for f in faults])
    ax.set_ylim(-1.2, len(faults) - 0.4)
    span = (end - start).total_seconds()
    if timeline["episodes"] or timeline["alerts"]:
        first = min([e["start"] for e in timeline["episodes"]] + [a["at"] for a in timeline["alerts"]])
        last = max([e["end"] or e["start"] for e in timeline["episodes"]] + [a["at"] for a in timeline["alerts"]])
        pad = max((last - first) * 0.05, 60)
        ax.set_xlim(
            mdates.date2num(datetime.fromtimestamp(first - pad)), mdates.date2num(datetime.fromtimestamp(last + pad))
        )
    else:
        ax.set_xlim(mdates.date2num(start), mdates.date2num(end))
    shown = ax.get_xlim()[1] - ax.get_xlim()[0]  # in days
    ax.xaxis.set_major_formatter(
        mdates.DateFormatter("%a %H:%M" if span > 86400 else "%H:%M:%S" if shown < 1 / 24 else "%H:%M")
    )
    ax.set_title("Timeline: postures held (orange), away (blue), reminders (red), breaks (green)")
    out["Timeline"] = _png(fig)

    names = [posture_name(f, None) for f in s["fault_seconds"]]
    out["Time in each posture"] = _minute_bars(
        "Time in each posture", names, list(s["fault_seconds"].values()), "#d98c1f", "minutes", Figure
    )
    groups = muscle_groups(s["muscle_load_seconds"])
    out["Load per muscle group"] = _minute_bars(
        "Load per muscle group",
        [describe([m]) for m in groups],
        list(groups.values()),
        "#8a5cb8",
        "minutes under load",
        Figure,
    )

    fig = Figure(figsize=(5, 2.6))
    ax = fig.subplots()
    ax.bar(["suggested", "taken"], [s["breaks_suggested"], s["breaks_taken"]], color=["#d2322a", "#2ea043"])
    ax.set_ylim(0, max(s["breaks_suggested"], s["breaks_taken"], 1) + 0.5)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Breaks")
    out["Breaks"] = _png(fig)
    return out


def _minute_bars(title: str, labels: list[str], seconds: list[float], colour: str, xlabel: str, figure: Any) -> str:
    """A horizontal bar chart of durations in minutes, largest on top."""
    fig = figure(figsize=(7, 1.2 + 0.45 * max(len(labels), 1)))
    ax = fig.subplots()
    ax.barh(labels or ["(none)"], [v / 60 for v in seconds] or [0], color=colour)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    return _png(fig)


def to_html(s: dict[str, Any]) -> str:
    """One self-contained page."""
    last_day = (datetime.fromisoformat(s["end"]) - timedelta(seconds=1)).date().isoformat()
    title = f"posture-watch: {s['start'][:10]}" + (f" to {last_day}" if last_day != s["start"][:10] else "")
    images = "\n".join(
        f'<figure><img alt="{html.escape(name)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{html.escape(name)}</figcaption></figure>"
        for name, data in charts(s).items()
    )
    lines = "".join(f"<li>{html.escape(t)}</li>" for t in s["sentences"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;color:#222}}
img{{max-width:100%}}figure{{margin:1.5rem 0}}footer{{color:#666;font-size:.85rem}}</style></head>
<body><h1>{html.escape(title)}</h1><ul>{lines}</ul>
{images}
<footer>posture-watch is a wellness tool, not medical advice. See a clinician for numbness, tingling,
weakness, dizziness, night pain or pain after an injury.</footer></body></html>
"""


def to_json(s: dict[str, Any]) -> str:
    return json.dumps(s, indent=2)
