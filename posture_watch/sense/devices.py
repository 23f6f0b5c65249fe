"""Which cameras there are, by name and stable id, and which one ``camera.device`` names.

The operating system numbers cameras in the order it found them, so plugging
in a webcam or a capture card can give "camera 0" to another device. On Linux
udev gives each camera a stable link in ``/dev/v4l/by-id`` (vendor, model and
serial number) and the kernel its name in ``/sys/class/video4linux/videoN/name``:
those are the id and the name here, and a camera chosen by either is found
again under whatever number it has today. A camera chosen by name or id that
is not connected is not connected: nothing falls back to another camera.

Elsewhere OpenCV offers no names: cameras are listed by index (``camera-N``),
found by opening each index in turn.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Where Linux describes its cameras; tests point these at folders of their own.
V4L = Path("/dev/v4l")
SYSFS = Path("/sys/class/video4linux")
DEV = Path("/dev")
# Indexes tried when listing cameras by opening them (platforms without a device list).
PROBED = 8

Spec = int | str


@dataclass(frozen=True)
class Device:
    """A camera: ``index`` is what OpenCV opens (None: not connected now), ``id`` stays the same across plugs."""

    index: int | None
    id: str
    name: str
    path: str | None = None

    @property
    def connected(self) -> bool:
        return self.index is not None

    def label(self) -> str:
        """How messages name it: "camera 0", or the device's own name with its number."""
        if self.name == index_name(self.index):
            return self.name
        return f"{self.name} (camera {self.index})" if self.index is not None else self.name


def index_id(index: int) -> str:
    """The id of a camera known only by its number: also the name of its calibration file before ids."""
    return f"camera-{index}"


def index_name(index: int | None) -> str:
    return f"camera {index}"


def linux_cameras(v4l: Path | None = None, sysfs: Path | None = None, dev: Path | None = None) -> list[Device]:
    """Video capture devices from sysfs, each with its ``by-id`` link (else ``by-path``, else ``videoN``).

    A webcam often has two nodes, one for pictures and one for metadata; the
    kernel gives the picture node index 0 (``.../videoN/index``), and only
    those are cameras here. Without sysfs (some containers) every ``/dev/videoN``
    is taken for a camera.
    """
    v4l = v4l or V4L
    sysfs = sysfs or SYSFS
    dev = dev or DEV
    links: dict[str, str] = {}
    for folder in ("by-path", "by-id"):  # by-id last: it wins
        try:
            entries = sorted((v4l / folder).iterdir())
        except OSError:
            continue
        for link in entries:
            try:
                target = link.resolve().name if link.is_symlink() else link.name
            except OSError:
                continue
            links[target] = link.name
    cameras = []
    try:
        nodes = list(sysfs.iterdir())
    except OSError:
        nodes = list(dev.glob("video*"))
    for node in sorted(nodes, key=lambda p: _number(p.name) or 0):
        number = _number(node.name)
        if number is None or _read(node / "index") not in (None, "0"):
            continue
        name = _read(node / "name") or index_name(number)
        cameras.append(Device(number, links.get(node.name, node.name), name, f"/dev/{node.name}"))
    return cameras


def probed_cameras(opens: Callable[[int], bool], count: int = PROBED) -> list[Device]:
    """Cameras found by trying to open each index (its light may blink): where the OS lists none for us."""
    return [Device(i, index_id(i), index_name(i)) for i in range(count) if opens(i)]


def listed(platform: str = sys.platform) -> list[Device] | None:
    """The cameras the OS lists without opening them; None where it lists none (then only indexes are known)."""
    return linux_cameras() if platform.startswith("linux") else None


def chosen(spec: Spec, cameras: list[Device] | None) -> Device:
    """The camera ``camera.device`` names: a number, a stable id, a name, or a device path.

    Among ``cameras`` (None: no list, so a number is taken as it is). A camera
    that is not there comes back with ``index`` None and the id the spec gives
    (``camera-N`` for a number, the spec itself otherwise), so its calibration
    has a place before it is plugged in. Two cameras with the same name: the
    lower number wins (``posture-watch cameras`` shows their ids to choose by).
    """
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        number = int(spec)
        if cameras is None:
            return Device(number, index_id(number), index_name(number))
        found = [c for c in cameras if c.index == number]
        return found[0] if found else Device(None, index_id(number), index_name(number))
    text = spec.strip()
    if cameras is None:
        match = re.fullmatch(r"camera[- ](\d+)", text)
        if match:
            return chosen(int(match.group(1)), None)
        return Device(None, text, text)
    by_path = Path(text).name if "/" in text else None
    for test in (
        lambda c: c.id == text,
        lambda c: by_path is not None and (c.id == by_path or c.path == text),
        lambda c: c.name.casefold() == text.casefold(),
    ):
        found = [c for c in cameras if test(c)]
        if found:
            return found[0]
    return Device(None, by_path or text, text)


def _number(name: str) -> int | None:
    match = re.fullmatch(r"video(\d+)", name)
    return int(match.group(1)) if match else None


def _read(path: Path) -> str | None:
    try:
        return path.read_text("utf-8", errors="replace").strip()
    except OSError:
        return None
