"""The camera as it really behaves: slow to open, dark at first, known by name, sometimes gone.

Nothing here needs a webcam: a scripted one on a fake clock takes 0.5 s to
open and ramps its brightness up over a second after each opening, and fake
``/dev/v4l/by-id`` and ``/sys/class/video4linux`` folders stand in for the
devices Linux lists.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from test_desktop_parts import FakeClock

from posture_watch import cli, config
from posture_watch.app import baselines
from posture_watch.core.baseline import Baseline
from posture_watch.sense import devices
from posture_watch.sense.camera import MAX_DUTY, MISSING, OK, Camera, backends, brightness
from posture_watch.sense.devices import Device

OPEN_SECONDS = 0.5
FRAME = 1 / 30
LEVEL = 180.0  # the settled picture's mean grey level


def smooth(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)


RAMPS = {
    "smooth": lambda s: smooth(s / 1.0),
    "linear": lambda s: min(s / 1.0, 1.0),
    # Dark for a few frames, then the exposure jumps and overshoots before it comes back.
    "overshoot": lambda s: 0.05 if s < 0.15 else 1.0 + 0.4 * smooth((s - 0.15) / 0.3) * (1 - smooth((s - 0.45) / 0.6)),
}


class RampingWebcam:
    """A 30 fps webcam that takes 0.5 s to open and whose picture ramps up to LEVEL over a second after opening."""

    def __init__(self, clock: FakeClock, ramp, flicker: float = 0.0) -> None:
        self.clock, self.ramp, self.flicker = clock, ramp, flicker
        self.openings: list[float] = []
        self.opened_at = 0.0
        self.frame = 0

    def open(self, index: int) -> RampingWebcam:
        self.clock.now += OPEN_SECONDS
        self.opened_at = self.clock.now
        self.openings.append(self.opened_at)
        return self

    def isOpened(self) -> bool:
        return True

    def grab(self) -> bool:
        self.clock.now += FRAME
        self.frame += 1
        return True

    def level(self) -> float:
        wobble = self.flicker * (1 if self.frame % 2 else -1)
        return LEVEL * self.ramp(self.clock.now - self.opened_at) * (1 + wobble)

    def retrieve(self):
        return True, np.full((24, 32, 3), min(self.level(), 255), np.uint8)

    def set(self, prop: int, value: float) -> bool:
        return True

    def release(self) -> None:
        pass


def camera_for(webcam: RampingWebcam, clock: FakeClock, **settings) -> Camera:
    cfg = config.defaults().with_changes(camera__mode="sampling", **{f"camera__{k}": v for k, v in settings.items()})
    there = Device(0, "usb-Test-video-index0", "Test Camera")
    return Camera(cfg, 2.0, opener=webcam.open, find=lambda spec: there, clock=clock, wait=clock.wait)


@pytest.mark.parametrize("ramp", RAMPS)
def test_only_settled_frames_are_analysed_and_the_camera_is_open_at_most_a_tenth_of_the_time(ramp):
    clock = FakeClock()
    webcam = RampingWebcam(clock, RAMPS[ramp])
    camera = camera_for(webcam, clock)
    start = clock.now
    frames = []
    # Ten minutes, to the moment the next sample is due (whole sample cycles).
    while clock.now < start + 600 or camera.capture is not None or clock.now < camera.next_sample:
        frame = camera.next_frame()
        if frame is not None:
            frames.append(frame)
        camera.urgent = len(frames) % 10 < 5  # half the time a fault builds up and samples come twice as often
    camera.close()
    assert len(webcam.openings) >= 20
    # Every analysed frame shows the settled picture, never the dark or overshooting start.
    for t, image in frames:
        assert brightness(image) == pytest.approx(LEVEL, rel=0.03), (t, brightness(image))
    duty = camera.open_seconds / (clock.now - start)
    assert duty <= MAX_DUTY + 1e-9
    # Opening and settling were measured for this camera, and the interval stretched for them.
    assert camera.opening["usb-Test-video-index0"] == pytest.approx(OPEN_SECONDS)
    assert 1.0 <= camera.settling_time["usb-Test-video-index0"] <= 1.5
    assert camera.gap() > camera.interval
    assert camera.unsettled == 0


def test_a_picture_that_never_settles_is_analysed_once_the_wait_runs_out():
    clock = FakeClock()
    webcam = RampingWebcam(clock, lambda s: 1.0, flicker=0.1)  # +-10 % from frame to frame, for ever
    camera = camera_for(webcam, clock, settle_seconds=1.5)
    frame = None
    while frame is None:
        frame = camera.next_frame()
    assert frame[0] - webcam.openings[0] == pytest.approx(1.5, abs=2 * FRAME)
    assert camera.unsettled == 1


def test_settle_seconds_0_analyses_the_first_frame():
    clock = FakeClock()
    webcam = RampingWebcam(clock, RAMPS["linear"])
    camera = camera_for(webcam, clock, settle_seconds=0)
    frame = None
    while frame is None:
        frame = camera.next_frame()
    assert frame[0] - webcam.openings[0] == pytest.approx(FRAME)


def test_calibrating_with_the_camera_held_open_does_not_stretch_later_samples():
    clock = FakeClock()
    camera = camera_for(RampingWebcam(clock, RAMPS["smooth"]), clock)
    camera.hold_open = True
    while clock.now < 130:
        camera.next_frame()
    camera.hold_open = False
    while camera.capture is not None or not camera.sample_time:
        camera.next_frame()
    assert camera.gap() < 20  # a 2 s sample stretches 10 s to about 16 s; 30 s held open would make it 270 s


def test_look_now_opens_the_camera_at_once_rather_than_at_the_next_samples_turn():
    clock = FakeClock()
    webcam = RampingWebcam(clock, RAMPS["smooth"])
    camera = camera_for(webcam, clock)
    while camera.next_frame() is None or camera.capture is not None:  # one whole sample taken, the camera closed
        pass
    assert camera.next_sample > clock.now + 5
    camera.look_now()  # the screen was unlocked
    before = len(webcam.openings)
    camera.next_frame()
    assert len(webcam.openings) == before + 1 and camera.next_sample <= clock.now


def test_a_sample_the_machine_slept_in_does_not_space_out_the_samples_after_it():
    clock = FakeClock()
    webcam = RampingWebcam(clock, RAMPS["smooth"])
    camera = camera_for(webcam, clock)

    def sample() -> None:
        while camera.next_frame() is None or camera.capture is not None:
            pass

    sample()
    gap = camera.gap()
    grab = webcam.grab

    def asleep_in_grab() -> bool:
        clock.now += 200  # suspended while the camera took its picture
        webcam.grab = grab
        return grab()

    webcam.grab = asleep_in_grab
    sample()
    assert camera.gap() == pytest.approx(gap)


@pytest.mark.parametrize(
    ("platform", "first"), [("win32", "DSHOW"), ("linux", "V4L2"), ("darwin", "AVFOUNDATION"), ("sunos5", "ANY")]
)
def test_each_platform_opens_cameras_with_its_quick_backend_first(platform, first):
    chosen = backends(platform)
    assert chosen[0][0] == first
    if platform == "win32":
        assert [name for name, _ in chosen] == ["DSHOW", "MSMF"]  # Media Foundation only when DirectShow fails


# Cameras by name ----------------------------------------------------------------------------------------------

C920 = "usb-046d_HD_Pro_Webcam_C920_8A2B3C4D-video-index0"
BUILT_IN_PATH = "pci-0000:00:14.0-usb-0:6:1.0-video-index0"


@pytest.fixture
def linux(tmp_path: Path, monkeypatch) -> Path:
    """A machine with a built-in camera (video0, its metadata node video1) and a C920 (video2)."""
    dev, v4l, sysfs = tmp_path / "dev", tmp_path / "dev" / "v4l", tmp_path / "sys"
    for folder in (dev, v4l / "by-id", v4l / "by-path", sysfs):
        folder.mkdir(parents=True, exist_ok=True)

    def node(n: int, name: str, index: int, by_id: str | None = None, by_path: str | None = None) -> None:
        (dev / f"video{n}").touch()
        (sysfs / f"video{n}").mkdir()
        (sysfs / f"video{n}" / "name").write_text(name + "\n")
        (sysfs / f"video{n}" / "index").write_text(f"{index}\n")
        for folder, link in (("by-id", by_id), ("by-path", by_path)):
            if link:
                (v4l / folder / link).symlink_to(os.path.relpath(dev / f"video{n}", v4l / folder))

    node(0, "Integrated Camera: Integrated C", 0, by_path=BUILT_IN_PATH)
    node(1, "Integrated Camera: Integrated C", 1, by_path=BUILT_IN_PATH.replace("index0", "index1"))
    node(2, "HD Pro Webcam C920", 0, by_id=C920, by_path="pci-0000:00:14.0-usb-0:2:1.0-video-index0")
    monkeypatch.setattr(devices, "V4L", v4l)
    monkeypatch.setattr(devices, "SYSFS", sysfs)
    monkeypatch.setattr(devices, "DEV", dev)
    return tmp_path


def test_linux_cameras_are_listed_by_name_with_stable_ids_and_without_metadata_nodes(linux):
    cameras = devices.linux_cameras()
    assert [(c.index, c.name, c.id) for c in cameras] == [
        (0, "Integrated Camera: Integrated C", BUILT_IN_PATH),
        (2, "HD Pro Webcam C920", C920),
    ]
    assert cameras[1].path == "/dev/video2"


@pytest.mark.parametrize("spec", [2, "2", C920, "hd pro webcam c920", f"/dev/v4l/by-id/{C920}", "/dev/video2"])
def test_camera_device_takes_a_number_an_id_a_name_or_a_path(linux, spec):
    chosen = devices.chosen(spec, devices.linux_cameras())
    assert (chosen.index, chosen.id) == (2, C920)


def test_a_camera_that_is_not_there_is_not_replaced_by_another(linux):
    cameras = devices.linux_cameras()
    for spec, key in ((5, "camera-5"), ("Logitech BRIO", "Logitech BRIO"), ("usb-Other-video-index0", None)):
        chosen = devices.chosen(spec, cameras)
        assert chosen.index is None and not chosen.connected
        assert chosen.id == (key or spec)


def test_old_settings_say_what_to_write_instead():
    with pytest.raises(config.UserError, match=r"'camera\.index' is no longer used: .*write `device = 1`"):
        config.parse(b"[camera]\nindex = 1\n", "old.toml")
    with pytest.raises(config.UserError, match=r"'camera\.warmup_frames' is no longer used: .*delete the line"):
        config.parse(b"[camera]\nwarmup_frames = 5\n", "old.toml")
    assert config.parse(b'[camera]\ndevice = "HD Pro Webcam C920"\n', "new.toml")["camera"]["device"] == (
        "HD Pro Webcam C920"
    )
    with pytest.raises(config.UserError, match=r"camera\.device = 1\.5 is not allowed; expected a whole number from 0"):
        config.parse(b"[camera]\ndevice = 1.5\n", "bad.toml")


def test_the_chosen_camera_that_disappears_is_waited_for_and_found_again_under_another_number(linux):
    clock = FakeClock()
    webcam = RampingWebcam(clock, lambda s: 1.0)
    opened: list[int] = []
    statuses: list[str] = []

    def opener(index: int) -> RampingWebcam:
        opened.append(index)
        return webcam.open(index)

    cfg = config.defaults().with_changes(camera__mode="sampling", camera__device="HD Pro Webcam C920")
    camera = Camera(cfg, 2.0, statuses.append, opener=opener, clock=clock, wait=clock.wait)
    while len(opened) < 2:
        camera.next_frame()
    # Unplugged: the built-in camera is still there, and is never opened instead.
    for path in (linux / "sys" / "video2", linux / "dev" / "video2", linux / "dev" / "v4l" / "by-id" / C920):
        if path.is_dir():
            for child in path.iterdir():
                child.unlink()
            path.rmdir()
        else:
            path.unlink()
    end = clock.now + 300
    while clock.now < end:
        camera.next_frame()
    assert statuses == [OK, MISSING]
    assert opened == [2, 2]
    assert camera.label == "HD Pro Webcam C920"
    # Plugged in again, it comes back as video4.
    sysfs = linux / "sys" / "video4"
    sysfs.mkdir()
    (sysfs / "name").write_text("HD Pro Webcam C920\n")
    (sysfs / "index").write_text("0\n")
    (linux / "dev" / "video4").touch()
    (linux / "dev" / "v4l" / "by-id" / C920).symlink_to("../../video4")
    while camera.status != OK:
        camera.next_frame()
    assert opened[-1] == 4 and camera.device.id == C920
    assert statuses == [OK, MISSING, OK]


def test_calibration_is_kept_per_camera_id_and_an_old_numbered_one_is_taken_over_once(linux):
    c920 = devices.chosen("HD Pro Webcam C920", devices.linux_cameras())
    old = Baseline("front", {"head_height": 0.5}, {"head_height": 0.01}, 20)
    laptop = Baseline("front", {"head_height": 0.6}, {"head_height": 0.01}, 20)
    baselines.save(old, "camera-2")  # stored by number, before ids
    baselines.save(laptop, "camera-2", "laptop")  # and a profile of it
    try:
        assert baselines.load_for(c920) == {"desk": old, "laptop": laptop}
        assert baselines.path_for(C920).exists() and not baselines.path_for("camera-2").exists()
        assert baselines.path_for(C920, "laptop").name == f"{C920}@laptop.json"
        assert baselines.path_for(C920, "laptop").exists() and not baselines.path_for("camera-2", "laptop").exists()
        # Another camera given number 2 later starts without them.
        other = replace(c920, id="usb-Other-video-index0")
        assert baselines.load_for(other) == {}
        # Once: a file stored by number later is not mixed into the camera's own.
        baselines.save(laptop, "camera-2", "standing")
        assert baselines.load_for(c920) == {"desk": old, "laptop": laptop}
        assert baselines.path_for(C920).name == f"{C920}.json"
        assert baselines.path_for("../odd name").name == "_odd_name.json"
    finally:
        for camera_id, profile in ((C920, "desk"), (C920, "laptop"), ("camera-2", "standing")):
            baselines.path_for(camera_id, profile).unlink(missing_ok=True)


def test_cameras_command_lists_names_and_ids_and_marks_the_one_in_use(linux, tmp_path, capsys):
    cfg = tmp_path / "c920.toml"
    cfg.write_text(f'[camera]\ndevice = "{C920}"\n')
    assert cli.main(["cameras", "--config", str(cfg)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"  0  Integrated Camera: Integrated C  id: {BUILT_IN_PATH}  /dev/video0",
        f"* 2  HD Pro Webcam C920  id: {C920}  /dev/video2",
        f"camera.device = '{C920}': HD Pro Webcam C920 (camera 2), marked *",
    ]
    cfg.write_text("[camera]\ndevice = 7\n")
    assert cli.main(["cameras", "--config", str(cfg)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("camera.device = 7: not connected; ")
