"""``posture-watch uninstall``: what the program leaves on the computer besides itself, and its removal.

The program's own files are removed by the installer that put them there
(pipx or pip); this removes the rest: the autostart entry (which would
otherwise start a program that is gone at every login) and, when the user
says so, the per-user folders: settings, history, calibrations, reports,
log and the pose model. Files the user named themselves (``history.path``,
``model.path``, ``$POSTURE_WATCH_MODEL``) are theirs and stay.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from .. import config, paths
from ..desktop import autostart
from ..desktop.instance import AlreadyRunning, InstanceLock
from ..errors import UserError
from ..sense import model


def folders() -> list[tuple[str, Path]]:
    """(what it holds, folder) for each per-user folder that exists; a folder inside another is not repeated."""
    named = [
        ("settings", paths.config_file().parent),
        ("history, calibrations and reports", paths.data_dir()),
        ("the pose model", paths.cache_dir()),
        ("the log", paths.log_dir()),
        ("the running monitor's lock", paths.state_dir()),
    ]
    kept: list[tuple[str, Path]] = []
    # Outer folders first, so one inside another (Linux keeps the log inside the state folder) joins it.
    for what, folder in sorted(named, key=lambda item: len(item[1].parts)):
        if not folder.is_dir():
            continue
        outer = next((i for i, (_, k) in enumerate(kept) if folder.is_relative_to(k)), None)
        if outer is None:
            kept.append((what, folder))
        else:
            kept[outer] = (f"{kept[outer][0]}, {what}", kept[outer][1])
    order = [folder for _, folder in named]
    return sorted(kept, key=lambda item: order.index(item[1]))


def size(folder: Path) -> int:
    """Bytes in the files under ``folder``."""
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


def not_running() -> None:
    """UserError while a monitor runs: its files would be deleted under it, and it would write them again."""
    try:
        with InstanceLock():
            pass
    except AlreadyRunning as exc:
        raise UserError(f"{exc}: Quit it (tray menu, or Ctrl-C in its terminal) and run uninstall again") from None


def remove(delete_data: bool) -> list[str]:
    """Remove the autostart entry, and the per-user folders when ``delete_data``; what was done, line by line."""
    done = []
    on, entry = autostart.status()
    if on:
        autostart.disable()
        done.append(f"removed the autostart entry {entry}")
    else:
        done.append(f"no autostart entry to remove ({entry})")
    if delete_data:
        for what, folder in folders():
            shutil.rmtree(folder)
            done.append(f"deleted {folder} ({what})")
    else:
        done.extend(f"kept {folder} ({what})" for what, folder in folders())
    done.extend(_theirs())
    return done


def _theirs() -> list[str]:
    """Files outside the program's folders that the settings or the environment name: left to the user."""
    try:
        settings = config.load()
    except UserError:
        settings = config.defaults()
    named = [
        ("your history", settings["history"]["path"], "history.path"),
        ("the model file", settings["model"]["path"], "model.path"),
        ("the model file", os.environ.get(model.ENV, ""), f"${model.ENV}"),
    ]
    return [
        f"left {what} at {path}, which {origin} names; delete it yourself if you no longer want it"
        for what, path, origin in named
        if path and Path(path).expanduser().exists()
    ]


def removal_command(prefix: str = sys.prefix, base: str = sys.base_prefix, python: str = sys.executable) -> str:
    """How to remove the program itself, for the way it was installed (pipx, a virtual environment, pip)."""
    environment = Path(prefix)
    if environment.parent.name == "venvs" and environment.parent.parent.name == "pipx":
        return f"pipx uninstall {environment.name}"
    pip = f"{python} -m pip uninstall posture-watch"
    if prefix != base:
        return f"{pip} (or delete {environment}, if you made that environment for posture-watch)"
    return pip
