"""What posture-watch installs, what the monitor imports, and the monitor's peak memory.

    python benchmarks/memory.py [--seconds 60] [--no-monitor] [--compare]

Prints three things:

- the installed size of every package ``pip install .`` brings (posture-watch's
  own requirements and theirs, without the test extras), from each
  distribution's file list (what ``du`` counts in site-packages, ``cv2`` and
  ``opencv_contrib_python.libs`` together under opencv-contrib-python), and
  which of them MediaPipe itself requires;
- the resident memory of a fresh interpreter after ``import posture_watch.app.run``
  (what ``run`` loads before it opens the model), and which heavy packages
  that import pulled in;
- the peak RSS (the kernel's ``VmHWM``) of ``posture-watch run --no-tray
  --source VIDEO`` at default settings on a generated neutral recording,
  after ``--seconds`` of monitoring (it is then stopped with SIGTERM), with
  its largest resident parts; ``--compare`` runs it a second time with
  MediaPipe's drawing helpers loaded, as ``import mediapipe`` used to.

Linux only (memory comes from /proc). Needs the pose model
($POSTURE_WATCH_MODEL, or ../shared/models/pose_landmarker_lite.task) and,
for the recording, the test extras (pip install '.[test]').
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from posture_watch.config import tomllib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("POSTURE_WATCH_MODEL", str(ROOT.parent / "shared" / "models" / "pose_landmarker_lite.task"))

# Packages whose presence after `import posture_watch.app.run` is worth naming.
HEAVY = (
    "matplotlib", "PIL", "scipy", "jax", "tqdm", "pystray", "plyer", "desktop_notifier", "dbus_fast", "Xlib",
    "sounddevice", "_cffi_backend", "asyncio", "sqlite3", "urllib.request", "webbrowser",
)  # fmt: skip


def requirements(name: str) -> list[str]:
    """The distributions ``name`` requires at run time (no extras), as installed names.

    posture-watch's own come from pyproject.toml, what ``pip install .`` reads:
    an editable install's metadata keeps the list of when it was installed.
    """
    if name == "posture-watch":
        texts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    else:
        texts = metadata.requires(name) or []
    out = []
    for text in texts:
        req = Requirement(text)
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        out.append(canonicalize_name(req.name))
    return out


def closure(name: str) -> set[str]:
    """``name`` and everything it requires, transitively, that is installed."""
    seen: set[str] = set()
    todo = [canonicalize_name(name)]
    while todo:
        dist = todo.pop()
        if dist in seen:
            continue
        if not _installed(dist):
            print(f"  (required but not installed here: {dist})")
            continue
        seen.add(dist)
        todo.extend(requirements(dist))
    return seen


def installed_mb(name: str) -> float:
    """Disk use of a distribution's installed files (blocks, as du counts them), in MB."""
    total = 0
    for file in metadata.distribution(name).files or []:
        try:
            total += Path(file.locate()).stat().st_blocks * 512
        except OSError:
            continue
    return total / 1e6


