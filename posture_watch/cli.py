"""Command line: ``posture-watch COMMAND``. User mistakes exit 2 with a one-line reason."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from . import __version__, calibration, config, engine, model
from .errors import UserError

DISCLAIMER = (
    "posture-watch is a wellness tool, not medical advice. See a clinician for numbness, tingling, "
    "weakness, dizziness, night pain or pain after an injury."
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and ``python -m posture_watch``."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    try:
        return args.handler(args) or 0
    except UserError as exc:
        print(f"posture-watch: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): not an error of ours.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - stays open until exit, for the final flush
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posture-watch",
        description="Watches your posture through the webcam and suggests a stretch for the muscles "
        "you have been loading. " + DISCLAIMER,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(metavar="COMMAND")

    def command(name: str, handler: Callable[[argparse.Namespace], int | None], help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.set_defaults(handler=handler)
        return p

    def with_config(p: argparse.ArgumentParser) -> None:
        p.add_argument("--config", type=Path, metavar="FILE", help="settings file to use instead of your own")

    p = command("replay", _replay, "run the whole pipeline on a recorded video")
    p.add_argument("video", type=Path, help="the recording (mp4, avi, mkv, ...)")
    with_config(p)
    p.add_argument(
        "--calibrate", type=float, metavar="SECONDS", help="take the neutral baseline from the first SECONDS"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object per line")
    p.add_argument(
        "--samples", action="store_true", help="with --json, also print the features of every analysed frame"
    )
    p.add_argument("--history", type=Path, metavar="FILE", help="also record the replay in this history database")

    p = command("calibrate", _calibrate, "record your neutral posture (sit well and look at the screen)")
    with_config(p)
    p.add_argument("--seconds", type=float, help="how long to record (default: calibration.seconds)")
    p.add_argument(
        "--source", type=Path, metavar="VIDEO", help="take the baseline from a recording instead of the camera"
    )

    p = command("model", _model, "find, download, import or verify the pose model")
    p.add_argument("action", choices=["path", "download", "import", "verify"])
    p.add_argument("file", nargs="?", type=Path, help="with import: the .task file to import")
    p.add_argument("--url", help="with download: a mirror to download from (the hash is still checked)")
    with_config(p)

    p = command("config", _config, "show where your settings live, print them, or check them")
    p.add_argument("action", choices=["path", "show", "check"])
    with_config(p)

    p = command("run", _run, "start the monitor (with a tray icon unless --no-tray)")
    with_config(p)
    p.add_argument("--no-tray", action="store_true", help="run without a tray icon (headless)")
    p.add_argument(
        "--source", type=Path, metavar="VIDEO", help="watch a recording, paced in real time, instead of the camera"
    )
    p.add_argument(
        "--calibrate", type=float, metavar="SECONDS", help="take a new neutral baseline from the first SECONDS"
    )
    p.add_argument("--verbose", action="store_true", help="log details, also to the terminal")

    p = command("autostart", _autostart, "start the monitor when you log in, or stop doing so")
    p.add_argument("action", choices=["enable", "disable", "status"])

    p = command("report", _report, "what a day or a week looked like, as a page with charts or as JSON")
    with_config(p)
    when = p.add_mutually_exclusive_group()
    when.add_argument("--day", type=_date, metavar="YYYY-MM-DD", help="the day (default: the most recent one)")
    when.add_argument("--week", action="store_true", help="the seven days up to the most recent (or --day)")
    p.add_argument("--out", type=Path, metavar="FILE", help="where to write (default: HTML in your data folder)")
    p.add_argument("--format", choices=["html", "json"], default="html")
    p.add_argument("--history", type=Path, metavar="FILE", help="read this history database instead of yours")

    p = command("history", _history, "export or delete your history")
    with_config(p)
    p.add_argument("action", choices=["export", "delete"])
    p.add_argument("--csv", type=Path, metavar="DIR", help="with export: the folder for the CSV files")
    p.add_argument("--before", type=_date, metavar="YYYY-MM-DD", help="with delete: only days before this one")
    p.add_argument("--history", type=Path, metavar="FILE", help="use this history database instead of yours")

    p = command("record", _record, "save a webcam recording, to replay and tune thresholds")
    with_config(p)
    p.add_argument("--seconds", type=float, required=True, help="how long to record")
    p.add_argument("out", type=Path, metavar="OUT.mp4")

    p = command("doctor", _doctor, "check the camera, model, notifications, tray and settings")
    with_config(p)
    return parser


def _load(args: argparse.Namespace) -> config.Config:
    return config.load(args.config)


def _record_event(recorder, event: engine.Event, at: float) -> None:
    """Samples feed the per-minute summary; everything else is an event of the history."""
    if event["event"] == "sample":
        recorder.sample(at, event["features"])
    else:
        recorder.event(event, at)


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-23") from None


def _history_path(args: argparse.Namespace, settings: config.Config) -> Path:
    from .history import path_for

    return args.history if args.history is not None else path_for(settings)


def _replay(args: argparse.Namespace) -> int:
    from .pipeline import Stats, events, open_estimator
    from .sources import VideoFile

    settings = _load(args)
    if args.calibrate is not None and args.calibrate <= 0:
        raise UserError(f"--calibrate {args.calibrate:g}: give a positive number of seconds, such as 10")
    source = VideoFile(args.video, settings["sampling"]["fps"])
    try:
        if args.calibrate is not None:
            state = engine.new_state(calibrate_seconds=args.calibrate)
        else:
            baseline = calibration.load(settings["camera"]["index"])
            if baseline is None:
                raise UserError(
                    "no calibration yet: pass --calibrate SECONDS to use the start of the recording, "
                    "or run `posture-watch calibrate` first"
                )
            state = engine.new_state(baseline)
        stats = Stats()
        start = datetime.now().replace(microsecond=0)
        recorder = None
        if args.history is not None:
            from .history import Recorder

            recorder = Recorder(args.history, f"replay:{args.video.name}", start.timestamp())
        printing_samples = args.samples and args.json
        with open_estimator(settings) as estimator:
            stream = events(
                source,
                estimator,
                lambda: settings,
                state,
                stats,
                start=start,
                samples=recorder is not None or printing_samples,
            )
            printer = _JsonPrinter() if args.json else _TextPrinter(source)
            for event in stream:
                if recorder is not None:
                    _record_event(recorder, event, start.timestamp() + event["t"])
                if event["event"] != "sample" or printing_samples:
                    printer.event(event)
            if recorder is not None:
                recorder.close(start.timestamp() + stats.last_t)
            summary = {
                "t": round(stats.last_t, 3),
                "event": "summary",
                "frames_read": source.frames_read,
                "frames_analysed": stats.frames_analysed,
                "wall_seconds": round(stats.wall_seconds, 3),
                "video_seconds": round(stats.last_t, 3),
                "alerts": printer.alerts,
            }
            printer.summary(summary)
    finally:
        source.close()
    return 0


class _JsonPrinter:
    def __init__(self) -> None:
        self.alerts = 0

    def event(self, event: engine.Event) -> None:
        self.alerts += event["event"] == "alert"
        print(json.dumps(event), flush=True)

    def summary(self, summary: dict) -> None:
        print(json.dumps(summary), flush=True)


class _TextPrinter:
    """A short account for a person, with a progress bar on a terminal."""

    def __init__(self, source) -> None:
        import cv2
        from tqdm import tqdm

        total = int(source.capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None
        self.bar = tqdm(total=total, unit="frame", disable=not sys.stderr.isatty(), leave=False)
        self.source = source
        self.alerts = 0

    def event(self, event: engine.Event) -> None:
        self.bar.update(self.source.frames_read - self.bar.n)
        kind = event["event"]
        line = _describe(event)
        self.alerts += kind == "alert"
        if line:
            self.bar.write(f"{_clock(event['t'])}  {line}")

    def summary(self, summary: dict) -> None:
        self.bar.close()
        speed = summary["video_seconds"] / summary["wall_seconds"] if summary["wall_seconds"] else 0
        print(
            f"{summary['frames_analysed']} of {summary['frames_read']} frames analysed, "
            f"{summary['alerts']} reminder(s), {summary['wall_seconds']:.1f} s ({speed:.1f}x real time)"
        )


def _describe(event: engine.Event) -> str:
    from .advice import posture_name

    kind = event["event"]
    if kind == "calibrated":
        return f"calibrated ({event['view']} view, {event['frames']} frames)"
    if kind == "fault_start":
        return f"{posture_name(event['fault'], event['side'])}: started"
    if kind == "fault_end":
        return f"{posture_name(event['fault'], event['side'])}: ended after {event['held_seconds']:.0f} s"
    if kind == "alert":
        return f"REMINDER  {event['title']}\n          {event['body'].replace(chr(10), chr(10) + ' ' * 10)}"
    if kind == "away":
        return "away"
    if kind == "back":
        return f"back after {event['away_seconds']:.0f} s"
    if kind == "break":
        return "that counts as a break"
    return ""


def _clock(t: float) -> str:
    minutes, seconds = divmod(int(t), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"


def _calibrate(args: argparse.Namespace) -> int:
    from .pipeline import calibrate, open_estimator
    from .sources import Camera, VideoFile

    settings = _load(args)
    seconds = args.seconds if args.seconds is not None else settings["calibration"]["seconds"]
    if seconds <= 0:
        raise UserError(f"--seconds {seconds:g}: give a positive number of seconds, such as 10")
    cam = settings["camera"]
    fps = settings["sampling"]["fps"]
    if args.source is not None:
        source = VideoFile(args.source, max(fps, 2.0))
    else:
        print(f"Sit as you do when sitting well, facing the screen, for {seconds:g} seconds...", file=sys.stderr)
        source = Camera(cam["index"], cam["width"], cam["height"], cam["fps"], max(fps, 2.0))
    try:
        with open_estimator(settings) as estimator:
            baseline = calibrate(source, estimator, settings, seconds)
    finally:
        source.close()
    path = calibration.save(baseline, cam["index"])
    print(f"calibrated: {baseline.view} view from {baseline.frames} frames, saved to {path}")
    return 0


def _model(args: argparse.Namespace) -> int:
    settings = _load(args)
    variant = settings["model"]["variant"]
    if args.action == "path":
        path, origin = model.configured_path(settings)
        if path is None:
            dest = model.cached_path(variant)
            raise UserError(f"no {variant} model yet; run `posture-watch model download` (it would go to {dest})")
        print(path)
    elif args.action == "download":
        print(model.download(variant, args.url))
    elif args.action == "import":
        if args.file is None:
            raise UserError("model import needs the path of a .task file: posture-watch model import FILE")
        print(model.import_file(args.file, variant))
    else:
        path, origin = model.configured_path(settings)
        if path is None:
            raise UserError(f"no {variant} model to verify; run `posture-watch model download`")
        digest = model.verify(path, variant if origin == "the per-user cache" else None)
        print(f"ok: {path} (sha256 {digest})")
    return 0


def _config(args: argparse.Namespace) -> int:
    path = config.user_file(args.config)
    if args.action == "path":
        print(path)
    elif args.action == "show":
        settings = _load(args)
        print(f"# defaults{' merged with ' + str(path) if path.exists() else ''}")
        print(json.dumps(settings, indent=2))
    else:
        _load(args)
        print(f"ok: {path if path.exists() else 'defaults (no user file yet)'}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from .run import run

    return run(args.config, args.source, args.calibrate, tray=not args.no_tray, verbose=args.verbose)


def _autostart(args: argparse.Namespace) -> int:
    from . import autostart

    if args.action == "enable":
        print(f"enabled: {autostart.enable()}")
    elif args.action == "disable":
        print(f"disabled: removed {autostart.disable()}")
    else:
        on, path = autostart.status()
        print(f"{'enabled' if on else 'disabled'}: {path}")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from .doctor import checks

    problems = 0
    for name, ok, text in checks(args.config):
        problems += not ok
        print(f"{'ok     ' if ok else 'PROBLEM'}  {name}: {text}")
    print("all good" if not problems else f"{problems} problem(s); each line says how to fix it")
    return 0 if not problems else 1


def _report(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from . import history, report
    from .paths import write_private

    path = _history_path(args, _load(args))
    if not path.exists():
        raise UserError(f"{path}: no history yet; run the monitor (or replay --history) first")
    db = history.connect(path)
    try:
        day = args.day or history.latest_day(db)
        if day is None:
            raise UserError(f"{path} holds no activity yet; run the monitor (or replay --history) first")
        start, end = history.day_bounds(day)
        if args.week:
            start = history.day_bounds(day - timedelta(days=6))[0]
        summary = report.summarize(db, start, end)
    finally:
        db.close()
    if args.format == "json":
        text = report.to_json(summary)
        if args.out is None:
            print(text)
            return 0
    else:
        text = report.to_html(summary)
    out = args.out or path.parent / "reports" / f"report-{day:%Y-%m-%d}{'-week' if args.week else ''}.html"
    write_private(out, text.encode("utf-8"))
    print(out)
    return 0


def _history(args: argparse.Namespace) -> int:
    from . import history

    path = _history_path(args, _load(args))
    if not path.exists():
        raise UserError(f"{path}: no history yet")
    db = history.connect(path)
    try:
        if args.action == "export":
            if args.csv is None:
                raise UserError("history export needs --csv DIR: the folder to write the CSV files to")
            for written in history.export_csv(db, args.csv):
                print(written)
        else:
            before = args.before.timestamp() if args.before else float("inf")
            removed = history.prune(db, before)
            db.execute("VACUUM")
            what = f"before {args.before:%Y-%m-%d}" if args.before else "all of it"
            print(f"deleted {removed} record(s) from {path} ({what})")
    finally:
        db.close()
    return 0


def _record(args: argparse.Namespace) -> int:
    from .recording import record

    settings = _load(args)
    if args.seconds <= 0:
        raise UserError(f"--seconds {args.seconds:g}: give a positive number of seconds")
    frames = record(args.out, args.seconds, settings)
    print(f"saved {frames} frames to {args.out}")
    return 0
