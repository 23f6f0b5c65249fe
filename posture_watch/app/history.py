"""``posture-watch history``: the user's history exported as CSV files, or deleted, all of it or the older days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from ..config import Config
from ..errors import UserError
from ..history import store


def existing(settings: Config, given: Path | None, fix: str = "") -> Path:
    """The history a command reads (``given``, else the one the settings name); UserError if there is none yet."""
    path = given if given is not None else store.path_for(settings)
    if not path.exists():
        raise UserError(f"{path}: no history yet{fix}")
    return path


def export(settings: Config, given: Path | None, folder: Path | None) -> list[Path]:
    """Each table as ``folder/TABLE.csv``; the files written."""
    db = store.connect(existing(settings, given))
    try:
        if folder is None:
            raise UserError("history export needs --csv DIR: the folder to write the CSV files to")
        if folder.exists() and not folder.is_dir():
            raise UserError(f"{folder} is a file, not a folder; give --csv a folder for the CSV files")
        return store.export_csv(db, folder)
    finally:
        db.close()


def delete(
    settings: Config, given: Path | None, before: datetime | None, confirmed: Callable[[Path], bool]
) -> str | None:
    """Delete the days before ``before`` (None: all of it, once ``confirmed(path)``) and give the space back.

    Returns what was deleted, in words; None when deleting all of it was not confirmed (nothing deleted).
    """
    path = existing(settings, given)
    db = store.connect(path)
    try:
        if before is None and not confirmed(path):
            return None
        removed = store.prune(db, before.timestamp() if before else float("inf"))
        db.execute("VACUUM")
    finally:
        db.close()
    what = f"before {before:%Y-%m-%d}" if before else "all of it"
    return f"deleted {removed} record(s) from {path} ({what})"
