"""Signalling a posture-watch process at a chosen moment of its life, for the tests and the stopping benchmark.

A signal sent before the process has installed its handler would meet Python's default action, which says
nothing about posture-watch; so each moment is counted from when the kernel says the handler is in place.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path


def catches(pid: int, signum: int) -> bool:
    """Whether process ``pid`` has a handler for ``signum`` yet (the kernel's SigCgt mask)."""
    status = Path(f"/proc/{pid}/status").read_text()
    mask = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
    return bool(mask >> (signum - 1) & 1)


def signal_after(proc: subprocess.Popen, signum: int, delay: float) -> float:
    """Send ``signum`` to ``proc`` ``delay`` seconds after it can catch it; the monotonic instant it was sent."""
    while not catches(proc.pid, signum):
        assert proc.poll() is None, proc.communicate()[1]
        time.sleep(0.001)
    time.sleep(delay)
    sent = time.monotonic()
    proc.send_signal(signum)
    return sent
