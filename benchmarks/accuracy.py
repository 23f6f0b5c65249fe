"""posture-watch accuracy benchmark: which faults the core raises on real people, and on acted-out postures.

    python benchmarks/accuracy.py [--neutral-minutes 8] [--photos grace_hopper astronaut] [--only PART] [--update-doc]

Seven parts, all through the real pose model and the real core (config.defaults() unless said):

1. slouching-or-not front photos: every 3-frame baseline from the upright frames
   (all 455 of them); each frame is scored with ``faults.read`` against every
   baseline it was not part of. A fault is raised at score >= 1.
2. side-view-sitting and side-view-desk photos: a baseline from each upright photo
   (the photo and two noisy copies); every other photo is scored against it.
   The cva and trunk_flexion features are checked for following the posture.
3. neutral-front-video recordings, ping-ponged to ``--neutral-minutes`` and replayed
   through the Analyser and engine at the default settings, calibrated on the
   first 10 s: any fault_start or alert is wrong.
4. The scenario videos of scripts/make_test_videos.py with tests/test_scenarios.py's
   settings (hold_seconds 20, onset 15 s): delay to fault_start and first alert,
   and wrong faults.
5. Recordings made from the data sets' real people by scripts/make_test_videos.py, at the
   same settings: a 10-degree lean about the hips to each side (and a 5-degree one), a face
   tilted back seen from the front (and brief glances up and a nod), a second person behind
   the user by day and in a dim room (compared with the user alone), someone passing far
   behind before any calibration.
6. Setups: a moved camera (the picture turned, pushed back or nearer) with the user sitting on or
   sinking, and two profiles' neutrals (desk and laptop) with a replay switching between them.
7. Low light: the neutral videos and the slouching-or-not photos as a webcam shows them
   in a room that gets dark after calibration, at several light levels: the picture's
   quality, false fault starts and alerts, people lost, a slouch found; and the same
   with the frames ``quality.measure`` calls poor told to the engine as unknown.

Prints the results as markdown; ``--update-doc`` also puts them into docs/accuracy.md
between its results markers (parts 1-6) and its low-light markers (part 7). ``--only PART``
runs one part (with ``--update-doc``, only ``low-light``). Needs the pose model and the data sets
(see tests/testdata.py).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import testdata  # noqa: E402 - tests/testdata.py: where the model and the data sets are
from make_test_videos import (  # noqa: E402
    CAMERA_MOVES,
    Timeline,
    company_recording,
    dim_frames,
    framings_recording,
    head_back_recording,
    lean_recording,
    make_video,
    moved_camera_recording,
    passer_by_recording,
)
from make_test_videos import SCENARIOS as VIDEO_SCENARIOS  # noqa: E402

from posture_watch import config  # noqa: E402
from posture_watch.advice.reminders import Reminder  # noqa: E402
from posture_watch.app.pipeline import Analyser, Stats, open_estimator  # noqa: E402
from posture_watch.core import engine, faults, features  # noqa: E402
from posture_watch.core.baseline import Baseline  # noqa: E402
from posture_watch.core.engine import Observation  # noqa: E402
from posture_watch.core.events import (  # noqa: E402
    Alert,
    Away,
    Back,
    Break,
    Calibrated,
    CalibrationWaiting,
    CameraMoved,
    FaultEnd,
    FaultStart,
    ProfileChosen,
)
from posture_watch.core.observation import CameraSays  # noqa: E402
from posture_watch.sense import quality  # noqa: E402
from posture_watch.sense.pose import PoseEstimator  # noqa: E402
from posture_watch.sense.quality import Quality  # noqa: E402
from posture_watch.sense.video import Sampler, VideoFile  # noqa: E402

DOC = ROOT / "docs" / "accuracy.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
LOW_BEGIN, LOW_END = "<!-- low-light:begin -->", "<!-- low-light:end -->"
# Faults that a head lowered toward the shoulders should raise (head_back once the registry has it).
HEAD_DOWN = tuple(f for f in ("forward_head", "slouch", "too_close", "head_back") if f in faults.REGISTRY)
# Judged over minutes by the engine, not from a frame's posture.
NOT_POSTURE = ("static_posture", "sitting")
CALIBRATE_SECONDS = 10.0
# The neutral videos' own frame rate (about 24 fps): every frame of theirs is played.
VIDEO_FPS = 24.0

# tests/test_scenarios.py's settings: every posture fault of the registry held 20 s before a reminder.
from test_scenarios import HOLD, ONSET, TEST_CONFIG  # noqa: E402

# The wall time each replay starts at (aware, as the monitor's are).
START = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)

# Scenario video -> the fault it acts out; the last two where make_test_videos.py and the registry have them.
SCENARIOS = {
    name: fault
    for name, fault in {
        "neutral": None,
        "forward_head": "forward_head",
        "forward_head_moderate": "forward_head",
        "slouch": "slouch",
        "head_tilt": "head_tilt",
        "head_back": "head_back",
        "trunk_lean": "trunk_lean",
        "too_close": "too_close",
    }.items()
    if name in VIDEO_SCENARIOS and (fault is None or fault in faults.REGISTRY)
}

# Side-view photos: (what the photo shows per the data sets' README, posture group).
# Groups: upright, slight (slightly forward or down), forward (hunched, chin forward,
# neck bent down), back (leaning back), slump_back (slumped back), head_back (neck extended).
SIDE_SETS: dict[str, dict[str, tuple[str, str]]] = {
    "side-view-sitting": {
        "straight_flip": ("upright", "upright"),
        "straight_hf": ("upright (mirrored)", "upright"),
        "hunchback": ("slumped forward", "forward"),
        "hunchback_hf": ("slumped forward (mirrored)", "forward"),
        "recline": ("leaning back", "back"),
        "recline_hf": ("leaning back (mirrored)", "back"),
    },
    "side-view-desk": {
        "OP33": ("upright", "upright"),
        "OP108": ("upright", "upright"),
        "OP29": ("upright, head slightly down", "slight_head"),
        "OP103": ("upright, neck bent looking down", "look_down"),
        "OP10": ("typing, slight forward lean", "slight_trunk"),
        "OP73": ("hunched forward over the desk", "forward"),
        "OP20": ("perched, trunk forward, chin forward", "forward"),
        "OP95": ("perched, trunk forward, chin forward", "forward"),
        "OP55": ("leaning back", "back"),
        "OP123": ("leaning back", "back"),
        "OP129": ("slumped back", "slump_back"),
        "OP114": ("leaning back, head thrown back", "head_back"),
        "OP141": ("leaning back, head thrown back", "head_back"),
    },
}
# What a good detector raises per group: "none", "head_down" (one of HEAD_DOWN), or "either".
SIDE_EXPECT = {
    "upright": "none",
    "slight_head": "either",
    "slight_trunk": "either",
    "look_down": "head_down",
    "forward": "head_down",
    "back": "none",
    "slump_back": "slump",
    "head_back": "head_back",
}
# Feature orders that must hold within one data set: each tuple of groups is from the largest value down.
SIDE_ORDER = {
    "cva": (("upright",), ("slight_head", "slight_trunk"), ("forward", "look_down")),
    "trunk_flexion": (
        ("forward", "slight_trunk"),
        ("upright", "slight_head", "look_down"),
        ("back", "slump_back", "head_back"),
    ),
}


class Bench:
    """The model, the settings and the collected markdown."""

    def __init__(self) -> None:
        self.model = testdata.model_path()
        self.data = testdata.datasets_dir()
        self.settings = config.defaults().with_changes(model__path=str(self.model))
        self.lines: list[str] = []
        self.score: list[tuple[str, str, str]] = []

    def out(self, *lines: str) -> None:
        self.lines.extend(lines)

    def photo(self, path: Path, noise_seed: int | None = None) -> tuple[str | None, features.Features]:
        """(view, features) of one photo, through a fresh estimator as a first camera frame."""
        image = cv2.imread(str(path))
        if image is None:
            raise SystemExit(f"{path}: not a readable image")
        if noise_seed is not None:
            rng = np.random.default_rng(noise_seed)
            image = np.clip(image.astype(np.int16) + rng.normal(0, 3, image.shape).astype(np.int16), 0, 255)
            image = image.astype(np.uint8)
        pose = self.settings["pose"]
        with PoseEstimator(
            self.model, pose["max_people"], pose["min_detection_confidence"], pose["min_size"]
        ) as estimator:
            landmarks = estimator.detect(0.0, image)
        return features.compute(
            landmarks, image.shape[1], image.shape[0], pose["min_visibility"], self.settings["view"]["mode"]
        )


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return [*lines, *("| " + " | ".join(r) + " |" for r in rows), ""]


def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "n/a"


def raised(readings: dict[str, faults.Reading]) -> dict[str, float]:
    return {name: r.score for name, r in readings.items() if r.score >= 1.0}


# 1. Front photos ----------------------------------------------------------------------------------------------


def front_photos(b: Bench) -> None:
    folder = b.data / "slouching-or-not" / "low-isSlouching__high-notSlouching"
    classes = {"upright": "notSlouching", "slouched": "isSlouching"}
    frames: dict[str, dict[int, tuple[str | None, features.Features]]] = {}
    for cls, sub in classes.items():
        paths = sorted((folder / sub).glob("*.jpg"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        frames[cls] = {int(p.stem.rsplit("-", 1)[1]): b.photo(p) for p in paths}
    upright_ids = [n for n, (v, f) in frames["upright"].items() if v is not None]
    combos = list(itertools.combinations(upright_ids, 3))
    # Per (class, frame): baselines scored against, per fault times raised and scores.
    scored: Counter[tuple[str, int]] = Counter()
    hits: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    scores: dict[tuple[str, int], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    known: dict[str, Counter[str]] = defaultdict(Counter)
    any_wrong = Counter()
    head_down_hit = Counter()
    for combo in combos:
        baseline = Baseline.from_samples([frames["upright"][n] for n in combo])
        assert baseline is not None
        for cls, items in frames.items():
            for n, (view, feats) in items.items():
                if cls == "upright" and n in combo:
                    continue
                key = (cls, n)
                scored[key] += 1
                readings = faults.read(feats, baseline, b.settings.core) if view == baseline.view else {}
                for name, r in readings.items():
                    known[cls][name] += 1
                    scores[key][name].append(r.score)
                up = raised(readings)
                hits[key].update(up.keys())
                if cls == "upright" and up:
                    any_wrong[key] += 1
                if cls == "slouched" and any(f in up for f in HEAD_DOWN):
                    head_down_hit[key] += 1
    pairs = {cls: sum(c for (k, _), c in scored.items() if k == cls) for cls in classes}
    b.out(
        "### Front photos: slouching-or-not",
        "",
        f"{len(frames['upright'])} upright and {len(frames['slouched'])} slouched frames of one person; "
        f"{len(combos)} baselines (every 3 of the upright frames); each frame scored against every baseline it "
        f"was not part of: {pairs['upright']} upright and {pairs['slouched']} slouched (frame, baseline) pairs. "
        f"Views seen: {dict(Counter(v for items in frames.values() for v, _ in items.values()))}.",
        "",
    )
    rows = []
    for name in faults.POSTURE_FAULTS:
        up = sum(h[name] for (cls, _), h in hits.items() if cls == "upright")
        down = sum(h[name] for (cls, _), h in hits.items() if cls == "slouched")
        right = (
            "right" if name in HEAD_DOWN and name != "head_back" else "head family" if name in HEAD_DOWN else "wrong"
        )
        rows.append(
            [
                name,
                f"{pct(up, pairs['upright'])} (wrong)",
                f"{pct(down, pairs['slouched'])} ({right})",
                f"{pct(known['upright'][name], pairs['upright'])} / {pct(known['slouched'][name], pairs['slouched'])}",
            ]
        )
    rows.append(["**any fault**", f"{pct(sum(any_wrong.values()), pairs['upright'])} (wrong)", "", ""])
    rows.append(["**a head-down fault**", "", f"{pct(sum(head_down_hit.values()), pairs['slouched'])} (right)", ""])
    b.out(
        "How often each fault is raised (score >= 1), as a share of (frame, baseline) pairs. "
        f"Head-down faults: {', '.join(HEAD_DOWN)}.",
        "",
        *table(["fault", "upright: raised", "slouched: raised", "known (upright / slouched)"], rows),
    )
    upright_flagged = [k for k in scored if k[0] == "upright" and any_wrong[k]]
    slouched_missed = [k for k in scored if k[0] == "slouched" and head_down_hit[k] < scored[k]]
    b.score.append(
        (
            "front: upright frames with a fault raised",
            "0 % of pairs",
            f"{pct(sum(any_wrong.values()), pairs['upright'])} of pairs; "
            f"{len(upright_flagged)} of {len(frames['upright'])} frames under some baseline",
        )
    )
    b.score.append(
        (
            "front: slouched frames with a head-down fault",
            "100 % of pairs",
            f"{pct(sum(head_down_hit.values()), pairs['slouched'])} of pairs; "
            f"{len(slouched_missed)} of {len(frames['slouched'])} frames missed under some baseline",
        )
    )
    # Per frame: the features against the median of all upright frames, and the faults raised.
    ref = {
        k: statistics.median(f[k] for _, f in frames["upright"].values() if k in f)
        for k in ("head_height", "neck_length", "face_size", "head_y", "head_roll", "head_yaw", "shoulder_tilt")
    }

    def rel(f: features.Features, k: str) -> str:
        return f"{100 * (f[k] / ref[k] - 1):+.0f}" if k in f else "-"

    def dif(f: features.Features, k: str, scale: float = 1.0, digits: int = 1) -> str:
        return f"{(f[k] - ref[k]) * scale:+.{digits}f}" if k in f else "-"

    rows = []
    for (cls, n), count in sorted(scored.items(), key=lambda kv: (kv[0][0] != "upright", kv[0][1])):
        view, f = frames[cls][n]
        cells = []
        for name in faults.POSTURE_FAULTS:
            if hits[(cls, n)][name]:
                median = statistics.median(scores[(cls, n)][name])
                cells.append(f"{name} {pct(hits[(cls, n)][name], count)} (x{median:.1f})")
        rows.append(
            [
                f"{cls} {n}",
                ", ".join(cells) or "none",
                rel(f, "head_height"),
                rel(f, "neck_length"),
                rel(f, "face_size"),
                dif(f, "head_y", 100),
                dif(f, "head_roll"),
                dif(f, "head_yaw", 100, 0),
                dif(f, "shoulder_tilt"),
            ]
        )
    b.out(
        "Per frame: faults raised (share of its baselines that raise it; median score over all its baselines) and "
        "the features against the median of "
        "all 15 upright frames: head_height, neck_length and face_size in % change, head_y in % of the picture "
        "height (+ is lower), head_roll and shoulder_tilt in degrees, head_yaw in % of the ear-to-ear width.",
        "",
        *table(
            [
                "frame",
                "faults raised",
                "head_height %",
                "neck_length %",
                "face_size %",
                "head_y",
                "roll",
                "yaw",
                "tilt",
            ],
            rows,
        ),
    )


# 2. Side photos -----------------------------------------------------------------------------------------------


def side_photos(b: Bench) -> None:
    b.out("### Side photos: side-view-sitting and side-view-desk", "")
    b.out(
        "A baseline from each upright photo (the photo and two copies with sensor noise, so its spread is the "
        "model's own noise); every photo is scored against each upright baseline but its own. Faults raised: "
        "name, in how many of the baselines, and the median score. Δ is against the mean of the upright photos.",
        "",
    )
    right = wrong = expected_total = 0
    # Leaning back (any of the three groups) must raise no forward_head; a chin poking forward must.
    back_clear, back_total, chin_caught, chin_total = 0, 0, 0, 0
    order_lines = []
    for set_name, photos in SIDE_SETS.items():
        folder = b.data / set_name
        feats = {name: b.photo(folder / f"{name}.jpg") for name in photos}
        upright = [n for n, (_, group) in photos.items() if group == "upright"]
        baselines = {}
        for n in upright:
            samples = [feats[n], b.photo(folder / f"{n}.jpg", 1), b.photo(folder / f"{n}.jpg", 2)]
            baselines[n] = Baseline.from_samples(samples)
        ref = {
            k: statistics.mean(feats[n][1][k] for n in upright if k in feats[n][1]) for k in ("cva", "trunk_flexion")
        }
        rows = []
        for name, (label, group) in photos.items():
            view, f = feats[name]
            against = [(n, bl) for n, bl in baselines.items() if n != name and bl is not None]
            got: dict[str, list[float]] = defaultdict(list)
            for _, bl in against:
                if view == bl.view:
                    for fault, score in raised(faults.read(f, bl, b.settings.core)).items():
                        got[fault].append(score)
            cells = [f"{k} {len(v)}/{len(against)} (x{statistics.median(v):.1f})" for k, v in got.items()]
            expect = SIDE_EXPECT[group]
            if group in ("back", "slump_back", "head_back"):
                back_total += 1
                back_clear += view == "side" and "forward_head" not in got
            if "chin forward" in label:
                chin_total += 1
                chin_caught += view == "side" and len(got.get("forward_head", [])) == len(against)
            flagged_down = any(k in HEAD_DOWN and k != "head_back" for k in got)
            if view != "side":
                verdict = f"wrong view ({view})"
                wrong += 1
            elif expect == "none":
                verdict = f"false alarm ({', '.join(got)})" if got else "ok"
                wrong += bool(got)
                right += not got
            elif expect == "head_down":
                verdict = "ok" if flagged_down else "missed"
                right += flagged_down
                wrong += not flagged_down
            elif expect == "head_back":
                verdict = (
                    "ok" if "head_back" in got else "not covered" if "head_back" not in faults.REGISTRY else "missed"
                )
            elif expect == "slump":
                verdict = "flagged" if got else "not covered (slump back)"
            else:
                verdict = "either"
            expected_total += expect in ("none", "head_down")

            def cell(k: str, f: features.Features = f, ref: dict[str, float] = ref) -> str:
                return f"{f[k]:.1f} ({f[k] - ref[k]:+.1f})" if k in f else "-"

            rows.append(
                [name, label, view or "nobody", cell("cva"), cell("trunk_flexion"), ", ".join(cells) or "none", verdict]
            )
        sigmas = b.settings["calibration"]["noise_sigmas"]
        configured = {
            "cva": b.settings["faults"]["forward_head"]["cva_drop_degrees"],
            "trunk_flexion": b.settings["faults"]["slouch"]["trunk_flexion_degrees"],
        }
        bands = "; ".join(
            f"{n}: " + ", ".join(f"{k} {max(v, sigmas * bl.spread.get(k, 0.0)):.1f}" for k, v in configured.items())
            for n, bl in baselines.items()
            if bl is not None
        )
        b.out(
            f"**{set_name}** (upright reference: cva {ref['cva']:.1f}, trunk_flexion {ref['trunk_flexion']:.1f}; "
            f"neutral band in degrees per baseline, widened to {sigmas:g} x its noise: {bands})",
            "",
        )
        b.out(*table(["photo", "shows", "view", "cva (Δ)", "trunk_flexion (Δ)", "faults raised", "verdict"], rows))
        for key, groups in SIDE_ORDER.items():
            values = {
                n: feats[n][1][key] for n, (_, g) in photos.items() if key in feats[n][1] and feats[n][0] == "side"
            }
            rank = {g: i for i, gs in enumerate(groups) for g in gs}
            good, bad = 0, []
            for a, c in itertools.combinations(values, 2):
                ga, gc = rank.get(photos[a][1]), rank.get(photos[c][1])
                if ga is None or gc is None or ga == gc:
                    continue
                hi, lo = (a, c) if ga < gc else (c, a)
                if values[hi] > values[lo]:
                    good += 1
                else:
                    bad.append(f"{hi} {values[hi]:.0f} <= {lo} {values[lo]:.0f}")
            missing = [n for n in photos if n not in values and photos[n][1] in rank]
            order = " > ".join("/".join(gs) for gs in groups)
            order_lines.append(
                [
                    set_name,
                    key,
                    order,
                    f"{good}/{good + len(bad)}",
                    "; ".join(bad) or "none",
                    ", ".join(missing) or "none",
                ]
            )
    b.out(
        "Are the side features ordered by posture? Pairs of photos from different groups within one set, "
        "in the right order:",
        "",
        *table(["set", "feature", "expected order", "pairs in order", "out of order", "not measured"], order_lines),
    )
    b.score.append(
        (
            "side: upright and leaning-back photos unflagged, forward and looking-down ones flagged",
            f"{expected_total}/{expected_total}",
            f"{right}/{expected_total}",
        )
    )
    b.score.append(
        (
            "side: leaning back, slumped back or head thrown back without forward_head under any baseline",
            f"{back_total}/{back_total}",
            f"{back_clear}/{back_total}",
        )
    )
    b.score.append(
        (
            "side: perched with the chin forward with forward_head under every baseline",
            f"{chin_total}/{chin_total}",
            f"{chin_caught}/{chin_total}",
        )
    )
    for set_name, key, _, good, _, _ in order_lines:
        b.score.append((f"side: {key} ordered by posture ({set_name})", "all pairs", good))


# 3. Neutral real videos ---------------------------------------------------------------------------------------


def run_pipeline(
    frames_of, settings: config.Config, state: engine.State | None = None, poor_unknown: bool = False
) -> tuple[list[object], dict[str, float], Stats, list[tuple[float, Quality]]]:
    """Events, each fault's peak score after calibration (or from ``state``), and each frame's (t, quality),
    through the real Analyser and engine.

    ``poor_unknown`` tells the engine a frame too poor to judge (``quality.measure``) as ``CameraSays.DIM``:
    someone there, posture unknown.
    """
    state = state if state is not None else engine.new_state(calibrate_seconds=CALIBRATE_SECONDS)
    stats = Stats()
    peaks: dict[str, float] = defaultdict(float)
    events: list[object] = []
    qualities: list[tuple[float, Quality]] = []
    sampler = Sampler(settings["sampling"]["fps"])
    with open_estimator(settings) as estimator:
        analyser = Analyser(estimator, state, settings["sampling"]["fps"])
        for t, image in frames_of(sampler):
            wall = START + timedelta(seconds=t)
            judged = quality.measure(image, None)
            if poor_unknown and not state.calibrating and judged.poor:
                qualities.append((t, judged))
                outcomes = analyser.tell(Observation(t, wall=wall, camera=CameraSays.DIM), settings)
                view, feats = None, {}
            else:
                view, feats, outcomes = analyser.frame(t, image, settings, wall, sampler)
                assert analyser.quality is not None
                qualities.append((t, analyser.quality))
            stats.frames_analysed += 1
            stats.last_t = t
            events.extend(o.alert if isinstance(o, Reminder) else o for o in outcomes)
            if state.baseline is not None and view == state.baseline.view and not state.calibrating:
                for name, r in faults.read(feats, state.baseline, settings.core).items():
                    peaks[name] = max(peaks[name], r.score)
    return events, peaks, stats, qualities


def top_peaks(peaks: dict[str, float], skip: str | None = None, n: int = 3) -> str:
    items = sorted(((v, k) for k, v in peaks.items() if k != skip), reverse=True)[:n]
    return ", ".join(f"{k} {v:.2f}" for v, k in items) or "-"


def neutral_videos(b: Bench, minutes: float) -> None:
    folder = b.data / "neutral-front-video"
    settings = b.settings
    rows = []
    starts_total = alerts_total = 0
    for path in sorted(folder.glob("*.mp4")):
        capture = cv2.VideoCapture(str(path))
        length = capture.get(cv2.CAP_PROP_FRAME_COUNT) / max(capture.get(cv2.CAP_PROP_FPS), 1e-9)
        capture.release()
        events, peaks, stats, _ = run_pipeline(
            lambda s, p=path: dim_frames(p, 1.0, minutes * 60, fps=VIDEO_FPS, keep=s.due), settings
        )
        calibrated = next((e for e in events if isinstance(e, Calibrated)), None)
        starts = [e for e in events if isinstance(e, FaultStart) and e.fault not in NOT_POSTURE]
        alerts = [e for e in events if isinstance(e, Alert)]
        starts_total += len(starts)
        alerts_total += len(alerts)
        rows.append(
            [
                path.name,
                f"{length:.1f} s -> {stats.last_t / 60:.1f} min",
                str(stats.frames_analysed),
                f"{calibrated.view}, {calibrated.frames} frames" if calibrated else "never",
                ", ".join(f"{e.fault} at {e.t:.0f} s" for e in starts) or "none",
                ", ".join(f"{e.fault} at {e.t:.0f} s" for e in alerts) or "none",
                top_peaks(peaks),
            ]
        )
    b.out(
        "### Neutral real video: neutral-front-video",
        "",
        f"Each recording ping-ponged to {minutes:g} minutes and replayed through the Analyser and the engine at the "
        f"default settings, calibrated on the first {CALIBRATE_SECONDS:g} s. Every posture fault_start and every "
        "alert is wrong. Peak scores are each fault's highest score after calibration (1.0 = raised).",
        "",
        *table(["video", "replayed", "analysed frames", "calibrated", "fault starts", "alerts", "peak scores"], rows),
    )
    b.score.append(("neutral video: posture fault starts / alerts", "0 / 0", f"{starts_total} / {alerts_total}"))


# 4. Scenario videos -------------------------------------------------------------------------------------------


def scenarios(b: Bench, photos: list[str], neutral_seconds: float) -> None:
    settings = config.parse(TEST_CONFIG.encode(), "tests/test_scenarios.py TEST_CONFIG")
    settings = settings.with_changes(model__path=str(b.model))
    rows = []
    started = alerted = expected_n = wrong_n = kin = 0
    with tempfile.TemporaryDirectory() as tmp:
        for photo in photos:
            for scenario, expected in SCENARIOS.items():
                seconds = neutral_seconds if expected is None else ONSET + HOLD + 25
                video = make_video(
                    Path(tmp) / f"{photo}-{scenario}.mp4", scenario, seconds, 5, Timeline(onset=ONSET), photo
                )
                source = VideoFile(video, settings["sampling"]["fps"])
                try:
                    events, peaks, _, _ = run_pipeline(lambda s, src=source: _sampled(src, s), settings)
                finally:
                    source.close()
                starts = [e for e in events if isinstance(e, FaultStart) and e.fault not in NOT_POSTURE]
                alerts = [e for e in events if isinstance(e, Alert)]
                mine = [e for e in starts if e.fault == expected]
                mine_alerts = [e for e in alerts if e.fault == expected]
                bad = [e for e in starts if e.fault != expected]
                bad_alerts = [e for e in alerts if e.fault != expected]
                kin += sum(_kin(e.fault, expected) for e in bad)
                expected_n += expected is not None
                started += bool(mine)
                alerted += bool(mine_alerts)
                wrong_n += len(bad)
                first = mine[0] if mine else None
                rows.append(
                    [
                        photo,
                        scenario,
                        f"{first.t - ONSET:+.1f} s (onset credited {first.since - ONSET:+.1f} s)"
                        if first
                        else ("-" if expected is None else "**never**"),
                        f"{mine_alerts[0].t - ONSET:+.1f} s"
                        if mine_alerts
                        else ("-" if expected is None else "**never**"),
                        _events(bad, expected),
                        _events(bad_alerts, expected),
                        f"{peaks.get(expected, 0):.2f}" if expected else "-",
                        top_peaks(peaks, expected, 2),
                    ]
                )
    b.out(
        "### Acted-out scenarios: scripts/make_test_videos.py",
        "",
        f"5 fps recordings, neutral until {ONSET:g} s then a 3 s ramp into the posture, held to the end "
        f"({ONSET + HOLD + 25:g} s; neutral {neutral_seconds:g} s); tests/test_scenarios.py's settings "
        f"(hold_seconds {HOLD} for every fault, min_gap_minutes 0, away_seconds 10), calibrated on the first "
        f"{CALIBRATE_SECONDS:g} s. Delays are from the onset (t = {ONSET:g} s); a reminder is due about "
        f"{HOLD} s after the posture is reached (onset + 1.5 s of ramp + {HOLD} s).",
        "",
        *table(
            [
                "photo",
                "scenario",
                "fault_start after onset",
                "first alert after onset",
                "wrong fault starts",
                "wrong alerts",
                "peak (own fault)",
                "peak (others)",
            ],
            rows,
        ),
    )
    b.score.append(("scenarios: own fault started / alerted", f"{expected_n} / {expected_n}", f"{started} / {alerted}"))
    b.score.append(
        (
            "scenarios: wrong fault starts (of them, a sibling of the right fault in its family)",
            "0",
            f"{wrong_n} ({kin})",
        )
    )


def _family(name: str | None) -> str | None:
    return getattr(faults.REGISTRY.get(name or ""), "family", None)


def _kin(fault: str, expected: str | None) -> bool:
    """Another fault of the expected fault's family: the right posture under another name."""
    return _family(fault) is not None and _family(fault) == _family(expected)


