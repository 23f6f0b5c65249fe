"""``posture-watch run``: wire the monitor to the camera, its sinks and watchers, the tray and signals.

Nothing here ends the monitor but the user: no tray host, no display, a
history folder that cannot be written are each said once, and monitoring
goes on without what is missing. The signals that end it (SIGTERM, Ctrl-C,
a closed terminal's SIGHUP) are caught from the first line, so one that
comes while the pose model loads ends the run as cleanly as any other.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from ..desktop import trays
from ..desktop.instance import AlreadyRunning, InstanceLock
from ..desktop.notify import Notice, NoticeKind, Notifier
from ..history.store import Recorder
from ..history.store import path_for as history_path
from ..sense.camera import Camera, Capture, RecordedCamera, find_device, open_capture
from ..sense.devices import Device, Spec
from ..sense.video import VideoFile
from . import baselines, logs, signals
from .clocks import Clocks
from .monitor import Monitor
from .outputs import Note, Tone
from .pipeline import Analyser, open_estimator
from .reload import ConfigWatcher
from .sinks.history import History
from .sinks.notices import CALIBRATION, Notices
from .sinks.terminal import Terminal
from .sinks.tray import TraySink
from .watchers import DoNotDisturbWatcher, ScreenLockWatcher

log = logging.getLogger(__name__)
FIRST_RUN = (
    "Sit as you do when sitting well, facing the screen, for {seconds:g} seconds. "
    "posture-watch is a wellness tool, not medical advice."
)
FROM_RECORDING = (
    "the first {seconds:g} seconds of {video} with someone in view are taken as the neutral posture. "
    "posture-watch is a wellness tool, not medical advice."
)


def run(config_path: Path | None, video: Path | None, calibrate: float | None, tray: bool, verbose: bool) -> int:
    """Run the monitor until Quit, a signal or the end of a recording; 0 on a clean exit."""
    stopping = signals.catch()
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
            find: Callable[[Spec], Device] = find_device
            if video is not None:
                VideoFile(video, fps).close()  # the same checks and messages as replay
                recording = RecordedCamera(video, clock=clocks.now, wait=lambda s: clocks.wait(s, stopping))
                opener = lambda _: recording  # noqa: E731 - every opening joins the same recording
                find = recording.stand_in
            camera = Camera(settings, fps, opener=opener, find=find, clock=clocks.now)
            with open_estimator(settings) as estimator:
                if stopping.is_set():  # ended while the model loaded: nothing began, nothing to close
                    return 0
                # Opened once the model is there, so a start that fails leaves no session open.
                recorder = Recorder(
                    history_path(settings),
                    "camera" if video is None else f"video:{video.name}",
                    clocks.wall().timestamp(),
                    settings["history"]["retention_days"],
                )
                monitor = Monitor(
                    watcher,
                    camera,
                    Analyser(estimator, state, fps),
                    clocks,
                    [Terminal(), Notices(notifier, lambda: watcher.settings), History(recorder, _epoch(clocks))],
                    [DoNotDisturbWatcher(), ScreenLockWatcher()],
                    save_baseline=video is None,
                    source=None if video is None else f"the recording {video.name}",
                    history=recorder.path,
                    stopping=stopping,
                    coach_source=(video, calibrate) if video is not None else None,
                )
                notifier.on_action = monitor.answer
                if recorder.failing:
                    text = f"history {recorder.path} cannot be written; keeping it in memory and trying again"
                    monitor.say(Note(text, tone=Tone.PROBLEM))
                if state.calibration is not None:
                    first = {"title": "posture-watch: calibrating", "key": CALIBRATION}
                    seconds = state.calibration.seconds
                    if video is None:  # asked of the user once the camera gives pictures, not before
                        note = Note(f"calibrating: {FIRST_RUN.format(seconds=seconds)}", **first)
                        monitor.say_when_watching(note)
                    else:
                        text = FROM_RECORDING.format(seconds=seconds, video=video.name)
                        monitor.say(Note(f"calibrating: {text}", **first))
                log.info("running (log: %s)", log_path)
                icon = _tray(monitor) if tray else None
                if icon is None:
                    monitor.run()
                else:
                    _with_tray(monitor, icon)
    except AlreadyRunning as exc:
        print(f"posture-watch: {exc}; use its tray icon, or stop it first", file=sys.stderr)
        return 1
    finally:
        notifier.close()  # no reminder with dead buttons stays on screen
    return 0


def _epoch(clocks: Clocks) -> Callable[[], float]:
    return lambda: clocks.wall().timestamp()


def _tray(monitor: Monitor) -> trays.Tray | None:
    """The tray this desktop can show; without a host, said once, and monitoring goes on without an icon."""
    host = trays.choose()
    if host.kind is None:
        then = "the icon appears when a tray starts" if host.bus else "Ctrl-C or SIGTERM stops it"
        text = f"no tray icon: {host.says}. Monitoring goes on without one; {then}."
        monitor.say(Note(text, "posture-watch has no tray icon", Tone.PROBLEM))
    try:
        return trays.open(host, monitor.command)
    except Exception as exc:  # pystray raises several kinds when no backend fits
        monitor.say(Note(f"no tray icon ({exc}); running without one (Ctrl-C or SIGTERM stops it)", tone=Tone.PROBLEM))
        return None


def _with_tray(monitor: Monitor, icon: trays.Tray) -> None:
    """The monitor on this thread and the tray beside it; ending the monitor ends the tray.

    The tray loop gets a daemon thread, so a loop that does not wake up to a
    stop request cannot keep the process alive. macOS runs tray loops on the
    main thread only, so there the two swap places.
    """
    monitor.sinks.append(TraySink(icon, lambda: monitor.settings))
    if sys.platform == "darwin":
        worker = threading.Thread(target=monitor.run, name="monitor", daemon=True)
        icon.run(setup=worker.start)
        monitor.stop()
        worker.join(timeout=30)
        return
    threading.Thread(target=icon.run, args=(lambda: None,), name="tray", daemon=True).start()
    monitor.run()
