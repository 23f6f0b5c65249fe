"""The report as pages people read: a day page, and week and month pages, each one self-contained HTML file.

A page answers in plain sentences first and draws only what has data (an
empty period is one sentence). It reads a ``PeriodSummary`` and nothing
else, so the JSON and the page always agree. The colours are the tray's
(``posture_watch.colours``), the charts inline SVG (``charts``), and the page
prints on A4 for a physiotherapist, the disclaimer at its foot.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date, tzinfo
from pathlib import Path

from .. import localtime
from ..advice.muscles import NAMES, base_muscle, describe
from ..advice.wording import count, duration, posture_name
from ..colours import POSTURES, STATES, hex_colour
from ..core.faults import REGISTRY
from ..core.profiles import DEFAULT as DEFAULT_PROFILE
from ..localtime import Period
from ..paths import write_private
from . import charts
from .causes import percent
from .summary import ANSWERED, WELL, PeriodSummary, Totals
from .tally import read

# A day's share of good posture counts toward the best and hardest day only with at least this long
# seen at the desk: the share of a few minutes says little about a day.
MIN_DAY_SECONDS = 30 * 60.0
# Muscle groups shown: the few that carried most.
MUSCLES_SHOWN = 6
LARGER = {"day": ("week", "month"), "week": ("month",), "month": ()}
KIND_WORDS = {
    WELL: "Seated well",
    "call": "On a call",
    "paused": "Paused",
    "unknown": "Camera could not tell",
    "away": "Away",
}
KIND_COLOURS = {
    WELL: STATES["good"],
    "call": STATES["call"],
    "paused": STATES["paused"],
    "unknown": (205, 205, 205),
    "away": STATES["away"],
}
OUTCOME_WORDS = {
    "coached": "with a stretch the camera saw done",
    "stretched": "with a stretch the camera could not verify",
    "break": "with a break",
    "done": "marked done",
    "snoozed": "snoozed",
    "ignored": "not answered",
}
_POSTURE_ORDER = [name for name in REGISTRY if name != "sitting"]

DISCLAIMER = (
    "posture-watch is a wellness tool, not a medical device: this page describes how you sat as a webcam "
    "saw it; it does not diagnose anything. Stretch gently and stop if it hurts. See a clinician instead if "
    "you have new numbness, tingling or weakness, dizziness, pain at night, pain after an injury, or pain "
    "that is getting worse or not easing after a couple of weeks."
)
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#222;
 max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
.app{margin:0;color:#666;font-size:.8rem;letter-spacing:.08em;text-transform:uppercase}
h1{margin:.1rem 0 .3rem;font-size:1.7rem}
nav{font-size:.95rem}nav a{margin-right:1.2rem}
h2{font-size:1.15rem;margin:1.8rem 0 .5rem;padding-bottom:.2rem;border-bottom:1px solid #ddd}
h3{font-size:1rem;margin:.1rem 0}
p{margin:.4rem 0}
.headline{font-size:1.15rem;margin:1rem 0 .2rem}
.big{font-size:2.6rem;font-weight:700;color:#2ea043;margin-right:.3rem;vertical-align:-.15rem}
svg{display:block;width:100%;height:auto;margin:.6rem 0 .2rem}
.legend{list-style:none;padding:0;margin:.3rem 0;display:flex;flex-wrap:wrap;gap:.2rem 1.2rem;font-size:.9rem}
.legend i{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.35rem;vertical-align:-.05rem}
table{border-collapse:collapse;width:100%;font-size:.95rem;margin:.4rem 0}
th,td{text-align:left;vertical-align:top;padding:.35rem .5rem .35rem 0;border-bottom:1px solid #eee}
th{color:#666;font-weight:600;font-size:.85rem}
td small{display:block;color:#666}
.cause{border-left:4px solid #e6a51e;padding:.1rem 0 .1rem .9rem;margin:.9rem 0}
.evidence{color:#666;font-size:.9rem}
footer{margin-top:2.5rem;padding-top:.6rem;border-top:1px solid #ddd;color:#666;font-size:.85rem}
@media print{
 @page{size:A4;margin:14mm}
 body{max-width:none;margin:0;padding:0;font-size:10pt}
 nav{display:none}
 section,.cause,tr{break-inside:avoid}
 h2{break-after:avoid;margin-top:1.2rem}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""


def colour(kind: str) -> str:
    """The colour a state is drawn in: the tray's for sitting well, away, a call and a pause; one per posture."""
    if kind in KIND_COLOURS:
        return hex_colour(KIND_COLOURS[kind])
    return hex_colour(POSTURES[_POSTURE_ORDER.index(kind) % len(POSTURES)])