def _events(events: list, expected: str | None) -> str:
    return (
        ", ".join(f"{e.fault}{' (same family)' if _kin(e.fault, expected) else ''} at {e.t:.0f} s" for e in events)
        or "none"
    )


def _sampled(source: VideoFile, sampler: Sampler) -> Iterator[tuple[float, np.ndarray]]:
    """The file's frames with the run's sampler deciding which are decoded."""
    source.sampler = sampler
    return source.frames()


# 5. Real people: leaning sideways, the head back from the front, someone else in view ------------------------


def real_people(b: Bench) -> None:
    """Recordings made from the data sets' real people (scripts/make_test_videos.py), at tests/test_scenarios.py's
    settings: a lean about the hips, a face tilted back, a second person behind the user, someone passing."""
    settings = config.parse(TEST_CONFIG.encode(), "tests/test_scenarios.py TEST_CONFIG")
    settings = settings.with_changes(model__path=str(b.model))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _leans(b, settings, folder)
        _head_back(b, settings, folder)
        _company(b, settings, folder)


def _run(
    video: Path, settings: config.Config, state: engine.State | None = None
) -> tuple[list[object], dict[str, float]]:
    source = VideoFile(video, settings["sampling"]["fps"])
    try:
        events, peaks, _, _ = run_pipeline(lambda s: _sampled(source, s), settings, state)
    finally:
        source.close()
    return events, peaks


