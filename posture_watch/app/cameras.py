"""``posture-watch cameras``: the cameras this machine has, by name and id, and which one ``camera.device`` picks.

The pick is :func:`~..sense.devices.chosen`, the same as every command's camera (``sense.camera.find_device``);
where the OS lists no cameras, this listing opens each number to find them, which the monitor never does.
"""

from __future__ import annotations

from ..config import Config
from ..sense import devices
from ..sense.camera import can_open


def listing(settings: Config) -> list[str]:
    """One line per camera (the chosen one marked ``*``), then what ``camera.device`` picks or how to fix it."""
    spec = settings["camera"]["device"]
    found = devices.listed()
    if found is None:  # no list from the OS: look through each number
        found = devices.probed_cameras(can_open)
    chosen = devices.chosen(spec, found)
    lines = []
    for camera in found:
        mark = "*" if camera == chosen else " "
        where = f"  {camera.path}" if camera.path else ""
        lines.append(f"{mark} {camera.index}  {camera.name}  id: {camera.id}{where}")
    if not found:
        lines.append("no cameras found")
    setting = f"camera.device = {spec!r}" if isinstance(spec, str) else f"camera.device = {spec}"
    if chosen.connected:
        lines.append(f"{setting}: {chosen.label()}, marked *")
    else:
        lines.append(f"{setting}: not connected; plug it in, or set camera.device to a number, name or id listed here")
    return lines
