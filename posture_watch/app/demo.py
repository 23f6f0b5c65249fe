"""``posture-watch demo``: the real monitor on a made-up recording, to see a reminder without a webcam.

The recording is a portrait photo that ships with matplotlib, acted out by
:mod:`..sense.synthetic`: sitting well for the first seconds (taken as the
neutral), then the head coming forward and staying there. The monitor runs
on it in real time with the defaults, except that a forward head is
reminded of after 10 s instead of 5 min, so the first reminder comes about
half a minute in. Everything the demo writes (the recording, its settings,
its history) goes to a temporary folder that is deleted at its end; the
user's own settings, calibration and history are not touched.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from .. import config
from ..sense import model
from ..sense.synthetic import Timeline, make_video
from .run import run

# The recording: neutral, then the head forward from FORWARD_AT (over a RAMP) to the end.
SECONDS, FPS = 80.0, 5.0
FORWARD_AT, RAMP = 10.0, 3.0
# The neutral is taken from the first seconds of the recording, as `run --calibrate` does.
CALIBRATE = 5.0
HOLD = 10
SETTINGS = """\
# posture-watch demo: the defaults, except for these.
[faults.forward_head]
# A reminder after 10 s of a forward head instead of 5 min.
hold_seconds = {hold}
[camera]
# Every frame of the recording is looked at, not a few every 10 s.
mode = "continuous"
[history]
# The demo's history stays out of yours.
path = "{history}"
"""


def demo(tray: bool, verbose: bool, tell: Callable[[str], None]) -> int:
    """Make the recording and its settings in a temporary folder, and run the monitor on them."""
    with tempfile.TemporaryDirectory(prefix="posture-watch-demo-") as tmp:
        folder = Path(tmp)
        settings = folder / "demo.toml"
        history = (folder / "history.sqlite3").as_posix()
        settings.write_text(SETTINGS.format(hold=HOLD, history=history), encoding="utf-8")
        model.ensure(config.load(settings))  # a missing model is said before the recording is made
        tell("posture-watch demo: making an 80 s recording of a person sitting well, then with the head forward ...")
        video = make_video(folder / "demo.mp4", "forward_head", SECONDS, FPS, Timeline(onset=FORWARD_AT, ramp=RAMP))
        tell(
            f"posture-watch demo: watching it in real time with reminders after {HOLD} s instead of minutes; "
            "a head-forward reminder comes in about half a minute. Ctrl-C ends it."
        )
        return run(settings, video, CALIBRATE, tray=tray, verbose=verbose)