def _leans(b: Bench, settings: config.Config, folder: Path) -> None:
    rows, reminded, small = [], 0, 0
    for degrees, side in ((10, "right"), (-10, "left"), (5, None)):
        spans = lean_recording(folder / f"lean{degrees}.mp4", b.data, b.model, degrees)
        onset = spans[1][1]
        events, peaks = _run(folder / f"lean{degrees}.mp4", settings)
        starts = [e for e in events if isinstance(e, FaultStart) and e.fault not in NOT_POSTURE]
        mine = [e for e in starts if e.fault == "trunk_lean"]
        alerts = [e for e in events if isinstance(e, Alert) and e.fault == "trunk_lean"]
        if side is None:
            small += bool(mine)
        else:
            reminded += bool(alerts) and alerts[0].side == side
        rows.append(
            [
                f"{abs(degrees)}° to the {'right' if degrees > 0 else 'left'}",
                f"+{mine[0].t - onset:.1f} s ({mine[0].side})" if mine else "never",
                f"+{alerts[0].t - onset:.1f} s" if alerts else "never",
                f"{peaks.get('trunk_lean', 0):.2f}",
                _events([e for e in starts if e.fault != "trunk_lean"], "trunk_lean"),
            ]
        )
    b.out(
        "### Real people: a lean, the head back from the front, someone else in view",
        "",
        "Recordings made at run time from the data sets' real people by `scripts/make_test_videos.py`, replayed "
        f"through the Analyser and the engine at tests/test_scenarios.py's settings (every fault held {HOLD} s "
        "before a reminder), calibrated on the first 10 s.",
        "",
        "**A sideways lean** (`lean_recording`): six upright frames of slouching-or-not with a wider view, 18 s, "
        "then the same frames with the person turned about the hips (1.4 shoulder widths below the shoulders) in "
        "front of the room, which stays where it was, for 48 s. Delays from the lean's onset (18 s).",
        "",
        *table(["lean", "trunk_lean started", "reminded", "peak trunk_lean", "other faults started"], rows),
    )
    b.score.append(("front: a 10-degree lean (real frames) to each side, reminded with its side", "2", str(reminded)))
    b.score.append(("front: a 5-degree lean (real frames), trunk_lean started", "0", str(small)))
    # Leaning back, seen from the front: the person smaller about the hips, the head over the trunk.
    spans = lean_recording(folder / "recline.mp4", b.data, b.model, 0, scale=0.85)
    events, peaks = _run(folder / "recline.mp4", settings)
    starts = [e for e in events if isinstance(e, FaultStart) and e.fault not in NOT_POSTURE]
    forward = [e for e in starts if e.fault == "forward_head"]
    b.out(
        "**Leaning back, seen from the front**: the same recording with the person 15 % smaller about the hips "
        "instead of leaned (the trunk going back, the head over it; the chair stays): "
        f"{_events(starts, None).replace(' at ', ' started at ')}; peak scores {top_peaks(peaks, None, 4)}. "
        f"The lean began at {spans[1][1]:.0f} s.",
        "",
    )
    b.score.append(("front: leaning back (real frames), forward_head started", "0", str(len(forward))))