def kind_words(kind: str) -> str:
    return KIND_WORDS.get(kind) or posture_name(kind, None)


def title(s: PeriodSummary) -> str:
    """``Tuesday 24 November 2026``, ``Week of 23 to 29 November 2026`` or ``November 2026``."""
    if s.period == "day":
        return _long_date(s.first)
    if s.period == "month":
        return f"{s.first:%B %Y}"
    start = f"{s.first.day}" if s.first.month == s.last.month else f"{s.first.day} {s.first:%B}"
    if s.first.year != s.last.year:
        start += f" {s.first.year}"
    return f"Week of {start} to {s.last.day} {s.last:%B %Y}"


def nothing_recorded(s: PeriodSummary) -> str:
    """The one sentence of an empty period."""
    where = {"day": "on", "week": "in the", "month": "in"}[s.period]
    name = title(s)
    return f"Nothing was recorded {where} {name[0].lower() + name[1:] if s.period == 'week' else name}."


def file_name(period: Period, day: date) -> str:
    """The page's file name: ``day-2026-11-24.html``, ``week-2026-11-23.html`` (its Monday), ``month-2026-11.html``."""
    first = localtime.period_days(period, day)[0]
    return f"month-{first:%Y-%m}.html" if period == "month" else f"{period}-{first.isoformat()}.html"


def reports_folder(history: Path) -> Path:
    return history.parent / "reports"


def write_page(history: Path, period: Period = "day", day: date | None = None) -> Path:
    """Write the page of the day, week or month holding ``day`` (default today) and return its path.

    The page goes into the reports folder beside the history, with the pages of the larger periods
    holding it (a day's week and month), each page linking to the larger ones. An empty period gets its
    page too: one sentence saying nothing was recorded, with the links.
    """
    return publish(history, read(history, period, day))


def publish(history: Path, s: PeriodSummary) -> Path:
    """Write ``s``'s page and its larger periods' pages into the reports folder; the path of ``s``'s page."""
    folder = reports_folder(history)
    summaries = [s] + [read(history, larger, s.first) for larger in LARGER[s.period]]
    for n, x in enumerate(summaries):
        links = [(file_name(y.period, y.first), title(y)) for y in summaries[n + 1 :]]
        write_private(folder / file_name(x.period, x.first), render(x, links).encode("utf-8"))
    return folder / file_name(s.period, s.first)


def render(s: PeriodSummary, links: Sequence[tuple[str, str]] = ()) -> str:
    """The page of ``s``: self-contained HTML; ``links`` are (href, words) of related pages."""
    tz = localtime.zone()
    nav = " ".join(f'<a href="{html.escape(href)}">{html.escape(words)}</a>' for href, words in links)
    if s.empty:
        body = [f"<p class='headline'>{html.escape(nothing_recorded(s))}</p>"]
    elif s.period == "day":
        body = _day(s, tz)
    else:
        body = _period(s, tz)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title(s))}: posture-watch</title><style>{CSS}</style></head>
