"""The report: numbers that match the history they came from, causes only where the evidence is, pages for people.

Histories come from replaying generated scenarios and a real recording into a
history file, and from hand-built days (tests/histories.py) whose truth is
written in the test: an empty day, a call and a pause, a session across
midnight, a week with a missing day, a month, the days the clocks change.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import cv2
import numpy as np
import pytest
from conftest import DATASETS, json_lines, readme_picture, run_cli
from histories import History, Segment, at, sample_day, sample_weeks
from make_test_videos import Timeline
from PIL import Image
from test_scenarios import TEST_CONFIG

from posture_watch import localtime
from posture_watch.advice.wording import duration
from posture_watch.colours import STATES
from posture_watch.core.faults import REGISTRY
from posture_watch.history import causes, pages, store, tally
from posture_watch.history.summary import Stretch

TUESDAY = date(2026, 11, 24)
MONDAY = date(2026, 11, 23)
# A local ISO time with its offset.
ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d"


def replay_into(db, video, cfg, calibrate: str = "8") -> list[dict]:
    result = run_cli("replay", video, "--config", cfg, "--calibrate", calibrate, "--json", "--history", db)
    assert result.returncode == 0, result.stderr
    return json_lines(result.stdout)


def report_json(db, *args: str) -> dict:
    result = run_cli("report", "--history", db, "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def replayed(tmp_path_factory, videos):
    """A history made by replaying a forward head and a time away, and the replays' own events."""
    folder = tmp_path_factory.mktemp("replayed")
    cfg = folder / "config.toml"
    cfg.write_text(TEST_CONFIG, encoding="utf-8")
    db = folder / "history.sqlite3"
    events = replay_into(db, videos("forward_head", seconds=60, fps=5, timeline=Timeline(onset=15)), cfg)
    events += replay_into(db, videos("away", seconds=60, fps=5, timeline=Timeline(onset=15, until=40)), cfg)
    return db, events


@pytest.fixture
def hand(tmp_path):
    history = History(tmp_path / "history.sqlite3")
    yield history
    history.close()


def test_report_numbers_match_the_replayed_events(replayed):
    db, events = replayed
    report = report_json(db)
    totals = report["totals"]
    alerts = [e for e in events if e["event"] == "alert"]
    assert alerts and len(report["reminders"]) == totals["reminders"] == len(alerts)
    assert Counter(r["fault"] for r in report["reminders"]) == Counter(a["fault"] for a in alerts)
    assert totals["breaks"] == len(report["breaks"]) == sum(e["event"] == "break" for e in events) == 1
    # Each episode runs from its onset to its end (or to the end of its recording).
    held: dict[str, float] = {}
    starts = {}
    ends = [e["t"] for e in events if e["event"] == "summary"]
    recording = 0
    for e in events:
        if e["event"] == "fault_start":
            starts[e["fault"]] = e["since"]
        elif e["event"] == "fault_end":
            held[e["fault"]] = held.get(e["fault"], 0) + e["t"] - starts.pop(e["fault"])
        elif e["event"] == "summary":
            for fault, since in starts.items():
                held[fault] = held.get(fault, 0) + ends[recording] - since
            starts, recording = {}, recording + 1
    assert totals["fault_seconds"] == pytest.approx(held, abs=0.6)
    assert report["muscle_load_seconds"]["suboccipitals"] == pytest.approx(held["forward_head"], abs=0.6)
    away = next(e for e in events if e["event"] == "back")["away_seconds"]
    assert totals["away_seconds"] == pytest.approx(away, abs=0.6)
    assert report["postures"][0]["fault"] == "forward_head"
    # A minute of a posture says nothing about a desk.
    assert report["causes"] == []
    assert all(re.fullmatch(ISO, r["at"]) for r in report["reminders"])
    assert re.fullmatch(ISO, report["start"]) and report["first"] == localtime.today().isoformat()


def test_the_page_of_a_replayed_day_names_its_posture_first(replayed, tmp_path):
    db, _ = replayed
    out = tmp_path / "page.html"
    result = run_cli("report", "--history", db, "--out", out)
    assert result.returncode == 0 and result.stdout.strip() == str(out)
    page = out.read_text(encoding="utf-8")
    table = page.split("Postures held longest", 1)[1]
    assert re.search(r"<tbody><tr><td>Head forward<", table)
    assert "(s)" not in page and "not a medical device" in page