def _head_back(b: Bench, settings: config.Config, folder: Path) -> None:
    rows = []
    held = glanced = None
    for glances in (False, True):
        video = folder / f"back{glances}.mp4"
        spans = head_back_recording(video, b.data, glances)
        events, peaks = _run(video, settings)
        starts = [e for e in events if isinstance(e, FaultStart) and e.fault == "head_back"]
        alerts = [e for e in events if isinstance(e, Alert) and e.fault == "head_back"]
        onset = spans[1][1]
        if glances:
            glanced = len(starts)
        else:
            held = alerts[0].t - onset if alerts else None
        others = sorted({e.fault for e in events if isinstance(e, FaultStart) and e.fault not in ("head_back",)})
        rows.append(
            [
                "glances up and a nod, 2-5 s each" if glances else "frames 40-60 forward and back, 84 s",
                f"+{starts[0].t - onset:.1f} s" if starts else "never",
                f"+{alerts[0].t - onset:.1f} s" if alerts else "never",
                f"{peaks.get('head_back', 0):.2f}",
                ", ".join(others) or "none",
            ]
        )
    b.out(
        "**The head back, seen from the front** (`head_back_recording`): head-turn-look-up, one second a frame, "
        "frames 0-8 for 18 s (the neutral), then the look-up. Delays from 18 s.",
        "",
        *table(["recording", "head_back started", "reminded", "peak head_back", "other faults started"], rows),
    )
    b.score.append(
        ("front: a head held back (head-turn-look-up) reminded", "yes", f"after {held:.1f} s" if held else "no")
    )
    b.score.append(("front: glances up and a nod, head_back started", "0", str(glanced)))


