"""``replay --plot``: each posture fault's score over a recording, to tune the settings from it.

A score is a fault's deviation from the user's neutral divided by its
threshold (``core.faults.read``): 1.0 is the edge of neutral, where a frame
counts as the posture; an active fault is released below
``detection.release_fraction``. The figure has one panel per fault that had
readings, with the neutral band, the threshold line, the spans the engine
called the fault and the reminders, so a recording of yourself shows which
setting to move and by how much.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..advice.reminders import Reminder
from ..advice.wording import posture_name
from ..config import Config
from ..core import faults
from ..core.engine import State
from ..core.events import Alert, FaultEnd, FaultStart
from ..core.faults import Reading
from ..core.features import Features
from ..errors import UserError

# Formats the figure can be written in, by file name ending.
FORMATS = (".png", ".svg", ".pdf")
# The score axis always shows at least this range, and at most this much beyond it.
SHOWN, LIMIT = (-1.0, 1.6), (-4.0, 6.0)

Sample = tuple[float, dict[str, Reading]]


def readings(state: State, view: str | None, features: Features, settings: Config) -> dict[str, Reading]:
    """The readings the engine judged this frame by: none before calibration or in another view."""
    baseline = state.baseline
    if baseline is None or not features or view != baseline.view:
        return {}
    return faults.read(features, baseline, settings.core)


def check(path: Path) -> None:
    """Refuse a plot file that cannot be written, before a long replay rather than after it."""
    if path.suffix.lower() not in FORMATS:
        raise UserError(f"--plot {path}: give a file name ending in {', '.join(FORMATS)} (such as plot.png)")
    if path.is_dir():
        raise UserError(f"--plot {path} is a folder; give a file name such as plot.png")
    if not path.resolve().parent.is_dir():
        raise UserError(f"--plot {path}: the folder {path.resolve().parent} does not exist")


def write(
    path: Path, samples: Sequence[Sample], outcomes: Iterable[object], settings: Config, title: str = ""
) -> list[str]:
    """Draw the scores of ``samples`` (t, readings per analysed frame) to ``path``; the faults plotted.

    ``outcomes`` are the replay's events and reminders: fault spans are
    shaded from ``fault_start`` to ``fault_end``, reminders drawn as
    vertical lines (in every panel when their fault has none, such as
    sitting or static posture).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [name for name in faults.POSTURE_FAULTS if any(name in r for _, r in samples)]
    times = [t for t, _ in samples]
    end = times[-1] if times else 0.0
    spans, reminders = _spans_and_reminders(outcomes, end)
    release = settings["detection"]["release_fraction"]

    rows = max(len(names), 1)
    fig, axes = plt.subplots(rows, 1, figsize=(12, 1.0 + 2.0 * rows), sharex=True, squeeze=False, layout="constrained")
    try:
        if not names:
            ax = axes[0][0]
            ax.text(0.5, 0.5, "no posture readings: nobody in view after calibration", ha="center", va="center")
            ax.set_yticks([])
        for ax, name in zip((row[0] for row in axes), names, strict=False):
            scores = [r[name].score if name in r else math.nan for _, r in samples]
            ax.axhspan(-release, release, color="tab:green", alpha=0.15, lw=0, label=f"neutral (|score| < {release:g})")
            ax.axhline(1.0, color="tab:red", ls="--", lw=1, label="threshold (1.0)")
            ax.axhline(0.0, color="0.6", lw=0.6)
            for start, stop in spans.get(name, []):
                ax.axvspan(start, stop, color="tab:orange", alpha=0.25, lw=0, label="fault")
            for t, fault in reminders:
                own = fault == name
                ax.axvline(
                    t,
                    color="tab:purple" if own else "0.5",
                    ls="-" if own else ":",
                    lw=1.6 if own else 1.0,
                    label="reminder" if own else f"reminder ({fault})",
                )
            ax.plot(times, scores, color="tab:blue", lw=1.2, marker=".", ms=3, label="score")
            known = [s for s in scores if math.isfinite(s)]
            low = max(min([SHOWN[0], *known]), LIMIT[0])
            high = min(max([SHOWN[1], *known]), LIMIT[1])
            ax.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
            ax.set_ylabel("score")
            ax.set_title(f"{posture_name(name, None)} ({name})", loc="left", fontsize=10)
            handles, labels = ax.get_legend_handles_labels()
            unique = dict(zip(labels, handles, strict=True))
            ax.legend(unique.values(), unique.keys(), loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=8)
        bottom = axes[-1][0]
        bottom.set_xlabel("seconds into the recording")
        if times:
            bottom.set_xlim(times[0], max(end, times[0] + 1.0))
        heading = "score = deviation from your neutral / threshold; 1.0 is the edge of neutral"
        fig.suptitle(f"{title}: {heading}" if title else heading, fontsize=11)
        fig.savefig(path, dpi=100)
    except OSError as exc:
        raise UserError(f"--plot {path}: cannot write it ({exc.strerror or exc})") from None
    finally:
        plt.close(fig)
    return names


def _spans_and_reminders(
    outcomes: Iterable[object], end: float
) -> tuple[dict[str, list[tuple[float, float]]], list[tuple[float, str]]]:
    """Per fault, the (start, end) of each episode; and (t, fault) of each reminder."""
    spans: dict[str, list[tuple[float, float]]] = {}
    open_: dict[str, float] = {}
    reminders = []
    for outcome in outcomes:
        match outcome:
            case FaultStart(fault=fault, since=since):
                open_[fault] = since
            case FaultEnd(fault=fault, since=since, held_seconds=held):
                spans.setdefault(fault, []).append((open_.pop(fault, since), since + held))
            case Reminder(alert=alert) | (Alert() as alert):
                reminders.append((alert.t, alert.fault))
    for fault, start in open_.items():
        spans.setdefault(fault, []).append((start, end))
    return spans, reminders
