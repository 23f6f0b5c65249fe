"""Command line: ``posture-watch COMMAND``. User mistakes exit 2 with a one-line reason."""

from __future__ import annotations

import argparse
import json
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

    p = command("doctor", _doctor, "check the camera, model, notifications, tray and settings")
    with_config(p)
    return parser


def _load(args: argparse.Namespace) -> config.Config:
    return config.load(args.config)


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
        with open_estimator(settings) as estimator:
            stream = events(
                source,
                estimator,
                lambda: settings,
                state,
                stats,
                start=datetime.now().replace(microsecond=0),
                samples=args.samples and args.json,
            )
            printer = _JsonPrinter() if args.json else _TextPrinter(source)
            for event in stream:
                printer.event(event)
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