def _company(b: Bench, settings: config.Config, folder: Path) -> None:
    fixed = settings.with_changes(sampling__adaptive=False)
    kinds = (Calibrated, FaultStart, FaultEnd, Alert, Away, Back, Break)
    rows, differing, calibrations = [], {}, {}
    for light, name in ((1.0, "by day"), (0.2, "dim")):
        told = {}
        for company in (False, True):
            video = folder / f"company{light}{company}.mp4"
            company_recording(video, b.data, b.model, company, light)
            told[company] = [e for e in _run(video, fixed)[0] if isinstance(e, kinds)]
        alone, joined = ([(type(e).__name__, getattr(e, "fault", ""), round(e.t)) for e in told[c]] for c in told)
        same = [(a[:2] == j[:2] and abs(a[2] - j[2]) <= 2) for a, j in zip(alone, joined, strict=False)]
        differing[name] = abs(len(alone) - len(joined)) + same.count(False)
        for label, events in (("alone", alone), ("someone behind", joined)):
            rows.append([name, label, ", ".join(f"{k}{' ' + f if f else ''} {t} s" for k, f, t in events)])
        video = folder / f"passing{light}.mp4"
        spans = passer_by_recording(video, b.data, b.model, light)
        events = _run(video, settings)[0]
        calibrated = next((e.t for e in events if isinstance(e, Calibrated)), None)
        waited = any(isinstance(e, CalibrationWaiting) for e in events)
        calibrations[name] = (calibrated, spans[1][1], waited)
    b.out(
        "**Someone behind the user** (`company_recording`): a real user (slouching-or-not, a wider view) upright "
        "12 s, slouched 28 s, upright 11 s, away 20 s, back 12 s; the same with a second person (side-view-desk's "
        "OP33, about a quarter of the user's size) sitting behind at the right all along, alone in view while the "
        "user is away. Dim: brightness x 0.2 and 5 grey levels of sensor noise. Sampled at a fixed 2 frames a "
        "second so the two replays are compared frame for frame. The decision events (rounded seconds):",
        "",
        *table(["light", "recording", "events"], rows),
    )
    lines = [
        f"{name}: calibrated at {t:.0f} s" if t is not None else f"{name}: never calibrated"
        for name, (t, _, _) in calibrations.items()
    ]
    b.out(
        "**Someone passing far behind, before any calibration** (`passer_by_recording`): an empty room with a "
        "person far behind (head under 2 % of the diagonal) crossing it for 15 s, then the user sitting down; "
        f"calibration asked for 10 s from the start. {'; '.join(lines)} (the user sat down at "
        f"{next(iter(calibrations.values()))[1]:.0f} s).",
        "",
    )
    for name, count in differing.items():
        b.score.append((f"someone behind the user ({name}): decision events unlike the user's alone", "0", str(count)))
    for name, (t, arrives, waited) in calibrations.items():
        ok = t is not None and t >= arrives + 10 - 0.5 and waited
        b.score.append(
            (
                f"someone passing far behind before calibration ({name}): calibrated on the user",
                "yes",
                ("yes" if ok else "no") + (f" ({t:.0f} s)" if t is not None else ""),
            )
        )

