"""``posture-watch calibrate``: the user's neutral from the camera or a recording, stored for the camera in use
(and a profile: a neutral per setup, such as a laptop or standing).

It runs the engine's own calibration through the same Analyser as every
other command, so a stored neutral is exactly what ``run`` would have taken.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from .. import localtime
from ..config import Config
from ..core import engine
from ..core.baseline import Baseline
from ..core.profiles import DEFAULT, STANDING
from ..errors import UserError
from ..sense.camera import Camera, find_device
from ..sense.video import VideoFile
from . import baselines
from .pipeline import Analyser, open_estimator

# How long a camera in use by another program is waited for.
PATIENCE = 60.0


def calibrate(
    settings: Config, seconds: float | None, source: Path | None, tell: Callable[[str], None], profile: str = DEFAULT
) -> tuple[Baseline, Path]:
    """Take and store a neutral (``profile``'s); ``tell`` gets the one instruction for the user. Returns it and where
    it is."""
    baselines.checked(profile)
    seconds = seconds if seconds is not None else settings["calibration"]["seconds"]
    if seconds <= 0:
        raise UserError(f"--seconds {seconds:g}: give a positive number of seconds, such as 10")
    fps = max(settings["sampling"]["fps"], 2.0)
    state = engine.new_state(calibrate_seconds=seconds)
    how = "Stand as you do when standing well" if profile == STANDING else "Sit as you do when sitting well"
    instruction = f"{how}, facing the screen, for {seconds:g} seconds..."
    if source is not None:
        video = VideoFile(source, fps)
        frames, sampler, close = video.frames(), video.sampler, video.close
    else:
        camera = Camera(settings, fps)
        camera.hold_open = True
        # The camera first: no one should sit still for a camera that is not there.
        frames, sampler, close = camera.frames(PATIENCE, lambda: tell(instruction)), camera.sampler, camera.close
    last_t = 0.0
    try:
        with open_estimator(settings) as estimator:
            analyser = Analyser(estimator, state, fps)
            for t, image in frames:
                last_t = t
                analyser.frame(t, image, settings, datetime.now(localtime.zone()), sampler)
                if not state.calibrating:
                    break
    finally:
        close()
    baseline = state.baseline
    if baseline is None:
        if source is not None and last_t < seconds:
            raise UserError(f"{source} is only {last_t:.0f} s long, shorter than --seconds {seconds:g}; give fewer")
        raise UserError(
            "nobody was in view long enough to calibrate; sit facing the camera, head and shoulders "
            "visible, and run it again"
        )
    # The camera as found when it opened; from a recording, the camera the settings name.
    device = camera.device if source is None else find_device(settings["camera"]["device"])
    return baseline, baselines.save(baseline, device.id, profile)
