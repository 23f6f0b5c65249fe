"""``posture-watch run``: wire the monitor to the camera, notifications, tray and signals."""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import cv2

from . import calibration, engine, logs
from .camera import Capture, ManagedCamera, RecordedCamera
from .errors import UserError
from .history import Recorder
from .history import path_for as history_path
from .instance import AlreadyRunning, InstanceLock
from .monitor import Monitor
from .notify import Notifier
from .pipeline import open_estimator
from .reload import ConfigWatcher
from .sources import VideoFile

log = logging.getLogger(__name__)
FIRST_RUN = (
    "Sit as you do when sitting well, facing the screen, for {seconds:g} seconds. "
    "posture-watch is a wellness tool, not medical advice."
)


def run(config_path: Path | None, video: Path | None, calibrate: float | None, tray: bool, verbose: bool) -> int:
    """Run the monitor until Quit, SIGTERM or the end of a recording; 0 on a clean exit."""
    if calibrate is not None and calibrate <= 0:
        raise UserError(f"--calibrate {calibrate:g}: give a positive number of seconds, such as 10")
    log_path = logs.setup(verbose)
    notifier = Notifier()
    watcher = ConfigWatcher(config_path, on_error=lambda msg: notifier.send("posture-watch settings not reloaded", msg))
    settings = watcher.settings
    try:
        with InstanceLock():
            fps = settings["sampling"]["fps"]
            index = settings["camera"]["index"]
            stored = None if calibrate is not None else calibration.load(index)
            seconds = calibrate if calibrate is not None else settings["calibration"]["seconds"]
            state = engine.new_state(stored, None if stored is not None else seconds)
            opener: Callable[[int], Capture] = cv2.VideoCapture
            if video is not None:
                VideoFile(video, fps).close()  # the same checks and messages as replay
                recording = RecordedCamera(video)
                opener = lambda _: recording  # noqa: E731 - every opening joins the same recording
            source = ManagedCamera(
                settings, fps, on_status=lambda status: log.info("camera %d: %s", index, status), opener=opener
            )
            recorder = Recorder(
                history_path(settings),
                "camera" if video is None else f"video:{video.name}",
                time.time(),
                settings["history"]["retention_days"],
            )
            with open_estimator(settings) as estimator:
                monitor = Monitor(
                    watcher, source, estimator, notifier, state, save_calibration=video is None, recorder=recorder
                )
                notifier.on_action = lambda key, fault: monitor.command(f"{key}_reminder", fault)
                if stored is None:
                    notifier.send("posture-watch: calibrating", FIRST_RUN.format(seconds=seconds))
                log.info("running (log: %s)", log_path)
                if tray:
                    _with_tray(monitor)
                else:
                    _on_signals(monitor.command)
                    monitor.run()
    except AlreadyRunning as exc:
        print(f"posture-watch: {exc}; use its tray icon, or stop it first", file=sys.stderr)
        return 1
    return 0


def _on_signals(quit_: Callable[[str], None]) -> None:
    """SIGTERM and Ctrl-C end the monitor cleanly.

    The handler only queues the command: it may interrupt the tray's X11
    loop, so it must not call back into it.
    """

    def handler(signum: int, frame: object) -> None:
        quit_("quit")

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _with_tray(monitor: Monitor) -> None:
    """The monitor on this thread and the tray beside it; ending the monitor ends the tray.

    The tray loop gets a daemon thread, so an X11 loop that does not wake up
    to a stop request cannot keep the process alive. macOS runs tray loops on
    the main thread only, so there the two swap places.
    """
    from .tray import Tray

    icon = Tray(monitor.command)
    monitor.show = icon.show
    _on_signals(monitor.command)
    if sys.platform == "darwin":
        worker = threading.Thread(target=_then_stop(monitor.run, icon.stop), name="monitor", daemon=True)
        icon.run(setup=worker.start)
        monitor.command("quit")
        worker.join(timeout=30)
        return
    threading.Thread(target=icon.run, args=(lambda: None,), name="tray", daemon=True).start()
    _then_stop(monitor.run, icon.stop)()


def _then_stop(work: Callable[[], None], stop: Callable[[], None]) -> Callable[[], None]:
    def run() -> None:
        try:
            work()
        finally:
            stop()

    return run