# 7. Low light ----------------------------------------------------------------------------------------------------

# The picture's brightness against normal light, as make_test_videos.webcam_light makes it.
LIGHT_LEVELS = (1.0, 0.5, 0.35, 0.25, 0.15, 0.10, 0.06)
LIGHT_FROM = 12.0  # normal light until then (calibration takes the first 10 s), then dim within a second
NEUTRAL_SIZE = (240, 424)  # the neutral videos at about the pixel count of the camera's 320x240
PHOTO_UPRIGHT_END = 32.0  # the photo recording: upright photos until then, slouched after


def low_light(b: Bench, minutes: float, seeds: int) -> None:
    folder = b.data / "slouching-or-not" / "low-isSlouching__high-notSlouching"
    upright = [cv2.imread(str(p)) for p in sorted((folder / "notSlouching").glob("*.jpg"))]
    slouched = [cv2.imread(str(p)) for p in sorted((folder / "isSlouching").glob("*.jpg"))]
    # 12 s upright in normal light (calibration), 20 s upright in the dim, then slouched for 42 s.
    photos = upright[:12] + upright + upright[:5] + slouched * 3
    photo_settings = config.parse(TEST_CONFIG.encode(), "tests/test_scenarios.py TEST_CONFIG")
    photo_settings = photo_settings.with_changes(model__path=str(b.model))
    videos = sorted((b.data / "neutral-front-video").glob("*.mp4"))
    rows, judged_rows = [], []
    # What each noise seed's upright photos start in full light (the first level): a start the dim adds is false.
    daylight: dict[int, set[tuple[str, str | None]]] = {}
    for level in LIGHT_LEVELS:
        qualities: list[Quality] = []
        counts: dict[bool, Counter[str]] = {False: Counter(), True: Counter()}
        for poor_unknown in (False, True):
            got = counts[poor_unknown]
            for path in videos:
                events, _, _, seen = run_pipeline(
                    lambda s, p=path, lv=level: dim_frames(
                        p, lv, minutes * 60, light_from=LIGHT_FROM, fps=VIDEO_FPS, size=NEUTRAL_SIZE, keep=s.due
                    ),
                    b.settings,
                    poor_unknown=poor_unknown,
                )
                dim = [q for t, q in seen if t >= LIGHT_FROM + 2]
                got["video_starts"] += sum(isinstance(e, FaultStart) and e.fault not in NOT_POSTURE for e in events)
                got["video_alerts"] += sum(isinstance(e, Alert) for e in events)
                got["video_frames"] += len(dim)
                got["video_nobody"] += sum(q.visibility is None and not (poor_unknown and q.poor) for q in dim)
                if not poor_unknown:
                    qualities.extend(dim)
            for seed in range(seeds):
                events, _, _, seen = run_pipeline(
                    lambda s, lv=level, sd=seed: dim_frames(
                        photos, lv, len(photos), light_from=LIGHT_FROM, fps=5, seed=sd, keep=s.due
                    ),
                    photo_settings,
                    poor_unknown=poor_unknown,
                )
                starts = [e for e in events if isinstance(e, FaultStart) and e.fault not in NOT_POSTURE]
                upright_starts = {(e.fault, e.side) for e in starts if e.t < PHOTO_UPRIGHT_END}
                daylight.setdefault(seed, upright_starts)
                got["photo_any"] += bool(upright_starts)
                got["photo_false"] += bool(upright_starts - daylight[seed])
                got["photo_found"] += any(e.t >= PHOTO_UPRIGHT_END and e.fault in HEAD_DOWN for e in starts)
                if not poor_unknown:
                    qualities.extend(q for t, q in seen if t >= LIGHT_FROM + 2)
        seen_q = [q.visibility for q in qualities if q.visibility is not None]
        poor = sum(q.poor for q in qualities)
        reasons = Counter(q.reason for q in qualities if q.poor)
        rows.append(
            [
                f"{level * 100:g} %",
                f"{statistics.median(q.brightness for q in qualities):.3f}",
                f"{statistics.median(q.noise for q in qualities) * 255:.1f}",
                f"{statistics.median(q.clarity for q in qualities):.1f}",
                f"{statistics.median(seen_q):.3f}" if seen_q else "-",
                f"{pct(poor, len(qualities))}" + (f" ({', '.join(sorted(reasons))})" if reasons else ""),
            ]
        )
        for poor_unknown, table_rows in ((False, rows), (True, judged_rows)):
            got = counts[poor_unknown]
            cells = [
                f"{got['video_starts']} / {got['video_alerts']}",
                pct(got["video_nobody"], got["video_frames"]),
                f"{got['photo_any']} of {seeds}",
                f"{got['photo_false']} of {seeds}",
                f"{got['photo_found']} of {seeds}",
            ]
            if poor_unknown:
                table_rows.append([f"{level * 100:g} %", *cells])
            else:
                rows[-1].extend(cells)
        # Where most frames are judged, the slouch must be found; where most are poor, nothing may start.
        expect_judged = poor < len(qualities) / 2
        b.score.append(
            (
                f"low light {level * 100:g} %: neutral video fault starts / alerts; upright photos with a start "
                "full light does not give; slouch found (poor frames unknown)",
                f"0 / 0; 0; {seeds if expect_judged else 0} of {seeds}",
                f"{counts[True]['video_starts']} / {counts[True]['video_alerts']}; {counts[True]['photo_false']}; "
                f"{counts[True]['photo_found']} of {seeds}",
            )
        )
    b.out(
        "### Low light",
        "",
        f"The real recordings as a webcam shows them in a room that gets dark after calibration: normal light "
        f"for the first {LIGHT_FROM:g} s (calibrated on the first {CALIBRATE_SECONDS:g} s), then within a second "
        "the picture at each level of its normal brightness, with the sensor noise the camera's gain adds "
        "(`scripts/make_test_videos.py`'s `webcam_light`: gain 1/sqrt(level), noise from 3.7 grey levels at "
        "mid-grey in normal light to 6.3 at 6 %, uncompressed as a camera gives it). The three neutral videos at "
        f"{NEUTRAL_SIZE[0]}x{NEUTRAL_SIZE[1]}, ping-ponged to {minutes:g} minutes, at the default settings "
        "(every posture fault start and alert is wrong); and the slouching-or-not photos, one a second with "
        f"fresh noise on each frame: upright until {PHOTO_UPRIGHT_END:g} s, slouched for 42 s after, with "
        f"tests/test_scenarios.py's settings (hold 20 s), {seeds} noise seeds (a fault start while upright "
        "is false, but three of the upright photos already read as a slight lean in full light, part 1's "
        "upright 7-9, so what counts against the dim is a start that full light does not give with the same "
        f"noise seed; a head-family fault start after {PHOTO_UPRIGHT_END:g} s finds the slouch). The picture "
        f"columns are medians over the dim part (from {LIGHT_FROM + 2:g} s) of all of them; visibility is the "
        f"mean of the upper-body landmarks' over frames with a person found; poor is the share of frames "
        f"`quality.measure` calls too dark (mean brightness under {quality.DARK:g}) or too noisy (contrast "
        f"under {quality.NOISY:g} x noise).",
        "",
        "Every frame judged, as the engine does today:",
        "",
        *table(
            [
                "light",
                "brightness",
                "noise (grey levels)",
                "contrast / noise",
                "visibility",
                "poor",
                "neutral video: fault starts / alerts",
                "neutral video: frames with nobody found",
                "photos: upright runs with a fault start",
                "photos: upright runs with a start full light does not give",
                "photos: slouch found",
            ],
            rows,
        ),
        "Poor frames told to the engine as someone there with posture unknown (`CameraSays.DIM`):",
        "",
        *table(
            [
                "light",
                "neutral video: fault starts / alerts",
                "neutral video: frames with nobody found",
                "photos: upright runs with a fault start",
                "photos: upright runs with a start full light does not give",
                "photos: slouch found",
            ],
            judged_rows,
        ),
    )


