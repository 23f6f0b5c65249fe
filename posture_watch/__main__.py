"""``python -m posture_watch``."""

import sys

from .cli import main

sys.exit(main())
