"""Compare what `replay --json` says on the scenario recordings under two revisions of posture-watch.

    python scripts/compare_replays.py OLD_REV [NEW_REV]

Checks out each revision into a temporary git worktree, generates the
scenario recordings with this folder's make_test_videos.py, replays each
with both, and prints, per recording, the decision events (calibrated,
fault_start, fault_end, alert, away, back, break) that differ. NEW_REV
defaults to the working tree. Exit status 1 when any recording differs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from make_test_videos import Timeline, make_video

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import testdata  # where the tests find the model

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("calibrated", "fault_start", "fault_end", "alert", "away", "back", "break")
CONFIG = """
[presence]
away_seconds = 10
[notify]
min_gap_minutes = 0
""" + "".join(
    f"[faults.{f}]\nhold_seconds = 20\n"
    for f in ("forward_head", "slouch", "head_tilt", "head_turn", "uneven_shoulders", "trunk_lean", "too_close")
)


def decisions(code: Path, video: Path, config: Path, model: Path) -> list[tuple]:
    """(kind, rounded time, fault) of each decision event of one replay."""
    command = ["replay", str(video), "--config", str(config), "--calibrate", "10", "--json"]
    result = subprocess.run(
        [sys.executable, "-m", "posture_watch", *command],
        cwd=code,
        # The model the tests use, for both revisions: a checkout of its own has no model of its own.
        env={**os.environ, "PYTHONPATH": str(code), "POSTURE_WATCH_MODEL": str(model)},
        capture_output=True,
        text=True,
        check=True,
    )
    events = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return [(e["event"], round(e["t"]), e.get("fault")) for e in events if e["event"] in KINDS]


def worktree(rev: str, folder: Path) -> Path:
    subprocess.run(["git", "worktree", "add", "--detach", str(folder), rev], cwd=ROOT, check=True, capture_output=True)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("new", nargs="?")
    args = parser.parse_args()
    try:
        model = testdata.model_path()
    except testdata.Missing as exc:
        print(f"compare_replays: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        trees = [worktree(args.old, tmp_path / "old")]
        trees.append(worktree(args.new, tmp_path / "new") if args.new else ROOT)
        config = tmp_path / "config.toml"
        config.write_text(CONFIG)
        differ = False
        try:
            for scenario in ("neutral", "forward_head", "slouch", "head_tilt", "trunk_lean", "too_close", "away"):
                timeline = Timeline(onset=15, until=40) if scenario == "away" else Timeline(onset=15)
                video = make_video(tmp_path / f"{scenario}.mp4", scenario, 60, 5, timeline)
                old, new = (decisions(tree, video, config, model) for tree in trees)
                same = old == new
                differ |= not same
                print(f"{scenario}: {'same' if same else 'DIFFERENT'} ({len(old)} / {len(new)} events)")
                if not same:
                    print(f"  old: {old}\n  new: {new}")
        finally:
            for tree in trees:
                if tree != ROOT:
                    subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