<body><header><p class="app">posture-watch report</p><h1>{html.escape(title(s))}</h1>
{f"<nav>{nav}</nav>" if nav else ""}</header>
{"".join(body)}
<footer><p>{html.escape(DISCLAIMER)}</p>
<p>Times are local ({html.escape(s.zone)}).</p></footer>
</body></html>
"""


def _day(s: PeriodSummary, tz: tzinfo) -> list[str]:
    t = s.totals
    out = ["<section>", *_headline(t, None)]
    if s.timeline:
        first, last = s.timeline[0].start, s.timeline[-1].end
        out.append(f"<p>At your desk {_desk(t)}, between {_clock(first, tz)} and {_clock(last, tz)}.</p>")
    if round(s.hours) != 24:
        change = "forward" if s.hours < 24 else "back"
        out.append(f"<p>This day had {round(s.hours)} hours: the clocks went {change} an hour.</p>")
    if s.timeline:
        spans = [(x.kind, x.start, x.end) for x in s.timeline]
        out.append(charts.strip(spans, s.start, s.end, colour, tz, "The day, moment by moment"))
        out.append(_legend(_kinds_held(t, timed=False)))
    out.append("</section>")
    if s.postures:
        out += _postures(s, tz)
    if s.reminders:
        out += ["<section><h2>Reminders</h2>", *_reminder_sentences(s), "</section>"]
    out += _breaks(s, tz)
    out += _profiles(s)
    if s.muscle_load_seconds:
        out += _muscles(s)
    out += _causes(s)
    return out


def _period(s: PeriodSummary, tz: tzinfo) -> list[str]:
    t = s.totals
    word = "week" if s.period == "week" else "month"
    before = s.previous.totals.good_share if s.previous is not None else None
    recorded = [d for d in s.days if d.totals.recorded]
    out = ["<section>", *_headline(t, None if before is None else f"last {word}: {percent(before)}")]
    out.append(f"<p>At your desk {_desk(t)} on {len(recorded)} of the {count(len(s.days), 'day')}.</p>")
    out.append("</section>")
    labels = [f"{d.date:%a} {d.date.day}" if s.period == "week" else str(d.date.day) for d in s.days]
    kinds = _kinds_held(t, timed=True)
    out += [
        "<section><h2>Day by day</h2>",
        charts.columns(
            labels,
            [d.totals.states for d in s.days],
            [k for k, _ in kinds],
            colour,
            3600.0,
            lambda v: f"{v / 3600:.0f} h",
            "Time at the desk and away, day by day",
        ),
        _legend(kinds),
        "</section>",
    ]
    shares = [d.totals.good_share for d in s.days]
    if any(v is not None for v in shares):
        series = [(shares, colour(WELL), False)]
        legend = [(colour(WELL), f"This {word}")]
        if s.previous is not None and any(d.totals.good_share is not None for d in s.previous.days):
            series.append(([d.totals.good_share for d in s.previous.days], "#8a8a8a", True))
            legend.append(("#8a8a8a", f"Last {word}"))
        out += [
            "<section><h2>Good posture, day by day</h2>",
            "<p>The share of the time seen at the desk with no posture held.</p>",
            charts.lines(labels, series, "Share of good posture, day by day"),
            _legend([(c, w) for c, w in legend]),
            "</section>",
        ]
    if s.reminders:
        per_day = [
            {"answered": d.answered, "snoozed": d.snoozed, "ignored": d.reminders - d.answered - d.snoozed}
            for d in (day.totals for day in s.days)
        ]
        order = ["answered", "snoozed", "ignored"]
        shades = {"answered": colour(WELL), "snoozed": hex_colour(STATES["building"]), "ignored": "#b5b5b5"}
        most = max(d.totals.reminders for d in s.days)
        out += [
            "<section><h2>Reminders</h2>",
            *_reminder_sentences(s),
            charts.columns(
                labels,
                [{k: float(v) for k, v in stack.items()} for stack in per_day],
                order,
                shades.__getitem__,
                float(max(1, most // 5)),
                lambda v: f"{v:.0f}",
                "Reminders day by day",
            ),
            _legend([(shades[k], k.capitalize() if k != "ignored" else "Not answered") for k in order]),
            "</section>",
        ]
    out += _best_and_hardest(s)
    out += _causes(s)
    return out


def _headline(t: Totals, compared: str | None) -> list[str]:
    if t.good_share is None:
        return []
    extra = f" ({html.escape(compared)})" if compared else ""
    return [
        f"<p class='headline'><span class='big'>{percent(t.good_share)}</span> of the time seen at the desk "
        f"in good posture{extra}</p>"
    ]


def _desk(t: Totals) -> str:
    text = duration(t.desk_seconds)
    if t.call_seconds and t.present_seconds:
        text += f" ({duration(t.call_seconds)} of it on a call)"
    elif t.call_seconds:
        text += ", all of it on a call"
    return text


def _kinds_held(t: Totals, timed: bool) -> list[tuple[str, str]]:
    """(kind, legend words) of each state with time in it, in drawing order.

    Each says its time, but for the postures when ``timed`` is False (a day page has their table).
    """
    order = [WELL, *t.fault_seconds, "call", "paused", "unknown", "away"]
    return [
        (k, kind_words(k) if k in t.fault_seconds and not timed else f"{kind_words(k)} {duration(t.states[k])}")
        for k in order
        if t.states.get(k, 0.0) >= 1
    ]


def _legend(items: Sequence[tuple[str, str]]) -> str:
    """A legend of (kind or colour, words) items."""
    cells = []
    for key, words in items:
        shade = key if key.startswith("#") else colour(key)
        cells.append(f'<li><i style="background:{shade}"></i>{html.escape(words)}</li>')
    return f"<ul class='legend'>{''.join(cells)}</ul>"


def _postures(s: PeriodSummary, tz: tzinfo) -> list[str]:
    rows = []
    for p in s.postures:
        sides = s.totals.side_seconds.get(p.fault, {})
        detail = ", ".join(f"{side} {duration(sec)}" for side, sec in sides.items())
        longest = p.longest
        when = f"{_clock(longest.start, tz)} to {_clock(longest.end, tz)}"
        if s.period != "day":
            when = f"{localtime.local(longest.start, tz):%a} {_date_of(longest.start, tz).day}, {when}"
        mostly = f"{p.mostly[0]:02d}:00 to {p.mostly[1]:02d}:00" if p.mostly else "spread out"
        rows.append(
            f"<tr><td>{html.escape(posture_name(p.fault, None))}"
            f"{f'<small>{html.escape(detail)}</small>' if detail else ''}</td>"
            f"<td>{duration(p.seconds)}</td><td>{p.times}</td>"
            f"<td>{duration(longest.seconds)}<small>{html.escape(when)}</small></td><td>{mostly}</td></tr>"
        )
    return [
        "<section><h2>Postures held longest</h2><table><thead><tr><th>Posture</th><th>In all</th><th>Times</th>"
        "<th>Longest</th><th>Mostly</th></tr></thead><tbody>",
        *rows,
        "</tbody></table></section>",
    ]


def _reminder_sentences(s: PeriodSummary) -> list[str]:
    t = s.totals
    first = f"{t.answered} of {count(t.reminders, 'reminder')} answered"
    if t.verified:
        first += f", {t.verified} of them verified by the camera"
    outcomes = s.outcomes()
    answers = [f"{outcomes[o]} {OUTCOME_WORDS[o]}" for o in ANSWERED if o in outcomes]
    second = [f"Answered: {_join(answers)}."] if answers else []
    second += [f"{OUTCOME_WORDS[o].capitalize()}: {outcomes[o]}." for o in ("snoozed", "ignored") if o in outcomes]
    out = [f"<p>{first}. {' '.join(second)}</p>"]
    lasted = [r.lasted for r in s.reminders if r.lasted is not None]
    if s.lasted_median is not None:
        out.append(
            f"<p>After a reminder, the posture went on for {duration(s.lasted_median)} "
            f"({'the median of ' + count(len(lasted), 'reminder') if len(lasted) > 1 else 'one reminder'}).</p>"
        )
    return out


def _profiles(s: PeriodSummary) -> list[str]:
    """Which profile's neutral the posture was judged against, when it was not only the default one."""
    if not s.profiles or list(s.profiles) == [DEFAULT_PROFILE]:
        return []
    parts = [f"{html.escape(name)} for {duration(seconds)}" for name, seconds in s.profiles.items()]
    text = f"<p>Judged against the neutral of the profile {_join(parts)}.</p>"
    return ["<section><h2>Setups</h2>", text, "</section>"]


