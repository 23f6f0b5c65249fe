"""Command line: ``posture-watch COMMAND``. User mistakes exit 2 with a one-line reason."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from . import __version__, config, libraries
from .core.profiles import DEFAULT as DEFAULT_PROFILE
from .errors import UserError
from .sense import model

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
    except (ImportError, OSError) as exc:
        missing = libraries.advice(exc)
        if missing is None:
            raise
        print(f"posture-watch: error: {missing}", file=sys.stderr)
        return 2


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
    p.add_argument(
        "--profile",
        metavar="NAME",
        help="start on this stored profile's neutral (default: the one the picture matches, else the default)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object per line")
    p.add_argument(
        "--samples", action="store_true", help="with --json, also print the features of every analysed frame"
    )
    p.add_argument("--history", type=Path, metavar="FILE", help="also record the replay in this history database")
    p.add_argument(
        "--start",
        type=_moment,
        metavar="YYYY-MM-DDTHH:MM",
        help="with --history: the local time the recording began (default: when the file was recorded)",
    )
    p.add_argument(
        "--plot", type=Path, metavar="FILE.png", help="also draw each posture's score over time, to tune the settings"
    )

    p = command("preview", _preview, "show what posture-watch sees: the picture, the landmarks and each score")
    with_config(p)
    p.add_argument(
        "--source", type=Path, metavar="VIDEO", help="show a recording, paced in real time, instead of the camera"
    )
    p.add_argument(
        "--calibrate", type=float, metavar="SECONDS", help="take a new neutral baseline from the first SECONDS"
    )

    p = command("coach", _coach, "one stretch, with the camera seeing it done: holds and reps against the dose")
    p.add_argument(
        "stretch", nargs="?", metavar="STRETCH_ID", help="the stretch (default: the one suggested for today's postures)"
    )
    p.add_argument("--side", choices=["left", "right"], help="a sided stretch on this side only (default: both)")
    with_config(p)
    p.add_argument(
        "--source", type=Path, metavar="VIDEO", help="coach a recording instead of the camera (in real time)"
    )
    p.add_argument(
        "--calibrate", type=float, metavar="SECONDS", help="take a new neutral baseline from the first SECONDS"
    )
    p.add_argument(
        "--json", action="store_true", help="print one JSON object per line (a recording: as fast as it decodes)"
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--history", type=Path, metavar="FILE", help="record the session in this history database (else yours)"
    )
    where.add_argument("--no-history", action="store_true", help="do not record the session in your history")
    # For the monitor that starts the coach: the summary's JSON line goes to this file at the end.
    p.add_argument("--report", type=Path, help=argparse.SUPPRESS)

    p = command("calibrate", _calibrate, "record your neutral posture (sit well and look at the screen)")
    with_config(p)
    p.add_argument("--seconds", type=float, help="how long to record (default: calibration.seconds)")
    p.add_argument(
        "--source", type=Path, metavar="VIDEO", help="take the baseline from a recording instead of the camera"
    )
    p.add_argument(
        "--profile",
        default=DEFAULT_PROFILE,
        metavar="NAME",
        help=f"the setup this neutral is for, such as laptop or standing (default: {DEFAULT_PROFILE})",
    )

    p = command("model", _model, "find, download, import or verify the pose model")
    p.add_argument("action", choices=["path", "download", "import", "verify"])
    p.add_argument("file", nargs="?", type=Path, help="with import: the .task file to import")
    p.add_argument("--url", help="with download: a mirror to download from (the hash is still checked)")
    with_config(p)

    p = command("config", _config, "show where your settings live, print them, or check them")
    p.add_argument("action", choices=["path", "show", "check"])
    p.add_argument("file", nargs="?", type=Path, help="with check: the settings file to check (like --config)")
    p.add_argument(
        "--explain", action="store_true", help="with show: every key with its unit, range, default and meaning"
    )
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

    p = command("demo", _demo, "the monitor on a made-up recording: a reminder within a minute, no webcam needed")
    p.add_argument("--no-tray", action="store_true", help="run without a tray icon")
    p.add_argument("--verbose", action="store_true", help="log details, also to the terminal")

    p = command(
        "uninstall", _uninstall, "remove the autostart entry and, if you say so, your settings, history and model"
    )
    data = p.add_mutually_exclusive_group()
    data.add_argument("--yes", action="store_true", help="also delete your settings, history, calibrations, log, model")
    data.add_argument("--keep-data", action="store_true", help="keep them (only the autostart entry is removed)")

    p = command("autostart", _autostart, "start the monitor when you log in, or stop doing so")
    p.add_argument("action", choices=["enable", "disable", "status"])

    p = command("report", _report, "what a day, a week or a month looked like, as a page or as JSON")
    with_config(p)
    when = p.add_mutually_exclusive_group()
    when.add_argument("--day", type=_date, metavar="DATE", help="the day, YYYY-MM-DD (default: today)")
    when.add_argument(
        "--week", nargs="?", const=True, type=_date, metavar="DATE", help="the week (Monday to Sunday) holding DATE"
    )
    when.add_argument("--month", nargs="?", const=True, type=_date, metavar="DATE", help="the month holding DATE")
    p.add_argument("--out", type=Path, metavar="FILE", help="where to write (default: HTML in your data folder)")
    p.add_argument("--format", choices=["html", "json"], default="html")
    p.add_argument("--history", type=Path, metavar="FILE", help="read this history database instead of yours")

    p = command("history", _history, "export or delete your history")
    with_config(p)
    p.add_argument("action", choices=["export", "delete"])
    p.add_argument("--csv", type=Path, metavar="DIR", help="with export: the folder for the CSV files")
    p.add_argument("--before", type=_date, metavar="YYYY-MM-DD", help="with delete: only days before this one")
    p.add_argument("--yes", action="store_true", help="with delete: delete all of it without asking")
    p.add_argument("--history", type=Path, metavar="FILE", help="use this history database instead of yours")

    p = command("record", _record, "save a webcam recording, to replay and tune thresholds")
    with_config(p)
    p.add_argument("--seconds", type=float, required=True, help="how long to record")
    p.add_argument("out", type=Path, metavar="OUT.mp4")

    p = command("doctor", _doctor, "check the camera, model, notifications, tray and settings")
    with_config(p)

    p = command("cameras", _cameras, "list the cameras by name and id, and which one camera.device picks")
    with_config(p)
    return parser


def _load(args: argparse.Namespace) -> config.Config:
    return config.load(args.config)


def _moment(text: str) -> datetime:
    """A local time like 2026-11-23T09:00 (or with a space), in the zone in force now."""
    from . import localtime

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a local time like 2026-11-23T09:00") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=localtime.zone())


def _date(text: str) -> datetime:
    try:
        return datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-23") from None


def _replay(args: argparse.Namespace) -> int:
    from .app.replay import Replay
    from .app.replay_output import JsonPrinter, TextPrinter

    if args.samples and not args.json:
        raise UserError("--samples needs --json: the samples are printed as JSON lines (replay VIDEO --json --samples)")
    if args.start is not None and args.history is None:
        raise UserError("--start places the replay in a history: give --history FILE as well")
    with Replay(args.video, _load(args), args.calibrate, args.history, args.plot, args.start, args.profile) as replay:
        if replay.moved is not None:
            print(f"posture-watch: {replay.moved}", file=sys.stderr)
        printer = JsonPrinter(args.samples) if args.json else TextPrinter(replay)
        for step in replay.steps():
            printer.step(step)
        printer.summary(replay.summary())
        plotted = replay.finish()
    if plotted is not None and not args.json:
        print(f"plot written to {plotted}", file=sys.stderr)
    return 0


def _stderr(text: str) -> None:
    """A line for the person at the terminal, apart from what a script reads on stdout."""
    print(text, file=sys.stderr, flush=True)


def _calibrate(args: argparse.Namespace) -> int:
    from .app.calibrate import calibrate

    baseline, path = calibrate(_load(args), args.seconds, args.source, _stderr, args.profile)
    print(f"calibrated: {baseline.view} view from {baseline.frames} frames, saved to {path}")
    return 0


def _model(args: argparse.Namespace) -> int:
    settings = _load(args)
    variant = settings["model"]["variant"]
    if args.action == "path":
        path, origin = model.configured_path(settings)
        if path is None:
            print(model.cached_path(variant))
            print(
                f"the {variant} model is not there yet; "
                "`posture-watch model download` (or `model import FILE`) puts it there",
                file=sys.stderr,
            )
            return 0
        print(path)
    elif args.action == "download":
        digest = model.cached_digest(variant)
        if digest is None:
            print(model.download(variant, args.url))
            return 0
        print(model.cached_path(variant))
        print(f"the {variant} model is already there, verified (sha256 {digest}); nothing downloaded", file=sys.stderr)
        path, origin = model.configured_path(settings)
        if origin != model.CACHE:
            print(f"note: {origin} names {path}, which is used instead of it", file=sys.stderr)
    elif args.action == "import":
        if args.file is None:
            raise UserError("model import needs the path of a .task file: posture-watch model import FILE")
        dest = model.import_file(args.file, variant)
        print(f"imported {args.file} into {dest} (sha256 {model.sha256_of(dest)})")
    else:
        found = model.configured(settings)
        if found is None:
            raise UserError(
                f"no {variant} model to verify; run `posture-watch model download`, "
                "or `posture-watch model import FILE` on a machine without internet access"
            )
        path, _, digest = found
        print(f"ok: {path} (sha256 {digest})")
    return 0


def _config(args: argparse.Namespace) -> int:
    if args.file is not None:
        if args.action != "check":
            raise UserError(f"config {args.action} takes no FILE; use --config FILE to name a settings file")
        if args.config is not None and args.config != args.file:
            raise UserError(f"config check got two files ({args.file} and --config {args.config}); give one")
        args.config = args.file
    if args.explain and args.action != "show":
        raise UserError(f"--explain goes with config show (posture-watch config show --explain), not {args.action}")
    path = config.user_file(args.config)
    if args.action == "path":
        print(path)
    elif args.action == "show":
        settings = _load(args)
        source = f"defaults{' merged with ' + str(path) if path.exists() else ''}"
        if args.explain:
            from .config_reference import explain

            print(f"# Every setting in force ({source}): its unit, what it allows, its default and what it does.")
            print(f"# Change a key in your settings file: {path}\n")
            print(explain(settings), end="")
        else:
            import tomli_w

            print(f"# {source}")
            print(tomli_w.dumps(settings.to_dict()), end="")
    else:
        _load(args)
        print(f"ok: {path if path.exists() else 'defaults (no user file yet)'}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from .app.run import run

    return run(args.config, args.source, args.calibrate, tray=not args.no_tray, verbose=args.verbose)


def _demo(args: argparse.Namespace) -> int:
    from .app.demo import demo

    return demo(not args.no_tray, args.verbose, _stderr)


def _preview(args: argparse.Namespace) -> int:
    from .app.preview import preview

    return preview(args.config, args.source, args.calibrate)


def _coach(args: argparse.Namespace) -> int:
    from .advice.wording import coached
    from .app import coach

    settings = _load(args)
    if args.stretch is not None:
        stretch, side = coach.by_id(settings, args.stretch), args.side
    else:
        stretch, side = coach.for_today(settings)
        side = args.side or side

    def emit(coaching: coach.Coaching, output: coach.Output) -> None:
        if args.json:
            print(json.dumps(coaching.to_dict(output)), flush=True)

    history = None if args.no_history else coach.history_for(settings, args.source, args.history)
    coaching = coach.run(settings, stretch, side, args.source, args.calibrate, args.json, emit)
    summary = coach.record(coaching, history)
    if summary is None:
        return 0
    if args.report is not None:
        args.report.write_text(json.dumps(summary), encoding="utf-8")
    print(json.dumps(summary) if args.json else coached(summary), flush=True)
    return 0


def _autostart(args: argparse.Namespace) -> int:
    from .desktop import autostart

    if args.action == "enable":
        print(f"enabled: {autostart.enable()}")
    elif args.action == "disable":
        print(f"disabled: removed {autostart.disable()}")
    else:
        on, path = autostart.status()
        print(f"{'enabled' if on else 'disabled'}: {path}")
    return 0


def _doctor(args: argparse.Namespace) -> int:
    from .app.doctor import checks

    problems = 0
    for name, ok, text in checks(args.config):
        problems += not ok
        print(f"{'ok     ' if ok else 'PROBLEM'}  {name}: {text}")
    print("all good" if not problems else f"{problems} problem(s); each line says how to fix it")
    return 0 if not problems else 1


def _cameras(args: argparse.Namespace) -> int:
    from .app.cameras import listing

    for line in listing(_load(args)):
        print(line)
    return 0


def _report(args: argparse.Namespace) -> int:
    from .app.report import report

    said = report(_load(args), args.history, args.format, args.out, args.day, args.week, args.month)
    if said.note is not None:
        print(said.note, file=sys.stderr)
    print(said.out)
    return 0


def _history(args: argparse.Namespace) -> int:
    from .app import history

    settings = _load(args)
    if args.action == "export":
        for written in history.export(settings, args.history, args.csv):
            print(written)
        return 0
    deleted = history.delete(settings, args.history, args.before, (lambda _: True) if args.yes else _confirm_delete_all)
    if deleted is None:
        print("nothing deleted")
        return 1
    print(deleted)
    return 0


def _confirm_delete_all(path: Path) -> bool:
    """Ask on a terminal before deleting the whole history; elsewhere, insist on --yes."""
    return _confirm(
        f"Delete all of your history in {path}? This cannot be undone. [y/N] ",
        f"history delete without --before deletes all of {path}; add --yes to confirm "
        "(or --before YYYY-MM-DD to keep recent days)",
    )


def _confirm(question: str, off_a_terminal: str) -> bool:
    """The user's yes to ``question`` on a terminal; off one there is nobody to ask: UserError(``off_a_terminal``)."""
    if not sys.stdin.isatty():
        raise UserError(off_a_terminal)
    try:
        answer = input(question)
    except EOFError:
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def _uninstall(args: argparse.Namespace) -> int:
    from .app import uninstall

    uninstall.not_running()
    found = uninstall.folders()
    delete = args.yes
    if found and not (args.yes or args.keep_data):
        listed = "".join(f"\n  {folder}  {what} ({uninstall.size(folder) / 1e6:.1f} MB)" for what, folder in found)
        delete = _confirm(
            f"posture-watch keeps these folders on this computer:{listed}\n"
            "Delete them too? This cannot be undone. [y/N] ",
            "uninstall needs to know whether to delete your settings, history, calibrations, log and pose model "
            f"({', '.join(str(f) for _, f in found)}): add --yes to delete them, or --keep-data to keep them",
        )
    for line in uninstall.remove(delete):
        print(line)
    print(f"posture-watch itself is still installed; to remove it: {uninstall.removal_command()}")
    return 0


def _record(args: argparse.Namespace) -> int:
    from .app.record import record

    settings = _load(args)
    if args.seconds <= 0:
        raise UserError(f"--seconds {args.seconds:g}: give a positive number of seconds")
    frames = record(args.out, args.seconds, settings)
    print(f"saved {frames} frames to {args.out}")
    return 0