def test_a_real_person_sitting_still_is_all_good_posture_with_no_cause(tmp_path):
    db = tmp_path / "history.sqlite3"
    video = DATASETS / "neutral-front-video" / "center_focus.mp4"
    result = run_cli("replay", video, "--calibrate", "5", "--history", db)
    assert result.returncode == 0, result.stderr
    # A replay keeps the recording's own times (its file's date), so the report is of the day it was made.
    history = sqlite3.connect(db)
    ((started,),) = history.execute("SELECT started FROM sessions").fetchall()
    history.close()
    report = report_json(db, "--day", localtime.local(started).date().isoformat())
    totals = report["totals"]
    assert totals["fault_seconds"] == {} and totals["good_share"] == 1.0 and report["causes"] == []
    assert 5 <= totals["present_seconds"] <= 11  # a 10.5 s recording


def _every_time(value, key: str = "") -> Iterator[tuple[str, object]]:
    """(key, value) of every leaf in a JSON document that a time is kept under, and of every number."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _every_time(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _every_time(v, key)
    elif key in ("start", "end", "at") or isinstance(value, (int, float)):
        yield key, value


def test_the_json_is_the_history_it_came_from(hand):
    session = sample_day(hand, TUESDAY)
    report = report_json(hand.path, "--day", TUESDAY.isoformat())
    # Every time, the timeline's included, is a local ISO time; no number is an epoch.
    leaves = list(_every_time(report))
    assert sum(k in ("start", "end", "at") for k, _ in leaves) > 20
    for key, value in leaves:
        if key in ("start", "end", "at"):
            assert value is None or re.fullmatch(ISO, value), (key, value)
        else:
            assert isinstance(value, bool) or abs(value) < 1e8, (key, value)
    totals = report["totals"]
    minutes = {k: round(v / 60, 3) for k, v in totals.items() if k.endswith("_seconds") and isinstance(v, float)}
    # The script's truth: present 108 + 35 + 25 + 105 + 135 min, a 35 min call, 15 + 45 min away, a 20 min pause;
    # postures overlapping in places cover 237 of the present minutes.
    assert minutes == {
        "present_seconds": 408,
        "call_seconds": 35,
        "desk_seconds": 443,
        "away_seconds": 60,
        "paused_seconds": 20,
        "unknown_seconds": 0,
        "good_seconds": 171,
    }
    assert totals["good_share"] == pytest.approx(171 / 408, abs=1e-4)
    assert {k: v / 60 for k, v in totals["fault_seconds"].items()} == {
        "forward_head": 117,
        "head_turn": 87,
        "static_posture": 18,
        "too_close": 15,
        "trunk_lean": 10,
    }
    assert totals["side_seconds"]["head_turn"] == {"left": 82 * 60, "right": 5 * 60}
    assert sum(totals["states"].values()) == (408 + 35 + 60 + 20) * 60
    # Reminders: 10:36 and 12:26 were followed by a break within minutes (10:40, 12:30); 10:10 was not.
    assert report["outcomes"] == {"coached": 1, "break": 2, "done": 3, "snoozed": 1, "ignored": 2}
    assert (totals["reminders"], totals["answered"], totals["verified"]) == (9, 6, 3)
    lasted = [r["lasted_seconds"] for r in report["reminders"]]
    assert lasted == [19 * 60, 21 * 60, None, None, 27 * 60, None, 15 * 60, 30 * 60, 10 * 60]
    assert report["lasted_median_seconds"] == 20 * 60
    assert [b["seconds"] for b in report["breaks"]] == [15 * 60, 45 * 60] and report["breaks_suggested"] == 2
    # The pause stops the sitting count but does not end the stretch: 13:15 to 17:35, 105 + 135 min.
    assert report["longest_sitting"]["seconds"] == 240 * 60
    assert report["longest_sitting"]["start"] == localtime.iso(at(TUESDAY, "13:15"))
    assert report["longest_sitting"]["end"] == localtime.iso(at(TUESDAY, "17:35"))
    assert [(c["fault"], c["side"]) for c in report["causes"]] == [("forward_head", None), ("head_turn", "left")]
    head_turn = report["causes"][1]
    assert head_turn["held_seconds"] == 82 * 60 and head_turn["side_share"] == round(82 / 87, 4)
    assert head_turn["evidence"] == (
        "Head turned to the left for 1 h 22 min: 20% of the 6 h 48 min you were seen at the desk, "
        "and 94% of all the time it was held to either side."
    )
    assert all(re.fullmatch(ISO, s["start"]) and re.fullmatch(ISO, s["end"]) for s in report["timeline"])
    assert report["days"] == [] and report["previous"] is None
    assert session


def test_an_empty_day_is_one_sentence_and_no_page(hand, tmp_path):
    hand.script(at(TUESDAY, "09:00"), [Segment("present", 30)])
    result = run_cli("report", "--history", hand.path, "--day", "2026-11-29")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Nothing was recorded on Sunday 29 November 2026.\n"
    assert not pages.reports_folder(hand.path).exists()
    result = run_cli("report", "--history", hand.path, "--day", "2026-11-29", "--format", "json")
    assert result.returncode == 0 and "Nothing was recorded" in result.stderr
    report = json.loads(result.stdout)
    assert report["recorded"] is False and report["totals"]["present_seconds"] == 0
    page = pages.render(tally.read(hand.path, "day", date(2026, 11, 29)))
    assert "Nothing was recorded on Sunday 29 November 2026." in page
    assert "<svg" not in page and "<table" not in page and "<h2" not in page


def test_a_day_with_a_call_and_a_pause(hand):
    hand.script(
        at(TUESDAY, "09:00"),
        [
            Segment("present", 60, [("forward_head", 10, 20, None)]),
            Segment("call", 30),
            Segment("present", 20),
            Segment("paused", 15),
            Segment("present", 25),
        ],
    )
    s = tally.read(hand.path, "day", TUESDAY)
    t = s.totals
    assert (t.present_seconds, t.call_seconds, t.paused_seconds, t.away_seconds) == (6300, 1800, 900, 0)
    assert t.desk_seconds == 8100 and t.good_seconds == 85 * 60 and t.good_share == pytest.approx(85 / 105)
    # A call is sitting; a pause stops the count without ending the stretch.
    assert s.longest_sitting == Stretch(at(TUESDAY, "09:00"), at(TUESDAY, "11:30"), 135 * 60)
    assert [x.kind for x in s.timeline] == ["well", "forward_head", "well", "call", "well", "paused", "well"]
    page = pages.render(s)
    strip = page[page.index("<svg") : page.index("</svg>")]
    assert pages.colour("call") in strip and pages.colour("paused") in strip and pages.colour("well") in strip
    assert "On a call 30 min" in page and "Paused 15 min" in page and "(30 min of it on a call)" in page
    assert "<h2>Reminders" not in page and "<h2>Breaks" in page and "0 breaks taken; none suggested." in page


def test_a_session_across_midnight_counts_on_both_days_and_report_is_today_by_default(hand):
    today = localtime.today()
    yesterday = today - timedelta(days=1)
    # 23:30 to 00:40, head forward from 23:50 to 00:20.
    hand.script(at(yesterday, "23:30"), [Segment("present", 70, [("forward_head", 20, 30, None)])])
    before, after = tally.read(hand.path, "day", yesterday), tally.read(hand.path, "day", today)
    assert (before.totals.present_seconds, after.totals.present_seconds) == (1800, 2400)
    assert before.totals.fault_seconds == {"forward_head": 600} and after.totals.fault_seconds == {"forward_head": 1200}
    report = report_json(hand.path)
    assert report["first"] == today.isoformat() and report["totals"]["present_seconds"] == 2400


def _week(hand: History, days=(0, 1, 2, 4)) -> None:
    """Working days of the week of MONDAY: (120 + 10 n) min seated, 20 min away, 60 min seated."""
    for n in days:
        day = MONDAY + timedelta(days=n)
        hand.script(
            at(day, "09:00"),
            [
                Segment("present", 120 + 10 * n, [("forward_head", 5, 30 + 5 * n, None)]),
                Segment("away", 20),
                Segment("present", 60),
            ],
        )


def test_a_week_with_a_missing_day(hand):
    _week(hand)
    s = tally.read(hand.path, "week", MONDAY + timedelta(days=2))
    assert (s.first, s.last) == (MONDAY, MONDAY + timedelta(days=6))
    assert [d.totals.recorded for d in s.days] == [True, True, True, False, True, False, False]
    expected = [(180 + 10 * n) * 60 if n in (0, 1, 2, 4) else 0 for n in range(7)]
    assert [d.totals.present_seconds for d in s.days] == expected
    assert [d.totals.fault_seconds.get("forward_head", 0) for d in s.days] == [
        (30 + 5 * n) * 60 if n in (0, 1, 2, 4) else 0 for n in range(7)
    ]
    assert s.days[3].totals.good_share is None and s.totals.present_seconds == sum(expected)
    assert s.totals.breaks == 4 and s.previous is not None and not s.previous.totals.recorded
    page = pages.render(s)
    assert "on 4 of the 7 days" in page and "(s)" not in page
    # The line of good posture joins Monday to Tuesday to Wednesday and stops at the missing Thursday.
    assert page.count(f'stroke="{pages.colour("well")}" stroke-width="2.5"') == 2
    assert "Best and hardest day" in page
    report = report_json(hand.path, "--week", "2026-11-25")
    assert [d["present_seconds"] for d in report["days"]] == expected
    assert [d["good_share"] is None for d in report["days"]] == [False, False, False, True, False, True, True]
    assert report["previous"]["first"] == "2026-11-16"


def test_causes_over_a_week_say_on_how_many_days_they_held(hand):
    _week(hand, days=(0, 1, 4))
    # Head forward 30 to 50 min of 180 to 220 min seated: above a fifth on Friday only (50 of 220 min),
    # and over the week 115 of 590 min: under a fifth, so no cause.
    assert tally.read(hand.path, "week", MONDAY).causes == ()
    hand.script(at(MONDAY + timedelta(days=2), "09:00"), [Segment("present", 100, [("forward_head", 0, 90, None)])])
    (cause,) = tally.read(hand.path, "week", MONDAY).causes
    assert cause.fault == "forward_head" and cause.days == 2
    assert cause.evidence.endswith("; on 2 of the 4 days recorded.")


def test_a_month_compares_with_the_month_before(hand):
    sample_weeks(hand, MONDAY, weeks=9)
    s = tally.read(hand.path, "month", date(2026, 11, 10))
    assert (s.first, s.last, len(s.days)) == (date(2026, 11, 1), date(2026, 11, 30), 30)
    assert s.previous is not None and (s.previous.first, len(s.previous.days)) == (date(2026, 10, 1), 31)
    with sqlite3.connect(hand.path) as db:
        seated = {
            d: db.execute(
                "SELECT coalesce(sum(min(end, ?) - max(start, ?)), 0) FROM presence "
                "WHERE kind = 'present' AND start < ? AND end > ?",
                (b, a, b, a),
            ).fetchone()[0]
            for d in localtime.dates(date(2026, 10, 1), date(2026, 11, 30))
            for a, b in [localtime.day_bounds(d)]
        }
    for days in (s.days, s.previous.days):
        assert [d.totals.present_seconds for d in days] == pytest.approx([seated[d.date] for d in days])
    assert s.totals.present_seconds == pytest.approx(sum(seated[d.date] for d in s.days))
    page = pages.render(s)
    assert "last month:" in page and "Best and hardest day" in page and "(s)" not in page
    assert len(report_json(hand.path, "--month", "2026-11-10")["days"]) == 30


@pytest.mark.parametrize(
    ("day", "hours", "change"), [(date(2026, 3, 8), 23, "forward"), (date(2026, 11, 1), 25, "back")]
)
def test_clock_change_days_are_as_long_as_they_are(hand, monkeypatch, day, hours, change):
    monkeypatch.setenv("TZ", "America/New_York")
    start, end = at(day, "00:00"), at(day + timedelta(days=1), "00:00")
    hand.script(start, [Segment("present", (end - start) / 60)])
    report = report_json(hand.path, "--day", day.isoformat())
    assert report["hours"] == hours and report["totals"]["present_seconds"] == hours * 3600
    before, after = {23: ("-05:00", "-04:00"), 25: ("-04:00", "-05:00")}[hours]
    assert report["start"] == f"{day}T00:00:00{before}"
    assert report["end"] == f"{day + timedelta(days=1)}T00:00:00{after}"
    page = pages.render(tally.read(hand.path, "day", day))
    assert f"This day had {hours} hours: the clocks went {change} an hour." in page
    week = report_json(hand.path, "--week", day.isoformat())
    assert [d["hours"] for d in week["days"]] == [24] * 6 + [hours]


def test_a_stretch_across_the_clock_change_counts_its_real_length(hand, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    spring, fall = date(2026, 3, 8), date(2026, 11, 1)
    # 01:15 to 03:45 on the clock is 1 h 30 min when 02:00 becomes 03:00; 00:45 to the second 01:15 is too.
    for start, end in ((at(spring, "01:15"), at(spring, "03:45")), (at(fall, "00:45"), at(fall, "01:15", fold=1))):
        session = hand.session(start, end)
        hand.presence(session, "present", start, end)
        hand.episode(session, "forward_head", start, end)
    for day in (spring, fall):
        totals = tally.read(hand.path, "day", day).totals
        assert totals.present_seconds == totals.fault_seconds["forward_head"] == 5400


def test_export_writes_times_with_the_offset_in_force_then(hand, monkeypatch, tmp_path):
    monkeypatch.setenv("TZ", "America/New_York")
    fall = date(2026, 11, 1)
    first, second = at(fall, "01:30"), at(fall, "01:30", fold=1)
    session = hand.session(first, second, heartbeat=second)
    hand.presence(session, "present", first, second)
    store.export_csv(hand.db, tmp_path / "csv")
    text = (tmp_path / "csv" / "sessions.csv").read_text(encoding="utf-8")
    assert "2026-11-01T01:30:00-04:00,2026-11-01T01:30:00-05:00,test,2026-11-01T01:30:00-05:00" in text


def _day_with(hand: History, fault: str, minutes: float, side: str | None = None, other: float = 0.0) -> None:
    """A 240 min day seated, ``fault`` held ``minutes`` (to ``side``), and ``other`` min to the other side."""
    opposite = {"left": "right", "right": "left"}.get(side or "")
    postures = [(fault, 10, minutes, side)]
    if other:
        postures.append((fault, 20 + minutes, other, opposite))
    hand.script(at(TUESDAY, "09:00"), [Segment("present", 240, postures)])


WITH_SETUP = [name for name, fault in REGISTRY.items() if fault.setup is not None]


@pytest.mark.parametrize("fault", WITH_SETUP)
def test_each_cause_is_raised_where_its_evidence_holds(hand, fault):
    one_sided = REGISTRY[fault].setup.one_sided
    _day_with(hand, fault, 66, "left" if one_sided else None, 6 if one_sided else 0)
    (cause,) = tally.read(hand.path, "day", TUESDAY).causes
    setup = REGISTRY[fault].setup
    assert cause.fault == fault and cause.side == ("left" if one_sided else None)
    assert cause.cause == setup.cause.format(side="left") and cause.fix == setup.fix.format(side="left")
    assert duration(cause.held_seconds) in cause.evidence and "4 h you were seen at the desk" in cause.evidence
    assert f"{round(cause.share * 100)}%" in cause.evidence
    if one_sided:
        assert cause.side_share == pytest.approx(66 / 72) and "92% of all the time" in cause.evidence


@pytest.mark.parametrize("fault", WITH_SETUP)
def test_each_cause_stays_quiet_on_a_small_share(hand, fault):
    # 40 of 240 min: over the minimum time, under a fifth of the day.
    _day_with(hand, fault, 40, "left" if REGISTRY[fault].setup.one_sided else None)
    assert tally.read(hand.path, "day", TUESDAY).causes == ()


@pytest.mark.parametrize("fault", [f for f in WITH_SETUP if REGISTRY[f].setup.one_sided])
def test_a_one_sided_cause_stays_quiet_when_both_sides_share_the_time(hand, fault):
    _day_with(hand, fault, 40, "left", 32)  # 72 min, 56% to the left
    assert tally.read(hand.path, "day", TUESDAY).causes == ()


def test_a_cause_needs_enough_time_in_all(hand):
    # Half of a 30 min session is a large share but too little time to judge a desk by.
    hand.script(at(TUESDAY, "09:00"), [Segment("present", 30, [("head_back", 5, 15, None)])])
    s = tally.read(hand.path, "day", TUESDAY)
    assert s.totals.fault_seconds["head_back"] < causes.MIN_SECONDS and s.causes == ()
    page = pages.render(s)
    assert "No posture was held for long enough, or to one side often enough" in page


def test_a_break_soon_after_a_reminder_answers_it(hand):
    session = hand.script(
        at(TUESDAY, "09:00"),
        [Segment("present", 34), Segment("away", 16), Segment("present", 46), Segment("away", 20)],
    )
    hand.alert(session, at(TUESDAY, "09:30"), "sitting")  # the break begins 4 min later
    hand.alert(session, at(TUESDAY, "10:30"), "sitting", "done")  # 6 min later: too late to be its answer
    s = tally.read(hand.path, "day", TUESDAY)
    assert [r.outcome for r in s.reminders] == ["break", "done"]
    assert (s.totals.answered, s.totals.verified) == (2, 1)
    page = pages.render(s)
    assert "2 of 2 reminders answered, 1 of them verified by the camera." in page
    assert "Answered: 1 with a break and 1 marked done." in page


def test_no_chart_without_data_and_plurals_right(hand):
    session = hand.script(at(TUESDAY, "09:00"), [Segment("present", 50), Segment("away", 10), Segment("present", 1)])
    page = pages.render(tally.read(hand.path, "day", TUESDAY))
    # Only the day's strip: no postures, muscles, reminders or causes to show.
    assert page.count("<svg") == 1 and "<table" not in page
    for absent in ("Postures held longest", "Muscles", "<h2>Reminders", "Likely causes"):
        assert absent not in page
    assert "1 break taken; none suggested." in page and "(s)" not in page
    hand.alert(session, at(TUESDAY, "09:20"), "sitting")
    page = pages.render(tally.read(hand.path, "day", TUESDAY))
    assert "0 of 1 reminder answered." in page and "Not answered: 1." in page and ", 1 suggested." in page
    week = pages.render(tally.read(hand.path, "week", TUESDAY))
    # One recorded day: no best and hardest day, and no line of last week with nothing in it.
    assert "Best and hardest" not in week and "Last week" not in week and "(s)" not in week


def test_write_page_writes_the_day_with_its_week_and_month_linked(hand):
    sample_day(hand, TUESDAY)
    page = pages.write_page(hand.path, "day", TUESDAY)
    folder = pages.reports_folder(hand.path)
    assert page == folder / "day-2026-11-24.html"
    written = sorted(p.name for p in folder.iterdir())
    assert written == ["day-2026-11-24.html", "month-2026-11.html", "week-2026-11-23.html"]
    day = page.read_text(encoding="utf-8")
    assert '<a href="week-2026-11-23.html">Week of 23 to 29 November 2026</a>' in day
    assert '<a href="month-2026-11.html">November 2026</a>' in day
    assert '<a href="month-2026-11.html">' in (folder / "week-2026-11-23.html").read_text(encoding="utf-8")
    assert "<nav>" not in (folder / "month-2026-11.html").read_text(encoding="utf-8")
    assert oct(page.stat().st_mode & 0o777) == "0o600"
    # Today, with nothing recorded today: the page says so, with the links.
    empty = pages.write_page(hand.path).read_text(encoding="utf-8")
    assert "Nothing was recorded on" in empty and "<nav>" in empty


def test_the_alerts_migration_keeps_answers_and_allows_coached_and_break(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    for number, script in enumerate(store.MIGRATIONS[:2], start=1):
        db.executescript(f"BEGIN; {script}; PRAGMA user_version = {number}; COMMIT;")
    db.execute(
        "INSERT INTO alerts (session, at, fault, held_seconds, level, muscles, response) "
        "VALUES ('s', 1.0, 'slouch', 240.0, 0, '[]', 'done')"
    )
    db.commit()
    db.close()
    db = store.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(store.MIGRATIONS)
    assert [tuple(r) for r in db.execute("SELECT fault, response FROM alerts")] == [("slouch", "done")]
    for response in ("coached", "break"):
        db.execute(
            "INSERT INTO alerts (session, at, fault, held_seconds, level, muscles, response) "
            "VALUES ('s', 2.0, 'slouch', 240.0, 0, '[]', ?)",
            (response,),
        )
    with pytest.raises(sqlite3.IntegrityError):
        db.execute(
            "INSERT INTO alerts (session, at, fault, held_seconds, level, muscles, response) "
            "VALUES ('s', 3.0, 'slouch', 240.0, 0, '[]', 'maybe')"
        )
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'alerts_at'").fetchone()[0] == 1
    db.close()


# Rendering in a real browser: Debian's chromium, headless, as root needs --no-sandbox.
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(BROWSER is None and not os.environ.get("CI"), reason="needs Debian's chromium")
# The tray's colours, as the browser paints them: sitting well, a posture building, away, a call.
TRAY = {name: STATES[name] for name in ("good", "building", "away", "call")}


def chromium(tmp_path, page, *args: str) -> None:
    assert BROWSER, "chromium is not installed"
    subprocess.run(
        [
            BROWSER,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--hide-scrollbars",
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )


def screenshot(tmp_path, page, height: int = 3200) -> np.ndarray:
    """The page as Chromium draws it 900 px wide, cut below its last line."""
    shot = tmp_path / f"{page.stem}.png"
    chromium(tmp_path, page, f"--window-size=900,{height}", f"--screenshot={shot}")
    image = cv2.imread(str(shot))
    assert image is not None
    used = np.nonzero((image < 240).any(axis=(1, 2)))[0]
    return image[: used[-1] + 40]


def save_for_readme(image: np.ndarray, name: str) -> None:
    """A screenshot for the README in 256 colours: sharp text, well under 200 KB."""
    path = readme_picture(name)
    rgb = Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    rgb.quantize(colors=256, dither=Image.Dither.NONE).save(path, optimize=True)
    assert path.stat().st_size < 200_000, (name, path.stat().st_size)


def painted(image: np.ndarray, rgb: tuple[int, int, int]) -> int:
    """How many pixels show colour ``rgb`` (give or take a little)."""
    bgr = np.array(rgb[::-1])
    return int(np.all(np.abs(image.astype(int) - bgr) < 10, axis=2).sum())


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """Nine working weeks up to the week of MONDAY, its Thursday missing and its Tuesday the sample day."""
    history = History(tmp_path_factory.mktemp("sample") / "history.sqlite3")
    sample_weeks(history, MONDAY, weeks=9, skip=(1, 3))
    sample_day(history, TUESDAY)
    history.close()
    return history.path


@needs_chromium
def test_the_day_page_in_chromium(sample, tmp_path):
    page = pages.write_page(sample, "day", TUESDAY)
    image = screenshot(tmp_path, page)
    for name, rgb in TRAY.items():
        assert painted(image, rgb) > 1500, name
    save_for_readme(image, "report-day.png")
    # Printed: A4 pages, two of them.
    pdf = tmp_path / "day.pdf"
    chromium(tmp_path, page, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    data = pdf.read_bytes()
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert boxes and all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)
    assert len(re.findall(rb"/Type\s*/Page\b", data)) <= 2


@needs_chromium
@pytest.mark.parametrize("period", ["week", "month"])
def test_the_week_and_month_pages_in_chromium(sample, tmp_path, period):
    page = pages.write_page(sample, period, TUESDAY)
    text = page.read_text(encoding="utf-8")
    assert "(s)" not in text and "Best and hardest day" in text and "Likely causes" in text
    image = screenshot(tmp_path, page)
    for name, rgb in TRAY.items():
        assert painted(image, rgb) > 1000, name
    # The line of last week (or month) beside this one's.
    assert painted(image, (138, 138, 138)) > 100
    save_for_readme(image, f"report-{period}.png")


@needs_chromium
def test_an_empty_day_in_chromium_is_its_sentence(sample, tmp_path):
    page = pages.write_page(sample, "day", date(2026, 11, 29))
    image = screenshot(tmp_path, page, 900)
    assert image.shape[0] < 500  # a heading, a sentence and the disclaimer
    assert sum(painted(image, rgb) for rgb in TRAY.values()) == 0