# 6. Setups: a moved camera, profiles -------------------------------------------------------------------------

# How long a moved picture must last before it is said, in the recordings (the default is 120 s).
MOVED_SECONDS = 30
# A smaller move than the recordings' "turned", to show where telling it stops.
SLIGHT = {"across": 0.06, "degrees": 5.0}


def setups(b: Bench) -> None:
    """A camera moved while a real user sits on, and a day switching between two setups with a profile each."""
    settings = config.parse(TEST_CONFIG.encode(), "tests/test_scenarios.py TEST_CONFIG")
    settings = settings.with_changes(model__path=str(b.model), calibration__moved_seconds=MOVED_SECONDS)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _moved(b, settings, folder)
        _profiles(b, settings, folder)


def _moved(b: Bench, settings: config.Config, folder: Path) -> None:
    rows, said, wrong, found = [], 0, 0, 0
    moves = {**CAMERA_MOVES, "slightly turned": SLIGHT}
    for move, how in moves.items():
        for after in ("upright", "slouched"):
            video = folder / f"moved-{move}-{after}.mp4"
            spans = moved_camera_recording(video, b.data, how, after, seconds=45)
            events, _ = _run(video, settings)
            moved = spans[1][1]
            told = [e for e in events if isinstance(e, CameraMoved)]
            starts = [e for e in events if isinstance(e, FaultStart) and e.fault not in NOT_POSTURE]
            alerts = [e for e in events if isinstance(e, Alert) and e.fault in faults.UNITS["head"]]
            if after == "upright":
                said += len(told) == 1 and move != "slightly turned"
                wrong += len(starts)
                outcome = ", ".join(f"{e.fault} at {e.t:.0f} s" for e in starts) or "none"
            else:
                sinks = spans[2][1]
                found += bool(alerts) and move != "slightly turned"
                outcome = f"{alerts[0].fault} reminded {alerts[0].t - sinks:+.1f} s after sinking" if alerts else "none"
            rows.append(
                [
                    move,
                    ", ".join(f"{k} {v:g}" for k, v in how.items()),
                    after,
                    f"at {told[0].t:.0f} s (moved from {told[0].since:.1f} s; the move at {moved:.0f} s)"
                    if told
                    else "never",
                    outcome,
                ]
            )
    b.out(
        "### Setups: a moved camera, profiles",
        "",
        "**A moved camera** (`moved_camera_recording`): six upright frames of slouching-or-not with a wider view for "
        "18 s, then the whole picture moved (`moved_view`: turned counterclockwise `degrees`, scaled `scale` about "
        "its middle, shifted `across`/`down` in picture widths/heights) while the user sits on as before for 45 s, "
        "or sits on 18 s and then sinks (the slouched frames, moved alike) for 45 s. Calibrated on the first 10 s, "
        f"`calibration.moved_seconds` = {MOVED_SECONDS}, every fault held {HOLD} s.",
        "",
        *table(["move", "how", "then", "camera moved said", "posture faults started / head reminded"], rows),
    )
    b.score.append(("a moved camera (3 moves, real frames): said once each", "3", str(said)))
    b.score.append(("a moved camera, the user sitting on: posture faults started", "0", str(wrong)))
    b.score.append(("a moved camera, then sinking: the head reminded without recalibrating", "3", str(found)))