def _breaks(s: PeriodSummary, tz: tzinfo) -> list[str]:
    taken, suggested = len(s.breaks), s.breaks_suggested
    if not taken and not suggested and s.longest_sitting is None:
        return []
    text = f"{count(taken, 'break')} taken"
    text += f", {suggested} suggested." if suggested else "; none suggested."
    out = ["<section><h2>Breaks</h2>", f"<p>{text}"]
    if s.breaks:
        times = [f"{_clock(b.start, tz)} for {duration(b.seconds)}" for b in s.breaks]
        out.append(f" Taken at {_join(times)}.")
    out.append("</p>")
    if s.longest_sitting is not None:
        ls = s.longest_sitting
        out.append(
            f"<p>The longest stretch of sitting: {duration(ls.seconds)}, "
            f"from {_clock(ls.start, tz)} to {_clock(ls.end, tz)}.</p>"
        )
    out.append("</section>")
    return out


def _muscles(s: PeriodSummary) -> list[str]:
    groups: dict[str, float] = {}
    for key, seconds in s.muscle_load_seconds.items():
        groups[base_muscle(key)] = groups.get(base_muscle(key), 0.0) + seconds
    top = sorted(groups.items(), key=lambda kv: -kv[1])[:MUSCLES_SHOWN]
    rows = [(describe([m]), NAMES[m][1], v, duration(v)) for m, v in top]
    return [
        "<section><h2>Muscles that carried the most load</h2>",
        "<p>How long the postures above kept each muscle working.</p>",
        charts.bars(rows, hex_colour(STATES["building"]), "Time each muscle was under load"),
        "</section>",
    ]


