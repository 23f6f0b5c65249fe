"""Finding, downloading and verifying the MediaPipe pose model.

Order: ``model.path`` in the config, ``$POSTURE_WATCH_MODEL``, the per-user
cache, then a download from the official MediaPipe address into the cache,
checked against a pinned sha256 before it is moved in atomically.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

from tqdm import tqdm

from .. import paths
from ..config import Config
from ..errors import UserError

ENV = "POSTURE_WATCH_MODEL"
CACHE = "the per-user cache"
# A versioned address, not ".../latest/": the pinned hash below is of version 1, so a newer model
# published under "latest" cannot break every fresh install.
URL = (
    "https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
    "pose_landmarker_{variant}/float16/1/pose_landmarker_{variant}.task"
)
# Pinned for the variant the app uses by default; the others are checked for
# being a complete model bundle and their hash is printed.
SHA256 = {"lite": "59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a"}
_BUNDLE = {"pose_detector.tflite", "pose_landmarks_detector.tflite"}
_TIMEOUT = 30


def url_for(variant: str) -> str:
    """The official download address of a model variant."""
    return URL.format(variant=variant)


def cached_path(variant: str) -> Path:
    """Where the per-user cache keeps a variant."""
    return paths.cache_dir() / "models" / f"pose_landmarker_{variant}.task"


def configured_path(config: Config) -> tuple[Path | None, str]:
    """The model file to use without downloading, and where that choice came from."""
    variant = config["model"]["variant"]
    if config["model"]["path"]:
        return Path(config["model"]["path"]).expanduser(), "model.path in the config"
    if os.environ.get(ENV):
        return Path(os.environ[ENV]).expanduser(), f"${ENV}"
    cached = cached_path(variant)
    return (cached if cached.exists() else None), CACHE


def remedy(origin: str) -> str:
    """How to fix a bad model file, by where it came from: only the cache's own file is ours to delete."""
    if origin == CACHE:
        return "delete it and run `posture-watch model download`, or `posture-watch model import FILE`"
    if origin == f"${ENV}":
        return f"point ${ENV} at a good pose_landmarker .task file, or unset it to use the per-user cache"
    return 'fix model.path in your settings, or set it to "" to use the per-user cache'


def configured(config: Config) -> tuple[Path, str, str] | None:
    """The model file in use without downloading, checked: (path, where it came from, sha256).

    None when there is none yet; UserError (with the fix for where it came
    from) when the file named is missing or not a good model.
    """
    path, origin = configured_path(config)
    if path is None:
        return None
    if not path.is_file():
        raise UserError(f"pose model not found at {path} (from {origin}); {remedy(origin)}")
    # A file picked explicitly may be any variant; only the cache is held to the pin.
    digest = verify(path, config["model"]["variant"] if origin == CACHE else None, remedy(origin))
    return path, origin, digest


def ensure(config: Config, url: str | None = None) -> Path:
    """A verified model file, downloading it into the cache if nothing else has it."""
    found = configured(config)
    return download(config["model"]["variant"], url) if found is None else found[0]


def cached_digest(variant: str) -> str | None:
    """The sha256 of the variant in the cache when that file is there and good, else None."""
    path = cached_path(variant)
    if not path.is_file():
        return None
    try:
        return verify(path, variant)
    except UserError:
        return None


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, variant: str | None, fix: str = remedy(CACHE)) -> str:
    """Check that ``path`` is a complete model bundle (and, for a pinned variant, the exact file).

    Returns the sha256. Raises :class:`UserError` saying what is wrong and ``fix``.
    """
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise UserError(f"{path} is not a MediaPipe .task model bundle ({exc}); {fix}") from None
    if not names >= _BUNDLE:
        raise UserError(
            f"{path} is not a pose landmarker model (it lacks {', '.join(sorted(_BUNDLE - names))}); {fix}"
        )
    digest = sha256_of(path)
    expected = SHA256.get(variant or "")
    if expected and digest != expected:
        raise UserError(f"{path} has sha256 {digest}, but the {variant} model must have {expected}; {fix}")
    return digest


def offline_message(variant: str, reason: object) -> str:
    """What to tell a user whose machine cannot download the model."""
    return (
        f"could not download the pose model ({reason}).\n"
        f"On a machine with internet access, download\n  {url_for(variant)}\n"
        f"then bring the file here and run\n  posture-watch model import pose_landmarker_{variant}.task\n"
        f"or point ${ENV} (or model.path in the config) at it."
    )


def download(variant: str, url: str | None = None) -> Path:
    """Fetch a variant into the cache, verify it, and move it in atomically.

    Only HTTPS is used, except from this machine itself (a local mirror).
    """
    dest = cached_path(variant)
    source = url or url_for(variant)
    parts = urllib.parse.urlsplit(source)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")):
        raise UserError(f"{source}: the model is only downloaded over https (or http from this machine)")
    paths.private_dir(dest.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=".download-", suffix=".task", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        try:
            with urllib.request.urlopen(source, timeout=_TIMEOUT) as response, os.fdopen(fd, "wb") as out:
                total = int(response.headers.get("Content-Length") or 0) or None
                with tqdm(
                    total=total, unit="B", unit_scale=True, desc="pose model", disable=not sys.stderr.isatty()
                ) as bar:
                    for chunk in iter(lambda: response.read(1 << 16), b""):
                        out.write(chunk)
                        bar.update(len(chunk))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise UserError(offline_message(variant, getattr(exc, "reason", exc))) from None
        try:
            verify(tmp, variant, "nothing was saved; use the official address, or `posture-watch model import FILE`")
        except UserError as exc:
            raise UserError(f"the download from {source} was refused: {exc}") from None
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    return dest


def import_file(source: Path, variant: str) -> Path:
    """Copy a model file the user brought into the cache after verifying it."""
    if source.is_dir():
        raise UserError(f"{source} is a folder; give the path of the downloaded .task file in it")
    if not source.is_file():
        raise UserError(f"{source}: no such file; give the path of a downloaded .task model")
    # Nothing is imported from a bad file, and the user's own file is left alone, whatever it is.
    verify(source, variant, f"nothing was imported. Download the model from\n  {url_for(variant)}")
    dest = cached_path(variant)
    paths.private_dir(dest.parent)
    fd, tmp_name = tempfile.mkstemp(prefix=".import-", suffix=".task", dir=dest.parent)
    os.close(fd)
    try:
        shutil.copyfile(source, tmp_name)
        os.replace(tmp_name, dest)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    return dest
