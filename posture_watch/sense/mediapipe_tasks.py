"""MediaPipe's Tasks API without the drawing helpers that ``import mediapipe`` loads and never uses here.

``import mediapipe`` imports every task, and ``mediapipe.tasks.python.vision``
imports its ``drawing_utils`` and ``drawing_styles`` modules, which import
``matplotlib.pyplot`` (and with it PIL, pyparsing, fonts...): about 33 MB
resident in a process that never draws (benchmarks/memory.py,
docs/performance.md). Those two modules are loaded lazily instead: their
module objects exist as MediaPipe expects, and run only if something reads
an attribute of them.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

# Modules of MediaPipe that only draw (matplotlib, cv2 drawing); nothing here draws.
DRAWING = frozenset({"mediapipe.tasks.python.vision.drawing_utils", "mediapipe.tasks.python.vision.drawing_styles"})


class _LazyDrawing(importlib.abc.MetaPathFinder):
    """Finds the drawing modules as usual, with a loader that runs them on first use."""

    def find_spec(
        self, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name not in DRAWING:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path, target)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


_finder = _LazyDrawing()
sys.meta_path.insert(0, _finder)
try:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision
finally:
    sys.meta_path.remove(_finder)

__all__ = ["BaseOptions", "mp", "vision"]