def _causes(s: PeriodSummary) -> list[str]:
    if not s.causes:
        if not s.postures:
            return []
        return [
            "<section><h2>Likely causes</h2><p>No posture was held for long enough, or to one side often enough, "
            "to point at something in the setup.</p></section>"
        ]
    out = ["<section><h2>Likely causes, and what to try</h2>"]
    for c in s.causes:
        out.append(
            f"<div class='cause' style='border-color:{colour(c.fault)}'>"
            f"<h3>{html.escape(posture_name(c.fault, c.side))}</h3><p>{html.escape(c.cause)}</p>"
            f"<p><strong>Try:</strong> {html.escape(c.fix)}</p><p class='evidence'>{html.escape(c.evidence)}</p></div>"
        )
    out.append("</section>")
    return out


def _best_and_hardest(s: PeriodSummary) -> list[str]:
    judged = [d for d in s.days if d.totals.present_seconds >= MIN_DAY_SECONDS and d.totals.good_share is not None]
    if len(judged) < 2:
        return []
    best = max(judged, key=lambda d: d.totals.good_share or 0.0)
    hardest = min(judged, key=lambda d: d.totals.good_share or 0.0)
    if best is hardest:
        return []
    return [
        "<section><h2>Best and hardest day</h2>",
        f"<p>Best: {_long_date(best.date)}, {percent(best.totals.good_share or 0.0)} in good posture. "
        f"Hardest: {_long_date(hardest.date)}, {percent(hardest.totals.good_share or 0.0)}.</p>",
        "</section>",
    ]


def _join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _long_date(d: date) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}"


def _clock(epoch: float, tz: tzinfo) -> str:
    return f"{localtime.local(epoch, tz):%H:%M}"


def _date_of(epoch: float, tz: tzinfo) -> date:
    return localtime.local(epoch, tz).date()
