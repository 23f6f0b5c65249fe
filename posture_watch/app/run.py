"""``posture-watch run``: wire the monitor to the camera, notifications, tray and signals.

Nothing here ends the monitor but the user: no tray host, no display, a
history folder that cannot be written are each said once, and monitoring
goes on without what is missing.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from ..desktop import trays
from ..desktop.instance import AlreadyRunning, InstanceLock
from ..desktop.notify import Notice, NoticeKind, Notifier
from ..history.store import Recorder
from ..history.store import path_for as history_path
from ..sense.camera import Camera, Capture, RecordedCamera, open_capture
from ..sense.video import VideoFile
from . import baselines, logs
from .clocks import Clocks
from .monitor import CALIBRATION, Monitor, say
from .pipeline import Analyser, open_estimator
from .reload import ConfigWatcher

log = logging.getLogger(__name__)
FIRST_RUN = (
    "Sit as you do when sitting well, facing the screen, for {seconds:g} seconds. "
    "posture-watch is a wellness tool, not medical advice."
)


def run(config_path: Path | None, video: Path | None, calibrate: float | None, tray: bool, verbose: bool) -> int:
    """Run the monitor until Quit, SIGTERM or the end of a recording; 0 on a clean exit."""
    log_path = logs.setup(verbose)
    notifier = Notifier()

    def not_reloaded(text: str) -> None:
        notifier.post(Notice("posture-watch settings not reloaded", text, NoticeKind.ERROR))

    watcher = ConfigWatcher(config_path, on_error=not_reloaded)
    settings = watcher.settings
    clocks = Clocks()
    try:
        with InstanceLock():
            fps = settings["sampling"]["fps"]
            state = baselines.resolve(settings, calibrate)
            opener: Callable[[int], Capture] = open_capture
            if video is not None:
                VideoFile(video, fps).close()  # the same checks and messages as replay
                recording = RecordedCamera(video, clock=clocks.now, wait=clocks.sleep)
                opener = lambda _: recording  # noqa: E731 - every opening joins the same recording
            camera = Camera(settings, fps, opener=opener, clock=clocks.now, wait=clocks.sleep)
            recorder = Recorder(
                history_path(settings),
                "camera" if video is None else f"video:{video.name}",
                clocks.wall().timestamp(),
                settings["history"]["retention_days"],
            )
            if recorder.failing:
                say(f"history {recorder.path} cannot be written; keeping it in memory and trying again")
            with open_estimator(settings) as estimator:
                monitor = Monitor(
                    watcher,
                    camera,
                    Analyser(estimator, state, fps),
                    notifier,
                    clocks,
                    recorder,
                    save_baseline=video is None,
                )
                camera.on_status = monitor.on_camera
                if video is not None:
                    monitor.source_name = f"the recording {video.name}"
                notifier.on_action = monitor.answer
                if state.calibration is not None:
                    text = FIRST_RUN.format(seconds=state.calibration.seconds)
                    say(f"calibrating: {text}")
                    notifier.post(Notice("posture-watch: calibrating", text, replaces=CALIBRATION))
                log.info("running (log: %s)", log_path)
                _on_signals(monitor.stop)
                icon = _tray(monitor, notifier) if tray else None
                if icon is None:
                    monitor.run()
                else:
                    _with_tray(monitor, icon)
    except AlreadyRunning as exc:
        print(f"posture-watch: {exc}; use its tray icon, or stop it first", file=sys.stderr)
        return 1
    finally:
        notifier.close(timeout=1.0)  # no reminder with dead buttons stays on screen
    return 0


def _on_signals(stop: Callable[[], None]) -> None:
    """SIGTERM and Ctrl-C end the monitor cleanly: the handler only sets a flag the loop reads."""

    def handler(signum: int, frame: object) -> None:
        stop()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _tray(monitor: Monitor, notifier: Notifier) -> trays.Tray | None:
    """The tray this desktop can show; without a host, said once, and monitoring goes on without an icon."""
    host = trays.choose()
    if host.kind is None:
        then = "the icon appears when a tray starts" if host.bus else "Ctrl-C or SIGTERM stops it"
        text = f"no tray icon: {host.says}. Monitoring goes on without one; {then}."
        say(text)
        notifier.post(Notice("posture-watch has no tray icon", text))
    try:
        return trays.open(host, monitor.command)
    except Exception as exc:  # pystray raises several kinds when no backend fits
        say(f"no tray icon ({exc}); running without one (Ctrl-C or SIGTERM stops it)")
        return None


def _with_tray(monitor: Monitor, icon: trays.Tray) -> None:
    """The monitor on this thread and the tray beside it; ending the monitor ends the tray.

    The tray loop gets a daemon thread, so a loop that does not wake up to a
    stop request cannot keep the process alive. macOS runs tray loops on the
    main thread only, so there the two swap places.
    """
    monitor.tray = icon
    if sys.platform == "darwin":
        worker = threading.Thread(target=_then_stop(monitor.run, icon.stop), name="monitor", daemon=True)
        icon.run(setup=worker.start)
        monitor.stop()
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