def _profiles(b: Bench, settings: config.Config, folder: Path) -> None:
    stored = {}
    for setup in ("desk", "laptop"):
        video = folder / f"{setup}.mp4"
        framings_recording(video, b.data, [(setup, 12)])
        state = engine.new_state(calibrate_seconds=CALIBRATE_SECONDS)
        _run(video, settings, state)
        assert state.baseline is not None
        stored[setup] = state.baseline
    video = folder / "day.mp4"
    spans = framings_recording(video, b.data, [("desk", 20), ("laptop", 30), ("desk", 30)])
    rows, delays = [], []
    for label, profiles in (("desk and laptop stored", stored), ("only desk stored", {"desk": stored["desk"]})):
        events, _ = _run(video, settings, engine.new_state(stored=profiles))
        chosen = [e for e in events if isinstance(e, ProfileChosen)]
        starts = [e for e in events if isinstance(e, FaultStart) and e.fault not in NOT_POSTURE]
        told = [e for e in events if isinstance(e, CameraMoved)]
        if len(profiles) == 2:
            switches = [(setup, start, end) for setup, start, end in spans[1:]]
            delays = [e.t - a for e in chosen for setup, a, z in switches if e.profile == setup and a <= e.t < z]
        rows.append(
            [
                label,
                ", ".join(f"{e.profile} at {e.t:.1f} s" for e in chosen) or "none",
                _events(starts, None),
                f"at {told[0].t:.0f} s" if told else "never",
            ]
        )
    b.out(
        "**Profiles** (`framings_recording`): two neutrals of the same person taken 10 s each, at the desk (the "
        f"wider view) and at a laptop (`FRAMINGS`: nearer and lower); then a replay of the desk 20 s, the laptop "
        f"30 s, the desk 30 s, starting on the desk's profile. The laptop from {spans[1][1]:.0f} s, the desk again "
        f"from {spans[2][1]:.0f} s.",
        "",
        *table(["stored", "profile taken", "posture faults started", "camera moved said"], rows),
    )
    b.score.append(
        (
            "profiles: each of 2 switches of setup taken, delay",
            "2, within seconds",
            f"{len(delays)}, " + ", ".join(f"{d:.1f} s" for d in delays),
        )
    )


# --------------------------------------------------------------------------------------------------------------


def core_version() -> str:
    """The commit, whether the core differs from it, and a hash of the core's source and defaults as run."""
    digest = hashlib.sha256()
    core = ROOT / "posture_watch" / "core"
    files = [*sorted(core.glob("*.py")), ROOT / "posture_watch" / "defaults" / "default.toml"]
    for path in files:
        digest.update(path.read_bytes())

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "--no-optional-locks", *args], cwd=ROOT, capture_output=True, text=True)

    try:
        commit = git("rev-parse", "--short", "HEAD").stdout.strip() or "?"
        changed = git("diff", "--quiet", "HEAD", "--", "posture_watch/core", "posture_watch/defaults").returncode
    except OSError:
        commit, changed = "?", 0
    return f"commit {commit}{' with uncommitted core changes' if changed else ''}, core hash {digest.hexdigest()[:10]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neutral-minutes", type=float, default=8.0, help="replayed length of each neutral video")
    parser.add_argument("--scenario-neutral-seconds", type=float, default=180.0, help="length of the neutral scenario")
    parser.add_argument("--photos", nargs="+", default=["grace_hopper", "astronaut"], help="scenario portraits")
    parser.add_argument("--low-light-minutes", type=float, default=4.0, help="replayed length of each dim video")
    parser.add_argument("--low-light-seeds", type=int, default=4, help="noise seeds of the dim photo recordings")
    names = ["front", "side", "neutral", "scenarios", "real-people", "setups", "low-light"]
    parser.add_argument("--only", choices=names, help="one part")
    parser.add_argument("--update-doc", action="store_true", help=f"write the results into {DOC.relative_to(ROOT)}")
    args = parser.parse_args()
    if args.update_doc and args.only not in (None, "low-light"):
        parser.error("--update-doc writes whole sections: give no --only, or --only low-light")
    began = time.perf_counter()
    b = Bench()
    timings = []
    parts = {
        "front": lambda: front_photos(b),
        "side": lambda: side_photos(b),
        "neutral": lambda: neutral_videos(b, args.neutral_minutes),
        "scenarios": lambda: scenarios(b, args.photos, args.scenario_neutral_seconds),
        "real-people": lambda: real_people(b),
        "setups": lambda: setups(b),
    }
    for name, part in parts.items():
        if args.only in (None, name):
            t0 = time.perf_counter()
            print(f"[{name}...]", file=sys.stderr, flush=True)
            part()
            timings.append(f"{name} {time.perf_counter() - t0:.0f} s")
    sections = {}
    if b.lines:
        sections[(BEGIN, END)] = _results(b, began, timings)
    if args.only in (None, "low-light"):
        # Its own section of the page, so it can be measured again on its own.
        b.lines, b.score, timings = [], [], []
        began = time.perf_counter()
        print("[low light...]", file=sys.stderr, flush=True)
        low_light(b, args.low_light_minutes, args.low_light_seeds)
        timings.append(f"low light {time.perf_counter() - began:.0f} s")
        sections[(LOW_BEGIN, LOW_END)] = _results(b, began, timings)
    for text in sections.values():
        print(text)
    if args.update_doc:
        doc = DOC.read_text(encoding="utf-8")
        for (begin, end), text in sections.items():
            if begin not in doc or end not in doc:
                raise SystemExit(f"{DOC}: no {begin} ... {end} markers to put the results between")
            before, rest = doc.split(begin, 1)
            doc = f"{before}{begin}\n{text}{end}{rest.split(end, 1)[1]}"
        DOC.write_text(doc, encoding="utf-8")
        print(f"updated {DOC}", file=sys.stderr)


def _results(b: Bench, began: float, timings: list[str]) -> str:
    head = [
        f"Measured {datetime.now():%Y-%m-%d} on {core_version()}, with {b.model.name}, default settings unless said; "
        f"run time {time.perf_counter() - began:.0f} s ({', '.join(timings)}).",
        "",
        "### Summary",
        "",
        *table(["check", "target", "measured"], [list(s) for s in b.score]),
    ]
    return "\n".join([*head, *b.lines]).rstrip() + "\n"


if __name__ == "__main__":
    main()
