"""``posture-watch report``: a day, a week or a month of the history, as a page or as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from .. import localtime
from ..config import Config
from ..history import pages, tally
from ..paths import write_private
from .history import existing

When = datetime | bool | None  # a date in the period; True: today's; None: not this period


@dataclass(frozen=True)
class Report:
    """What the report says: ``out`` for stdout (the JSON, the file written, or that nothing was recorded), and
    ``note`` for the person at the terminal only (an empty period, while a script still gets its JSON)."""

    out: str
    note: str | None = None


def report(
    settings: Config,
    given: Path | None,
    form: Literal["html", "json"],
    out: Path | None,
    day: When = None,
    week: When = None,
    month: When = None,
) -> Report:
    """The period asked for (the week or month holding a date, else the day; default today) read from the history:
    JSON on stdout, else a file (``out``, else the reports folder's pages linked to their week and month)."""
    path = existing(settings, given, "; run the monitor (or replay --history) first")
    period, when = next(((p, w) for p, w in (("week", week), ("month", month)) if w), ("day", day))
    s = tally.read(path, period, when.date() if isinstance(when, datetime) else localtime.today())
    note = None
    if s.empty:
        # Said on the terminal; JSON is still given for scripts, an empty page is not written.
        if form == "html":
            return Report(pages.nothing_recorded(s))
        note = pages.nothing_recorded(s)
    if form == "json" and out is None:
        return Report(s.to_json(), note)
    if out is None:
        return Report(str(pages.publish(path, s)), note)  # with the pages of its week and month, linked
    write_private(out, (s.to_json() if form == "json" else pages.render(s)).encode("utf-8"))
    return Report(str(out), note)