def sizes() -> dict:
    ours = closure("posture-watch")
    theirs = closure("mediapipe")
    rows = sorted(((installed_mb(d), d) for d in ours), reverse=True)
    print("installed size of what `pip install .` brings (MB; * = MediaPipe requires it, directly or not)")
    for mb, dist in rows:
        print(f"  {mb:8.1f}  {dist}{' *' if dist in theirs and dist != 'mediapipe' else ''}")
    total = sum(mb for mb, _ in rows)
    by_mediapipe = sum(mb for mb, d in rows if d in theirs)
    print(f"  {total:8.1f}  total ({len(rows)} distributions); mediapipe and its requirements: {by_mediapipe:.1f} MB")
    site = Path(metadata.distribution("mediapipe").locate_file(""))
    du = subprocess.run(["du", "-sm", str(site)], capture_output=True, text=True, check=False).stdout.split()
    if du:
        print(f"  (this environment's site-packages, test extras included: {du[0]} MB)")
    mp_requires = metadata.requires("mediapipe") or []
    print(f"mediapipe {metadata.version('mediapipe')} Requires-Dist: {', '.join(mp_requires)}")
    opencv = sorted(d for d in ("opencv-python", "opencv-python-headless", "opencv-contrib-python",
                                "opencv-contrib-python-headless") if _installed(d))  # fmt: skip
    print(f"OpenCV distributions installed: {', '.join(opencv)}")
    return {
        "installed_mb": {d: round(mb, 1) for mb, d in rows},
        "total_mb": round(total, 1),
        "mediapipe_and_its_requirements_mb": round(by_mediapipe, 1),
        "mediapipe_requires": mp_requires,
    }


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def import_rss() -> dict:
    """RSS of a fresh interpreter after importing what `run` imports."""
    probe = (
        "import sys, importlib.util, json\n"
        "import posture_watch.app.run\n"
        "rss = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS:'))\n"
        "lazy = getattr(importlib.util, '_LazyModule', ())\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules and not isinstance(sys.modules[m], lazy)]\n"
        "print(json.dumps({'rss_mb': round(rss / 1024, 1), 'loaded': heavy}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    result = json.loads(out.splitlines()[-1])
    print(f"RSS after `import posture_watch.app.run`: {result['rss_mb']:.0f} MB; loaded: {', '.join(result['loaded'])}")
    return result


def _status(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


# Run the monitor with MediaPipe's drawing helpers (and so matplotlib.pyplot) loaded, as before they were lazy.
WITH_DRAWING = (
    "import sys\n"
    "from posture_watch.sense.mediapipe_tasks import vision\n"
    "vision.drawing_styles.__name__  # runs the lazily loaded module\n"
    "from posture_watch.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def mappings(pid: int, top: int = 8) -> list[tuple[str, float]]:
    """The largest resident parts of a process, in MB: shared libraries by file, anonymous memory as one."""
    sizes: dict[str, float] = {}
    name = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        parts = line.split()
        if parts and "-" in parts[0] and not parts[0].endswith(":"):
            name = Path(parts[5]).name if len(parts) > 5 and parts[5].startswith("/") else "anonymous"
        elif parts and parts[0] == "Rss:":
            sizes[name] = sizes.get(name, 0.0) + int(parts[1]) / 1024
    return sorted(sizes.items(), key=lambda kv: -kv[1])[:top]


def monitor_peak(seconds: float, with_drawing: bool = False) -> dict:
    """Peak RSS of `posture-watch run --no-tray --source VIDEO` at defaults after ``seconds``."""
    from make_test_videos import make_video

    exe = shutil.which("posture-watch", path=str(Path(sys.executable).parent))
    assert exe, "pip install . must install the posture-watch command beside python"
    command = [sys.executable, "-c", WITH_DRAWING] if with_drawing else [exe]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        video = make_video(folder / "neutral.mp4", "neutral", seconds + 30, 10)
        env = {**os.environ, **{f"XDG_{k}_HOME": str(folder / k.lower()) for k in ("CONFIG", "DATA", "STATE", "CACHE")}}
        proc = subprocess.Popen(
            [*command, "run", "--no-tray", "--source", str(video)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        began = time.monotonic()
        peak = rss = anon = 0.0
        parts: list[tuple[str, float]] = []
        try:
            while time.monotonic() - began < seconds and proc.poll() is None:
                time.sleep(0.5)
                peak, rss, anon = (_status(proc.pid, key) for key in ("VmHWM", "VmRSS", "RssAnon"))
            if proc.poll() is None:
                parts = mappings(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
    calibrated = bool(re.search(r"calibrated: ", err))
    label = "with MediaPipe's drawing helpers loaded" if with_drawing else "as installed"
    print(
        f"monitor `run --no-tray --source` at defaults, {label}, {seconds:g} s: peak RSS (VmHWM) {peak:.0f} MB, "
        f"RSS at the end {rss:.0f} MB ({anon:.0f} MB anonymous, {rss - anon:.0f} MB pages of files), "
        f"exit {proc.returncode}, calibrated {calibrated}"
    )
    print("  largest parts at the end: " + ", ".join(f"{name} {mb:.0f} MB" for name, mb in parts))
    return {
        "peak_rss_mb": round(peak, 1),
        "rss_mb": round(rss, 1),
        "anonymous_mb": round(anon, 1),
        "largest_mb": {name: round(mb, 1) for name, mb in parts},
        "exit": proc.returncode,
        "calibrated": calibrated,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the monitor runs before its peak is read")
    parser.add_argument("--no-monitor", action="store_true", help="sizes and imports only")
    parser.add_argument(
        "--compare", action="store_true", help="also run the monitor with MediaPipe's drawing helpers loaded (before)"
    )
    args = parser.parse_args()
    result = {"sizes": sizes(), "import": import_rss()}
    if not args.no_monitor:
        result["monitor"] = monitor_peak(args.seconds)
        if args.compare:
            result["monitor_with_drawing"] = monitor_peak(args.seconds, with_drawing=True)
    print()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
